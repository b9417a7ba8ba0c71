/**
 * Section "repeated contacts": a repeat-heavy input (rows over a set of contacts with a Zipf-like
 * skew, from a fixed seed) end to end through the real SQS function on the local SQS pipeline,
 * against the respond.io simulator in a child process with the limit and latency. Three runs
 * side by side, each with a fresh simulator: today's behaviour (no single flight, no cache: the
 * baseline), single flight only (the default), and the contact cache on with a TTL longer than
 * the run. One container with the whole budget, so one cache.
 *
 * Settings: BENCH_REPEATS_ROWS (default 3000), BENCH_REPEATS_CONTACTS (1000),
 * BENCH_REPEATS_LIMIT_RPS (50), BENCH_REPEATS_BATCH (rows per invocation; default all of them),
 * BENCH_REPEATS_SEED (20261211); the latency is BENCH_LATENCY_MS. The baseline needs rows ÷
 * limit seconds (60 s), so the section takes about two minutes; fewer rows or a higher limit
 * shorten it, but the cache run's target (within 10% of distinct identifiers ÷ limit) then has
 * to absorb the pipeline's fixed costs (sending, the first receive, the last request's latency:
 * about 0.7 s) in a shorter run. The example, 5,000 rows at 50 requests/s, is
 * `BENCH_REPEATS_ROWS=5000` (about three minutes).
 */

import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { maxInFlightFor } from '../../functions/batches/engine.js';
import type { BatchSummary } from '../../functions/batches/metrics.js';
import { createBudget } from '../../functions/budget/index.js';
import { createIdentifierParser } from '../../functions/lookup/identifier.js';
import { createRespondioDirectory } from '../../functions/lookup/respondio.js';
import { createBatchHandler } from '../../functions/queue/batch.js';
import {
  createSqsFunction,
  FLUSH_RESERVE_MS,
  type SqsAdapters,
} from '../../functions/queue/container.js';
import {
  createDeadLetterQueue,
  createResultsQueue,
  sendMessagesInBatches,
} from '../../functions/queue/sqs-sinks.js';
import { type Config, containerCeilingRps, loadConfig } from '../../functions/settings/config.js';
import { startQueuePipeline } from '../../local/queue-pipeline.js';
import { seededRandom } from '../../local/seeded-random.js';
import { type BenchSection, type BenchTable, fixed, met } from '../table.js';
import { demoTokens, numberSetting, startSimulatorProcess } from './harness.js';

const silent = new Proxy({}, { get: () => () => {} }) as never;

/**
 * The SQS function, or for the baseline the same batch logic over the bare respond.io client
 * (no single flight, no cache): what every row cost before shared lookups.
 */
function sqsFunction(config: Config, adapters: SqsAdapters, shareLookups: boolean) {
  if (shareLookups) return createSqsFunction(config, adapters);
  const sqs = adapters.sqs as SQSClient;
  return createBatchHandler({
    directory: createRespondioDirectory({
      baseUrl: config.baseUrl,
      tokens: demoTokens,
      limiter: createBudget(config, 'queue'),
      requestTimeoutMs: config.requestTimeoutMs,
      maxAttempts: config.maxAttempts,
      maxRetryAfterMs: config.maxRetryAfterMs,
    }),
    identifiers: createIdentifierParser(config),
    results: createResultsQueue({ client: sqs, queueUrl: config.resultsQueueUrl as string }),
    deadLetters: createDeadLetterQueue({
      client: sqs,
      queueUrl: config.deadLetterQueueUrl as string,
    }),
    errorBehavior: config.errorBehavior,
    maxReceiveCount: config.maxReceiveCount,
    maxInFlight: maxInFlightFor(containerCeilingRps(config)),
    rowBudgetMs: config.requestTimeoutMs,
    flushReserveMs: FLUSH_RESERVE_MS,
    logger: silent,
    ...(adapters.metrics ? { metrics: adapters.metrics } : {}),
  });
}

/** Below this share of the ideal rows/s (rows ÷ distinct identifiers × limit), the cache misses its target. */
const CACHE_TARGET = 0.9;

