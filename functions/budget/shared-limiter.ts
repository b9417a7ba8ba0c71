/**
 * The container's side of the shared budget (docs/shared-budget.md): a RateLimiter whose
 * requests start, first in first out, at slots claimed from the slot dispenser, each never early
 * and at most SLOT_LATENESS_MS late (later, the slot is given up). When a claim fails the
 * container is `suspect` (held slots still start, claims retry, nothing else starts); once
 * `fallbackDelayMs` has passed with no slot left it is on the fallback (fallback.ts) until a
 * probe gets through. With learning on, slots are spaced for the learned rate the containers
 * share, and a 429 holds every container; with it off, only this one.
 */

import type { RateAnswer } from './dispenser.js';
import { enterFallback, serveFallback, startProbe } from './fallback.js';
import { type AnswerSignal, nextState } from './learned-rate.js';
import type { AnswerFeedback, RateLimiter } from './limiter.js';
import { reportRateChange } from './metrics.js';
import { slotUsable, startsPerWindow } from './plan.js';
import {
  adopt,
  type BudgetMode,
  countCall,
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

// The learned rate as the containers share it: one change per version written to the dispenser
// (another container's change first: the answer is judged again against it).

/** Moves the dispenser's next free slot to the hold's end (not awaited). */
function sendHold(b: SharedBudget, at: number, until: number): void {
  b.dispenser
    .hold(at, until)
    .catch(() => ({ kind: 'unreachable' as const, reason: 'error', writes: 0, reads: 0 }))
    .then((answer) => countCall(b, answer, at));
}

/** Writes what an answer changes in the learned rate, one change at a time. */
function consider(b: SharedBudget, signal: AnswerSignal): void {
  // On the fallback the table cannot be written; the static share learns meanwhile.
  if (b.mode === 'fallback') return;
  if (b.rateWriteInFlight) {
    b.pendingSignals = [...b.pendingSignals.slice(-3), signal];
    return;
  }
  const change = nextState(b.shared, b.plan.rps, signal);
  if (change === null) return;
  b.rateWriteInFlight = true;
  const version = b.shared.version;
  const sentAt = b.now();
  b.dispenser
    .changeRate(sentAt, version, change.state)
    .catch((): RateAnswer => ({ kind: 'unreachable', reason: 'error', writes: 0, reads: 0 }))
    .then((answer) => {
      countCall(b, answer, sentAt);
      if (answer.kind === 'changed') {
        b.shared = answer.rate;
        b.belowCeiling = change.to < b.plan.rps;
        reportRateChange(b, { shared: true, change, ceiling: b.plan.rps });
      } else if (answer.kind === 'stale') {
        // Another container changed it first: judge this answer again against its change.
        adopt(b, answer.rate);
        b.pendingSignals = [signal, ...b.pendingSignals];
      }
      // Unreachable: the change is lost; the static share learns on its own meanwhile.
    })
    .finally(() => {
      b.rateWriteInFlight = false;
      const next = b.pendingSignals;
      b.pendingSignals = [];
      for (const pending of next) consider(b, pending);
      notify(b);
    });
}

/** One line when the rate this container sees is back at the ceiling after a change. */
function noteRecovery(b: SharedBudget, rps: number): void {
  if (!b.belowCeiling || rps < b.plan.rps) return;
  b.belowCeiling = false;
  b.logger?.info('Budget rate back at the ceiling', { lane: b.lane, ceilingRps: b.plan.rps });
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
