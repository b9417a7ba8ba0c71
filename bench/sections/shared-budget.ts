/**
 * Section "several containers sharing one organisation budget": N independent containers, each
 * with its own rate limiter and respond.io directory built by the real composition root
 * (createConnector) with RESPONDIO_RATE_LIMIT_SHARE = 1/N, and its own SQS batch logic (the real
 * createBatchHandler with in-memory sinks), all hammering one simulator at the same time. The
 * simulator enforces the organisation's limit and counts the most requests it saw in any sliding
 * second. It runs in a child process (local/simulator/cli.ts, one per run): in this process it
 * would stamp arrivals on the event loop the N containers share, adding their jitter to its count.
 *
 * Settings: BENCH_SHARED_CONTAINERS (comma list of N, default "3,4,5"), BENCH_SHARED_ROWS (rows per
 * run, default 600); limit and latency are the benchmark's BENCH_LIMIT_RPS and BENCH_LATENCY_MS.
 */

import { createSqsFunction } from '../../functions/queue/container.js';
import { type Config, containerRateLimit, loadConfig } from '../../functions/settings/config.js';
import type { BenchSection, BenchSettings } from '../table.js';
import { fixed, met } from '../table.js';
import {
  batchContext,
  demoTokens,
  identifiers,
  listSetting,
  memorySinks,
  numberSetting,
  sqsRecords,
  startSimulatorProcess,
} from './harness.js';

/** Below this share of the limit, the budget is wasted. */
const TARGET_UTILISATION = 0.9;

interface SharedRun {
  containers: number;
  perContainerRps: number;
  rows: number;
  answered: number;
  seconds: number;
  requests: number;
  throttled: number;
  maxInAnySecond: number;
}

async function runContainers(
  containers: number,
  ids: readonly string[],
  settings: BenchSettings,
): Promise<SharedRun> {
  // A fresh simulator per run, in a child process: its clock stamps arrivals on an event loop of
  // its own (not the one the containers share), and it prints its statistics when stopped.
  const sim = await startSimulatorProcess([
    '--rps',
    String(settings.limitRps),
    '--latency',
    String(settings.latencyMs),
    '--contacts',
    String(ids.length),
  ]);
  const handlers = Array.from({ length: containers }, (_, index) => {
    const config: Config = loadConfig({
      RESPONDIO_BASE_URL: sim.url,
      RESPONDIO_RATE_LIMIT_RPS: String(settings.limitRps),
      RESPONDIO_RATE_LIMIT_SHARE: String(1 / containers),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
    });
    const sinks = memorySinks();
    // The SQS function's own composition root, with memory sinks instead of queues.
    const handler = createSqsFunction(config, {
      tokens: demoTokens,
      results: sinks.results,
      deadLetters: sinks.deadLetters,
      metrics: { publish() {} },
    });
    // Each container gets every N-th row, as one batch.
    const mine = ids.filter((_, row) => row % containers === index);
    return {
      handler,
      sinks,
      records: sqsRecords(mine, `c${index}`),
      rps: containerRateLimit(config),
    };
  });

  const startedAt = performance.now();
  const done = await Promise.all(
    handlers.map(({ handler, records }) =>
      handler({ Records: records }, batchContext(15 * 60_000)),
    ),
  ).then(
    () => null,
    (error: unknown) => error,
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const stats = await sim.stop();
  if (done !== null) throw done;
  const answered = handlers
    .flatMap(({ sinks }) => sinks.statusCodes)
    .filter((status) => status === 200 || status === 404).length;
  return {
    containers,
    perContainerRps: handlers[0]?.rps ?? Number.NaN,
    rows: ids.length,
    answered,
    seconds,
    requests: stats.requests,
    throttled: stats.byStatus['429'] ?? 0,
    maxInAnySecond: stats.maxInAnySecond,
  };
}

export const sharedBudget: BenchSection = {
  title: 'Several containers sharing one organisation budget',
  async run(settings) {
    const counts = listSetting('BENCH_SHARED_CONTAINERS', [3, 4, 5]);
    const rows = Math.round(numberSetting('BENCH_SHARED_ROWS', 600));
    const ids = identifiers(rows, rows);
    const runs: SharedRun[] = [];
    for (const containers of counts) runs.push(await runContainers(containers, ids, settings));
    const limit = settings.limitRps;
    return {
      description:
        `N containers, each with its own limiter at ${limit} / N requests/s (RESPONDIO_RATE_LIMIT_SHARE = 1/N), ` +
        `run the real batch logic over ${rows} rows (every N-th row each, one batch) against one simulator (a child process) ` +
        `limited to ${limit} requests per sliding second with ${settings.latencyMs} ms latency. ` +
        `Targets: max requests in any 1 s ≤ ${limit}, no 429, utilisation (answered rows/s ÷ limit) ≥ ${TARGET_UTILISATION}.`,
      columns: [
        'containers',
        'rps each',
        'rows',
        'answered',
        'seconds',
        'aggregate rows/s',
        'utilisation',
        'requests',
        '429s',
        'max req in 1 s',
        'targets met',
      ],
      rows: runs.map((run) => {
        const rate = run.answered / run.seconds;
        const utilisation = rate / limit;
        const ok =
          run.maxInAnySecond <= limit &&
          run.throttled === 0 &&
          utilisation >= TARGET_UTILISATION &&
          run.answered === run.rows;
        return [
          `${run.containers} containers × 1/${run.containers} share`,
          fixed(run.perContainerRps, 2),
          String(run.rows),
          String(run.answered),
          fixed(run.seconds, 1),
          fixed(rate, 1),
          fixed(utilisation, 3),
          String(run.requests),
          String(run.throttled),
          String(run.maxInAnySecond),
          met(ok),
        ];
      }),
      notes: [
        ...runs
          .filter((run) => !Number.isInteger(run.perContainerRps) && run.maxInAnySecond > limit)
          .map(
            (run) =>
              `${run.containers} containers: a share of ${fixed(run.perContainerRps, 2)} requests/s is not a whole number; evenly spaced starts fit ${Math.ceil(run.perContainerRps)} of them into some 1 s windows, and when the containers' windows line up the organisation sees up to ${run.containers} × ${Math.ceil(run.perContainerRps)} = ${run.containers * Math.ceil(run.perContainerRps)} > ${limit} (for a fractional share the limiter promises only the long-run rate); a whole-number share leaves no such window`,
          ),
        'utilisation counts the whole run, first request to last answer (one latency of ramp-down included); the limiter spaces requests 3% wider than 1 / rate (its guard against jitter), so 0.97 is the ceiling',
        'max req in 1 s: all requests the simulator received in any sliding 1000 ms window, rejected ones included',
      ],
    };
  },
};
