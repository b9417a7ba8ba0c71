/**
 * The API function over real loopback HTTP: local API Gateway front → createApiHandler → real
 * adapters (ky directory, rate limiter, Secrets Manager token source with the real SDK) →
 * respond.io simulator and Secrets Manager stand-in.
 */

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createApiHandler } from '../../functions/api/app.js';
import { createLookups } from '../../functions/lookup/index.js';
import { API_TOKEN_REREAD_WAITS_MS } from '../../functions/lookup/retry-plan.js';
import { OUTPUT_COLUMNS } from '../../functions/lookup/row.js';
import { createSecretsTokenSource } from '../../functions/lookup/token-source.js';
import { loadConfig } from '../../functions/settings/config.js';
import { ERROR_BEHAVIORS, type ErrorBehavior } from '../../functions/settings/error-behavior.js';
import {
  type ApiGatewayServer,
  type ProxyHandler,
  startApiGatewayServer,
} from '../../local/api-gateway-server.js';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../local/secrets-manager-stand-in.js';
import { type Simulator, startSimulator } from '../../local/simulator/server.js';
import { captureOutput, testLogger } from '../support/api.js';

const SECRET_ID = 'test/respondio-token';
const TOKEN = 'tok-INTEGRATION-7f3a9c1e';
const ROTATED = 'tok-ROTATED-0b5d2e88';

let simulator: Simulator;
let secrets: SecretsManagerStandIn;
let output: ReturnType<typeof captureOutput>;
const servers: ApiGatewayServer[] = [];
/** Every response status line, header and body seen by the tests. */
const seen: string[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ tokens: [TOKEN] });
  secrets = await startSecretsManagerStandIn({ secrets: { [SECRET_ID]: TOKEN } });
});
afterAll(async () => {
  await simulator.close();
  await secrets.close();
});
beforeEach(() => {
  simulator.setTokens([TOKEN]);
  simulator.setRateLimit(undefined);
  secrets.setSecret(SECRET_ID, TOKEN);
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  for (const server of servers.splice(0)) await server.close();
});

async function serveApi(
  behavior: ErrorBehavior,
  secretId = SECRET_ID,
  extra: {
    env?: Record<string, string>;
    tokenRereadWaitsMs?: readonly number[];
  } = {},
): Promise<string> {
  const config = loadConfig({
    RESPONDIO_BASE_URL: simulator.url,
    RESPONDIO_TOKEN_SECRET_ID: secretId,
    ERROR_BEHAVIOR: behavior,
    RESPONDIO_RATE_LIMIT_RPS: '1000',
    ...extra.env,
  });
  const logger = testLogger();
  const client = new SecretsManagerClient({
    endpoint: secrets.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tokens = createSecretsTokenSource({ secretId, ttlMs: 300_000, client });
  // The API function's token re-reads (one more after a short wait), or the SQS function's.
  const user = extra.tokenRereadWaitsMs ? 'api' : 'queue';
  const { directory, identifiers } = createLookups(config, user, { tokens, logger });
  const handler = createApiHandler({ directory, identifiers, config, logger });
  const server = await startApiGatewayServer({ handler: handler as unknown as ProxyHandler });
  servers.push(server);
  return server.url;
}

async function call(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const text = await response.text();
  seen.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`);
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

function lookup(base: string, identifier: string) {
  return call(`${base}/contacts/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Identifier: identifier }),
  });
}

/** The token appears in no log line and no response. */
function expectNoToken() {
  const everything = `${output.text()}\n${seen.join('\n')}`;
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(ROTATED);
}

