/**
 * Section "CPU per row": process.cpuUsage() (user + system) of this process per row, with the
 * simulator answering at once (zero latency) from a child process, so its CPU is not counted.
 * Side by side, interleaved round by round, the same rows through:
 *   - a bare ky loop: `ky.get(url, { headers: { authorization } }).json()`, the floor;
 *   - our directory + mapping: lookupContact over the respond.io directory from createLookups
 *     (rate limiter, retry loop, body size check, identifier parsing, contact row mapping);
 *   - the SQS batch logic (createBatchHandler) with in-memory sinks that serialise each result
 *     message as the real queue sink does (no SQS client: that cost is AWS's SDK, not ours);
 *   - the API handler (middy, routing, logging calls at SILENT) on prebuilt API Gateway events.
 * Every variant keeps the same number of requests in flight.
 *
 * Settings: BENCH_CPU_ROWS (rows per variant and round, default 2000), BENCH_CPU_ROUNDS (5),
 * BENCH_CPU_CONCURRENCY (requests in flight, default 4).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ky from 'ky';
import { createApiHandler } from '../../functions/api/app.js';
import { createLookups } from '../../functions/lookup/index.js';
import { lookupContact } from '../../functions/lookup/lookup.js';
import { createLogger } from '../../functions/platform/logger.js';
import { createBatchHandler } from '../../functions/queue/batch.js';
import { loadConfig, loadLogSettings } from '../../functions/settings/config.js';
import { createLambdaContext, toApiGatewayEvent } from '../../local/api-gateway-server.js';
import { DEMO_TOKEN } from '../../local/simulator/server.js';
import type { BenchSection } from '../table.js';
import { fixed, median, times } from '../table.js';
import {
  batchContext,
  demoTokens,
  memorySinks,
  numberSetting,
  sqsRecords,
  startSimulatorProcess,
} from './harness.js';

const WARM_UP_ROWS = 200;

/** A full garbage collection, so that one variant's garbage is not collected on the next one's clock. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
/** Records per SQS batch in the batch-logic variant. */
const SQS_BATCH = 100;

interface Variant {
  readonly name: string;
  /** Prepares a run over `ids` (outside the measurement) and returns it. */
  prepare(ids: readonly string[]): () => Promise<number>;
}

/** Runs `work` over indexes 0..count-1 with `concurrency` workers; resolves to the failures. */
async function pool(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      if (!(await work(index))) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return failures;
}

function variants(url: string, concurrency: number): Variant[] {
  // The highest limit the configuration allows, so pacing does not shape the run.
  const config = loadConfig({ RESPONDIO_BASE_URL: url, RESPONDIO_RATE_LIMIT_RPS: '10000' });
  const logger = createLogger(loadLogSettings(process.env, 'bench-cpu'));
  const authorization = `Bearer ${DEMO_TOKEN}`;
  const farDeadline = () => Date.now() + 60_000;
  return [
    {
      name: 'bare ky loop (floor)',
      prepare: (ids) => () =>
        pool(ids.length, concurrency, async (index) => {
          try {
            await ky.get(`${url}/contact/${ids[index]}`, { headers: { authorization } }).json();
            return true;
          } catch {
            return false;
          }
        }),
    },
    {
      name: 'directory + mapping (lookupContact)',
      prepare: (ids) => {
        const connector = createLookups(config, 'api', { tokens: demoTokens, logger });
        return () =>
          pool(ids.length, concurrency, async (index) => {
            const result = await lookupContact(ids[index], connector, {
              deadlineAt: farDeadline(),
            });
            return result.kind === 'found';
          });
      },
    },
    {
      name: `SQS batch logic, in-memory sinks (batches of ${SQS_BATCH})`,
      prepare: (ids) => {
        const { directory, identifiers } = createLookups(config, 'api', {
          tokens: demoTokens,
          logger,
        });
        const sinks = memorySinks();
        const handler = createBatchHandler({
          directory,
          identifiers,
          results: sinks.results,
          deadLetters: sinks.deadLetters,
          errorBehavior: config.errorBehavior,
          maxReceiveCount: config.maxReceiveCount,
          maxInFlight: concurrency,
          rowBudgetMs: config.requestTimeoutMs,
          flushReserveMs: 2000,
          logger,
        });
        const records = sqsRecords(ids, `cpu-${Math.random()}`);
        const batches: (typeof records)[] = [];
        for (let start = 0; start < records.length; start += SQS_BATCH) {
          batches.push(records.slice(start, start + SQS_BATCH));
        }
        return async () => {
          let failures = 0;
          for (const batch of batches) {
            const answer = await handler({ Records: batch }, batchContext(900_000));
            failures += answer.batchItemFailures.length;
          }
          return failures + sinks.statusCodes.filter((status) => status !== 200).length;
        };
      },
    },
    {
      name: 'API handler (prebuilt API Gateway events)',
      prepare: (ids) => {
        const { directory, identifiers } = createLookups(config, 'api', {
          tokens: demoTokens,
          logger,
        });
        const handler = createApiHandler({ directory, identifiers, config, logger });
        const calls = ids.map((id, index) => ({
          event: toApiGatewayEvent(
            { method: 'GET', url: `/contacts/${id}`, headers: { host: 'bench.local' } },
            { payloadVersion: '2.0', requestId: `cpu-${index}` },
          ),
          context: createLambdaContext({ requestId: `cpu-${index}` }),
        }));
        return () =>
          pool(ids.length, concurrency, async (index) => {
            const call = calls[index];
            if (call === undefined) return false;
            const answer = (await handler(call.event as never, call.context)) as {
              statusCode?: number;
            };
            return answer.statusCode === 200;
          });
      },
    },
  ];
}

