/**
 * One GET of a contact from respond.io over ky: the Bearer token, one timeout over the answer
 * and its body, a size-capped body, no redirects, no retries of ky's own (the directory runs
 * the retry loop). Never throws: the outcome is the contact or a LookupFailure, and a failure
 * body has the token redacted. ky errors are never logged or rethrown: they carry the request
 * and its headers, the Authorization header included.
 */

import ky, { isTimeoutError } from 'ky';
import type { LookupFailure } from './failure.js';
import { isRecord } from './json.js';
import { networkFailure, requestFailure } from './network-failure.js';
import type { DirectoryAttemptEvent } from './respondio.js';
import { BodyTooLarge, readBody } from './response-body.js';

/** Longest body text kept in an `http` failure. */
export const MAX_FAILURE_BODY_CHARS = 8192;

const REDACTED = '[REDACTED]';

/** What an attempt came to, as observers see it: an HTTP status, or no answer at all. */
export type AttemptStatus = DirectoryAttemptEvent['status'];

/** An attempt that did not bring a contact. `headers` is null when no answer arrived. */
export interface FailedAttempt {
  readonly ok: false;
  readonly failure: LookupFailure;
  readonly status: AttemptStatus;
  readonly headers: Headers | null;
}

export type AttemptOutcome =
  | {
      readonly ok: true;
      /** The contact: a JSON object. */
      readonly body: unknown;
      readonly status: number;
      readonly headers: Headers;
    }
  | FailedAttempt;

function failed(
  status: AttemptStatus,
  headers: Headers | null,
  failure: LookupFailure,
): FailedAttempt {
  return { ok: false, status, headers, failure };
}

function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A response body as a failure may carry it: every copy of the token replaced, length capped. */
export function redactToken(text: string, token: string): string {
  const clean = token === '' ? text : text.split(token).join(REDACTED);
  return clean.length > MAX_FAILURE_BODY_CHARS ? clean.slice(0, MAX_FAILURE_BODY_CHARS) : clean;
}

/** GETs `url` with `token`, giving up after `timeoutMs` (answer and body together). */
export async function attemptContactGet(
  url: URL,
  token: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const timedOut = (): FailedAttempt =>
    failed('timeout', null, { kind: 'timeout', afterMs: Math.round(timeoutMs) });
  try {
    let response: Response;
    try {
      response = await ky(url, {
        method: 'get',
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        retry: 0,
        timeout: Math.max(Math.floor(timeoutMs), 1),
        throwHttpErrors: false,
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch (error) {
      // Never rethrow or log `error`: ky errors carry the request and its headers.
      if (controller.signal.aborted || isTimeoutError(error)) return timedOut();
      return failed('network', null, requestFailure(error));
    }
    const { status, headers } = response;
    let text: string;
    try {
      text = await readBody(response);
    } catch (error) {
      if (controller.signal.aborted) return timedOut();
      if (error instanceof BodyTooLarge) {
        return failed(status, headers, {
          kind: 'http',
          status: isSuccessStatus(status) ? 502 : status,
        });
      }
      return failed('network', headers, networkFailure(error));
    }
    return judgeAnswer(status, headers, text, token);
  } finally {
    clearTimeout(timer);
  }
}

/** A complete answer: a 2xx with a JSON object is the contact; anything else is a failure. */
function judgeAnswer(
  status: number,
  headers: Headers,
  text: string,
  token: string,
): AttemptOutcome {
  if (!isSuccessStatus(status)) {
    return failed(status, headers, { kind: 'http', status, body: redactToken(text, token) });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body)) return { ok: true, body, status, headers };
  // A success status without a contact object is a broken gateway answer.
  return failed(status, headers, { kind: 'http', status: 502, body: redactToken(text, token) });
}
