/**
 * The shared budget while its coordinator cannot be reached: the switch onto the static share,
 * starts on it only right after a probe, and the probes (resume announcements) that end it, the
 * first that gets through bringing every container back at one announced time. One WARN line on
 * the way in and one on the way out. With no static share, waiters wait up to their deadlines.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ResumeAnswer } from './dispenser.js';
import { PROBE_PERIOD_MS, suspectRetryMs } from './plan.js';
import {
  countCall,
  notify,
  type SharedBudget,
  shapeNow,
  startWaiter,
  type Waiter,
  waitUntil,
} from './shared-state.js';

export function enterFallback(b: SharedBudget, at: number): void {
  b.mode = 'fallback';
  b.fallbackSince = at;
  b.logger?.warn(
    b.fallback === null
      ? 'Budget coordinator unreachable: no requests start until it answers (no static share)'
      : 'Budget coordinator unreachable: requests start at the static share',
    {
      lane: b.lane,
      reason: b.failureReason,
      unreachableForMs: Math.round(at - b.failedSince),
      staticRps: b.fallbackRps,
    },
  );
  // Written at once (not with the batch): the switch is what an operator wants to see.
  b.metrics?.singleMetric().addMetric('BudgetFallbacks', MetricUnit.Count, 1);
}

function onProbeAnswer(b: SharedBudget, answer: ResumeAnswer, at: number): void {
  const answeredAt = b.now();
  countCall(b, answer, at);
  if (answer.kind === 'unreachable') {
    b.lastProbeAt = at;
    b.failureReason = answer.reason;
    if (b.mustAnnounce) {
      // Cut off again before the announcement went through: wait as a suspect container does.
      b.mustAnnounce = false;
      b.mode = 'suspect';
      b.failedSince = at;
      b.failedAttempts = 1;
      b.nextClaimAt = answeredAt + suspectRetryMs(b.plan, 1);
    }
    return;
  }
  b.lastSuccessAt = at;
  const wasFallback = b.mode === 'fallback';
  b.mode = 'coordinated';
  b.mustAnnounce = false;
  b.failedAttempts = 0;
  b.knownNext = Math.max(b.knownNext, answer.resumeAt);
  b.idleLast = false;
  const shape = shapeNow(b, answeredAt);
  const aheadMs = b.lane === 'batch' ? shape.batchHorizonMs : shape.reachMs;
  b.nextClaimAt = Math.max(answeredAt, answer.resumeAt - aheadMs);
  if (wasFallback) {
    b.logger?.warn('Budget coordinator reachable again: coordinated starts resume', {
      lane: b.lane,
      resumeInMs: Math.round(answer.resumeAt - answeredAt),
      announced: answer.announced,
    });
  }
}

/**
 * Asks every container to resume at one time (or learns the time another one announced). Not
 * awaited: the loop goes on expiring waiters at their deadlines while it is in flight.
 */
export function startProbe(b: SharedBudget, at: number): void {
  b.probeInFlight = true;
  b.dispenser
    .announceResume(at, at + b.plan.resumeDelayMs)
    .catch((): ResumeAnswer => ({ kind: 'unreachable', reason: 'error', writes: 0, reads: 0 }))
    .then((answer) => onProbeAnswer(b, answer, at))
    .finally(() => {
      b.probeInFlight = false;
      notify(b);
    });
}

/** One start on the static share, after a probe when the last one is too old. */
export async function serveFallback(b: SharedBudget, head: Waiter): Promise<void> {
  if (b.probeInFlight) {
    await waitUntil(b, head.deadlineAt + 1);
    return;
  }
  if (b.now() - b.lastProbeAt >= PROBE_PERIOD_MS) {
    startProbe(b, b.now());
    return;
  }
  if (b.fallback === null) {
    // No static share: wait for the next probe (or the head's deadline), start nothing.
    await waitUntil(b, b.lastProbeAt + PROBE_PERIOD_MS, head.deadlineAt + 1);
    return;
  }
  const granted = await b.fallback.acquire(head.deadlineAt);
  if (b.waiters[0] !== head) return;
  if (!granted) {
    b.waiters.shift();
    head.resolve(false);
    return;
  }
  // A probe must be recent at the start itself; otherwise probe first (the static limiter's
  // slot is simply not used).
  if (b.now() - b.lastProbeAt >= PROBE_PERIOD_MS || b.probeInFlight || b.mode !== 'fallback') {
    return;
  }
  b.waiters.shift();
  startWaiter(b, head, b.now(), false);
}
