/**
 * The bulk file workflow end to end, locally: uploads to the local S3 (fauxqs, the real S3
 * protocol) under input/, the input watcher starting a run, the local runner with the
 * distributed map's semantics driving the real steps (prepare, the file batch function on the
 * shared budget in dynalite over the real DynamoDB protocol, assemble, the failure report)
 * against the respond.io simulator with seeded faults over real loopback HTTP. And the batch
 * command's `--via-files` mode on top of it.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createBudget } from '../../functions/budget/index.js';
import type { FileBatchHandler } from '../../functions/files/batch.js';
import type { RunSummary } from '../../functions/files/summary.js';
import { fileWorkflowPlan, partsPrefixFor } from '../../functions/files/workflow.js';
import { loadConfig } from '../../functions/settings/config.js';
import { exitStatusOf, runBatch, type ViaFilesSummary } from '../../local/batch.js';
import {
  type DynamoDbStandIn,
  LOCAL_BUDGET_TABLE,
  localDynamoDbClient,
  startDynamoDbStandIn,
} from '../../local/dynamodb-stand-in.js';
import { type FilePipeline, startFilePipeline } from '../../local/file-pipeline.js';
import type { RunOutcome } from '../../local/file-runner.js';
import { type LocalS3, startLocalS3 } from '../../local/local-s3.js';
import { parseCsvRows, parseJsonLines, toCsv } from '../../local/rows-io.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { DEMO_TOKEN, type Simulator, startSimulator } from '../../local/simulator/server.js';
import { SAMPLE_ROW_OUTCOMES } from '../support/demo-pipeline.js';

const SAMPLE = new URL('../../local/sample-rows.csv', import.meta.url);
const LIMIT_RPS = 100;
const MAX_BYTES = 100_000;

let sim: Simulator;
let dynamodb: DynamoDbStandIn;
let s3: LocalS3;
let pipeline: FilePipeline;
let dir: string;
const dynamodbClient = { current: null as ReturnType<typeof localDynamoDbClient> | null };
/** Every request start the shared budget allowed, on the limiter's clock (epoch ms). */
const starts: number[] = [];
/** First indexes of the batches whose next invocation crashes (a whole-batch fault). */
const crashAt = new Set<number>();

const silent = new Proxy({}, { get: () => () => {} }) as never;

function crashing(handler: FileBatchHandler): FileBatchHandler {
  return async (event, context) => {
    const first = event.Items[0]?.index ?? -1;
    if (crashAt.delete(first)) throw new Error('the container crashed');
    return handler(event, context);
  };
}

beforeAll(async () => {
  sim = await startSimulator({
    rateLimitRps: LIMIT_RPS,
    faults: { seed: 1313, rates: { status503: 0.03, status500: 0.02, reset: 0.01 } },
  });
  dynamodb = await startDynamoDbStandIn();
  s3 = await startLocalS3();
  dynamodbClient.current = localDynamoDbClient(dynamodb.url);
  const env = {
    RESPONDIO_BASE_URL: sim.url,
    RESPONDIO_RATE_LIMIT_RPS: String(LIMIT_RPS),
    RATE_BUDGET_TABLE: LOCAL_BUDGET_TABLE,
    // dynalite shares this (possibly busy) process with the test; a slow answer is not what is
    // tested, so the timeout is far beyond any stall.
    RATE_BUDGET_TIMEOUT_MS: '5000',
    ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    FILE_MAX_BYTES: String(MAX_BYTES),
  };
  pipeline = await startFilePipeline({
    s3Endpoint: s3.endpoint,
    bucket: s3.bucket,
    env,
    // Each batch container its own budget, as in Lambda, counting its starts.
    batchAdapters: () => ({
      tokens: { getToken: async () => DEMO_TOKEN, refresh: async () => DEMO_TOKEN },
      logger: silent,
      // The waits between a batch's rounds, 50 times shorter.
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / 50)),
      budget: createBudget(loadConfig(env), 'files', {
        dynamodb: dynamodbClient.current as DynamoDBClient,
        onStart: ({ at }) => starts.push(at),
      }),
    }),
    wrapBatch: crashing,
    // Small batches, so that a few hundred rows make several, two at once.
    plan: fileWorkflowPlan({ batchSize: 25, maxConcurrency: 2 }),
    batchTimeoutMs: 30_000,
    retryWaitScale: 0.001,
    pollMs: 20,
  });
  dir = await mkdtemp(join(tmpdir(), 'file-workflow-'));
});

