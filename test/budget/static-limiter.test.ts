import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { AnswerFeedback } from '../../functions/budget/limiter.js';
import {
  createRateLimiter,
  DEFAULT_RATE_LIMIT_GUARD,
} from '../../functions/budget/static-limiter.js';
import type { Logger } from '../../functions/platform/logger.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { FakeClock, settle } from '../support/fake-clock.js';

/** A logger that keeps the fields of each 'Budget rate changed' line. */
function rateChangeLog() {
  const changes: Record<string, unknown>[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (message, ...fields) => {
      if (message === 'Budget rate changed') changes.push(Object.assign({}, ...fields));
    },
    warn: () => undefined,
    error: () => undefined,
  };
  return { logger, changes };
}

/** Starts `count` acquires at once and records when each was granted (or -1 when refused). */
function acquireAll(
  limiter: ReturnType<typeof createRateLimiter>,
  clock: FakeClock,
  count: number,
  deadlineAt = Number.POSITIVE_INFINITY,
) {
  const grants: number[] = [];
  const order: number[] = [];
  const done = Array.from({ length: count }, (_, index) =>
    limiter.acquire(deadlineAt).then((granted) => {
      grants[index] = granted ? clock.now() : -1;
      if (granted) order.push(index);
    }),
  );
  return { grants, order, done: Promise.all(done) };
}

