/**
 * The ports the handlers depend on. Adapters implement them for respond.io, Secrets Manager and
 * SQS; tests and the local run plug in the simulator and local stand-ins instead.
 */

import type { ContactRow } from './contact-row.js';
import type { LookupFailure } from './failure.js';
import type { Identifier } from './identifier.js';

export interface LookupOptions {
  /** Epoch milliseconds after which no request may be started or awaited. */
  readonly deadlineAt: number;
  /** Correlation id for logs (the Lambda request id or the SQS message id). */
  readonly correlationId?: string;
}

export type DirectoryAnswer =
  | { readonly ok: true; readonly body: unknown; readonly attempts: number }
  | { readonly ok: false; readonly failure: LookupFailure; readonly attempts: number };

/** Where contacts come from: respond.io in production, the simulator locally. */
export interface ContactDirectory {
  /** Fetches one contact. Never throws: every failure is described in the answer. */
  getContact(identifier: Identifier, options: LookupOptions): Promise<DirectoryAnswer>;
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

/** One result message: the output row plus what a consumer needs to correlate it. */
export interface ResultMessage {
  /** The SQS message id of the input row (stable across redeliveries). */
  readonly sourceMessageId: string;
  readonly identifier: unknown;
  readonly row: ContactRow;
  /** Extra fields of the input row, carried through for correlation. */
  readonly input?: Readonly<Record<string, unknown>>;
}

/** Where result rows go: the results queue. */
export interface ResultSink {
  /** Sends rows; resolves to the source message ids whose rows could not be written. */
  send(results: readonly ResultMessage[]): Promise<{ readonly failed: readonly string[] }>;
}
