import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RateLimiter } from '../../functions/budget/limiter.js';
import { budgetPlan, PROBE_PERIOD_MS, SLOT_LATENESS_MS } from '../../functions/budget/plan.js';
import { createSharedLimiter } from '../../functions/budget/shared-limiter.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import {
  percentileOf,
  type SimulatedContainer,
  simulateBudget,
} from '../support/budget-simulation.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryDispenser } from '../support/memory-dispenser.js';
import { recordingMetrics } from '../support/recording-metrics.js';

const NEVER: RateLimiter = {
  acquire: async () => {
    throw new Error('the fallback must not be used');
  },
  feedback() {},
  rate: () => 1,
};

const PLAN_5 = budgetPlan({
  rps: 5,
  clockSkewMs: 20,
  coordinatorTimeoutMs: 100,
  batchMinShare: 0.1,
});

function batch(
  id: string,
  offset = 0,
  extra: Partial<SimulatedContainer> = {},
): SimulatedContainer {
  return { id, lane: 'batch', clockOffsetMs: offset, staticRps: 20, inFlight: 10, ...extra };
}

function api(id: string, offset = 0, extra: Partial<SimulatedContainer> = {}): SimulatedContainer {
  return { id, lane: 'api', clockOffsetMs: offset, staticRps: 10, ...extra };
}

/** The deployed defaults at a budget of 5: one API container at 1 request/s, two SQS at 2. */
function deployedShape(offsets: readonly number[] = [10, -10, 0]): SimulatedContainer[] {
  return [
    api('api', offsets[0], { staticRps: 1, pauseMs: 300 }),
    batch('sqs-1', offsets[1], { staticRps: 2, inFlight: 4 }),
    batch('sqs-2', offsets[2], { staticRps: 2, inFlight: 4 }),
  ];
}

function limiterOn(clock: FakeClock, dispenser: MemoryDispenser, lane: 'api' | 'batch') {
  return createSharedLimiter({
    dispenser: dispenser.for('a'),
    fallback: NEVER,
    fallbackRps: 1,
    plan: PLAN_5,
    lane,
    learning: false,
    now: clock.now,
    sleep: clock.sleep,
  });
}

