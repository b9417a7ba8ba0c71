/**
 * The SQS batch function's logic: each record is one input row; rows run concurrently inside the
 * container's rate budget, each ends as a result row, a dead-letter move, or a batch item failure
 * (SQS delivers it again). Per-row errors never throw out of the handler; the adapters (results
 * queue, dead-letter queue, respond.io directory) are injected.
 */

import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { errorRow } from '../core/contact-row.js';
import { deadlineFrom } from '../core/deadline.js';
import {
  type ErrorBehavior,
  type RowDisposition,
  type RowOutcome,
  rowDisposition,
} from '../core/error-behavior.js';
import { classifyFailure } from '../core/failure.js';
import { loggableMessage, maskIdentifierText } from '../core/identifier.js';
import { lookupContact } from '../core/lookup.js';
import type {
  BatchMetrics,
  BatchSummary,
  ContactDirectory,
  DeadLetterMove,
  DeadLetterSink,
  Logger,
  ResultMessage,
  ResultSink,
  UpstreamSummary,
} from '../core/ports.js';
import { EMPTY_UPSTREAM } from '../core/upstream-stats.js';
import { parseInputMessage } from './input-message.js';

export interface BatchHandlerDeps {
  readonly directory: ContactDirectory;
  readonly results: ResultSink;
  /** Required unless errorBehavior is DoNotFailAndReturnResponse. */
  readonly deadLetters: DeadLetterSink | null;
  readonly errorBehavior: ErrorBehavior;
  /** The input queue's redrive maxReceiveCount: the last allowed attempt is final. */
  readonly maxReceiveCount: number;
  /** Rows in flight at once (waiting for a rate slot or for respond.io). */
  readonly maxInFlight: number;
  /** A row starts only while at least this much time is left before the lookup deadline. */
  readonly rowBudgetMs: number;
  /** Time kept at the end of the invocation for writing results and dead-letter moves. */
  readonly flushReserveMs: number;
  /** Safety margin before the Lambda timeout. Default DEADLINE_MARGIN_MS (500 ms). */
  readonly marginMs?: number;
  readonly logger?: Logger;
  readonly metrics?: BatchMetrics;
  /** Upstream request statistics for this batch (see createUpstreamStats). */
  readonly upstream?: { take(): UpstreamSummary };
  readonly now?: () => number;
}

/** The part of the Lambda context the handler reads. */
export interface BatchContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

export type SqsBatchHandler = (event: SQSEvent, context: BatchContext) => Promise<SQSBatchResponse>;

/** The outcome of one record once its lookup is over (or was never started). */
interface RowState {
  readonly record: SQSRecord;
  readonly receiveCount: number;
  readonly outcome: RowOutcome;
  readonly disposition: RowDisposition;
  readonly started: boolean;
  readonly identifier: unknown;
  readonly extras: Readonly<Record<string, unknown>>;
}

/** Chunk size of the result writes (SendMessageBatch takes 10 entries). */
const RESULT_CHUNK = 10;

function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count >= 1 ? count : 1;
}

