/**
 * The file batch function's work: one child execution of the distributed map, one batch of rows.
 * Each row is looked up through the same core and directory as the SQS function (shared budget,
 * batch lane); a row with a transient failure gets further rounds while the invocation's time
 * allows, then its last answer is its final error row (ERROR_BEHAVIOR decides what that row
 * holds, core/file-rows.ts). The batch's rows are written as one part, whole (one PutObject),
 * keyed by the batch's first index, so a retried batch replaces its own part and never adds one.
 *
 * A batch whose time runs out with rows that never got a request (no budget slot, or no time)
 * keeps its done rows in a progress object and fails with BatchUnfinished; the state machine
 * retries it, and the retry looks up only the rest. A batch whose part exists already (its
 * answer was lost) does nothing. Never a line without its result, never a result twice.
 */

import type { BatchMetrics } from '../batches/metrics.js';
import { runBounded } from '../batches/pool.js';
import { type IdentifierParser, loggableMessage } from '../lookup/identifier.js';
import type { AnswerSource, ContactDirectory } from '../lookup/lookup.js';
import { failedLookup, type LookupOutcome, lookupContact } from '../lookup/lookup.js';
import type { UpstreamSummary } from '../lookup/upstream-stats.js';
import { EMPTY_UPSTREAM } from '../lookup/upstream-stats.js';
import { type BatchContext, deadlineFrom } from '../platform/deadline.js';
import { errorName } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { ErrorBehavior } from '../settings/error-behavior.js';
import { type PartLine, partText, readPartText } from './parts.js';
import { resultsLine } from './results.js';
import { fileRecord, fileRowResult, readFileRow } from './rows.js';
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

export interface FileBatchDeps {
  readonly directory: ContactDirectory;
  readonly identifiers: IdentifierParser;
  readonly store: FileStore;
  readonly errorBehavior: ErrorBehavior;
  /** Rows in flight at once (waiting for a budget slot or for respond.io). */
  readonly maxInFlight: number;
  /** A row starts only while at least this much time is left before the deadline. */
  readonly rowBudgetMs: number;
  /** Default PART_WRITE_RESERVE_MS. */
  readonly writeReserveMs?: number;
  /** Safety margin before the Lambda timeout (default core/deadline's). */
  readonly marginMs?: number;
  /** The waits between rounds (default ROUND_WAITS_MS; tests shorten them). */
  readonly roundWaitsMs?: readonly number[];
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger?: Logger;
  readonly metrics?: BatchMetrics;
  readonly upstream?: { take(): UpstreamSummary };
  /** The respond.io rate the budget allows now (the learned rate), requests/s. */
  readonly budgetRate?: () => number;
  readonly now?: () => number;
}

export type { BatchContext };

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
  /** Requests this row made in this round (0: rejected, shared, cached, or never started). */
  readonly attempts: number;
  readonly source: AnswerSource | null;
}

