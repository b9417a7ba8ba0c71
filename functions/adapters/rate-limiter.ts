/**
 * The container's request pacer for respond.io.
 *
 * Request starts are planned evenly, `1000 / requestsPerSecond × (1 + guard)` ms apart. The next
 * slot is counted from the planned time of the previous one when that start was released at most
 * `latenessToleranceMs` late (a third of the guard: 10 ms per second by default), so ordinary
 * timer lateness is not lost on every request; a start later than that (the limiter was idle, or
 * the event loop was blocked) counts from its actual time. Hence any `r + 1` consecutive starts
 * span at least `1000 × (1 + guard) − latenessToleranceMs` ms: with an integer rate `r`, any
 * sliding 1000 ms window holds at most `r` starts, and the rest of the guard (20 ms per second by
 * default) absorbs the jitter between a start here and its arrival at the server. With a
 * fractional rate (a share of the organisation's budget, e.g. 1.67), any window of `k / rate`
 * seconds holds at most `k` starts, so the long-run rate never exceeds the limit.
 *
 * Waiters are served first in, first out. `pause` (after a 429; a 449 holds only its own lookup)
 * and `observe` (the `X-RateLimit-*` headers) only ever move the next slot later. `observe` acts
 * only on budget spent beyond what this container's own rate leaves to the others: containers
 * that share one budget by a static split (each limited to its share) do not slow each other down.
 */

import type { RateLimiter } from '../core/ports.js';
import { sleep as systemSleep } from './clock.js';

export interface RateLimiterOptions {
  /** Requests per second this container may start; fractions allowed (e.g. 1.67). */
  requestsPerSecond: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Waits `ms` milliseconds. Default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
  /** Extra spacing as a fraction of the interval, against network jitter. Default 0.03. */
  guard?: number;
  /** Told each start's time on `now` (tests count starts in any second: the guarantee's subject). */
  onStart?: (at: number) => void;
}

interface Waiter {
  readonly deadlineAt: number;
  readonly resolve: (granted: boolean) => void;
}

const WINDOW_MS = 1000;
/** Below this fraction of the budget remaining (and not by our own doing), slow down. */
const LOW_WATER = 0.2;
/** How long and how many of our own starts are remembered for `observe`. */
const REMEMBER_STARTS_MS = 60_000;
const MAX_REMEMBERED_STARTS = 4096;

export const DEFAULT_RATE_LIMIT_GUARD = 0.03;

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { requestsPerSecond } = options;
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) {
    throw new RangeError(`requestsPerSecond must be a positive number, got ${requestsPerSecond}`);
  }
  const guard = options.guard ?? DEFAULT_RATE_LIMIT_GUARD;
  if (!Number.isFinite(guard) || guard < 0 || guard > 1) {
    throw new RangeError(`guard must be a number from 0 to 1, got ${guard}`);
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const intervalMs = (WINDOW_MS / requestsPerSecond) * (1 + guard);
  const latenessToleranceMs = (WINDOW_MS * guard) / 3;

  /** Earliest epoch ms at which the next request may start. */
  let nextSlotAt = Number.NEGATIVE_INFINITY;
  const queue: Waiter[] = [];
  /** Our own recent starts, oldest first (to read X-RateLimit-Remaining). */
  const recentStarts: number[] = [];
  let pumping = false;

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
    options.onStart?.(at);
    const onTime = Number.isFinite(nextSlotAt) && at - nextSlotAt <= latenessToleranceMs;
    nextSlotAt = (onTime ? Math.min(at, nextSlotAt) : at) + intervalMs;
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
    let position = 0;
    for (let index = 0; index < queue.length; ) {
      const waiter = queue[index] as Waiter;
      if (base + position * intervalMs > waiter.deadlineAt) {
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

    pause(ms) {
      if (!Number.isFinite(ms) || ms <= 0) return;
      holdUntil(now() + ms);
    },

    observe(remaining, limit, sentAt) {
      if (remaining === null || !Number.isFinite(remaining)) return;
      // Without X-RateLimit-Limit, assume the budget is our own rate.
      const budget =
        limit !== null && Number.isFinite(limit) && limit > 0 ? limit : requestsPerSecond;
      const at = now();
      // Our spacing keeps us inside our own rate; the others may spend `budget - our rate`.
      // Only when they spend more (remaining + ours < our rate, one request of slack for windows
      // that do not line up) do we slow down.
      const windowEnd = sentAt !== undefined && Number.isFinite(sentAt) ? Math.min(sentAt, at) : at;
      const ours = Math.min(budget, requestsPerSecond);
      if (ownStartsInWindow(windowEnd) + remaining + 1 >= ours) return;
      if (remaining <= 0) {
        // The budget is spent by others: wait about one slot of the organisation's rate.
        holdUntil(at + Math.min(WINDOW_MS, Math.max(intervalMs, WINDOW_MS / budget)));
      } else if (remaining <= Math.max(1, Math.ceil(budget * LOW_WATER))) {
        // Running low: leave a whole interval from now before the next start.
        holdUntil(at + intervalMs);
      }
    },
  };
}
