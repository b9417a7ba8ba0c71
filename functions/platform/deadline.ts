/**
 * The time a lookup may use: the invocation's remaining time, less a safety margin (and, for a
 * batch, a reserve for its final writes). One rule for every function.
 */

/** Kept before the Lambda timeout so that an answer can still be written. */
const DEADLINE_MARGIN_MS = 500;

/**
 * Epoch ms by which a lookup must be done: `now + remainingMs − marginMs − reserveMs`, never
 * before `now`.
 */
export function deadlineFrom(
  remainingMs: number,
  now: number,
  options: { readonly marginMs?: number; readonly reserveMs?: number } = {},
): number {
  const marginMs = options.marginMs ?? DEADLINE_MARGIN_MS;
  const reserveMs = options.reserveMs ?? 0;
  return now + Math.max(remainingMs - marginMs - reserveMs, 0);
}

/** The part of the Lambda context a batch function reads: its remaining time (and request id). */
export interface BatchContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}
