/**
 * Test support for the shared budget: several containers, each with its own shared limiter,
 * static fallback limiter and skewed clock, drawing from one in-memory dispenser on one fake
 * clock. API containers make one lookup at a time; batch containers keep a backlog of rows in
 * flight. Every start is recorded in true time (plus a seeded arrival jitter), so tests can count
 * the most starts any sliding second saw, and who waited how long. With `respondio`, the
 * requests meet a model of respond.io (a sliding-second limit that may change, the
 * organisation's other clients, 429s with a hold, X-RateLimit headers) and its answers go back to
 * the limiters, so that tests can watch the budget learn.
 */

import type { BudgetLane } from '../../functions/budget/limiter.js';
import { type BudgetPlan, type BudgetSettings, budgetPlan } from '../../functions/budget/plan.js';
import { createSharedLimiter, type SharedLimiter } from '../../functions/budget/shared-limiter.js';
import { createRateLimiter } from '../../functions/budget/static-limiter.js';
import type { LogFields, Logger } from '../../functions/platform/logger.js';
import { seededRandom } from '../../local/seeded-random.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { FakeClock } from './fake-clock.js';
import { MemoryDispenser } from './memory-dispenser.js';

export interface SimulatedContainer {
  readonly id: string;
  readonly lane: BudgetLane;
  /** This container's clock minus the true time, ms. */
  readonly clockOffsetMs: number;
  /** The static share's rate (the fallback), requests/s. */
  readonly staticRps: number;
  /** API: pause between two lookups (0: back to back). Batch: rows in flight. */
  readonly pauseMs?: number;
  readonly inFlight?: number;
  /** The container exists from/until these true times (ms after the start); churn. */
  readonly fromMs?: number;
  readonly untilMs?: number;
}

/** respond.io as the simulation models it; times are true ms after the run began. */
export interface SimulatedRespondio {
  /** The organisation's real limit: accepted requests in any sliding second. */
  readonly limitAt: (t: number) => number;
  /** What X-RateLimit-Limit says (Remaining counts down from it); null: no headers. Default the limit. */
  readonly advertisedAt?: (t: number) => number | null;
  /** Requests per second the organisation's other clients send (they do not retry). Default 0. */
  readonly othersAt?: (t: number) => number;
  /** A 429's Retry-After, ms. Default 1000. */
  readonly holdMs?: number;
}

export interface SimulationOptions {
  readonly settings?: Partial<BudgetSettings>;
  readonly containers: readonly SimulatedContainer[];
  readonly durationMs: number;
  /** respond.io's answer time, ms. */
  readonly requestMs?: number;
  readonly seed?: number;
  /** Timer lateness of every container, up to this many ms (seeded). */
  readonly latenessMs?: number;
  /** Arrival jitter added to each start before counting, up to this many ms (seeded). */
  readonly arrivalJitterMs?: number;
  /** Set up faults on the dispenser before the run. */
  readonly faults?: (dispenser: MemoryDispenser, startedAt: number) => void;
  /** A lookup gives up waiting for a slot after this long. */
  readonly deadlineMs?: number;
  /** Each clock reading moves time on by this much (a real clock runs between two reads). */
  readonly clockTickMs?: number;
  /** The limiters learn the rate (core/learned-rate.ts). Default false. */
  readonly learning?: boolean;
  /** Requests meet this model of respond.io and its answers go back to the limiters. */
  readonly respondio?: SimulatedRespondio;
}

export interface SimulatedStart {
  readonly container: string;
  readonly lane: BudgetLane;
  /** True time of the start, ms after the run began. */
  readonly at: number;
  /** Arrival at respond.io: `at` plus the jitter. */
  readonly arrival: number;
  readonly waitMs: number;
  readonly coordinated: boolean;
  /** respond.io's answer (with `respondio`): 200 or 429. */
  status?: number;
}

export interface SimulationResult {
  readonly plan: BudgetPlan;
  readonly starts: readonly SimulatedStart[];
  /** Accepted arrivals at respond.io (with `respondio`), ours and the other clients', true ms. */
  readonly accepted: readonly { readonly at: number; readonly ours: boolean }[];
  readonly refused: number;
  readonly maxInAnySecond: number;
  readonly dispenser: MemoryDispenser;
  readonly warnings: readonly { container: string; message: string; fields: LogFields }[];
  readonly limiters: ReadonlyMap<string, SharedLimiter>;
}

