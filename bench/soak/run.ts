/**
 * The soak: input rows through the local SQS pipeline (fauxqs, a poller with event source
 * mapping semantics, the real SQS function with its real Secrets Manager token source) against
 * the respond.io simulator, while faults are injected with fixed seeds:
 *
 * - simulator: 429 and 449 with Retry-After, 500/502/503/504, non-JSON gateway answers,
 *   connection resets, hangs and slow answers past RESPONDIO_TIMEOUT_MS (rates from the seed);
 * - two 429 storms: the simulator's limit drops to a quarter of the budget behind unchanged
 *   X-RateLimit headers (the learned rate must find it from the 429s alone), later half of all
 *   requests are answered 429 with Retry-After;
 * - token rotation: respond.io accepts only a new token, and a little later the secret holds it
 *   (401 until the function re-reads the secret; a 401 still refused after the re-read goes back
 *   to the queue, so no row may end as a final 401; the re-reads that found the new token are
 *   counted);
 * - a Secrets Manager outage longer than TOKEN_CACHE_TTL (every request fails): the last good
 *   token keeps serving (TOKEN_STALE_MAX_SECONDS), counted per lookup;
 * - Secrets Manager errors (throttling at start-up, internal errors right after the rotation);
 * - SendMessageBatch faults on the results and dead-letter queues (failed entries, failed calls,
 *   lost answers);
 * - invocations whose time limit ends mid-batch (rows handed back unfinished);
 * - duplicate deliveries (messages made visible again while being processed);
 * - the shared budget's table (dynalite behind a faulty front): throttling, 500s and answers
 *   slower than the functions' timeout on some requests, and an outage of a few seconds in
 *   which every request hangs (the containers fall back to their static shares and come back).
 *
 * Then it reads the results and dead-letter queues until every input row is accounted for and
 * the input queue is empty, and reports the accounting, de-duplicated by source message id.
 * Fixed seeds make every fault decision repeatable; which row meets which fault still depends on
 * timing, so two runs agree on the fault mix, not row by row.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { BatchSummary } from '../../functions/batches/metrics.js';
import { createBudget, type StartHook } from '../../functions/budget/index.js';
import { slotIntervalMs } from '../../functions/budget/plan.js';
import { DEFAULT_MIN_ATTEMPT_MS } from '../../functions/lookup/respondio.js';
import type { TokenSource } from '../../functions/lookup/token.js';
import { createSecretsTokenSource } from '../../functions/lookup/token-source.js';
import type { Logger } from '../../functions/platform/logger.js';
import { createSqsFunction, FLUSH_RESERVE_MS } from '../../functions/queue/container.js';
import { sendMessagesInBatches } from '../../functions/queue/sqs-sinks.js';
import { loadConfig } from '../../functions/settings/config.js';
import {
  LOCAL_BUDGET_TABLE,
  localDynamoDbClient,
  startDynamoDbStandIn,
} from '../../local/dynamodb-stand-in.js';
import {
  type PipelineBatchEvent,
  type QueuePipeline,
  type QueuePipelineInfo,
  startQueuePipeline,
} from '../../local/queue-pipeline.js';
import { startSecretsManagerStandIn } from '../../local/secrets-manager-stand-in.js';
import { seededRandom } from '../../local/seeded-random.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { demoContacts, startSimulator } from '../../local/simulator/server.js';
import {
  type CoordinatorFaultCounts,
  type FaultyDynamoDb,
  startFaultyDynamoDb,
} from './faulty-dynamodb.js';
import { injectSendBatchFaults, type SendBatchFaultCounts } from './faulty-sqs.js';
import {
  COORDINATOR_SLOW_MS,
  NOT_FOUND_SHARE,
  PHASES,
  POISON_SHARE,
  SECRET_FAILURES,
  SOAK_CONTACTS,
  type SoakSeeds,
  type SoakSettings,
  STORM_429_RATE,
  STORM_LIMIT_FACTOR,
  scaledCoordinatorFaults,
  scaledFaultRates,
  scaledSendBatchFaults,
  soakSeeds,
} from './settings.js';

export type SoakRowKind = 'found' | 'notFound' | 'poison';

export interface SoakRow {
  readonly kind: SoakRowKind;
  readonly body: string;
}

/** The functions' default RATE_BUDGET_CLOCK_SKEW_MS (the soak leaves it as deployed). */
const SOAK_CLOCK_SKEW_MS = 20;
/** Safety margin the SQS function keeps before the time limit (batch.ts's default). */
const HANDLER_MARGIN_MS = 500;
const SECRET_ID = 'respondio/soak-token';
const REGION = 'us-east-1';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Not secrets: tokens only the simulator and the stand-in know. */
const FIRST_TOKEN = 'soak-token-before-rotation';
const SECOND_TOKEN = 'soak-token-after-rotation';

