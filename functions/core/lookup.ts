/**
 * One lookup, end to end over the ContactDirectory port: parse the Identifier, ask the
 * directory, map the answer to a row. Shared by the API and the SQS function.
 */

import { contactRow, errorRow } from './contact-row.js';
import type { RowOutcome } from './error-behavior.js';
import { classifyFailure } from './failure.js';
import { type Identifier, parseIdentifier } from './identifier.js';
import type { ContactDirectory, LookupOptions } from './ports.js';

export interface LookupResult extends RowOutcome {
  /** The parsed identifier, when it was valid. */
  readonly identifier: Identifier | null;
  /** Requests made to respond.io (0 when the input was rejected). */
  readonly attempts: number;
}

export async function lookupContact(
  input: unknown,
  directory: ContactDirectory,
  options: LookupOptions,
): Promise<LookupResult> {
  const parsed = parseIdentifier(input);
  if (!parsed.ok) {
    return { row: errorRow(400, parsed.message), retryable: false, identifier: null, attempts: 0 };
  }
  const { identifier } = parsed;
  const answer = await directory.getContact(identifier, options);
  if (answer.ok) {
    return {
      row: contactRow(answer.body),
      retryable: false,
      identifier,
      attempts: answer.attempts,
    };
  }
  const failure = classifyFailure(answer.failure);
  return {
    row: errorRow(failure.statusCode, failure.message),
    retryable: failure.retryable,
    identifier,
    attempts: answer.attempts,
  };
}
