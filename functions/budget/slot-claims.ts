/**
 * The shared budget's claims for the waiters without a slot (the API one slot within reach, the
 * batch a few within its horizon, as late as its round trips allow), and what each answer
 * changes: granted slots, a refusal's next free slot, a stale rate, or a suspect container.
 */

import type { SlotAnswer } from './dispenser.js';
import { claimShape, type SlotShape, suspectRetryMs } from './plan.js';
import {
  adopt,
  countCall,
  countForfeit,
  notify,
  type SharedBudget,
  shapeNow,
} from './shared-state.js';

/** Recent claim round trips remembered to size the batch's claim lead. */
const LATENCY_SAMPLES = 8;
/** A batch claim goes out at least this long before its slot. */
const MIN_LEAD_MS = 2;

/**
 * How long before the next free slot a batch claim goes out: as late as the recent round trips
 * allow (1.5 × the slowest of the last few, plus a millisecond), so the batch holds a slot as
 * briefly as possible before it is due and a lookup usually finds the next one free.
 */
function lead(b: SharedBudget, shape: SlotShape): number {
  if (b.latencies.length === 0) return shape.batchHorizonMs / 2;
  return Math.min(Math.max(1.5 * Math.max(...b.latencies) + 1, MIN_LEAD_MS), shape.batchHorizonMs);
}

function onClaimAnswer(
  b: SharedBudget,
  answer: SlotAnswer,
  sentAt: number,
  aheadMs: number,
  shape: SlotShape,
): void {
  const at = b.now();
  if (answer.kind === 'granted' && answer.writes === 1) {
    // One write's round trip: what the next claim must be ahead of its slot by.
    b.latencies.push(at - sentAt);
    if (b.latencies.length > LATENCY_SAMPLES) b.latencies.shift();
  }
  countCall(b, answer, sentAt);
  if (answer.kind === 'unreachable') {
    if (b.mode === 'coordinated') {
      b.mode = 'suspect';
      b.failedSince = sentAt;
      b.failedAttempts = 0;
    }
    b.failedAttempts += 1;
    b.failureReason = answer.reason;
    b.lastProbeAt = sentAt;
    b.nextClaimAt = at + suspectRetryMs(b.plan, b.failedAttempts);
    return;
  }
  // The coordinator answered. After a long cut-off others may be on the fallback: announce.
  const cutOffLong = b.mode === 'suspect' && sentAt - b.lastSuccessAt >= b.plan.rejoinWithinMs;
  b.lastSuccessAt = sentAt;
  if (b.mode === 'suspect') {
    b.mode = 'coordinated';
    b.failedAttempts = 0;
  }
  adopt(b, answer.rate);
  if (answer.kind === 'stale') {
    // Spaced for an older rate: claim again at once with the dispenser's.
    b.nextClaimAt = at;
    if (cutOffLong) b.mustAnnounce = true;
    return;
  }
  if (answer.kind === 'refused') {
    b.knownNext = Math.max(b.knownNext, answer.next ?? sentAt + aheadMs);
    b.idleLast = false;
    // Batch containers race for the next free slot, each as late as its round trips allow; one
    // that keeps losing (its clock behind the others') is caught by the starvation rule.
    b.nextClaimAt =
      b.knownNext < sentAt
        ? b.knownNext + b.idleGraceMs + 1 // just past: free for a claim from then on
        : Math.max(at, b.knownNext - (b.lane === 'batch' ? lead(b, shape) : aheadMs));
    if (cutOffLong) b.mustAnnounce = true;
    return;
  }
  b.knownNext = Math.max(b.knownNext, answer.next);
  b.idleLast = answer.firstSlotAt === sentAt;
  if (cutOffLong) {
    countForfeit(b, answer.slots);
    b.mustAnnounce = true;
    return;
  }
  for (let index = 0; index < answer.slots; index += 1) {
    b.slots.push(answer.firstSlotAt + index * shape.intervalMs);
  }
  b.progressAt = at;
  // The next claim goes out as late before the next free slot as the round trips allow: the
  // batch takes its slots just in time, so a lookup finds at most one batch slot ahead of it.
  b.nextClaimAt = b.lane === 'batch' ? Math.max(at, answer.next - lead(b, shape)) : at;
}

/** Claims slots for the waiters that have none, unless a claim is due later or in flight. */
export function maybeClaim(b: SharedBudget, at: number): void {
  if (b.claimInFlight || b.mode === 'fallback' || b.mustAnnounce || at < b.nextClaimAt) return;
  const demand = b.waiters.length - b.slots.length;
  if (demand <= 0) return;
  const shape = shapeNow(b, at);
  const wanted = claimShape(shape, b.lane, demand, at - b.progressAt);
  b.claimInFlight = true;
  const aheadMs = wanted.aheadMs;
  b.dispenser
    .claim({
      now: at,
      slots: wanted.slots,
      intervalMs: shape.intervalMs,
      // A claim's first slot is at most `aheadMs` after it was sent.
      latestStartAt: at + aheadMs,
      idleGraceMs: b.idleGraceMs,
      knownBusy: b.knownNext >= at,
      idleFirst: b.idleLast,
      rateVersion: b.learning ? b.shared.version : 0,
    })
    .catch(
      (error: unknown): SlotAnswer => ({
        kind: 'unreachable',
        reason: error instanceof Error ? error.name : 'error',
        writes: 0,
        reads: 0,
      }),
    )
    .then((answer) => onClaimAnswer(b, answer, at, aheadMs, shape))
    .finally(() => {
      b.claimInFlight = false;
      notify(b);
    });
}
