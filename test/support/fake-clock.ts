/**
 * Test support for anything that waits: a manual clock whose `sleep` resolves only when `advance`
 * moves time past its end.
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
