/**
 * Failures of a lookup, classified once: the row StatusCode, a clear Message, and whether
 * trying again later can help. Pure; the adapters describe what happened, this decides.
 */

import { MAX_MESSAGE_LENGTH } from './row.js';

export type LookupFailure =
  /** respond.io answered with a non-2xx status. `body` is the raw response text, if any. */
  | { readonly kind: 'http'; readonly status: number; readonly body?: string }
  /** No answer within the request timeout or before the deadline. */
  | { readonly kind: 'timeout'; readonly afterMs: number }
  /** The connection failed (reset, refused, DNS...). `code` is e.g. ECONNRESET. */
  | { readonly kind: 'network'; readonly code?: string }
  /** The token could not be obtained: `unavailable` is transient, `invalid` is not. */
  | { readonly kind: 'token'; readonly reason: 'unavailable' | 'invalid'; readonly detail: string }
  /** The Lambda deadline leaves no time to start or finish the request. */
  | { readonly kind: 'deadline' }
  /** Our own fault. */
  | { readonly kind: 'internal'; readonly detail: string };

export interface ClassifiedFailure {
  readonly statusCode: number;
  readonly message: string;
  /** True when the same request may succeed later (401, 429, 449, 5xx, timeouts, network). */
  readonly retryable: boolean;
}

/**
 * The one retryable-status rule (429, respond.io's "queued, retry later" 449, 408 and 5xx; every
 * other status is final): the directory retries by it, and so does the row's `retryable`, but
 * for a 401 (see classifyFailure).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 449 || (status >= 500 && status <= 599);
}

/** respond.io's `message` from an error body `{ code, message }`, if there is one. */
export function upstreamMessage(body: string | undefined): string | null {
  if (!body) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      const message = (parsed as { message: unknown }).message;
      if (typeof message === 'string' && message.trim() !== '') {
        return message.trim().slice(0, MAX_MESSAGE_LENGTH);
      }
    }
  } catch {
    // Not JSON (e.g. a gateway's HTML page): fall back to a message of ours.
  }
  return null;
}

const DEFAULT_HTTP_MESSAGES: Record<number, string> = {
  400: 'respond.io rejected the request as invalid',
  401: 'respond.io rejected the API token (401); check the token in the secret',
  403: 'The API token is not allowed to read contacts (403)',
  404: 'Contact not found',
  429: 'respond.io rate limit exceeded (429)',
  449: 'respond.io queued the request; retry later (449)',
};

export function classifyFailure(failure: LookupFailure): ClassifiedFailure {
  switch (failure.kind) {
    case 'http': {
      const status =
        Number.isInteger(failure.status) && failure.status >= 400 && failure.status <= 599
          ? failure.status
          : 502;
      const message =
        upstreamMessage(failure.body) ??
        DEFAULT_HTTP_MESSAGES[status] ??
        `respond.io answered with HTTP ${status}`;
      // A token still refused after the re-read may be accepted once the secret holds the new
      // one (a rotation in progress): retryable, so the SQS function tries the row again on its
      // next receive and makes it final only on the last (retry-plan.ts).
      return {
        statusCode: status,
        message,
        retryable: isRetryableStatus(status) || status === 401,
      };
    }
    case 'timeout':
      return {
        statusCode: 504,
        message: `respond.io did not answer within ${failure.afterMs} ms`,
        retryable: true,
      };
    case 'network':
      return {
        statusCode: 502,
        message: `Could not reach respond.io${failure.code ? ` (${failure.code})` : ''}`,
        retryable: true,
      };
    case 'token':
      return {
        statusCode: 500,
        message:
          failure.reason === 'unavailable'
            ? `The respond.io API token could not be read: ${failure.detail}`
            : `The respond.io API token secret is not usable: ${failure.detail}`,
        retryable: failure.reason === 'unavailable',
      };
    case 'deadline':
      return {
        statusCode: 504,
        message: 'Not enough time left in this invocation to call respond.io',
        retryable: true,
      };
    case 'internal':
      return { statusCode: 500, message: `Internal error: ${failure.detail}`, retryable: false };
  }
}