interface Variant {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly shareLookups: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: "today's behaviour (neither; baseline)", env: {}, shareLookups: false },
  { name: 'single flight only (the default)', env: {}, shareLookups: true },
  {
    name: 'single flight + cache (TTL 1 h)',
    env: { CONTACT_CACHE_TTL_SECONDS: '3600', CONTACT_CACHE_NOT_FOUND_TTL_SECONDS: '3600' },
    shareLookups: true,
  },
];

/**
 * `rows` identifiers drawn from `contacts` with Zipf weights 1/rank (seeded): rank r is contact
 * id r, except every tenth rank, an unknown id (a 404).
 */
export function zipfIdentifiers(rows: number, contacts: number, seed: number): string[] {
  const random = seededRandom(seed);
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= contacts; rank += 1) {
    total += 1 / rank;
    cumulative.push(total);
  }
  return Array.from({ length: rows }, () => {
    const target = random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    const rank = low + 1;
    return rank % 10 === 0 ? `id:${900_000 + rank}` : `id:${rank}`;
  });
}

interface RepeatRun {
  readonly variant: Variant;
  readonly seconds: number;
  readonly answered: number;
  readonly requests: number;
  readonly retries: number;
  readonly cacheHits: number;
  readonly coalesced: number;
  readonly maxInAnySecond: number;
  readonly throttled: number;
}

async function runVariant(
  variant: Variant,
  ids: readonly string[],
  options: { limitRps: number; latencyMs: number; contacts: number; batchSize: number },
): Promise<RepeatRun> {
  const sim = await startSimulatorProcess([
    '--rps',
    String(options.limitRps),
    '--latency',
    String(options.latencyMs),
    '--contacts',
    String(options.contacts),
  ]);
  const summaries: BatchSummary[] = [];
  const pipeline = await startQueuePipeline({
    port: 0,
    batchSize: options.batchSize,
    batchingWindowMs: 1000,
    functionTimeoutMs: 120_000,
    visibilityTimeoutSeconds: 600,
    createHandler: (info) =>
      sqsFunction(
        loadConfig({
          RESPONDIO_BASE_URL: sim.url,
          RESPONDIO_RATE_LIMIT_RPS: String(options.limitRps),
          RESULTS_QUEUE_URL: info.queues.results,
          DEAD_LETTER_QUEUE_URL: info.queues.deadLetter,
          MAX_RECEIVE_COUNT: String(info.maxReceiveCount),
          ...variant.env,
        }),
        {
          sqs: info.client,
          tokens: demoTokens,
          metrics: { publish: (summary) => summaries.push(summary) },
          logger: silent,
        },
        variant.shareLookups,
      ),
  });
  let stats: Awaited<ReturnType<typeof sim.stop>> | undefined;
  try {
    const startedAt = performance.now();
    const sent = await sendMessagesInBatches(
      pipeline.client,
      pipeline.queues.input,
      ids.map((identifier, row) => ({
        key: String(row),
        body: JSON.stringify({ Identifier: identifier, row }),
      })),
      { concurrency: 8 },
    );
    const expected = ids.length - sent.failed.length;
    const answered = new Set<string>();
    const timeoutAt = startedAt + Math.max(60_000, (ids.length / options.limitRps) * 3000);
    // Several readers, so that reading the results never holds the fast runs back.
    const reader = async () => {
      while (answered.size < expected && performance.now() < timeoutAt) {
        const answer = await pipeline.client.send(
          new ReceiveMessageCommand({
            QueueUrl: pipeline.queues.results,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 600,
          }),
        );
        for (const message of answer.Messages ?? []) {
          const body = JSON.parse(message.Body ?? '{}') as {
            SourceMessageId?: string;
            StatusCode?: number;
          };
          if (body.StatusCode === 200 || body.StatusCode === 404) {
            answered.add(String(body.SourceMessageId));
          }
        }
      }
    };
    await Promise.all([reader(), reader(), reader(), reader()]);
    const seconds = (performance.now() - startedAt) / 1000;
    await pipeline.stopPolling();
    stats = await sim.stop();
    const sum = (pick: (summary: BatchSummary) => number) =>
      summaries.reduce((total, summary) => total + pick(summary), 0);
    return {
      variant,
      seconds,
      answered: answered.size,
      requests: stats.requests,
      retries: sum((summary) => summary.upstream.retries),
      cacheHits: sum((summary) => summary.cacheHits),
      coalesced: sum((summary) => summary.coalesced),
      maxInAnySecond: stats.maxInAnySecond,
      throttled: stats.byStatus['429'] ?? 0,
    };
  } finally {
    await pipeline.stop();
    if (stats === undefined) await sim.stop();
  }
}

