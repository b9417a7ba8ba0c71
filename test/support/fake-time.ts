/**
 * Test support: a fake clock with the Timers port on it. Time moves only when a test calls
 * `advance`, which fires every timer that falls due, in order; nothing waits for real.
 */

import type { Timers } from '../../functions/platform/clock.js';

export interface FakeTime {
  /** The clock, epoch ms. */
  readonly now: () => number;
  readonly timers: Timers;
  /** Moves the clock on by `ms`, firing the timers due meanwhile. */
  advance(ms: number): void;
  /** Timers not yet fired nor called off. */
  pending(): number;
}

export function fakeTime(startAt = 1_700_000_000_000): FakeTime {
  let now = startAt;
  let nextId = 0;
  const due = new Map<number, { at: number; fire: () => void }>();
  return {
    now: () => now,
    timers: {
      after(ms, fire) {
        const id = nextId++;
        due.set(id, { at: now + Math.max(0, ms), fire });
        return () => due.delete(id);
      },
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = [...due.entries()]
          .filter(([, timer]) => timer.at <= until)
          .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (next === undefined) break;
        due.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fire();
      }
      now = until;
    },
    pending: () => due.size,
  };
}
