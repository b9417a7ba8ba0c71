/** Resolves after `ms` milliseconds (a `setTimeout` promise): how everything waits. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
