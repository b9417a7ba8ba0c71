/**
 * The ContactDirectory for respond.io: `GET {baseUrl}/contact/{identifier}` over ky.
 *
 * ky's own retry is off; this module runs the retry loop so that the lookup's deadline and the
 * container's rate limiter govern every attempt:
 * - 429 and 449 (and 503) wait for `Retry-After` (capped by `maxRetryAfterMs`; absent → backoff);
 *   a 429 also pauses the rate limiter, so the whole container slows down.
 * - 5xx, timeouts, connection failures and a 200 whose body is not a JSON object back off
 *   exponentially with full jitter.
 * - 400, 403, 404 and other 4xx are final. A 401 re-reads the token once and tries once more
 *   (token rotation); this extra attempt does not count against `maxAttempts`.
 * - No attempt starts when less than `minAttemptMs` remain before the deadline, and no wait
 *   that would run past it is begun: the last failure is returned instead.
 *
 * Never throws. ky errors are never logged or rethrown (they carry the request headers, token
 * included); failures are described with status codes, error codes and the response body, from
 * which the token is redacted.
 */

import ky, { isNetworkError, isTimeoutError } from 'ky';
import type { LookupFailure } from '../core/failure.js';
import type { Identifier } from '../core/identifier.js';
import { isRecord } from '../core/json.js';
import {
  type ContactDirectory,
  type DirectoryAnswer,
  type DirectoryObserver,
  type Logger,
  type LookupOptions,
  type RateLimiter,
  TokenError,
  type TokenSource,
} from '../core/ports.js';
import { sleep as systemSleep } from './clock.js';
import {
  backoffMs,
  honoursRetryAfter,
  isRetryableHttpStatus,
  retryAfterMs,
} from './retry-policy.js';

export interface RespondioDirectoryOptions {
  /** respond.io API base, e.g. https://api.respond.io/v2 (a trailing slash is ignored). */
  baseUrl: string;
  tokens: TokenSource;
  limiter: RateLimiter;
  /** Timeout of one HTTP request (response and body). */
  requestTimeoutMs: number;
  /** Attempts per lookup, the first one included (the one retry after a 401 comes on top). */
  maxAttempts: number;
  /** Cap on a Retry-After wait. */
  maxRetryAfterMs: number;
  /** Jitter source, in [0, 1). Default Math.random. */
  random?: () => number;
  observer?: DirectoryObserver;
  logger?: Logger;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Waits between attempts. Default a setTimeout promise. */
  sleep?: (ms: number) => Promise<void>;
  /** No attempt starts with less than this left before the deadline. Default 100 ms. */
  minAttemptMs?: number;
}

export const DEFAULT_MIN_ATTEMPT_MS = 100;
/** Largest response body read; a larger one is treated as a bad gateway answer. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Longest body text kept in an `http` failure. */
export const MAX_FAILURE_BODY_CHARS = 8192;

const REDACTED = '[REDACTED]';

type AttemptOutcome =
  | {
      readonly ok: true;
      readonly body: unknown;
      readonly status: number;
      readonly headers: Headers;
    }
  | {
      readonly ok: false;
      readonly failure: LookupFailure;
      readonly status: number | 'timeout' | 'network';
      readonly headers: Headers | null;
    };

class BodyTooLarge extends Error {}

function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw.trim());
  return Number.isFinite(value) ? value : null;
}

/** An errno-like code (ECONNRESET, UND_ERR_SOCKET...) from an error's cause chain, if any. */
function networkCode(error: unknown): string | undefined {
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

function isRawFetchFailure(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    (error.message === 'fetch failed' || error.message === 'terminated')
  );
}

