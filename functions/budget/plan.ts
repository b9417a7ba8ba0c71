/**
 * The arithmetic of the shared budget, pure (docs/shared-budget.md writes it out): slot
 * spacing, how far ahead each lane may claim, when a container that lost the coordinator may
 * start on its static share, and when all resume coordinated starts. The guarantee: slots are
 * absolute times `intervalMs` apart on one shared timeline, so any n + 1 consecutive slots span
 * 1000 ms + clock skew + lateness + jitter, and no sliding second at respond.io receives more
 * than n (the whole part of the highest rate in force, never above the ceiling).
 */

/** respond.io counts requests in a sliding window of this length. */
export const WINDOW_MS = 1000;
/** A slot starts at most this late (timer lateness, a claim answered just after its slot); later, it is given up. */
export const SLOT_LATENESS_MS = 10;
/** Left for the difference in network delay between two requests on their way to respond.io. */
export const ARRIVAL_JITTER_MS = 20;
/** A container on the fallback asks the coordinator again at least this often (and before any start after it). */
export const PROBE_PERIOD_MS = 1000;
/** The batch lane claims a slot no earlier than this before it (so the claim's answer arrives in time). */
const MIN_BATCH_HORIZON_MS = 10;
/** A busy batch container claims about this many times a second at most (more slots per claim above). */
const BATCH_CLAIMS_PER_SECOND = 50;
/** No claim takes a first slot further ahead of its sender's clock than this (at least two slots). */
const MIN_REACH_MS = 1000;

export interface BudgetSettings {
  /** The organisation's budget, requests per second (RESPONDIO_RATE_LIMIT_RPS): the ceiling. */
  readonly rps: number;
  /** The most any two containers' clocks may differ, ms (RATE_BUDGET_CLOCK_SKEW_MS). */
  readonly clockSkewMs: number;
  /** Timeout of one call to the coordinator, ms (RATE_BUDGET_TIMEOUT_MS). */
  readonly coordinatorTimeoutMs: number;
  /** The share of slots a waiting batch container is owed at least (RATE_BUDGET_BATCH_MIN_SHARE). */
  readonly batchMinShare: number;
  /** The slowest rate it may learn, requests/s: delays hold from it to `rps`. Default `rps`. */
  readonly floorRps?: number;
}

/** How slots are spaced and claimed at one rate. */
export interface SlotShape {
  /** Most starts in any sliding second: the whole part of the rate (1 below 1 request/s). */
  readonly startsPerWindow: number;
  /** Distance between two consecutive slots, ms (rounded up to a microsecond). */
  readonly intervalMs: number;
  /** A batch claim is refused when the first free slot is further ahead than this. */
  readonly batchHorizonMs: number;
  /** Slots a batch claim takes at most: one up to 50 requests/s, then enough for ~50 claims/s. */
  readonly batchBlock: number;
  /** No claim's first slot is further ahead than this (API claims and starving batch claims). */
  readonly reachMs: number;
  /** A batch container that got no slot for this long while rows wait claims like the API (no horizon). */
  readonly starvationMs: number;
}

/** The plan: the shape at the ceiling (`rps`), and delays that hold at any rate down to the floor. */
export interface BudgetPlan extends BudgetSettings, SlotShape {
  readonly floorRps: number;
  /** From the send time of the first failed claim to the first start on the static share. */
  readonly fallbackDelayMs: number;
  /** A container back from the fallback announces coordinated starts to resume this much later. */
  readonly resumeDelayMs: number;
  /**
   * A cut-off container whose last answered call is older than this announces a resume instead
   * of starting again at once: others may have gone onto the fallback meanwhile.
   */
  readonly rejoinWithinMs: number;
}

/** Rounded up to a microsecond: DynamoDB adds decimals exactly, and spacing never shrinks. */
function ceilMicro(ms: number): number {
  return Math.ceil(ms * 1000 - 1e-6) / 1000;
}

/** The starts the budget allows in any one-second window. */
export function startsPerWindow(rps: number): number {
  return rps >= 1 ? Math.floor(rps + 1e-9) : 1;
}

/**
 * The slot interval. With n = startsPerWindow(rps) ≥ 1: (1000 + g) / n, so n + 1 consecutive slots
 * span 1000 + g ms; g = clockSkewMs + SLOT_LATENESS_MS + ARRIVAL_JITTER_MS. Below 1 request/s:
 * 1000 / rps + g (one start per 1/rps seconds, never two in one second).
 */
export function slotIntervalMs(rps: number, clockSkewMs: number): number {
  const margin = clockSkewMs + SLOT_LATENESS_MS + ARRIVAL_JITTER_MS;
  return ceilMicro(
    rps >= 1 ? (WINDOW_MS + margin) / startsPerWindow(rps) : WINDOW_MS / rps + margin,
  );
}