describe('API function with the real adapters', () => {
  it.each(ERROR_BEHAVIORS.map((behavior) => ({ behavior })))(
    '$behavior: found and unknown contacts on both routes',
    async ({ behavior }) => {
      // Prepare
      const base = await serveApi(behavior);
      // Act
      const byPath = await call(`${base}/contacts/id:1`);
      const byBody = await lookup(base, 'email:jane.tan@example.com');
      const unknownByPath = await call(`${base}/contacts/id:999999`);
      const unknownByBody = await lookup(base, 'id:999999');
      // Assess
      for (const found of [byPath, byBody]) {
        expect(found.status).toBe(200);
        expect(found.body).toMatchObject({
          StatusCode: 200,
          ID: 1,
          FirstName: 'Jane',
          CountryCode: 'MY',
        });
      }
      for (const unknown of [unknownByPath, unknownByBody]) {
        if (behavior === 'FailWithoutResponse') {
          expect(unknown.status).toBe(404);
          expect(unknown.body).toEqual({ StatusCode: 404, Message: 'Not found' });
        } else {
          expect(unknown.status).toBe(behavior === 'FailAndReturnResponse' ? 404 : 200);
          expect(Object.keys(unknown.body)).toEqual([...OUTPUT_COLUMNS]);
          expect(unknown.body).toMatchObject({
            StatusCode: 404,
            Message: 'Contact not found',
            ID: null,
          });
        }
        expect(unknown.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
      expectNoToken();
    },
  );

  it('re-reads a rotated token after a 401 and answers 200', async () => {
    // Prepare
    const base = await serveApi('FailAndReturnResponse');
    await call(`${base}/contacts/id:2`);
    secrets.setSecret(SECRET_ID, ROTATED);
    simulator.setTokens([ROTATED]);
    simulator.resetStats();
    // Act
    const answer = await call(`${base}/contacts/id:1`);
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.ID).toBe(1);
    expect(simulator.stats().byStatus).toEqual({ 200: 1, 401: 1 });
    expectNoToken();
  });

  it('rides out a rotation whose new secret comes a moment after the old token is refused', async () => {
    // Prepare: the API function's re-reads (functions/api/handler.ts).
    const base = await serveApi('FailAndReturnResponse', SECRET_ID, {
      tokenRereadWaitsMs: API_TOKEN_REREAD_WAITS_MS,
    });
    await call(`${base}/contacts/id:2`);
    simulator.setTokens([ROTATED]);
    simulator.resetStats();
    // The new secret arrives once the old token was refused twice (after the immediate re-read),
    // within the function's wait of API_TOKEN_REREAD_WAIT_MS before its next re-read. Watched on
    // every turn of the event loop: the order is the point, not a number of milliseconds.
    let watching = true;
    const secretUpdated = new Promise<void>((resolve) => {
      const watch = () => {
        if (!watching) return resolve();
        if ((simulator.stats().byStatus['401'] ?? 0) < 2) return void setImmediate(watch);
        secrets.setSecret(SECRET_ID, ROTATED);
        resolve();
      };
      watch();
    });
    // Act
    const answer = await call(`${base}/contacts/id:1`);
    watching = false;
    await secretUpdated;
    // Assess: 401, re-read (still the old token), 401, wait, re-read (the new one), 200.
    expect(answer.status).toBe(200);
    expect(answer.body.ID).toBe(1);
    expect(simulator.stats().byStatus).toEqual({ 200: 1, 401: 2 });
    expectNoToken();
  });

  it('answers the 401 row when the token is revoked and not replaced', async () => {
    // Prepare
    const base = await serveApi('FailAndReturnResponse');
    simulator.setTokens(['someone-else']);
    // Act
    const answer = await call(`${base}/contacts/id:1`);
    // Assess
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ StatusCode: 401, ID: null });
    expect(answer.body.Message).toMatch(/UN_AUTHORIZED|token/);
    expectNoToken();
  });

  it('answers a clear 500 row when the secret does not exist', async () => {
    // Prepare
    const base = await serveApi('DoNotFailAndReturnResponse', 'test/missing');
    simulator.resetStats();
    // Act
    const answer = await lookup(base, 'id:1');
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ StatusCode: 500, ID: null });
    expect(answer.body.Message).toMatch(/does not exist/);
    expect(simulator.stats().requests).toBe(0);
    expectNoToken();
  });

  it('waits for Retry-After on a 429 and still answers 200', async () => {
    // Prepare
    const base = await serveApi('FailAndReturnResponse');
    await call(`${base}/contacts/id:3`); // token read and connection warm
    simulator.setRateLimit(1);
    simulator.resetStats();
    // Act
    const [first, second] = await Promise.all([
      call(`${base}/contacts/id:1`),
      call(`${base}/contacts/id:2`),
    ]);
    // Assess
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(simulator.stats().rateLimited).toBe(1);
    const attempts = output
      .lines()
      .filter((line) => line.message === 'API request answered')
      .map((line) => line.attempts);
    expect(attempts).toContain(2);
    expectNoToken();
  });

  it('refuses malformed requests with 4xx before calling respond.io', async () => {
    // Prepare
    const base = await serveApi('DoNotFailAndReturnResponse');
    simulator.resetStats();
    // Act
    const malformed = await call(`${base}/contacts/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"Identifier":',
    });
    const wrongType = await call(`${base}/contacts/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'id:1',
    });
    const tooLarge = await lookup(base, `id:${'1'.repeat(9000)}`);
    const wrongMethod = await call(`${base}/contacts/id:1`, { method: 'DELETE' });
    // Assess
    expect([malformed.status, wrongType.status, tooLarge.status, wrongMethod.status]).toEqual([
      400, 415, 413, 405,
    ]);
    expect(simulator.stats().requests).toBe(0);
    expectNoToken();
  });
});

