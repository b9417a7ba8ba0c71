/**
 * The bounded pool of both batch functions (functions/batches/pool.ts): every item once,
 * started in index order, never more than the limit in flight.
 */

import { describe, expect, it } from '@jest/globals';
import { runBounded } from '../../functions/batches/pool.js';

/** Work that ends only when released, recording what is in flight. */
function gatedWork() {
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  let inFlight = 0;
  let most = 0;
  const work = (index: number) =>
    new Promise<void>((resolve) => {
      started.push(index);
      inFlight += 1;
      most = Math.max(most, inFlight);
      gates.set(index, () => {
        inFlight -= 1;
        resolve();
      });
    });
  return { started, gates, work, most: () => most };
}

describe('the bounded pool', () => {
  it('starts items in index order, at most `limit` at once, and ends when all have', async () => {
    // Prepare
    const { started, gates, work, most } = gatedWork();
    // Act
    const pool = runBounded(5, 2, work);
    await Promise.resolve();
    const first = [...started];
    for (let index = 0; index < 5; index += 1) {
      while (!gates.has(index)) await Promise.resolve();
      gates.get(index)?.();
    }
    await pool;
    // Assess
    expect(first).toEqual([0, 1]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most()).toBe(2);
  });

  it('runs nothing for no items, and one at a time for a limit below 1', async () => {
    // Prepare
    const seen: number[] = [];
    // Act
    await runBounded(0, 3, async (index) => {
      seen.push(index);
    });
    await runBounded(3, 0, async (index) => {
      seen.push(index);
    });
    // Assess
    expect(seen).toEqual([0, 1, 2]);
  });
});