/** How slots are spaced and claimed when the budget's rate is `rps` (at most the plan's ceiling). */
export function shapeAt(
  settings: Pick<BudgetSettings, 'clockSkewMs' | 'batchMinShare'>,
  rps: number,
): SlotShape {
  const intervalMs = slotIntervalMs(rps, settings.clockSkewMs);
  return {
    startsPerWindow: startsPerWindow(rps),
    intervalMs,
    batchHorizonMs: Math.max(intervalMs / 2, MIN_BATCH_HORIZON_MS),
    // One slot per claim keeps an API lookup's wait short; above 50 requests/s a few slots per
    // claim keep the claims (one write each) to about 50 a second per container.
    batchBlock: Math.max(1, Math.ceil(startsPerWindow(rps) / BATCH_CLAIMS_PER_SECOND)),
    reachMs: Math.max(MIN_REACH_MS, 2 * intervalMs),
    starvationMs: intervalMs / settings.batchMinShare,
  };
}

export function budgetPlan(settings: BudgetSettings): BudgetPlan {
  const { rps, clockSkewMs, coordinatorTimeoutMs, batchMinShare } = settings;
  const floorRps = Math.min(settings.floorRps ?? rps, rps);
  if (!(rps > 0) || !(floorRps > 0) || !(clockSkewMs >= 0) || !(coordinatorTimeoutMs > 0)) {
    throw new RangeError('budgetPlan: rps, its floor and the coordinator timeout must be positive');
  }
  if (!(batchMinShare > 0 && batchMinShare < 1)) {
    throw new RangeError('budgetPlan: batchMinShare must be above 0 and below 1');
  }
  const top = shapeAt(settings, rps);
  // The last coordinated start anyone can make after a claim sent at c is at
  // c + reach + (block − 1) × interval + lateness on its clock, at whatever rate it claimed (the
  // two ends of the learned range are the extremes); with a full outage no claim sent after my
  // first failed one succeeds, and clocks differ by up to the skew both ways.
  const lastAhead = (shape: SlotShape) => shape.reachMs + (shape.batchBlock - 1) * shape.intervalMs;
  const lastCoordinatedStartMs =
    Math.max(lastAhead(top), lastAhead(shapeAt(settings, floorRps))) +
    SLOT_LATENESS_MS +
    2 * clockSkewMs;
  const fallbackDelayMs = lastCoordinatedStartMs + WINDOW_MS + ARRIVAL_JITTER_MS;
  // Containers on the fallback probe at least every PROBE_PERIOD_MS (a probe takes at most the
  // timeout to land), so by then each has stopped; a full window and the jitter separate their
  // last fallback start from the first coordinated one.
  const resumeDelayMs =
    PROBE_PERIOD_MS + coordinatorTimeoutMs + 2 * clockSkewMs + WINDOW_MS + ARRIVAL_JITTER_MS;
  return {
    rps,
    clockSkewMs,
    coordinatorTimeoutMs,
    batchMinShare,
    floorRps,
    ...top,
    fallbackDelayMs,
    resumeDelayMs,
    // Nobody goes onto the fallback before fallbackDelay after the outage began (measured from a
    // claim that failed after the delay); less two timeouts and the skew both ways, nobody can be.
    rejoinWithinMs: fallbackDelayMs - 2 * coordinatorTimeoutMs - 2 * clockSkewMs,
  };
}

/**
 * How many slots to claim and how far ahead the first may be: the API claims one slot for its
 * one lookup, anywhere within reach; the batch claims what its waiting rows need, up to a block,
 * within the horizon, unless it has had no slot for the starvation time while rows wait (then
 * one slot like the API: the batch's minimum share). `waiting` counts rows without a slot.
 */
export function claimShape(
  plan: SlotShape,
  lane: 'api' | 'batch',
  waiting: number,
  sinceProgressMs: number,
): { readonly slots: number; readonly aheadMs: number } {
  if (lane === 'api') return { slots: 1, aheadMs: plan.reachMs };
  if (sinceProgressMs >= plan.starvationMs) return { slots: 1, aheadMs: plan.reachMs };
  return { slots: Math.max(1, Math.min(waiting, plan.batchBlock)), aheadMs: plan.batchHorizonMs };
}

/** Whether a slot may still be started at `now` (it is never started early, and at most a little late). */
export function slotUsable(slotAt: number, now: number): boolean {
  return now <= slotAt + SLOT_LATENESS_MS;
}

/** Wait before retrying a claim that found the coordinator unreachable (attempt 1, 2, ...). */
export function suspectRetryMs(plan: BudgetPlan, attempt: number): number {
  const base = Math.max(plan.coordinatorTimeoutMs, 50);
  return Math.min(base * 2 ** Math.max(0, attempt - 1), 500);
}
