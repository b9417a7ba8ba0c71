/**
 * The container's side of the shared organisation budget: a RateLimiter whose requests start at
 * slots claimed from the slot dispenser (a port; DynamoDB in production), first in first out, and
 * which falls back to the container's static share while the dispenser cannot be reached. The
 * arithmetic (spacing, horizon, delays) is plan.ts's; the clock and the waiting are
 * injected, so tests drive it with a fake clock.
 *
 * Modes:
 * - coordinated: waiters are served from granted slots, each started at its slot time (never
 *   early, at most SLOT_LATENESS_MS late; a later one is given up). Claims keep slots coming for
 *   the waiters that have none: the API one slot within reach, the batch a few within its horizon.
 * - suspect: a claim failed (error, throttling, timeout, missing table). Granted slots are still
 *   used and claims are retried with a short backoff; a grant ends it. Nothing else starts.
 * - fallback: entered once `fallbackDelayMs` after the first failed claim has passed with no
 *   granted slot left. Starts go through the static-share limiter, and none starts unless the
 *   coordinator was probed (announceResume) within PROBE_PERIOD_MS. The first probe that reaches
 *   it ends the fallback at once; coordinated starts resume at the announced time. One WARN line
 *   on the way in and one on the way out. A container with no static share (the file batch
 *   function, `fallback: null`) starts nothing on the fallback: its waiters wait, up to their
 *   deadlines, while it keeps probing.
 *
 * The rate (learned-rate.ts): with learning on, the slots are spaced for the learned rate,
 * which every container reads from the dispenser with each claim (a claim spaced for an older
 * version comes back `stale`). respond.io's answers (`feedback`) may change it: the container
 * writes the change, one per version, and logs it. A 429 also holds the whole
 * budget: this container at once, every other one through the dispenser (no slot before the
 * hold's end). With learning off the rate is the configured one and a 429 holds this container.
 *
 * One state machine over one state (shared-state.ts); this file is its loop and its face, the
 * claims are slot-claims.ts, the fallback fallback.ts, the shared rate rate-sharing.ts.
 */

import { enterFallback, serveFallback, startProbe } from './fallback.js';
import type { AnswerFeedback, RateLimiter } from './limiter.js';
import { slotUsable, startsPerWindow } from './plan.js';
import { consider, noteRecovery, sendHold } from './rate-sharing.js';
import {
  type BudgetMode,
  countForfeit,
  notify,
  rateNow,
  type SharedBudget,
  type SharedLimiterOptions,
  sharedBudget,
  startWaiter,
  waitUntil,
} from './shared-state.js';
import { maybeClaim } from './slot-claims.js';

export type { BudgetMode, SharedLimiterOptions };

export interface SharedLimiter extends RateLimiter {
  readonly mode: () => BudgetMode;
}

function expireWaiters(b: SharedBudget, at: number): void {
  for (let index = 0; index < b.waiters.length; ) {
    const waiter = b.waiters[index];
    if (waiter !== undefined && waiter.deadlineAt < at) {
      b.waiters.splice(index, 1);
      waiter.resolve(false);
    } else {
      index += 1;
    }
  }
}

function dropStaleSlots(b: SharedBudget, at: number): void {
  let forfeited = 0;
  while (b.slots.length > 0 && !slotUsable(b.slots[0] as number, at)) {
    b.slots.shift();
    forfeited += 1;
  }
  if (forfeited > 0) countForfeit(b, forfeited);
}

/** Serves the waiters, first in first out, until none is left (one loop at a time). */
async function run(b: SharedBudget): Promise<void> {
  if (b.running) return;
  b.running = true;
  // The flag is cleared in the same turn as the loop ends: a waiter added next starts a new loop.
  try {
    while (b.waiters.length > 0) {
      const at = b.now();
      expireWaiters(b, at);
      const head = b.waiters[0];
      if (head === undefined) break;
      if (at < b.holdUntil) {
        await waitUntil(b, b.holdUntil, head.deadlineAt + 1);
        continue;
      }
      if (b.mustAnnounce) {
        if (!b.claimInFlight && !b.probeInFlight) startProbe(b, at);
        await waitUntil(b, head.deadlineAt + 1);
        continue;
      }
      if (b.mode === 'fallback') {
        await serveFallback(b, head);
        continue;
      }
      dropStaleSlots(b, at);
      const slot = b.slots[0];
      if (slot !== undefined && slot > head.deadlineAt) {
        // Its turn would come after its deadline; the slot stays for the next waiter.
        b.waiters.shift();
        head.resolve(false);
        continue;
      }
      if (slot !== undefined && at >= slot) {
        b.slots.shift();
        b.waiters.shift();
        startWaiter(b, head, at, true);
        continue;
      }
      const fallbackDue = b.failedSince + b.plan.fallbackDelayMs;
      if (b.mode === 'suspect' && !b.claimInFlight && b.slots.length === 0 && at >= fallbackDue) {
        // Only a claim that failed after the delay proves the coordinator is still away.
        if (b.lastProbeAt >= fallbackDue) {
          enterFallback(b, at);
          continue;
        }
        b.nextClaimAt = at;
      }
      maybeClaim(b, at);
      const claimDue = !b.claimInFlight && b.waiters.length > b.slots.length;
      const fallbackNext = b.mode === 'suspect' && !b.claimInFlight && b.slots.length === 0;
      await waitUntil(
        b,
        head.deadlineAt + 1,
        slot ?? Number.POSITIVE_INFINITY,
        claimDue ? b.nextClaimAt : Number.POSITIVE_INFINITY,
        fallbackNext ? fallbackDue : Number.POSITIVE_INFINITY,
      );
    }
  } finally {
    b.running = false;
  }
}

export function createSharedLimiter(options: SharedLimiterOptions): SharedLimiter {
  const b = sharedBudget(options);

  return {
    mode: () => b.mode,

    acquire(deadlineAt) {
      const at = b.now();
      if (at > deadlineAt) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        if (b.waiters.length === 0 && b.slots.length === 0)
          b.progressAt = Math.max(b.progressAt, at);
        b.waiters.push({ deadlineAt, enqueuedAt: at, resolve });
        notify(b);
        void run(b);
      });
    },

    feedback(answer: AnswerFeedback) {
      // The static share learns from the answers to its own starts only (on the fallback): it
      // does not see the coordinated ones, so it would take their count for others' spending.
      if (b.mode === 'fallback' && answer.startedAt >= b.fallbackSince)
        b.fallback?.feedback(answer);
      const at = b.now();
      if (answer.status === 429 && Number.isFinite(answer.holdMs) && answer.holdMs > 0) {
        b.holdUntil = Math.max(b.holdUntil, at + answer.holdMs);
        notify(b);
        // respond.io said the organisation is over: no container starts before the hold ends.
        if (b.learning && b.mode !== 'fallback') sendHold(b, at, at + answer.holdMs);
      }
      if (!b.learning) return;
      consider(b, {
        startedAt: answer.startedAt,
        at,
        status: answer.status,
        limit: answer.limit,
        remaining: answer.remaining,
        // Ours in respond.io's window: at most what the rate in force let start in a second.
        ownInWindow: startsPerWindow(rateNow(b, answer.startedAt)),
      });
    },

    rate() {
      const at = b.now();
      const rps = b.mode === 'fallback' && b.fallback !== null ? b.fallback.rate() : rateNow(b, at);
      noteRecovery(b, rps);
      return rps;
    },
  };
}
