import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ARRIVAL_JITTER_MS,
  budgetPlan,
  claimShape,
  SLOT_LATENESS_MS,
  slotIntervalMs,
  slotUsable,
  startsPerWindow,
  WINDOW_MS,
} from '../../functions/budget/plan.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';

/** A number in [min, max], the two ends drawn often (the worst cases live there). */
function edgeOr(min: number, max: number) {
  return fc.oneof(fc.constant(min), fc.constant(max), fc.double({ min, max, noNaN: true }));
}

const DEFAULTS = { clockSkewMs: 20, coordinatorTimeoutMs: 100, batchMinShare: 0.1 };

describe('budgetPlan', () => {
  it('spaces slots so that n + 1 of them span a second plus skew, lateness and jitter', () => {
    // Act
    const five = budgetPlan({ ...DEFAULTS, rps: 5 });
    const fifty = budgetPlan({ ...DEFAULTS, rps: 50 });
    const fractional = budgetPlan({ ...DEFAULTS, rps: 12.5 });
    const slow = budgetPlan({ ...DEFAULTS, rps: 0.5 });
    // Assess: g = 20 + 10 + 20 = 50 ms.
    expect(five.intervalMs).toBe(210);
    expect(five.startsPerWindow * five.intervalMs).toBe(1050);
    expect(fifty.intervalMs).toBe(21);
    expect(fractional.startsPerWindow).toBe(12);
    expect(fractional.intervalMs).toBe(87.5);
    expect(slow.startsPerWindow).toBe(1);
    expect(slow.intervalMs).toBe(2050);
  });

  it('derives the horizon, the block, the reach and the fallback and resume delays', () => {
    // Act
    const five = budgetPlan({ ...DEFAULTS, rps: 5 });
    const fifty = budgetPlan({ ...DEFAULTS, rps: 50 });
    const thousand = budgetPlan({ ...DEFAULTS, rps: 1000 });
    // Assess
    expect(five.batchHorizonMs).toBe(105);
    expect(fifty.batchHorizonMs).toBe(10.5);
    expect(thousand.batchHorizonMs).toBe(10);
    expect([five.batchBlock, fifty.batchBlock, thousand.batchBlock]).toEqual([1, 1, 20]);
    expect(five.reachMs).toBe(1000);
    expect(budgetPlan({ ...DEFAULTS, rps: 0.5 }).reachMs).toBe(4100);
    expect(five.starvationMs).toBeCloseTo(2100);
    // reach 1000 + lateness 10 + 2 × skew 40 + window 1000 + jitter 20
    expect(five.fallbackDelayMs).toBe(2070);
    // probe 1000 + timeout 100 + 2 × skew 40 + window 1000 + jitter 20
    expect(five.resumeDelayMs).toBe(2160);
  });

  it('refuses settings it cannot plan with', () => {
    // Assess
    expect(() => budgetPlan({ ...DEFAULTS, rps: 0 })).toThrow(RangeError);
    expect(() => budgetPlan({ ...DEFAULTS, rps: 5, batchMinShare: 1 })).toThrow(RangeError);
    expect(() => budgetPlan({ ...DEFAULTS, rps: 5, coordinatorTimeoutMs: 0 })).toThrow(RangeError);
  });

  it('keeps any n + 1 consecutive slots at least 1000 ms + skew + lateness + jitter apart', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 10_000, noNaN: true }),
        fc.integer({ min: 0, max: 200 }),
        (rps, skew) => {
          // Act
          const interval = slotIntervalMs(rps, skew);
          const n = startsPerWindow(rps);
          // Assess
          const margin = skew + SLOT_LATENESS_MS + ARRIVAL_JITTER_MS;
          if (rps >= 1) expect(n * interval).toBeGreaterThanOrEqual(WINDOW_MS + margin - 1e-9);
          else expect(interval).toBeGreaterThanOrEqual(WINDOW_MS / rps + margin - 1e-9);
        },
      ),
      { seed: 20261201, numRuns: 500 },
    );
  });

  it('never lets a sliding second at respond.io see more than n slots, with skewed clocks, late timers and jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(edgeOr(-10, 10), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), edgeOr(0, 1), edgeOr(0, 1)), { minLength: 60, maxLength: 200 }),
        (rps, clockOffsets, draws) => {
          // Prepare: slots k × interval on the shared timeline, each started by some container
          // when its own clock (true time + offset, offsets 20 ms apart at most) reads the slot
          // time, up to SLOT_LATENESS_MS late, and arriving up to ARRIVAL_JITTER_MS later.
          const interval = slotIntervalMs(rps, 20);
          const arrivals = draws.map(([who, late, jitter], slot) => {
            const offset = clockOffsets[who % clockOffsets.length] as number;
            return slot * interval - offset + late * SLOT_LATENESS_MS + jitter * ARRIVAL_JITTER_MS;
          });
          // Assess
          expect(maxInWindow(arrivals, WINDOW_MS)).toBeLessThanOrEqual(startsPerWindow(rps));
        },
      ),
      { seed: 20261202, numRuns: 300 },
    );
  });
});

describe('claimShape and slotUsable', () => {
  it('claims one slot within reach for the API, a block within the horizon for the batch', () => {
    // Prepare
    const plan = budgetPlan({ ...DEFAULTS, rps: 1000 });
    // Act + Assess
    expect(claimShape(plan, 'api', 5, 0)).toEqual({ slots: 1, aheadMs: plan.reachMs });
    expect(claimShape(plan, 'batch', 50, 0)).toEqual({ slots: 20, aheadMs: 10 });
    expect(claimShape(plan, 'batch', 3, 0)).toEqual({ slots: 3, aheadMs: 10 });
    // A batch container that got nothing for the starvation time claims like the API.
    expect(claimShape(plan, 'batch', 50, plan.starvationMs)).toEqual({
      slots: 1,
      aheadMs: plan.reachMs,
    });
  });

  it('lets a slot start on time or a little late, never later', () => {
    // Assess
    expect(slotUsable(1000, 1000)).toBe(true);
    expect(slotUsable(1000, 1000 + SLOT_LATENESS_MS)).toBe(true);
    expect(slotUsable(1000, 1001 + SLOT_LATENESS_MS)).toBe(false);
  });
});
