/**
 * The container's side of the shared organisation budget: a RateLimiter whose requests start at
 * slots claimed from the slot dispenser (a port; DynamoDB in production), first in first out, and
 * which falls back to the container's static share while the dispenser cannot be reached. The
 * arithmetic (spacing, horizon, delays) is core/budget-plan.ts's; the clock and the waiting are
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
 * The rate (core/learned-rate.ts): with learning on, the slots are spaced for the learned rate,
 * which every container reads from the dispenser with each claim (a claim spaced for an older
 * version comes back `stale`). respond.io's answers (`feedback`) may change it: the container
 * writes the change, one per version, logs it and tells the observer. A 429 also holds the whole
 * budget: this container at once, every other one through the dispenser (no slot before the
 * hold's end). With learning off the rate is the configured one and a 429 holds this container.
 *
 * Longer than ~250 lines on purpose: one state machine, read top to bottom.
 */

import type { Logger } from '../platform/logger.js';
import type {
  RateAnswer,
  ResumeAnswer,
  SharedRate,
  SlotAnswer,
  SlotDispenser,
} from './dispenser.js';
import {
  type AnswerSignal,
  nextState,
  type RateChange,
  rateAt,
  rateChangeFields,
  UNLEARNED,
} from './learned-rate.js';
import type { AnswerFeedback, BudgetLane, BudgetObserver, RateLimiter } from './limiter.js';
import {
  type BudgetPlan,
  claimShape,
  latestStartFor,
  PROBE_PERIOD_MS,
  type SlotShape,
  shapeAt,
  slotUsable,
  startsPerWindow,
  suspectRetryMs,
} from './plan.js';

export type BudgetMode = 'coordinated' | 'suspect' | 'fallback';

export interface SharedLimiterOptions {
  readonly dispenser: SlotDispenser;
  /**
   * The container's static-share limiter, used while the dispenser is unreachable; null for a
   * container with no static share, which then starts nothing until the dispenser answers.
   */
  readonly fallback: RateLimiter | null;
  /** The static share's rate, requests per second (for the log line). */
  readonly fallbackRps: number;
  readonly plan: BudgetPlan;
  readonly lane: BudgetLane;
  /** Clock, epoch ms. */
  readonly now: () => number;
  /** Resolves after `ms` milliseconds. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger?: Logger;
  readonly observer?: BudgetObserver;
  /** Learn the rate below the configured one (plan.rps) from respond.io's answers. */
  readonly learning: boolean;
}

export interface SharedLimiter extends RateLimiter {
  readonly mode: () => BudgetMode;
}

interface Waiter {
  readonly deadlineAt: number;
  readonly enqueuedAt: number;
  readonly resolve: (granted: boolean) => void;
}

/** Recent claim round trips remembered to size the batch's claim lead. */
const LATENCY_SAMPLES = 8;
/** A batch claim goes out at least this long before its slot. */
const MIN_LEAD_MS = 2;
/** The longest single nap of the loop, so that no timer outlives a quiet container for long. */
const MAX_NAP_MS = 1000;

