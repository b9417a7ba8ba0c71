/**
 * The shared budget wired as the functions wire it: the SQS function and the API connector built
 * from RATE_BUDGET_TABLE, drawing from one budget table on dynalite (real DynamoDB protocol)
 * while they look contacts up at the respond.io simulator (real loopback HTTP).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createApiHandler } from '../../functions/api/app.js';
import { createBudget, type StartHook } from '../../functions/budget/index.js';
import { createLookups } from '../../functions/lookup/index.js';
import type { LogFields } from '../../functions/platform/logger.js';
import { NO_TRACER } from '../../functions/platform/tracing.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import { loadConfig } from '../../functions/settings/config.js';
import {
  type DynamoDbStandIn,
  LOCAL_BUDGET_TABLE,
  localDynamoDbClient,
  startDynamoDbStandIn,
} from '../../local/dynamodb-stand-in.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { DEMO_TOKEN, type Simulator, startSimulator } from '../../local/simulator/server.js';
import { identifierOf } from '../support/identifiers.js';
import { sqsRecord } from '../support/sqs-record.js';

const tokens = { getToken: async () => DEMO_TOKEN, refresh: async () => DEMO_TOKEN };
let simulator: Simulator;
let dynamodb: DynamoDbStandIn;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ rateLimitRps: 20, latencyMs: 5 });
  dynamodb = await startDynamoDbStandIn();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});
afterAll(async () => {
  await simulator.close();
  await dynamodb.close();
});

function env(table: string | null): Record<string, string> {
  return {
    RESPONDIO_BASE_URL: simulator.url,
    RESPONDIO_RATE_LIMIT_RPS: '20',
    // The static split of the deployed defaults: the API 0.2, each of two SQS containers 0.4.
    RESPONDIO_RATE_LIMIT_SHARE: '0.4',
    RESULTS_QUEUE_URL: 'unused',
    ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // dynalite shares this (possibly busy) process with the test; a slow answer is not what is
    // tested here, so the timeout is far beyond any stall (the fallback has its own tests).
    RATE_BUDGET_TIMEOUT_MS: '5000',
    ...(table === null ? {} : { RATE_BUDGET_TABLE: table }),
  };
}

function logSink(warnings: string[]) {
  return {
    debug() {},
    info() {},
    warn: (message: string, ..._fields: LogFields[]) => warnings.push(message),
    error() {},
  };
}

/** Every start the budget allows, noted on the limiter's clock with whether it was coordinated. */
function startLog() {
  const starts: { at: number; coordinated: boolean }[] = [];
  const onStart: StartHook = ({ at, coordinated }) => starts.push({ at, coordinated });
  return { starts, onStart };
}

function sqsContainer(table: string | null, warnings: string[] = [], onStart?: StartHook) {
  const client = localDynamoDbClient(dynamodb.url);
  clients.push(client);
  const statuses: number[] = [];
  const config = loadConfig(env(table));
  const logger = logSink(warnings);
  const handler = createSqsFunction(config, {
    tokens,
    dynamodb: client,
    logger,
    metrics: { publish() {} },
    ...(onStart
      ? { budget: createBudget(config, 'queue', { dynamodb: client, logger, onStart }) }
      : {}),
    results: {
      async send(results) {
        for (const result of results) statuses.push(result.row.StatusCode);
        return { failed: [] };
      },
    },
  });
  return { handler, statuses };
}

function rows(prefix: string, count: number) {
  return Array.from({ length: count }, (_, index) =>
    sqsRecord(`${prefix}-${index}`, JSON.stringify({ Identifier: `id:${(index % 40) + 1}` })),
  );
}