describe('identifiers as people have them, sent in their canonical form', () => {
  /** The forms of the issue, each with the canonical segment respond.io must receive. */
  const FORMS = [
    ['ID:1', 'id:1'],
    ['id: 1', 'id:1'],
    ['Email: jane.tan@Example.COM', 'email:jane.tan@example.com'],
    ['phone:+60 12-123 3112', 'phone:+60121233112'],
    ['phone:(+60) 12 123 3112', 'phone:+60121233112'],
    ['phone:0060121233112', 'phone:+60121233112'],
    ['Phone : +６０ １２ １２３ ３１１２', 'phone:+60121233112'],
  ] as const;

  it.each([{ country: null }, { country: 'MY' }])(
    'DEFAULT_PHONE_COUNTRY=$country: every form finds Jane, and respond.io sees the canonical form',
    async ({ country }) => {
      // Prepare
      const base = await serveApi('FailAndReturnResponse', SECRET_ID, {
        env: country === null ? {} : { DEFAULT_PHONE_COUNTRY: country },
      });
      await call(`${base}/contacts/id:2`); // token read
      simulator.resetStats();
      // Act
      const answers = [];
      for (const [form] of FORMS) {
        answers.push(await call(`${base}/contacts/${encodeURIComponent(form)}`));
        answers.push(await lookup(base, form));
      }
      // Assess
      expect(answers.map((answer) => [answer.status, answer.body.ID])).toEqual(
        answers.map(() => [200, 1]),
      );
      expect(simulator.requestLog().map((entry) => entry.path)).toEqual(
        FORMS.flatMap(([, canonical]) => [canonical, canonical]).map(
          (canonical) => `/v2/contact/${canonical}`,
        ),
      );
      expectNoToken();
    },
  );

  it('reads a national number only when DEFAULT_PHONE_COUNTRY is set, and says how to fix it otherwise', async () => {
    // Prepare
    const unset = await serveApi('FailAndReturnResponse');
    const set = await serveApi('FailAndReturnResponse', SECRET_ID, {
      env: { DEFAULT_PHONE_COUNTRY: 'MY' },
    });
    simulator.resetStats();
    // Act
    const refused = await call(`${unset}/contacts/${encodeURIComponent('phone:012-123 3112')}`);
    const found = await call(`${set}/contacts/${encodeURIComponent('phone:012-123 3112')}`);
    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.Message).toMatch(
      /is a national phone number: add the country code .* or set DEFAULT_PHONE_COUNTRY/,
    );
    expect(found).toMatchObject({ status: 200, body: { ID: 1, Phone: '+60121233112' } });
    expect(simulator.requestLog().map((entry) => entry.path)).toEqual([
      '/v2/contact/phone:+60121233112',
    ]);
  });

  it('logs the masked canonical form, never the identifier as given', async () => {
    // Prepare
    const base = await serveApi('FailAndReturnResponse');
    // Act
    await lookup(base, 'phone:(+60) 12-123 3112');
    // Assess
    const line = output.lines().find((entry) => entry.message === 'API request answered');
    expect(line?.identifier).toBe('phone:+60******112');
    expect(output.text()).not.toContain('123 3112');
    expect(output.text()).not.toContain('60121233112');
  });
});
