/**
 * Section "learning" (issue 18): the shared budget learning the organisation's real limit,
 * side by side with today's behaviour (RATE_BUDGET_LEARNING=false) in the same run, at a scaled
 * limit with 3 SQS containers sharing one budget table (dynalite in a child process) against the
 * simulator (a child process that enforces its limit, answers 429 with Retry-After and sends
 * X-RateLimit headers):
 *
 * - configured above the real limit (20 requests/s against 12);
 * - another client of the organisation takes 40 % of the limit for 20 s, then stops;
 * - the real limit halves for 10 s, then comes back;
 * - configured = real: the coordinator section's batch, API and mixed shapes;
 * - four callers at the same instant, every second, with 4 API containers (the new default) and
 *   with 1 (the old one), a call that finds no container free refused at once (as Lambda does).
 *
 * Every run starts a fresh simulator and table. A run is time-boxed: the SQS containers take no
 * new batch after BENCH_LEARN_SECONDS (rows left in the backlog are not lost). Each of the first
 * three scenarios is drawn as a chart, bench/results/learning-<id>.svg: accepted requests/s,
 * 429s/s and the learned rate over time, today's behaviour beside the new one.
 *
 * Settings: BENCH_LEARN_SECONDS (40), BENCH_LEARN_LIMIT_RPS (20), BENCH_LATENCY_MS (latency).
 */

import { join } from 'node:path';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { DEMO_TOKEN } from '../../local/simulator/server.js';
import { writeLineChart } from '../charts.js';
import { type BenchSection, type BenchTable, fixed, met, percentile } from '../table.js';
import { type FleetResult, type FleetSpec, runFleet } from './coordinator-fleet.js';
import {
  numberSetting,
  pause,
  projectRoot,
  startDynamoDbProcess,
  startSimulatorProcess,
} from './harness.js';

/** A change of respond.io during a run: another client, or a new real limit. */
interface Disturbance {
  readonly fromS: number;
  readonly toS: number;
  /** `others`: another client sends `value` requests/s; `limit`: the real limit is `value`. */
  readonly kind: 'others' | 'limit';
  readonly value: number;
}

interface Scenario {
  readonly id: string;
  readonly name: string;
  readonly configuredRps: number;
  readonly realRps: number;
  readonly disturbance?: Disturbance;
  readonly seconds: number;
}

interface Run {
  readonly learning: boolean;
  readonly result: FleetResult;
  /** Our requests and the other client's, per whole second of the run. */
  readonly perSecond: readonly {
    accepted: number;
    throttled: number;
    othersAccepted: number;
    rate: number;
  }[];
  /** Our requests' arrival times (s after the start) and statuses. */
  readonly ours: readonly { readonly at: number; readonly status: number | string }[];
}

/** Paths of the other client: ids far from the fleet's. */
const OTHER_ID = 8_000_000;

/** Our requests' 429 share between two times (s), or over the run. */
function share429(run: Run, fromS = 0, toS = Number.POSITIVE_INFINITY): number {
  const ours = run.ours.filter((each) => each.at >= fromS && each.at < toS);
  return ours.filter((each) => each.status === 429).length / Math.max(ours.length, 1);
}

/** Seconds after `fromS` until our accepted requests reached `goal` in a second (NaN: never). */
function recoveredAfter(run: Run, fromS: number, goal: number): number {
  for (let second = Math.ceil(fromS); second < run.perSecond.length; second += 1) {
    if ((run.perSecond[second]?.accepted ?? 0) >= goal) return second - fromS;
  }
  return Number.NaN;
}

/** The real limit at second `at` of a scenario: what respond.io leaves the connector. */
function limitAt(scenario: Scenario, at: number): number {
  const d = scenario.disturbance;
  if (d === undefined || at < d.fromS || at >= d.toS) return scenario.realRps;
  return d.kind === 'limit' ? d.value : scenario.realRps - d.value;
}

/** The organisation's real limit at second `at` (what respond.io enforces for everyone). */
function orgLimitAt(scenario: Scenario, at: number): number {
  const d = scenario.disturbance;
  if (d === undefined || d.kind !== 'limit' || at < d.fromS || at >= d.toS) return scenario.realRps;
  return d.value;
}

/**
 * The most of our requests in any second, counted where the rate has been learned: from 5 s
 * after each change of the real limit to the next; and the organisation's limit there.
 */
