/**
 * What the API function answers for a lookup, per ERROR_BEHAVIOR: a found contact is always
 * 200 with its row; a failure is answered as the behavior says.
 *
 * - FailAndReturnResponse: the failure's status, with the error row.
 * - FailWithoutResponse: the failure's status, with a short message only (details go to the log).
 * - DoNotFailAndReturnResponse: 200, with the error row like any other row.
 */

import type { LookupOutcome } from '../lookup/lookup.js';
import type { ContactRow } from '../lookup/row.js';
import type { ErrorBehavior } from '../settings/error-behavior.js';

/** What the API function answers: the HTTP status and the JSON body. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: ContactRow | { readonly StatusCode: number; readonly Message: string };
}

/**
 * Short messages for FailWithoutResponse: no upstream detail, no data columns (the file
 * workflow's error rows under that behavior carry the same).
 */
export function shortMessage(statusCode: number): string {
  if (statusCode === 400) return 'Bad request';
  if (statusCode === 404) return 'Not found';
  if (statusCode === 429) return 'Too many requests';
  if (statusCode >= 500) return 'Lookup failed';
  return 'Request failed';
}

export function apiAnswer(outcome: LookupOutcome, behavior: ErrorBehavior): HttpAnswer {
  if (outcome.kind === 'found') return { statusCode: 200, body: outcome.row };
  const { statusCode } = outcome.failure;
  switch (behavior) {
    case 'DoNotFailAndReturnResponse':
      return { statusCode: 200, body: outcome.row };
    case 'FailAndReturnResponse':
      return { statusCode, body: outcome.row };
    case 'FailWithoutResponse':
      return { statusCode, body: { StatusCode: statusCode, Message: shortMessage(statusCode) } };
  }
}
