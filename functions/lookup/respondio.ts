/**
 * respond.io's `GET {baseUrl}/contact/{identifier}` over ky, tried as often as the retry plan,
 * the lookup's deadline and the container's budget allow. ky runs the attempts (`timeout` each,
 * `totalTimeout` the deadline, its retry loop with no delay of its own); its hooks add the
 * planned wait, a token re-read after a 401 and a budget slot before each attempt, and end each
 * in `settle` (budget feedback, retry plan, log line). No attempt starts with less than
 * `minAttemptMs` left. Never throws; ky errors are never logged or rethrown (they carry the
 * request headers, token included). The URL is contact-url.ts's: an identifier cannot steer it.
 */

import ky from 'ky';
import type { RateLimiter } from '../budget/index.js';
import { type Logger, NO_TRACER, sleep as systemSleep, type Tracer } from '../platform/index.js';
import {
  type Attempt,
  BodyTooLarge,
  headerNumber,
  logAttempt,
  lookupAnnotations,
  MAX_RESPONSE_BYTES,
  readAnswer,
  thrownFailure,
} from './answers.js';
import { contactUrl } from './contact-url.js';
import type { LookupFailure } from './failure.js';
import type { ContactDirectory, DirectoryAnswer } from './lookup.js';
import {
  attemptsAllowed,
  planRetry,
  type RetryPlan,
  SQS_TOKEN_REREAD_WAITS_MS,
} from './retry-plan.js';
import { type TokenSource, tokenFailure } from './token.js';

export interface RespondioOptions {
  /** respond.io API base, e.g. https://api.respond.io/v2 (a trailing slash is ignored). */
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  readonly limiter: RateLimiter;
  /** Timeout of one HTTP request (answer and body). */
  readonly requestTimeoutMs: number;
  /** Attempts per lookup, the first included (those after a 401's token re-read come on top). */
  readonly maxAttempts: number;
  /** Default SQS_TOKEN_REREAD_WAITS_MS. */
  readonly tokenRereadWaitsMs?: readonly number[];
  readonly maxRetryAfterMs: number;
  /** Jitter source, in [0, 1). Default Math.random. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Spans for each lookup and each attempt. Default: none. */
  readonly tracer?: Tracer;
  /** Epoch ms. Default Date.now. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** No attempt starts with less than this left before the deadline. Default 100 ms. */
  readonly minAttemptMs?: number;
}

export const DEFAULT_MIN_ATTEMPT_MS = 100;
/** Thrown by a hook to end the lookup before another attempt; `failure` replaces the last one. */
class Stop extends Error {
  constructor(readonly failure: LookupFailure | null = null) {
    super('lookup stopped');
  }
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

    /** Ends the attempt in flight (`failure` null: found); true when another attempt follows. */
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
      const attempt: Attempt = { status, latencyMs, willRetry, waitMs: willRetry ? waitMs : 0 };
      trail.push(attempt);
      if (logger) logAttempt(logger, { ...logContext, attempt: trail.length }, attempt, failure);
      if (failure !== null) last = failure;
      plan = willRetry ? next : null;
      return willRetry;
    }

    /** One attempt on the wire, in a span of its own (status codes and timings only). */
    const attempt = (request: Request, init: RequestInit) =>
      tracer.span('respond.io GET contact', async (span) => {
        const note = (ending: { status_code: number } | { outcome: 'timeout' | 'network' }) => {
          if ('status_code' in ending) span.httpStatus(ending.status_code);
          const latency = Math.round(Math.max(now() - startedAt, 0));
          span.annotate({
            ...ending,
            latency_ms: latency,
            budget_wait_ms: Math.round(budgetWaitMs),
          });
        };
        try {
          const response = await fetchWhole(request, init);
          note({ status_code: response.status });
          return response;
        } catch (error) {
          if (error instanceof BodyTooLarge) note({ status_code: error.status });
          else note({ outcome: request.signal.aborted ? 'timeout' : 'network' });
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
              const judged = readAnswer(response.status, await response.text(), token);
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

export type { Attempt } from './answers.js';
