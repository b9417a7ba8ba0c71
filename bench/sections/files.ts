/**
 * Section "bulk files": the issue's acceptance run of the file workflow, locally end to end. A
 * CSV of 10,000 rows (5 % unknown contacts) is uploaded under input/ of the local S3 (fauxqs,
 * in this process); the input watcher starts a run and the local runner of the state machine
 * (local/file-runner.ts, the deployed plan: batches of fileBatchSize rows, fileMaxConcurrency at
 * once, the batch retry's real waits) drives the real steps: prepare, the file batch function on
 * the shared budget (dynalite in a child process), assemble. respond.io is the simulator in a
 * child process with the limit, the latency and seeded injected faults (500, 502, 503,
 * connection resets); it counts the most requests in any sliding second. The results file is
 * read back and checked line by line against the input.
 *
 * Settings: BENCH_FILES_ROWS (10000), BENCH_FILES_LIMIT_RPS (the benchmark's BENCH_LIMIT_RPS,
 * 50), BENCH_FILES_CONTACTS (1000), BENCH_FILES_SEED (20261213), BENCH_FILES_FAULTS
 * (status500=0.01,status502=0.01,status503=0.02,reset=0.005); the latency is BENCH_LATENCY_MS.
 * At 50 requests/s the 10,000 rows take about 3.5 minutes.
 */

import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LOCAL_BUDGET_TABLE, localDynamoDbClient } from '../../local/dynamodb-stand-in.js';
import { defaultFilePlan, startFilePipeline } from '../../local/file-pipeline.js';
import { startLocalS3 } from '../../local/local-s3.js';
import { parseCsvRows } from '../../local/rows-io.js';
import { type BenchSection, type BenchTable, fixed, met } from '../table.js';
import {
  demoTokens,
  numberSetting,
  startDynamoDbProcess,
  startSimulatorProcess,
} from './harness.js';

const silent = new Proxy({}, { get: () => () => {} }) as never;

/** Row `index`: every twentieth an unknown id (a 404), the rest cycling through the contacts. */
function identifierAt(index: number, contacts: number): string {
  return index % 20 === 19 ? `id:${900_000 + index}` : `id:${(index % contacts) + 1}`;
}

