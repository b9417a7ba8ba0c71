/**
 * The error behavior setting of the original connector, and what it means for each way in.
 *
 * - FailAndReturnResponse: the lookup fails, and the error row is returned.
 * - FailWithoutResponse: the lookup fails; the details go to the log only.
 * - DoNotFailAndReturnResponse: nothing fails; the error row is returned like any other row.
 */

import type { ContactRow } from './contact-row.js';

export const ERROR_BEHAVIORS = [
  'FailAndReturnResponse',
  'FailWithoutResponse',
  'DoNotFailAndReturnResponse',
] as const;

export type ErrorBehavior = (typeof ERROR_BEHAVIORS)[number];

export const DEFAULT_ERROR_BEHAVIOR: ErrorBehavior = 'FailAndReturnResponse';

const squash = (text: string) => text.replace(/[\s_-]+/g, '').toLowerCase();

/**
 * Reads the setting. Also accepts the connector page's wording ("Fail and return response").
 * Returns null for an unknown value so the caller can fail at start-up with its own message.
 */
export function parseErrorBehavior(value: string | undefined): ErrorBehavior | null {
  if (value === undefined || value.trim() === '') return DEFAULT_ERROR_BEHAVIOR;
  return ERROR_BEHAVIORS.find((behavior) => squash(behavior) === squash(value)) ?? null;
}

/** What the API function answers for a row. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: ContactRow | { readonly StatusCode: number; readonly Message: string };
}

/** Short messages for FailWithoutResponse: no upstream detail, no data columns. */
function shortMessage(statusCode: number): string {
  if (statusCode === 400) return 'Bad request';
  if (statusCode === 404) return 'Not found';
  if (statusCode === 429) return 'Too many requests';
  if (statusCode >= 500) return 'Lookup failed';
  return 'Request failed';
}

export function httpAnswer(row: ContactRow, behavior: ErrorBehavior): HttpAnswer {
  if (row.StatusCode === 200) return { statusCode: 200, body: row };
  switch (behavior) {
    case 'DoNotFailAndReturnResponse':
      return { statusCode: 200, body: row };
    case 'FailAndReturnResponse':
      return { statusCode: row.StatusCode, body: row };
    case 'FailWithoutResponse':
      return {
        statusCode: row.StatusCode,
        body: { StatusCode: row.StatusCode, Message: shortMessage(row.StatusCode) },
      };
  }
}

/** What happens to one SQS message after its lookup. */
export type RowDisposition =
  /** Leave the message on the queue (batch item failure); SQS delivers it again. */
  | { readonly kind: 'retry' }
  /** Done: write the row (if `writeRow`), move the message to the DLQ (if `deadLetter`), delete it. */
  | { readonly kind: 'final'; readonly writeRow: boolean; readonly deadLetter: boolean };

export interface RowOutcome {
  readonly row: ContactRow;
  /** True when trying again later may succeed. */
  readonly retryable: boolean;
}

/**
 * The batch policy: transient failures go back to the queue while attempts remain; the last
 * allowed attempt and every non-transient failure are final, handled per error behavior.
 */
export function rowDisposition(
  outcome: RowOutcome,
  behavior: ErrorBehavior,
  receiveCount: number,
  maxReceiveCount: number,
): RowDisposition {
  if (outcome.row.StatusCode === 200) return { kind: 'final', writeRow: true, deadLetter: false };
  if (outcome.retryable && receiveCount < maxReceiveCount) return { kind: 'retry' };
  switch (behavior) {
    case 'DoNotFailAndReturnResponse':
      return { kind: 'final', writeRow: true, deadLetter: false };
    case 'FailAndReturnResponse':
      return { kind: 'final', writeRow: true, deadLetter: true };
    case 'FailWithoutResponse':
      return { kind: 'final', writeRow: false, deadLetter: true };
  }
}
