/**
 * A fleet of connector containers for the `coordinator` section: SQS containers (the real SQS
 * function, createSqsFunction, with in-memory sinks) pulling batches from one backlog, as an
 * event source mapping hands them out, and API containers (the real API handler on the real
 * connector) serving an open-loop stream of lookups one at a time each, as Lambda containers do.
 * All of them look contacts up at one simulator (a child process that enforces the limit and
 * counts the most requests in any sliding second), under one of three budget designs:
 *
 * - static: today's split, each container at its static share (no table);
 * - dispenser: the shared budget (RATE_BUDGET_TABLE on a local DynamoDB in a child process);
 * - leases: the rate-lease alternative (bench/rate-leases.ts) on the same local DynamoDB.
 *
 * Churn replaces one container (round robin) every so often: the old one finishes what it is
 * doing, a new one with a fresh limiter, DynamoDB client and clock starts at once. Skew gives
 * each container a clock offset (any two at most `skewMs` apart).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { createApiHandler } from '../../functions/api/app.js';
import { createBudget, type RateLimiter } from '../../functions/budget/index.js';
import { budgetPlan } from '../../functions/budget/plan.js';
import { createLookups } from '../../functions/lookup/index.js';
import { createLogger } from '../../functions/platform/logger.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import {
  type Config,
  containerRateLimit,
  loadConfig,
  loadLogSettings,
} from '../../functions/settings/config.js';
import { rateBudget } from '../../infra/rate-budget.js';
import { createLambdaContext, toApiGatewayEvent } from '../../local/api-gateway-server.js';
import { LOCAL_BUDGET_TABLE, localDynamoDbClient } from '../../local/dynamodb-stand-in.js';
import { seededRandom } from '../../local/seeded-random.js';
import { createRateLeaseLimiter } from '../rate-leases.js';
import { demoTokens, identifiers, memorySinks, pause, sqsRecords } from './harness.js';

export type BudgetDesign = 'static' | 'dispenser' | 'leases';

export interface FleetSpec {
  readonly design: BudgetDesign;
  /** SQS and API containers at any time. */
  readonly sqsContainers: number;
  readonly apiContainers: number;
  /** Rows of the batch backlog (0: none) and the SQS batch size. */
  readonly rows: number;
  readonly batchSize: number;
  /** Offered API lookups per second (0: none), for `apiSeconds` or, with rows, while they last. */
  readonly apiRps: number;
  readonly apiSeconds: number;
  /** Replace one container this often (0: never). */
  readonly churnEveryMs: number;
  /** Any two containers' clocks differ by at most this much. */
  readonly skewMs: number;
  readonly seed: number;
  /** The budget learns the rate (RATE_BUDGET_LEARNING). Default true. */
  readonly learning?: boolean;
  /**
   * A lookup that finds no API container free waits this long before it is refused (as a
   * throttle). Default 1000 ms; 0: refused at once, as Lambda refuses a synchronous invocation
   * beyond the function's reserved concurrency.
   */
  readonly queueLimitMs?: number;
  /**
   * SQS containers take no new batch once this long has passed (ms; default: until the backlog
   * is done); what is left stays in the backlog (`rowsLeft`), not lost.
   */
  readonly untilMs?: number;
}

export interface FleetEnvironment {
  readonly limitRps: number;
  readonly simulatorUrl: string;
  /** The local DynamoDB's endpoint (dispenser and leases). */
  readonly dynamodbUrl: string | null;
}

export interface FleetResult {
  /** From the first request's start to the last answer. */
  readonly seconds: number;
  readonly rowsAnswered: number;
  readonly rowsDeadLettered: number;
  /** Rows taken from the backlog and never answered nor dead-lettered. Must be 0. */
  readonly rowsLost: number;
  /** Rows still in the backlog when the time was up (with `untilMs`). */
  readonly rowsLeft: number;
  readonly apiOffered: number;
  readonly apiAnswered: number;
  /** Lookups that found no API container free within QUEUE_LIMIT_MS (refused, as throttled). */
  readonly apiRefused: number;
  /** How long each API lookup waited for its slot (limiter acquire), ms. */
  readonly apiWaitsMs: readonly number[];
  /** Requests to the budget table: conditional writes and reads. */
  readonly coordinatorWrites: number;
  readonly coordinatorReads: number;
  readonly containersStarted: number;
  readonly intervalMs: number;
  /** Every 250 ms: the lowest rate (requests/s) any live container's limiter allowed. */
  readonly rateTimeline: readonly { readonly atMs: number; readonly rps: number }[];
  /** performance.now() when the fleet began (the section's timeline starts there). */
  readonly startedAt: number;
}