/** The input rows: mostly known contacts, some unknown ids (404), some poison messages (400). */
export function soakRows(count: number, seed: number, contacts = SOAK_CONTACTS): SoakRow[] {
  const random = seededRandom(seed);
  const poison = ['not json at all', JSON.stringify({ row: 'no identifier' })];
  const rows: SoakRow[] = [];
  for (let index = 0; index < count; index += 1) {
    const draw = random();
    const contact = 1 + Math.floor(random() * contacts);
    if (draw < POISON_SHARE) {
      const body = poison[index % 2] as string;
      rows.push({ kind: 'poison', body: body.startsWith('{') ? body : `${body} #${index}` });
    } else if (draw < POISON_SHARE + NOT_FOUND_SHARE) {
      rows.push({
        kind: 'notFound',
        body: JSON.stringify({ Identifier: `id:${900_000 + index}`, row: index }),
      });
    } else {
      rows.push({
        kind: 'found',
        body: JSON.stringify({ Identifier: `id:${contact}`, row: index }),
      });
    }
  }
  return rows;
}

export interface SoakEvent {
  /** Seconds since the first row was sent. */
  readonly atSeconds: number;
  readonly what: string;
}

/** Counts of the faults that actually happened (not merely configured). */
export interface SoakFaultCounts {
  /** Simulator faults by kind (status429, status449, status500..., hang, reset, nonJson, slow). */
  readonly simulator: Readonly<Record<string, number>>;
  /** 429s of the simulator's rate limit (the storm with the lowered limit). */
  readonly rateLimited: number;
  /** 401 answers (the token rotation). */
  readonly unauthorized: number;
  /** Secrets Manager requests answered with an injected error. */
  readonly secretsManagerErrors: number;
  /** Secrets Manager requests in all (start-up reads and 401 refreshes). */
  readonly secretReads: number;
  /** Secrets Manager requests failed by the outage. */
  readonly secretsOutageRequests: number;
  /** Lookups given the last good token past its TTL (the outage). */
  readonly staleTokenServed: number;
  /** Failed reads after which the stale token served on (the WARN line and StaleToken metric). */
  readonly staleTokenWarnings: number;
  /** Lookups whose token re-read after a 401 brought the rotated token. */
  readonly rotationRereads: number;
  readonly sendBatch: SendBatchFaultCounts;
  /** Invocations given a short time limit, and of those, how many handed rows back. */
  readonly shortDeadlineBatches: number;
  readonly batchesCutByDeadline: number;
  /** Each invocation with a short time limit: its records and the rows it handed back. */
  readonly shortDeadlineInvocations: readonly { records: number; handedBack: number }[];
  /** Most rows an invocation with the short time limit can finish (a bigger batch must hand the rest back). */
  readonly shortDeadlineCapacity: number;
  /** Rows handed back by batches cut by their deadline. */
  readonly rowsHandedBack: number;
  /** Rows the function did not start because the time left was too short. */
  readonly rowsNotStarted: number;
  /** Deliveries made visible again while being processed. */
  readonly duplicateDeliveries: number;
  /** Whole invocations that failed (threw or ran past the time limit). */
  readonly invocationErrors: number;
  /** The budget table's faults as its faulty front served them. */
  readonly coordinator: CoordinatorFaultCounts;
  /** What the shared budget did about them, over every container. */
  readonly budget: SoakBudgetCounts;
}

export interface SoakBudgetCounts {
  /** Calls to the budget table that found it unreachable (error, throttling, timeout). */
  readonly unreachableCalls: number;
  /** Switches onto the static share, and back. */
  readonly fallbacks: number;
  readonly recoveries: number;
  /** Requests started on the static share. */
  readonly fallbackStarts: number;
  /** Requests to the budget table per request to respond.io. */
  readonly requestsPerRequest: number;
  /** Changes of the learned rate (shared or a container's own), and the lowest it went. */
  readonly rateChanges: number;
  readonly lowestRate: number;
  /** The changes by reason (core/learned-rate.ts's CutReason). */
  readonly rateChangesByReason: Readonly<Record<string, number>>;
}

