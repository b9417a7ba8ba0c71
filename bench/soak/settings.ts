/**
 * Settings of the soak run: defaults for `npm run soak`, the short version for `npm test`, and
 * the SOAK_* environment variables that override them.
 */

import { type ErrorBehavior, parseErrorBehavior } from '../../functions/settings/error-behavior.js';
import type { FaultRates } from '../../local/simulator/server.js';
import type { CoordinatorFaultRates } from './faulty-dynamodb.js';
import type { SendBatchFaultRates } from './faulty-sqs.js';

export interface SoakSettings {
  /** Input rows sent through the pipeline. SOAK_ROWS */
  readonly rows: number;
  /** The organisation's limit, enforced by the simulator; the function's budget. SOAK_RPS */
  readonly limitRps: number;
  /** Pollers ("containers"), each with an equal share of the budget. SOAK_CONTAINERS */
  readonly containers: number;
  /** Records per invocation, at most. SOAK_BATCH_SIZE */
  readonly batchSize: number;
  /** Simulator latency per answer. SOAK_LATENCY_MS */
  readonly latencyMs: number;
  /** Master seed; every other seed is derived from it (see soakSeeds). SOAK_SEED */
  readonly seed: number;
  /** ERROR_BEHAVIOR of the function. SOAK_ERROR_BEHAVIOR */
  readonly errorBehavior: ErrorBehavior;
  /** RESPONDIO_TIMEOUT_MS of the function. SOAK_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs: number;
  /** The input queue's redrive maxReceiveCount. SOAK_MAX_RECEIVE_COUNT */
  readonly maxReceiveCount: number;
  /** Multiplies every per-request and SendMessageBatch fault rate. SOAK_FAULT_SCALE */
  readonly faultScale: number;
  /** Shortest length of each 429 storm (it lasts until its first 429). SOAK_STORM_MS */
  readonly stormMs: number;
  /** Time between the token rotation at respond.io and the new token in the secret. SOAK_ROTATION_GAP_MS */
  readonly rotationGapMs: number;
  /** The function's TOKEN_CACHE_TTL_SECONDS. SOAK_TOKEN_TTL_SECONDS */
  readonly tokenTtlSeconds: number;
  /** Length of the Secrets Manager outage (every request fails), longer than the TTL. SOAK_SECRETS_OUTAGE_MS */
  readonly secretsOutageMs: number;
  /** Share of invocations given a time limit that ends mid-batch. SOAK_SHORT_TIMEOUT_RATE */
  readonly shortTimeoutRate: number;
  /** Share of first deliveries made visible again at once (duplicate delivery). SOAK_DUPLICATE_RATE */
  readonly duplicateRate: number;
  /** Give up (and count what is missing as lost) after this long. SOAK_GIVE_UP_SECONDS */
  readonly giveUpMs: number;
  /** Length of the budget table's outage (every request hangs). SOAK_COORDINATOR_OUTAGE_MS */
  readonly coordinatorOutageMs: number;
}

/** `npm run soak`: 10,000 rows at 200 requests/s, a few minutes on two cores. */
export const DEFAULT_SOAK_SETTINGS: SoakSettings = {
  rows: 10_000,
  limitRps: 200,
  containers: 2,
  batchSize: 200,
  latencyMs: 20,
  seed: 20_260_501,
  errorBehavior: 'FailAndReturnResponse',
  requestTimeoutMs: 1000,
  maxReceiveCount: 5,
  faultScale: 1,
  stormMs: 3000,
  rotationGapMs: 300,
  tokenTtlSeconds: 5,
  secretsOutageMs: 15_000,
  shortTimeoutRate: 0.1,
  duplicateRate: 0.02,
  giveUpMs: 900_000,
  coordinatorOutageMs: 4000,
};

/** The short soak of `npm test`: every fault kind, a few hundred rows, about twenty seconds. */
export const SHORT_SOAK_SETTINGS: SoakSettings = {
  ...DEFAULT_SOAK_SETTINGS,
  rows: 400,
  limitRps: 100,
  batchSize: 40,
  latencyMs: 5,
  // Short enough that a short time limit lets even a container with the whole budget finish
  // fewer rows (32) than a batch holds (40), so such batches must hand rows back.
  requestTimeoutMs: 300,
  faultScale: 3,
  stormMs: 800,
  rotationGapMs: 150,
  tokenTtlSeconds: 1,
  secretsOutageMs: 3000,
  shortTimeoutRate: 0.5,
  duplicateRate: 0.04,
  // About 20 s on an idle 2-core machine; room for a busy one (the verdict is rows, not time).
  giveUpMs: 150_000,
  // Longer than the fallback delay (3.2 s with learning), so the containers do go onto it.
  coordinatorOutageMs: 4000,
};

