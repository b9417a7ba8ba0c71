/**
 * respond.io's Developer API as the lookup uses it: `GET {baseUrl}/contact/{identifier}` over ky,
 * tried as often as the retry plan, the lookup's deadline and the container's budget allow.
 *
 * ky runs the attempts: its per-attempt `timeout` and its `totalTimeout` (the deadline) bound
 * every request, its retry loop repeats them, and its hooks put the connector's rules in:
 * - `beforeRequest` / `beforeRetry`: the planned wait, a re-read of the token after a 401, and a
 *   slot of the budget, then the Bearer token. No attempt starts with less than `minAttemptMs`
 *   left, and no wait begins that would run past the deadline: the last failure is the answer.
 * - `fetch`: one attempt on the wire, its body read (capped at MAX_RESPONSE_BYTES) inside the
 *   attempt's timeout, and traced.
 * - `afterResponse` / `shouldRetry`: every attempt ends in `settle`, which tells the budget what
 *   respond.io answered, plans the retry (retry-plan.ts, pure) and logs the attempt.
 * ky's own delays are 0: the waits are the plan's, on the injected `sleep`.
 *
 * Never throws. ky errors are never logged or rethrown (they carry the request headers, token
 * included); failures are described by status codes, error codes and the response body, from
 * which the token is redacted. The URL is contact-url.ts's: an identifier cannot steer it.
 */

import ky, { isNetworkError, isTimeoutError } from 'ky';
import type { RateLimiter } from '../budget/limiter.js';
import { sleep as systemSleep } from '../platform/clock.js';
import { errorName } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { NO_TRACER, type TraceAnnotations, type Tracer } from '../platform/tracing.js';
import { contactUrl } from './contact-url.js';
import type { LookupFailure } from './failure.js';
import { isRecord } from './json.js';
import type { ContactDirectory, DirectoryAnswer } from './lookup.js';
import { attemptsAllowed, planRetry, type RetryPlan } from './retry-plan.js';
import { SQS_TOKEN_REREAD_WAITS_MS } from './token-rereads.js';

export interface RespondioOptions {
  /** respond.io API base, e.g. https://api.respond.io/v2 (a trailing slash is ignored). */
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  readonly limiter: RateLimiter;
  /** Timeout of one HTTP request (answer and body). */
  readonly requestTimeoutMs: number;
  /** Attempts per lookup, the first one included (the retries after a 401 come on top). */
  readonly maxAttempts: number;
  /** The wait before each re-read of the token after a 401, in turn (token-rereads.ts). */
  readonly tokenRereadWaitsMs?: readonly number[];
  /** Cap on a Retry-After wait. */
  readonly maxRetryAfterMs: number;
  /** Jitter source, in [0, 1). Default Math.random. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Spans for each lookup and each attempt. Default: none. */
  readonly tracer?: Tracer;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Waits between attempts. Default a setTimeout promise. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** No attempt starts with less than this left before the deadline. Default 100 ms. */
  readonly minAttemptMs?: number;
}

export const DEFAULT_MIN_ATTEMPT_MS = 100;
/** Largest response body read; a larger one is treated as a bad gateway answer. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Longest body text kept in an `http` failure. */
export const MAX_FAILURE_BODY_CHARS = 8192;

/** One request of a lookup to respond.io: what its log line tells and batch metrics count. */
export interface Attempt {
  /** The HTTP status, or how the request got no answer. */
  readonly status: number | 'timeout' | 'network';
  readonly latencyMs: number;
  readonly willRetry: boolean;
  /** The wait before the next attempt (0 when there is none). */
  readonly waitMs: number;
}

/** Thrown by a hook to end the lookup before another attempt; `failure` replaces the last one. */
class Stop extends Error {
  constructor(readonly failure: LookupFailure | null = null) {
    super('lookup stopped');
  }
}

/** An answer whose body passed MAX_RESPONSE_BYTES (the stream is cancelled). */
class BodyTooLarge extends Error {
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

/** fetch, with the whole body read (up to the cap) so that ky's attempt timeout covers it. */
async function fetchWhole(request: Request, init: RequestInit): Promise<Response> {
  const response = await fetch(request, init);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body !== null) {
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLarge(response.status, response.headers);
      }
      chunks.push(read.value);
    }
  }
  const { status, statusText, headers } = response;
  const nullBody = status === 204 || status === 205 || status === 304 || size === 0;
  return new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText, headers });
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
  if (isTimeoutError(error)) return { kind: 'timeout', afterMs: Math.round(timeoutMs) };
  if (error instanceof BodyTooLarge) {
    return { kind: 'http', status: isSuccess(error.status) ? 502 : error.status };
  }
  const rawFetchFailure =
    error instanceof TypeError &&
    (error.message === 'fetch failed' || error.message === 'terminated');
  if (isNetworkError(error) || rawFetchFailure) {
    const code = networkCode(error);
    return code === undefined ? { kind: 'network' } : { kind: 'network', code };
  }
  return { kind: 'internal', detail: `the HTTP client failed unexpectedly (${errorName(error)})` };
}

