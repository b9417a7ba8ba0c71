/**
 * One lookup over the ContactDirectory port: parse the Identifier, ask the directory, map the
 * answer to a row. The result is `found` or `failed` (its classified failure as data), both with
 * the row to answer or write; callers branch on `kind`, never on the row's StatusCode.
 */

import { type ClassifiedFailure, classifyFailure, type LookupFailure } from './failure.js';
import type { Identifier, IdentifierParser } from './identifier.js';
import type { Attempt } from './respondio.js';
import { type ContactRow, errorRow, NOT_A_CONTACT_MESSAGE, readContact } from './row.js';

interface LookupFound {
  readonly kind: 'found';
  readonly row: ContactRow;
}

export interface LookupFailed {
  readonly kind: 'failed';
  readonly failure: ClassifiedFailure;
  readonly row: ContactRow;
}

/** What a lookup came to, without the bookkeeping. */
export type LookupOutcome = LookupFound | LookupFailed;

interface LookupFacts {
  readonly identifier: Identifier | null;
  /** Requests made to respond.io for this lookup (0 when rejected, shared or cached). */
  readonly attempts: number;
  /** How the directory answered (own request, a shared one, the cache); null when rejected. */
  readonly source: AnswerSource | null;
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

/** A contact, or a 502 for a body that is none. */
function foundOrNot(body: unknown): LookupOutcome {
  const row = readContact(body);
  return row === null
    ? failedLookup({ statusCode: 502, message: NOT_A_CONTACT_MESSAGE, retryable: false })
    : { kind: 'found', row };
}

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
  /** For logs (the Lambda request id or the SQS message id). */
  readonly correlationId?: string;
  /** Ask respond.io whatever the cache holds (`Cache-Control: no-cache`); refreshes the cache. */
  readonly fresh?: boolean;
}

/** A lookup's own request, one of the same identifier already in flight, or the contact cache. */
export type AnswerSource = 'request' | 'shared' | 'cache';

export type DirectoryAnswer = (
  | { readonly ok: true; readonly body: unknown; readonly attempts: number }
  | { readonly ok: false; readonly failure: LookupFailure; readonly attempts: number }
) & {
  /** Absent: 'request'. `attempts` counts this lookup's own requests (0 when shared or cached). */
  readonly source?: AnswerSource;
  /** This lookup's own requests, one by one (absent: none). */
  readonly trail?: readonly Attempt[];
};

/** Where contacts come from: respond.io in production, the simulator locally. */
export interface ContactDirectory {
  /** Fetches one contact. Never throws: every failure is described in the answer. */
  getContact(identifier: Identifier, options: LookupOptions): Promise<DirectoryAnswer>;
}
