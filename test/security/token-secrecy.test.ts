import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createApiHandler } from '../../functions/api/app.js';
import { createLookups } from '../../functions/lookup/index.js';
import { createSecretsTokenSource } from '../../functions/lookup/token-source.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import { loadConfig } from '../../functions/settings/config.js';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../local/secrets-manager-stand-in.js';
import { secretLeak } from '../support/answers.js';
import { captureOutput, getEvent, lambdaContext, postEvent, testLogger } from '../support/api.js';
import {
  CONTACT_BODY,
  type Reply,
  type RespondioLoopback,
  startRespondioLoopback,
} from '../support/respondio-loopback.js';
import { sqsRecord } from '../support/sqs-record.js';

/**
 * Security check: the respond.io token never appears in a log line (DEBUG level included), an
 * answer, a result or dead-letter message, or an error, on any error path of either function.
 * Both functions run with their real adapters: the Secrets Manager token source (real SDK client
 * against the local stand-in) and the ky directory against a scripted loopback respond.io.
 */

const TOKEN = 'tok_SECRECY_Jx8Rq2Vn5Lc7Hd4';
const SECRET_ID = 'security/respondio-token';
const RESULTS_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/results';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/dead-letters';

const sqsMock = mockClient(SQSClient);
let upstream: RespondioLoopback;
let secrets: SecretsManagerStandIn;
let output: ReturnType<typeof captureOutput>;
const previousLogLevel = process.env.POWERTOOLS_LOG_LEVEL;

