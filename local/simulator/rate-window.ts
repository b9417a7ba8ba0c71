/**
 * A sliding time window of events: how many happened in the last `spanMs` milliseconds.
 * Timestamps are kept in a growable ring buffer, so adding and expiring are amortised O(1).
 *
 * An event at time `t` is inside the window at time `now` when `now - spanMs < t <= now`.
 */
export class TimeWindow {
  private times = new Float64Array(64);
  private head = 0;
  private length = 0;

  constructor(readonly spanMs = 1000) {}

  /** Events still inside the window at `now`. */
  count(now: number): number {
    this.expire(now);
    return this.length;
  }

  /** Records an event at `now` and returns the count including it. */
  add(now: number): number {
    this.expire(now);
    if (this.length === this.times.length) this.grow();
    this.times[(this.head + this.length) % this.times.length] = now;
    this.length += 1;
    return this.length;
  }

  /** The oldest event still inside the window, if any. */
  oldest(now: number): number | undefined {
    this.expire(now);
    return this.length > 0 ? this.times[this.head] : undefined;
  }

  clear(): void {
    this.head = 0;
    this.length = 0;
  }

  private expire(now: number): void {
    const capacity = this.times.length;
    while (this.length > 0 && (this.times[this.head] as number) <= now - this.spanMs) {
      this.head = (this.head + 1) % capacity;
      this.length -= 1;
    }
  }

  private grow(): void {
    const bigger = new Float64Array(this.times.length * 2);
    for (let i = 0; i < this.length; i += 1) {
      bigger[i] = this.times[(this.head + i) % this.times.length] as number;
    }
    this.times = bigger;
    this.head = 0;
  }
}

/** A limit of `rps` accepted requests in any sliding second. */
export class RateLimit {
  private readonly accepted = new TimeWindow(1000);

  constructor(readonly rps: number) {}

  /**
   * Admits a request at `now` if fewer than `rps` were admitted in the last second.
   * `remaining` is what is left after this request; `retryAfterSeconds` (whole seconds, at
   * least 1) says when the oldest admitted request leaves the window.
   */
  admit(now: number): { admitted: boolean; remaining: number; retryAfterSeconds: number } {
    const inWindow = this.accepted.count(now);
    if (inWindow >= this.rps) {
      const oldest = this.accepted.oldest(now) ?? now;
      const waitMs = oldest + this.accepted.spanMs - now;
      return {
        admitted: false,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      };
    }
    const count = this.accepted.add(now);
    return { admitted: true, remaining: Math.max(0, this.rps - count), retryAfterSeconds: 0 };
  }

  /** Requests still allowed in the current window, without admitting one. */
  remaining(now: number): number {
    return Math.max(0, this.rps - this.accepted.count(now));
  }
}

/** The most of `times` inside any window of `windowMs` (a time exactly `windowMs` later is outside). */
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
