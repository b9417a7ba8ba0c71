/**
 * The shared budget's learned rate on a fake clock: several containers with their shared
 * limiters on one in-memory dispenser, against a model of respond.io (test/support/
 * budget-simulation.ts) whose limit is below the configured one, changes, or is shared with the
 * organisation's other clients. Decrease, hold, recovery, ceiling and API first.
 */

import { describe, expect, it } from '@jest/globals';
import { BETA, floorRate } from '../../functions/budget/learned-rate.js';
import type { AnswerFeedback, RateLimiter } from '../../functions/budget/limiter.js';
import { budgetPlan, slotIntervalMs } from '../../functions/budget/plan.js';
import { createSharedLimiter, type SharedLimiter } from '../../functions/budget/shared-limiter.js';
import { createRateLimiter } from '../../functions/budget/static-limiter.js';
import type { LogFields } from '../../functions/platform/logger.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import {
  percentileOf,
  type SimulatedContainer,
  type SimulationResult,
  simulateBudget,
} from '../support/budget-simulation.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import { MemoryDispenser } from '../support/memory-dispenser.js';

const CEILING = 20;
const PLAN = budgetPlan({
  rps: CEILING,
  clockSkewMs: 20,
  coordinatorTimeoutMs: 100,
  batchMinShare: 0.1,
  floorRps: floorRate(CEILING),
});

const STATIC: RateLimiter = { acquire: async () => true, feedback() {}, rate: () => 1 };

function batch(id: string, extra: Partial<SimulatedContainer> = {}): SimulatedContainer {
  return { id, lane: 'batch', clockOffsetMs: 0, staticRps: 6, inFlight: 8, ...extra };
}

/** Our requests respond.io answered 200 (accepted), between two true times. */
function acceptedBetween(result: SimulationResult, from: number, to: number): number[] {
  return result.accepted.filter((a) => a.ours && a.at >= from && a.at < to).map((a) => a.at);
}

function share429(result: SimulationResult, from: number, to: number): number {
  const ours = result.starts.filter((s) => s.status !== undefined && s.at >= from && s.at < to);
  return ours.filter((s) => s.status === 429).length / Math.max(ours.length, 1);
}

/** Two containers on one dispenser, with a logger that keeps their lines. */
function twoContainers(clock: FakeClock, dispenser: MemoryDispenser) {
  const lines: { container: string; message: string; fields: LogFields }[] = [];
  const make = (id: string): SharedLimiter =>
    createSharedLimiter({
      dispenser: dispenser.for(id),
      fallback: STATIC,
      fallbackRps: 1,
      plan: PLAN,
      lane: 'batch',
      learning: true,
      now: clock.now,
      sleep: clock.sleep,
      logger: {
        debug() {},
        info: (message, ...fields) =>
          lines.push({ container: id, message, fields: Object.assign({}, ...fields) }),
        warn() {},
        error() {},
      },
    });
  return { one: make('one'), other: make('other'), lines };
}

const TOO_MANY = (startedAt: number, holdMs = 1000): AnswerFeedback => ({
  startedAt,
  status: 429,
  limit: null,
  remaining: null,
  holdMs,
});