function learnedMax(scenario: Scenario, run: Run): { max: number; limit: number } {
  const d = scenario.disturbance;
  const changes = [0, ...(d ? [d.fromS, d.toS] : []), Number.POSITIVE_INFINITY];
  let max = 0;
  let limit = Number.POSITIVE_INFINITY;
  for (let index = 0; index + 1 < changes.length; index += 1) {
    const from = (changes[index] as number) + 5;
    const to = changes[index + 1] as number;
    const times = run.ours.filter((each) => each.at >= from && each.at < to).map((e) => e.at);
    const most = maxInWindow(
      times.map((at) => at * 1000),
      1000,
    );
    const here = orgLimitAt(scenario, from);
    if (most - here > max - limit || !Number.isFinite(limit)) {
      max = most;
      limit = here;
    }
  }
  return { max, limit };
}

async function runScenario(scenario: Scenario, learning: boolean, latencyMs: number): Promise<Run> {
  const sim = await startSimulatorProcess([
    '--rps',
    String(scenario.realRps),
    '--latency',
    String(latencyMs),
    '--contacts',
    '500',
    '--log-arrivals',
    '--control',
  ]);
  const dynamodb = await startDynamoDbProcess();
  const d = scenario.disturbance;
  const timers: NodeJS.Timeout[] = [];
  let othersRunning = false;
  const others: Promise<void>[] = [];
  const startedAt = Date.now();
  try {
    if (d !== undefined) {
      timers.push(
        setTimeout(() => {
          if (d.kind === 'limit') sim.setRateLimit(d.value);
          else {
            othersRunning = true;
            others.push(otherClient(sim.url, d.value, () => othersRunning));
          }
        }, d.fromS * 1000),
        setTimeout(() => {
          if (d.kind === 'limit') sim.setRateLimit(scenario.realRps);
          else othersRunning = false;
        }, d.toS * 1000),
      );
    }
    const spec: FleetSpec = {
      design: 'dispenser',
      sqsContainers: 3,
      apiContainers: 1,
      rows: Math.round(scenario.seconds * scenario.configuredRps * 1.5),
      batchSize: 10,
      apiRps: 0,
      apiSeconds: 0,
      churnEveryMs: 0,
      skewMs: 0,
      seed: 18,
      learning,
      untilMs: scenario.seconds * 1000,
    };
    const result = await runFleet(spec, {
      limitRps: scenario.configuredRps,
      simulatorUrl: sim.url,
      dynamodbUrl: dynamodb.url,
    });
    othersRunning = false;
    await Promise.all(others);
    const stats = await sim.stop();
    const ours: { at: number; status: number | string }[] = [];
    const seconds = Math.ceil(scenario.seconds) + 2;
    const perSecond = Array.from({ length: seconds }, (_, second) => ({
      accepted: 0,
      throttled: 0,
      othersAccepted: 0,
      rate: rateDuring(result, second),
    }));
    for (const [path, at, status] of stats.arrivals ?? []) {
      const second = Math.floor((at - startedAt) / 1000);
      const slot = perSecond[second];
      const isOther = Number(/id:(\d+)/.exec(path)?.[1]) >= OTHER_ID;
      if (isOther) {
        if (slot && status !== 429) slot.othersAccepted += 1;
        continue;
      }
      ours.push({ at: (at - startedAt) / 1000, status });
      if (slot && status === 429) slot.throttled += 1;
      else if (slot) slot.accepted += 1;
    }
    return { learning, result, perSecond, ours };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await dynamodb.stop();
  }
}

/** The lowest learned rate any container allowed during `second` of the run. */
function rateDuring(result: FleetResult, second: number): number {
  const samples = result.rateTimeline.filter(
    (sample) => sample.atMs >= second * 1000 && sample.atMs < (second + 1) * 1000,
  );
  return samples.length === 0 ? Number.NaN : Math.min(...samples.map((sample) => sample.rps));
}

/** Another integration of the organisation: `rps` lookups a second, no retries, while it runs. */
async function otherClient(url: string, rps: number, running: () => boolean): Promise<void> {
  let index = 0;
  const startedAt = performance.now();
  while (running()) {
    index += 1;
    void fetch(`${url}/contact/id:${OTHER_ID + index}`, {
      headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    })
      .then((answer) => answer.arrayBuffer())
      .catch(() => undefined);
    const due = startedAt + (index * 1000) / rps;
    await pause(Math.max(0, due - performance.now()));
  }
}

