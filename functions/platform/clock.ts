/** The system clock's waiting primitive, shared by everything that waits. */

/** Resolves after `ms` milliseconds (a `setTimeout` promise). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