async function readBody(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * The request URL for a path segment, or null when the segment could leave its place: it must
 * look like what parseIdentifier produces and the URL must have exactly the expected path.
 */
export function contactUrl(baseUrl: string, pathSegment: string): URL | null {
  if (!/^(?:id|email|phone):[A-Za-z0-9\-._~@+:%]+$/.test(pathSegment)) return null;
  // Only well-formed escapes, and none that decodes to a separator, a dot or a control character.
  if (/%(?![0-9A-Fa-f]{2})|%(?:2[Ff]|5[Cc]|2[Ee]|[01][0-9A-Fa-f]|7[Ff])/.test(pathSegment)) {
    return null;
  }
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return null;
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${base.origin}${basePath}/contact/${pathSegment}`);
  const expectedPath = `${basePath}/contact/${pathSegment}`;
  if (
    url.origin !== base.origin ||
    url.pathname !== expectedPath ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return null;
  }
  return url;
}

export function createRespondioDirectory(options: RespondioDirectoryOptions): ContactDirectory {
  const { baseUrl, tokens, limiter, requestTimeoutMs, maxAttempts, maxRetryAfterMs } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const minAttemptMs = options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS;
  const { observer, logger } = options;

  function redact(text: string, token: string): string {
    const clean = token === '' ? text : text.split(token).join(REDACTED);
    return clean.length > MAX_FAILURE_BODY_CHARS ? clean.slice(0, MAX_FAILURE_BODY_CHARS) : clean;
  }

  async function sendOnce(url: URL, token: string, timeoutMs: number): Promise<AttemptOutcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const timedOut = (): AttemptOutcome => ({
      ok: false,
      status: 'timeout',
      headers: null,
      failure: { kind: 'timeout', afterMs: Math.round(timeoutMs) },
    });
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
        if (isNetworkError(error) || isRawFetchFailure(error)) {
          const code = networkCode(error);
          return {
            ok: false,
            status: 'network',
            headers: null,
            failure: code === undefined ? { kind: 'network' } : { kind: 'network', code },
          };
        }
        const name = error instanceof Error ? error.name : typeof error;
        return {
          ok: false,
          status: 'network',
          headers: null,
          failure: { kind: 'internal', detail: `the HTTP client failed unexpectedly (${name})` },
        };
      }
      const { status, headers } = response;
      let text: string;
      try {
        text = await readBody(response);
      } catch (error) {
        if (controller.signal.aborted) return timedOut();
        if (error instanceof BodyTooLarge) {
          return {
            ok: false,
            status,
            headers,
            failure: { kind: 'http', status: status >= 200 && status < 300 ? 502 : status },
          };
        }
        const code = networkCode(error);
        return {
          ok: false,
          status: 'network',
          headers,
          failure: code === undefined ? { kind: 'network' } : { kind: 'network', code },
        };
      }
      if (status >= 200 && status < 300) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (isRecord(body)) return { ok: true, body, status, headers };
        // A success status without a contact object is a broken gateway answer.
        return {
          ok: false,
          status,
          headers,
          failure: { kind: 'http', status: 502, body: redact(text, token) },
        };
      }
      return {
        ok: false,
        status,
        headers,
        failure: { kind: 'http', status, body: redact(text, token) },
      };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async getContact(identifier: Identifier, lookup: LookupOptions): Promise<DirectoryAnswer> {
      const { deadlineAt, correlationId } = lookup;
      const logContext = {
        identifier: identifier.masked,
        ...(correlationId === undefined ? {} : { correlationId }),
      };
      const url = contactUrl(baseUrl, identifier.pathSegment);
      if (url === null) {
        logger?.error('Refused an identifier that does not form one path segment', logContext);
        return {
          ok: false,
          attempts: 0,
          failure: {
            kind: 'internal',
            detail: 'the identifier does not form a single URL path segment',
          },
        };
      }

      let attempts = 0;
      let last: LookupFailure | null = null;
      let refreshed = false;
      let retries = 0;
      const stop = (): DirectoryAnswer => ({
        ok: false,
        attempts,
        failure: last ?? { kind: 'deadline' },
      });

      let token: string;
      try {
        token = await tokens.getToken();
      } catch (error) {
        return { ok: false, attempts, failure: tokenFailure(error) };
      }

      for (;;) {
        const allowedAttempts = maxAttempts + (refreshed ? 1 : 0);
        if (attempts >= allowedAttempts) return stop();
        if (deadlineAt - now() < minAttemptMs) return stop();
        if (!(await limiter.acquire(deadlineAt - minAttemptMs))) return stop();
        const timeoutMs = Math.min(requestTimeoutMs, deadlineAt - now());
        if (timeoutMs <= 0) return stop();

        attempts += 1;
        const startedAt = now();
        const outcome = await sendOnce(url, token, timeoutMs);
        const latencyMs = Math.max(now() - startedAt, 0);
        if (outcome.headers !== null) {
          limiter.observe(
            headerNumber(outcome.headers, 'x-ratelimit-remaining'),
            headerNumber(outcome.headers, 'x-ratelimit-limit'),
            startedAt,
          );
        }

        if (outcome.ok) {
          observer?.onAttempt?.({
            attempt: attempts,
            status: outcome.status,
            latencyMs,
            willRetry: false,
            waitMs: 0,
          });
          logger?.debug('respond.io answered', {
            ...logContext,
            attempt: attempts,
            status: outcome.status,
            latencyMs,
          });
          return { ok: true, body: outcome.body, attempts };
        }

        last = outcome.failure;
        const plan = planRetry(outcome, refreshed, retries + 1);
        let willRetry =
          plan !== null && attempts < maxAttempts + (plan.refreshToken || refreshed ? 1 : 0);
        const waitMs = plan?.waitMs ?? 0;
        if (willRetry && now() + waitMs + minAttemptMs > deadlineAt) willRetry = false;

        observer?.onAttempt?.({
          attempt: attempts,
          status: outcome.status,
          latencyMs,
          willRetry,
          waitMs: willRetry ? waitMs : 0,
        });
        // A 404 is an answer (the contact does not exist), not a fault: no warning for it.
        const log = outcome.status === 404 ? logger?.info : logger?.warn;
        log?.call(
          logger,
          outcome.status === 404
            ? 'respond.io answered: contact not found'
            : 'respond.io attempt failed',
          {
            ...logContext,
            attempt: attempts,
            status: outcome.status,
            failure: last.kind,
            ...(last.kind === 'network' && last.code ? { code: last.code } : {}),
            latencyMs,
            willRetry,
            waitMs: willRetry ? waitMs : 0,
          },
        );
        if (!willRetry || plan === null) return stop();

        if (plan.refreshToken) {
          refreshed = true;
          try {
            token = await tokens.refresh(token);
          } catch (error) {
            return { ok: false, attempts, failure: tokenFailure(error) };
          }
        } else {
          retries += 1;
          if (plan.pauseLimiter) limiter.pause(waitMs);
          if (waitMs > 0) await sleep(waitMs);
        }
      }
    },
  };

  /** What to do after a failed attempt: null when it is final. */
  function planRetry(
    outcome: Extract<AttemptOutcome, { ok: false }>,
    refreshed: boolean,
    retry: number,
  ): { waitMs: number; refreshToken: boolean; pauseLimiter: boolean } | null {
    const { failure } = outcome;
    if (failure.kind === 'timeout' || failure.kind === 'network') {
      return { waitMs: backoffMs(retry, random), refreshToken: false, pauseLimiter: false };
    }
    if (failure.kind !== 'http') return null;
    const { status } = outcome;
    if (status === 401) {
      return refreshed ? null : { waitMs: 0, refreshToken: true, pauseLimiter: false };
    }
    // A 2xx answered with something other than a contact: retried like a bad gateway.
    if (typeof status === 'number' && status >= 200 && status < 300) {
      return { waitMs: backoffMs(retry, random), refreshToken: false, pauseLimiter: false };
    }
    if (!isRetryableHttpStatus(failure.status)) return null;
    const asked =
      honoursRetryAfter(failure.status) && outcome.headers !== null
        ? retryAfterMs(outcome.headers.get('retry-after'), now())
        : null;
    const waitMs = asked === null ? backoffMs(retry, random) : Math.min(asked, maxRetryAfterMs);
    return { waitMs, refreshToken: false, pauseLimiter: failure.status === 429 };
  }
}

function tokenFailure(error: unknown): LookupFailure {
  if (error instanceof TokenError) {
    return { kind: 'token', reason: error.reason, detail: error.message };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return { kind: 'token', reason: 'unavailable', detail: `the token source failed (${name})` };
}