export function createBatchHandler(deps: BatchHandlerDeps): SqsBatchHandler {
  if (deps.deadLetters === null && deps.errorBehavior !== 'DoNotFailAndReturnResponse') {
    throw new Error(`${deps.errorBehavior} needs a dead-letter queue (DEAD_LETTER_QUEUE_URL)`);
  }
  const now = deps.now ?? Date.now;
  const maxInFlight = Math.max(1, Math.floor(deps.maxInFlight));
  const log = deps.logger;

  function settle(
    record: SQSRecord,
    outcome: RowOutcome,
    started: boolean,
    identifier: unknown,
    extras: Readonly<Record<string, unknown>>,
  ): RowState {
    const receiveCount = receiveCountOf(record);
    const disposition = rowDisposition(
      outcome,
      deps.errorBehavior,
      receiveCount,
      deps.maxReceiveCount,
    );
    return { record, receiveCount, outcome, disposition, started, identifier, extras };
  }

  async function runRow(record: SQSRecord, deadlineAt: number): Promise<RowState> {
    const input = parseInputMessage(record.body ?? '');
    if (!input.ok) {
      return settle(
        record,
        { row: errorRow(400, input.message), retryable: false },
        true,
        null,
        {},
      );
    }
    try {
      const result = await lookupContact(input.identifier, deps.directory, {
        deadlineAt,
        correlationId: record.messageId,
      });
      return settle(record, result, true, input.identifier, input.extras);
    } catch (error) {
      // A bug of ours, not the row's fault: let SQS deliver the row again.
      log?.error('Lookup threw unexpectedly', {
        messageId: record.messageId,
        errorName: error instanceof Error ? error.name : typeof error,
      });
      const outcome = { row: errorRow(500, 'Internal error during the lookup'), retryable: true };
      return settle(record, outcome, true, input.identifier, input.extras);
    }
  }

  function notStarted(record: SQSRecord): RowState {
    const failure = classifyFailure({ kind: 'deadline' });
    const input = parseInputMessage(record.body ?? '');
    const outcome = { row: errorRow(failure.statusCode, failure.message), retryable: true };
    return input.ok
      ? settle(record, outcome, false, input.identifier, input.extras)
      : settle(record, outcome, false, null, {});
  }

  return async (event, context) => {
    const startedAt = now();
    const records = event.Records ?? [];
    const remainingMs = context.getRemainingTimeInMillis();
    const deadlineAt = deadlineFrom(remainingMs, startedAt, {
      ...(deps.marginMs === undefined ? {} : { marginMs: deps.marginMs }),
      reserveMs: deps.flushReserveMs,
    });

    const states: RowState[] = new Array(records.length);
    const writes: Promise<readonly string[]>[] = [];
    let pending: ResultMessage[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const chunk = pending;
      pending = [];
      writes.push(
        deps.results.send(chunk).then(
          (answer) => answer.failed,
          () => chunk.map((result) => result.sourceMessageId),
        ),
      );
    };
    const finish = (state: RowState) => {
      if (state.disposition.kind === 'final' && state.disposition.writeRow) {
        pending.push({
          sourceMessageId: state.record.messageId,
          identifier: state.identifier,
          row: state.outcome.row,
          input: state.extras,
        });
        if (pending.length >= RESULT_CHUNK) flush();
      }
    };

    // Lookups: at most maxInFlight rows at once; none starts once the deadline is too close.
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const index = next;
        next += 1;
        const record = records[index] as SQSRecord;
        const state =
          deadlineAt - now() >= deps.rowBudgetMs
            ? await runRow(record, deadlineAt)
            : notStarted(record);
        states[index] = state;
        finish(state);
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxInFlight, records.length) }, worker));
    flush();
    const resultFailures = new Set((await Promise.all(writes)).flat());

    // Dead-letter moves, only once the row (if any) is on the results queue.
    const moves: DeadLetterMove[] = [];
    for (const state of states) {
      const { disposition, record } = state;
      if (disposition.kind !== 'final' || !disposition.deadLetter) continue;
      if (disposition.writeRow && resultFailures.has(record.messageId)) continue;
      moves.push({
        sourceMessageId: record.messageId,
        body: record.body ?? '',
        reason: state.outcome.row.Message ?? `StatusCode ${state.outcome.row.StatusCode}`,
        statusCode: state.outcome.row.StatusCode,
        receiveCount: state.receiveCount,
        ...(record.eventSourceARN ? { sourceQueueArn: record.eventSourceARN } : {}),
      });
    }
    let moveFailures = new Set<string>();
    if (moves.length > 0 && deps.deadLetters !== null) {
      try {
        moveFailures = new Set((await deps.deadLetters.move(moves)).failed);
      } catch {
        moveFailures = new Set(moves.map((move) => move.sourceMessageId));
      }
    }

    // Every record ends acknowledged or as a batch item failure.
    const failures = new Set<string>();
    const rowsByStatus: Record<string, number> = {};
    let retried = 0;
    let notStartedCount = 0;
    let writeFailures = 0;
    let deadLettered = 0;
    let resultsWritten = 0;
    for (const state of states) {
      const { disposition, record, outcome } = state;
      const id = record.messageId;
      if (state.started) {
        const key = String(outcome.row.StatusCode);
        rowsByStatus[key] = (rowsByStatus[key] ?? 0) + 1;
      }
      if (disposition.kind === 'retry') {
        failures.add(id);
        if (state.started) retried += 1;
        else notStartedCount += 1;
        continue;
      }
      const rowLost = disposition.writeRow && resultFailures.has(id);
      const moveLost = disposition.deadLetter && (rowLost || moveFailures.has(id));
      if (!rowLost && disposition.writeRow) resultsWritten += 1;
      if (disposition.deadLetter && !moveLost) deadLettered += 1;
      if (rowLost || moveLost) {
        failures.add(id);
        writeFailures += 1;
        continue;
      }
      if (outcome.row.StatusCode !== 200 && outcome.row.StatusCode !== 404) {
        const detail = {
          messageId: id,
          identifier: maskIdentifierText(state.identifier),
          statusCode: outcome.row.StatusCode,
          receiveCount: state.receiveCount,
          deadLettered: disposition.deadLetter,
          rowWritten: disposition.writeRow,
        };
        if (disposition.writeRow) log?.warn('Row failed for good', detail);
        else
          log?.error('Row failed for good', {
            ...detail,
            reason: loggableMessage(outcome.row.Message),
          });
      }
    }

    const summary: BatchSummary = {
      rows: records.length,
      rowsByStatus,
      resultsWritten,
      deadLettered,
      batchItemFailures: records.filter((record) => failures.has(record.messageId)).length,
      retried,
      notStarted: notStartedCount,
      writeFailures,
      upstream: deps.upstream?.take() ?? EMPTY_UPSTREAM,
      durationMs: now() - startedAt,
    };
    log?.info('Batch done', {
      rows: summary.rows,
      rowsByStatus,
      resultsWritten,
      deadLettered,
      batchItemFailures: summary.batchItemFailures,
      retried,
      notStarted: notStartedCount,
      writeFailures,
      upstreamRequests: summary.upstream.requests,
      upstream429: summary.upstream.throttled,
      durationMs: summary.durationMs,
    });
    try {
      deps.metrics?.publish(summary);
    } catch (error) {
      log?.warn('Metrics could not be published', {
        errorName: error instanceof Error ? error.name : typeof error,
      });
    }
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
