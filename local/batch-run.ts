/**
 * One run of the batch command through a set of queues, local or deployed alike: sends the rows
 * to the input queue, takes this run's result and dead-letter messages as they arrive (matched
 * by source message id; other senders' are left on the queues, see batch-collector.ts), writes
 * one output line per input row in input order, deletes this run's messages only then, and
 * prints the summary. Cache hits and shared requests are counted from the messages' LookupSource
 * attribute (the rows themselves carry no such field).
 */

import type { SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { OUTPUT_COLUMNS } from '../functions/lookup/row.js';
import { sendMessagesInBatches } from '../functions/queue/sqs-sinks.js';
import { createQueueCollector, type TakenMessage } from './batch-collector.js';
import type { PipelineQueues } from './queue-pipeline.js';
import { type InputRow, type OutputRecord, writeRecords } from './rows-io.js';

export interface BatchRunSummary {
  readonly rows: number;
  readonly found: number;
  readonly notFound: number;
  readonly otherErrors: number;
  readonly deadLettered: number;
  /** Rows answered from the function's contact cache (their LookupSource attribute). */
  readonly cacheHits: number;
  /** Rows answered by the request another row of the same identifier had in flight. */
  readonly coalesced: number;
  /** Rows whose messages told how they were answered (0 from a function that does not). */
  readonly withLookupSource: number;
  /**
   * The respond.io rate the budget allowed while this run's rows were done (their `BudgetRate`
   * attribute), lowest and highest, requests/s; null when no message said.
   */
  readonly budgetRate: { readonly lowest: number; readonly highest: number } | null;
  /** Rows that could not be sent or were not accounted for before the timeout. */
  readonly missing: number;
  /** Messages of other senders seen on the results and dead-letter queues, left for them. */
  readonly othersLeft: number;
  /** Messages of this run that could not be deleted after the output was written. */
  readonly notDeleted: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  readonly out: string;
}

export interface QueueRunOptions {
  readonly client: SQSClient;
  readonly queues: PipelineQueues;
  readonly rows: readonly InputRow[];
  readonly out: string;
  readonly timeoutMs: number;
  readonly progress: 'bar' | 'lines' | 'none';
  readonly print: (line: string) => void;
}

interface DeadLetter {
  readonly statusCode: number | null;
  readonly reason: string | null;
  readonly body: string;
  readonly lookupSource: string | null;
}

/** The BudgetRate attribute the SQS function puts on result messages, or null. */
function budgetRateOf(message: TakenMessage['message']): number | null {
  const rate = Number(message.MessageAttributes?.BudgetRate?.StringValue ?? Number.NaN);
  return Number.isFinite(rate) ? rate : null;
}

/** The LookupSource attribute the SQS function puts on result and dead-letter messages. */
function lookupSourceOf(message: TakenMessage['message']): string | null {
  return message.MessageAttributes?.LookupSource?.StringValue ?? null;
}

function deadLetterRecord(id: string, dead: DeadLetter): OutputRecord {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(dead.body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      parsed = value as Record<string, unknown>;
    }
  } catch {
    // A poison message: keep the columns empty.
  }
  const { Identifier, ...input } = parsed;
  const row: Record<string, unknown> = {};
  for (const column of OUTPUT_COLUMNS) row[column] = null;
  return {
    SourceMessageId: id,
    Identifier: Identifier ?? null,
    ...row,
    StatusCode: dead.statusCode,
    Message: dead.reason ?? 'Moved to the dead-letter queue by SQS (too many receives)',
    Input: input,
    DeadLettered: true,
  };
}

function deadLetterOf({ message }: TakenMessage): DeadLetter {
  const attributes = message.MessageAttributes ?? {};
  const status = Number(attributes.StatusCode?.StringValue);
  return {
    statusCode: Number.isFinite(status) ? status : null,
    reason: attributes.Reason?.StringValue ?? null,
    body: message.Body ?? '',
    lookupSource: lookupSourceOf(message),
  };
}

