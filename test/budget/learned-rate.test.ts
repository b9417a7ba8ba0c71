import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type AnswerSignal,
  BETA,
  CUBIC_SCALE,
  floorRate,
  nextState,
  type RateState,
  rateAt,
  UNLEARNED,
} from '../../functions/budget/learned-rate.js';

const CEILING = 20;
const T0 = 1_000_000;

/** An answer to a request started at `startedAt`, answered 100 ms later; a 200 by default. */
function answer(startedAt: number, extra: Partial<AnswerSignal> = {}): AnswerSignal {
  return {
    startedAt,
    at: startedAt + 100,
    status: 200,
    limit: null,
    remaining: null,
    ownInWindow: 0,
    ...extra,
  };
}

/** The state after a 429 for a request started at T0 (nothing learned before). */
function cutAtT0(): RateState {
  const change = nextState(UNLEARNED, CEILING, answer(T0, { status: 429 }));
  if (change === null) throw new Error('expected a cut');
  return change.state;
}

describe('the learned rate', () => {
  it('is the ceiling until something is learned', () => {
    // Assess
    expect(rateAt(UNLEARNED, CEILING, T0)).toBe(CEILING);
    expect(rateAt(UNLEARNED, 0.5, T0)).toBe(0.5);
  });

  it('decrease: a 429 cuts it to BETA of the rate its request started at', () => {
    // Act
    const change = nextState(UNLEARNED, CEILING, answer(T0, { status: 429 }));
    // Assess
    expect(change).toEqual({
      state: { rate: BETA * CEILING, peak: CEILING, since: T0 + 100, cap: null },
      from: CEILING,
      to: BETA * CEILING,
      reason: 'too-many-requests',
    });
  });

  it('cuts once per epoch: a 429 for a request started before the last cut changes nothing', () => {
    // Prepare
    const state = cutAtT0();
    // Act
    const late = nextState(state, CEILING, answer(T0 + 50, { status: 429 }));
    const fresh = nextState(state, CEILING, answer(T0 + 150, { status: 429 }));
    // Assess: the second 429 of the same burst is ignored; one after the cut cuts again.
    expect(late).toBeNull();
    const startedRate = rateAt(state, CEILING, T0 + 150);
    expect(fresh?.state.rate).toBeCloseTo(BETA * startedRate, 9);
    // Below the last plateau (the limit is falling): the next plateau halfway down (fast convergence).
    expect(fresh?.state.peak).toBeCloseTo((startedRate * (1 + BETA)) / 2, 9);
  });

  it('recovery: climbs back, fast at first, flat at the rate that was too much, then to the ceiling', () => {
    // Prepare
    const state = cutAtT0();
    const since = state.since;
    const plateauAfterMs = Math.cbrt((CEILING - BETA * CEILING) / (CUBIC_SCALE * CEILING)) * 1000;
    // Act
    const at = (ms: number) => rateAt(state, CEILING, since + ms);
    // Assess
    expect(at(0)).toBeCloseTo(14, 9);
    expect(at(plateauAfterMs / 2)).toBeGreaterThan(14 + 0.8 * 3 * 0.5);
    expect(at(plateauAfterMs)).toBeCloseTo(CEILING, 9);
    expect(at(plateauAfterMs * 3)).toBe(CEILING);
    expect(plateauAfterMs).toBeGreaterThan(5000);
    expect(plateauAfterMs).toBeLessThan(6000);
  });

  it('never goes above the ceiling or below the floor, and only climbs between changes', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 2, maxLength: 20 }),
        (ceiling, gaps, probes) => {
          // Prepare: a burst of 429s, each started `gap` ms after the previous answer.
          let state = UNLEARNED;
          let started = T0;
          for (const gap of gaps) {
            const change = nextState(state, ceiling, answer(started, { status: 429 }));
            if (change !== null) state = change.state;
            started += 100 + gap;
          }
          // Act
          const sorted = [...probes].sort((a, b) => a - b);
          const rates = sorted.map((ms) => rateAt(state, ceiling, state.since + ms));
          // Assess
          for (const rate of rates) {
            expect(rate).toBeLessThanOrEqual(ceiling);
            expect(rate).toBeGreaterThanOrEqual(floorRate(ceiling) - 1e-9);
          }
          for (let index = 1; index < rates.length; index += 1) {
            expect(rates[index]).toBeGreaterThanOrEqual((rates[index - 1] as number) - 1e-9);
          }
        },
      ),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it('caps at an X-RateLimit-Limit below the ceiling, and lifts the cap when the header rises', () => {
    // Act
    const capped = nextState(UNLEARNED, CEILING, answer(T0, { limit: 12, remaining: 11 }));
    const same = nextState(capped?.state ?? UNLEARNED, CEILING, answer(T0 + 200, { limit: 12 }));
    const lifted = nextState(capped?.state ?? UNLEARNED, CEILING, answer(T0 + 300, { limit: 60 }));
    // Assess: a per-minute limit (60) is no cap on a ceiling of 20 requests/s.
    expect(capped).toMatchObject({ from: 20, to: 12, reason: 'limit-header' });
    expect(capped?.state.cap).toBe(12);
    expect(same).toBeNull();
    expect(lifted).toMatchObject({ from: 12, to: 20, reason: 'limit-header' });
    expect(lifted?.state.cap).toBeNull();
  });

  it('cuts to what others leave when X-RateLimit-Remaining shows them spending more than the ceiling leaves them', () => {
    // Act: 2 of 20 remain in a window that held 10 of ours: others spent 8.
    const othersSpend = nextState(
      UNLEARNED,
      CEILING,
      answer(T0, { limit: 20, remaining: 2, ownInWindow: 10 }),
    );
    // Our own 18 explain a remaining of 2: nobody else spends.
    const ownSpend = nextState(
      UNLEARNED,
      CEILING,
      answer(T0, { limit: 20, remaining: 2, ownInWindow: 18 }),
    );
    const noCount = nextState(UNLEARNED, CEILING, answer(T0, { limit: 20, remaining: null }));
    // Assess
    expect(othersSpend).toMatchObject({ from: 20, to: 12, reason: 'others-spending' });
    expect(othersSpend?.state).toMatchObject({ rate: 12, peak: 20, since: T0 + 100 });
    expect(ownSpend).toBeNull();
    expect(noCount).toBeNull();
  });

  it('keeps the floor: many 429s in a row never cut below 1 request/s', () => {
    // Prepare
    let state = UNLEARNED;
    // Act
    for (let index = 0; index < 30; index += 1) {
      const startedAt = Math.max(state.since, T0) + 1;
      const change = nextState(state, CEILING, answer(startedAt, { status: 429 }));
      if (change !== null) state = change.state;
    }
    // Assess
    expect(rateAt(state, CEILING, state.since)).toBe(1);
  });
});
