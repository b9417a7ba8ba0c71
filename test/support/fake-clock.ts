/**
 * Test support for anything that waits: a manual clock whose `sleep` resolves only when `advance`
 * moves time past its end, and the sliding-window count the budget tests assert on.
 */

/** A manual clock: `sleep` resolves only when `advance` moves time past its end. */
export class FakeClock {
  time = 1_000_000;
  private timers: { at: number; resolve: () => void }[] = [];

  /** `tickMs`: each reading moves the clock on a little, as a real one does between two reads. */
  constructor(private readonly tickMs = 0) {}

  readonly now = (): number => {
    const time = this.time;
    this.time += this.tickMs;
    return time;
  };

  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.timers.push({ at: this.time + ms, resolve });
    });

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (due === undefined || due.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, due.at);
      due.resolve();
    }
    this.time = end;
    await settle();
  }
}

/** Lets every pending promise callback run (one macrotask turn; no time passes on the clock). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The most of `times` inside any window of `windowMs` (a start exactly `windowMs` later is outside). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= windowMs) first += 1;
    max = Math.max(max, last - first + 1);
  }
  return max;
}
