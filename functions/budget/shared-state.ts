/**
 * One container's share of the shared budget: the one state the shared limiter's loop, its
 * claims, its fallback and its shared rate all read and write, and the small steps they share.
 * The budget's metrics are written here, where their events happen.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../platform/index.js';
import type { CoordinatorRequests, SharedRate, SlotDispenser } from './dispenser.js';
import { type AnswerSignal, rateAt, UNLEARNED } from './learned-rate.js';
import type { BudgetLane, RateLimiter, StartHook } from './limiter.js';
import { type BudgetPlan, type SlotShape, shapeAt } from './plan.js';

export type BudgetMode = 'coordinated' | 'suspect' | 'fallback';

export interface SharedLimiterOptions {
  readonly dispenser: SlotDispenser;
  /** The static share, used while the dispenser is unreachable; null: start nothing meanwhile. */
  readonly fallback: RateLimiter | null;
  /** The static share's requests/s (for the log line). */
  readonly fallbackRps: number;
  readonly plan: BudgetPlan;
  readonly lane: BudgetLane;
  /** Epoch ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Learn a rate below plan.rps from respond.io's answers. */
  readonly learning: boolean;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly onStart?: StartHook;
}

export interface Waiter {
  readonly deadlineAt: number;
  readonly enqueuedAt: number;
  readonly resolve: (granted: boolean) => void;
}

export interface SharedBudget extends SharedLimiterOptions {
  /** A batch claim leaves a just-passed slot to a container whose clock is behind. */
  readonly idleGraceMs: number;
  mode: BudgetMode;
  readonly waiters: Waiter[];
  /** Granted slots not yet started, ascending (the dispenser's next free slot only grows). */
  readonly slots: number[];
  /** The last next-free-slot seen; the dispenser's only grows, so this is a lower bound. */
  knownNext: number;
  idleLast: boolean;
  nextClaimAt: number;
  claimInFlight: boolean;
  probeInFlight: boolean;
  /** Suspect: the send time of the first failed claim, the failed attempts and why. */
  failedSince: number;
  failedAttempts: number;
  failureReason: string;
  /** Fallback: when the coordinator was last tried (a failed claim or probe counts). */
  lastProbeAt: number;
  /** The send time of the last call the coordinator answered (the creation time at first). */
  lastSuccessAt: number;
  /** A suspect container that was cut off this long must announce before starting again. */
  mustAnnounce: boolean;
  holdUntil: number;
  /** Round trips of the last one-write grants, to claim just early enough. */
  readonly latencies: number[];
  /** The last grant, or when rows began to wait after a quiet spell (starvation counts from it). */
  progressAt: number;
  wakers: (() => void)[];
  /** The loop that serves the waiters is running. */
  running: boolean;
  /** The learned rate, as the dispenser last told it. */
  shared: SharedRate;
  /** A rate change being written, and answers that came meanwhile (considered after it). */
  rateWriteInFlight: boolean;
  pendingSignals: AnswerSignal[];
  /** The rate was below the ceiling when last looked at (for the "back at the ceiling" line). */
  belowCeiling: boolean;
  /** When this container went onto the fallback (its static share's requests start there). */
  fallbackSince: number;
}

export function sharedBudget(options: SharedLimiterOptions): SharedBudget {
  return {
    ...options,
    idleGraceMs: options.lane === 'batch' ? options.plan.clockSkewMs : 0,
    mode: 'coordinated',
    waiters: [],
    slots: [],
    knownNext: Number.NEGATIVE_INFINITY,
    idleLast: true,
    nextClaimAt: Number.NEGATIVE_INFINITY,
    claimInFlight: false,
    probeInFlight: false,
    failedSince: 0,
    failedAttempts: 0,
    failureReason: '',
    lastProbeAt: Number.NEGATIVE_INFINITY,
    lastSuccessAt: options.now(),
    mustAnnounce: false,
    holdUntil: Number.NEGATIVE_INFINITY,
    latencies: [],
    progressAt: Number.NEGATIVE_INFINITY,
    wakers: [],
    running: false,
    shared: { ...UNLEARNED, version: 0 },
    rateWriteInFlight: false,
    pendingSignals: [],
    belowCeiling: false,
    fallbackSince: Number.POSITIVE_INFINITY,
  };
}

/** The longest single nap of the loop, so that no timer outlives a quiet container for long. */
const MAX_NAP_MS = 1000;

/** The rate in force: the learned one, at most the configured one. */
export const rateNow = (b: SharedBudget, at: number) =>
  b.learning ? rateAt(b.shared, b.plan.rps, at) : b.plan.rps;

export const shapeNow = (b: SharedBudget, at: number): SlotShape => shapeAt(b.plan, rateNow(b, at));

/** Takes the dispenser's rate when it is newer than ours. */
export function adopt(b: SharedBudget, rate: SharedRate): void {
  if (rate.version > b.shared.version) b.shared = rate;
}

/** Wakes the loop: something it waits for may have changed. */
export function notify(b: SharedBudget): void {
  const toWake = b.wakers;
  b.wakers = [];
  for (const wake of toWake) wake();
}

/**
 * Sleeps until the earliest of `times` (at most MAX_NAP_MS), or until something changes. A time
 * that has passed meanwhile wakes it at once (through a zero sleep, so the loop never spins).
 */
export async function waitUntil(b: SharedBudget, ...times: number[]): Promise<void> {
  const ms = Math.min(Math.max(Math.min(...times) - b.now(), 0), MAX_NAP_MS);
  const changed = new Promise<void>((resolve) => b.wakers.push(resolve));
  await Promise.race([b.sleep(ms), changed]);
}

/** One call to the coordinator answered (or not): its requests, failure and round trip. */
export function countCall(
  b: SharedBudget,
  answer: CoordinatorRequests & { readonly kind: string },
  sentAt: number,
): void {
  b.metrics?.addMetric('BudgetCoordinatorRequests', MetricUnit.Count, answer.writes + answer.reads);
  if (answer.kind === 'unreachable') {
    b.metrics?.addMetric('BudgetCoordinatorFailures', MetricUnit.Count, 1);
  }
  const latencyMs = Math.round(Math.max(0, b.now() - sentAt));
  b.metrics?.addMetric('BudgetCoordinatorLatency', MetricUnit.Milliseconds, latencyMs);
}

/** Granted slots given up (started too late, e.g. after a pause or a frozen container). */
export function countForfeit(b: SharedBudget, slots: number): void {
  b.metrics?.addMetric('BudgetForfeitedSlots', MetricUnit.Count, slots);
}

/** A waiter's request starts now: the start hook, its wait, and whether it is on the fallback. */
export function startWaiter(b: SharedBudget, waiter: Waiter, at: number, coordinated: boolean) {
  const waitMs = Math.max(0, at - waiter.enqueuedAt);
  b.onStart?.({ lane: b.lane, at, waitMs, coordinated });
  b.metrics?.addMetric('BudgetWait', MetricUnit.Milliseconds, Math.round(waitMs));
  if (!coordinated) b.metrics?.addMetric('BudgetFallbackStarts', MetricUnit.Count, 1);
  waiter.resolve(true);
}
