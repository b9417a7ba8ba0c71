/**
 * Section "SQS batch function vs baselines": the same rows through (a) the real SQS function on
 * the local SQS pipeline, (b) a sequential row-by-row loop, (c) an unbounded Promise.all, all
 * against the respond.io simulator with the configured limit and latency.
 *
 * The baselines are the naive way to do it: one GET per row with the token, no pacing, no retry.
 */

import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { TokenSource } from '../../functions/lookup/token.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import { loadConfig } from '../../functions/settings/config.js';
import { startQueuePipeline } from '../../local/queue-pipeline.js';
import {
  DEMO_TOKEN,
  demoContacts,
  type Simulator,
  startSimulator,
} from '../../local/simulator/server.js';
import type { BenchRow, BenchSection, BenchSettings } from '../table.js';
import { pause } from './harness.js';

const tokens: TokenSource = { getToken: async () => DEMO_TOKEN, refresh: async () => DEMO_TOKEN };
const silent = new Proxy({}, { get: () => () => {} }) as never;

/**
 * Set-ups of the SQS function: containers (each with an equal share of the budget) x batch size.
 * BENCH_HANDLER_SETUPS, e.g. "1x500,2x500".
 */
function handlerSetups(): { containers: number; batchSize: number }[] {
  return (process.env.BENCH_HANDLER_SETUPS ?? '1x500,2x500').split(',').map((text) => {
    const [containers, batchSize] = text.split('x').map(Number);
    if (!(Number(containers) >= 1 && Number(batchSize) >= 1)) {
      throw new Error(`BENCH_HANDLER_SETUPS: expected e.g. 1x500, got ${JSON.stringify(text)}`);
    }
    return { containers: Number(containers), batchSize: Number(batchSize) };
  });
}

/** 90% known contacts, 10% unknown ids (404). */
function identifiers(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 10 === 9 ? `id:${900_000 + i}` : `id:${i + 1}`,
  );
}

function simStats(sim: Simulator) {
  const stats = sim.stats();
  return {
    requests: stats.requests,
    throttled: stats.byStatus['429'] ?? 0,
    maxInAnySecond: stats.maxInAnySecond,
  };
}

async function runHandler(
  sim: Simulator,
  ids: string[],
  settings: BenchSettings,
  setup: { containers: number; batchSize: number },
): Promise<BenchRow> {
  const { containers, batchSize } = setup;
  const pipeline = await startQueuePipeline({
    port: 0,
    concurrency: containers,
    batchSize,
    batchingWindowMs: 1000,
    functionTimeoutMs: 120_000,
    visibilityTimeoutSeconds: 600,
    createHandler: (info) =>
      createSqsFunction(
        loadConfig({
          RESPONDIO_BASE_URL: sim.url,
          RESPONDIO_RATE_LIMIT_RPS: String(settings.limitRps),
          RESPONDIO_RATE_LIMIT_SHARE: String(1 / containers),
          RESULTS_QUEUE_URL: info.queues.results,
          DEAD_LETTER_QUEUE_URL: info.queues.deadLetter,
          MAX_RECEIVE_COUNT: String(info.maxReceiveCount),
        }),
        { sqs: info.client, tokens, metrics: { publish() {} }, logger: silent },
      ),
  });
  try {
    sim.resetStats();
    const startedAt = performance.now();
    const sent = new Set<string>();
    for (let start = 0; start < ids.length; start += 10) {
      const chunk = ids.slice(start, start + 10);
      const answer = await pipeline.client.send(
        new SendMessageBatchCommand({
          QueueUrl: pipeline.queues.input,
          Entries: chunk.map((identifier, i) => ({
            Id: `e${i}`,
            MessageBody: JSON.stringify({ Identifier: identifier, row: start + i }),
          })),
        }),
      );
      for (const entry of answer.Successful ?? []) sent.add(entry.MessageId as string);
    }
    const answered = new Set<string>();
    const timeoutAt = startedAt + Math.max(60_000, (ids.length / settings.limitRps) * 3000);
    while (answered.size < sent.size && performance.now() < timeoutAt) {
      const answer = await pipeline.client.send(
        new ReceiveMessageCommand({
          QueueUrl: pipeline.queues.results,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const message of answer.Messages ?? []) {
        const body = JSON.parse(message.Body ?? '{}') as {
          SourceMessageId?: string;
          StatusCode?: number;
        };
        if (body.StatusCode === 200 || body.StatusCode === 404)
          answered.add(String(body.SourceMessageId));
      }
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      name: `(a) SQS function, ${containers} container${containers > 1 ? 's' : ''}, batches of ${batchSize}`,
      rows: ids.length,
      seconds,
      limitRps: settings.limitRps,
      ...simStats(sim),
      lost: ids.length - answered.size,
      note: `end to end on the local SQS pipeline: SendMessageBatch of the rows to the last result read; each container paces at limit / ${containers}`,
    };
  } finally {
    await pipeline.stop();
  }
}

async function naiveLookup(sim: Simulator, identifier: string): Promise<boolean> {
  try {
    const response = await fetch(`${sim.url}/contact/${identifier}`, {
      headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    });
    await response.arrayBuffer();
    return response.status === 200 || response.status === 404;
  } catch {
    return false;
  }
}

async function runSequential(
  sim: Simulator,
  ids: string[],
  settings: BenchSettings,
): Promise<BenchRow> {
  sim.resetStats();
  const startedAt = performance.now();
  let answered = 0;
  for (const identifier of ids) if (await naiveLookup(sim, identifier)) answered += 1;
  return {
    name: '(b) sequential, row by row',
    rows: ids.length,
    seconds: (performance.now() - startedAt) / 1000,
    limitRps: settings.limitRps,
    ...simStats(sim),
    lost: ids.length - answered,
    note: `time-boxed to the first ${ids.length} rows (latency-bound: the rate does not depend on the row count)`,
  };
}

async function runPromiseAll(
  sim: Simulator,
  ids: string[],
  settings: BenchSettings,
): Promise<BenchRow> {
  sim.resetStats();
  const startedAt = performance.now();
  const outcomes = await Promise.all(ids.map((identifier) => naiveLookup(sim, identifier)));
  const answered = outcomes.filter(Boolean).length;
  return {
    name: '(c) unbounded Promise.all',
    rows: ids.length,
    seconds: (performance.now() - startedAt) / 1000,
    limitRps: settings.limitRps,
    ...simStats(sim),
    lost: ids.length - answered,
    note: 'every row at once, no pacing, no retry: rows answered 429 are lost',
  };
}

export const sqsThroughput: BenchSection = {
  title: 'SQS batch function vs baselines',
  async run(settings) {
    const ids = identifiers(settings.rows);
    const sim = await startSimulator({
      rateLimitRps: settings.limitRps,
      latencyMs: settings.latencyMs,
      contacts: demoContacts(settings.rows),
    });
    try {
      const handlerRows: BenchRow[] = [];
      for (const setup of handlerSetups()) {
        handlerRows.push(await runHandler(sim, ids, settings, setup));
        await pause(1100); // let the simulator's sliding second empty between runs
      }
      if (process.env.BENCH_ONLY_HANDLER) return handlerRows; // let the simulator's sliding second empty between runs
      const sequentialRow = await runSequential(sim, ids.slice(0, settings.baselineRows), settings);
      await pause(1100);
      const allRow = await runPromiseAll(sim, ids, settings);
      return [...handlerRows, sequentialRow, allRow];
    } finally {
      await sim.close();
    }
  },
};
