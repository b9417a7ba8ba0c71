/**
 * One lookup's attempts against respond.io, as ky runs them (respondio.ts makes the requests):
 * a budget slot before each attempt, the retry plan's wait and a token re-read after a 401 before
 * each further one, and `settle` at the end of each (budget feedback, retry plan, log line). An
 * answer read whole is judged in ky's fetch, which asks for another attempt by throwing
 * RetryAttempt; an attempt that threw is settled in ky's retry check. No attempt starts with less
 * than `minAttemptMs` left. Errors are never logged or kept (ky's carry the request headers);
 * logs and spans get status codes, timings and the masked identifier only.
 */

import type { RateLimiter } from '../budget/index.js';
import { type Logger, logsDebug, type Tracer, type TraceSpan } from '../platform/index.js';
import {
  type Attempt,
  BodyTooLarge,
  headerNumber,
  logAttempt,
  readAnswer,
  thrownFailure,
} from './answers.js';
import type { LookupFailure } from './failure.js';
import type { DirectoryAnswer } from './lookup.js';
import { attemptsAllowed, planRetry, type RetryPlan } from './retry-plan.js';
import { type TokenSource, tokenFailure } from './token.js';

/** Ends the lookup before another attempt (begin, resume); `failure` replaces the last one. */
class Stop extends Error {
  constructor(readonly failure: LookupFailure | null = null) {
    super('lookup stopped');
  }
}

/** ky's `fetch` asks for the next attempt with this: the answer it read is settled already. */
class RetryAttempt extends Error {
  constructor() {
    super('retry the lookup');
  }
}

/** An answer on the wire: its response (body consumed) and its body's text. */
export interface Exchange {
  readonly response: Response;
  readonly text: string;
}

/** What every lookup of one directory shares. */
export interface Directory {
  /** One request on the wire, its body read whole. */
  readonly exchange: (request: Request, init: RequestInit) => Promise<Exchange>;
  readonly tokens: TokenSource;
  readonly limiter: RateLimiter;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  readonly tokenRereadWaitsMs: readonly number[];
  readonly minAttemptMs: number;
  readonly random: () => number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger | undefined;
  /** null: untraced (no span, no annotations built). */
  readonly tracer: Tracer | null;
}

/** A lookup's log lines' context (built only for a line that is written). */
export function logContext(identifier: { readonly masked: string }, correlationId?: string) {
  return {
    identifier: identifier.masked,
    ...(correlationId === undefined ? {} : { correlationId }),
  };
}

/**
 * One lookup's attempts, from its first budget slot to its answer: ky's fetch, retry check and
 * beforeRetry hook call into it. One object per lookup holds the state (not a closure per step).
 */
export class LookupAttempts {
  private readonly trail: Attempt[] = [];
  private last: LookupFailure | null = null;
  private plan: RetryPlan | null = null;
  private found: { readonly body: unknown } | null = null;
  private tokenRereads = 0;
  private retries = 0;
  // The attempt in flight: its number, when it started, its budget wait and timeout; open
  // until settled.
  private begun = 0;
  private open = false;
  private startedAt = 0;
  private budgetWaitMs = 0;
  private timeoutMs = 0;

  constructor(
    private readonly dir: Directory,
    private readonly identifier: { readonly masked: string },
    private readonly deadlineAt: number,
    private readonly correlationId: string | undefined,
    /** The token the next attempt carries. */
    public token: string,
  ) {}

  answer(): DirectoryAnswer {
    const { trail, found } = this;
    const attempts = trail.length;
    if (found !== null) {
      return attempts > 0
        ? { ok: true, body: found.body, attempts, trail }
        : { ok: true, body: found.body, attempts };
    }
    const failure = this.last ?? { kind: 'deadline' };
    return attempts > 0
      ? { ok: false, attempts, failure, trail }
      : { ok: false, attempts, failure };
  }

  /** True while an attempt can still start. */
  timeLeft(): boolean {
    return this.deadlineAt - this.dir.now() >= this.dir.minAttemptMs;
  }

  /** Takes a slot of the budget for the next attempt; throws Stop when none is left. */
  async begin(): Promise<void> {
    const { dir, deadlineAt } = this;
    if (!this.timeLeft()) throw new Stop();
    const waitFrom = dir.now();
    if (!(await dir.limiter.acquire(deadlineAt - dir.minAttemptMs))) throw new Stop();
    this.budgetWaitMs = dir.now() - waitFrom;
    this.timeoutMs = Math.min(dir.requestTimeoutMs, deadlineAt - dir.now());
    if (this.timeoutMs <= 0) throw new Stop();
    this.startedAt = dir.now();
    this.begun += 1;
    this.open = true;
  }