/** A token that could not be read: a TokenError keeps its reason; any other error its class only. */
export function tokenFailure(error: unknown): LookupFailure {
  if (error instanceof TokenError)
    return { kind: 'token', reason: error.reason, detail: error.message };
  return {
    kind: 'token',
    reason: 'unavailable',
    detail: `the token source failed (${errorName(error)})`,
  };
}

/** A complete answer: a 2xx with a JSON object is the contact; anything else is a failure. */
function judge(status: number, text: string, token: string) {
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

function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers.get(name)?.trim() ?? '';
  const value = Number(raw);
  return raw !== '' && Number.isFinite(value) ? value : null;
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

export function createRespondioDirectory(options: RespondioOptions): ContactDirectory {
  const { baseUrl, tokens, limiter, requestTimeoutMs, maxAttempts, maxRetryAfterMs, logger } =
    options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const minAttemptMs = options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS;
  const tokenRereadWaitsMs = options.tokenRereadWaitsMs ?? SQS_TOKEN_REREAD_WAITS_MS;
  const tracer = options.tracer ?? NO_TRACER;
  // ky's retry limit never binds: attemptsAllowed (below) does.
  const retryLimit = maxAttempts + tokenRereadWaitsMs.length;

  async function getContact(
    identifier: { readonly masked: string; readonly pathSegment: string },
    deadlineAt: number,
    correlationId: string | undefined,
  ): Promise<DirectoryAnswer> {
    const logContext = {
      identifier: identifier.masked,
      ...(correlationId === undefined ? {} : { correlationId }),
    };
    const url = contactUrl(baseUrl, identifier.pathSegment);
    if (url === null) {
      logger?.error('Refused an identifier that does not form one path segment', logContext);
      const detail = 'the identifier does not form a single URL path segment';
      return { ok: false, attempts: 0, failure: { kind: 'internal', detail } };
    }
    let token: string;
    try {
      token = await tokens.getToken();
    } catch (error) {
      return { ok: false, attempts: 0, failure: tokenFailure(error) };
    }

    const trail: Attempt[] = [];
    let last: LookupFailure | null = null;
    let plan: RetryPlan | null = null;
    let found: { readonly body: unknown } | null = null;
    let tokenRereads = 0;
    let retries = 0;
    // The attempt in flight: when it started, its budget wait and timeout; open until settled.
    let open = false;
    let startedAt = 0;
    let budgetWaitMs = 0;
    let timeoutMs = 0;
    const answer = (): DirectoryAnswer => {
      const attempts = trail.length;
      const made = attempts > 0 ? { trail } : {};
      if (found !== null) return { ok: true, body: found.body, attempts, ...made };
      return { ok: false, attempts, failure: last ?? { kind: 'deadline' }, ...made };
    };

    /** Takes a slot of the budget for the next attempt and puts the token on it. */
    async function begin(request: Request): Promise<void> {
      if (deadlineAt - now() < minAttemptMs) throw new Stop();
      const waitFrom = now();
      if (!(await limiter.acquire(deadlineAt - minAttemptMs))) throw new Stop();
      budgetWaitMs = now() - waitFrom;
      timeoutMs = Math.min(requestTimeoutMs, deadlineAt - now());
      if (timeoutMs <= 0) throw new Stop();
      request.headers.set('Authorization', `Bearer ${token}`);
      startedAt = now();
      open = true;
    }

    /** Before a retry: the planned wait, after a 401 a re-read of the token, then a slot. */
    async function resume(request: Request): Promise<void> {
      const next = plan;
      plan = null;
      if (next === null) throw new Stop();
      if (next.refreshToken) tokenRereads += 1;
      else retries += 1;
      if (next.waitMs > 0) await sleep(next.waitMs);
      if (next.refreshToken) {
        try {
          token = await tokens.refresh(token);
        } catch (error) {
          throw new Stop(tokenFailure(error));
        }
      }
      await begin(request);
    }

    /**
     * Ends the attempt in flight (`failure` null: it brought the contact): tells the budget what
     * respond.io answered, plans the next attempt and logs this one. True when another follows.
     */
    function settle(failure: LookupFailure | null, reply: Response | BodyTooLarge | null): boolean {
      open = false;
      const latencyMs = Math.max(now() - startedAt, 0);
      const next =
        failure === null
          ? null
          : planRetry(failure, reply?.headers.get('retry-after') ?? null, {
              tokenRereads,
              tokenRereadWaitsMs,
              retry: retries + 1,
              maxRetryAfterMs,
              random,
              now,
            });
      if (reply !== null) {
        limiter.feedback({
          startedAt,
          status: reply.status,
          limit: headerNumber(reply.headers, 'x-ratelimit-limit'),
          remaining: headerNumber(reply.headers, 'x-ratelimit-remaining'),
          // A 429 holds the budget for what respond.io asked, whether or not this lookup retries.
          holdMs: next?.holdBudget ? next.waitMs : 0,
        });
      }
      const waitMs = next?.waitMs ?? 0;
      const allowed = attemptsAllowed(maxAttempts, tokenRereads + (next?.refreshToken ? 1 : 0));
      const willRetry =
        next !== null && trail.length + 1 < allowed && now() + waitMs + minAttemptMs <= deadlineAt;
      const status = reply?.status ?? (failure?.kind === 'timeout' ? 'timeout' : 'network');
      trail.push({ status, latencyMs, willRetry, waitMs: willRetry ? waitMs : 0 });
      if (failure === null) {
        logger?.debug('respond.io answered', {
          ...logContext,
          attempt: trail.length,
          status,
          latencyMs,
        });
      } else {
        // A 404 is an answer (the contact does not exist), not a fault: no warning for it.
        const log = status === 404 ? logger?.info : logger?.warn;
        log?.call(
          logger,
          status === 404 ? 'respond.io answered: contact not found' : 'respond.io attempt failed',
          {
            ...logContext,
            attempt: trail.length,
            status,
            failure: failure.kind,
            ...(failure.kind === 'network' && failure.code ? { code: failure.code } : {}),
            latencyMs,
            willRetry,
            waitMs: willRetry ? waitMs : 0,
          },
        );
      }
      if (failure !== null) last = failure;
      plan = willRetry ? next : null;
      return willRetry;
    }

    /** One attempt on the wire, in a span of its own. */
    const attempt = (request: Request, init: RequestInit) =>
      tracer.span('respond.io GET contact', async (span) => {
        const timings = () => ({
          latency_ms: Math.round(Math.max(now() - startedAt, 0)),
          budget_wait_ms: Math.round(Math.max(budgetWaitMs, 0)),
        });
        try {
          const response = await fetchWhole(request, init);
          span.httpStatus(response.status);
          span.annotate({ status_code: response.status, ...timings() });
          return response;
        } catch (error) {
          if (error instanceof BodyTooLarge) {
            span.httpStatus(error.status);
            span.annotate({ status_code: error.status, ...timings() });
          } else {
            span.annotate({
              outcome: request.signal.aborted ? 'timeout' : 'network',
              ...timings(),
            });
          }
          throw error;
        }
      });

    if (deadlineAt - now() < minAttemptMs) return answer();
    try {
      await ky(url, {
        headers: { Accept: 'application/json' },
        redirect: 'manual',
        throwHttpErrors: false,
        timeout: Math.max(Math.floor(requestTimeoutMs), 1),
        totalTimeout: Math.max(Math.floor(deadlineAt - now()), 1),
        fetch: (input, init) => attempt(input as Request, init ?? {}),
        retry: {
          limit: retryLimit,
          delay: () => 0,
          shouldRetry: ({ error }) =>
            open &&
            settle(thrownFailure(error, timeoutMs), error instanceof BodyTooLarge ? error : null),
        },
        hooks: {
          beforeRequest: [({ request }) => begin(request)],
          beforeRetry: [({ request }) => resume(request)],
          afterResponse: [
            async ({ response }) => {
              if (!open) return undefined;
              const judged = judge(response.status, await response.text(), token);
              if (judged.ok) found = { body: judged.body };
              const retry = settle(judged.ok ? null : judged.failure, response);
              return retry ? ky.retry({ delay: 0 }) : undefined;
            },
          ],
        },
      });
    } catch (error) {
      // Never log or rethrow `error`: ky errors carry the request and its headers.
      if (error instanceof Stop) {
        if (error.failure !== null) last = error.failure;
      } else if (open) {
        // The deadline ended the attempt before ky asked whether to retry it.
        settle(thrownFailure(error, timeoutMs), null);
      }
    }
    return answer();
  }

  return {
    getContact: (identifier, lookup) =>
      tracer.span('respond.io lookup', async (span) => {
        const startedAt = now();
        const answer = await getContact(identifier, lookup.deadlineAt, lookup.correlationId);
        span.annotate(lookupAnnotations(answer, now() - startedAt));
        return answer;
      }),
  };
}

/** Thrown by a TokenSource; `reason` tells transient (`unavailable`) from permanent (`invalid`). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly reason: 'unavailable' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** The respond.io API token, read at run time and never baked in. */
export interface TokenSource {
  /** The current token (cached). Throws TokenError. */
  getToken(): Promise<string>;
  /**
   * Re-reads the token, bypassing the cache (after a 401). Concurrent callers share one read.
   * With `rejectedToken` (the token respond.io refused), a newer token already read by another
   * caller is returned without a read, so a rotation costs one read, not one per 401.
   */
  refresh(rejectedToken?: string): Promise<string>;
}