/** Per-request fault rates of the simulator at faultScale 1 (about 5.5% of requests fail). */
export const BASE_FAULT_RATES: Required<FaultRates> = {
  status500: 0.01,
  status502: 0.008,
  status503: 0.008,
  status504: 0.005,
  status449: 0.01,
  // 429s come in storms (below): a 429 pauses the whole container for its Retry-After, so a
  // steady trickle of them would only measure the pauses.
  status429: 0,
  hang: 0.003,
  reset: 0.006,
  nonJson: 0.005,
  slow: 0.005,
};

/** SendMessageBatch faults on the results and dead-letter queues at faultScale 1. */
export const BASE_SEND_BATCH_FAULTS: SendBatchFaultRates = {
  entryFailure: 0.03,
  callFailure: 0.02,
  answerLost: 0.02,
};

/**
 * Budget table faults at faultScale 1, per request: throttling, 500s, answers slower than the
 * functions' coordinator timeout (RATE_BUDGET_TIMEOUT_MS). Each makes one claim unreachable.
 */
export const BASE_COORDINATOR_FAULTS: CoordinatorFaultRates = {
  throttle: 0.01,
  error: 0.005,
  slow: 0.005,
};

/** A slow answer from the budget table comes this late (the functions give up after 100 ms). */
export const COORDINATOR_SLOW_MS = 300;

/** The second storm: this share of requests answered 429 with Retry-After. */
export const STORM_429_RATE = 0.5;
/** The first storm: the simulator's limit drops to this fraction of the budget. */
export const STORM_LIMIT_FACTOR = 0.25;
/** Where the phases of the soak start, as shares of the rows done. */
export const PHASES = {
  /** The budget table hangs for coordinatorOutageMs: every container falls back, then recovers. */
  coordinatorOutage: 0.1,
  storm1: 0.2,
  /** Early enough that rows are still flowing for several TTLs. */
  secretsOutage: 0.3,
  /** Not before the outage has ended: the rotation must be recovered by the re-read. */
  rotation: 0.5,
  storm2: 0.7,
} as const;
/** Secrets Manager failures queued at start-up and right after the secret is rotated. */
export const SECRET_FAILURES = 4;
/** Shares of the input rows that are unknown contacts (404) and poison messages (400). */
export const NOT_FOUND_SHARE = 0.05;
export const POISON_SHARE = 0.01;
/** Contacts the simulator knows (ids 1..N). */
export const SOAK_CONTACTS = 500;

export interface SoakSeeds {
  /** Simulator faults, from the start. */
  readonly faults: number;
  /** Simulator faults during the 429 storm and after it. */
  readonly stormFaults: number;
  readonly afterStormFaults: number;
  /** SendMessageBatch faults (container n uses this + 1000 n). */
  readonly sendBatch: number;
  /** Early redeliveries (duplicates). */
  readonly duplicates: number;
  /** Short invocation time limits. */
  readonly deadlines: number;
  /** Input rows and contacts. */
  readonly rows: number;
  /** Budget table faults. */
  readonly coordinator: number;
  /** The respond.io client's retry jitter is Math.random (not seeded). */
}

export function soakSeeds(seed: number): SoakSeeds {
  return {
    faults: seed,
    stormFaults: seed + 1,
    afterStormFaults: seed + 2,
    sendBatch: seed + 3,
    duplicates: seed + 4,
    deadlines: seed + 5,
    rows: seed + 6,
    coordinator: seed + 7,
  };
}

/** Scales the fault rates; the simulator needs their sum (without `slow`) to stay ≤ 1. */
export function scaledFaultRates(scale: number): Required<FaultRates> {
  const scaled = Object.fromEntries(
    Object.entries(BASE_FAULT_RATES).map(([kind, rate]) => [kind, Math.min(1, rate * scale)]),
  ) as Required<FaultRates>;
  const total = Object.entries(scaled)
    .filter(([kind]) => kind !== 'slow')
    .reduce((sum, [, rate]) => sum + rate, 0);
  if (total > 0.9)
    throw new RangeError(`SOAK_FAULT_SCALE ${scale} makes ${total} of requests fail`);
  return scaled;
}

export function scaledCoordinatorFaults(scale: number): CoordinatorFaultRates {
  return {
    throttle: Math.min(0.3, BASE_COORDINATOR_FAULTS.throttle * scale),
    error: Math.min(0.3, BASE_COORDINATOR_FAULTS.error * scale),
    slow: Math.min(0.3, BASE_COORDINATOR_FAULTS.slow * scale),
  };
}

