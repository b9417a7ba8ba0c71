/**
 * The retry plan of the respond.io directory, pure: after a failed attempt, whether to try again,
 * how long to wait first and whether to re-read the token. 429, 449 and 503 wait for Retry-After
 * (capped; absent: backoff), and a 429 holds the whole budget as long; other retryable statuses,
 * timeouts, connection failures and a 2xx without a contact back off with full jitter. A 401
 * re-reads the token and tries once more, on top of `maxAttempts`, after each token re-read wait
 * in turn; every other status is final.
 */

import { isRetryableStatus, type LookupFailure } from './failure.js';

/**
 * The waits before each re-read of the token after a 401, per function: a token rotation makes
 * respond.io refuse the old token a moment before the secret holds the new one. The SQS function
 * re-reads once, at once (a 401 after it stays retryable: failure.ts); the API's caller is
 * waiting, so it re-reads once more after API_TOKEN_REREAD_WAIT_MS, if its deadline allows.
 */
export const API_TOKEN_REREAD_WAIT_MS = 1000;
export const API_TOKEN_REREAD_WAITS_MS: readonly number[] = [0, API_TOKEN_REREAD_WAIT_MS];
export const SQS_TOKEN_REREAD_WAITS_MS: readonly number[] = [0];

/** First and longest backoff step, ms. */
export const BACKOFF_BASE_MS = 200;
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

/** The wait `Retry-After` asks for, ms: delay seconds or an HTTP date; null if absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[A-Za-z]/.test(text)) return null;
  return Math.max(date - nowMs, 0);
}

/** Statuses whose `Retry-After` header is honoured. */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 449 || status === 503;
}

/** Attempts a lookup may make: `maxAttempts`, plus one per token re-read (done or about to be). */
export function attemptsAllowed(maxAttempts: number, tokenRereads: number): number {
  return maxAttempts + tokenRereads;
}

export interface RetryPlan {
  /** The wait before the next attempt (for a token re-read: before the re-read). */
  readonly waitMs: number;
  /** Re-read the token (after a 401) before the next attempt. */
  readonly refreshToken: boolean;
  /** Hold the whole budget for `waitMs` (after a 429: respond.io says the organisation is over). */
  readonly holdBudget: boolean;
}

export interface RetryContext {
  /** Re-reads of the token during this lookup so far. */
  readonly tokenRereads: number;
  /** The wait before each re-read of the token after a 401, in turn; none left: final. */
  readonly tokenRereadWaitsMs: readonly number[];
  /** The retry this plan is for, counted from 1 (token re-reads do not count). */
  readonly retry: number;
  readonly maxRetryAfterMs: number;
  /** Jitter source, in [0, 1). */
  readonly random: () => number;
  /** Epoch ms (for a Retry-After given as a date). */
  readonly now: () => number;
}

/** What to do after a failed attempt (`retryAfter`: its header, if any); null when final. */
export function planRetry(
  failure: LookupFailure,
  retryAfter: string | null,
  context: RetryContext,
): RetryPlan | null {
  const { retry, random } = context;
  if (failure.kind === 'timeout' || failure.kind === 'network') {
    return { waitMs: backoffMs(retry, random), refreshToken: false, holdBudget: false };
  }
  if (failure.kind !== 'http') return null;
  const { status } = failure;
  if (status === 401) {
    const wait = context.tokenRereadWaitsMs[context.tokenRereads];
    return wait === undefined ? null : { waitMs: wait, refreshToken: true, holdBudget: false };
  }
  if (!isRetryableStatus(status)) return null;
  const asked = honoursRetryAfter(status) ? retryAfterMs(retryAfter, context.now()) : null;
  const waitMs =
    asked === null ? backoffMs(retry, random) : Math.min(asked, context.maxRetryAfterMs);
  return { waitMs, refreshToken: false, holdBudget: status === 429 };
}
