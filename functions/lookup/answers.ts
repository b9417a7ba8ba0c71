/**
 * What respond.io's answers, and the attempts that got none, mean for a lookup; pure (respondio.ts
 * makes the requests). Any body a failure carries has the token redacted; an error that ended an
 * attempt is named by its class only, never passed on; logs and spans get status codes, timings
 * and counts only.
 */

import {
  errorName,
  type LogFields,
  type Logger,
  type TraceAnnotations,
} from '../platform/index.js';
import type { LookupFailure } from './failure.js';
import { isRecord } from './json.js';
import type { DirectoryAnswer } from './lookup.js';

/** Largest response body read; a larger one is treated as a bad gateway answer. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Longest body text kept in an `http` failure (characters). */
export const MAX_FAILURE_BODY_CHARS = 8192;

/** One request of a lookup to respond.io: what its log line tells and batch metrics count. */
export interface Attempt {
  readonly status: number | 'timeout' | 'network';
  readonly latencyMs: number;
  readonly willRetry: boolean;
  /** Before the next attempt (0: none). */
  readonly waitMs: number;
}

/** An answer whose body passed MAX_RESPONSE_BYTES (the stream is cancelled). */
export class BodyTooLarge extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super('response body too large');
  }
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** A response body as a failure may carry it: every copy of the token replaced, length capped. */
export function redactToken(text: string, token: string): string {
  const clean = token === '' ? text : text.split(token).join('[REDACTED]');
  return clean.length > MAX_FAILURE_BODY_CHARS ? clean.slice(0, MAX_FAILURE_BODY_CHARS) : clean;
}

/** An errno-like code (ECONNRESET, UND_ERR_SOCKET...) from an error's cause chain; an errno wins. */
export function networkCode(error: unknown): string | undefined {
  let found: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) {
      if (code.startsWith('E')) return code;
      found ??= code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

/**
 * What an attempt that threw was: a timeout, a too large answer, a failed connection (with its
 * code) or a fault of the HTTP client, named by its class only (the error itself never leaves).
 */
export function thrownFailure(error: unknown, timeoutMs: number): LookupFailure {
  // ky's TimeoutError and NetworkError, told by name (ky's own guards would tie this file to it).
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') return { kind: 'timeout', afterMs: Math.round(timeoutMs) };
  if (error instanceof BodyTooLarge) {
    return { kind: 'http', status: isSuccess(error.status) ? 502 : error.status };
  }
  const rawFetchFailure =
    error instanceof TypeError &&
    (error.message === 'fetch failed' || error.message === 'terminated');
  if (name === 'NetworkError' || rawFetchFailure) {
    const code = networkCode(error);
    return code === undefined ? { kind: 'network' } : { kind: 'network', code };
  }
  return { kind: 'internal', detail: `the HTTP client failed unexpectedly (${errorName(error)})` };
}

/** A complete answer: a 2xx with a JSON object is the contact; anything else is a failure. */
export function readAnswer(status: number, text: string, token: string) {
  if (!isSuccess(status)) {
    return {
      ok: false as const,
      failure: { kind: 'http' as const, status, body: redactToken(text, token) },
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body)) return { ok: true as const, body };
  // A success status without a contact object is a broken gateway answer.
  return {
    ok: false as const,
    failure: { kind: 'http' as const, status: 502, body: redactToken(text, token) },
  };
}

/** A numeric header (X-RateLimit-*), or null when absent or not a number. */
export function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers.get(name)?.trim() ?? '';
  const value = Number(raw);
  return raw !== '' && Number.isFinite(value) ? value : null;
}

/**
 * An attempt's log line: status codes, timings and the masked identifier (in `context`), never
 * the token or the contact. A 404 is an answer (the contact does not exist), not a fault.
 */
export function logAttempt(
  logger: Logger,
  context: LogFields,
  attempt: Attempt,
  failure: LookupFailure | null,
): void {
  const { status, latencyMs, willRetry, waitMs } = attempt;
  if (failure === null) {
    logger.debug('respond.io answered', { ...context, status, latencyMs });
    return;
  }
  const notFound = status === 404;
  const code = failure.kind === 'network' && failure.code ? { code: failure.code } : {};
  const fields = {
    ...context,
    status,
    failure: failure.kind,
    ...code,
    latencyMs,
    willRetry,
    waitMs,
  };
  if (notFound) logger.info('respond.io answered: contact not found', fields);
  else logger.warn('respond.io attempt failed', fields);
}

/** How a lookup ended, for its span: found, respond.io's status, or how it failed without one. */
export function lookupAnnotations(answer: DirectoryAnswer, durationMs: number): TraceAnnotations {
  const ending: TraceAnnotations = answer.ok
    ? { outcome: 'found' }
    : answer.failure.kind === 'http'
      ? { outcome: 'http', status_code: answer.failure.status }
      : { outcome: answer.failure.kind };
  return { ...ending, attempts: answer.attempts, duration_ms: Math.round(durationMs) };
}
