/**
 * Section "one organisation budget shared by every container" (issue 9): the deployed defaults'
 * shape (1 API container, 2 SQS containers, the same 0.2 / 0.4 / 0.4 static shares) at a scaled
 * budget, each scenario run with today's static split, with the slot dispenser (the shared
 * budget the functions use) and with rate leases (the alternative, bench/rate-leases.ts), side by
 * side in one run against one simulator per run (a child process that enforces the limit and
 * counts the most requests in any sliding second) and one local DynamoDB (dynalite, another child
 * process):
 *
 * - batch only: a backlog through the two SQS containers;
 * - API only: lookups offered at the limit, to enough API containers for it;
 * - mixed: API lookups at 0.2 × the limit while the SQS containers work through a backlog;
 * - churn: 10 containers of both functions, one replaced every BENCH_COORD_CHURN_MS, clocks up to
 *   BENCH_COORD_SKEW_MS apart.
 *
 * Settings: BENCH_COORD_ROWS (batch-only rows, default 400), BENCH_COORD_MIXED_ROWS (500),
 * BENCH_COORD_API_SECONDS (4), BENCH_COORD_CHURN_SECONDS (5), BENCH_COORD_BATCH (SQS batch
 * size, 50), BENCH_COORD_CHURN_MS (700), BENCH_COORD_SKEW_MS (20), BENCH_COORD_DESIGNS
 * ("static,dispenser,leases"); limit and latency are BENCH_LIMIT_RPS and BENCH_LATENCY_MS.
 */

import type { BenchSection, BenchSettings } from '../table.js';
import { fixed, met, percentile } from '../table.js';
import {
  type BudgetDesign,
  type FleetResult,
  type FleetSpec,
  runFleet,
} from './coordinator-fleet.js';
import { numberSetting, pause, startDynamoDbProcess, startSimulatorProcess } from './harness.js';

interface Scenario {
  readonly name: string;
  readonly spec: Omit<FleetSpec, 'design' | 'seed'>;
  /** What the issue asks of the shared budget here, checked on the dispenser's row. */
  readonly target: string;
  readonly met: (run: Run, limit: number) => boolean;
}

interface Run {
  readonly scenario: Scenario;
  readonly design: BudgetDesign;
  readonly result: FleetResult;
  readonly requests: number;
  readonly throttled: number;
  readonly maxInAnySecond: number;
}

const DESIGN_NAMES: Record<BudgetDesign, string> = {
  static: 'static split (today)',
  dispenser: 'slot dispenser (shared)',
  leases: 'rate leases (alternative)',
};

function designs(): BudgetDesign[] {
  const raw = process.env.BENCH_COORD_DESIGNS ?? 'static,dispenser,leases';
  const list = raw.split(',').map((text) => text.trim()) as BudgetDesign[];
  for (const design of list) {
    if (!(design in DESIGN_NAMES)) throw new Error(`BENCH_COORD_DESIGNS: unknown design ${design}`);
  }
  return list;
}

/** Answered requests (rows and lookups) per second ÷ the limit. */
function utilisation(run: Run, limit: number): number {
  return (run.result.rowsAnswered + run.result.apiAnswered) / run.result.seconds / limit;
}

function apiServed(run: Run, limit: number): number {
  return run.result.apiAnswered / run.result.seconds / limit;
}

function apiP99(run: Run): number {
  return percentile(run.result.apiWaitsMs, 99);
}

function scenarios(limit: number): Scenario[] {
  const rows = Math.round(numberSetting('BENCH_COORD_ROWS', 400));
  const mixedRows = Math.round(numberSetting('BENCH_COORD_MIXED_ROWS', 500));
  const apiSeconds = numberSetting('BENCH_COORD_API_SECONDS', 4);
  const churnSeconds = numberSetting('BENCH_COORD_CHURN_SECONDS', 5);
  const batchSize = Math.round(numberSetting('BENCH_COORD_BATCH', 50));
  const churnEveryMs = numberSetting('BENCH_COORD_CHURN_MS', 700);
  const skewMs = numberSetting('BENCH_COORD_SKEW_MS', 20);
  const none = { rows: 0, apiRps: 0, apiSeconds: 0, churnEveryMs: 0, skewMs: 0, batchSize };
  return [
    {
      name: 'batch only',
      spec: { ...none, sqsContainers: 2, apiContainers: 1, rows },
      target: 'answered rows/s ÷ limit ≥ 0.93',
      met: (run) => utilisation(run, limit) >= 0.93,
    },
    {
      name: 'API only',
      // At 100 ms a container serves ~9 lookups/s; 8 containers keep up with the limit.
      spec: { ...none, sqsContainers: 2, apiContainers: 8, apiRps: limit, apiSeconds },
      target: 'served ÷ limit ≥ 0.90, no 429',
      met: (run) => apiServed(run, limit) >= 0.9 && run.throttled === 0,
    },
    {
      name: 'mixed',
      spec: { ...none, sqsContainers: 2, apiContainers: 3, rows: mixedRows, apiRps: 0.2 * limit },
      target: 'total ≥ 0.93 × limit; API p99 wait ≤ 2 slot intervals',
      met: (run) => utilisation(run, limit) >= 0.93 && apiP99(run) <= 2 * run.result.intervalMs,
    },
    {
      name: 'churn + skew',
      spec: {
        ...none,
        sqsContainers: 6,
        apiContainers: 4,
        rows: Math.round(limit * churnSeconds * 0.8),
        apiRps: 0.3 * limit,
        churnEveryMs,
        skewMs,
        batchSize: Math.min(batchSize, 20),
      },
      target: 'max in any 1 s ≤ limit; 429s ≤ 0.5 % of requests',
      met: (run, limitRps) =>
        run.maxInAnySecond <= limitRps && run.throttled <= 0.005 * run.requests,
    },
  ];
}