  /** Before a retry: the planned wait, after a 401 a re-read of the token, then a slot. */
  async resume(request: Request): Promise<void> {
    const { dir } = this;
    const next = this.plan;
    this.plan = null;
    if (next === null) throw new Stop();
    if (next.refreshToken) this.tokenRereads += 1;
    else this.retries += 1;
    if (next.waitMs > 0) await dir.sleep(next.waitMs);
    if (next.refreshToken) {
      try {
        this.token = await dir.tokens.refresh(this.token);
      } catch (error) {
        throw new Stop(tokenFailure(error));
      }
    }
    await this.begin();
    request.headers.set('Authorization', `Bearer ${this.token}`);
  }

  /** Ends the attempt in flight (`failure` null: found); true when another attempt follows. */
  settle(failure: LookupFailure | null, reply: Response | BodyTooLarge | null): boolean {
    const { dir, trail } = this;
    this.open = false;
    const latencyMs = Math.max(dir.now() - this.startedAt, 0);
    const next =
      failure === null
        ? null
        : planRetry(failure, reply?.headers.get('retry-after') ?? null, {
            tokenRereads: this.tokenRereads,
            tokenRereadWaitsMs: dir.tokenRereadWaitsMs,
            retry: this.retries + 1,
            maxRetryAfterMs: dir.maxRetryAfterMs,
            random: dir.random,
            now: dir.now,
          });
    if (reply !== null) {
      dir.limiter.feedback({
        startedAt: this.startedAt,
        status: reply.status,
        limit: headerNumber(reply.headers, 'x-ratelimit-limit'),
        remaining: headerNumber(reply.headers, 'x-ratelimit-remaining'),
        // A 429 holds the budget for what respond.io asked, whether or not this lookup retries.
        holdMs: next?.holdBudget ? next.waitMs : 0,
      });
    }
    const waitMs = next?.waitMs ?? 0;
    const rereads = this.tokenRereads + (next?.refreshToken ? 1 : 0);
    const willRetry =
      next !== null &&
      trail.length + 1 < attemptsAllowed(dir.maxAttempts, rereads) &&
      dir.now() + waitMs + dir.minAttemptMs <= this.deadlineAt;
    const status = reply?.status ?? (failure?.kind === 'timeout' ? 'timeout' : 'network');
    const attempt: Attempt = { status, latencyMs, willRetry, waitMs: willRetry ? waitMs : 0 };
    trail.push(attempt);
    // A found contact's line is a debug line: no fields are built while debug is off.
    const { logger } = dir;
    if (logger && (failure !== null || logsDebug(logger))) {
      logAttempt(
        logger,
        { ...logContext(this.identifier, this.correlationId), attempt: trail.length },
        attempt,
        failure,
      );
    }
    if (failure !== null) this.last = failure;
    this.plan = willRetry ? next : null;
    return willRetry;
  }

  /** ky's fetch: one attempt, read and judged; another is asked for by throwing RetryAttempt. */
  async attempt(request: Request, init: RequestInit): Promise<Response> {
    const mine = this.begun;
    const { response, text } = await (this.dir.tracer === null
      ? this.dir.exchange(request, init)
      : this.tracedExchange(this.dir.tracer, request, init));
    // ky's timeout ended this attempt meanwhile (and settled it in shouldRetry).
    if (!this.open || mine !== this.begun) return response;
    const judged = readAnswer(response.status, text, this.token);
    if (judged.ok) this.found = { body: judged.body };
    if (this.settle(judged.ok ? null : judged.failure, response)) throw new RetryAttempt();
    return response;
  }

  /** ky's retry check: settles an attempt that threw; true when another attempt follows. */
  shouldRetry(error: unknown): boolean {
    if (error instanceof RetryAttempt) return true;
    if (!this.open) return false;
    return this.settle(
      thrownFailure(error, this.timeoutMs),
      error instanceof BodyTooLarge ? error : null,
    );
  }

  /** How ky's run ended, when it threw (`error` is never logged or kept: it carries headers). */
  ended(error: unknown): void {
    if (error instanceof Stop) {
      if (error.failure !== null) this.last = error.failure;
    } else if (this.open) {
      // The deadline ended the attempt before ky asked whether to retry it.
      this.settle(thrownFailure(error, this.timeoutMs), null);
    }
  }

  /** One attempt on the wire in a span of its own: status codes and timings only. */
  private tracedExchange(tracer: Tracer, request: Request, init: RequestInit) {
    return tracer.span('respond.io GET contact', async (span) => {
      try {
        const answered = await this.dir.exchange(request, init);
        this.note(span, { status_code: answered.response.status });
        return answered;
      } catch (error) {
        if (error instanceof BodyTooLarge) this.note(span, { status_code: error.status });
        else this.note(span, { outcome: request.signal.aborted ? 'timeout' : 'network' });
        throw error;
      }
    });
  }

  private note(
    span: TraceSpan,
    ending: { status_code: number } | { outcome: 'timeout' | 'network' },
  ): void {
    if ('status_code' in ending) span.httpStatus(ending.status_code);
    const latency = Math.round(Math.max(this.dir.now() - this.startedAt, 0));
    span.annotate({
      ...ending,
      latency_ms: latency,
      budget_wait_ms: Math.round(this.budgetWaitMs),
    });
  }
}
