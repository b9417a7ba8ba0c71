/**
 * `npm run batch -- rows.csv [--out results.jsonl|results.csv] [--timeout 300]`
 * `npm run batch -- rows.csv --stack <name> [--region <region>] [...]`
 * `npm run batch -- rows.csv --via-files [--out results.csv] [--timeout 300]`
 *
 * Sends the rows of a CSV or JSON Lines file through the connector's queues, waits until every
 * row is accounted for on the results queue or the dead-letter queue (matched by source message
 * id), writes one output line per input row in input order, and prints a summary
 * (local/batch-run.ts).
 *
 * Which queues: by default the local pipeline that `npm start` runs (SQS on 127.0.0.1:9324, or
 * LOCAL_SQS_PORT); it does not start one of its own: with none running it says so and exits
 * with status 2. With `--stack`, a deployed stack's queues, named by its CloudFormation outputs
 * (local/stack-queues.ts), with the caller's AWS credentials; messages of other senders on its
 * results and dead-letter queues are left for them.
 *
 * With `--via-files`, the file goes through the bulk file workflow of `npm start` instead
 * (local/batch-files.ts): uploaded to its local bucket under input/, run by its local runner,
 * the results downloaded from output/; the exit status is 1 unless the run succeeded.
 */

import { realpathSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadLocalRunSettings } from '../functions/settings/config.js';
import { NoFilesBucketError, runViaFiles, type ViaFilesSummary } from './batch-files.js';
import { type BatchRunSummary, runThroughQueues } from './batch-run.js';
import { DEFAULT_REGION, type PipelineQueues, QUEUE_NAMES } from './queue-pipeline.js';
import { readRows } from './rows-io.js';
import { StackQueuesError, type StackQueuesOptions, stackQueues } from './stack-queues.js';

export type { ViaFilesSummary } from './batch-files.js';
export type { BatchRunSummary } from './batch-run.js';
export { NoFilesBucketError, StackQueuesError };