export function createSharedLimiter(options: SharedLimiterOptions): SharedLimiter {
  const { dispenser, fallback, plan, lane, now, sleep, logger, observer, learning } = options;
  const ceiling = plan.rps;
  // A batch claim leaves a just-passed slot to a container whose clock is behind.
  const idleGraceMs = lane === 'batch' ? plan.clockSkewMs : 0;

  let mode: BudgetMode = 'coordinated';
  const waiters: Waiter[] = [];
  /** Granted slots not yet started, ascending (the dispenser's next free slot only grows). */
  const slots: number[] = [];
  /** The last next-free-slot seen; the dispenser's only grows, so this is a lower bound. */
  let knownNext = Number.NEGATIVE_INFINITY;
  let idleLast = true;
  let nextClaimAt = Number.NEGATIVE_INFINITY;
  let claimInFlight = false;
  let probeInFlight = false;
  /** Suspect: the send time of the first failed claim, the failed attempts and why. */
  let failedSince = 0;
  let failedAttempts = 0;
  let failureReason = '';
  /** Fallback: when the coordinator was last tried (a failed claim or probe counts). */
  let lastProbeAt = Number.NEGATIVE_INFINITY;
  /** The send time of the last call the coordinator answered (the creation time at first). */
  let lastSuccessAt = now();
  /** A suspect container that was cut off this long must announce before starting again. */
  let mustAnnounce = false;
  let holdUntil = Number.NEGATIVE_INFINITY;
  /** Round trips of the last one-write grants, to claim just early enough (as late as possible). */
  const latencies: number[] = [];
  /** The last grant, or when rows began to wait after a quiet spell (starvation is measured from it). */
  let progressAt = Number.NEGATIVE_INFINITY;
  let running = false;
  let wakers: (() => void)[] = [];
  /** The learned rate, as the dispenser last told it. */
  let shared: SharedRate = { ...UNLEARNED, version: 0 };
  /** A rate change being written, and answers that came meanwhile (considered after it). */
  let rateWriteInFlight = false;
  let pendingSignals: AnswerSignal[] = [];
  /** The rate was below the ceiling when last looked at (for the "back at the ceiling" line). */
  let belowCeiling = false;
  /** When this container went onto the fallback (its static share's requests start there). */
  let fallbackSince = Number.POSITIVE_INFINITY;

  const rateNow = (at: number) => (learning ? rateAt(shared, ceiling, at) : ceiling);
  const shapeNow = (at: number): SlotShape => shapeAt(plan, rateNow(at));

  /** Takes the dispenser's rate when it is newer than ours. */
  function adopt(rate: SharedRate): void {
    if (rate.version > shared.version) shared = rate;
  }

  function notify(): void {
    const toWake = wakers;
    wakers = [];
    for (const wake of toWake) wake();
  }

  /**
   * Sleeps until the earliest of `times` (at most MAX_NAP_MS), or until something changes. A time
   * that has passed meanwhile wakes it at once (through a zero sleep, so the loop never spins).
   */
  async function waitUntil(...times: number[]): Promise<void> {
    const ms = Math.min(Math.max(Math.min(...times) - now(), 0), MAX_NAP_MS);
    const changed = new Promise<void>((resolve) => wakers.push(resolve));
    await Promise.race([sleep(ms), changed]);
  }

  function expireWaiters(at: number): void {
    for (let index = 0; index < waiters.length; ) {
      const waiter = waiters[index] as Waiter;
      if (waiter.deadlineAt < at) {
        waiters.splice(index, 1);
        waiter.resolve(false);
      } else {
        index += 1;
      }
    }
  }

  function dropStaleSlots(at: number): void {
    let forfeited = 0;
    while (slots.length > 0 && !slotUsable(slots[0] as number, at)) {
      slots.shift();
      forfeited += 1;
    }
    if (forfeited > 0) observer?.onForfeit?.(forfeited);
  }

  function start(waiter: Waiter, at: number, coordinated: boolean): void {
    observer?.onStart?.({ lane, at, waitMs: Math.max(0, at - waiter.enqueuedAt), coordinated });
    waiter.resolve(true);
  }

  /**
   * How long before the next free slot a batch claim goes out: as late as the recent round trips
   * allow (1.5 × the slowest of the last few, plus a millisecond), so the batch holds a slot as
   * briefly as possible before it is due and a lookup usually finds the next one free.
   */
  function lead(shape: SlotShape): number {
    if (latencies.length === 0) return shape.batchHorizonMs / 2;
    return Math.min(Math.max(1.5 * Math.max(...latencies) + 1, MIN_LEAD_MS), shape.batchHorizonMs);
  }

  function onClaimAnswer(
    answer: SlotAnswer,
    sentAt: number,
    aheadMs: number,
    shape: SlotShape,
  ): void {
    const at = now();
    if (answer.kind === 'granted' && answer.writes === 1) {
      // One write's round trip: what the next claim must be ahead of its slot by.
      latencies.push(at - sentAt);
      if (latencies.length > LATENCY_SAMPLES) latencies.shift();
    }
    observer?.onCoordinatorCall?.({
      writes: answer.writes,
      reads: answer.reads,
      outcome: answer.kind,
      latencyMs: Math.max(0, at - sentAt),
    });
    if (answer.kind === 'unreachable') {
      if (mode === 'coordinated') {
        mode = 'suspect';
        failedSince = sentAt;
        failedAttempts = 0;
      }
      failedAttempts += 1;
      failureReason = answer.reason;
      lastProbeAt = sentAt;
      nextClaimAt = at + suspectRetryMs(plan, failedAttempts);
      return;
    }
    // The coordinator answered. After a long cut-off others may be on the fallback: announce.
    const cutOffLong = mode === 'suspect' && sentAt - lastSuccessAt >= plan.rejoinWithinMs;
    lastSuccessAt = sentAt;
    if (mode === 'suspect') {
      mode = 'coordinated';
      failedAttempts = 0;
    }
    adopt(answer.rate);
    if (answer.kind === 'stale') {
      // Spaced for an older rate: claim again at once with the dispenser's.
      nextClaimAt = at;
      if (cutOffLong) mustAnnounce = true;
      return;
    }
    if (answer.kind === 'refused') {
      knownNext = Math.max(knownNext, answer.next ?? latestStartFor(sentAt, aheadMs));
      idleLast = false;
      // Batch containers race for the next free slot, each as late as its round trips allow; one
      // that keeps losing (its clock behind the others') is caught by the starvation rule.
      nextClaimAt =
        knownNext < sentAt
          ? knownNext + idleGraceMs + 1 // just past: free for a claim from then on
          : Math.max(at, knownNext - (lane === 'batch' ? lead(shape) : aheadMs));
      if (cutOffLong) mustAnnounce = true;
      return;
    }
    knownNext = Math.max(knownNext, answer.next);
    idleLast = answer.firstSlotAt === sentAt;
    if (cutOffLong) {
      observer?.onForfeit?.(answer.slots);
      mustAnnounce = true;
      return;
    }
    for (let index = 0; index < answer.slots; index += 1) {
      slots.push(answer.firstSlotAt + index * shape.intervalMs);
    }
    progressAt = at;
    // The next claim goes out as late before the next free slot as the round trips allow: the
    // batch takes its slots just in time, so a lookup finds at most one batch slot ahead of it.
    nextClaimAt = lane === 'batch' ? Math.max(at, answer.next - lead(shape)) : at;
  }

  function maybeClaim(at: number): void {
    if (claimInFlight || mode === 'fallback' || mustAnnounce || at < nextClaimAt) return;
    const demand = waiters.length - slots.length;
    if (demand <= 0) return;
    const shape = shapeNow(at);
    const wanted = claimShape(shape, lane, demand, at - progressAt);
    claimInFlight = true;
    const aheadMs = wanted.aheadMs;
    const claim = {
      now: at,
      slots: wanted.slots,
      intervalMs: shape.intervalMs,
      latestStartAt: latestStartFor(at, aheadMs),
      idleGraceMs,
      knownBusy: knownNext >= at,
      idleFirst: idleLast,
      rateVersion: learning ? shared.version : 0,
    };
    dispenser
      .claim(claim)
      .catch(
        (error: unknown): SlotAnswer => ({
          kind: 'unreachable',
          reason: error instanceof Error ? error.name : 'error',
          writes: 0,
          reads: 0,
        }),
      )
      .then((answer) => onClaimAnswer(answer, at, aheadMs, shape))
      .finally(() => {
        claimInFlight = false;
        notify();
      });
  }

  function enterFallback(at: number): void {
    mode = 'fallback';
    fallbackSince = at;
    logger?.warn(
      fallback === null
        ? 'Budget coordinator unreachable: no requests start until it answers (no static share)'
        : 'Budget coordinator unreachable: requests start at the static share',
      {
        lane,
        reason: failureReason,
        unreachableForMs: Math.round(at - failedSince),
        staticRps: options.fallbackRps,
      },
    );
    observer?.onModeChange?.('fallback');
  }

  /**
   * Asks every container to resume at one time (or learns the time another one announced). Not
   * awaited: the loop goes on expiring waiters at their deadlines while it is in flight.
   */
  function startProbe(at: number): void {
    probeInFlight = true;
    dispenser
      .announceResume(at, at + plan.resumeDelayMs)
      .catch((): ResumeAnswer => ({ kind: 'unreachable', reason: 'error', writes: 0, reads: 0 }))
      .then((answer) => onProbeAnswer(answer, at))
      .finally(() => {
        probeInFlight = false;
        notify();
      });
  }

  function onProbeAnswer(answer: ResumeAnswer, at: number): void {
    const answeredAt = now();
    observer?.onCoordinatorCall?.({
      writes: answer.writes,
      reads: answer.reads,
      outcome: answer.kind,
      latencyMs: Math.max(0, answeredAt - at),
    });
    if (answer.kind === 'unreachable') {
      lastProbeAt = at;
      failureReason = answer.reason;
      if (mustAnnounce) {
        // Cut off again before the announcement went through: wait as a suspect container does.
        mustAnnounce = false;
        mode = 'suspect';
        failedSince = at;
        failedAttempts = 1;
        nextClaimAt = answeredAt + suspectRetryMs(plan, 1);
      }
      return;
    }
    lastSuccessAt = at;
    const wasFallback = mode === 'fallback';
    mode = 'coordinated';
    mustAnnounce = false;
    failedAttempts = 0;
    knownNext = Math.max(knownNext, answer.resumeAt);
    idleLast = false;
    const shape = shapeNow(answeredAt);
    const aheadMs = lane === 'batch' ? shape.batchHorizonMs : shape.reachMs;
    nextClaimAt = Math.max(answeredAt, answer.resumeAt - aheadMs);
    if (wasFallback) {
      logger?.warn('Budget coordinator reachable again: coordinated starts resume', {
        lane,
        resumeInMs: Math.round(answer.resumeAt - answeredAt),
        announced: answer.announced,
      });
      observer?.onModeChange?.('coordinated');
    }
  }

  /** One start on the static share, after a probe when the last one is too old. */
  async function serveFallback(head: Waiter): Promise<void> {
    if (probeInFlight) {
      await waitUntil(head.deadlineAt + 1);
      return;
    }
    if (now() - lastProbeAt >= PROBE_PERIOD_MS) {
      startProbe(now());
      return;
    }
    if (fallback === null) {
      // No static share: wait for the next probe (or the head's deadline), start nothing.
      await waitUntil(lastProbeAt + PROBE_PERIOD_MS, head.deadlineAt + 1);
      return;
    }
    const granted = await fallback.acquire(head.deadlineAt);
    if (waiters[0] !== head) return;
    if (!granted) {
      waiters.shift();
      head.resolve(false);
      return;
    }
    // A probe must be recent at the start itself; otherwise probe first (the static limiter's
    // slot is simply not used).
    if (now() - lastProbeAt >= PROBE_PERIOD_MS || probeInFlight || mode !== 'fallback') return;
    waiters.shift();
    start(head, now(), false);
  }

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    try {
      while (waiters.length > 0) {
        const at = now();
        expireWaiters(at);
        const head = waiters[0];
        if (head === undefined) break;
        if (at < holdUntil) {
          await waitUntil(holdUntil, head.deadlineAt + 1);
          continue;
        }
        if (mustAnnounce) {
          if (!claimInFlight && !probeInFlight) startProbe(at);
          await waitUntil(head.deadlineAt + 1);
          continue;
        }
        if (mode === 'fallback') {
          await serveFallback(head);
          continue;
        }
        dropStaleSlots(at);
        const slot = slots[0];
        if (slot !== undefined && slot > head.deadlineAt) {
          // Its turn would come after its deadline; the slot stays for the next waiter.
          waiters.shift();
          head.resolve(false);
          continue;
        }
        if (slot !== undefined && at >= slot) {
          slots.shift();
          waiters.shift();
          start(head, at, true);
          continue;
        }
        if (
          mode === 'suspect' &&
          !claimInFlight &&
          slots.length === 0 &&
          at >= failedSince + plan.fallbackDelayMs
        ) {
          // Only a claim that failed after the delay proves the coordinator is still away.
          if (lastProbeAt >= failedSince + plan.fallbackDelayMs) {
            enterFallback(at);
            continue;
          }
          nextClaimAt = at;
        }
        maybeClaim(at);
        await waitUntil(
          head.deadlineAt + 1,
          slot ?? Number.POSITIVE_INFINITY,
          !claimInFlight && waiters.length > slots.length ? nextClaimAt : Number.POSITIVE_INFINITY,
          mode === 'suspect' && !claimInFlight && slots.length === 0
            ? failedSince + plan.fallbackDelayMs
            : Number.POSITIVE_INFINITY,
        );
      }
    } finally {
      running = false;
    }
  }

  return {
    mode: () => mode,

    acquire(deadlineAt) {
      const at = now();
      if (at > deadlineAt) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        if (waiters.length === 0 && slots.length === 0) progressAt = Math.max(progressAt, at);
        waiters.push({ deadlineAt, enqueuedAt: at, resolve });
        notify();
        void run();
      });
    },

    feedback(answer: AnswerFeedback) {
      // The static share learns from the answers to its own starts only (on the fallback): it
      // does not see the coordinated ones, so it would take their count for others' spending.
      if (mode === 'fallback' && answer.startedAt >= fallbackSince) fallback?.feedback(answer);
      const at = now();
      if (answer.status === 429 && Number.isFinite(answer.holdMs) && answer.holdMs > 0) {
        holdUntil = Math.max(holdUntil, at + answer.holdMs);
        notify();
        // respond.io said the organisation is over: no container starts before the hold ends.
        if (learning && mode !== 'fallback') sendHold(at, at + answer.holdMs);
      }
      if (!learning) return;
      consider({
        startedAt: answer.startedAt,
        at,
        status: answer.status,
        limit: answer.limit,
        remaining: answer.remaining,
        // Ours in respond.io's window: at most what the rate in force let start in a second.
        ownInWindow: startsPerWindow(rateNow(answer.startedAt)),
      });
    },

    rate() {
      const at = now();
      const rps = mode === 'fallback' && fallback !== null ? fallback.rate() : rateNow(at);
      noteRecovery(rps);
      return rps;
    },
  };

  /** Moves the dispenser's next free slot to the hold's end (not awaited). */
  function sendHold(at: number, until: number): void {
    dispenser
      .hold(at, until)
      .catch(() => ({ kind: 'unreachable' as const, reason: 'error', writes: 0, reads: 0 }))
      .then((answer) =>
        observer?.onCoordinatorCall?.({
          writes: answer.writes,
          reads: answer.reads,
          outcome: answer.kind,
          latencyMs: Math.max(0, now() - at),
        }),
      );
  }

  /** Writes what an answer changes in the learned rate, one change at a time. */
  function consider(signal: AnswerSignal): void {
    // On the fallback the table cannot be written; the static share learns meanwhile.
    if (mode === 'fallback') return;
    if (rateWriteInFlight) {
      pendingSignals = [...pendingSignals.slice(-3), signal];
      return;
    }
    const change = nextState(shared, ceiling, signal);
    if (change === null) return;
    rateWriteInFlight = true;
    const version = shared.version;
    const sentAt = now();
    dispenser
      .changeRate(sentAt, version, change.state)
      .catch((): RateAnswer => ({ kind: 'unreachable', reason: 'error', writes: 0, reads: 0 }))
      .then((answer) => {
        observer?.onCoordinatorCall?.({
          writes: answer.writes,
          reads: answer.reads,
          outcome: answer.kind,
          latencyMs: Math.max(0, now() - sentAt),
        });
        if (answer.kind === 'changed') {
          shared = answer.rate;
          reportChange(change);
        } else if (answer.kind === 'stale') {
          // Another container changed it first: judge this answer again against its change.
          adopt(answer.rate);
          pendingSignals = [signal, ...pendingSignals];
        }
        // Unreachable: the change is lost; the static share learns on its own meanwhile.
      })
      .finally(() => {
        rateWriteInFlight = false;
        const next = pendingSignals;
        pendingSignals = [];
        for (const pending of next) consider(pending);
        notify();
      });
  }

  function reportChange(change: RateChange): void {
    belowCeiling = change.to < ceiling;
    logger?.info('Budget rate changed', {
      lane,
      shared: true,
      ...rateChangeFields(change, ceiling),
    });
    observer?.onRateChange?.({ ...change, lane });
  }

  /** One line when the rate this container sees is back at the ceiling after a change. */
  function noteRecovery(rps: number): void {
    if (!belowCeiling || rps < ceiling) return;
    belowCeiling = false;
    logger?.info('Budget rate back at the ceiling', { lane, ceilingRps: ceiling });
  }
}
