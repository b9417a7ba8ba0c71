/**
 * The file batch function: one child execution of the distributed map, one batch of rows. A row
 * with a transient failure gets further rounds while the time allows; its last answer is final.
 * The rows are written as one part, whole, keyed by the batch's first index, so a retried batch
 * replaces its own part and never adds one. Rows that never got a request in time are kept for
 * the next attempt: the done rows go to a progress object and the batch fails with
 * BatchUnfinished, so the state machine retries only the rest. A batch whose part exists already
 * (its answer was lost) does nothing. Never a line without its result, never a result twice.
 */

import { type BatchDeps, lookupRows, reportBatch } from '../batches/index.js';
import { failedLookup, type LookupOutcome, loggableMessage } from '../lookup/index.js';
import { type BatchContext, deadlineFrom } from '../platform/index.js';
import type { ErrorBehavior } from '../settings/index.js';
import { type PartLine, partText, readPartText } from './parts.js';
import { fileRecord, fileRowResult, readFileRow, resultsLine } from './rows.js';
import type { BatchDone, BatchEvent, BatchItem } from './steps.js';
import { FileReadError, type FileStore } from './store.js';
import {
  FILE_ERRORS,
  isRunId,
  PART_WRITE_RESERVE_MS,
  partKeyFor,
  partsPrefixFor,
  progressKeyFor,
  ROUND_WAITS_MS,
  ROW_ROUNDS,
} from './workflow.js';

/** Thrown when rows never got a request in time: the state machine retries the batch. */
export class BatchUnfinishedError extends Error {
  override readonly name = FILE_ERRORS.batchUnfinished;
}

interface FileBatchDeps extends BatchDeps {
  readonly store: FileStore;
  readonly errorBehavior: ErrorBehavior;
  /** Default PART_WRITE_RESERVE_MS. */
  readonly writeReserveMs?: number;
  /** The waits between rounds (default ROUND_WAITS_MS; tests shorten them). */
  readonly roundWaitsMs?: readonly number[];
  readonly sleep: (ms: number) => Promise<void>;
}

export type FileBatchHandler = (event: BatchEvent, context: BatchContext) => Promise<BatchDone>;

/** The batch's input, checked: a malformed event is our bug, never a row's. */
function checkedEvent(event: BatchEvent): BatchEvent {
  const input = event?.BatchInput;
  const items = event?.Items;
  const valid =
    Array.isArray(items) &&
    items.length > 0 &&
    items.every((item) => Number.isInteger(item?.index) && item.index >= 0) &&
    isRunId(input?.runId) &&
    (input.format === 'csv' || input.format === 'jsonl') &&
    Array.isArray(input.columns) &&
    input.partsPrefix === partsPrefixFor(input.runId);
  if (!valid) throw new Error('The batch event is not one of the file workflow’s batches');
  return event;
}

interface RowAnswer {
  readonly outcome: LookupOutcome;
  readonly identifier: unknown;
  readonly extras: Readonly<Record<string, unknown>>;
}

