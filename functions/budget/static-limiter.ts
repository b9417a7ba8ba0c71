/**
 * The static share's limiter (the whole budget with `rateBudget=static`, the shared budget's
 * fallback otherwise). Starts are planned `1000 / rate × (1 + guard)` ms apart, from the previous
 * start's planned time when it was released at most a third of the guard late (so timer lateness
 * is not lost on every request), else from its actual time: any r + 1 consecutive starts span at
 * least 1000 × (1 + guard) − that tolerance, so with a whole rate r no sliding second holds more
 * than r starts (below 1 request/s, no k / rate seconds hold more than k); the rest of the guard
 * absorbs arrival jitter. Waiters go first in, first out; a 429 holds them all for its
 * Retry-After; with learning on, the rate is learned for this container alone.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import { type Logger, sleep as systemSleep } from '../platform/index.js';
import { type AnswerSignal, nextState, type RateState, rateAt, UNLEARNED } from './learned-rate.js';
import type { AnswerFeedback, BudgetLane, RateLimiter, StartHook } from './limiter.js';
import { reportRateChange } from './metrics.js';

interface RateLimiterOptions {
  /** Requests per second this container may start; fractions allowed (e.g. 1.67): the ceiling. */
  requestsPerSecond: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Waits `ms` milliseconds. Default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
  /** Learn a rate below `requestsPerSecond` from respond.io's answers. Default false. */
  learning?: boolean;
  /** The function it serves (for the rate change's log line). Default 'api'. */
  lane?: BudgetLane;
  /** Where each change of the learned rate is logged and counted. */
  logger?: Logger;
  metrics?: Metrics;
  /** Told each start (tests count starts in any second: the guarantee's subject). */
  onStart?: StartHook;
}

interface Waiter {
  readonly deadlineAt: number;
  readonly resolve: (granted: boolean) => void;
}

const WINDOW_MS = 1000;
/** How long and how many of our own starts are remembered (to read X-RateLimit-Remaining). */
const REMEMBER_STARTS_MS = 2 * WINDOW_MS;
const MAX_REMEMBERED_STARTS = 4096;

/** Extra spacing, as a fraction of the interval, against timer lateness and network jitter. */
export const DEFAULT_RATE_LIMIT_GUARD = 0.03;

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { requestsPerSecond: ceiling } = options;
  if (!Number.isFinite(ceiling) || ceiling <= 0) {
    throw new RangeError(`requestsPerSecond must be a positive number, got ${ceiling}`);
  }
  const guard = DEFAULT_RATE_LIMIT_GUARD;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const learning = options.learning === true;
  const latenessToleranceMs = (WINDOW_MS * guard) / 3;

  let state: RateState = UNLEARNED;
  /** Earliest epoch ms at which the next request may start. */
  let nextSlotAt = Number.NEGATIVE_INFINITY;
  const queue: Waiter[] = [];
  /** Our own recent starts, oldest first (to read X-RateLimit-Remaining). */
  const recentStarts: number[] = [];
  let pumping = false;

  const rate = (at: number) => (learning ? rateAt(state, ceiling, at) : ceiling);
  /** Spacing: the configured rate as given, a learned one below it by its whole part (if ≥ 1). */
  const intervalAt = (at: number) => {
    const rps = rate(at);
    const spaced = rps >= ceiling || rps < 1 ? rps : Math.floor(rps + 1e-9);
    return (WINDOW_MS / spaced) * (1 + guard);
  };

  /** Our own starts in the 1000 ms window that ends at `end`. */
  function ownStartsInWindow(end: number): number {
    let count = 0;
    for (let index = recentStarts.length - 1; index >= 0; index -= 1) {
      const start = recentStarts[index] ?? 0;
      if (start <= end - WINDOW_MS) break;
      if (start <= end) count += 1;
    }
    return count;
  }

  function takeSlot(at: number): void {
    options.onStart?.({ lane: options.lane ?? 'api', at, waitMs: 0, coordinated: false });
    const onTime = Number.isFinite(nextSlotAt) && at - nextSlotAt <= latenessToleranceMs;
    nextSlotAt = (onTime ? Math.min(at, nextSlotAt) : at) + intervalAt(at);
    recentStarts.push(at);
    while (
      recentStarts.length > MAX_REMEMBERED_STARTS ||
      (recentStarts.length > 0 && (recentStarts[0] ?? 0) <= at - REMEMBER_STARTS_MS)
    ) {
      recentStarts.shift();
    }
  }

  function holdUntil(at: number): void {
    if (at > nextSlotAt) nextSlotAt = at;
    dropUnreachable();
  }

  /** Resolves false, right away, every waiter whose turn would come after its deadline. */
  function dropUnreachable(): void {
    const base = Math.max(now(), nextSlotAt);
    const interval = intervalAt(base);
    let position = 0;
    for (let index = 0; index < queue.length; ) {
      const waiter = queue[index] as Waiter;
      if (base + position * interval > waiter.deadlineAt) {
        queue.splice(index, 1);
        waiter.resolve(false);
      } else {
        position += 1;
        index += 1;
      }
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        dropUnreachable();
        const head = queue[0];
        if (head === undefined) break;
        const wait = nextSlotAt - now();
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        queue.shift();
        takeSlot(now());
        head.resolve(true);
      }
    } finally {
      pumping = false;
    }
  }

  return {
    acquire(deadlineAt) {
      const at = now();
      if (queue.length === 0 && at >= nextSlotAt) {
        if (at > deadlineAt) return Promise.resolve(false);
        takeSlot(at);
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        queue.push({ deadlineAt, resolve });
        dropUnreachable();
        void pump();
      });
    },

    feedback(answer: AnswerFeedback) {
      const at = now();
      if (answer.status === 429 && Number.isFinite(answer.holdMs) && answer.holdMs > 0) {
        holdUntil(at + answer.holdMs);
      }
      if (!learning) return;
      const signal: AnswerSignal = {
        startedAt: answer.startedAt,
        at,
        status: answer.status,
        limit: answer.limit,
        remaining: answer.remaining,
        // Counted only when both headers came: nextState reads it for nothing else.
        ownInWindow:
          answer.limit === null || answer.remaining === null
            ? 0
            : ownStartsInWindow(answer.startedAt),
      };
      const change = nextState(state, ceiling, signal);
      if (change === null) return;
      state = change.state;
      reportRateChange(
        {
          lane: options.lane ?? 'api',
          logger: options.logger,
          metrics: options.metrics,
        },
        { shared: false, change, ceiling },
      );
    },

    rate: () => rate(now()),
  };
}
