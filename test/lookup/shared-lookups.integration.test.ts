/**
 * Shared lookups through the real composition (createSqsFunction, createConnector) over loopback
 * HTTP: repeated identifiers in a batch share requests, the contact cache answers repeats
 * without one, the API honours Cache-Control: no-cache, and every row still gets its own
 * result with its own LookupSource.
 */

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createApiHandler } from '../../functions/api/app.js';
import type { BatchSummary } from '../../functions/batches/metrics.js';
import { createLookups } from '../../functions/lookup/index.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import type { ResultMessage } from '../../functions/queue/sinks.js';
import { loadConfig } from '../../functions/settings/config.js';
import { apiEvent, captureOutput, lambdaContext, testLogger } from '../support/api.js';
import {
  fixedTokens,
  type RespondioLoopback,
  startRespondioLoopback,
} from '../support/respondio-loopback.js';
import { sqsRecord } from '../support/sqs-record.js';

const TOKEN = 'tok-SHARED-LOOKUPS-1';

let upstream: RespondioLoopback;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  upstream = await startRespondioLoopback();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
  output = captureOutput();
});
afterEach(() => output.restore());

function sqsFunction(env: Record<string, string> = {}) {
  const written: ResultMessage[] = [];
  const summaries: BatchSummary[] = [];
  const handler = createSqsFunction(
    loadConfig({
      RESPONDIO_BASE_URL: upstream.baseUrl,
      RESPONDIO_RATE_LIMIT_RPS: '100',
      ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse',
      ...env,
    }),
    {
      tokens: fixedTokens(TOKEN),
      logger: testLogger(),
      metrics: { publish: (summary) => summaries.push(summary) },
      results: {
        async send(results) {
          written.push(...results);
          return { failed: [] };
        },
      },
    },
  );
  return { handler, written, summaries };
}

/** 12 rows over 3 contacts, each written two ways, each way twice. */
const REPEATS = [
  'id:1',
  'ID : 1',
  'email:ana@example.com',
  'Email: ana@Example.COM',
  'id:2',
  'Id:2',
]
  .flatMap((identifier) => [identifier, identifier])
  .map((identifier, i) => sqsRecord(`m${i}`, JSON.stringify({ Identifier: identifier })));

const context = { getRemainingTimeInMillis: () => 30_000 };

describe('the SQS function with shared lookups', () => {
  it('sends one request per identifier for a batch of repeats, and writes every row', async () => {
    // Prepare
    const { handler, written, summaries } = sqsFunction();
    // Act
    const response = await handler({ Records: REPEATS }, context);
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(upstream.seen.map((request) => request.url).sort()).toEqual([
      '/v2/contact/email:ana@example.com',
      '/v2/contact/id:1',
      '/v2/contact/id:2',
    ]);
    expect(written.map((result) => result.sourceMessageId).sort()).toEqual(
      REPEATS.map((record) => record.messageId).sort(),
    );
    expect(new Set(written.map((result) => JSON.stringify(result.row))).size).toBe(1);
    expect(written.filter((result) => result.lookupSource === 'request')).toHaveLength(3);
    expect(written.filter((result) => result.lookupSource === 'shared')).toHaveLength(9);
    expect(summaries[0]).toMatchObject({ rows: 12, cacheHits: 0, coalesced: 9 });
    expect(summaries[0]?.upstream.requests).toBe(3);
    const done = output.lines().find((line) => line.message === 'Batch done');
    expect(done).toMatchObject({ cacheHits: 0, coalesced: 9, upstreamRequests: 3 });
  });

  it('answers the next batch from the contact cache when it is on', async () => {
    // Prepare
    const { handler, written, summaries } = sqsFunction({ CONTACT_CACHE_TTL_SECONDS: '300' });
    await handler({ Records: REPEATS }, context);
    // Act
    await handler({ Records: REPEATS }, context);
    // Assess
    expect(upstream.seen).toHaveLength(3);
    expect(summaries.map((summary) => [summary.cacheHits, summary.upstream.requests])).toEqual([
      [0, 3],
      [12, 0],
    ]);
    expect(written.slice(12).every((result) => result.lookupSource === 'cache')).toBe(true);
    expect(new Set(written.map((result) => JSON.stringify(result.row))).size).toBe(1);
  });

  it('keeps the cache off by default: the next batch asks again', async () => {
    // Prepare
    const { handler } = sqsFunction();
    await handler({ Records: REPEATS }, context);
    // Act
    await handler({ Records: REPEATS }, context);
    // Assess
    expect(upstream.seen).toHaveLength(6);
  });
});

describe('the API function with the contact cache on', () => {
  function api() {
    const config = loadConfig({
      RESPONDIO_BASE_URL: upstream.baseUrl,
      RESPONDIO_RATE_LIMIT_RPS: '100',
      CONTACT_CACHE_TTL_SECONDS: '300',
    });
    const logger = testLogger();
    const { directory, identifiers } = createLookups(config, 'api', {
      tokens: fixedTokens(TOKEN),
      logger,
    });
    return createApiHandler({ directory, identifiers, config, logger });
  }

  const get = (headers: Record<string, string> = {}) =>
    apiEvent({ method: 'GET', url: '/contacts/id:1', headers, payloadVersion: '2.0' });

  it('answers a repeat from the cache and a no-cache request from respond.io', async () => {
    // Prepare
    const handler = api();
    // Act
    const first = await handler(get(), lambdaContext());
    const repeat = await handler(get(), lambdaContext());
    const fresh = await handler(get({ 'Cache-Control': 'no-cache' }), lambdaContext());
    // Assess
    expect([first.statusCode, repeat.statusCode, fresh.statusCode]).toEqual([200, 200, 200]);
    expect(repeat.body).toBe(first.body);
    expect(upstream.seen).toHaveLength(2);
    const lines = output.lines().filter((line) => line.message === 'API request answered');
    expect(lines.map((line) => line.lookupSource)).toEqual(['request', 'cache', 'request']);
    expect(output.text()).not.toContain('Ana'); // contact data is never logged
  });
});