export function createFileBatchHandler(deps: FileBatchDeps): FileBatchHandler {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const waits = deps.roundWaitsMs ?? ROUND_WAITS_MS;
  const maxInFlight = Math.max(1, Math.floor(deps.maxInFlight));

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
      ...(deps.marginMs === undefined ? {} : { marginMs: deps.marginMs }),
      reserveMs: deps.writeReserveMs ?? PART_WRITE_RESERVE_MS,
    });
    const rowsByStatus: Record<string, number> = {};
    let cacheHits = 0;
    let coalesced = 0;
    let retried = 0;

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

    async function answerRow(item: BatchItem): Promise<RowAnswer> {
      const read = readFileRow(format, item.row);
      if (!read.ok) {
        const outcome = failedLookup({ statusCode: 400, message: read.message, retryable: false });
        return { outcome, identifier: null, extras: {}, attempts: 0, source: null };
      }
      const base = { identifier: read.identifier, extras: read.extras };
      if (deadlineAt - now() < deps.rowBudgetMs) {
        const outcome = failedLookup({ statusCode: 504, message: 'Not started', retryable: true });
        return { ...base, outcome, attempts: 0, source: null };
      }
      try {
        const result = await lookupContact(read.identifier, deps, {
          deadlineAt,
          correlationId: `${runId}:${item.index}`,
        });
        return { ...base, outcome: result, attempts: result.attempts, source: result.source };
      } catch (error) {
        // A bug of ours, not the row's: the row is tried again like a transient failure.
        log?.error('Lookup threw unexpectedly', {
          runId,
          index: item.index,
          errorName: errorName(error),
        });
        const outcome = failedLookup({
          statusCode: 500,
          message: 'Internal error during the lookup',
          retryable: true,
        });
        return { ...base, outcome, attempts: 0, source: null };
      }
    }

    /** The latest answer of each row that has made a request (its final row if time runs out). */
    const tried = new Map<number, RowAnswer>();
    let pending = items.filter((item) => !done.has(item.index));
    for (let round = 0; round < ROW_ROUNDS && pending.length > 0; round += 1) {
      if (round > 0) {
        const waitMs = waits[Math.min(round - 1, waits.length - 1)] ?? 0;
        if (deadlineAt - now() < waitMs + deps.rowBudgetMs) break;
        await deps.sleep(waitMs);
        retried += pending.length;
      }
      const answers: RowAnswer[] = new Array(pending.length);
      const inRound = pending;
      await runBounded(inRound.length, maxInFlight, async (at) => {
        answers[at] = await answerRow(inRound[at] as BatchItem);
      });
      const again: BatchItem[] = [];
      pending.forEach((item, at) => {
        const answer = answers[at] as RowAnswer;
        if (answer.source === 'cache') cacheHits += 1;
        if (answer.source === 'shared') coalesced += 1;
        const transient = answer.outcome.kind === 'failed' && answer.outcome.failure.retryable;
        if (!transient) {
          finish(item, answer);
          return;
        }
        if (answer.attempts > 0 || answer.source === 'shared') tried.set(item.index, answer);
        again.push(item);
      });
      pending = again;
    }
    // Rows that made requests and still fail transiently: their last answer is final. Rows
    // that never made one are not looked up yet: kept for the batch's next attempt.
    const unfinished: BatchItem[] = [];
    for (const item of pending) {
      const answer = tried.get(item.index);
      if (answer === undefined) unfinished.push(item);
      else finish(item, answer);
    }

    const lines = [...done.values()].sort((a, b) => a.i - b.i);
    if (unfinished.length > 0) {
      await deps.store.put(progressKey, partText(lines), { contentType: 'application/x-ndjson' });
    } else {
      await deps.store.put(partKey, partText(lines), { contentType: 'application/x-ndjson' });
    }
    const upstream = deps.upstream?.take() ?? EMPTY_UPSTREAM;
    const durationMs = now() - startedAt;
    log?.info('Batch done', {
      runId,
      first,
      rows: items.length,
      resumed,
      rowsByStatus,
      unfinished: unfinished.length,
      retried,
      cacheHits,
      coalesced,
      upstreamRequests: upstream.requests,
      upstream429: upstream.throttled,
      durationMs,
    });
    try {
      deps.metrics?.publish({
        rows: items.length,
        rowsByStatus,
        resultsWritten: unfinished.length === 0 ? items.length : 0,
        deadLettered: 0,
        batchItemFailures: unfinished.length,
        retried,
        notStarted: unfinished.length,
        writeFailures: 0,
        cacheHits,
        coalesced,
        upstream,
        durationMs,
      });
    } catch (error) {
      log?.warn('Metrics could not be published', { errorName: errorName(error) });
    }
    if (unfinished.length > 0) {
      throw new BatchUnfinishedError(
        `${unfinished.length} of ${items.length} rows could not start before the invocation's time ran out ` +
          '(no budget slot or token in time); the done rows are kept and the batch is tried again',
      );
    }
    return { rows: items.length };
  };
}