async function cpuMicros(
  run: () => Promise<number>,
): Promise<{ micros: number; failures: number }> {
  const before = process.cpuUsage();
  const failures = await run();
  const used = process.cpuUsage(before);
  return { micros: used.user + used.system, failures };
}

export const cpuPerRow: BenchSection = {
  title: 'CPU per row with zero simulator latency',
  async run() {
    const rows = Math.round(numberSetting('BENCH_CPU_ROWS', 2000));
    const rounds = Math.round(numberSetting('BENCH_CPU_ROUNDS', 5));
    const concurrency = Math.round(numberSetting('BENCH_CPU_CONCURRENCY', 4));
    const sim = await startSimulatorProcess(['--latency', '0', '--contacts', String(rows)]);
    const ids = Array.from({ length: rows }, (_, i) => `id:${i + 1}`);
    const list = variants(sim.url, concurrency);
    const perRow = list.map(() => [] as number[]);
    const failures = list.map(() => 0);
    try {
      for (const variant of list) await variant.prepare(ids.slice(0, WARM_UP_ROWS))();
      for (let round = 0; round < rounds; round += 1) {
        for (const [index, variant] of list.entries()) {
          const run = variant.prepare(ids);
          collectGarbage();
          const { micros, failures: failed } = await cpuMicros(run);
          perRow[index]?.push(micros / rows);
          failures[index] = (failures[index] ?? 0) + failed;
        }
      }
    } finally {
      await sim.stop();
    }
    const floor = median(perRow[0] ?? []);
    return {
      description:
        `${rounds} rounds of ${rows} rows per variant (after a ${WARM_UP_ROWS}-row warm-up), the variants interleaved round by round, ` +
        `${concurrency} requests in flight, every row a known contact (200 with a body). The simulator runs in a child process ` +
        "with no latency and no limit, so only this process's CPU is counted (process.cpuUsage, user + system). No target in the issue; lower is better.",
      columns: ['run', 'rows', 'failed', 'CPU µs/row (median)', 'min–max µs/row', '÷ bare ky'],
      rows: list.map((variant, index) => {
        const values = perRow[index] ?? [];
        return [
          variant.name,
          String(rows * rounds),
          String(failures[index] ?? 0),
          fixed(median(values), 0),
          `${fixed(Math.min(...values), 0)}–${fixed(Math.max(...values), 0)}`,
          times(median(values) / floor),
        ];
      }),
      notes: [
        'the bare ky loop is the floor any client pays for the HTTP round trip and JSON parsing (undici, keep-alive); the other rows add our code on top of the same ky call',
        "CPU includes the garbage collection during the run; a full collection runs before each run (outside the measurement), so no variant pays for the previous one's garbage",
      ],
    };
  },
};