/** A lookup waits at most this long for a free API container. */
const QUEUE_LIMIT_MS = 1000;

const silent = new Proxy({}, { get: () => () => {} }) as never;

/** Records how long every acquire of `limiter` waited, and when the first request started. */
function timed(limiter: RateLimiter, waits: number[], first: { at: number }): RateLimiter {
  return {
    async acquire(deadlineAt) {
      const startedAt = performance.now();
      const granted = await limiter.acquire(deadlineAt);
      if (granted) {
        const at = performance.now();
        waits.push(at - startedAt);
        first.at = Math.min(first.at, at);
      }
      return granted;
    },
    feedback: (answer) => limiter.feedback(answer),
    rate: () => limiter.rate(),
  };
}

export async function runFleet(
  spec: FleetSpec,
  environment: FleetEnvironment,
): Promise<FleetResult> {
  const { limitRps } = environment;
  const random = seededRandom(spec.seed);
  const split = rateBudget({
    rateLimitRps: limitRps,
    apiBudgetShare: 0.2,
    apiConcurrency: Math.max(1, spec.apiContainers),
    maxConcurrency: Math.max(2, spec.sqsContainers),
  });
  const clients: DynamoDBClient[] = [];
  let coordinatorWrites = 0;
  let coordinatorReads = 0;
  let started = 0;
  const firstStart = { at: Number.POSITIVE_INFINITY };

  /** One container's configuration, limiter and clock. */
  function container(lane: 'api' | 'batch', share: number, waits: number[]) {
    started += 1;
    const offset = spec.skewMs === 0 ? 0 : (random() - 0.5) * spec.skewMs;
    const clock = () => Date.now() + offset;
    const config: Config = loadConfig({
      RESPONDIO_BASE_URL: environment.simulatorUrl,
      RESPONDIO_RATE_LIMIT_RPS: String(limitRps),
      RESPONDIO_RATE_LIMIT_SHARE: String(share),
      RESULTS_QUEUE_URL: 'memory',
      DEAD_LETTER_QUEUE_URL: 'memory',
      MAX_RECEIVE_COUNT: '10',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      RATE_BUDGET_LEARNING: String(spec.learning ?? true),
      ...(spec.design === 'dispenser' ? { RATE_BUDGET_TABLE: LOCAL_BUDGET_TABLE } : {}),
    });
    const client =
      environment.dynamodbUrl === null ? undefined : localDynamoDbClient(environment.dynamodbUrl);
    if (client) {
      clients.push(client);
      // The coordinator's requests, counted on the wire: conditional writes and reads.
      client.middlewareStack.add(
        (next, context) => (args) => {
          if (context.commandName === 'GetItemCommand') coordinatorReads += 1;
          else coordinatorWrites += 1;
          return next(args);
        },
        { step: 'initialize', name: 'countCoordinatorRequests' },
      );
    }
    const inner: RateLimiter =
      spec.design === 'leases' && client
        ? createRateLeaseLimiter({
            id: `c${started}`,
            lane,
            client,
            tableName: LOCAL_BUDGET_TABLE,
            rps: limitRps,
            clockSkewMs: spec.skewMs,
            now: clock,
          })
        : createBudget(config, lane === 'api' ? 'api' : 'queue', {
            now: clock,
            ...(client ? { dynamodb: client } : {}),
          });
    limiters.add(inner);
    return { config, limiter: timed(inner, waits, firstStart) };
  }
  const limiters = new Set<RateLimiter>();

  // The backlog, handed out in batches; rows handed back come round again.
  const rowIds = identifiers(spec.rows, Math.min(spec.rows, 500));
  const backlog: SQSRecord[] = sqsRecords(rowIds, 'row');
  const receives = new Map<string, number>();
  const answered = new Set<string>();
  const deadLettered = new Set<string>();
  let sqsActive = 0;

  async function sqsContainer(retireAt: () => boolean): Promise<void> {
    const sinks = memorySinks();
    const { config, limiter } = container('batch', split.sqsContainerShare, []);
    const handler = createSqsFunction(config, {
      tokens: demoTokens,
      results: {
        async send(results) {
          for (const result of results) {
            if (result.row.StatusCode === 200 || result.row.StatusCode === 404) {
              answered.add(result.sourceMessageId);
            }
          }
          return sinks.results.send(results);
        },
      },
      deadLetters: {
        async move(moves) {
          for (const move of moves) deadLettered.add(move.sourceMessageId);
          return { failed: [] };
        },
      },
      metrics: { publish() {} },
      logger: silent,
      budget: limiter,
    });
    sqsActive += 1;
    try {
      while (backlog.length > 0 && !retireAt() && !timeUp()) {
        const batch = backlog.splice(0, spec.batchSize).map((record) => {
          const count = (receives.get(record.messageId) ?? 0) + 1;
          receives.set(record.messageId, count);
          return {
            ...record,
            attributes: { ...record.attributes, ApproximateReceiveCount: String(count) },
          };
        });
        const deadline = Date.now() + 60_000;
        const response = await handler(
          { Records: batch },
          { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) },
        );
        const failed = new Set(response.batchItemFailures.map((item) => item.itemIdentifier));
        backlog.push(...batch.filter((record) => failed.has(record.messageId)));
      }
    } finally {
      sqsActive -= 1;
    }
  }

  // API containers: each serves one lookup at a time; lookups queue for a free container.
  const apiWaits: number[] = [];
  let apiOffered = 0;
  let apiAnswered = 0;
  let apiRefused = 0;
  const logger = createLogger(loadLogSettings({ POWERTOOLS_LOG_LEVEL: 'SILENT' }, 'bench-api'));
  function apiContainer() {
    const { config, limiter } = container('api', split.apiContainerShare, apiWaits);
    const { directory, identifiers } = createLookups(config, 'api', {
      tokens: demoTokens,
      logger,
      budget: limiter,
    });
    return {
      handler: createApiHandler({ directory, identifiers, config, logger }),
      busy: false,
      retiring: false,
    };
  }
  let pool = Array.from({ length: spec.apiContainers }, apiContainer);
  const idle: (() => void)[] = [];
  async function lookup(index: number): Promise<void> {
    apiOffered += 1;
    const arrivedAt = performance.now();
    let target = pool.find((entry) => !entry.busy && !entry.retiring);
    while (target === undefined) {
      // Lambda and API Gateway refuse a call that finds no container free for long (429).
      if (performance.now() - arrivedAt >= (spec.queueLimitMs ?? QUEUE_LIMIT_MS)) {
        apiRefused += 1;
        return;
      }
      await Promise.race([new Promise<void>((resolve) => idle.push(resolve)), pause(50)]);
      target = pool.find((entry) => !entry.busy && !entry.retiring);
    }
    target.busy = true;
    const id = `id:${(index % 500) + 1}`;
    try {
      const event = toApiGatewayEvent(
        { method: 'GET', url: `/contacts/${id}`, headers: { host: 'bench.local' } },
        { payloadVersion: '2.0', requestId: `api-${index}` },
      );
      const answer = (await target.handler(
        event as never,
        createLambdaContext({ requestId: `api-${index}` }),
      )) as {
        statusCode?: number;
      };
      if (answer.statusCode === 200 || answer.statusCode === 404) apiAnswered += 1;
    } finally {
      target.busy = false;
      idle.shift()?.();
    }
  }

  // Churn: every churnEveryMs the next container (SQS and API in turn) is replaced.
  const sqsRetire: boolean[] = [];
  const sqsRuns: Promise<void>[] = [];
  const startSqs = () => {
    const index = sqsRetire.length;
    sqsRetire.push(false);
    sqsRuns.push(sqsContainer(() => sqsRetire[index] === true));
  };
  const startedAt = performance.now();
  const timeUp = () => spec.untilMs !== undefined && performance.now() - startedAt >= spec.untilMs;
  const rateTimeline: { atMs: number; rps: number }[] = [];
  const sampleRate = () => {
    const rates = [...limiters].map((limiter) => limiter.rate());
    if (rates.length > 0) {
      rateTimeline.push({ atMs: performance.now() - startedAt, rps: Math.min(...rates) });
    }
  };
  const rateSampler = setInterval(sampleRate, 250);
  for (let index = 0; index < spec.sqsContainers && spec.rows > 0; index += 1) startSqs();
  let churnTimer: NodeJS.Timeout | undefined;
  if (spec.churnEveryMs > 0) {
    let turn = 0;
    churnTimer = setInterval(() => {
      turn += 1;
      const sqsTurn = turn % 2 === 1 && spec.rows > 0 && backlog.length > 0;
      if (sqsTurn || pool.length === 0) {
        const running = sqsRetire.findIndex((retired) => !retired);
        if (running >= 0) sqsRetire[running] = true;
        startSqs();
      } else {
        const old = pool.find((entry) => !entry.retiring);
        if (old) old.retiring = true;
        pool = [...pool.filter((entry) => !(entry.retiring && !entry.busy)), apiContainer()];
        idle.shift()?.();
      }
    }, spec.churnEveryMs);
  }

  // The API's open-loop arrivals, at even intervals, while the API load lasts.
  const lookups: Promise<void>[] = [];
  const apiUntil = startedAt + spec.apiSeconds * 1000;
  if (spec.apiRps > 0) {
    const gapMs = 1000 / spec.apiRps;
    for (let index = 0; ; index += 1) {
      const dueAt = startedAt + index * gapMs;
      const rowsLeft = spec.rows > 0 && (backlog.length > 0 || sqsActive > 0) && !timeUp();
      if (spec.rows > 0 ? !rowsLeft : dueAt > apiUntil) break;
      const waitMs = dueAt - performance.now();
      if (waitMs > 0) await pause(waitMs);
      lookups.push(lookup(index));
    }
  }
  await Promise.all(lookups);
  // SQS containers started by churn may start after the first ones finished: wait for all.
  for (let index = 0; index < sqsRuns.length; index += 1) await sqsRuns[index];
  clearInterval(churnTimer);
  clearInterval(rateSampler);
  // From the first request to the last answer (as the shared-budget section counts): a
  // container's first claim also opens its connection to the table, once per container.
  const seconds = (performance.now() - Math.min(firstStart.at, performance.now())) / 1000;
  for (const client of clients) client.destroy();
  const accounted = new Set([...answered, ...deadLettered]);
  return {
    seconds,
    rowsAnswered: answered.size,
    rowsDeadLettered: deadLettered.size,
    rowsLost: spec.rows - backlog.length - accounted.size,
    rowsLeft: backlog.length,
    apiOffered,
    apiAnswered,
    apiRefused,
    apiWaitsMs: apiWaits,
    coordinatorWrites,
    coordinatorReads,
    containersStarted: started,
    intervalMs: budgetPlan({
      rps: limitRps,
      clockSkewMs: 20,
      coordinatorTimeoutMs: 100,
      batchMinShare: 0.1,
    }).intervalMs,
    rateTimeline,
    startedAt,
  };
}

/** The static rate of one container of each function in `spec`'s split (for the table). */
export function staticRates(spec: FleetSpec, limitRps: number): { api: number; sqs: number } {
  const split = rateBudget({
    rateLimitRps: limitRps,
    apiBudgetShare: 0.2,
    apiConcurrency: Math.max(1, spec.apiContainers),
    maxConcurrency: Math.max(2, spec.sqsContainers),
  });
  return {
    api: containerRateLimit({ rateLimitRps: limitRps, rateLimitShare: split.apiContainerShare }),
    sqs: containerRateLimit({ rateLimitRps: limitRps, rateLimitShare: split.sqsContainerShare }),
  };
}