async function runOne(
  scenario: Scenario,
  design: BudgetDesign,
  settings: BenchSettings,
  seed: number,
): Promise<Run> {
  const sim = await startSimulatorProcess([
    '--rps',
    String(settings.limitRps),
    '--latency',
    String(settings.latencyMs),
    '--contacts',
    '500',
  ]);
  const dynamodb = design === 'static' ? null : await startDynamoDbProcess();
  try {
    const result = await runFleet(
      { ...scenario.spec, design, seed },
      { limitRps: settings.limitRps, simulatorUrl: sim.url, dynamodbUrl: dynamodb?.url ?? null },
    );
    const stats = await sim.stop();
    return {
      scenario,
      design,
      result,
      requests: stats.requests,
      throttled: stats.byStatus['429'] ?? 0,
      maxInAnySecond: stats.maxInAnySecond,
    };
  } finally {
    await dynamodb?.stop();
    await sim.stop().catch(() => undefined);
  }
}

export const coordinator: BenchSection = {
  title:
    'One organisation budget shared by every container (static split vs slot dispenser vs rate leases)',
  async run(settings) {
    const limit = settings.limitRps;
    const runs: Run[] = [];
    let seed = 1;
    for (const scenario of scenarios(limit)) {
      for (const design of designs()) {
        runs.push(await runOne(scenario, design, settings, seed));
        seed += 1;
        await pause(200);
      }
    }
    const interval = runs[0]?.result.intervalMs ?? Number.NaN;
    return {
      description:
        `The deployed defaults' shape (2 SQS containers at a static share of 0.4 each, API containers sharing 0.2) at a limit of ${limit} requests/s and ${settings.latencyMs} ms latency; ` +
        'each scenario once per design, one after the other, each with a fresh simulator (child process) and a fresh local DynamoDB (dynalite, child process). ' +
        `A slot of the shared budget is ${fixed(interval, 1)} ms (1050 ms / ${limit}: 20 ms clock skew, 10 ms lateness, 20 ms arrival jitter).`,
      columns: [
        'scenario',
        'design',
        'containers',
        'seconds',
        'rows answered',
        'lookups answered',
        'lookups refused',
        'answered/s ÷ limit',
        'API served ÷ limit',
        'API wait p50 ms',
        'API wait p99 ms',
        'requests',
        '429s',
        'max req in 1 s',
        'coord. writes + reads per request',
        'rows lost',
        'target (dispenser)',
      ],
      rows: runs.map((run) => {
        const { result } = run;
        const apiRows = result.apiWaitsMs.length > 0;
        return [
          run.scenario.name,
          DESIGN_NAMES[run.design],
          String(result.containersStarted),
          fixed(result.seconds, 1),
          String(result.rowsAnswered),
          String(result.apiAnswered),
          run.scenario.spec.apiRps > 0 ? String(result.apiRefused) : '-',
          fixed(utilisation(run, limit), 3),
          run.scenario.spec.apiRps > 0 ? fixed(apiServed(run, limit), 3) : '-',
          apiRows ? fixed(percentile(result.apiWaitsMs, 50), 1) : '-',
          apiRows ? fixed(apiP99(run), 1) : '-',
          String(run.requests),
          String(run.throttled),
          String(run.maxInAnySecond),
          run.design === 'static'
            ? '-'
            : `${fixed(result.coordinatorWrites / run.requests, 2)} + ${fixed(result.coordinatorReads / run.requests, 2)}`,
          String(result.rowsLost),
          run.design === 'dispenser'
            ? `${run.scenario.target}: ${met(run.scenario.met(run, limit) && result.rowsLost === 0)}`
            : '',
        ];
      }),
      notes: [
        'answered/s ÷ limit: rows and lookups answered (200 or 404) per second of the run, from the first request’s start to the last answer (a container’s first claim also opens its connection to the table) ÷ the limit; the shared budget spaces slots 1050 / 1000 apart, so 0.952 is its ceiling, the static split’s is the sum of the static rates',
        `API wait: the time a lookup waited for its slot (the limiter's acquire), p50 and p99; 2 slot intervals = ${fixed(2 * interval, 1)} ms; lookups refused: lookups that found no API container free within a second (API Gateway and Lambda would answer them 429), offered lookups = answered + refused`,
        'coord. writes + reads per request: requests to the budget table per request to respond.io; dynalite does not return the item with a failed condition, so each refusal here costs a read that DynamoDB saves (the writes are what DynamoDB bills; docs/costs.md gives the cost per million lookups)',
        'max req in 1 s: every request the simulator received in any sliding 1000 ms window, rejected ones included; rows lost: rows with neither a result row nor a dead-letter move at the end',
        'churn + skew: 6 SQS and 4 API containers, one replaced (fresh limiter, client and clock) every BENCH_COORD_CHURN_MS; each container’s clock is offset so that any two are at most BENCH_COORD_SKEW_MS apart; lookups at 0.3 × the limit on top of the backlog',
      ],
    };
  },
};