export interface BatchRunOptions {
  readonly file: string;
  /** Default: next to the input, `<name>.results.jsonl`. */
  readonly out?: string;
  /** Local mode: default http://127.0.0.1:9324 (LOCAL_SQS_PORT). */
  readonly sqsEndpoint?: string;
  /** Local mode: default us-east-1. Deployed mode: default the SDK's (AWS_REGION, profile). */
  readonly region?: string;
  /** Deployed mode: the connector stack whose queues to use. */
  readonly stack?: string;
  /** Deployed mode: see StackQueuesOptions (tests point these at stand-ins). */
  readonly cloudFormationEndpoint?: StackQueuesOptions['cloudFormationEndpoint'];
  readonly credentials?: StackQueuesOptions['credentials'];
  /** Give up waiting after this long. Default 300 s. */
  readonly timeoutMs?: number;
  /** 'bar' (a TTY), 'lines' (plain progress lines) or 'none'. */
  readonly progress?: 'bar' | 'lines' | 'none';
  /** Where text goes. Default stdout. */
  readonly print?: (line: string) => void;
  /** Through the local file workflow (the bucket of `npm start`) instead of the queues. */
  readonly viaFiles?: boolean;
  /** `viaFiles`: the local S3. Default the local SQS endpoint of `npm start` (it speaks S3 too). */
  readonly s3Endpoint?: string;
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

/** The queues of the local pipeline of `npm start`, found by name. */
async function localQueues(
  options: BatchRunOptions,
): Promise<{ client: SQSClient; queues: PipelineQueues }> {
  const port = loadLocalRunSettings(process.env).localSqsPort;
  const sqsEndpoint = options.sqsEndpoint ?? `http://127.0.0.1:${port}`;
  const client = new SQSClient({
    region: options.region ?? DEFAULT_REGION,
    endpoint: sqsEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const queueUrl = async (name: string) => {
    try {
      const answer = await client.send(new GetQueueUrlCommand({ QueueName: name }));
      return answer.QueueUrl as string;
    } catch (error) {
      client.destroy();
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
  return { client, queues };
}

export async function runBatch(options: BatchRunOptions): Promise<BatchRunSummary> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (options.viaFiles) return runBatchViaFiles(options, print);
  const rows = await readRows(options.file);
  const { client, queues } =
    options.stack === undefined
      ? await localQueues(options)
      : await stackQueues({
          stackName: options.stack,
          ...(options.region === undefined ? {} : { region: options.region }),
          ...(options.cloudFormationEndpoint === undefined
            ? {}
            : { cloudFormationEndpoint: options.cloudFormationEndpoint }),
          ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        });
  if (options.stack !== undefined) print(`stack ${options.stack}: rows go to ${queues.input}`);
  try {
    return await runThroughQueues({
      client,
      queues,
      rows,
      out: options.out ?? defaultOut(options.file),
      timeoutMs: options.timeoutMs ?? 300_000,
      progress: options.progress ?? (process.stdout.isTTY ? 'bar' : 'lines'),
      print,
    });
  } finally {
    client.destroy();
  }
}

/** `--via-files`: through the file workflow of `npm start`. */
function runBatchViaFiles(
  options: BatchRunOptions,
  print: (line: string) => void,
): Promise<ViaFilesSummary> {
  if (options.stack !== undefined) {
    throw new Error('--via-files runs through the local bucket of `npm start`; drop --stack');
  }
  const port = loadLocalRunSettings(process.env).localSqsPort;
  return runViaFiles({
    file: options.file,
    ...(options.out === undefined ? {} : { out: options.out }),
    s3Endpoint: options.s3Endpoint ?? `http://127.0.0.1:${port}`,
    timeoutMs: options.timeoutMs ?? 300_000,
    print,
  });
}

const USAGE =
  'Usage: npm run batch -- <rows.csv|rows.jsonl> [--out results.jsonl|results.csv] [--timeout seconds] [--stack <name> [--region <region>] | --via-files]';

function parseArgs(argv: readonly string[]): BatchRunOptions {
  let file: string | undefined;
  let out: string | undefined;
  let timeoutMs: number | undefined;
  let stack: string | undefined;
  let region: string | undefined;
  let viaFiles = false;
  const valueAfter = (i: number, flag: string) => {
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--out' || arg === '-o') out = valueAfter(i++, arg);
    else if (arg.startsWith('--out=')) out = arg.slice(6);
    else if (arg === '--timeout') timeoutMs = Number(valueAfter(i++, arg)) * 1000;
    else if (arg === '--stack') stack = valueAfter(i++, arg);
    else if (arg.startsWith('--stack=')) stack = arg.slice(8);
    else if (arg === '--region') region = valueAfter(i++, arg);
    else if (arg.startsWith('--region=')) region = arg.slice(9);
    else if (arg === '--via-files') viaFiles = true;
    else if (arg === '--help' || arg === '-h') file = undefined;
    else if (file === undefined) file = arg;
    else throw new Error(`Unexpected argument ${JSON.stringify(arg)}`);
  }
  if (file === undefined) throw new Error(USAGE);
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new Error('--timeout must be a number of seconds');
  if (region !== undefined && stack === undefined) throw new Error('--region goes with --stack');
  return {
    file,
    ...(out ? { out } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(stack ? { stack } : {}),
    ...(region ? { region } : {}),
    ...(viaFiles ? { viaFiles } : {}),
  };
}

/** 1 when rows are missing, or (via files) when the run did not succeed. */
export function exitStatusOf(summary: BatchRunSummary | ViaFilesSummary): number {
  if (summary.missing > 0) return 1;
  if ('run' in summary && summary.run?.status !== 'succeeded') return 1;
  return 0;
}

async function main(): Promise<void> {
  try {
    const summary = await runBatch(parseArgs(process.argv.slice(2)));
    process.exitCode = exitStatusOf(summary);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    const noQueues =
      error instanceof NoPipelineError ||
      error instanceof StackQueuesError ||
      error instanceof NoFilesBucketError;
    process.exitCode = noQueues ? 2 : 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) await main();