async function chart(scenario: Scenario, runs: readonly Run[]): Promise<string> {
  const path = join(projectRoot, 'bench', 'results', `learning-${scenario.id}.svg`);
  const panel = (run: Run) => (run.learning ? 'learning' : 'today (learning off)');
  const points = runs.flatMap((run) =>
    run.perSecond.flatMap((second, x) => [
      { panel: panel(run), series: 'accepted/s (ours)', x, y: second.accepted },
      { panel: panel(run), series: '429s/s (ours)', x, y: second.throttled },
      ...(scenario.disturbance?.kind === 'others'
        ? [
            {
              panel: panel(run),
              series: 'accepted/s (the other client)',
              x,
              y: second.othersAccepted,
            },
          ]
        : []),
      ...(Number.isFinite(second.rate)
        ? [{ panel: panel(run), series: 'rate the budget allowed', x, y: second.rate }]
        : []),
      { panel: panel(run), series: 'real limit (for us)', x, y: limitAt(scenario, x) },
    ]),
  );
  await writeLineChart(path, {
    title: scenario.name,
    xTitle: 'seconds',
    yTitle: 'requests/s',
    panels: ['today (learning off)', 'learning'],
    series: [
      { name: 'accepted/s (ours)', color: '#1f77b4' },
      { name: '429s/s (ours)', color: '#d62728' },
      { name: 'accepted/s (the other client)', color: '#9467bd' },
      { name: 'rate the budget allowed', color: '#2ca02c' },
      { name: 'real limit (for us)', color: '#7f7f7f' },
    ],
    points,
  });
  return `bench/results/learning-${scenario.id}.svg`;
}

export const learning: BenchSection = {
  title: 'The budget learning the real limit (learning off = today, side by side)',
  async run(settings): Promise<BenchTable> {
    const seconds = numberSetting('BENCH_LEARN_SECONDS', 40);
    const limit = numberSetting('BENCH_LEARN_LIMIT_RPS', 20);
    const latencyMs = settings.latencyMs;
    const scenarios: (Scenario & { target: string; met: (run: Run) => boolean })[] = [
      {
        id: 'too-high',
        name: `configured ${limit}/s, real limit ${Math.round(0.6 * limit)}/s`,
        configuredRps: limit,
        realRps: Math.round(0.6 * limit),
        seconds,
        target: `429s ≤ 3 %; answered rows/s ≥ 0.85 × ${Math.round(0.6 * limit)}`,
        met: (run) =>
          share429(run) <= 0.03 &&
          run.result.rowsAnswered / run.result.seconds >= 0.85 * Math.round(0.6 * limit),
      },
      {
        id: 'others',
        name: `configured = real = ${limit}/s; another client takes 40 % for 20 s`,
        configuredRps: limit,
        realRps: limit,
        disturbance: { fromS: 10, toS: 30, kind: 'others', value: 0.4 * limit },
        seconds: Math.max(seconds, 45),
        target: '429s ≤ 5 % while it runs; ≥ 0.9 × limit again within 30 s',
        met: (run) => share429(run, 10, 30) <= 0.05 && recoveredAfter(run, 30, 0.9 * limit) <= 30,
      },
      {
        id: 'halved',
        name: `real limit ${limit}/s halves for 10 s, then comes back`,
        configuredRps: limit,
        realRps: limit,
        disturbance: { fromS: 10, toS: 20, kind: 'limit', value: limit / 2 },
        seconds: Math.max(seconds, 35),
        target: '429s ≤ 5 % while it lasts; ≥ 0.9 × limit again within 30 s',
        met: (run) => share429(run, 10, 20) <= 0.05 && recoveredAfter(run, 20, 0.9 * limit) <= 30,
      },
    ];
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const scenario of scenarios) {
      const runs: Run[] = [];
      for (const learns of [false, true]) runs.push(await runScenario(scenario, learns, latencyMs));
      notes.push(`${scenario.name}: chart ${await chart(scenario, runs)}`);
      const others = scenario.disturbance;
      if (others?.kind === 'others') {
        const sent = Math.round(others.value * (others.toS - others.fromS));
        const through = runs.map(
          (run) =>
            `${run.learning ? 'learning' : 'today'} ${run.perSecond.reduce((sum, second) => sum + second.othersAccepted, 0)}`,
        );
        notes.push(
          `${scenario.name}: the other client's requests answered (of about ${sent} sent): ${through.join(', ')}`,
        );
      }
      for (const run of runs) {
        const d = scenario.disturbance;
        const learned = learnedMax(scenario, run);
        rows.push([
          `${scenario.name}: ${run.learning ? 'learning' : 'today'}`,
          `${fixed(100 * share429(run), 1)} %`,
          d ? `${fixed(100 * share429(run, d.fromS, d.toS), 1)} %` : '-',
          fixed(run.result.rowsAnswered / run.result.seconds, 2),
          d ? `${fixed(recoveredAfter(run, d.toS, 0.9 * scenario.realRps), 0)} s` : '-',
          `${learned.max} / ${learned.limit}`,
          String(run.result.rowsLost),
          run.learning ? `${scenario.target}: ${met(scenario.met(run))}` : '(baseline)',
        ]);
      }
    }
    rows.push(...(await todaysScenarios(limit, latencyMs)));
    return {
      description:
        `3 SQS containers (the real SQS function, batches of 10) on one budget table, ${latencyMs} ms latency; ` +
        `each run ${seconds}–45 s, today's behaviour (RATE_BUDGET_LEARNING=false) beside the learned rate.`,
      columns: [
        'scenario',
        '429s (of our requests)',
        '429s during the change',
        'answered rows/s',
        'back to 0.9 × limit after',
        'most of ours in 1 s once learned / real limit',
        'rows lost',
        'target',
      ],
      rows,
      notes: [
        ...notes,
        'Once learned: from 5 s after each change of the real limit to the next; the real limit is the organisation’s (with another client, ours and its requests share it).',
      ],
    };
  },
};

