/**
 * The SQS batch function: each record is one input row. Result rows are written in chunks as
 * rows finish; dead-letter moves follow only once the rows are written; the pure settle step
 * (settlement.ts) turns it all into the batch item failures. Per-row errors never throw out of
 * the handler.
 */

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type BatchDeps, lookupRows, type RowLookup, reportBatch } from '../batches/index.js';
import { type LookupResult, loggableMessage } from '../lookup/index.js';
import { type BatchContext, deadlineFrom } from '../platform/index.js';
import type { ErrorBehavior } from '../settings/index.js';
import { readInputRecord } from './input-message.js';
import {
  type BatchRecord,
  batchRecord,
  deadLetterMoves,
  type MessageOutcome,
  notStarted,
  poisonMessage,
  settleBatch,
  writesRow,
} from './settlement.js';
import {
  type DeadLetterMove,
  type DeadLetterSink,
  MAX_MESSAGES_PER_WRITE,
  type ResultMessage,
  type ResultSink,
} from './sinks.js';

export interface BatchHandlerDeps extends BatchDeps {
  readonly results: ResultSink;
  /** Required unless errorBehavior is DoNotFailAndReturnResponse. */
  readonly deadLetters: DeadLetterSink | null;
  readonly errorBehavior: ErrorBehavior;
  /** The input queue's redrive maxReceiveCount: the last allowed attempt is final. */
  readonly maxReceiveCount: number;
  /** Time kept at the end of the invocation for writing results and dead-letter moves, ms. */
  readonly flushReserveMs: number;
}

export type SqsBatchHandler = (event: SQSEvent, context: BatchContext) => Promise<SQSBatchResponse>;

/** Writes result rows in chunks as rows finish; `failed()` awaits every write. */
function streamingResults(sink: ResultSink) {
  const writes: Promise<readonly string[]>[] = [];
  let pending: ResultMessage[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = pending;
    pending = [];
    writes.push(
      sink.send(chunk).then(
        (answer) => answer.failed,
        () => chunk.map((result) => result.sourceMessageId),
      ),
    );
  };
  return {
    add(result: ResultMessage) {
      pending.push(result);
      if (pending.length >= MAX_MESSAGES_PER_WRITE) flush();
    },
    /** The source message ids whose rows could not be written. */
    async failed(): Promise<ReadonlySet<string>> {
      flush();
      return new Set((await Promise.all(writes)).flat());
    },
  };
}

export function createBatchHandler(deps: BatchHandlerDeps): SqsBatchHandler {
  const now = deps.now ?? Date.now;
  const log = deps.logger;

  async function moveToDeadLetters(moves: readonly DeadLetterMove[]): Promise<Set<string>> {
    if (moves.length === 0) return new Set();
    // No queue to move them to (the factory requires one when the behavior moves rows): the
    // messages stay on the input queue rather than be lost.
    if (deps.deadLetters === null) return new Set(moves.map((move) => move.sourceMessageId));
    try {
      return new Set((await deps.deadLetters.move(moves)).failed);
    } catch {
      return new Set(moves.map((move) => move.sourceMessageId));
    }
  }

  /** A warning per final failure with a row, an error without one; 404 is an ordinary answer. */
  function logFinalFailure(record: BatchRecord) {
    const { disposition, outcome } = record;
    if (outcome.kind === 'found' || disposition.kind !== 'final') return;
    const { failure } = outcome;
    if (failure.statusCode === 404) return;
    const detail = {
      messageId: record.messageId,
      identifier: deps.identifiers.mask(record.identifier),
      statusCode: failure.statusCode,
      receiveCount: record.receiveCount,
      deadLettered: disposition.deadLetter,
      rowWritten: disposition.writeRow,
    };
    if (disposition.writeRow) log?.warn('Row failed for good', detail);
    else log?.error('Row failed for good', { ...detail, reason: loggableMessage(failure.message) });
  }

  return async (event, context) => {
    const startedAt = now();
    const records = event.Records ?? [];
    const remainingMs = context.getRemainingTimeInMillis();
    const deadlineAt = deadlineFrom(remainingMs, startedAt, {
      marginMs: deps.marginMs,
      reserveMs: deps.flushReserveMs,
    });
    const policy = { errorBehavior: deps.errorBehavior, maxReceiveCount: deps.maxReceiveCount };
    const settled: BatchRecord[] = new Array(records.length);
    const results = streamingResults(deps.results);

    const inputs = records.map(readInputRecord);
    /** A row's outcome is known: its record settles, and its row (if it has one) is written. */
    const settle = (index: number, outcome: MessageOutcome, answer: LookupResult | null) => {
      const { input, facts } = inputs[index] as (typeof inputs)[number];
      const source = answer?.source ?? null;
      const entry = batchRecord(facts, outcome, policy, source);
      settled[index] = entry;
      if (!writesRow(entry)) return;
      const result: { -readonly [K in keyof ResultMessage]: ResultMessage[K] } = {
        sourceMessageId: entry.messageId,
        identifier: entry.identifier,
        row: outcome.row,
        input: input.ok ? input.extras : {},
      };
      if (source) result.lookupSource = source;
      if (deps.budgetRate) result.budgetRate = deps.budgetRate();
      results.add(result);
    };
    const looked: number[] = [];
    const rows: RowLookup[] = [];
    for (const [index, { input, facts }] of inputs.entries()) {
      if (!input.ok) settle(index, poisonMessage(input.message), null);
      else {
        looked.push(index);
        rows.push({ identifier: input.identifier, correlationId: facts.messageId });
      }
    }
    const lookups = await lookupRows(rows, deps, {
      deadlineAt,
      maxInFlight: deps.maxInFlight,
      rowBudgetMs: deps.rowBudgetMs,
      now,
      logger: log,
      onRow: (at, answer) => settle(looked[at] as number, answer ?? notStarted(), answer),
    });
    const failedResults = await results.failed();
    // Dead-letter moves, only once the row (if any) is on the results queue.
    const failedMoves = await moveToDeadLetters(deadLetterMoves(settled, failedResults));
    const settlement = settleBatch(settled, { results: failedResults, deadLetters: failedMoves });
    for (const record of settlement.finalFailures) logFinalFailure(record);

    reportBatch(deps, {
      ...settlement.counts,
      cacheHits: lookups.cacheHits,
      coalesced: lookups.coalesced,
      upstream: lookups.upstream,
      durationMs: now() - startedAt,
    });
    return {
      batchItemFailures: settlement.batchItemFailures.map((itemIdentifier) => ({ itemIdentifier })),
    };
  };
}
