/**
 * `npm run batch -- rows.csv --via-files`: the batch command through the file workflow of
 * `npm start` instead of its queues. Uploads the file as it is to the local bucket under
 * `input/<name>` (the watcher of `npm start` starts a run, as the stack's EventBridge rule
 * does), waits for the run's summary object (`output/<name>.summary.json`: a new run id, the
 * ETag of this upload), downloads `output/<name>.results.csv|jsonl` to the output path and
 * prints the batch command's summary lines, then the run's summary object.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { RunSummary } from '../functions/files/summary.js';
import { FILE_PREFIXES, fileFormatOf, outputKeysFor } from '../functions/files/workflow.js';
import type { BatchRunSummary } from './batch-run.js';
import { printSummary } from './batch-run.js';
import { LOCAL_FILES_BUCKET, localS3Client } from './local-s3.js';
import { parseCsvRows, parseJsonLines, rowsFormat } from './rows-io.js';

export interface ViaFilesOptions {
  readonly file: string;
  /** Default: next to the input, `<name>.results.csv|jsonl` (the input's format). */
  readonly out?: string;
  /** The local S3 of `npm start` (its SQS endpoint speaks S3 too). */
  readonly s3Endpoint: string;
  /** Default LOCAL_FILES_BUCKET. */
  readonly bucket?: string;
  readonly timeoutMs: number;
  /** Between two looks for the summary. Default 250 ms. */
  readonly pollMs?: number;
  readonly print: (line: string) => void;
}

/** The batch command's summary, with the file run's own summary object. */
export type ViaFilesSummary = BatchRunSummary & { readonly run: RunSummary | null };

/** No local S3 with the files bucket answers (no `npm start`, or one without the file path). */
export class NoFilesBucketError extends Error {
  override readonly name = 'NoFilesBucketError';
}

async function objectText(client: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await answer.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    throw error;
  }
}

async function summaryOf(client: S3Client, bucket: string, key: string) {
  const text = await objectText(client, bucket, key);
  return text === null ? null : (JSON.parse(text) as RunSummary);
}

export async function runViaFiles(options: ViaFilesOptions): Promise<ViaFilesSummary> {
  const { print } = options;
  const bucket = options.bucket ?? LOCAL_FILES_BUCKET;
  const format = fileFormatOf(options.file);
  if (format === null) throw new Error('--via-files takes a .csv, .jsonl or .ndjson file');
  const out =
    options.out ??
    join(
      dirname(options.file),
      `${basename(options.file, extname(options.file))}.results.${format}`,
    );
  if (rowsFormat(out) !== format) {
    throw new Error(`--via-files writes the results in the input's format: name --out *.${format}`);
  }
  const key = `${FILE_PREFIXES.input}${basename(options.file)}`;
  const outputs = outputKeysFor(key);
  const client = localS3Client(options.s3Endpoint);
  try {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      throw new NoFilesBucketError(
        `No local S3 with the bucket ${bucket} answers on ${options.s3Endpoint}. Start it with \`npm start\` in another terminal, then run this command again.`,
      );
    }
    const before = await summaryOf(client, bucket, outputs.summary);
    const startedAt = Date.now();
    const uploaded = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(options.file) }),
    );
    print(`uploaded ${options.file} to s3://${bucket}/${key}; waiting for its run`);

    // The summary is written last: one naming a new run and this upload means the run ended.
    let run: RunSummary | null = null;
    while (Date.now() < startedAt + options.timeoutMs) {
      const summary = await summaryOf(client, bucket, outputs.summary);
      if (
        summary !== null &&
        summary.runId !== before?.runId &&
        (summary.input.etag === null || summary.input.etag === uploaded.ETag)
      ) {
        run = summary;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
    const elapsedMs = Date.now() - startedAt;
    let records = 0;
    if (run !== null && run.status !== 'failed' && run.results !== undefined) {
      const text = (await objectText(client, bucket, run.results)) ?? '';
      await writeFile(out, text, 'utf8');
      records = (format === 'csv' ? parseCsvRows(text) : parseJsonLines(text)).length;
    }
    const rows = run?.rows ?? 0;
    const summary: ViaFilesSummary = {
      rows,
      found: run?.found ?? 0,
      notFound: run?.notFound ?? 0,
      otherErrors: run?.otherErrors ?? 0,
      deadLettered: 0,
      cacheHits: 0,
      coalesced: 0,
      withLookupSource: 0,
      budgetRate: run?.budgetRateRps ?? null,
      missing: rows - records,
      othersLeft: 0,
      notDeleted: 0,
      elapsedMs,
      rowsPerSecond: elapsedMs > 0 ? (records / elapsedMs) * 1000 : 0,
      out: records > 0 || rows === 0 ? out : '(none)',
      run,
    };
    if (run === null) {
      print(`no summary of the run appeared in s3://${bucket}/${outputs.summary} in time`);
    } else {
      printSummary(summary, print);
      print(`run           ${run.runId}: ${run.status}${run.error ? ` (${run.error})` : ''}`);
      print(`summary       s3://${bucket}/${outputs.summary}`);
      print(JSON.stringify(run, null, 2));
    }
    return summary;
  } finally {
    client.destroy();
  }
}
