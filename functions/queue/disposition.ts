/**
 * What happens to one SQS message once its outcome is known: back to the queue (retry), or final
 * (write the row and/or move the message to the dead-letter queue, then acknowledge it), per
 * ERROR_BEHAVIOR. Also the one rule of which behaviors need a dead-letter queue at all.
 */

import {
  classifyFailure,
  failedLookup,
  type LookupFailed,
  type LookupOutcome,
} from '../lookup/index.js';
import { type ErrorBehavior, needsDeadLetterQueue } from '../settings/index.js';

/** A message that cannot be looked up (not JSON, no Identifier...): a final 400. */
export type PoisonMessage = Omit<LookupFailed, 'kind'> & { readonly kind: 'poison' };

/** A message not started because the invocation was running out of time: a transient 504. */
export type NotStarted = Omit<LookupFailed, 'kind'> & { readonly kind: 'notStarted' };

/** One typed outcome per SQS message. Every kind but `found` carries its failure as data. */
export type MessageOutcome = LookupOutcome | PoisonMessage | NotStarted;

export function poisonMessage(message: string): PoisonMessage {
  return { ...failedLookup({ statusCode: 400, message, retryable: false }), kind: 'poison' };
}

export function notStarted(): NotStarted {
  return { ...failedLookup(classifyFailure({ kind: 'deadline' })), kind: 'notStarted' };
}

/** What happens to one SQS message after its lookup. */
export type RowDisposition =
  /** Leave the message on the queue (batch item failure); SQS delivers it again. */
  | { readonly kind: 'retry' }
  /** Done: write the row (if `writeRow`), move the message to the DLQ (if `deadLetter`), delete it. */
  | { readonly kind: 'final'; readonly writeRow: boolean; readonly deadLetter: boolean };

/**
 * The batch policy: transient failures go back to the queue while attempts remain; the last
 * allowed attempt and every non-transient failure are final, handled per error behavior.
 */
export function rowDisposition(
  outcome: MessageOutcome,
  behavior: ErrorBehavior,
  receiveCount: number,
  maxReceiveCount: number,
): RowDisposition {
  if (outcome.kind === 'found') return { kind: 'final', writeRow: true, deadLetter: false };
  if (outcome.failure.retryable && receiveCount < maxReceiveCount) return { kind: 'retry' };
  const writeRow = behavior !== 'FailWithoutResponse';
  return { kind: 'final', writeRow, deadLetter: needsDeadLetterQueue(behavior) };
}