describe('createSharedLimiter, coordinated', () => {
  it('starts one container’s requests at its slots, one interval apart, first in first out', async () => {
    // Prepare
    const clock = new FakeClock();
    const told: number[] = [];
    const limiter = createSharedLimiter({
      dispenser: new MemoryDispenser(clock).for('a'),
      fallback: NEVER,
      fallbackRps: 1,
      plan: PLAN_5,
      lane: 'batch',
      learning: false,
      now: clock.now,
      sleep: clock.sleep,
      onStart: (event) => told.push(event.at),
    });
    const grants: number[] = [];
    const order: number[] = [];
    // Act
    const all = Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        limiter.acquire(Number.POSITIVE_INFINITY).then((ok) => {
          grants[index] = ok ? clock.now() : -1;
          order.push(index);
        }),
      ),
    );
    await clock.advance(5000);
    await all;
    // Assess: the first slot starts when its claim is answered (2 ms late), the rest on time.
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    const gaps = grants.slice(1).map((at, index) => at - (grants[index] as number));
    for (const gap of gaps)
      expect(gap).toBeGreaterThanOrEqual(PLAN_5.intervalMs - SLOT_LATENESS_MS);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(PLAN_5.intervalMs);
    expect(told).toEqual(grants);
    expect(limiter.mode()).toBe('coordinated');
  });

  it('never puts more than the budget into any second, whatever the containers, clocks and lateness', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(5, 10, 50),
        fc.array(
          fc.record({
            lane: fc.constantFrom('api' as const, 'batch' as const),
            offset: fc.oneof(fc.constant(-10), fc.constant(10), fc.integer({ min: -10, max: 10 })),
            pauseMs: fc.constantFrom(0, 50, 400),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 1000 }),
        async (rps, specs, seed) => {
          // Act
          const result = await simulateBudget({
            settings: { rps },
            containers: specs.map((spec, index) => ({
              id: `c${index}`,
              lane: spec.lane,
              clockOffsetMs: spec.offset,
              staticRps: 1,
              pauseMs: spec.pauseMs,
              inFlight: 6,
            })),
            durationMs: 4000,
            latenessMs: 8,
            arrivalJitterMs: 20,
            seed,
          });
          // Assess
          expect(result.maxInAnySecond).toBeLessThanOrEqual(result.plan.startsPerWindow);
          expect(result.warnings).toEqual([]);
        },
      ),
      { seed: 20261203, numRuns: 25 },
    );
  }, 60_000);

  it('uses the whole budget with two batch containers, at most two claims per request (they race)', async () => {
    // Act: with a clock that runs on between two readings (a claim time just missed is not lost).
    const result = await simulateBudget({
      containers: [batch('b1'), batch('b2')],
      durationMs: 10_000,
      latenessMs: 3,
      clockTickMs: 0.3,
    });
    // Assess: a slot every 21 ms is 47.6 requests/s at a budget of 50.
    const inRun = result.starts.filter((start) => start.at < 10_000);
    expect(inRun.length).toBeGreaterThanOrEqual(470);
    expect(result.dispenser.calls / result.starts.length).toBeLessThanOrEqual(2.05);
    expect(result.maxInAnySecond).toBeLessThanOrEqual(50);
  });

  it('serves an API lookup before the queued batch rows: p99 wait within two slot intervals', async () => {
    // Act: the deployed shape, one API container (a lookup every ~200 ms) and two SQS containers.
    const result = await simulateBudget({
      containers: [batch('b1'), batch('b2'), api('a1', 0, { pauseMs: 100 })],
      durationMs: 10_000,
      latenessMs: 3,
    });
    // Assess
    const apiWaits = result.starts.filter((start) => start.lane === 'api').map((s) => s.waitMs);
    expect(apiWaits.length).toBeGreaterThan(40);
    expect(percentileOf(apiWaits, 99)).toBeLessThanOrEqual(2 * result.plan.intervalMs);
    expect(result.starts.filter((start) => start.at < 10_000).length).toBeGreaterThanOrEqual(465);
  });

  it('keeps the batch going while API lookups want the whole budget (its minimum share)', async () => {
    // Prepare: eight API containers back to back could use 80 requests/s of a budget of 50.
    const containers = [
      batch('b1', 0, { inFlight: 20 }),
      ...Array.from({ length: 8 }, (_, index) => api(`a${index}`)),
    ];
    // Act
    const result = await simulateBudget({ containers, durationMs: 10_000 });
    // Assess: one slot at least every starvation time plus the API slots queued ahead of it.
    const batchStarts = result.starts.filter(
      (start) => start.lane === 'batch' && start.at < 10_000,
    );
    const queuedAhead = 8 * result.plan.intervalMs;
    expect(batchStarts.length).toBeGreaterThanOrEqual(
      Math.floor(10_000 / (result.plan.starvationMs + queuedAhead)),
    );
    expect(result.maxInAnySecond).toBeLessThanOrEqual(50);
  });

  it('gives up a slot it can no longer start in time instead of starting it late', async () => {
    // Prepare
    const clock = new FakeClock();
    const recorded = recordingMetrics();
    const limiter = createSharedLimiter({
      dispenser: new MemoryDispenser(clock).for('a'),
      fallback: NEVER,
      fallbackRps: 1,
      plan: PLAN_5,
      lane: 'batch',
      learning: false,
      now: clock.now,
      sleep: clock.sleep,
      metrics: recorded.metrics,
    });
    const first = limiter.acquire(Number.POSITIVE_INFINITY);
    const second = limiter.acquire(Number.POSITIVE_INFINITY);
    // The second slot (one interval after the first) is claimed a few ms before it.
    await clock.advance(PLAN_5.intervalMs - 1);
    // Act: a 429's Retry-After holds the container past that granted slot.
    limiter.feedback({
      startedAt: clock.now(),
      status: 429,
      limit: null,
      remaining: null,
      holdMs: 1000,
    });
    await clock.advance(3000);
    // Assess
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(recorded.sum('BudgetForfeitedSlots')).toBeGreaterThanOrEqual(1);
  });
});

