/**
 * The fate of an SQS batch, pure: each message's disposition (back to the queue, or final: write
 * its row and/or move it to the dead-letter queue, per ERROR_BEHAVIOR), the dead-letter moves due
 * once the result writes are over, then the batch item failures, the acknowledged records, the
 * final failures to log and the counts, in one pass. batch.ts does the lookups and the writes.
 */

import type { BatchSummary } from '../batches/index.js';
import {
  type AnswerSource,
  classifyFailure,
  failedLookup,
  type LookupFailed,
  type LookupOutcome,
} from '../lookup/index.js';
import { type ErrorBehavior, needsDeadLetterQueue } from '../settings/index.js';
import type { DeadLetterMove } from './sinks.js';

/** A message that cannot be looked up (not JSON, no Identifier...): a final 400. */
type PoisonMessage = Omit<LookupFailed, 'kind'> & { readonly kind: 'poison' };

/** A message not started because the invocation was running out of time: a transient 504. */
type NotStarted = Omit<LookupFailed, 'kind'> & { readonly kind: 'notStarted' };

/** One typed outcome per SQS message. Every kind but `found` carries its failure as data. */
export type MessageOutcome = LookupOutcome | PoisonMessage | NotStarted;

export function poisonMessage(message: string): PoisonMessage {
  return { ...failedLookup({ statusCode: 400, message, retryable: false }), kind: 'poison' };
}

export function notStarted(): NotStarted {
  return { ...failedLookup(classifyFailure({ kind: 'deadline' })), kind: 'notStarted' };
}

export type RowDisposition =
  /** Leave the message on the queue (batch item failure); SQS delivers it again. */
  | { readonly kind: 'retry' }
  /** Done: write the row (if `writeRow`), move the message to the DLQ (if `deadLetter`), delete it. */
  | { readonly kind: 'final'; readonly writeRow: boolean; readonly deadLetter: boolean };

// The two dispositions most rows get, shared (a disposition is never changed).
const WRITE_ROW: RowDisposition = Object.freeze({
  kind: 'final',
  writeRow: true,
  deadLetter: false,
});
const RETRY: RowDisposition = Object.freeze({ kind: 'retry' });

/**
 * Transient failures go back to the queue while attempts remain; the last allowed attempt and
 * every non-transient failure are final, handled per error behavior.
 */
export function rowDisposition(
  outcome: MessageOutcome,
  behavior: ErrorBehavior,
  receiveCount: number,
  maxReceiveCount: number,
): RowDisposition {
  if (outcome.kind === 'found') return WRITE_ROW;
  if (outcome.failure.retryable && receiveCount < maxReceiveCount) return RETRY;
  const writeRow = behavior !== 'FailWithoutResponse';
  return { kind: 'final', writeRow, deadLetter: needsDeadLetterQueue(behavior) };
}

/** One record of the batch once its outcome is known. */
export interface BatchRecord {
  /** The SQS message id (stable across redeliveries). */
  readonly messageId: string;
  /** The input body, unchanged, for the dead-letter move. */
  readonly body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  readonly sourceQueueArn?: string;
  /** The Identifier as sent (null when the body had none to read), for masked log lines. */
  readonly identifier: unknown;
  readonly outcome: MessageOutcome;
  readonly disposition: RowDisposition;
  /** How the lookup was answered (own request, shared, cache); null when there was none. */
  readonly lookupSource: AnswerSource | null;
}

/** The facts of one SQS record that decide its disposition. */
export type RecordFacts = Omit<BatchRecord, 'outcome' | 'disposition' | 'lookupSource'>;

export function batchRecord(
  facts: RecordFacts,
  outcome: MessageOutcome,
  policy: { readonly errorBehavior: ErrorBehavior; readonly maxReceiveCount: number },
  lookupSource: AnswerSource | null = null,
): BatchRecord {
  const disposition = rowDisposition(
    outcome,
    policy.errorBehavior,
    facts.receiveCount,
    policy.maxReceiveCount,
  );
  // The facts' fields in their order, assigned rather than spread (one record per row).
  const { messageId, body, receiveCount, sourceQueueArn, identifier } = facts;
  return sourceQueueArn === undefined
    ? { messageId, body, receiveCount, identifier, outcome, disposition, lookupSource }
    : {
        messageId,
        body,
        receiveCount,
        sourceQueueArn,
        identifier,
        outcome,
        disposition,
        lookupSource,
      };
}

