/**
 * The ContactDirectory for respond.io: `GET {baseUrl}/contact/{identifier}`, tried as often as
 * the retry plan, the lookup's deadline and the container's rate limiter allow.
 *
 * ky's own retry is off; this loop runs the attempts so that the deadline and the limiter govern
 * every one of them:
 * - No attempt starts when less than `minAttemptMs` remain before the deadline or the limiter
 *   has no slot before then, and no wait that would run past it is begun: the last failure is
 *   returned instead.
 * - What to do after a failure (wait, re-read the token, give up) is the retry plan's
 *   (retry-plan.ts); one attempt is http-attempt.ts; the URL is contact-url.ts's.
 * - Every attempt is reported to the observer and the log (attempt-report.ts), and traced with
 *   the lookup it belongs to (lookup-trace.ts).
 *
 * Never throws. ky errors are never logged or rethrown (they carry the request headers, token
 * included); failures are described with status codes, error codes and the response body, from
 * which the token is redacted.
 */

import type { RateLimiter } from '../budget/limiter.js';
import { sleep as systemSleep } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { NO_TRACER, type Tracer } from '../platform/tracing.js';
import { reportAttempt } from './attempt-report.js';
import { contactUrl } from './contact-url.js';
import type { LookupFailure } from './failure.js';
import { attemptContactGet } from './http-attempt.js';
import type { Identifier } from './identifier.js';
import type { ContactDirectory, DirectoryAnswer, LookupOptions } from './lookup.js';
import { traceAttempt, traceLookups } from './lookup-trace.js';
import { attemptsAllowed, planRetry } from './retry-plan.js';
import { tokenFailure } from './token-failure.js';
import { SQS_TOKEN_REREAD_WAITS_MS } from './token-rereads.js';

export interface RespondioDirectoryOptions {
  /** respond.io API base, e.g. https://api.respond.io/v2 (a trailing slash is ignored). */
  baseUrl: string;
  tokens: TokenSource;
  limiter: RateLimiter;
  /** Timeout of one HTTP request (response and body). */
  requestTimeoutMs: number;
  /** Attempts per lookup, the first one included (the retries after a 401 come on top). */
  maxAttempts: number;
  /**
   * The wait before each re-read of the token after a 401, in turn (core/token-rereads.ts).
   * Default SQS_TOKEN_REREAD_WAITS_MS: one re-read at once.
   */
  tokenRereadWaitsMs?: readonly number[];
  /** Cap on a Retry-After wait. */
  maxRetryAfterMs: number;
  /** Jitter source, in [0, 1). Default Math.random. */
  random?: () => number;
  observer?: DirectoryObserver;
  logger?: Logger;
  /** Spans for each lookup and each attempt. Default: none. */
  tracer?: Tracer;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Waits between attempts. Default a setTimeout promise. */
  sleep?: (ms: number) => Promise<void>;
  /** No attempt starts with less than this left before the deadline. Default 100 ms. */
  minAttemptMs?: number;
}

export const DEFAULT_MIN_ATTEMPT_MS = 100;

function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw.trim());
  return Number.isFinite(value) ? value : null;
}

/** Tells the limiter what respond.io answered: the status, its rate-limit headers, a 429's hold. */
function feedback(
  limiter: RateLimiter,
  answer: { status: number; headers: Headers; startedAt: number; holdMs: number },
): void {
  limiter.feedback({
    startedAt: answer.startedAt,
    status: answer.status,
    limit: headerNumber(answer.headers, 'x-ratelimit-limit'),
    remaining: headerNumber(answer.headers, 'x-ratelimit-remaining'),
    holdMs: answer.holdMs,
  });
}

export function createRespondioDirectory(options: RespondioDirectoryOptions): ContactDirectory {
  const { baseUrl, tokens, limiter, requestTimeoutMs, maxAttempts, maxRetryAfterMs } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? systemSleep;
  const minAttemptMs = options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS;
  const tokenRereadWaitsMs = options.tokenRereadWaitsMs ?? SQS_TOKEN_REREAD_WAITS_MS;
  const { observer, logger } = options;
  const reporters = { observer, logger };
  const tracer = options.tracer ?? NO_TRACER;

  const directory: ContactDirectory = {
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
      let tokenRereads = 0;
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
        if (attempts >= attemptsAllowed(maxAttempts, tokenRereads)) return stop();
        if (deadlineAt - now() < minAttemptMs) return stop();
        const waitFrom = now();
        if (!(await limiter.acquire(deadlineAt - minAttemptMs))) return stop();
        const budgetWaitMs = now() - waitFrom;
        const timeoutMs = Math.min(requestTimeoutMs, deadlineAt - now());
        if (timeoutMs <= 0) return stop();

        attempts += 1;
        const startedAt = now();
        const outcome = await tracer.span('respond.io GET contact', async (span) => {
          const answered = await attemptContactGet(url, token, timeoutMs);
          traceAttempt(span, answered, { latencyMs: now() - startedAt, budgetWaitMs });
          return answered;
        });
        const latencyMs = Math.max(now() - startedAt, 0);
        const event = { attempt: attempts, status: outcome.status, latencyMs };

        if (outcome.ok) {
          feedback(limiter, { ...outcome, startedAt, holdMs: 0 });
          reportAttempt(reporters, logContext, { ...event, willRetry: false, waitMs: 0 }, null);
          return { ok: true, body: outcome.body, attempts };
        }

        last = outcome.failure;
        const plan = planRetry(last, outcome.headers?.get('retry-after') ?? null, {
          tokenRereads,
          tokenRereadWaitsMs,
          retry: retries + 1,
          maxRetryAfterMs,
          random,
          now,
        });
        if (outcome.headers !== null && typeof outcome.status === 'number') {
          // A 429 holds the budget for what respond.io asked, whether or not this lookup retries.
          const holdMs = plan?.holdBudget ? plan.waitMs : 0;
          feedback(limiter, {
            status: outcome.status,
            headers: outcome.headers,
            startedAt,
            holdMs,
          });
        }
        let willRetry =
          plan !== null &&
          attempts < attemptsAllowed(maxAttempts, tokenRereads + (plan.refreshToken ? 1 : 0));
        const waitMs = plan?.waitMs ?? 0;
        if (willRetry && now() + waitMs + minAttemptMs > deadlineAt) willRetry = false;
        reportAttempt(
          reporters,
          logContext,
          { ...event, willRetry, waitMs: willRetry ? waitMs : 0 },
          last,
        );
        if (!willRetry || plan === null) return stop();

        if (plan.refreshToken) {
          tokenRereads += 1;
          // A wait first (the API function's second re-read): the secret may be updated by then.
          if (waitMs > 0) await sleep(waitMs);
          try {
            token = await tokens.refresh(token);
          } catch (error) {
            return { ok: false, attempts, failure: tokenFailure(error) };
          }
        } else {
          retries += 1;
          if (waitMs > 0) await sleep(waitMs);
        }
      }
    },
  };
  // Untraced, the directory stays as it is: no extra layer per lookup.
  return tracer === NO_TRACER ? directory : traceLookups(directory, tracer, now);
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

/** One request to respond.io, as the directory reports it. */
export interface DirectoryAttemptEvent {
  /** 1 for the first request of a lookup. */
  readonly attempt: number;
  readonly status: number | 'timeout' | 'network';
  readonly latencyMs: number;
  readonly willRetry: boolean;
  /** The wait before the next attempt (0 when there is none). */
  readonly waitMs: number;
}

/** Watches the directory's requests (for metrics). */
export interface DirectoryObserver {
  onAttempt?(event: DirectoryAttemptEvent): void;
}
