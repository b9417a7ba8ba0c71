/**
 * One lookup, end to end over the ContactDirectory port: parse the Identifier (with the
 * container's parser), ask the directory, map the answer to a row. Shared by the API and the
 * SQS function.
 *
 * The result is a typed union: a found contact is `{ kind: 'found' }`; anything else is
 * `{ kind: 'failed' }` carrying its classified failure (status, message, retryable) as data.
 * Both carry the row to answer or write. Callers branch on `kind`, never on the row's StatusCode.
 */

import type { LookupFailure } from './failure.js';
import { type ClassifiedFailure, classifyFailure } from './failure.js';
import type { Identifier, IdentifierParser } from './identifier.js';
import type { Attempt } from './respondio.js';
import { type ContactRow, errorRow, NOT_A_CONTACT_MESSAGE, readContact } from './row.js';

/** A contact found: its row. */
export interface LookupFound {
  readonly kind: 'found';
  readonly row: ContactRow;
}

/** A lookup that failed: the classified failure, and the error row that reports it. */
export interface LookupFailed {
  readonly kind: 'failed';
  readonly failure: ClassifiedFailure;
  readonly row: ContactRow;
}

/** What a lookup came to, without the bookkeeping. */
export type LookupOutcome = LookupFound | LookupFailed;

interface LookupFacts {
  /** The parsed identifier, when it was valid. */
  readonly identifier: Identifier | null;
  /** Requests made to respond.io for this lookup (0 when rejected, shared or cached). */
  readonly attempts: number;
  /** How the directory answered (own request, a shared one, the cache); null when rejected. */
  readonly source: AnswerSource | null;
  /** This lookup's own requests to respond.io, one by one. */
  readonly trail: readonly Attempt[];
}

export type LookupResult =
  | (LookupFound & LookupFacts & { readonly identifier: Identifier })
  | (LookupFailed & LookupFacts);

/**
 * A failed lookup from its classified failure. The row trims an overlong message; the failure
 * carries that same text, so the row and a dead-letter reason never disagree.
 */
export function failedLookup(failure: ClassifiedFailure): LookupFailed {
  const row = errorRow(failure.statusCode, failure.message);
  return { kind: 'failed', failure: { ...failure, message: row.Message ?? failure.message }, row };
}

/** The lookup outcome of a directory's answer body: a contact, or a body that is none (502). */
function foundOrNot(body: unknown): LookupOutcome {
  const row = readContact(body);
  return row === null
    ? failedLookup({ statusCode: 502, message: NOT_A_CONTACT_MESSAGE, retryable: false })
    : { kind: 'found', row };
}

/** What a lookup needs: the container's identifier parser and its contact directory. */
export interface LookupDeps {
  readonly identifiers: IdentifierParser;
  readonly directory: ContactDirectory;
}

export async function lookupContact(
  input: unknown,
  deps: LookupDeps,
  options: LookupOptions,
): Promise<LookupResult> {
  const { identifiers, directory } = deps;
  const parsed = identifiers.parse(input);
  if (!parsed.ok) {
    const failure = { statusCode: 400, message: parsed.message, retryable: false };
    return { ...failedLookup(failure), identifier: null, attempts: 0, source: null, trail: [] };
  }
  const { identifier } = parsed;
  const answer = await directory.getContact(identifier, options);
  const outcome = answer.ok
    ? foundOrNot(answer.body)
    : failedLookup(classifyFailure(answer.failure));
  const source = answer.source ?? 'request';
  return { ...outcome, identifier, attempts: answer.attempts, source, trail: answer.trail ?? [] };
}

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
  /** This lookup's own requests, one by one (absent when it made none). */
  readonly trail?: readonly Attempt[];
};

/** Where contacts come from: respond.io in production, the simulator locally. */
export interface ContactDirectory {
  /** Fetches one contact. Never throws: every failure is described in the answer. */
  getContact(identifier: Identifier, options: LookupOptions): Promise<DirectoryAnswer>;
}