beforeAll(async () => {
  upstream = await startRespondioLoopback();
  secrets = await startSecretsManagerStandIn();
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});
afterAll(async () => {
  if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
  await upstream.close();
  await secrets.close();
});
beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `sent-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
  }));
  secrets.setSecret(SECRET_ID, TOKEN);
  output = captureOutput();
});
afterEach(() => {
  output.restore();
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

/** A request timeout the answers of a busy machine stay within (the stand-in answers at once). */
function config(requestTimeoutMs = 5000) {
  return loadConfig({
    RESPONDIO_BASE_URL: upstream.baseUrl,
    RESPONDIO_TOKEN_SECRET_ID: SECRET_ID,
    TOKEN_CACHE_TTL_SECONDS: '0',
    RESPONDIO_TIMEOUT_MS: String(requestTimeoutMs),
    RESPONDIO_MAX_ATTEMPTS: '2',
    RESPONDIO_MAX_RETRY_AFTER_SECONDS: '0',
    RESPONDIO_RATE_LIMIT_RPS: '1000',
    RESULTS_QUEUE_URL: RESULTS_URL,
    DEAD_LETTER_QUEUE_URL: DLQ_URL,
    MAX_RECEIVE_COUNT: '1',
  });
}

function tokens() {
  const client = new SecretsManagerClient({
    endpoint: secrets.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return createSecretsTokenSource({ secretId: SECRET_ID, ttlMs: 0, client });
}

/** Runs both functions once (API: GET and POST; SQS: one batch) and gathers all they produced. */
async function runBothFunctions(requestTimeoutMs?: number) {
  const cfg = config(requestTimeoutMs);
  const logger = testLogger();
  const { directory, identifiers } = createLookups(cfg, 'api', { tokens: tokens(), logger });
  const api = createApiHandler({ directory, identifiers, config: cfg, logger });
  const answers = [
    await api(getEvent('2.0', 'id:123'), lambdaContext()),
    await api(
      postEvent('2.0', JSON.stringify({ Identifier: 'email:jane@example.com' })),
      lambdaContext(),
    ),
  ];
  const sqs = createSqsFunction(cfg, { tokens: tokens(), logger: testLogger() });
  const event: SQSEvent = {
    Records: ['id:7', 'phone:+60121233112'].map((identifier, index) =>
      sqsRecord(`msg-${index}`, JSON.stringify({ Identifier: identifier })),
    ),
  };
  const batch = await sqs(event, { getRemainingTimeInMillis: () => 30_000 });
  const sent = sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
  return { answers, batch, sent };
}

type Scenario = readonly [name: string, prepare: () => void, expectUpstreamCalls: boolean];

/** The hanging scenario's attempts time out quickly; every other answer comes at once. */
const HANG_TIMEOUT_MS = 150;

const UPSTREAM_ERRORS: Scenario[] = [
  [
    '401 twice (token rejected, re-read, rejected again)',
    () => upstream.respond(() => json(401, { code: 401, message: 'UN_AUTHORIZED' })),
    true,
  ],
  ['403', () => upstream.respond(() => json(403, { code: 403, message: 'Forbidden' })), true],
  [
    '404',
    () => upstream.respond(() => json(404, { code: 404, message: 'Contact not found' })),
    true,
  ],
  [
    '429 with Retry-After',
    () =>
      upstream.respond(() => json(429, { code: 429, message: 'Too many' }, { 'retry-after': '0' })),
    true,
  ],
  [
    '449',
    () =>
      upstream.respond(() => json(449, { code: 449, message: 'queued' }, { 'retry-after': '0' })),
    true,
  ],
  [
    '500',
    () => upstream.respond(() => json(500, { code: 500, message: 'Internal server error' })),
    true,
  ],
  [
    '502 HTML page',
    () => upstream.respond(() => ({ status: 502, body: '<html>Bad Gateway</html>' })),
    true,
  ],
  ['503', () => upstream.respond(() => json(503, { code: 503, message: 'Unavailable' })), true],
  ['timeout', () => upstream.respond(() => 'hang'), true],
  ['connection reset', () => upstream.respond(() => 'reset'), true],
  [
    '200 with a non-JSON body',
    () => upstream.respond(() => ({ status: 200, body: 'OK <b>not json</b>' })),
    true,
  ],
  [
    '400 echoing the token',
    () => upstream.respond(() => json(400, { code: 400, message: `Bad token ${TOKEN}` })),
    true,
  ],
  [
    '401 echoing the token',
    () => upstream.respond(() => json(401, { code: 401, message: `Bearer ${TOKEN} is invalid` })),
    true,
  ],
  [
    '404 echoing the Authorization header',
    () =>
      upstream.respond((request) =>
        json(404, { code: 404, message: `no contact for ${request.authorization}` }),
      ),
    true,
  ],
  [
    '500 HTML echoing the token',
    () =>
      upstream.respond(() => ({
        status: 500,
        body: `<html><pre>Authorization: Bearer ${TOKEN}</pre></html>`,
      })),
    true,
  ],
];

const SECRET_ERRORS: Scenario[] = [
  ['secret not found', () => secrets.deleteSecret(SECRET_ID), false],
  ['Secrets Manager throttling', () => secrets.failNext(100, 'throttling'), false],
  ['Secrets Manager internal error', () => secrets.failNext(100, 'internal'), false],
  [
    'malformed JSON secret holding the token',
    () => secrets.setSecret(SECRET_ID, `{"token": "${TOKEN}"`),
    false,
  ],
  ['empty secret', () => secrets.setSecret(SECRET_ID, '   '), false],
  [
    'JSON secret without the token key',
    () => secrets.setSecret(SECRET_ID, `{"apiToken":"${TOKEN}"}`),
    false,
  ],
  ['token with a space in it', () => secrets.setSecret(SECRET_ID, `${TOKEN} ${TOKEN}`), false],
];

describe('security: the token never leaks, on any error path of either function', () => {
  it.each([...UPSTREAM_ERRORS, ...SECRET_ERRORS])(
    '%s',
    async (name, prepare, expectUpstreamCalls) => {
      // Prepare
      upstream.respond(() => json(200, CONTACT_BODY));
      prepare();
      const before = upstream.seen.length;
      // Act
      const { answers, batch, sent } = await runBothFunctions(
        name === 'timeout' ? HANG_TIMEOUT_MS : undefined,
      );
      secrets.failNext(0, 'internal');
      // Assess: the path was taken (the token was in play, or never obtained) and failed...
      const calls = upstream.seen.slice(before);
      if (expectUpstreamCalls) {
        expect(calls.length).toBeGreaterThanOrEqual(4);
        for (const call of calls) expect(call.authorization).toBe(`Bearer ${TOKEN}`);
      } else {
        expect(calls).toEqual([]);
      }
      for (const answer of answers) expect(answer.statusCode).toBeGreaterThanOrEqual(400);
      // ...and the token is nowhere: answers, queue messages, the batch response, log lines.
      expect(secretLeak(JSON.stringify(answers), TOKEN)).toBeNull();
      expect(secretLeak(JSON.stringify(sent), TOKEN)).toBeNull();
      expect(secretLeak(JSON.stringify(batch), TOKEN)).toBeNull();
      expect(output.lines().length).toBeGreaterThan(4);
      expect(secretLeak(output.text(), TOKEN)).toBeNull();
    },
  );

  it('redacts a token that respond.io echoes back, keeping the rest of its message', async () => {
    // Prepare
    upstream.respond(() => json(400, { code: 400, message: `Bad token ${TOKEN}` }));
    // Act
    const { answers } = await runBothFunctions();
    // Assess
    expect(JSON.parse(answers[0]?.body ?? '{}').Message).toBe('Bad token [REDACTED]');
  });
});

describe('security: configuration errors at start-up', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('the API function fails to start without echoing a token pasted into the base URL', async () => {
    // Prepare
    process.env.RESPONDIO_BASE_URL = `https://user:${TOKEN}@api.respond.io/v2?token=${TOKEN}`;
    process.env.RESPONDIO_TOKEN_SECRET_ID = SECRET_ID;
    process.env.ERROR_BEHAVIOR = 'FailSometimes';
    // Act
    const { handler } = await import('../../functions/api/handler.js');
    const error = await handler.ready().then(
      () => null,
      (thrown: Error) => thrown,
    );
    // Assess
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(
      /RESPONDIO_BASE_URL must not carry a query, fragment or credentials/,
    );
    expect(secretLeak(String(error?.message), TOKEN)).toBeNull();
    expect(output.text()).toMatch(/The API function cannot start/);
    expect(secretLeak(output.text(), TOKEN)).toBeNull();
  });

  it('the SQS function refuses its batch without echoing a token pasted into the base URL', async () => {
    // Prepare
    process.env.RESPONDIO_BASE_URL = `https://${TOKEN}:x@api.respond.io/v2#${TOKEN}`;
    process.env.RESPONDIO_TOKEN_SECRET_ID = SECRET_ID;
    delete process.env.RESULTS_QUEUE_URL;
    const { handler } = await import('../../functions/queue/handler.js');
    // Act
    const error = await handler({ Records: [] }, { getRemainingTimeInMillis: () => 1000 }).then(
      () => null,
      (thrown: Error) => thrown,
    );
    // Assess
    expect(error?.name).toBe('ConfigError');
    expect(secretLeak(String(error?.message), TOKEN)).toBeNull();
    expect(output.text()).toMatch(/The SQS function cannot start/);
    expect(secretLeak(output.text(), TOKEN)).toBeNull();
  });
});

describe('security: the file batch function at start-up', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('refuses its batch without echoing a token pasted into the base URL', async () => {
    // Prepare
    process.env.RESPONDIO_BASE_URL = `https://${TOKEN}@api.respond.io/v2?t=${TOKEN}`;
    process.env.RESPONDIO_TOKEN_SECRET_ID = SECRET_ID;
    delete process.env.FILES_BUCKET;
    const { handler } = await import('../../functions/files/batch-handler.js');
    // Act
    const error = await handler(
      { Items: [], BatchInput: { runId: 'r', format: 'csv', columns: [], partsPrefix: '' } },
      { getRemainingTimeInMillis: () => 1000 },
    ).then(
      () => null,
      (thrown: Error) => thrown,
    );
    // Assess
    expect(error?.name).toBe('ConfigError');
    expect(secretLeak(String(error?.message), TOKEN)).toBeNull();
    expect(output.text()).toMatch(/The file batch function cannot start/);
    expect(secretLeak(output.text(), TOKEN)).toBeNull();
  });
});