describe('createSharedLimiter, when the coordinator cannot be reached', () => {
  const OUTAGE = { from: 4000, until: 10_000 };
  const outage = (dispenser: MemoryDispenser, startedAt: number) => {
    dispenser.fate = (_container, at) =>
      at - startedAt >= OUTAGE.from && at - startedAt < OUTAGE.until ? 'lost' : 'ok';
  };

  it('falls back to the static shares, never over the budget, and comes back by itself', async () => {
    // Act
    const result = await simulateBudget({
      settings: { rps: 5 },
      containers: deployedShape(),
      durationMs: 20_000,
      latenessMs: 5,
      arrivalJitterMs: 20,
      faults: outage,
    });
    // Assess
    expect(result.maxInAnySecond).toBeLessThanOrEqual(5);
    const fallbackStarts = result.starts.filter((start) => !start.coordinated);
    expect(fallbackStarts.length).toBeGreaterThan(10);
    // Nobody starts on the fallback before fallbackDelay after the outage began...
    const firstFallback = Math.min(...fallbackStarts.map((start) => start.at));
    expect(firstFallback).toBeGreaterThanOrEqual(OUTAGE.from + result.plan.fallbackDelayMs - 200);
    // ...nor coordinated before the resume time announced after it ended.
    const resumed = result.starts.filter((start) => start.coordinated && start.at > OUTAGE.until);
    expect(Math.min(...resumed.map((start) => start.at))).toBeGreaterThan(OUTAGE.until + 1000);
    expect(result.starts.filter((start) => start.at > 18_000).every((s) => s.coordinated)).toBe(
      true,
    );
    // One WARN line on the way in and one on the way out, per container.
    const messages = result.warnings.map((warning) => `${warning.container}: ${warning.message}`);
    expect(messages.sort()).toEqual(
      ['api', 'sqs-1', 'sqs-2'].flatMap((id) => [
        `${id}: Budget coordinator reachable again: coordinated starts resume`,
        `${id}: Budget coordinator unreachable: requests start at the static share`,
      ]),
    );
    for (const limiter of result.limiters.values()) expect(limiter.mode()).toBe('coordinated');
  });

  it('stays within the budget across outages of any length and any kind, with fixed seeds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 8000 }),
        fc.integer({ min: 50, max: 8000 }),
        fc.constantFrom('lost' as const, 'answerLost' as const),
        fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        async (from, length, fate, offsets, seed) => {
          // Act
          const result = await simulateBudget({
            settings: { rps: 5 },
            containers: deployedShape(offsets),
            durationMs: 16_000,
            latenessMs: 5,
            arrivalJitterMs: 20,
            seed,
            faults: (dispenser, startedAt) => {
              dispenser.fate = (_container, at) =>
                at - startedAt >= from && at - startedAt < from + length ? fate : 'ok';
            },
          });
          // Assess
          expect(result.maxInAnySecond).toBeLessThanOrEqual(5);
        },
      ),
      { seed: 20261204, numRuns: 30 },
    );
  }, 60_000);

  it('rides out a short hiccup without the fallback and without a log line', async () => {
    // Act: the coordinator is away for 800 ms, less than the fallback delay.
    const result = await simulateBudget({
      settings: { rps: 5 },
      containers: deployedShape(),
      durationMs: 8000,
      faults: (dispenser, startedAt) => {
        dispenser.fate = (_container, at) =>
          at - startedAt >= 3000 && at - startedAt < 3800 ? 'lost' : 'ok';
      },
    });
    // Assess
    expect(result.warnings).toEqual([]);
    expect(result.starts.every((start) => start.coordinated)).toBe(true);
    expect(result.maxInAnySecond).toBeLessThanOrEqual(5);
  });

  it('bounds a partial outage by the cut-off container’s static share', async () => {
    // Act: only sqs-1 loses the coordinator, for good.
    const result = await simulateBudget({
      settings: { rps: 5 },
      containers: deployedShape([0, 0, 0]),
      durationMs: 12_000,
      arrivalJitterMs: 20,
      faults: (dispenser, startedAt) => {
        dispenser.fate = (container, at) =>
          container === 'sqs-1' && at - startedAt >= 3000 ? 'lost' : 'ok';
      },
    });
    // Assess: the others keep the whole budget; sqs-1 adds at most its 2 requests/s.
    expect(result.maxInAnySecond).toBeLessThanOrEqual(5 + 2);
    const late = result.starts.filter((start) => start.at > 6000);
    expect(late.filter((start) => start.container === 'sqs-1').every((s) => !s.coordinated)).toBe(
      true,
    );
    expect(late.filter((start) => start.container !== 'sqs-1').every((s) => s.coordinated)).toBe(
      true,
    );
  });

  it('answers false at the deadline while the coordinator hangs, never later', async () => {
    // Prepare
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock, 1, 100);
    dispenser.fate = () => 'lost';
    const limiter = limiterOn(clock, dispenser, 'api');
    const deadline = clock.now() + 450;
    let answeredAt = -1;
    // Act
    const granted = limiter.acquire(deadline).then((ok) => {
      answeredAt = clock.now();
      return ok;
    });
    await clock.advance(3000);
    // Assess
    expect(await granted).toBe(false);
    expect(answeredAt).toBeGreaterThan(deadline - 1);
    expect(answeredAt).toBeLessThanOrEqual(deadline + 1);
    expect(limiter.mode()).toBe('suspect');
  });

  it('probes at least once a second while on the fallback, and before a start after a quiet spell', async () => {
    // Prepare
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock, 1, 100);
    dispenser.fate = () => 'lost';
    const fallbackStarts: number[] = [];
    const fallback: RateLimiter = {
      acquire: async () => {
        fallbackStarts.push(clock.now());
        return true;
      },
      feedback() {},
      rate: () => 1,
    };
    const limiter = createSharedLimiter({
      dispenser: dispenser.for('a'),
      fallback,
      fallbackRps: 1,
      plan: PLAN_5,
      lane: 'api',
      learning: false,
      now: clock.now,
      sleep: clock.sleep,
    });
    const startOne = () => limiter.acquire(clock.now() + 10_000);
    // Act: on the fallback after the delay; then quiet for 5 s; then one more start.
    const first = startOne();
    await clock.advance(PLAN_5.fallbackDelayMs + 500);
    expect(await first).toBe(true);
    const callsBefore = dispenser.calls;
    await clock.advance(5000);
    const quietCalls = dispenser.calls - callsBefore;
    const second = startOne();
    await clock.advance(500);
    // Assess: nothing is asked while quiet; the next start waits for a fresh probe.
    expect(await second).toBe(true);
    expect(limiter.mode()).toBe('fallback');
    expect(quietCalls).toBe(0);
    expect(dispenser.calls - callsBefore).toBe(1);
    expect(fallbackStarts.length).toBe(2);
    expect(maxInWindow(fallbackStarts, PROBE_PERIOD_MS)).toBe(1);
  });
});