/** Progress on a terminal (a bar), as plain lines every 10%, or not at all. */
function progressReporter(
  mode: QueueRunOptions['progress'],
  total: number,
  print: (line: string) => void,
) {
  const bar =
    mode === 'bar'
      ? new cliProgress.SingleBar(
          { format: 'rows {bar} {value}/{total} | {percentage}% | {duration}s', hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(total, 0);
  let lastLinePercent = -1;
  return {
    show(done: number) {
      bar?.update(done);
      if (mode !== 'lines') return;
      const percent = total === 0 ? 100 : Math.floor((done / total) * 10) * 10;
      if (percent > lastLinePercent) {
        lastLinePercent = percent;
        print(`progress: ${done}/${total} rows (${percent}%)`);
      }
    },
    stop: () => bar?.stop(),
  };
}

export async function runThroughQueues(options: QueueRunOptions): Promise<BatchRunSummary> {
  const { client, queues, rows, out, timeoutMs, print } = options;
  const inputColumns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const startedAt = Date.now();
  const sent = await sendMessagesInBatches(
    client,
    queues.input,
    rows.map((row, index) => ({ key: String(index), body: JSON.stringify(row) })),
    { concurrency: 8 },
  );
  const indexById = new Map<string, number>();
  sent.messageIds.forEach((id, index) => {
    if (id !== undefined) indexById.set(id, index);
  });
  if (sent.failed.length > 0) print(`${sent.failed.length} rows could not be sent.`);

  // Ours stay hidden for the rest of the run (plus a minute to write and delete them).
  const collector = createQueueCollector({
    client,
    ours: new Set(indexById.keys()),
    holdSeconds: timeoutMs / 1000 + 60,
  });
  const results = new Map<string, OutputRecord>();
  const resultSources = new Map<string, string | null>();
  const budgetRates = new Map<string, number>();
  const deadLetters = new Map<string, DeadLetter>();
  const accounted = () =>
    [...indexById.keys()].filter((id) => results.has(id) || deadLetters.has(id)).length;
  const progress = progressReporter(options.progress, indexById.size, print);
  progress.show(0);

  const deadline = startedAt + timeoutMs;
  while (accounted() < indexById.size && Date.now() < deadline) {
    const [fromResults, fromDeadLetters] = await Promise.all([
      collector.take(queues.results, 1),
      collector.take(queues.deadLetter, 0),
    ]);
    for (const { message } of fromResults) {
      const body = JSON.parse(message.Body ?? '{}') as OutputRecord;
      results.set(String(body.SourceMessageId), body);
      resultSources.set(String(body.SourceMessageId), lookupSourceOf(message));
      const rate = budgetRateOf(message);
      if (rate !== null) budgetRates.set(String(body.SourceMessageId), rate);
    }
    for (const taken of fromDeadLetters)
      deadLetters.set(taken.sourceMessageId, deadLetterOf(taken));
    progress.show(accounted());
  }
  // A dead-letter move follows its result row within the same invocation: one last look.
  for (const taken of await collector.take(queues.deadLetter, 1)) {
    deadLetters.set(taken.sourceMessageId, deadLetterOf(taken));
  }
  progress.stop();
  const elapsedMs = Date.now() - startedAt;

  const records: OutputRecord[] = [];
  let found = 0;
  let notFound = 0;
  let otherErrors = 0;
  let missing = sent.failed.length;
  const sources = { cache: 0, shared: 0, known: 0 };
  for (const [id] of [...indexById.entries()].sort((a, b) => a[1] - b[1])) {
    const result = results.get(id);
    const dead = deadLetters.get(id);
    if (result === undefined && dead === undefined) {
      missing += 1;
      continue;
    }
    const record = result
      ? { ...result, DeadLettered: dead !== undefined }
      : deadLetterRecord(id, dead as DeadLetter);
    records.push(record);
    const source = resultSources.get(id) ?? dead?.lookupSource ?? null;
    if (source !== null) sources.known += 1;
    if (source === 'cache') sources.cache += 1;
    if (source === 'shared') sources.shared += 1;
    if (record.StatusCode === 200) found += 1;
    else if (record.StatusCode === 404) notFound += 1;
    else otherErrors += 1;
  }
  await writeRecords(out, records, inputColumns);
  // Only now that they are in the output file: a run that stops before loses nothing.
  const notDeleted = await collector.deleteTaken();

  const summary: BatchRunSummary = {
    rows: rows.length,
    found,
    notFound,
    otherErrors,
    deadLettered: deadLetters.size,
    cacheHits: sources.cache,
    coalesced: sources.shared,
    withLookupSource: sources.known,
    budgetRate: rangeOf([...budgetRates.values()]),
    missing,
    othersLeft: collector.released(),
    notDeleted,
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? (records.length / elapsedMs) * 1000 : 0,
    out,
  };
  printSummary(summary, print);
  return summary;
}

/** The lowest and highest of `rates`, or null for none. */
export function rangeOf(rates: readonly number[]): BatchRunSummary['budgetRate'] {
  return rates.length === 0 ? null : { lowest: Math.min(...rates), highest: Math.max(...rates) };
}

/** The summary lines of a run (the queues' and the files' alike). */
export function printSummary(summary: BatchRunSummary, print: (line: string) => void): void {
  print('');
  print(`rows          ${summary.rows}`);
  print(`found         ${summary.found}`);
  print(`not found     ${summary.notFound}`);
  print(`other errors  ${summary.otherErrors}`);
  print(`dead-lettered ${summary.deadLettered}`);
  if (summary.withLookupSource > 0) {
    // Rows answered without a request of their own: from the cache, or sharing another row's.
    print(`cache hits    ${summary.cacheHits}`);
    print(`shared        ${summary.coalesced} (answered by another row's request)`);
  }
  if (summary.budgetRate !== null) {
    const { lowest, highest } = summary.budgetRate;
    const range = lowest === highest ? `${lowest}` : `${lowest}–${highest}`;
    print(
      `budget rate   ${range} requests/s (what the budget allowed while this run's rows were done)`,
    );
  }
  if (summary.missing > 0) print(`missing       ${summary.missing} (not accounted for in time)`);
  if (summary.othersLeft > 0) {
    print(`left alone    ${summary.othersLeft} messages of other senders (made visible again)`);
  }
  if (summary.notDeleted > 0) {
    print(`not deleted   ${summary.notDeleted} of this run's messages (they reappear later)`);
  }
  print(`elapsed       ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  print(`rows/s        ${summary.rowsPerSecond.toFixed(1)}`);
  print(`results       ${summary.out}`);
}