export const repeats: BenchSection = {
  title: 'Repeated contacts: single flight and the contact cache',
  async run(settings): Promise<BenchTable> {
    const rows = numberSetting('BENCH_REPEATS_ROWS', 3000);
    const contacts = numberSetting('BENCH_REPEATS_CONTACTS', 1000);
    const limitRps = numberSetting('BENCH_REPEATS_LIMIT_RPS', 50);
    // One invocation for the whole input by default: a container's batches run one after the
    // other, and the local pipeline's gap between two (deletes, the next receives) would count
    // against the budget as idle time.
    const batchSize = numberSetting('BENCH_REPEATS_BATCH', rows);
    const seed = numberSetting('BENCH_REPEATS_SEED', 20_261_211);
    const ids = zipfIdentifiers(rows, contacts, seed);
    const distinct = new Set(ids).size;
    const options = { limitRps, latencyMs: settings.latencyMs, contacts, batchSize };
    const runs: RepeatRun[] = [];
    for (const variant of VARIANTS) runs.push(await runVariant(variant, ids, options));

    const baseline = runs[0] as RepeatRun;
    const ideal = rows / distinct;
    const notes: string[] = [];
    const table = runs.map((run, index) => {
      const rate = run.answered / run.seconds;
      const lost = rows - run.answered;
      const withinLimit = run.maxInAnySecond <= limitRps;
      const every = lost === 0 && withinLimit;
      let target: string;
      if (index === 0) {
        target = `baseline; 0 lost and ≤ limit: ${met(every)}`;
      } else if (index === 1) {
        const saving = 1 - run.requests / baseline.requests;
        target = `requests ≤ rows, 0 lost, ≤ limit: ${met(run.requests <= rows && every)}; ${fixed(saving * 100, 1)}% fewer requests than the baseline`;
      } else {
        const ok =
          run.requests <= distinct + run.retries && rate / limitRps >= CACHE_TARGET * ideal;
        target = `requests ≤ distinct + retries, rows/s ÷ limit ≥ ${CACHE_TARGET} × ${fixed(ideal, 2)} = ${fixed(CACHE_TARGET * ideal, 2)}, 0 lost, ≤ limit: ${met(ok && every)}`;
      }
      notes.push(`${run.variant.name}: ${target}`);
      return [
        run.variant.name,
        String(rows),
        String(distinct),
        String(run.requests),
        String(run.retries),
        String(run.cacheHits),
        String(run.coalesced),
        fixed(run.seconds, 1),
        fixed(rate, 1),
        fixed(rate / limitRps, 2),
        `${run.maxInAnySecond} / ${limitRps}`,
        String(lost),
      ];
    });
    return {
      description:
        `${rows} rows over ${contacts} contacts (Zipf-like: weight 1/rank, every tenth rank an unknown id, seed ${seed}; ` +
        `${distinct} distinct identifiers, ${fixed(ideal, 2)} rows each), end to end through the real SQS function on the local SQS pipeline: ` +
        `one container with the whole limit of ${limitRps} requests/s, batches of ${batchSize}, against the simulator in a child process with ${settings.latencyMs} ms latency. ` +
        'Seconds: from the first SendMessageBatch to the last result row read.',
      columns: [
        'run',
        'rows',
        'distinct ids',
        'requests',
        'retries',
        'cache hits',
        'coalesced',
        'seconds',
        'rows/s',
        'rows/s ÷ limit',
        'max req in 1 s',
        'rows lost',
      ],
      rows: table,
      notes,
    };
  },
};
