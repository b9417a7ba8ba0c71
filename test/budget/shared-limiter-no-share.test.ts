/**
 * The shared budget for a container with no static share (the file batch function,
 * `fallback: null`): while the coordinator cannot be reached it starts nothing, keeps probing
 * once a second, lets waiters reach their deadlines, and resumes coordinated starts when the
 * coordinator answers again.
 */

import { describe, expect, it } from '@jest/globals';
import { budgetPlan, PROBE_PERIOD_MS } from '../../functions/budget/plan.js';
import { createSharedLimiter } from '../../functions/budget/shared-limiter.js';
import type { LogFields } from '../../functions/platform/logger.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryDispenser } from '../support/memory-dispenser.js';

const PLAN_5 = budgetPlan({
  rps: 5,
  clockSkewMs: 20,
  coordinatorTimeoutMs: 100,
  batchMinShare: 0.1,
});

function noShareLimiter(clock: FakeClock, dispenser: MemoryDispenser, warnings: string[]) {
  return createSharedLimiter({
    dispenser: dispenser.for('files'),
    fallback: null,
    fallbackRps: 0,
    plan: PLAN_5,
    lane: 'batch',
    learning: false,
    now: clock.now,
    sleep: clock.sleep,
    logger: {
      debug() {},
      info() {},
      warn: (message: string, ..._fields: LogFields[]) => warnings.push(message),
      error() {},
    },
  });
}

describe('createSharedLimiter without a static share', () => {
  it('starts nothing while the coordinator is away, answers false at each deadline, and probes', async () => {
    // Prepare
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock, 1, 100);
    dispenser.fate = () => 'lost';
    const warnings: string[] = [];
    const limiter = noShareLimiter(clock, dispenser, warnings);
    const deadline = clock.now() + 8000;
    // Act
    const answers = Promise.all(Array.from({ length: 3 }, () => limiter.acquire(deadline)));
    await clock.advance(4000);
    const callsAfter4s = dispenser.calls;
    await clock.advance(3000);
    const callsAfter7s = dispenser.calls;
    await clock.advance(2000);
    // Assess
    expect(await answers).toEqual([false, false, false]);
    expect(limiter.mode()).toBe('fallback');
    // At least one probe per second on the fallback (the 3 s between 4 s and 7 s).
    expect(callsAfter7s - callsAfter4s).toBeGreaterThanOrEqual(3000 / PROBE_PERIOD_MS);
    expect(warnings).toEqual([
      'Budget coordinator unreachable: no requests start until it answers (no static share)',
    ]);
  });

  it('resumes coordinated starts when the coordinator answers again', async () => {
    // Prepare
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock, 1, 100);
    const startedAt = clock.now();
    dispenser.fate = (_container, at) => (at - startedAt < 5000 ? 'lost' : 'ok');
    const warnings: string[] = [];
    const limiter = noShareLimiter(clock, dispenser, warnings);
    let grantedAt = -1;
    // Act
    const granted = limiter.acquire(clock.now() + 20_000).then((ok) => {
      grantedAt = clock.now();
      return ok;
    });
    await clock.advance(12_000);
    // Assess: the start came from a slot after the coordinator was back, not before.
    expect(await granted).toBe(true);
    expect(grantedAt).toBeGreaterThan(startedAt + 5000);
    expect(limiter.mode()).toBe('coordinated');
    expect(dispenser.granted).toBeGreaterThanOrEqual(1);
    expect(warnings).toEqual([
      'Budget coordinator unreachable: no requests start until it answers (no static share)',
      'Budget coordinator reachable again: coordinated starts resume',
    ]);
  });
});
