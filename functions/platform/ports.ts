/**
 * The ports the handlers depend on. Adapters implement them for respond.io, Secrets Manager,
 * SQS, CloudWatch, X-Ray, the logs, the contact cache, the timers and the files bucket (S3);
 * tests and the local run plug in the simulator and local stand-ins instead. Every interface a
 * handler or an adapter needs from another layer is here.
 * Longer than ~250 lines on purpose: the ports are kept together, so that one file shows every
 * seam between the layers.
 */

import type { RateChange, RateState } from '../budget/learned-rate.js';
import type { LookupFailure } from '../lookup/failure.js';
import type { Identifier } from '../lookup/identifier.js';
import type { ContactRow } from '../lookup/row.js';

export interface LookupOptions {
  /** Epoch milliseconds after which no request may be started or awaited. */
  readonly deadlineAt: number;
  /** Correlation id for logs (the Lambda request id or the SQS message id). */
  readonly correlationId?: string;
  /**
   * Ask respond.io even when the contact cache holds an answer (the API caller sent
   * `Cache-Control: no-cache`); the fresh answer then refreshes the cache.
   */
  readonly fresh?: boolean;
}

/**
 * How a lookup was answered: by its own request to respond.io, by a request another lookup of
 * the same identifier had in flight (single flight), or by the container's contact cache.
 */
export type AnswerSource = 'request' | 'shared' | 'cache';

export type DirectoryAnswer = (
  | { readonly ok: true; readonly body: unknown; readonly attempts: number }
  | { readonly ok: false; readonly failure: LookupFailure; readonly attempts: number }
) & {
  /** Absent: 'request'. `attempts` counts this lookup's own requests (0 when shared or cached). */
  readonly source?: AnswerSource;
};

/** Where contacts come from: respond.io in production, the simulator locally. */
export interface ContactDirectory {
  /** Fetches one contact. Never throws: every failure is described in the answer. */
  getContact(identifier: Identifier, options: LookupOptions): Promise<DirectoryAnswer>;
}

/** An answer kept for reuse: respond.io's 200 or 404, and when the request for it started. */
export interface CachedAnswer {
  readonly answer: DirectoryAnswer;
  /** Epoch ms at which the request that got this answer started: its age counts from here. */
  readonly fetchedAt: number;
}

/**
 * The container's contact cache (lru-cache behind it): bounded in entries, in memory only, and
 * never written anywhere else. What may be kept, and for how long, is core/contact-cache-rules.ts.
 */
export interface ContactCache {
  get(key: string): CachedAnswer | undefined;
  /** Keeps `entry` for at most `ttlMs` from now (the least recently used entry goes when full). */
  set(key: string, entry: CachedAnswer, ttlMs: number): void;
  delete(key: string): void;
  /** Entries kept now. */
  readonly size: number;
}

/** Timers (setTimeout behind it), for a wait that may be called off. */
export interface Timers {
  /** Calls `fire` after `ms` milliseconds; the function returned calls it off. */
  after(ms: number, fire: () => void): () => void;
}

/** Why a phone number was not read: what the phone number library found wrong with it. */
export type PhoneNumberProblem =
  /** Too few digits for its country. */
  | 'too-short'
  /** Too many digits for its country. */
  | 'too-long'
  /** No country has this country calling code. */
  | 'unknown-country-code'
  /** The right length, yet not a number of its country's numbering plan. */
  | 'invalid';

export type PhoneNumberReading =
  | { readonly ok: true; readonly e164: string }
  | { readonly ok: false; readonly problem: PhoneNumberProblem };

