/**
 * Section "arrival jitter": the budget guarantees request *starts* (the moment a limiter lets a
 * request go, on the container's clock); respond.io counts *arrivals*. Between the two lies the
 * time a request takes to get there, and only its variation matters: a request delayed more than
 * the ones after it can share a second with one more of them. The design keeps 20 ms of every
 * second's spacing for that variation (ARRIVAL_JITTER_MS, and the static limiter's guard). This
 * section measures the variation on this machine, side by side: the simulator in this process (as
 * the tests run it: one event loop for both sides) and in a child process (an event loop of its
 * own, as a remote service has), each with the machine idle and with one core kept busy by
 * another process.
 *
 * Two containers at half the limit each (the static limiter: its spacing is the design's), every
 * lookup waiting from the start, so both run flat out. Each container's starts are first in,
 * first out, so start k is lookup k's; its arrival is found by its identifier in the simulator's
 * request log. Delay = arrival − start; its spread = delay − the run's smallest delay (the two
 * processes' clocks may differ by a constant, which this removes).
 *
 * Settings: BENCH_JITTER_SECONDS (default 10) of requests per run; the limit is BENCH_LIMIT_RPS.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { ARRIVAL_JITTER_MS } from '../../functions/budget/plan.js';
import { createRateLimiter } from '../../functions/budget/static-limiter.js';
import { createIdentifierParser } from '../../functions/lookup/identifier.js';
import { createRespondioDirectory } from '../../functions/lookup/respondio.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { startSimulator } from '../../local/simulator/server.js';
import { type BenchSection, type BenchTable, fixed, percentile } from '../table.js';
import { demoTokens, numberSetting, startSimulatorProcess } from './harness.js';

const CONTAINERS = 2;
const identifiers = createIdentifierParser({ defaultPhoneCountry: null });

type Where = 'this process' | 'a child process';

interface JitterRun {
  readonly where: Where;
  readonly busy: boolean;
  readonly requests: number;
  readonly maxStarts: number;
  readonly maxArrivals: number;
  /** Delay − the smallest delay of the run, ms, ascending. */
  readonly spreads: readonly number[];
}

/** A simulator for the run, and how to stop it and read its arrivals (path, epoch ms). */
async function simulatorIn(where: Where) {
  if (where === 'this process') {
    const sim = await startSimulator({ latencyMs: 0 });
    return {
      url: sim.url,
      async arrivals(): Promise<[string, number][]> {
        const log = sim.requestLog().map((entry): [string, number] => [entry.path, entry.at]);
        await sim.close();
        return log;
      },
    };
  }
  const child = await startSimulatorProcess(['--log-arrivals']);
  return { url: child.url, arrivals: async () => (await child.stop()).arrivals ?? [] };
}

/** Keeps one core busy in a process of its own until `stop`. */
function burnOneCore(): { stop(): void } {
  const burner: ChildProcess = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  return { stop: () => burner.kill('SIGKILL') };
}

async function measure(where: Where, busy: boolean, limitRps: number, seconds: number) {
  const burner = busy ? burnOneCore() : null;
  try {
    const sim = await simulatorIn(where);
    const perContainer = Math.round((seconds * limitRps) / CONTAINERS);
    /** Start time by the contact id each request asks for. */
    const startOf = new Map<number, number>();
    await Promise.all(
      Array.from({ length: CONTAINERS }, async (_, container) => {
        const starts: number[] = [];
        const directory = createRespondioDirectory({
          baseUrl: sim.url,
          tokens: demoTokens,
          limiter: createRateLimiter({
            requestsPerSecond: limitRps / CONTAINERS,
            onStart: ({ at }) => starts.push(at),
          }),
          requestTimeoutMs: 30_000,
          maxAttempts: 1,
          maxRetryAfterMs: 0,
        });
        const ids = Array.from({ length: perContainer }, (_, k) => (container + 1) * 1e6 + k);
        await Promise.all(
          ids.map((id) => {
            const parsed = identifiers.parse(`id:${id}`);
            if (!parsed.ok) throw new Error(parsed.message);
            return directory.getContact(parsed.identifier, { deadlineAt: Date.now() + 600_000 });
          }),
        );
        for (const [k, id] of ids.entries()) startOf.set(id, starts[k] ?? Number.NaN);
      }),
    );
    const arrivals = await sim.arrivals();
    const delays: number[] = [];
    for (const [path, at] of arrivals) {
      const id = Number(/id:(\d+)/.exec(path)?.[1]);
      const start = startOf.get(id);
      if (start !== undefined) delays.push(at - start);
    }
    const least = Math.min(...delays);
    return {
      where,
      busy,
      requests: arrivals.length,
      maxStarts: maxInWindow([...startOf.values()], 1000),
      maxArrivals: maxInWindow(
        arrivals.map(([, at]) => at),
        1000,
      ),
      spreads: delays.map((delay) => delay - least).sort((a, b) => a - b),
    } satisfies JitterRun;
  } finally {
    burner?.stop();
  }
}

export const arrivalJitter: BenchSection = {
  title: 'Arrival jitter: request starts against their arrivals at the simulator',
  async run(settings): Promise<BenchTable> {
    const seconds = numberSetting('BENCH_JITTER_SECONDS', 10);
    const runs: JitterRun[] = [];
    for (const where of ['this process', 'a child process'] as const) {
      for (const busy of [false, true]) {
        runs.push(await measure(where, busy, settings.limitRps, seconds));
      }
    }
    const startsPerWindow = Math.floor(settings.limitRps / CONTAINERS) * CONTAINERS;
    return {
      description:
        `${CONTAINERS} containers at ${settings.limitRps / CONTAINERS} requests/s each (the static limiter), ` +
        `${seconds} s of requests per run. Spread: how much later than the run's quickest request ` +
        'a request arrived after its start.',
      columns: [
        'simulator in',
        'machine',
        'requests',
        'max starts in 1 s',
        'max arrivals in 1 s',
        'spread p50 / p99 / p99.9 / max (ms)',
        `spread > ${ARRIVAL_JITTER_MS} ms`,
      ],
      rows: runs.map((run) => [
        run.where,
        run.busy ? 'one core busy' : 'idle',
        String(run.requests),
        `${run.maxStarts} / ${startsPerWindow}`,
        `${run.maxArrivals} / ${startsPerWindow}`,
        [50, 99, 99.9, 100].map((p) => fixed(percentile(run.spreads, p), 1)).join(' / '),
        `${fixed((100 * run.spreads.filter((s) => s > ARRIVAL_JITTER_MS).length) / Math.max(run.spreads.length, 1), 2)} %`,
      ]),
      notes: [
        `Starts never exceed ${startsPerWindow} in any second by design; arrivals stay within it while the spread stays under the ${ARRIVAL_JITTER_MS} ms the design keeps for it.`,
        'The busy core is a `node -e "for(;;){}"` process beside the run; the simulator in a child process has its own event loop, as respond.io has.',
      ],
    };
  },
};
