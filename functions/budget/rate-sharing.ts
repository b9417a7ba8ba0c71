/**
 * The learned rate as the containers share it: respond.io's answers may change it, and the
 * container writes each change to the dispenser, one per version (another container's change
 * first: the answer is judged again against it). A 429 holds every container: the dispenser
 * gives out no slot before the hold's end.
 */

import type { RateAnswer } from './dispenser.js';
import { type AnswerSignal, nextState } from './learned-rate.js';
import { reportRateChange } from './metrics.js';
import { adopt, countCall, notify, type SharedBudget } from './shared-state.js';

/** Moves the dispenser's next free slot to the hold's end (not awaited). */
export function sendHold(b: SharedBudget, at: number, until: number): void {
  b.dispenser
    .hold(at, until)
    .catch(() => ({ kind: 'unreachable' as const, reason: 'error', writes: 0, reads: 0 }))
    .then((answer) => countCall(b, answer, at));
}

/** Writes what an answer changes in the learned rate, one change at a time. */
export function consider(b: SharedBudget, signal: AnswerSignal): void {
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
export function noteRecovery(b: SharedBudget, rps: number): void {
  if (!b.belowCeiling || rps < b.plan.rps) return;
  b.belowCeiling = false;
  b.logger?.info('Budget rate back at the ceiling', { lane: b.lane, ceilingRps: b.plan.rps });
}
