/**
 * When to try respond.io again and how long to wait first. Pure: the directory supplies the
 * clock and the randomness.
 */

/** First backoff step, in ms. */
export const BACKOFF_BASE_MS = 200;
/** Longest backoff step, in ms. */
export const BACKOFF_CAP_MS = 5000;

/**
 * Exponential backoff with full jitter: a uniformly random wait between 0 and
 * `min(cap, base × 2^(retry - 1))`, where `retry` counts retries from 1.
 */
export function backoffMs(retry: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(retry - 1, 0));
  const draw = random();
  const unit = Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1) : 0.5;
  return Math.round(unit * ceiling);
}

/**
 * The wait a `Retry-After` header asks for, in ms: delay seconds (`"2"`, `"1.5"`) or an
 * HTTP date. `null` when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[A-Za-z]/.test(text)) return null;
  return Math.max(date - nowMs, 0);
}

/** Statuses that respond.io (or its edge) may answer differently on a later attempt. */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 449 || (status >= 500 && status <= 599);
}

/** Statuses whose `Retry-After` header is honoured. */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 449 || status === 503;
}