afterAll(async () => {
  await pipeline.stop();
  dynamodbClient.current?.destroy();
  await s3.close();
  await dynamodb.close();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** Uploads `body` under `key` and resolves with the run it starts, once that run ended. */
async function uploadAndRun(key: string, body: string | Buffer): Promise<RunOutcome> {
  const ended = pipeline.nextRunOf(key);
  await pipeline.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  return ended;
}

async function summaryOf(key: string): Promise<RunSummary> {
  return JSON.parse(await pipeline.store.getText(key)) as RunSummary;
}

/** What row `index` of the test files is: known, unknown (404) or no identifier we know (400). */
function identifierAt(index: number): { id: string; status: number } {
  if (index % 25 === 3) return { id: `user:${index}`, status: 400 };
  if (index % 20 === 7) return { id: `id:${900_000 + index}`, status: 404 };
  return { id: `id:${(index % 50) + 1}`, status: 200 };
}

describe('the local file workflow', () => {
  it('turns a CSV into its results: a line per row, in input order, in the batch command’s columns', async () => {
    // Prepare: 240 rows, unknown contacts and invalid identifiers among them, quoted fields.
    const rows = 240;
    const lines = Array.from({ length: rows }, (_, index) => {
      const note = index % 10 === 0 ? `"a, ""quoted"" note ${index}"` : `note ${index}`;
      return `${identifierAt(index).id},REF-${index},${note}`;
    });
    sim.resetStats();
    starts.length = 0;
    // Act
    const outcome = await uploadAndRun(
      'input/customers.csv',
      `Identifier,CustomerRef,Note\n${lines.join('\n')}\n`,
    );
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', invocations: 10, failedInvocations: 0 });
    const text = await pipeline.store.getText('output/customers.results.csv');
    const header = toCsv([], ['Identifier', 'CustomerRef', 'Note']).split('\n')[0];
    expect(text.split('\n')[0]).toBe(header);
    const written = parseCsvRows(text);
    expect(written).toHaveLength(rows);
    written.forEach((row, index) => {
      const expected = identifierAt(index);
      expect([row.SourceMessageId, row.Identifier, row.CustomerRef, row.StatusCode]).toEqual([
        `${outcome.runId}:${index}`,
        expected.id,
        `REF-${index}`,
        String(expected.status),
      ]);
    });
    expect(written[10]?.Note).toBe('a, "quoted" note 10');
    expect(written[0]?.FirstName).toBe('Jane');
    const counts = { found: 0, notFound: 0, otherErrors: 0 };
    for (let index = 0; index < rows; index += 1) {
      const { status } = identifierAt(index);
      if (status === 200) counts.found += 1;
      else if (status === 404) counts.notFound += 1;
      else counts.otherErrors += 1;
    }
    expect(await summaryOf('output/customers.summary.json')).toMatchObject({
      status: 'succeeded',
      runId: outcome.runId,
      rows,
      ...counts,
      failedRows: 0,
      results: 'output/customers.results.csv',
    });
    // The faults happened and were retried away; the limit held where the design guarantees it:
    // slots (1000 + 50) / 100 ms apart, started at most 10 ms late, so any 101 starts span at
    // least 1040 ms (arrivals at the simulator share this busy event loop; see arrival-jitter).
    const stats = sim.stats();
    expect(Object.values(stats.injected).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(starts.length).toBeGreaterThanOrEqual(counts.found + counts.notFound);
    expect(maxInWindow(starts, 1000)).toBeLessThanOrEqual(LIMIT_RPS);
  });

  it('turns JSON Lines into JSON Lines: blank lines are no rows, lines that are no rows are 400 rows', async () => {
    // Prepare
    const lines = Array.from({ length: 60 }, (_, index) =>
      JSON.stringify({ Identifier: identifierAt(index).id, ref: index }),
    );
    lines.splice(30, 0, '', '[1,2]', '{"ref":"no identifier"}');
    // Act
    const outcome = await uploadAndRun('input/team/leads.jsonl', `${lines.join('\n')}\n\n`);
    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    const records = parseJsonLines(
      await pipeline.store.getText('output/team/leads.results.jsonl'),
    ) as Record<string, unknown>[];
    expect(records).toHaveLength(62);
    expect(records.map((record) => record.SourceMessageId)).toEqual(
      Array.from({ length: 62 }, (_, index) => `${outcome.runId}:${index}`),
    );
    expect(records.slice(29, 33).map((r) => [r.StatusCode, r.Input])).toEqual([
      [identifierAt(29).status, { ref: 29 }],
      [400, {}],
      [400, {}],
      [identifierAt(30).status, { ref: 30 }],
    ]);
    expect(await summaryOf('output/team/leads.summary.json')).toMatchObject({
      status: 'succeeded',
      rows: 62,
    });
  });

  it.each([
    [
      'no Identifier header',
      'input/names.csv',
      'Name,Email\nJane,jane@example.com\n',
      /Identifier/,
    ],
    ['too large', 'input/huge.csv', `Identifier\n${'id:1\n'.repeat(MAX_BYTES / 4)}`, /bytes/],
    ['not UTF-8', 'input/latin1.csv', Buffer.from([0x49, 0x64, 0x0a, 0xe9, 0xff, 0x0a]), /UTF-8/],
  ])('ends a file with %s in FileRejected and an error summary', async (_, key, body, cause) => {
    // Act
    const outcome = await uploadAndRun(key, body);
    // Assess
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'FileRejected', invocations: 0 });
    expect(outcome.cause).toMatch(cause);
    const summary = await summaryOf(
      key.replace(/^input\//, 'output/').replace(/\.csv$/, '.summary.json'),
    );
    expect(summary).toMatchObject({
      status: 'failed',
      error: 'FileRejected',
      runId: outcome.runId,
    });
    expect(summary.cause).toMatch(cause);
    expect(summary.results).toBeUndefined();
  });

  it('retries a batch that crashed; its rows appear exactly once', async () => {
    // Prepare: the batch of rows 25..49 crashes on its first invocation.
    crashAt.add(25);
    const body = `Identifier\n${Array.from({ length: 75 }, (_, i) => `id:${(i % 50) + 1}`).join('\n')}\n`;
    // Act
    const outcome = await uploadAndRun('input/crash.csv', body);
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', invocations: 4, failedInvocations: 1 });
    expect(crashAt.size).toBe(0);
    const ids = parseCsvRows(await pipeline.store.getText('output/crash.results.csv')).map(
      (row) => row.SourceMessageId,
    );
    expect(ids).toEqual(Array.from({ length: 75 }, (_, index) => `${outcome.runId}:${index}`));
  });

  it('keeps a second upload of the same key apart from the first: two runs, their own parts', async () => {
    // Prepare
    const file = (count: number, from: number) =>
      `${Array.from({ length: count }, (_, i) => JSON.stringify({ Identifier: `id:${from + i}` })).join('\n')}\n`;
    // Act
    const first = await uploadAndRun('input/again.jsonl', file(30, 1));
    const second = await uploadAndRun('input/again.jsonl', file(40, 11));
    // Assess
    expect(first.runId).not.toBe(second.runId);
    const partsOf = async (runId: string) => {
      const keys: string[] = [];
      for await (const key of pipeline.store.list(partsPrefixFor(runId))) keys.push(key);
      return keys;
    };
    expect(await partsOf(first.runId)).toHaveLength(2);
    expect(await partsOf(second.runId)).toHaveLength(2);
    const records = parseJsonLines(await pipeline.store.getText('output/again.results.jsonl'));
    expect(records).toHaveLength(40);
    expect(records.every((r) => String(r.SourceMessageId).startsWith(`${second.runId}:`))).toBe(
      true,
    );
    expect(records[0]?.Identifier).toBe('id:11');
    expect(await summaryOf('output/again.summary.json')).toMatchObject({
      runId: second.runId,
      rows: 40,
    });
  });
});

describe('npm run batch -- --via-files', () => {
  it('uploads the sample, waits for its run and writes the results with the summary lines', async () => {
    // Prepare
    const printed: string[] = [];
    const out = join(dir, 'sample.results.csv');
    // Act
    const summary = (await runBatch({
      file: SAMPLE.pathname,
      out,
      viaFiles: true,
      s3Endpoint: s3.endpoint,
      timeoutMs: 20_000,
      print: (line) => printed.push(line),
    })) as ViaFilesSummary;
    // Assess
    expect(summary).toMatchObject({ rows: 8, found: 5, notFound: 2, otherErrors: 1, missing: 0 });
    expect(summary.run).toMatchObject({
      status: 'succeeded',
      results: 'output/sample-rows.results.csv',
    });
    // The budget's rate while the rows were done, from the parts through the run's summary.
    expect(summary.budgetRate).toEqual({ lowest: LIMIT_RPS, highest: LIMIT_RPS });
    expect(summary.run?.budgetRateRps).toEqual({ lowest: LIMIT_RPS, highest: LIMIT_RPS });
    expect(printed.some((line) => line.startsWith('budget rate   100 requests/s'))).toBe(true);
    expect(exitStatusOf(summary)).toBe(0);
    const written = parseCsvRows(await readFile(out, 'utf8'));
    expect(written.map((row) => [row.Identifier, row.CustomerRef, row.StatusCode])).toEqual(
      SAMPLE_ROW_OUTCOMES,
    );
    expect(printed.some((line) => /^found\s+5$/.test(line))).toBe(true);
    expect(printed).toContain(`results       ${out}`);
    expect(
      printed.some((line) => line.startsWith(`run           ${summary.run?.runId}: succeeded`)),
    ).toBe(true);
  });

  it('exits non-zero for a refused file, printing its error summary', async () => {
    // Prepare
    const file = join(dir, 'names.csv');
    await writeFile(file, 'Name\nJane\n');
    const printed: string[] = [];
    // Act
    const summary = (await runBatch({
      file,
      viaFiles: true,
      s3Endpoint: s3.endpoint,
      timeoutMs: 20_000,
      print: (line) => printed.push(line),
    })) as ViaFilesSummary;
    // Assess
    expect(summary.run).toMatchObject({ status: 'failed', error: 'FileRejected' });
    expect(exitStatusOf(summary)).toBe(1);
    expect(printed.join('\n')).toContain('"error": "FileRejected"');
  });
});
