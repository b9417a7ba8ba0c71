/** The system clock's one waiting primitive, shared by every adapter that waits. */

/** Resolves after `ms` milliseconds (a `setTimeout` promise). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