describe('the shared budget, wired from RATE_BUDGET_TABLE', () => {
  it('lets two SQS containers and an API container share one budget: all of it, never more', async () => {
    // Prepare
    const log = startLog();
    const one = sqsContainer(LOCAL_BUDGET_TABLE, [], log.onStart);
    const two = sqsContainer(LOCAL_BUDGET_TABLE, [], log.onStart);
    const client = localDynamoDbClient(dynamodb.url);
    clients.push(client);
    const config = loadConfig(env(LOCAL_BUDGET_TABLE));
    const budget = createBudget(config, 'api', { dynamodb: client, onStart: log.onStart });
    const { directory } = createLookups(config, 'api', { tokens, budget });
    const context = { getRemainingTimeInMillis: () => 30_000 };
    // Act: 40 rows in two containers (the static split would allow them 16 requests/s) and
    // 6 API lookups at the same time.
    const [first, second, lookups] = await Promise.all([
      one.handler({ Records: rows('a', 20) }, context),
      two.handler({ Records: rows('b', 20) }, context),
      Promise.all(
        Array.from({ length: 6 }, async (_, index) => {
          return directory.getContact(identifierOf(`id:${index + 1}`), {
            deadlineAt: Date.now() + 20_000,
          });
        }),
      ),
    ]);
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect([...one.statuses, ...two.statuses].every((status) => status === 200)).toBe(true);
    expect(lookups.every((answer) => answer.ok)).toBe(true);
    // Every start drew a slot from the one table (none fell back to a static share), and the
    // three containers together started at most the budget in any second. No tolerance: slots
    // are (1000 + 50) / 20 ms apart on this one clock and start at most 10 ms late, so any 21
    // starts span at least 1040 ms. How many requests/s that makes is the coordinator
    // benchmark's figure (npm run bench -- --only coordinator), not this test's.
    expect(log.starts.length).toBeGreaterThanOrEqual(46);
    expect(log.starts.every((start) => start.coordinated)).toBe(true);
    expect(
      maxInWindow(
        log.starts.map((start) => start.at),
        1000,
      ),
    ).toBeLessThanOrEqual(20);
  });

  it('keeps the static share without a table', async () => {
    // Prepare
    simulator.resetStats();
    const container = sqsContainer(null);
    const startedAt = performance.now();
    // Act
    await container.handler({ Records: rows('s', 9) }, { getRemainingTimeInMillis: () => 30_000 });
    const seconds = (performance.now() - startedAt) / 1000;
    // Assess: 8 requests/s (0.4 × 20): the 9 starts span a second.
    expect(container.statuses).toHaveLength(9);
    expect(seconds).toBeGreaterThan(0.95);
  });

  it('answers every row on the static share when the table is missing, and says so once', async () => {
    // Prepare
    const warnings: string[] = [];
    const container = sqsContainer('no-such-table', warnings);
    // Act
    const answer = await container.handler(
      { Records: rows('m', 6) },
      { getRemainingTimeInMillis: () => 30_000 },
    );
    // Assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(container.statuses).toHaveLength(6);
    expect(warnings).toEqual([
      'Budget coordinator unreachable: requests start at the static share',
    ]);
  });

  it('hands the budget table’s client to tracing, so its calls are subsegments like the other AWS SDK calls', async () => {
    // Prepare: a tracing double that records the clients it is given and answers with one
    // that reaches the local table and counts its calls.
    const local = localDynamoDbClient(dynamodb.url);
    clients.push(local);
    const captured: unknown[] = [];
    let calls = 0;
    const tracing = {
      tracer: NO_TRACER,
      captureAwsClient<C>(client: C): C {
        captured.push(client);
        return {
          send: (...args: Parameters<typeof local.send>) => {
            calls += 1;
            return local.send(...args);
          },
        } as unknown as C;
      },
    };
    const config = loadConfig(env(LOCAL_BUDGET_TABLE));
    const { directory } = createLookups(config, 'api', { tokens, logger: logSink([]), tracing });
    // Act
    const answer = await directory.getContact(identifierOf('id:4'), {
      deadlineAt: Date.now() + 5000,
    });
    // Assess: one captured client, the budget table's (the token source was given, not built).
    expect(answer.ok).toBe(true);
    expect(captured).toHaveLength(1);
    expect(captured[0]).toBeInstanceOf(DynamoDBClient);
    expect(calls).toBeGreaterThanOrEqual(1);
  });

  it('finds the table through the SDK’s own endpoint variable (AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    // Prepare: no client given; the SDK defaults read the endpoint and dummy credentials.
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const warnings: string[] = [];
    try {
      const config = loadConfig(env(LOCAL_BUDGET_TABLE));
      const { directory, identifiers } = createLookups(config, 'api', {
        tokens,
        logger: logSink(warnings),
      });
      const handler = createApiHandler({
        directory,
        identifiers,
        config,
        logger: new Logger({ serviceName: 'api-test', logLevel: 'SILENT' }),
      });
      // Act
      const answer = await directory.getContact(identifierOf('id:3'), {
        deadlineAt: Date.now() + 5000,
      });
      // Assess
      expect(answer.ok).toBe(true);
      expect(warnings).toEqual([]);
      expect(typeof handler).toBe('function');
    } finally {
      process.env = saved;
    }
  });
});