/** Phone numbering plans (libphonenumber-js behind it): a cleaned number to E.164. */
export interface PhoneNumbers {
  /**
   * Reads `number`, ASCII digits with a leading `+` when it carries its country code (core's
   * written-phone rules have removed everything else), as E.164. `defaultCountry` (ISO 3166-1
   * alpha-2) is the country of a national number; null when the number must be international.
   * Never throws.
   */
  toE164(number: string, defaultCountry: string | null): PhoneNumberReading;
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

/** The secret could not be read after the TTL (a transient error); the last good token serves on. */
export interface StaleTokenEvent {
  /** How long past its TTL the token is, in ms. */
  readonly staleForMs: number;
  /** The failed read (a transient TokenError's message: names the secret, never its value). */
  readonly detail: string;
}

/** Watches the token source's stale tokens (a warning and a metric). */
export interface TokenObserver {
  /** A read failed and the last good token serves on: once per failed read. */
  onStaleToken?(event: StaleTokenEvent): void;
  /** One lookup was given the stale token. */
  onStaleServed?(): void;
}

/** One result message: the output row plus what a consumer needs to correlate it. */
export interface ResultMessage {
  /** The SQS message id of the input row (stable across redeliveries). */
  readonly sourceMessageId: string;
  readonly identifier: unknown;
  readonly row: ContactRow;
  /** Extra fields of the input row, carried through for correlation. */
  readonly input?: Readonly<Record<string, unknown>>;
  /** How the row's lookup was answered (the `LookupSource` attribute); absent without a lookup. */
  readonly lookupSource?: AnswerSource;
  /** The respond.io rate the budget allowed when the row was done (the `BudgetRate` attribute). */
  readonly budgetRate?: number;
}

/** Where result rows go: the results queue. */
export interface ResultSink {
  /** Sends rows; resolves to the source message ids whose rows could not be written. */
  send(results: readonly ResultMessage[]): Promise<{ readonly failed: readonly string[] }>;
}

/** One message to move to the dead-letter queue: the original body plus why. */
export interface DeadLetterMove {
  readonly sourceMessageId: string;
  /** The input message body, unchanged, so the message can be redriven as it was. */
  readonly body: string;
  readonly reason: string;
  readonly statusCode: number;
  readonly receiveCount: number;
  readonly sourceQueueArn?: string;
  /** How the row's lookup was answered (the `LookupSource` attribute); absent without a lookup. */
  readonly lookupSource?: AnswerSource;
}

/** Where final failures go under FailAndReturnResponse and FailWithoutResponse. */
export interface DeadLetterSink {
  /** Resolves to the source message ids whose move failed. */
  move(moves: readonly DeadLetterMove[]): Promise<{ readonly failed: readonly string[] }>;
}

/**
 * Most messages in one write call to the results or dead-letter queue (SendMessageBatch takes at
 * most 10 entries). The SQS adapter splits by it; the batch streams its result rows in chunks of it.
 */
export const MAX_MESSAGES_PER_WRITE = 10;

/** Fields of one structured log line: status codes, timings, masked identifiers; never tokens. */
export type LogFields = Record<string, unknown>;

/** Structured JSON log lines (the Powertools Logger fits). */
export interface Logger {
  debug(message: string, ...fields: LogFields[]): void;
  info(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

/** The part of the Lambda context a logger tags its lines with. */
export interface InvocationContext {
  readonly awsRequestId: string;
  readonly functionName?: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB?: string;
}

/** A logger that follows one invocation at a time (the API function's). */
export interface InvocationLogger extends Logger {
  /** Tags every following line with the invocation and its correlation id. */
  beginInvocation(context: InvocationContext | undefined, correlationId: string | null): void;
  /** Drops what `beginInvocation` added, so nothing leaks into the next invocation. */
  endInvocation(): void;
}

/** One answer of respond.io to a request, as the rate limiter learns from it. */
export interface AnswerFeedback {
  /** When the answered request started (epoch ms). */
  readonly startedAt: number;
  /** The HTTP status. */
  readonly status: number;
  /** X-RateLimit-Limit and X-RateLimit-Remaining, when present and numeric. */
  readonly limit: number | null;
  readonly remaining: number | null;
  /** A 429's hold: what respond.io asked to wait (Retry-After, capped; a backoff without one), ms. */
  readonly holdMs: number;
}

/** Paces the requests of one container to respond.io. */
export interface RateLimiter {
  /** Waits for a request slot. Resolves false (without taking a slot) if no slot can start before deadlineAt (epoch ms). */
  acquire(deadlineAt: number): Promise<boolean>;
  /**
   * What respond.io answered (every answer that came with headers): a 429 holds every caller for
   * its `holdMs`; with learning on, the answer may change the learned rate.
   */
  feedback(answer: AnswerFeedback): void;
  /** The requests per second it allows now: the learned rate, at most the configured one. */
  rate(): number;
}

/** Which function a container serves, as the shared budget sees it: API lookups go first. */
export type BudgetLane = 'api' | 'batch';

/**
 * A claim for request slots of the organisation's budget (core/budget-plan.ts says how they are
 * sized). Slots are absolute epoch ms on the shared timeline, `intervalMs` apart.
 */
export interface SlotClaim {
  /** The claimer's clock, epoch ms. */
  readonly now: number;
  /** Slots wanted (at least 1), consecutive. */
  readonly slots: number;
  readonly intervalMs: number;
  /** Refuse the claim when the first free slot is later than this (epoch ms). */
  readonly latestStartAt: number;
  /**
   * Start afresh at `now` only when the next free slot is at least this long past (a container
   * whose clock is behind may still be about to claim it); in between, the claim is refused.
   */
  readonly idleGraceMs: number;
  /** The next free slot is known to be at or after `now` (so the dispenser is not idle). */
  readonly knownBusy: boolean;
  /** The dispenser was idle at this container's last claim: try that case first. */
  readonly idleFirst: boolean;
  /**
   * The version of the learned rate `intervalMs` was computed from: a claim made with another
   * version than the item's is `stale`, and comes back with the item's.
   */
  readonly rateVersion: number;
}

/** The learned rate as the budget item holds it, with its version (0: never written). */
export interface SharedRate extends RateState {
  readonly version: number;
}

/** Requests one call made to the coordinator (writes and reads are priced differently). */
export interface CoordinatorRequests {
  readonly writes: number;
  readonly reads: number;
}

export type SlotAnswer =
  | (CoordinatorRequests & {
      readonly kind: 'granted';
      /** The first granted slot; the others follow `intervalMs` apart. */
      readonly firstSlotAt: number;
      readonly slots: number;
      /** The next free slot after this grant. */
      readonly next: number;
      readonly rate: SharedRate;
    })
  | (CoordinatorRequests & {
      readonly kind: 'refused';
      /** The next free slot, when known: beyond `latestStartAt`. */
      readonly next: number | null;
      readonly rate: SharedRate;
    })
  /** The learned rate changed since the claimer read it: claim again at this one. */
  | (CoordinatorRequests & { readonly kind: 'stale'; readonly rate: SharedRate })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

export type RateAnswer =
  /** Written: the item now holds `rate`. */
  | (CoordinatorRequests & { readonly kind: 'changed'; readonly rate: SharedRate })
  /** Another container changed it first: the item holds `rate`. */
  | (CoordinatorRequests & { readonly kind: 'stale'; readonly rate: SharedRate })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

export type HoldAnswer =
  /** `held`: no slot is given out before the hold's end; `later`: the next free slot already was. */
  | (CoordinatorRequests & { readonly kind: 'held' | 'later' })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

export type ResumeAnswer =
  | (CoordinatorRequests & {
      readonly kind: 'resume';
      /** Coordinated starts resume at this epoch ms (no slot is granted before it). */
      readonly resumeAt: number;
      /** True when this call set it; false when another container's announcement stands. */
      readonly announced: boolean;
    })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

/** The organisation budget's coordinator: one next-free-slot shared by every container. */
export interface SlotDispenser {
  /** Never throws: an error or a timeout is `unreachable`. */
  claim(claim: SlotClaim): Promise<SlotAnswer>;
  /**
   * After running on the fallback: asks every container to resume coordinated starts at
   * `resumeAt` (or learns the resume time another container already announced). Never throws.
   */
  announceResume(now: number, resumeAt: number): Promise<ResumeAnswer>;
  /** Writes `next` as the learned rate, if the item still holds `version`. Never throws. */
  changeRate(now: number, version: number, next: RateState): Promise<RateAnswer>;
  /** Gives out no slot before `until` (a 429's hold): moves the next free slot there. Never throws. */
  hold(now: number, until: number): Promise<HoldAnswer>;
}

/** What the shared budget reports, for metrics. */
export interface BudgetObserver {
  /** A request was allowed to start after waiting `waitMs`. */
  onStart?(event: {
    readonly lane: BudgetLane;
    /** When it started, on the limiter's clock (epoch ms): what the budget's guarantee counts. */
    readonly at: number;
    readonly waitMs: number;
    readonly coordinated: boolean;
  }): void;
  /** One call to the coordinator (a claim, a resume announcement, a rate change, a hold) and what it cost. */
  onCoordinatorCall?(
    event: CoordinatorRequests & {
      readonly outcome: SlotAnswer['kind'] | 'resume' | RateAnswer['kind'] | HoldAnswer['kind'];
      readonly latencyMs: number;
    },
  ): void;
  /** Granted slots given up (started too late, e.g. after a pause or a frozen container). */
  onForfeit?(slots: number): void;
  /** The container switched to (`fallback`) or back from (`coordinated`) the static share. */
  onModeChange?(mode: 'coordinated' | 'fallback'): void;
  /** This container changed the learned rate (in the budget table, or its own on the fallback). */
  onRateChange?(event: RateChange & { readonly lane: BudgetLane }): void;
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

/** Requests to respond.io during one batch. */
export interface UpstreamSummary {
  /** Requests sent to respond.io. */
  readonly requests: number;
  /** Requests that were followed by another attempt for the same row. */
  readonly retries: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Latency of each request, in milliseconds. */
  readonly latenciesMs: readonly number[];
}

/** What happened to one batch. */
export interface BatchSummary {
  /** Records in the event. */
  readonly rows: number;
  /** Row outcomes by StatusCode (retried rows included, rows not started excluded). */
  readonly rowsByStatus: Readonly<Record<string, number>>;
  /** Rows written to the results queue. */
  readonly resultsWritten: number;
  /** Messages moved to the dead-letter queue. */
  readonly deadLettered: number;
  /** Records reported back to SQS for another delivery. */
  readonly batchItemFailures: number;
  /** ...of which: transient failures with attempts left. */
  readonly retried: number;
  /** ...of which: rows not started because the invocation was running out of time. */
  readonly notStarted: number;
  /** ...of which: rows whose result or dead-letter message could not be written. */
  readonly writeFailures: number;
  /** Rows answered from the contact cache, without a request (retried rows included). */
  readonly cacheHits: number;
  /** Rows answered by the request another row of the same identifier had in flight. */
  readonly coalesced: number;
  readonly upstream: UpstreamSummary;
  readonly durationMs: number;
}

/** Where batch summaries go: CloudWatch metrics. */
export interface BatchMetrics {
  publish(summary: BatchSummary): void;
}

// --- Bulk files (the files bucket; S3 behind it) ---

/** An object of the files bucket, as HeadObject describes it. */
export interface StoredObject {
  readonly key: string;
  readonly bytes: number;
  /** The version (null when the bucket keeps none, e.g. the local S3). */
  readonly versionId: string | null;
  readonly etag: string | null;
}

/** Writes one object in pieces; it appears whole when `complete` resolves, never before. */
export interface ObjectUpload {
  write(text: string): Promise<void>;
  complete(): Promise<void>;
  /** Drops what was written; the object is not created. Never throws. */
  abort(): Promise<void>;
}

/** Why a text object could not be read: gone, or not UTF-8 text. */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    readonly reason: 'missing' | 'not-text',
    message: string,
  ) {
    super(message);
  }
}

/** The files bucket: uploads, per-run parts, results and summaries (S3 in production). */
export interface FileStore {
  readonly bucket: string;
  /** The object (the version, when given), or null when there is none. */
  describe(key: string, versionId?: string | null): Promise<StoredObject | null>;
  /** The object's text in chunks, decoded as UTF-8. Throws FileReadError. */
  readText(key: string, versionId?: string | null): AsyncIterable<string>;
  /** A small object's whole text. Throws FileReadError. */
  getText(key: string): Promise<string>;
  /** Writes an object whole (one request). */
  put(
    key: string,
    body: string,
    options?: { readonly contentType?: string; readonly metadata?: Record<string, string> },
  ): Promise<void>;
  /** Every key under `prefix`, in key order. */
  list(prefix: string): AsyncIterable<string>;
  /** Starts writing an object in pieces (a multipart upload for a large one). */
  upload(
    key: string,
    options?: { readonly contentType?: string; readonly metadata?: Record<string, string> },
  ): ObjectUpload;
}

// --- Tracing ---

/**
 * The fixed words a trace may carry besides numbers and flags: how a lookup ended when it did
 * not end with an HTTP status of respond.io's.
 */
export const TRACE_LABELS = [
  'found',
  'http',
  'timeout',
  'network',
  'token',
  'deadline',
  'internal',
] as const;
export type TraceLabel = (typeof TRACE_LABELS)[number];

/**
 * A value a trace annotation may hold: a number, a flag or one of the fixed labels. Never free
 * text, so identifiers, contact data and the token have no way into a trace.
 */
export type TraceValue = number | boolean | TraceLabel;
export type TraceAnnotations = Readonly<Record<string, TraceValue>>;

/** The operations that are traced; fixed names, never data. */
export type TraceName = 'respond.io lookup' | 'respond.io GET contact';

/** One traced operation (an X-Ray subsegment while it runs). */
export interface TraceSpan {
  /** Indexed, searchable annotations: status codes, counts and timings. */
  annotate(annotations: TraceAnnotations): void;
  /** The HTTP status the operation received: 429 marks it throttled, 4xx an error, 5xx a fault. */
  httpStatus(status: number): void;
}

/** Traces operations: X-Ray in Lambda (adapters/xray-tracer.ts), nothing elsewhere. */
export interface Tracer {
  /** Runs `work` as the operation `name`, which ends when `work` settles. */
  span<T>(name: TraceName, work: (span: TraceSpan) => Promise<T>): Promise<T>;
}

/** A span that records nothing. */
export const SILENT_SPAN: TraceSpan = { annotate() {}, httpStatus() {} };

/** The tracer when tracing is off: runs the work, records nothing. */
export const NO_TRACER: Tracer = { span: (_name, work) => work(SILENT_SPAN) };