/** True when the record's row goes to the results queue. */
export function writesRow(record: BatchRecord): boolean {
  return record.disposition.kind === 'final' && record.disposition.writeRow;
}

/** A dead-letter move is due only once the row (if the record has one) is on the results queue. */
function dueForMove(record: BatchRecord, failedResults: ReadonlySet<string>): boolean {
  const { disposition } = record;
  if (disposition.kind !== 'final' || !disposition.deadLetter) return false;
  return !(disposition.writeRow && failedResults.has(record.messageId));
}

/** The dead-letter moves to make once the result writes are over; the reason is the failure's message. */
export function deadLetterMoves(
  records: readonly BatchRecord[],
  failedResults: ReadonlySet<string>,
): DeadLetterMove[] {
  const moves: DeadLetterMove[] = [];
  for (const record of records) {
    const { outcome } = record;
    // A found contact is never dead-lettered; the kind check also gives the failure's type.
    if (outcome.kind === 'found' || !dueForMove(record, failedResults)) continue;
    moves.push({
      sourceMessageId: record.messageId,
      body: record.body,
      reason: outcome.failure.message,
      statusCode: outcome.failure.statusCode,
      receiveCount: record.receiveCount,
      ...(record.sourceQueueArn ? { sourceQueueArn: record.sourceQueueArn } : {}),
      ...(record.lookupSource ? { lookupSource: record.lookupSource } : {}),
    });
  }
  return moves;
}

/** Which writes failed, by source message id. */
export interface FailedWrites {
  readonly results: ReadonlySet<string>;
  readonly deadLetters: ReadonlySet<string>;
}

/** A batch's counts: the BatchSummary without what the settle step cannot know. */
type BatchCounts = Omit<BatchSummary, 'upstream' | 'durationMs' | 'cacheHits' | 'coalesced'>;

interface Settlement {
  /** Message ids SQS delivers again, each once, in record order. */
  readonly batchItemFailures: readonly string[];
  /** Message ids of the records acknowledged (every other record), in record order. */
  readonly acknowledged: readonly string[];
  /** Acknowledged records whose outcome was a failure (error row and/or dead-letter move). */
  readonly finalFailures: readonly BatchRecord[];
  readonly counts: BatchCounts;
}

export function settleBatch(records: readonly BatchRecord[], failed: FailedWrites): Settlement {
  const failures = new Set<string>();
  const finalFailures: BatchRecord[] = [];
  const rowsByStatus: Record<string, number> = {};
  let retried = 0;
  let notStartedCount = 0;
  let writeFailures = 0;
  let deadLettered = 0;
  let resultsWritten = 0;
  for (const record of records) {
    const { disposition, outcome, messageId: id } = record;
    const started = outcome.kind !== 'notStarted';
    if (started) {
      const key = String(outcome.row.StatusCode);
      rowsByStatus[key] = (rowsByStatus[key] ?? 0) + 1;
    }
    if (disposition.kind === 'retry') {
      failures.add(id);
      if (started) retried += 1;
      else notStartedCount += 1;
      continue;
    }
    const rowLost = disposition.writeRow && failed.results.has(id);
    const moveLost = disposition.deadLetter && (rowLost || failed.deadLetters.has(id));
    if (disposition.writeRow && !rowLost) resultsWritten += 1;
    if (disposition.deadLetter && !moveLost) deadLettered += 1;
    if (rowLost || moveLost) {
      failures.add(id);
      writeFailures += 1;
      continue;
    }
    if (outcome.kind !== 'found') finalFailures.push(record);
  }
  // Reported ids are not acknowledged, whichever of their records ended well.
  const acknowledged = records.map((r) => r.messageId).filter((id) => !failures.has(id));
  return {
    batchItemFailures: [...failures],
    acknowledged,
    finalFailures,
    counts: {
      rows: records.length,
      rowsByStatus,
      resultsWritten,
      deadLettered,
      batchItemFailures: records.length - acknowledged.length,
      retried,
      notStarted: notStartedCount,
      writeFailures,
    },
  };
}
