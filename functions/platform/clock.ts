/** The system clock's waiting primitives, shared by every adapter that waits. */

/** Resolves after `ms` milliseconds (a `setTimeout` promise). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Core's Timers port over setTimeout: `after(ms, fire)` returns the function that calls it off. */
export const systemTimers: Timers = {
  after(ms, fire) {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

/** Timers (setTimeout behind it), for a wait that may be called off. */
export interface Timers {
  /** Calls `fire` after `ms` milliseconds; the function returned calls it off. */
  after(ms: number, fire: () => void): () => void;
}
