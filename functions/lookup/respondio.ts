/**
 * respond.io's `GET {baseUrl}/contact/{identifier}` over ky, tried as often as the retry plan,
 * the lookup's deadline and the container's budget allow. ky runs the attempts (`timeout` each,
 * `totalTimeout` the deadline, its retry loop with no delay of its own) and attempts.ts keeps
 * each lookup's: the first budget slot is taken before ky starts, the wait, token re-read and
 * slot of a further attempt in ky's beforeRetry hook, and ky's fetch here reads the whole body
 * (up to MAX_RESPONSE_BYTES) inside ky's attempt timeout. Never throws; ky errors are never
 * logged or rethrown (they carry the request headers, token included). The URL is
 * contact-url.ts's: an identifier cannot steer it.
 */

import ky from 'ky';
import type { RateLimiter } from '../budget/index.js';
import { type Logger, NO_TRACER, sleep as systemSleep, type Tracer } from '../platform/index.js';
import { BodyTooLarge, lookupAnnotations, MAX_RESPONSE_BYTES } from './answers.js';
import { type Directory, type Exchange, LookupAttempts, logContext } from './attempts.js';
import { contactUrls } from './contact-url.js';
import type { ContactDirectory, DirectoryAnswer } from './lookup.js';
import { SQS_TOKEN_REREAD_WAITS_MS } from './retry-plan.js';
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
/** One decoder for every body: decode() without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder();

/**
 * One request on the wire, its whole body read (up to the cap) inside ky's attempt timeout and
 * decoded as Response.text() does (UTF-8, a byte order mark dropped).
 */
async function exchange(request: Request, init: RequestInit): Promise<Exchange> {
  const response = await fetch(request, init);
  if (response.body === null) return { response, text: '' };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(response.status, response.headers);
    }
    chunks.push(read.value);
  }
  if (chunks.length === 0) return { response, text: '' };
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  return { response, text: UTF8.decode(bytes) };
}

/** ky waits nothing of its own between attempts: the retry plan's wait is in `resume`. */
const NO_DELAY = () => 0;

export function createRespondioDirectory(options: RespondioOptions): ContactDirectory {
  const tracer = options.tracer ?? NO_TRACER;
  const dir: Directory = {
    exchange,
    tokens: options.tokens,
    limiter: options.limiter,
    requestTimeoutMs: options.requestTimeoutMs,
    maxAttempts: options.maxAttempts,
    maxRetryAfterMs: options.maxRetryAfterMs,
    tokenRereadWaitsMs: options.tokenRereadWaitsMs ?? SQS_TOKEN_REREAD_WAITS_MS,
    minAttemptMs: options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? systemSleep,
    logger: options.logger,
    tracer: tracer === NO_TRACER ? null : tracer,
  };
  const contactUrl = contactUrls(options.baseUrl);
  const timeout = Math.max(Math.floor(dir.requestTimeoutMs), 1);
  // ky's retry limit never binds: attemptsAllowed (in settle) does.
  const retryLimit = dir.maxAttempts + dir.tokenRereadWaitsMs.length;

  async function getContact(
    identifier: { readonly masked: string; readonly pathSegment: string },
    deadlineAt: number,
    correlationId: string | undefined,
  ): Promise<DirectoryAnswer> {
    const url = contactUrl(identifier.pathSegment);
    if (url === null) {
      const context = logContext(identifier, correlationId);
      dir.logger?.error('Refused an identifier that does not form one path segment', context);
      const detail = 'the identifier does not form a single URL path segment';
      return { ok: false, attempts: 0, failure: { kind: 'internal', detail } };
    }
    let token: string;
    try {
      token = await dir.tokens.getToken();
    } catch (error) {
      return { ok: false, attempts: 0, failure: tokenFailure(error) };
    }
    const attempts = new LookupAttempts(dir, identifier, deadlineAt, correlationId, token);
    if (!attempts.timeLeft()) return attempts.answer();
    try {
      // The first slot is taken before ky starts, so no hook of ky's runs before the first
      // attempt; the token rides on the request's headers.
      await attempts.begin();
      await ky(url, {
        headers: { Accept: 'application/json', Authorization: `Bearer ${attempts.token}` },
        redirect: 'manual',
        throwHttpErrors: false,
        timeout,
        totalTimeout: Math.max(Math.floor(deadlineAt - dir.now()), 1),
        fetch: (input, init) => attempts.attempt(input as Request, init ?? {}),
        retry: {
          limit: retryLimit,
          delay: NO_DELAY,
          shouldRetry: ({ error }) => attempts.shouldRetry(error),
        },
        hooks: { beforeRetry: [({ request }) => attempts.resume(request)] },
      });
    } catch (error) {
      attempts.ended(error);
    }
    return attempts.answer();
  }

  const lookUp: ContactDirectory['getContact'] = (identifier, lookup) =>
    getContact(identifier, lookup.deadlineAt, lookup.correlationId);
  // Untraced, no span and no annotations are built per lookup.
  if (dir.tracer === null) return { getContact: lookUp };
  return {
    getContact: (identifier, lookup) =>
      tracer.span('respond.io lookup', async (span) => {
        const startedAt = dir.now();
        const answer = await lookUp(identifier, lookup);
        span.annotate(lookupAnnotations(answer, dir.now() - startedAt));
        return answer;
      }),
  };
}

export type { Attempt } from './answers.js';