describe('the shared budget, learning the rate', () => {
  it('decrease and hold: one container’s 429 cuts the rate and holds the budget for every container', async () => {
    // Prepare: both containers working, the rate at the ceiling.
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock);
    const { one, other, lines } = twoContainers(clock, dispenser);
    const starts: number[] = [];
    const keepBusy = (limiter: SharedLimiter) => {
      void (async () => {
        while (clock.now() < 1_000_000 + 6000) {
          if (await limiter.acquire(clock.now() + 5000)) starts.push(clock.now());
        }
      })();
    };
    keepBusy(one);
    keepBusy(other);
    await clock.advance(1000);
    const before = [one.rate(), other.rate()];
    // Act: a 429 for a request `one` started just now, with a Retry-After of 1 s.
    const heldAt = clock.now();
    one.feedback(TOO_MANY(heldAt - 50));
    await clock.advance(1500);
    // Assess: the item holds the cut rate; both containers space their slots for it.
    expect(before).toEqual([CEILING, CEILING]);
    expect(dispenser.rate).toMatchObject({ rate: BETA * CEILING, peak: CEILING, version: 1 });
    expect(one.rate()).toBeGreaterThanOrEqual(BETA * CEILING);
    expect(other.rate()).toBeLessThan(CEILING);
    // No container starts while the hold lasts, beyond the slot each may already hold.
    const during = starts.filter((at) => at > heldAt && at < heldAt + 1000);
    expect(during.length).toBeLessThanOrEqual(2);
    // One line says what changed and why, written by the container that made the change.
    expect(lines.filter((line) => line.message === 'Budget rate changed')).toEqual([
      {
        container: 'one',
        message: 'Budget rate changed',
        fields: {
          lane: 'batch',
          shared: true,
          fromRps: CEILING,
          toRps: BETA * CEILING,
          ceilingRps: CEILING,
          reason: 'too-many-requests',
        },
      },
    ]);
    await clock.advance(10_000);
  });

  it('recovery: climbs back to the ceiling while respond.io accepts, and says so once', async () => {
    // Prepare
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock);
    const { one, other, lines } = twoContainers(clock, dispenser);
    one.feedback(TOO_MANY(clock.now()));
    await settle();
    await clock.advance(10);
    // Act: the other container claims (and so learns the rate) after the hold; time passes
    // without a 429.
    const claimed = other.acquire(clock.now() + 5000);
    await clock.advance(1500);
    expect(await claimed).toBe(true);
    const early = other.rate();
    await clock.advance(10_000);
    // Assess
    expect(early).toBeLessThan(CEILING);
    expect(early).toBeGreaterThanOrEqual(BETA * CEILING);
    expect(one.rate()).toBe(CEILING);
    expect(other.rate()).toBe(CEILING);
    expect(lines.map((line) => `${line.container}: ${line.message}`)).toEqual([
      'one: Budget rate changed',
      'one: Budget rate back at the ceiling',
    ]);
  });

  it('a claim spaced for an older rate comes back stale and is made again at the new one', async () => {
    // Prepare: `other` knows the ceiling; then `one` cuts the rate.
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock);
    const { one, other } = twoContainers(clock, dispenser);
    const first = other.acquire(clock.now() + 5000);
    await clock.advance(100);
    await first;
    one.feedback(TOO_MANY(clock.now()));
    await clock.advance(1100);
    const grantedBefore = dispenser.granted;
    // Act
    const next = other.acquire(clock.now() + 5000);
    await clock.advance(500);
    // Assess: one stale claim, then the grant at the cut rate.
    expect(await next).toBe(true);
    expect(dispenser.stale).toBe(1);
    expect(dispenser.granted).toBe(grantedBefore + 1);
    expect(other.rate()).toBeLessThan(CEILING);
  });

  it('configured above the real limit: few 429s, and starts within the real limit once learned (its headers)', async () => {
    // Act: three batch containers configured at 20 requests/s; respond.io allows 12 and says so.
    const result = await simulateBudget({
      settings: { rps: CEILING, floorRps: floorRate(CEILING) },
      containers: [batch('a'), batch('b'), batch('c')],
      durationMs: 30_000,
      learning: true,
      respondio: { limitAt: () => 12 },
    });
    // Assess
    expect(share429(result, 0, 30_000)).toBeLessThanOrEqual(0.03);
    expect(acceptedBetween(result, 0, 30_000).length / 30).toBeGreaterThanOrEqual(0.85 * 12);
    const learned = result.starts.filter((s) => s.at >= 2000).map((s) => s.at);
    expect(maxInWindow(learned, 1000)).toBeLessThanOrEqual(12);
  });

  it('configured above a limit respond.io does not tell: the 429s alone bring the rate down', async () => {
    // Act: no X-RateLimit headers at all.
    const result = await simulateBudget({
      settings: { rps: CEILING, floorRps: floorRate(CEILING) },
      containers: [batch('a'), batch('b'), batch('c')],
      durationMs: 30_000,
      learning: true,
      respondio: { limitAt: () => 12, advertisedAt: () => null },
    });
    const today = await simulateBudget({
      settings: { rps: CEILING },
      containers: [batch('a'), batch('b'), batch('c')],
      durationMs: 30_000,
      learning: false,
      respondio: { limitAt: () => 12, advertisedAt: () => null },
    });
    // Assess: far fewer 429s than without learning, and more rows answered.
    expect(share429(today, 0, 30_000)).toBeGreaterThan(0.2);
    expect(share429(result, 0, 30_000)).toBeLessThan(0.06);
    expect(acceptedBetween(result, 0, 30_000).length).toBeGreaterThan(
      acceptedBetween(today, 0, 30_000).length,
    );
  });

  it('yields to the organisation’s other clients, then takes the budget back when they stop', async () => {
    // Act: the real limit is the configured one; another client takes 8 of it for 20 s.
    const result = await simulateBudget({
      settings: { rps: CEILING, floorRps: floorRate(CEILING) },
      containers: [batch('a'), batch('b'), batch('c')],
      durationMs: 60_000,
      learning: true,
      respondio: { limitAt: () => 20, othersAt: (t) => (t >= 10_000 && t < 30_000 ? 8 : 0) },
    });
    // Assess: 429s ≤ 5 % while it runs; at least 0.9 of the limit again within 30 s after.
    expect(share429(result, 10_000, 30_000)).toBeLessThanOrEqual(0.05);
    const perSecond = Array.from(
      { length: 30 },
      (_, second) => acceptedBetween(result, 30_000 + 1000 * second, 31_000 + 1000 * second).length,
    );
    expect(perSecond.findIndex((count) => count >= 0.9 * CEILING)).toBeGreaterThanOrEqual(0);
    expect(perSecond.slice(-10).every((count) => count >= 0.9 * CEILING)).toBe(true);
  });

  it('never goes above the ceiling: with a limit to spare it spends the configured rate, no more', async () => {
    // Act
    const result = await simulateBudget({
      settings: { rps: CEILING, floorRps: floorRate(CEILING) },
      containers: [batch('a'), batch('b')],
      durationMs: 10_000,
      learning: true,
      respondio: { limitAt: () => 50 },
    });
    // Assess
    expect(share429(result, 0, 10_000)).toBe(0);
    expect(
      maxInWindow(
        result.starts.map((s) => s.at),
        1000,
      ),
    ).toBeLessThanOrEqual(CEILING);
    expect([...result.limiters.values()].every((limiter) => limiter.rate() === CEILING)).toBe(true);
  });

  it('the static fallback learns too, for its own container, while the table is away', async () => {
    // Prepare: the table never answers; the container goes onto its static share (4 requests/s).
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock, 1, 100);
    dispenser.fate = () => 'lost';
    const limiter = createSharedLimiter({
      dispenser: dispenser.for('a'),
      fallback: createRateLimiter({
        requestsPerSecond: 4,
        now: clock.now,
        sleep: clock.sleep,
        learning: true,
      }),
      fallbackRps: 4,
      plan: PLAN,
      lane: 'batch',
      learning: true,
      now: clock.now,
      sleep: clock.sleep,
    });
    const first = limiter.acquire(clock.now() + 10_000);
    await clock.advance(PLAN.fallbackDelayMs + 1500);
    expect(await first).toBe(true);
    expect(limiter.mode()).toBe('fallback');
    const before = limiter.rate();
    // Act: respond.io answers a 429.
    limiter.feedback(TOO_MANY(clock.now() - 10, 500));
    // Assess: the static share is cut (0.7 × 4), and it is the rate the container now allows.
    expect(before).toBe(4);
    expect(limiter.rate()).toBeCloseTo(BETA * 4, 9);
    await clock.advance(5000);
  });

  it('leaves the static share alone while coordinated: it does not see those starts', async () => {
    // Prepare
    const clock = new FakeClock();
    const fallback = createRateLimiter({
      requestsPerSecond: 4,
      now: clock.now,
      sleep: clock.sleep,
      learning: true,
    });
    const limiter = createSharedLimiter({
      dispenser: new MemoryDispenser(clock).for('a'),
      fallback,
      fallbackRps: 4,
      plan: PLAN,
      lane: 'batch',
      learning: true,
      now: clock.now,
      sleep: clock.sleep,
    });
    const first = limiter.acquire(clock.now() + 5000);
    await clock.advance(100);
    expect(await first).toBe(true);
    // Act: the whole budget spent in respond.io's window (by this container's coordinated starts).
    limiter.feedback({
      startedAt: clock.now() - 50,
      status: 200,
      limit: CEILING,
      remaining: 0,
      holdMs: 0,
    });
    await clock.advance(100);
    // Assess
    expect(fallback.rate()).toBe(4);
  });

  it('API first while the rate is lowered: lookups wait at most two slot intervals of the learned rate', async () => {
    // Act: respond.io allows 10 of the configured 20 and says so; the batch has a backlog.
    const result = await simulateBudget({
      settings: { rps: CEILING, floorRps: floorRate(CEILING) },
      containers: [
        batch('b1'),
        batch('b2'),
        { id: 'api', lane: 'api', clockOffsetMs: 0, staticRps: 1, pauseMs: 300 },
      ],
      durationMs: 20_000,
      learning: true,
      respondio: { limitAt: () => 10 },
    });
    // Assess
    const apiWaits = result.starts
      .filter((start) => start.lane === 'api' && start.at > 3000)
      .map((start) => start.waitMs);
    expect(apiWaits.length).toBeGreaterThan(30);
    expect(percentileOf(apiWaits, 99)).toBeLessThanOrEqual(2 * slotIntervalMs(10, 20));
    const batchStarts = result.starts.filter((s) => s.lane === 'batch' && s.at > 3000);
    expect(batchStarts.length).toBeGreaterThan(100);
  });
});