export const files: BenchSection = {
  title: 'Bulk files: a CSV through the local file workflow',
  async run(settings): Promise<BenchTable> {
    const rows = Math.round(numberSetting('BENCH_FILES_ROWS', 10_000));
    const limitRps = numberSetting('BENCH_FILES_LIMIT_RPS', settings.limitRps);
    const contacts = Math.round(numberSetting('BENCH_FILES_CONTACTS', 1000));
    const seed = numberSetting('BENCH_FILES_SEED', 20_261_213);
    const faults =
      process.env.BENCH_FILES_FAULTS ?? 'status500=0.01,status502=0.01,status503=0.02,reset=0.005';
    const sim = await startSimulatorProcess([
      '--rps',
      String(limitRps),
      '--latency',
      String(settings.latencyMs),
      '--contacts',
      String(contacts),
      '--fault-seed',
      String(seed),
      '--faults',
      faults,
    ]);
    const dynamodb = await startDynamoDbProcess();
    const s3 = await startLocalS3();
    const dynamodbClient = localDynamoDbClient(dynamodb.url);
    const plan = defaultFilePlan();
    let simStats: Awaited<ReturnType<typeof sim.stop>> | undefined;
    try {
      const pipeline = await startFilePipeline({
        s3Endpoint: s3.endpoint,
        bucket: s3.bucket,
        env: {
          RESPONDIO_BASE_URL: sim.url,
          RESPONDIO_RATE_LIMIT_RPS: String(limitRps),
          RATE_BUDGET_TABLE: LOCAL_BUDGET_TABLE,
          // 404 rows are rows like any other: the run succeeds with every line accounted for.
          ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
        batchAdapters: () => ({ tokens: demoTokens, dynamodb: dynamodbClient, logger: silent }),
        plan,
        pollMs: 100,
      });
      const key = 'input/bench.csv';
      const ids = Array.from({ length: rows }, (_, index) => identifierAt(index, contacts));
      const body = `Identifier,Row\n${ids.map((id, index) => `${id},${index}`).join('\n')}\n`;
      let outcome: Awaited<ReturnType<typeof pipeline.nextRunOf>>;
      let seconds: number;
      try {
        const ended = pipeline.nextRunOf(key);
        const startedAt = performance.now();
        await pipeline.client.send(
          new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }),
        );
        outcome = await ended;
        seconds = (performance.now() - startedAt) / 1000;
      } finally {
        await pipeline.stop();
      }
      simStats = await sim.stop();
      const results = outcome.assembled?.results;
      const written =
        results === undefined ? [] : parseCsvRows(await pipeline.store.getText(results));
      const inOrder =
        written.length === rows &&
        written.every(
          (row, index) =>
            row.SourceMessageId === `${outcome.runId}:${index}` &&
            row.Identifier === ids[index] &&
            row.Row === String(index),
        );
      const answered = written.filter(
        (row) => row.StatusCode === '200' || row.StatusCode === '404',
      );
      const lost = rows - written.length;
      const throttled = simStats.byStatus['429'] ?? 0;
      const injected = ['500', '502', '503', 'reset'].reduce(
        (sum, status) => sum + (simStats?.byStatus[status] ?? 0),
        0,
      );
      const rate = written.length / seconds;
      const ok =
        outcome.status === 'SUCCEEDED' &&
        inOrder &&
        lost === 0 &&
        simStats.maxInAnySecond <= limitRps;
      const assembled = outcome.assembled;
      return {
        description:
          `${rows} CSV rows (every 20th an unknown contact: 5 %), uploaded to the local S3 and run by the local state machine ` +
          `with the deployed plan (batches of ${plan.batchSize}, ${plan.maxConcurrency} at once, batch retries after ${plan.retry.intervalSeconds} s × ${plan.retry.backoffRate}) ` +
          `through the real prepare, batch and assemble steps on the shared budget (dynalite), against the simulator in a child process ` +
          `limited to ${limitRps} requests per sliding second with ${settings.latencyMs} ms latency and seeded faults (${faults}, seed ${seed}). ` +
          'Seconds: from the PutObject to the end of the run (the summary written).',
        columns: [
          'run',
          'rows',
          'output lines',
          'in input order',
          'lost',
          'found / 404 / other',
          'batches (failed)',
          'requests',
          'faults injected',
          '429s',
          'max req in 1 s',
          'seconds',
          'rows/s',
          'rows/s ÷ limit',
          'targets met',
        ],
        rows: [
          [
            `${outcome.status.toLowerCase()}${outcome.error ? ` (${outcome.error})` : ''}`,
            String(rows),
            String(written.length),
            inOrder ? 'yes' : 'NO',
            String(lost),
            assembled
              ? `${assembled.found} / ${assembled.notFound} / ${assembled.otherErrors}`
              : '-',
            `${outcome.invocations} (${outcome.failedInvocations})`,
            String(simStats.requests),
            String(injected),
            String(throttled),
            `${simStats.maxInAnySecond} / ${limitRps}`,
            fixed(seconds, 1),
            fixed(rate, 1),
            fixed(rate / limitRps, 2),
            met(ok),
          ],
        ],
        notes: [
          `Targets: the run succeeds, ${rows} output lines in input order (SourceMessageId <run>:<index>, the input's Identifier and Row), 0 lost, max requests in any second ≤ ${limitRps}.`,
          `Rows answered 200 or 404: ${answered.length}; the rest are final error rows (after the directory's attempts and the batch's rounds).`,
        ],
      };
    } finally {
      dynamodbClient.destroy();
      await s3.close();
      await dynamodb.stop();
      if (simStats === undefined) await sim.stop();
    }
  },
};