/**
 * Configured = real: the coordinator section's shapes with and without learning (no worse than
 * today), and four callers at the same instant with 4 API containers against 1.
 */
async function todaysScenarios(limit: number, latencyMs: number): Promise<string[][]> {
  const none = {
    design: 'dispenser' as const,
    rows: 0,
    apiRps: 0,
    apiSeconds: 0,
    churnEveryMs: 0,
    skewMs: 0,
    batchSize: 50,
    seed: 9,
  };
  const shapes: { name: string; spec: Omit<FleetSpec, 'learning'>; target: string }[] = [
    {
      name: 'batch only',
      spec: { ...none, sqsContainers: 2, apiContainers: 1, rows: 400 },
      target: 'rows/s ÷ limit ≥ 0.93',
    },
    {
      name: 'API only',
      spec: { ...none, sqsContainers: 2, apiContainers: 8, apiRps: limit, apiSeconds: 4 },
      target: 'served ÷ limit ≥ 0.90',
    },
    {
      name: 'mixed',
      spec: { ...none, sqsContainers: 2, apiContainers: 3, rows: 500, apiRps: 0.2 * limit },
      target: 'API p99 wait as today',
    },
  ];
  const rows: string[][] = [];
  for (const shape of shapes) {
    for (const learns of [false, true]) {
      const result = await withStandIns(limit, latencyMs, (environment) =>
        runFleet({ ...shape.spec, learning: learns }, environment),
      );
      const served = (result.rowsAnswered + result.apiAnswered) / result.seconds / limit;
      rows.push([
        `configured = real, ${shape.name}: ${learns ? 'learning' : 'today'}`,
        '-',
        '-',
        `${fixed(served, 3)} × limit`,
        '-',
        '-',
        String(result.rowsLost),
        `${shape.target}${result.apiWaitsMs.length > 0 ? `; API wait p99 ${fixed(percentile(result.apiWaitsMs, 99), 0)} ms` : ''}`,
      ]);
    }
  }
  // Four callers at once, every second: 4 API containers (the default) or 1 (the old default).
  for (const containers of [1, 4]) {
    const result = await withStandIns(limit, latencyMs, async (environment) => {
      const bursts = [];
      for (let second = 0; second < 5; second += 1) {
        bursts.push(
          runFleet(
            {
              ...none,
              sqsContainers: 2,
              apiContainers: containers,
              // Four lookups 0.25 ms apart: at the same instant, for a Lambda.
              apiRps: 4000,
              apiSeconds: 0.00075,
              queueLimitMs: 0,
              seed: second,
            },
            environment,
          ),
        );
        await pause(1000);
      }
      const all = await Promise.all(bursts);
      return all.reduce((sum, each) => ({
        ...each,
        apiOffered: sum.apiOffered + each.apiOffered,
        apiAnswered: sum.apiAnswered + each.apiAnswered,
        apiRefused: sum.apiRefused + each.apiRefused,
      }));
    });
    rows.push([
      `4 callers at the same instant, 5 times: ${containers} API container${containers > 1 ? 's' : ''}`,
      '-',
      '-',
      `${result.apiAnswered} of ${result.apiOffered} answered`,
      '-',
      '-',
      String(result.rowsLost),
      `${result.apiRefused} refused (a throttle: no container free)`,
    ]);
  }
  return rows;
}

/** A fresh simulator (the limit = the configured rate) and table for one run. */
async function withStandIns<T>(
  limit: number,
  latencyMs: number,
  run: (environment: { limitRps: number; simulatorUrl: string; dynamodbUrl: string }) => Promise<T>,
): Promise<T> {
  const sim = await startSimulatorProcess([
    '--rps',
    String(limit),
    '--latency',
    String(latencyMs),
    '--contacts',
    '500',
  ]);
  const dynamodb = await startDynamoDbProcess();
  try {
    return await run({ limitRps: limit, simulatorUrl: sim.url, dynamodbUrl: dynamodb.url });
  } finally {
    await Promise.all([sim.stop(), dynamodb.stop()]);
  }
}