export function scaledSendBatchFaults(scale: number): SendBatchFaultRates {
  return {
    entryFailure: Math.min(0.5, BASE_SEND_BATCH_FAULTS.entryFailure * scale),
    callFailure: Math.min(0.5, BASE_SEND_BATCH_FAULTS.callFailure * scale),
    answerLost: Math.min(0.5, BASE_SEND_BATCH_FAULTS.answerLost * scale),
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The environment variable of each setting. */
export const SOAK_ENV: Readonly<Record<keyof SoakSettings, string>> = {
  rows: 'SOAK_ROWS',
  limitRps: 'SOAK_RPS',
  containers: 'SOAK_CONTAINERS',
  batchSize: 'SOAK_BATCH_SIZE',
  latencyMs: 'SOAK_LATENCY_MS',
  seed: 'SOAK_SEED',
  errorBehavior: 'SOAK_ERROR_BEHAVIOR',
  requestTimeoutMs: 'SOAK_REQUEST_TIMEOUT_MS',
  maxReceiveCount: 'SOAK_MAX_RECEIVE_COUNT',
  faultScale: 'SOAK_FAULT_SCALE',
  stormMs: 'SOAK_STORM_MS',
  rotationGapMs: 'SOAK_ROTATION_GAP_MS',
  tokenTtlSeconds: 'SOAK_TOKEN_TTL_SECONDS',
  secretsOutageMs: 'SOAK_SECRETS_OUTAGE_MS',
  shortTimeoutRate: 'SOAK_SHORT_TIMEOUT_RATE',
  duplicateRate: 'SOAK_DUPLICATE_RATE',
  giveUpMs: 'SOAK_GIVE_UP_SECONDS',
  coordinatorOutageMs: 'SOAK_COORDINATOR_OUTAGE_MS',
};

/** Reads SOAK_* overrides; throws one error naming every bad value. */
export function soakSettingsFromEnv(
  env: Env,
  defaults: SoakSettings = DEFAULT_SOAK_SETTINGS,
): SoakSettings {
  const problems: string[] = [];
  const raw = (key: keyof SoakSettings) => {
    const text = env[SOAK_ENV[key]]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const number = (key: keyof SoakSettings, min: number, max: number, integer: boolean) => {
    const fallback = defaults[key] as number;
    const text = raw(key);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    ) {
      problems.push(
        `${SOAK_ENV[key]} must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}, got ${JSON.stringify(text)}`,
      );
      return fallback;
    }
    return value;
  };
  const behaviorText = raw('errorBehavior');
  const errorBehavior =
    behaviorText === undefined ? defaults.errorBehavior : parseErrorBehavior(behaviorText);
  if (errorBehavior === null) {
    problems.push(
      `${SOAK_ENV.errorBehavior} is not an error behavior: ${JSON.stringify(behaviorText)}`,
    );
  }
  const giveUpSeconds = raw('giveUpMs');
  const settings: SoakSettings = {
    rows: number('rows', 1, 1_000_000, true),
    limitRps: number('limitRps', 1, 10_000, false),
    containers: number('containers', 1, 64, true),
    batchSize: number('batchSize', 1, 10_000, true),
    latencyMs: number('latencyMs', 0, 10_000, false),
    seed: number('seed', 0, 2 ** 32 - 1, true),
    errorBehavior: errorBehavior ?? defaults.errorBehavior,
    requestTimeoutMs: number('requestTimeoutMs', 100, 60_000, true),
    maxReceiveCount: number('maxReceiveCount', 2, 1000, true),
    faultScale: number('faultScale', 0, 100, false),
    stormMs: number('stormMs', 0, 600_000, false),
    rotationGapMs: number('rotationGapMs', 0, 600_000, false),
    tokenTtlSeconds: number('tokenTtlSeconds', 1, 3600, true),
    secretsOutageMs: number('secretsOutageMs', 0, 600_000, false),
    shortTimeoutRate: number('shortTimeoutRate', 0, 1, false),
    duplicateRate: number('duplicateRate', 0, 1, false),
    giveUpMs:
      giveUpSeconds === undefined
        ? defaults.giveUpMs
        : (() => {
            const seconds = Number(giveUpSeconds);
            if (!Number.isFinite(seconds) || seconds <= 0) {
              problems.push(
                `${SOAK_ENV.giveUpMs} must be a positive number, got ${JSON.stringify(giveUpSeconds)}`,
              );
              return defaults.giveUpMs;
            }
            return seconds * 1000;
          })(),
    coordinatorOutageMs: number('coordinatorOutageMs', 0, 600_000, false),
  };
  try {
    scaledFaultRates(settings.faultScale);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new Error(`Invalid soak settings: ${problems.join('; ')}`);
  return settings;
}
