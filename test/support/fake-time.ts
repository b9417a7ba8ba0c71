/**
 * Test support: a fake clock over jest's fake timers (setTimeout and Date.now). Time moves only
 * when a test calls `advance`, which fires every timer that falls due, in order; nothing waits
 * for real. A test file that uses it restores the real timers after each test (`restore`).
 */

import { jest } from '@jest/globals';

export interface FakeTime {
  /** The clock, epoch ms. */
  readonly now: () => number;
  /** Moves the clock on by `ms`, firing the timers due meanwhile. */
  advance(ms: number): void;
  /** Timers not yet fired nor called off. */
  pending(): number;
}

export function fakeTime(startAt = 1_700_000_000_000): FakeTime {
  // Promise jobs and I/O callbacks stay real: only time is faked.
  jest.useFakeTimers({ now: startAt, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  return {
    now: () => Date.now(),
    advance: (ms) => jest.advanceTimersByTime(ms),
    pending: () => jest.getTimerCount(),
  };
}

/** Back to the real clock. */
export function restoreTime(): void {
  jest.useRealTimers();
}