export function createFileBatchHandler(deps: FileBatchDeps): FileBatchHandler {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const waits = deps.roundWaitsMs ?? ROUND_WAITS_MS;

  return async (raw, context) => {
    const startedAt = now();
    const event = checkedEvent(raw);
    const { runId, format, columns, partsPrefix } = event.BatchInput;
    const items = [...event.Items].sort((a, b) => a.index - b.index);
    const first = (items[0] as BatchItem).index;
    const partKey = partKeyFor(partsPrefix, first);
    const progressKey = progressKeyFor(runId, first);

    if ((await deps.store.describe(partKey)) !== null) {
      log?.info('Batch already written', { runId, first, rows: items.length });
      return { rows: items.length };
    }
    const done = new Map<number, PartLine>();
    const wanted = new Set(items.map((item) => item.index));
    try {
      for (const line of readPartText(await deps.store.getText(progressKey), progressKey)) {
        if (wanted.has(line.i)) done.set(line.i, line);
      }
    } catch (error) {
      if (!(error instanceof FileReadError && error.reason === 'missing')) throw error;
    }
    const resumed = done.size;

    const deadlineAt = deadlineFrom(context.getRemainingTimeInMillis(), startedAt, {
      marginMs: deps.marginMs,
      reserveMs: deps.writeReserveMs ?? PART_WRITE_RESERVE_MS,
    });
    const rowsByStatus: Record<string, number> = {};

    const finish = (item: BatchItem, answer: RowAnswer) => {
      const { row, failed } = fileRowResult(answer.outcome, deps.errorBehavior);
      const record = fileRecord(runId, item.index, answer.identifier, answer.extras, row);
      done.set(item.index, {
        i: item.index,
        s: row.StatusCode,
        f: failed,
        l: resultsLine(format, record, columns),
        ...(deps.budgetRate ? { r: Math.round(deps.budgetRate() * 100) / 100 } : {}),
      });
      rowsByStatus[row.StatusCode] = (rowsByStatus[row.StatusCode] ?? 0) + 1;
      if (answer.outcome.kind === 'failed' && row.StatusCode !== 404 && row.StatusCode !== 200) {
        const detail = {
          runId,
          index: item.index,
          identifier: deps.identifiers.mask(answer.identifier),
          statusCode: row.StatusCode,
        };
        if (deps.errorBehavior === 'FailWithoutResponse') {
          log?.error('Row failed for good', {
            ...detail,
            reason: loggableMessage(answer.outcome.failure.message),
          });
        } else log?.warn('Row failed for good', detail);
      }
    };

    // Rows that cannot be read are final at once; the others go to the batch engine.
    const looked: (Omit<RowAnswer, 'outcome'> & { readonly item: BatchItem })[] = [];
    for (const item of items.filter((item) => !done.has(item.index))) {
      const read = readFileRow(format, item.row);
      if (read.ok) looked.push({ item, identifier: read.identifier, extras: read.extras });
      else {
        const outcome = failedLookup({ statusCode: 400, message: read.message, retryable: false });
        finish(item, { outcome, identifier: null, extras: {} });
      }
    }
    const lookups = await lookupRows(
      looked.map(({ item, identifier }) => ({
        identifier,
        correlationId: `${runId}:${item.index}`,
      })),
      deps,
      {
        deadlineAt,
        maxInFlight: deps.maxInFlight,
        rowBudgetMs: deps.rowBudgetMs,
        roundWaitsMs: waits.slice(0, ROW_ROUNDS - 1),
        sleep: deps.sleep,
        now,
        logger: log,
      },
    );
    // A row still failing transiently without ever making a request is not looked up yet: it is
    // kept for the batch's next attempt. Every other row's answer is final.
    const unfinished: BatchItem[] = [];
    looked.forEach(({ item, identifier, extras }, at) => {
      const answer = lookups.answers[at] ?? null;
      const untried =
        answer === null ||
        (answer.kind === 'failed' &&
          answer.failure.retryable &&
          answer.attempts === 0 &&
          answer.source !== 'shared');
      if (untried) unfinished.push(item);
      else finish(item, { outcome: answer, identifier, extras });
    });

    const lines = [...done.values()].sort((a, b) => a.i - b.i);
    if (unfinished.length > 0) {
      await deps.store.put(progressKey, partText(lines), { contentType: 'application/x-ndjson' });
    } else {
      await deps.store.put(partKey, partText(lines), { contentType: 'application/x-ndjson' });
    }
    const summary = {
      rows: items.length,
      rowsByStatus,
      resultsWritten: unfinished.length === 0 ? items.length : 0,
      deadLettered: 0,
      batchItemFailures: unfinished.length,
      retried: lookups.rerun,
      notStarted: unfinished.length,
      writeFailures: 0,
      cacheHits: lookups.cacheHits,
      coalesced: lookups.coalesced,
      upstream: lookups.upstream,
      durationMs: now() - startedAt,
    };
    reportBatch(deps, summary, { runId, first, resumed });
    if (unfinished.length > 0) {
      throw new BatchUnfinishedError(
        `${unfinished.length} of ${items.length} rows could not start before the invocation's time ran out ` +
          '(no budget slot or token in time); the done rows are kept and the batch is tried again',
      );
    }
    return { rows: items.length };
  };
}
