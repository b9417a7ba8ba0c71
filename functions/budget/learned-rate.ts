/**
 * The learned rate, pure (docs/shared-budget.md): what respond.io really leaves the
 * connector, at most the configured rate (the ceiling). The state is a few numbers all containers
 * share through the budget table (or one keeps alone on the static share). A 429 on a request
 * started after the last cut cuts the rate to BETA × its rate then; X-RateLimit-Remaining showing
 * others spending cuts it to what they leave; an X-RateLimit-Limit below the ceiling caps it.
 * It then recovers like TCP CUBIC, flat near the plateau (the rate that was too much); a cut
 * below the last plateau lowers the next one too. The caller keeps any hold (Retry-After).
 */

/** A cut keeps this share of the rate the refused request started at (the AWS SDK's 0.7). */
export const BETA = 0.7;
/**
 * Cubic scale, as a share of the ceiling per second³: from a cut at the ceiling the plateau comes
 * after cbrt((1 − BETA) / CUBIC_SCALE) ≈ 5.3 s, whatever the ceiling.
 */
export const CUBIC_SCALE = 0.002;
/** The rate never goes below this, in requests/s (nor below the ceiling, when that is smaller). */
const MIN_RATE = 1;

/** The state the containers share. All rates in requests/s, times in epoch ms. */
export interface RateState {
  /** The rate right after the last cut. */
  readonly rate: number;
  /** The rate that was too much at the last cut: the cubic's plateau. */
  readonly peak: number;
  /** When the last cut happened (0: never; the rate is the ceiling). */
  readonly since: number;
  /** respond.io's X-RateLimit-Limit, when it is below the ceiling (null: none known). */
  readonly cap: number | null;
}

/** Nothing learned yet: the ceiling. */
export const UNLEARNED: RateState = { rate: 0, peak: 0, since: 0, cap: null };

/** The floor of the rate under `ceiling`. */
export function floorRate(ceiling: number): number {
  return Math.min(ceiling, MIN_RATE);
}

/** The rate in force at `now`: the cubic recovery from the last cut, capped and floored. */
export function rateAt(state: RateState, ceiling: number, now: number): number {
  const top =
    state.cap === null ? ceiling : Math.min(ceiling, Math.max(state.cap, floorRate(ceiling)));
  if (state.since === 0) return top;
  const scale = CUBIC_SCALE * ceiling;
  const seconds = Math.max(0, now - state.since) / 1000;
  const plateauAfter = Math.cbrt(Math.max(0, state.peak - state.rate) / scale);
  const cubic = state.peak + scale * (seconds - plateauAfter) ** 3;
  return Math.min(top, Math.max(floorRate(ceiling), cubic));
}

/** Why the rate changed, for the log line and the metric. */
type CutReason = 'too-many-requests' | 'limit-header' | 'others-spending';

/** A change of the state, and the rate in force just before and just after it. */
export interface RateChange {
  readonly state: RateState;
  readonly from: number;
  readonly to: number;
  readonly reason: CutReason;
}

/** One answer of respond.io, as the law reads it. */
export interface AnswerSignal {
  /** When the answered request started (the limiter's clock). */
  readonly startedAt: number;
  /** When the answer came (the limiter's clock). */
  readonly at: number;
  readonly status: number;
  /** X-RateLimit-Limit and X-RateLimit-Remaining, when present and numeric. */
  readonly limit: number | null;
  readonly remaining: number | null;
  /**
   * The most of the connector's own requests respond.io can have counted in the second before
   * this one started: at most the starts the budget allowed in a second at the rate in force.
   */
  readonly ownInWindow: number;
}

/** The change to `next`, with the rates in force just before and after it. */
function changeTo(
  state: RateState,
  next: RateState,
  ceiling: number,
  at: number,
  reason: CutReason,
): RateChange {
  return { state: next, from: rateAt(state, ceiling, at), to: rateAt(next, ceiling, at), reason };
}

/** A cut to `to` (floored) of a request started at `startedRate`. */
function cutTo(
  state: RateState,
  ceiling: number,
  signal: AnswerSignal,
  startedRate: number,
  to: number,
  reason: CutReason,
): RateChange {
  const rate = Math.max(floorRate(ceiling), to);
  const shrinking = state.since !== 0 && startedRate < state.peak;
  const plateau = shrinking ? (startedRate * (1 + BETA)) / 2 : startedRate;
  const next = { ...state, rate, peak: Math.max(rate, plateau), since: signal.at };
  return changeTo(state, next, ceiling, signal.at, reason);
}

/**
 * What an answer changes, or null. A signal counts only when its request started after the last
 * cut (it speaks of the rate in force, not of one already cut); a cap counts at any time.
 */
export function nextState(
  state: RateState,
  ceiling: number,
  signal: AnswerSignal,
): RateChange | null {
  const fresh = signal.startedAt >= state.since;
  if (signal.status === 429) {
    if (!fresh) return null;
    const startedRate = rateAt(state, ceiling, signal.startedAt);
    return cutTo(state, ceiling, signal, startedRate, BETA * startedRate, 'too-many-requests');
  }
  // Most answers change nothing: they return before any rate is worked out.
  const { limit, remaining } = signal;
  if (limit === null || !(limit > 0)) return null;
  // respond.io's limit, when it is below the ceiling: a cap (it can also rise again).
  const cap = limit < ceiling ? Math.floor(limit) : null;
  if (cap !== state.cap)
    return changeTo(state, { ...state, cap }, ceiling, signal.at, 'limit-header');
  if (!fresh || remaining === null || !(remaining >= 0)) return null;
  // What the others spent in respond.io's window: its count less ours (at most what we could start).
  const others = limit - remaining - signal.ownInWindow;
  const left = limit - others;
  const startedRate = rateAt(state, ceiling, signal.startedAt);
  if (others >= 1 && left < Math.floor(startedRate)) {
    return cutTo(state, ceiling, signal, startedRate, left, 'others-spending');
  }
  return null;
}

/** The log line's fields for a change (requests/s to two decimals). */
export function rateChangeFields(change: RateChange, ceiling: number) {
  const round = (rps: number) => Math.round(rps * 100) / 100;
  return {
    fromRps: round(change.from),
    toRps: round(change.to),
    ceilingRps: ceiling,
    reason: change.reason,
  };
}