describe('createRateLimiter', () => {
  it('spaces starts evenly, first in first out, with no burst', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    // Act
    const run = acquireAll(limiter, clock, 20);
    await clock.advance(10_000);
    await run.done;
    // Assess
    const interval = 200 * (1 + DEFAULT_RATE_LIMIT_GUARD);
    expect(run.order).toEqual(Array.from({ length: 20 }, (_, index) => index));
    for (let index = 1; index < run.grants.length; index += 1) {
      expect((run.grants[index] ?? 0) - (run.grants[index - 1] ?? 0)).toBeGreaterThanOrEqual(
        interval - 1e-9,
      );
    }
    expect(run.grants[0]).toBe(1_000_000);
    expect(maxInWindow(run.grants, 1000)).toBe(5);
  });

  it('tells onStart the time of every start, on its own clock, and nothing for a refusal', async () => {
    // Prepare
    const clock = new FakeClock();
    const told: number[] = [];
    const limiter = createRateLimiter({
      requestsPerSecond: 5,
      now: clock.now,
      sleep: clock.sleep,
      onStart: ({ at }) => told.push(at),
    });
    // Act: three granted starts, then one whose deadline comes before its turn.
    const run = acquireAll(limiter, clock, 3);
    const refused = limiter.acquire(clock.time + 1);
    await clock.advance(2000);
    await run.done;
    // Assess
    expect(await refused).toBe(false);
    expect(told).toEqual(run.grants);
  });

  it('reaches at least 95% of the limit in steady state', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    // Act
    const run = acquireAll(limiter, clock, 51);
    await clock.advance(20_000);
    await run.done;
    // Assess
    const spanSeconds = ((run.grants[50] ?? 0) - (run.grants[0] ?? 0)) / 1000;
    const rate = 50 / spanSeconds;
    expect(rate).toBeGreaterThanOrEqual(0.95 * 5);
    expect(rate).toBeLessThanOrEqual(5);
  });

  it('supports a fractional rate', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({
      requestsPerSecond: 1.67,
      now: clock.now,
      sleep: clock.sleep,
    });
    // Act
    const run = acquireAll(limiter, clock, 11);
    await clock.advance(10_000);
    await run.done;
    // Assess
    const rate = 10 / (((run.grants[10] ?? 0) - (run.grants[0] ?? 0)) / 1000);
    expect(rate).toBeGreaterThanOrEqual(0.95 * 1.67);
    expect(rate).toBeLessThanOrEqual(1.67);
    // Any window of k / rate seconds holds at most k starts.
    expect(maxInWindow(run.grants, 3000 / 1.67)).toBeLessThanOrEqual(3);
  });

  it('never exceeds an integer rate in any sliding second, whatever the arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
        async (rps, arrivals) => {
          // Prepare
          const clock = new FakeClock();
          const limiter = createRateLimiter({
            requestsPerSecond: rps,
            now: clock.now,
            sleep: clock.sleep,
          });
          const grants: number[] = [];
          const pending: Promise<void>[] = [];
          const sorted = [...arrivals].sort((a, b) => a - b);
          // Act
          let elapsed = 0;
          for (const at of sorted) {
            await clock.advance(at - elapsed);
            elapsed = at;
            pending.push(
              limiter.acquire(Number.POSITIVE_INFINITY).then((granted) => {
                if (granted) grants.push(clock.now());
              }),
            );
          }
          await clock.advance(sorted.length * (1000 / rps) * 2 + 1000);
          await Promise.all(pending);
          // Assess
          expect(grants).toHaveLength(sorted.length);
          expect(maxInWindow(grants, 1000)).toBeLessThanOrEqual(rps);
        },
      ),
      { seed: 20240601, numRuns: 60 },
    );
  });

  it('refuses, without taking the slot, a caller whose turn would come after its deadline', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    expect(await limiter.acquire(start + 5000)).toBe(true);
    // Act
    const refused = await limiter.acquire(start + 100);
    const next = acquireAll(limiter, clock, 1, start + 5000);
    await clock.advance(1000);
    await next.done;
    // Assess
    expect(refused).toBe(false);
    expect(next.grants[0]).toBeCloseTo(start + 206, 6);
  });

  it('refuses an already-past deadline even when a slot is free', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    // Act
    const granted = await limiter.acquire(clock.now() - 1);
    // Assess
    expect(granted).toBe(false);
  });

  it('a 429 holds every caller for its hold and releases queued callers whose deadline it passes at once', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    expect(await limiter.acquire(start + 10_000)).toBe(true);
    const patient = acquireAll(limiter, clock, 1, start + 10_000);
    const hurried = acquireAll(limiter, clock, 1, start + 1500);
    await settle();
    // Act
    limiter.feedback(answer({ startedAt: start, status: 429, holdMs: 2000 }));
    await settle();
    // Assess: the hurried caller is told at once (no time passed), the patient one waits.
    expect(hurried.grants[0]).toBe(-1);
    expect(clock.now()).toBe(start);
    await clock.advance(3000);
    await patient.done;
    expect(patient.grants[0]).toBe(start + 2000);
  });

  it('holds nothing for a hold of zero, a negative or a non-finite length, or an answer that is no 429', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    // Act
    for (const holdMs of [0, -5, Number.NaN]) limiter.feedback(answer({ status: 429, holdMs }));
    limiter.feedback(answer({ status: 449, holdMs: 1000 }));
    // Assess
    expect(await limiter.acquire(clock.now())).toBe(true);
  });

  it('without learning, spends its rate whatever respond.io answers', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    // Act
    limiter.feedback(answer({ startedAt: clock.now(), status: 429 }));
    limiter.feedback(answer({ startedAt: clock.now(), status: 200, limit: 2, remaining: 0 }));
    // Assess
    expect(limiter.rate()).toBe(5);
  });

  it('learning: a 429 cuts the rate to 0.7 of it, spaces starts for the cut rate, and climbs back', async () => {
    // Prepare
    const clock = new FakeClock();
    const { logger, changes } = rateChangeLog();
    const limiter = createRateLimiter({
      requestsPerSecond: 10,
      now: clock.now,
      sleep: clock.sleep,
      learning: true,
      logger,
    });
    const startedAt = clock.now();
    // Act
    limiter.feedback(answer({ startedAt, status: 429 }));
    const cut = limiter.rate();
    const run = acquireAll(limiter, clock, 3);
    await clock.advance(1000);
    await run.done;
    const climbing = limiter.rate();
    await clock.advance(60_000);
    // Assess: 7 requests/s at first, so starts 1000 / 7 × 1.03 ms apart; climbing after a
    // second; back at 10 a minute later.
    expect(cut).toBeCloseTo(7, 9);
    expect(changes).toEqual([
      {
        fromRps: 10,
        toRps: 7,
        ceilingRps: 10,
        reason: 'too-many-requests',
        lane: 'api',
        shared: false,
      },
    ]);
    expect((run.grants[1] as number) - (run.grants[0] as number)).toBeCloseTo((1000 / 7) * 1.03, 6);
    expect(climbing).toBeGreaterThan(7);
    expect(climbing).toBeLessThan(10);
    expect(limiter.rate()).toBe(10);
  });

  it('learning: cuts to what others leave when X-RateLimit-Remaining shows them spending it', async () => {
    // Prepare: one of two containers, each limited to 5 of an organisation budget of 10.
    const clock = new FakeClock();
    const { logger, changes } = rateChangeLog();
    const limiter = createRateLimiter({
      requestsPerSecond: 5,
      now: clock.now,
      sleep: clock.sleep,
      learning: true,
      logger,
    });
    const first = acquireAll(limiter, clock, 5);
    await clock.advance(1000);
    await first.done;
    const fifth = first.grants[4] as number;
    const second = first.grants[1] as number;
    // Act: 5 of ours in respond.io's window, nothing left of 10: the other container spent its
    // 5, within its share. Then unreadable counts. Then only 2 of ours were in the window of a
    // request that found nothing left: others spent 8.
    limiter.feedback(answer({ startedAt: fifth, status: 200, limit: 10, remaining: 0 }));
    const withinShares = limiter.rate();
    limiter.feedback(answer({ startedAt: fifth, status: 200, limit: 10, remaining: -3 }));
    limiter.feedback(answer({ startedAt: fifth, status: 200, limit: 10, remaining: null }));
    const unreadable = limiter.rate();
    limiter.feedback(answer({ startedAt: second, status: 200, limit: 10, remaining: 0 }));
    // Assess
    expect(withinShares).toBe(5);
    expect(unreadable).toBe(5);
    expect(limiter.rate()).toBeCloseTo(2, 9);
    expect(changes.map(({ reason }) => reason)).toEqual(['others-spending']);
    expect(changes[0]?.toRps).toBeCloseTo(2, 2);
  });

  it('learning: an X-RateLimit-Limit below its rate caps it, and a higher one lifts the cap', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({
      requestsPerSecond: 20,
      now: clock.now,
      sleep: clock.sleep,
      learning: true,
    });
    // Act
    limiter.feedback(answer({ startedAt: clock.now(), status: 200, limit: 12, remaining: 11 }));
    const capped = limiter.rate();
    limiter.feedback(answer({ startedAt: clock.now(), status: 200, limit: 300, remaining: 299 }));
    // Assess
    expect(capped).toBe(12);
    expect(limiter.rate()).toBe(20);
  });
});

/** An answer as the directory reports it; by default a 200 without rate-limit headers. */
function answer(extra: Partial<AnswerFeedback>): AnswerFeedback {
  return { startedAt: 0, status: 200, limit: null, remaining: null, holdMs: 0, ...extra };
}