/** What the results and dead-letter queues held for one input row. */
export interface SoakLedgerEntry {
  readonly kind: SoakRowKind;
  /** StatusCode of every result row for it, in the order read (duplicates included). */
  readonly resultStatuses: readonly number[];
  /** Dead-letter messages for it (duplicates included). */
  readonly deadLetterCopies: number;
  /** True when SQS itself moved it to the dead-letter queue (receive count exhausted). */
  readonly redrivenBySqs: boolean;
}

export interface SoakReport {
  readonly settings: SoakSettings;
  readonly seeds: SoakSeeds;
  readonly rowsIn: number;
  /** Input rows with at least one result row. */
  readonly results: number;
  /** ...by the StatusCode of their first result row. */
  readonly resultsByStatus: Readonly<Record<string, number>>;
  /** Input rows with at least one dead-letter message. */
  readonly deadLettered: number;
  /** ...of which SQS itself redrove (receive count exhausted; no SourceMessageId attribute). */
  readonly redrivenBySqs: number;
  /** Copies beyond the first, on the results and dead-letter queues together. */
  readonly duplicatesSeen: number;
  /** Input rows found on neither queue. Must be 0. */
  readonly lost: number;
  /** Input rows that ended as a final 401 (result row or dead-letter message). Must be 0. */
  readonly finalUnauthorized: number;
  /** Output messages whose source id is no input row. Must be 0. */
  readonly unknown: number;
  /** Requests that reached the simulator, and its 429 answers (rate limit and injected). */
  readonly requests: number;
  readonly throttled: number;
  /** HTTP attempts that were followed by another attempt of the same row. */
  readonly retries: number;
  /** Records handed back to SQS for another delivery (batch item failures, failed batches). */
  readonly redeliveries: number;
  /** Most request starts in any sliding second, on the limiters' clocks: what the budget bounds. */
  readonly maxStartsInAnySecond: number;
  /** Most requests that reached the simulator in any sliding second (arrivals; may bunch). */
  readonly maxInAnySecond: number;
  readonly elapsedMs: number;
  readonly faults: SoakFaultCounts;
  readonly events: readonly SoakEvent[];
  /** Every input row by source message id (its SQS message id). */
  readonly ledger: ReadonlyMap<string, SoakLedgerEntry>;
  /** True when nothing was lost, nothing unknown appeared, no row ended 401 and the starts kept to the limit. */
  readonly passed: boolean;
}

export interface SoakProgress {
  readonly elapsedMs: number;
  readonly accounted: number;
  readonly rows: number;
}

export interface SoakOptions {
  /** Called about every `progressEveryMs` while the soak runs. */
  readonly onProgress?: (progress: SoakProgress) => void;
  readonly progressEveryMs?: number;
}

const silentLogger = new Proxy({}, { get: () => () => {} }) as never;

/**
 * The invocation time limit that ends about 60% of the way through a full batch at the fastest
 * a container can go: with the shared budget, every slot of the budget.
 */
export function shortFunctionTimeoutMs(settings: SoakSettings): number {
  const batchMs = settings.batchSize * slotIntervalMs(settings.limitRps, SOAK_CLOCK_SKEW_MS);
  // A row starts only while RESPONDIO_TIMEOUT_MS is left before the lookup deadline.
  const lookupWindowMs = Math.max(settings.requestTimeoutMs + 100, Math.round(batchMs * 0.6));
  return FLUSH_RESERVE_MS + HANDLER_MARGIN_MS + lookupWindowMs;
}

/**
 * Most rows an invocation with the short time limit can finish: a request slot must come at
 * least DEFAULT_MIN_ATTEMPT_MS before the lookup deadline, and a container gets at most every
 * slot of the shared budget (one per slot interval, the first at once); two more for poison
 * rows, which need no slot.
 */
export function shortDeadlineCapacity(settings: SoakSettings): number {
  const lookupWindowMs = shortFunctionTimeoutMs(settings) - FLUSH_RESERVE_MS - HANDLER_MARGIN_MS;
  const slotWindowMs = lookupWindowMs - DEFAULT_MIN_ATTEMPT_MS;
  const interval = slotIntervalMs(settings.limitRps, SOAK_CLOCK_SKEW_MS);
  return Math.ceil(slotWindowMs / interval) + 1 + 2;
}

