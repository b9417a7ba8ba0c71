/**
 * `npm run batch -- rows.csv [--out results.jsonl|results.csv] [--timeout 300]`
 *
 * Sends the rows of a CSV or JSON Lines file through the local SQS pipeline that `npm start` runs
 * (SQS on 127.0.0.1:9324, or LOCAL_SQS_PORT), waits until every row is accounted for on the
 * results queue or the dead-letter queue (matched by source message id), writes one output line
 * per input row in input order, and prints a summary. It does not start a pipeline of its own:
 * with none running it says so and exits with status 2.
 */

import { realpathSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { sendMessagesInBatches } from '../functions/adapters/sqs-sinks.js';
import { loadLocalRunSettings } from '../functions/core/config.js';
import { OUTPUT_COLUMNS } from '../functions/core/contact-row.js';
import { DEFAULT_REGION, QUEUE_NAMES } from './queue-pipeline.js';
import { type InputRow, type OutputRecord, readRows, writeRecords } from './rows-io.js';

export interface BatchRunOptions {
  readonly file: string;
  /** Default: next to the input, `<name>.results.jsonl`. */
  readonly out?: string;
  /** Default http://127.0.0.1:9324 (LOCAL_SQS_PORT). */
  readonly sqsEndpoint?: string;
  readonly region?: string;
  /** Give up waiting after this long. Default 300 s. */
  readonly timeoutMs?: number;
  /** 'bar' (a TTY), 'lines' (plain progress lines) or 'none'. */
  readonly progress?: 'bar' | 'lines' | 'none';
  /** Where text goes. Default stdout. */
  readonly print?: (line: string) => void;
}

export interface BatchRunSummary {
  readonly rows: number;
  readonly found: number;
  readonly notFound: number;
  readonly otherErrors: number;
  readonly deadLettered: number;
  /** Rows that could not be sent or were not accounted for before the timeout. */
  readonly missing: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  readonly out: string;
}

export class NoPipelineError extends Error {
  override readonly name = 'NoPipelineError';
}

function defaultOut(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.results.jsonl`);
}

function isConnectionRefused(error: unknown): boolean {
  const text =
    error instanceof Error
      ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code)}`
      : '';
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|socket hang up/i.test(text);
}

interface DeadLetter {
  readonly statusCode: number | null;
  readonly reason: string | null;
  readonly body: string;
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

export async function runBatch(options: BatchRunOptions): Promise<BatchRunSummary> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const port = loadLocalRunSettings(process.env).localSqsPort;
  const sqsEndpoint = options.sqsEndpoint ?? `http://127.0.0.1:${port}`;
  const out = options.out ?? defaultOut(options.file);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const rows: InputRow[] = await readRows(options.file);
  const inputColumns = [...new Set(rows.flatMap((row) => Object.keys(row)))];

  const client = new SQSClient({
    region: options.region ?? DEFAULT_REGION,
    endpoint: sqsEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const queueUrl = async (name: string) => {
      try {
        const answer = await client.send(new GetQueueUrlCommand({ QueueName: name }));
        return answer.QueueUrl as string;
      } catch (error) {
        if (isConnectionRefused(error)) {
          throw new NoPipelineError(
            `No local SQS pipeline is listening on ${sqsEndpoint}. Start it with \`npm start\` in another terminal, then run this command again.`,
          );
        }
        throw new NoPipelineError(
          `The SQS server on ${sqsEndpoint} has no queue ${name}: is it the pipeline of \`npm start\`?`,
        );
      }
    };
    const queues = {
      input: await queueUrl(QUEUE_NAMES.input),
      results: await queueUrl(QUEUE_NAMES.results),
      deadLetter: await queueUrl(QUEUE_NAMES.deadLetter),
    };

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

    const results = new Map<string, OutputRecord>();
    const deadLetters = new Map<string, DeadLetter>();
    const accounted = () =>
      [...indexById.keys()].filter((id) => results.has(id) || deadLetters.has(id)).length;

    const mode = options.progress ?? (process.stdout.isTTY ? 'bar' : 'lines');
    const bar =
      mode === 'bar'
        ? new cliProgress.SingleBar(
            {
              format: 'rows {bar} {value}/{total} | {percentage}% | {duration}s',
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    bar?.start(indexById.size, 0);
    let lastLinePercent = -1;
    const showProgress = () => {
      const done = accounted();
      bar?.update(done);
      if (mode === 'lines') {
        const percent = indexById.size === 0 ? 100 : Math.floor((done / indexById.size) * 10) * 10;
        if (percent > lastLinePercent) {
          lastLinePercent = percent;
          print(`progress: ${done}/${indexById.size} rows (${percent}%)`);
        }
      }
    };
    showProgress();

    const take = async (url: string, wait: number): Promise<Message[]> => {
      const answer = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: wait,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
        }),
      );
      const mine = (answer.Messages ?? []).filter((message) => {
        const id =
          message.MessageAttributes?.SourceMessageId?.StringValue ?? message.MessageId ?? '';
        return indexById.has(id);
      });
      if (mine.length > 0) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: mine.map((message, index) => ({
              Id: `d${index}`,
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
      return mine;
    };
    const readDeadLetters = (messages: Message[]) => {
      for (const message of messages) {
        const attributes = message.MessageAttributes ?? {};
        const id = attributes.SourceMessageId?.StringValue ?? message.MessageId ?? '';
        const status = Number(attributes.StatusCode?.StringValue);
        deadLetters.set(id, {
          statusCode: Number.isFinite(status) ? status : null,
          reason: attributes.Reason?.StringValue ?? null,
          body: message.Body ?? '',
        });
      }
    };

    const deadline = startedAt + timeoutMs;
    while (accounted() < indexById.size && Date.now() < deadline) {
      const [fromResults, fromDeadLetters] = await Promise.all([
        take(queues.results, 1),
        take(queues.deadLetter, 0),
      ]);
      for (const message of fromResults) {
        const body = JSON.parse(message.Body ?? '{}') as OutputRecord;
        results.set(String(body.SourceMessageId), body);
      }
      readDeadLetters(fromDeadLetters);
      showProgress();
    }
    // A dead-letter move follows its result row within the same invocation: one last look.
    readDeadLetters(await take(queues.deadLetter, 1));
    bar?.stop();
    const elapsedMs = Date.now() - startedAt;

    const records: OutputRecord[] = [];
    let found = 0;
    let notFound = 0;
    let otherErrors = 0;
    let missing = sent.failed.length;
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
      if (record.StatusCode === 200) found += 1;
      else if (record.StatusCode === 404) notFound += 1;
      else otherErrors += 1;
    }
    await writeRecords(out, records, inputColumns);

    const summary: BatchRunSummary = {
      rows: rows.length,
      found,
      notFound,
      otherErrors,
      deadLettered: deadLetters.size,
      missing,
      elapsedMs,
      rowsPerSecond: elapsedMs > 0 ? (records.length / elapsedMs) * 1000 : 0,
      out,
    };
    print('');
    print(`rows          ${summary.rows}`);
    print(`found         ${summary.found}`);
    print(`not found     ${summary.notFound}`);
    print(`other errors  ${summary.otherErrors}`);
    print(`dead-lettered ${summary.deadLettered}`);
    if (summary.missing > 0) print(`missing       ${summary.missing} (not accounted for in time)`);
    print(`elapsed       ${(elapsedMs / 1000).toFixed(1)} s`);
    print(`rows/s        ${summary.rowsPerSecond.toFixed(1)}`);
    print(`results       ${out}`);
    return summary;
  } finally {
    client.destroy();
  }
}

function parseArgs(argv: readonly string[]): BatchRunOptions {
  let file: string | undefined;
  let out: string | undefined;
  let timeoutMs: number | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--out' || arg === '-o') out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice(6);
    else if (arg === '--timeout') timeoutMs = Number(argv[++i]) * 1000;
    else if (arg === '--help' || arg === '-h') file = undefined;
    else if (file === undefined) file = arg;
    else throw new Error(`Unexpected argument ${JSON.stringify(arg)}`);
  }
  if (file === undefined) {
    throw new Error(
      'Usage: npm run batch -- <rows.csv|rows.jsonl> [--out results.jsonl|results.csv] [--timeout seconds]',
    );
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new Error('--timeout must be a number of seconds');
  return { file, ...(out ? { out } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
}

async function main(): Promise<void> {
  try {
    const summary = await runBatch(parseArgs(process.argv.slice(2)));
    process.exitCode = summary.missing > 0 ? 1 : 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof NoPipelineError ? 2 : 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) await main();
