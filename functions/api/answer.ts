/**
 * What the API function answers for a lookup, per ERROR_BEHAVIOR: a found contact is always
 * 200 with its row; a failure is answered as the behavior says.
 *
 * - FailAndReturnResponse: the failure's status, with the error row.
 * - FailWithoutResponse: the failure's status, with a short message only (details go to the log).
 * - DoNotFailAndReturnResponse: 200, with the error row like any other row.
 */

import { type ContactRow, type LookupOutcome, shortMessage } from '../lookup/index.js';
import type { ErrorBehavior } from '../settings/index.js';

/** What the API function answers: the HTTP status and the JSON body. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: ContactRow | { readonly StatusCode: number; readonly Message: string };
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