interface Accounting {
  readonly resultCopies: Map<string, number>;
  readonly statuses: Map<string, number[]>;
  readonly deadLetterCopies: Map<string, number>;
  /** StatusCode attributes of each row's dead-letter messages. */
  readonly deadLetterStatuses: Map<string, number[]>;
  readonly redriven: Set<string>;
  readonly unknown: Set<string>;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export async function runSoak(
  settings: SoakSettings,
  options: SoakOptions = {},
): Promise<SoakReport> {
  const seeds = soakSeeds(settings.seed);
  const rates = scaledFaultRates(settings.faultScale);
  const rows = soakRows(settings.rows, seeds.rows);
  const events: SoakEvent[] = [];
  let startedAt = performance.now();
  const note = (what: string) =>
    events.push({ atSeconds: Math.round((performance.now() - startedAt) / 100) / 10, what });

  const slowMs = Math.round(settings.requestTimeoutMs * 1.6);
  const hangMs = settings.requestTimeoutMs * 4;
  const sim = await startSimulator({
    rateLimitRps: settings.limitRps,
    latencyMs: settings.latencyMs,
    retryAfterSeconds: 1,
    tokens: [FIRST_TOKEN],
    contacts: demoContacts(SOAK_CONTACTS),
    faults: { seed: seeds.faults, rates, slowMs, hangMs },
  });
  const secrets = await startSecretsManagerStandIn({
    secrets: { [SECRET_ID]: JSON.stringify({ token: FIRST_TOKEN }) },
  });
  // The shared budget's table, behind a front that throttles, fails and slows some requests.
  const dynamodb = await startDynamoDbStandIn();
  const coordinator: FaultyDynamoDb = await startFaultyDynamoDb({
    upstream: dynamodb.url,
    seed: seeds.coordinator,
    rates: scaledCoordinatorFaults(settings.faultScale),
    slowMs: COORDINATOR_SLOW_MS,
    hangMs: 2000,
  });
  const budget = {
    unreachableCalls: 0,
    fallbacks: 0,
    recoveries: 0,
    fallbackStarts: 0,
    coordinatorRequests: 0,
    rateChanges: 0,
    lowestRate: settings.limitRps,
    rateChangesByReason: {} as Record<string, number>,
  };
  /** Every start of every container, on its limiter's clock (one clock here: Date.now). */
  const starts: number[] = [];
  /** What the budget and the token source tell: their log lines and metrics, counted. */
  const onStart: StartHook = (event) => {
    starts.push(event.at);
    if (!event.coordinated) budget.fallbackStarts += 1;
  };
  const counted = (name: string, value: number) => {
    if (name === 'BudgetCoordinatorRequests') budget.coordinatorRequests += value;
    if (name === 'BudgetCoordinatorFailures') budget.unreachableCalls += value;
    if (name === 'BudgetFallbacks') budget.fallbacks += value;
    if (name === 'BudgetRateChanges') budget.rateChanges += value;
  };
  const countingMetrics = {
    addMetric: (name: string, _unit: unknown, value: number) => counted(name, value),
    addDimension() {},
    singleMetric: () => ({
      addMetric: (name: string, _unit: unknown, value: number) => counted(name, value),
      addDimension() {},
    }),
    publishStoredMetrics() {},
  } as unknown as Metrics;
  const countingLogger: Logger = {
    debug: (message) => {
      if (message === 'Served the last good respond.io token to a lookup')
        tokenCounts.staleServed += 1;
    },
    info: (message, ...fields) => {
      if (message !== 'Budget rate changed') return;
      const { toRps, reason } = Object.assign({}, ...fields) as { toRps: number; reason: string };
      budget.lowestRate = Math.min(budget.lowestRate, toRps);
      budget.rateChangesByReason[reason] = (budget.rateChangesByReason[reason] ?? 0) + 1;
    },
    warn: (message) => {
      if (message.startsWith('Budget coordinator reachable again')) budget.recoveries += 1;
      if (message.startsWith('Serving the last good respond.io token'))
        tokenCounts.staleWarnings += 1;
    },
    error: () => undefined,
  };
  const budgetClients: DynamoDBClient[] = [];

  // Secrets Manager failures: each failNext replaces the previous one; count what was served.
  const secretFailures: { count: number; requestsAt: number }[] = [];
  const failSecrets = (count: number, kind: 'throttling' | 'internal') => {
    secretFailures.push({ count, requestsAt: secrets.requests() });
    secrets.failNext(count, kind);
  };
  const servedSecretFailures = () =>
    secretFailures.reduce((sum, failure, index) => {
      const until = secretFailures[index + 1]?.requestsAt ?? secrets.requests();
      return sum + Math.min(failure.count, until - failure.requestsAt);
    }, 0);

  const summaries: BatchSummary[] = [];
  const sendBatchFaults: { counts(): SendBatchFaultCounts }[] = [];
  const secretClients: SecretsManagerClient[] = [];
  const tokenCounts = { staleServed: 0, staleWarnings: 0, rotationRereads: 0 };
  /** The token source, counting the re-reads that brought the rotated token. */
  const countingRereads = (tokens: TokenSource): TokenSource => ({
    getToken: () => tokens.getToken(),
    refresh: async (rejected) => {
      const token = await tokens.refresh(rejected);
      if (token === SECOND_TOKEN && rejected === FIRST_TOKEN) tokenCounts.rotationRereads += 1;
      return token;
    },
  });
  const sinkClients: SQSClient[] = [];
  const normalTimeoutMs = 30_000;
  const shortTimeoutMs = shortFunctionTimeoutMs(settings);
  const deadlineRandom = seededRandom(seeds.deadlines);
  const duplicateRandom = seededRandom(seeds.duplicates);
  let shortDeadlineBatches = 0;
  let batchesCutByDeadline = 0;
  const shortDeadlineInvocations: { records: number; handedBack: number }[] = [];
  let invocations = 0;
  let rowsHandedBack = 0;
  let deletedRows = 0;
  const phases: { atShare: number; run: () => void }[] = [];

  const createHandler = (info: QueuePipelineInfo) => {
    const sinkClient = new SQSClient({
      region: info.region,
      endpoint: info.sqsEndpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    sinkClients.push(sinkClient);
    sendBatchFaults.push(
      injectSendBatchFaults(
        sinkClient,
        seeds.sendBatch + 1000 * (sinkClients.length - 1),
        scaledSendBatchFaults(settings.faultScale),
      ),
    );
    const secretClient = new SecretsManagerClient({
      region: REGION,
      endpoint: secrets.url,
      credentials: LOCAL_CREDENTIALS,
    });
    secretClients.push(secretClient);
    const config = loadConfig({
      RESPONDIO_BASE_URL: sim.url,
      RESPONDIO_TOKEN_SECRET_ID: SECRET_ID,
      TOKEN_CACHE_TTL_SECONDS: String(settings.tokenTtlSeconds),
      RESPONDIO_RATE_LIMIT_RPS: String(settings.limitRps),
      RESPONDIO_RATE_LIMIT_SHARE: String(1 / settings.containers),
      RESPONDIO_TIMEOUT_MS: String(settings.requestTimeoutMs),
      ERROR_BEHAVIOR: settings.errorBehavior,
      RESULTS_QUEUE_URL: info.queues.results,
      DEAD_LETTER_QUEUE_URL: info.queues.deadLetter,
      MAX_RECEIVE_COUNT: String(info.maxReceiveCount),
      RATE_BUDGET_TABLE: LOCAL_BUDGET_TABLE,
    });
    const budgetClient = localDynamoDbClient(coordinator.url);
    budgetClients.push(budgetClient);
    return createSqsFunction(config, {
      sqs: sinkClient,
      budget: createBudget(config, 'queue', {
        dynamodb: budgetClient,
        logger: countingLogger,
        metrics: countingMetrics,
        onStart,
      }),
      tokens: countingRereads(
        createSecretsTokenSource({
          secretId: SECRET_ID,
          ttlMs: config.tokenCacheTtlMs,
          staleMaxMs: config.tokenStaleMaxMs,
          client: secretClient,
          logger: countingLogger,
          metrics: countingMetrics,
        }),
      ),
      logger: silentLogger,
      metrics: { publish: (summary) => summaries.push(summary) },
    });
  };

  const onBatch = (event: PipelineBatchEvent) => {
    deletedRows += event.deleted;
    if (event.functionTimeoutMs === shortTimeoutMs) {
      shortDeadlineBatches += 1;
      shortDeadlineInvocations.push({ records: event.records, handedBack: event.failed.length });
      if (event.failed.length > 0) {
        batchesCutByDeadline += 1;
        rowsHandedBack += event.failed.length;
      }
    }
    while (phases.length > 0 && deletedRows >= (phases[0]?.atShare ?? 1) * settings.rows) {
      phases.shift()?.run();
    }
  };

  // Start-up: the first secret reads are throttled.
  failSecrets(SECRET_FAILURES, 'throttling');
  let pipeline: QueuePipeline;
  try {
    pipeline = await startQueuePipeline({
      port: 0,
      region: REGION,
      concurrency: settings.containers,
      batchSize: settings.batchSize,
      batchingWindowMs: 200,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: settings.maxReceiveCount,
      functionTimeoutMs: normalTimeoutMs,
      failureVisibilityTimeoutSeconds: 0,
      createHandler,
      onBatch,
      faults: {
        // The first invocation of each container is spared: it meets the start-up faults.
        functionTimeoutMs: () => {
          invocations += 1;
          const short = deadlineRandom() < settings.shortTimeoutRate;
          return short && invocations > settings.containers ? shortTimeoutMs : normalTimeoutMs;
        },
        redeliverEarly: (message) =>
          message.Attributes?.ApproximateReceiveCount === '1' &&
          duplicateRandom() < settings.duplicateRate,
      },
    });
  } catch (error) {
    await Promise.all([sim.close(), secrets.close(), coordinator.close(), dynamodb.close()]);
    throw error;
  }

  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  /** Ends a storm after stormMs, or later if it has not produced a 429 yet (5 × at most). */
  // A storm lasts at least stormMs and until its fault has happened: an event, not a time, so
  // a slow machine that sends fewer requests in stormMs still meets it (and the soak still ends).
  const stormUntil = (happened: () => boolean, end: () => void) => {
    later(settings.stormMs, () => {
      if (happened()) end();
      else stormUntil(happened, end);
    });
  };
  let outageEnded: () => void = () => undefined;
  const outageOver = new Promise<void>((resolve) => {
    outageEnded = resolve;
  });
  phases.push(
    {
      atShare: PHASES.coordinatorOutage,
      run: () => {
        coordinator.setOutage(true);
        note(
          `budget table outage: every request to it hangs for ${settings.coordinatorOutageMs} ms`,
        );
        later(settings.coordinatorOutageMs, () => {
          coordinator.setOutage(false);
          note('budget table outage ends');
        });
      },
    },
    {
      atShare: PHASES.storm1,
      run: () => {
        const lowered = Math.max(1, Math.floor(settings.limitRps * STORM_LIMIT_FACTOR));
        // Behind unchanged X-RateLimit headers: only the 429s tell (the hardest case to learn).
        sim.setRateLimit(lowered, settings.limitRps);
        note(
          `429 storm 1: the simulator's limit drops to ${lowered} requests/s (its headers still say ${settings.limitRps})`,
        );
        const before = sim.stats().rateLimited;
        stormUntil(
          () => sim.stats().rateLimited > before,
          () => {
            sim.setRateLimit(settings.limitRps);
            note(`429 storm 1 ends: limit back to ${settings.limitRps} requests/s`);
          },
        );
      },
    },
    {
      atShare: PHASES.secretsOutage,
      run: () => {
        if (settings.secretsOutageMs === 0) {
          outageEnded();
          return;
        }
        secrets.setOutage(true);
        note(
          `Secrets Manager outage: every request fails for ${settings.secretsOutageMs / 1000} s (TTL ${settings.tokenTtlSeconds} s)`,
        );
        later(settings.secretsOutageMs, () => {
          secrets.setOutage(false);
          note('Secrets Manager outage ends');
          outageEnded();
        });
      },
    },
    {
      atShare: PHASES.rotation,
      run: () =>
        void outageOver.then(() => {
          sim.setTokens([SECOND_TOKEN]);
          note('token rotated at respond.io: the old token gets 401');
          later(settings.rotationGapMs, () => {
            secrets.setSecret(SECRET_ID, JSON.stringify({ token: SECOND_TOKEN }));
            failSecrets(SECRET_FAILURES, 'internal');
            note(`secret updated to the new token; next ${SECRET_FAILURES} reads fail (internal)`);
          });
        }),
    },
    {
      atShare: PHASES.storm2,
      run: () => {
        const stormRates = { ...rates, status429: rates.status429 + STORM_429_RATE };
        sim.setFaults({ seed: seeds.stormFaults, rates: stormRates, slowMs, hangMs });
        note(`429 storm 2: ${Math.round(stormRates.status429 * 100)}% of requests get 429`);
        const before = sim.stats().injected.status429 ?? 0;
        stormUntil(
          () => (sim.stats().injected.status429 ?? 0) > before,
          () => {
            sim.setFaults({ seed: seeds.afterStormFaults, rates, slowMs, hangMs });
            note('429 storm 2 ends');
          },
        );
      },
    },
  );

  const accounting: Accounting = {
    resultCopies: new Map(),
    statuses: new Map(),
    deadLetterCopies: new Map(),
    deadLetterStatuses: new Map(),
    redriven: new Set(),
    unknown: new Set(),
  };
  const client = pipeline.client;
  let inputIds = new Set<string>();
  const accounted = new Set<string>();
  const account = (id: string) => {
    if (inputIds.has(id)) accounted.add(id);
    else accounting.unknown.add(id);
  };

  let roundWaiters: (() => void)[] = [];
  const nextDrainRound = () => new Promise<void>((resolve) => roundWaiters.push(resolve));
  const drainRoundDone = () => {
    const waiters = roundWaiters;
    roundWaiters = [];
    for (const resolve of waiters) resolve();
  };

  async function drainOnce(queueUrl: string, waitSeconds: number, onMessage: (m: Message) => void) {
    const answer = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = answer.Messages ?? [];
    for (const message of messages) onMessage(message);
    if (messages.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({
            Id: `a${index}`,
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    return messages.length;
  }
  const onResult = (message: Message) => {
    const body = JSON.parse(message.Body ?? '{}') as {
      SourceMessageId?: unknown;
      StatusCode?: unknown;
    };
    const id = String(body.SourceMessageId);
    bump(accounting.resultCopies, id);
    accounting.statuses.set(id, [...(accounting.statuses.get(id) ?? []), Number(body.StatusCode)]);
    account(id);
  };
  const onDeadLetter = (message: Message) => {
    const attribute = message.MessageAttributes?.SourceMessageId?.StringValue;
    const id = attribute ?? String(message.MessageId);
    if (attribute === undefined) accounting.redriven.add(id);
    bump(accounting.deadLetterCopies, id);
    const status = Number(message.MessageAttributes?.StatusCode?.StringValue);
    if (Number.isInteger(status)) {
      accounting.deadLetterStatuses.set(id, [
        ...(accounting.deadLetterStatuses.get(id) ?? []),
        status,
      ]);
    }
    account(id);
  };
  async function inputQueueEmpty(): Promise<boolean> {
    const answer = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.queues.input,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const attributes = answer.Attributes ?? {};
    return (
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
        Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0) ===
      0
    );
  }

  let stopped = false;
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    startedAt = performance.now();
    const giveUpAt = startedAt + settings.giveUpMs;
    if (options.onProgress) {
      const report = options.onProgress;
      progressTimer = setInterval(
        () =>
          report({
            elapsedMs: performance.now() - startedAt,
            accounted: accounted.size,
            rows: settings.rows,
          }),
        options.progressEveryMs ?? 5000,
      );
    }
    const sent = await sendMessagesInBatches(
      client,
      pipeline.queues.input,
      rows.map((row, index) => ({ key: String(index), body: row.body })),
      { concurrency: 4 },
    );
    if (sent.failed.length > 0)
      throw new Error(`${sent.failed.length} input rows could not be sent`);
    inputIds = new Set(sent.messageIds.map((id) => String(id)));
    note(`${rows.length} rows sent`);

    // Read both queues until every row is accounted for and nothing is left to process.
    const drainResults = async () => {
      while (!stopped && performance.now() < giveUpAt) {
        await drainOnce(pipeline.queues.results, 1, onResult);
        drainRoundDone();
      }
      drainRoundDone();
    };
    const drainDeadLetters = async () => {
      while (!stopped && performance.now() < giveUpAt) {
        await drainOnce(pipeline.queues.deadLetter, 1, onDeadLetter);
      }
    };
    // Looks again after every drain round (at least once a second) until done or given up.
    const watch = async () => {
      while (performance.now() < giveUpAt) {
        if (accounted.size === inputIds.size && (await inputQueueEmpty())) return;
        await nextDrainRound();
      }
    };
    const draining = Promise.all([drainResults(), drainDeadLetters()]);
    await watch();
    stopped = true;
    await draining;
    // Late copies: invocations still running (stale duplicates) finish before this resolves.
    await pipeline.stopPolling();
    for (const [queueUrl, onMessage] of [
      [pipeline.queues.results, onResult],
      [pipeline.queues.deadLetter, onDeadLetter],
    ] as const) {
      while ((await drainOnce(queueUrl, 0, onMessage)) > 0) {}
    }
    const elapsedMs = performance.now() - startedAt;
    note('all rows accounted for');

    const stats = sim.stats();
    const copies = (map: Map<string, number>) =>
      [...map.values()].reduce((sum, count) => sum + count - 1, 0);
    const resultsByStatus: Record<string, number> = {};
    for (const [id, [status]] of accounting.statuses) {
      if (inputIds.has(id)) {
        resultsByStatus[String(status)] = (resultsByStatus[String(status)] ?? 0) + 1;
      }
    }
    const ledger = new Map<string, SoakLedgerEntry>();
    sent.messageIds.forEach((id, index) => {
      const key = String(id);
      ledger.set(key, {
        kind: (rows[index] as SoakRow).kind,
        resultStatuses: accounting.statuses.get(key) ?? [],
        deadLetterCopies: accounting.deadLetterCopies.get(key) ?? 0,
        redrivenBySqs: accounting.redriven.has(key),
      });
    });
    const inputOnly = (map: Map<string, number>) =>
      [...map.keys()].filter((id) => inputIds.has(id));
    const pipelineStats = pipeline.stats();
    const lost = settings.rows - accounted.size;
    const faults: SoakFaultCounts = {
      simulator: stats.injected,
      rateLimited: stats.rateLimited,
      unauthorized: stats.byStatus['401'] ?? 0,
      secretsManagerErrors: servedSecretFailures(),
      secretReads: secrets.requests(),
      secretsOutageRequests: secrets.outageRequests(),
      staleTokenServed: tokenCounts.staleServed,
      staleTokenWarnings: tokenCounts.staleWarnings,
      rotationRereads: tokenCounts.rotationRereads,
      sendBatch: sendBatchFaults.reduce<SendBatchFaultCounts>(
        (sum, faults) => {
          const counts = faults.counts();
          return {
            calls: sum.calls + counts.calls,
            failedEntries: sum.failedEntries + counts.failedEntries,
            failedCalls: sum.failedCalls + counts.failedCalls,
            lostAnswers: sum.lostAnswers + counts.lostAnswers,
          };
        },
        { calls: 0, failedEntries: 0, failedCalls: 0, lostAnswers: 0 },
      ),
      shortDeadlineBatches,
      batchesCutByDeadline,
      shortDeadlineInvocations,
      shortDeadlineCapacity: shortDeadlineCapacity(settings),
      rowsHandedBack,
      rowsNotStarted: summaries.reduce((sum, summary) => sum + summary.notStarted, 0),
      duplicateDeliveries: pipelineStats.redeliveredEarly,
      invocationErrors: pipelineStats.invocationErrors,
      coordinator: coordinator.counts(),
      budget: {
        unreachableCalls: budget.unreachableCalls,
        fallbacks: budget.fallbacks,
        recoveries: budget.recoveries,
        fallbackStarts: budget.fallbackStarts,
        rateChanges: budget.rateChanges,
        lowestRate: budget.lowestRate,
        rateChangesByReason: budget.rateChangesByReason,
        requestsPerRequest: stats.requests > 0 ? budget.coordinatorRequests / stats.requests : 0,
      },
    };
    const maxInAnySecond = stats.maxInAnySecond;
    const maxStartsInAnySecond = maxInWindow(starts, 1000);
    const finalUnauthorized = [...inputIds].filter(
      (id) =>
        (accounting.statuses.get(id) ?? []).includes(401) ||
        (accounting.deadLetterStatuses.get(id) ?? []).includes(401),
    ).length;
    return {
      settings,
      seeds,
      rowsIn: settings.rows,
      results: inputOnly(accounting.resultCopies).length,
      resultsByStatus,
      deadLettered: inputOnly(accounting.deadLetterCopies).length,
      redrivenBySqs: [...accounting.redriven].filter((id) => inputIds.has(id)).length,
      duplicatesSeen: copies(accounting.resultCopies) + copies(accounting.deadLetterCopies),
      lost,
      finalUnauthorized,
      unknown: accounting.unknown.size,
      requests: stats.requests,
      throttled: stats.byStatus['429'] ?? 0,
      retries: summaries.reduce((sum, summary) => sum + summary.upstream.retries, 0),
      redeliveries: pipelineStats.failed,
      maxStartsInAnySecond,
      maxInAnySecond,
      elapsedMs,
      faults,
      events,
      ledger,
      passed:
        lost === 0 &&
        finalUnauthorized === 0 &&
        accounting.unknown.size === 0 &&
        maxStartsInAnySecond <= settings.limitRps,
    };
  } finally {
    stopped = true;
    clearInterval(progressTimer);
    for (const timer of timers) clearTimeout(timer);
    await pipeline.stop();
    for (const sinkClient of sinkClients) sinkClient.destroy();
    for (const secretClient of secretClients) secretClient.destroy();
    for (const budgetClient of budgetClients) budgetClient.destroy();
    await Promise.all([sim.close(), secrets.close(), coordinator.close(), dynamodb.close()]);
  }
}
