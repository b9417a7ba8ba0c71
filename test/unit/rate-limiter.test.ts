import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  createRateLimiter,
  DEFAULT_RATE_LIMIT_GUARD,
} from '../../functions/adapters/rate-limiter.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { FakeClock, settle } from '../support/fake-clock.js';

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
      onStart: (at) => told.push(at),
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

  it('pause holds every caller and releases queued callers whose deadline it passes at once', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    expect(await limiter.acquire(start + 10_000)).toBe(true);
    const patient = acquireAll(limiter, clock, 1, start + 10_000);
    const hurried = acquireAll(limiter, clock, 1, start + 1500);
    await settle();
    // Act
    limiter.pause(2000);
    await settle();
    // Assess: the hurried caller is told at once (no time passed), the patient one waits.
    expect(hurried.grants[0]).toBe(-1);
    expect(clock.now()).toBe(start);
    await clock.advance(3000);
    await patient.done;
    expect(patient.grants[0]).toBe(start + 2000);
  });

  it('ignores a pause of zero, a negative or a non-finite length', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    // Act
    limiter.pause(0);
    limiter.pause(-5);
    limiter.pause(Number.NaN);
    // Assess
    expect(await limiter.acquire(clock.now())).toBe(true);
  });

  it('slows down when others have spent the budget (remaining 0)', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    expect(await limiter.acquire(Number.POSITIVE_INFINITY)).toBe(true);
    await clock.advance(50);
    // Act: one request of ours in the window, yet nothing remains of a budget of 10.
    limiter.observe(0, 10, start);
    const next = acquireAll(limiter, clock, 1);
    await clock.advance(2000);
    await next.done;
    // Assess: the next start waits one interval from now instead of from the last start.
    expect(next.grants[0]).toBeCloseTo(start + 50 + 206, 6);
  });

  it('slows down early when the remaining budget runs low because of others', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    expect(await limiter.acquire(Number.POSITIVE_INFINITY)).toBe(true);
    await clock.advance(100);
    // Act: 2 of 10 left, only 1 spent by us.
    limiter.observe(2, 10, start);
    const next = acquireAll(limiter, clock, 1);
    await clock.advance(2000);
    await next.done;
    // Assess
    expect(next.grants[0]).toBeCloseTo(start + 100 + 206, 6);
  });

  it('does not slow down when its own requests explain a low remaining count', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = createRateLimiter({ requestsPerSecond: 5, now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    const first = acquireAll(limiter, clock, 5);
    await clock.advance(900);
    await first.done;
    // Act: our 5 starts spent the whole budget of 5; then no header at all.
    limiter.observe(0, 5, first.grants[4]);
    limiter.observe(null, 5);
    const next = acquireAll(limiter, clock, 1);
    await clock.advance(2000);
    await next.done;
    // Assess: the usual spacing, nothing more.
    expect(next.grants[0]).toBeCloseTo(start + 5 * 206, 6);
  });

  it('does not slow down for other containers that stay within their static share', async () => {
    // Prepare: one of two containers, each limited to 25 of an organisation budget of 50.
    const clock = new FakeClock();
    const limiter = createRateLimiter({
      requestsPerSecond: 25,
      now: clock.now,
      sleep: clock.sleep,
    });
    const first = acquireAll(limiter, clock, 25);
    await clock.advance(1000);
    await first.done;
    // Act: the other container spent its 25, so nothing remains of the 50.
    limiter.observe(0, 50, first.grants[24]);
    const next = acquireAll(limiter, clock, 1);
    await clock.advance(2000);
    await next.done;
    // Assess: the usual spacing from the last start, no extra hold.
    expect(next.grants[0]).toBeCloseTo((first.grants[24] ?? 0) + 40 * 1.03, 6);
  });

  it('keeps the rate when timers fire a little late, and still never exceeds it', async () => {
    // Prepare: every sleep ends 4 ms late, as real timers do under load.
    const clock = new FakeClock();
    const lateSleep = (ms: number) => clock.sleep(ms + 4);
    const limiter = createRateLimiter({ requestsPerSecond: 50, now: clock.now, sleep: lateSleep });
    // Act
    const run = acquireAll(limiter, clock, 501);
    await clock.advance(15_000);
    await run.done;
    // Assess
    const rate = 500 / (((run.grants[500] ?? 0) - (run.grants[0] ?? 0)) / 1000);
    expect(rate).toBeGreaterThanOrEqual(0.95 * 50);
    expect(maxInWindow(run.grants, 1000)).toBeLessThanOrEqual(50);
  });

  it('rejects a non-positive rate', () => {
    expect(() => createRateLimiter({ requestsPerSecond: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ requestsPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