export async function simulateBudget(options: SimulationOptions): Promise<SimulationResult> {
  const clock = new FakeClock(options.clockTickMs ?? 0);
  const startedAt = clock.now();
  const plan = budgetPlan({
    rps: 50,
    clockSkewMs: 20,
    coordinatorTimeoutMs: 100,
    batchMinShare: 0.1,
    ...options.settings,
  });
  const random = seededRandom(options.seed ?? 7);
  const dispenser = new MemoryDispenser(clock, 1, plan.coordinatorTimeoutMs);
  options.faults?.(dispenser, startedAt);
  const requestMs = options.requestMs ?? 100;
  const endAt = startedAt + options.durationMs;
  const starts: SimulatedStart[] = [];
  const warnings: { container: string; message: string; fields: LogFields }[] = [];
  const limiters = new Map<string, SharedLimiter>();
  let refused = 0;
  const lateness = options.latenessMs ?? 0;
  const jitter = options.arrivalJitterMs ?? 0;
  const server = options.respondio;
  const accepted: { at: number; ours: boolean }[] = [];
  /** respond.io's decision for an arrival at true time t (ms after the start). */
  const admit = (t: number, ours: boolean) => {
    const limit = server?.limitAt(t) ?? Number.POSITIVE_INFINITY;
    let inWindow = 0;
    for (let index = accepted.length - 1; index >= 0; index -= 1) {
      if ((accepted[index] as { at: number }).at <= t - 1000) break;
      inWindow += 1;
    }
    const ok = inWindow < limit;
    if (ok) accepted.push({ at: t, ours });
    const advertised = server?.advertisedAt ? server.advertisedAt(t) : limit;
    return {
      status: ok ? 200 : 429,
      limit: advertised,
      remaining: advertised === null ? null : Math.max(0, advertised - inWindow - (ok ? 1 : 0)),
    };
  };
  if (server?.othersAt) {
    const othersAt = server.othersAt;
    void (async () => {
      while (clock.now() < endAt) {
        const t = clock.now() - startedAt;
        const rps = othersAt(t);
        if (rps > 0) admit(t, false);
        await clock.sleep(rps > 0 ? 1000 / rps : 100);
      }
    })();
  }

  const runs = options.containers.map(async (container) => {
    const from = startedAt + (container.fromMs ?? 0);
    const until = Math.min(endAt, startedAt + (container.untilMs ?? options.durationMs));
    if (from > clock.now()) await clock.sleep(from - clock.now());
    const now = () => clock.now() + container.clockOffsetMs;
    const sleep = (ms: number) => clock.sleep(ms + random() * lateness);
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (message, ...fields) =>
        warnings.push({ container: container.id, message, fields: Object.assign({}, ...fields) }),
      error() {},
    };
    const limiter = createSharedLimiter({
      dispenser: dispenser.for(container.id),
      fallback: createRateLimiter({ requestsPerSecond: container.staticRps, now, sleep }),
      fallbackRps: container.staticRps,
      plan,
      lane: container.lane,
      learning: options.learning ?? false,
      now,
      sleep,
      logger,
    });
    limiters.set(container.id, limiter);
    const lookup = async () => {
      const askedAt = clock.now();
      const deadline = now() + (options.deadlineMs ?? 10_000);
      const ok = await limiter.acquire(deadline);
      if (!ok) {
        refused += 1;
        return;
      }
      const at = clock.now() - startedAt;
      const start: SimulatedStart = {
        container: container.id,
        lane: container.lane,
        at,
        arrival: at + random() * jitter,
        waitMs: clock.now() - askedAt,
        coordinated: limiter.mode() !== 'fallback',
      };
      starts.push(start);
      if (server === undefined) {
        await clock.sleep(requestMs);
        return;
      }
      const sentAt = now();
      // On its way for half the request time (and the jitter), answered after the other half.
      await clock.sleep(start.arrival - at + requestMs / 2);
      const answer = admit(clock.now() - startedAt, true);
      start.status = answer.status;
      await clock.sleep(requestMs / 2);
      limiter.feedback({
        startedAt: sentAt,
        status: answer.status,
        limit: answer.limit,
        remaining: answer.remaining,
        holdMs: answer.status === 429 ? (server.holdMs ?? 1000) : 0,
      });
    };
    const worker = async (pauseMs: number) => {
      while (clock.now() < until) {
        await lookup();
        if (pauseMs > 0) await clock.sleep(pauseMs);
      }
    };
    if (container.lane === 'api') await worker(container.pauseMs ?? 0);
    else await Promise.all(Array.from({ length: container.inFlight ?? 8 }, () => worker(0)));
  });
  const done = Promise.all(runs);
  await clock.advance(options.durationMs + 20_000);
  await done;
  return {
    plan,
    starts,
    accepted,
    refused,
    maxInAnySecond: maxInWindow(
      starts.map((start) => start.arrival),
      1000,
    ),
    dispenser,
    warnings,
    limiters,
  };
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    Number.NaN
  );
}
