import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createSecretsTokenSource } from '../../functions/lookup/token-source.js';
import { tokenErrorOf } from '../support/token-error.js';

/**
 * The real SecretsManagerClient against a minimal AWS JSON 1.1 endpoint on loopback. Each test
 * says how the endpoint answers; the endpoint records what it received.
 */

interface Received {
  target: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

type Answer = { status: number; body: unknown } | 'hang';

const SECRET_ID = 'respondio/api-token';
const TOKEN = 'tok_live_4b3c2d1e0f';

let server: Server;
let endpoint: string;
let answer: (received: Received) => Answer;
let received: Received[];
const hanging: ServerResponse[] = [];

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const request: Received = {
    target: req.headers['x-amz-target'] as string | undefined,
    contentType: req.headers['content-type'],
    body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
  };
  received.push(request);
  const reply = answer(request);
  if (reply === 'hang') {
    hanging.push(res);
    return;
  }
  res.writeHead(reply.status, { 'Content-Type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(reply.body));
}

function client(): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
}

function secretString(value: string): (request: Received) => Answer {
  return () => ({ status: 200, body: { Name: SECRET_ID, SecretString: value } });
}

function awsError(status: number, type: string): () => Answer {
  return () => ({ status, body: { __type: type, message: `${type} from the stand-in` } });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  answer = secretString(TOKEN);
});

describe('createSecretsTokenSource with the real SDK client over loopback', () => {
  it('sends GetSecretValue in the JSON protocol and reads a raw token', async () => {
    // Prepare
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: client(),
    });
    // Act
    const token = await tokens.getToken();
    // Assess
    expect(token).toBe(TOKEN);
    expect(received).toEqual([
      {
        target: 'secretsmanager.GetSecretValue',
        contentType: 'application/x-amz-json-1.1',
        body: { SecretId: SECRET_ID },
      },
    ]);
  });

  it('reads a JSON secret, caches it, and re-reads on refresh (rotation)', async () => {
    // Prepare
    answer = secretString(JSON.stringify({ token: 'before-rotation' }));
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: client(),
    });
    const first = await tokens.getToken();
    const cached = await tokens.getToken();
    answer = secretString(JSON.stringify({ token: 'after-rotation' }));
    // Act
    const refreshed = await Promise.all([tokens.refresh(), tokens.refresh()]);
    const current = await tokens.getToken();
    // Assess
    expect([first, cached]).toEqual(['before-rotation', 'before-rotation']);
    expect(refreshed).toEqual(['after-rotation', 'after-rotation']);
    expect(current).toBe('after-rotation');
    expect(received).toHaveLength(2);
  });

  it('uses the SDK defaults, so AWS_ENDPOINT_URL_SECRETS_MANAGER points it here', async () => {
    // Prepare
    const names = [
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
    });
    try {
      const tokens = createSecretsTokenSource({ secretId: SECRET_ID, ttlMs: 60_000 });
      // Act
      const token = await tokens.getToken();
      // Assess
      expect(token).toBe(TOKEN);
      expect(received).toHaveLength(1);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it.each([
    ['ResourceNotFoundException', 400, 'invalid', /does not exist/],
    ['AccessDeniedException', 400, 'invalid', /access denied/],
    ['DecryptionFailure', 400, 'invalid', /cannot be decrypted/],
    ['ThrottlingException', 400, 'unavailable', /ThrottlingException/],
    ['InternalServiceError', 500, 'unavailable', /InternalServiceError, HTTP 500/],
  ])('maps %s (HTTP %i) to a TokenError(%s)', async (type, status, reason, message) => {
    // Prepare
    answer = awsError(status, type);
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: client(),
    });
    // Act
    const failure = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(failure.reason).toBe(reason);
    expect(failure.message).toMatch(message);
    expect(failure.message).toContain(SECRET_ID);
  });

  it.each([
    ['an empty secret', '', /is empty/],
    ['JSON without the key', '{"apiKey":"x-secret-x"}', /under the key "token"/],
  ])('reports %s clearly without the value', async (_case, value, message) => {
    // Prepare
    answer = secretString(value);
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: client(),
    });
    // Act
    const failure = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(failure.reason).toBe('invalid');
    expect(failure.message).toMatch(message);
    expect(failure.message).not.toContain('x-secret-x');
  });

  it('reports a binary-only secret as invalid', async () => {
    // Prepare
    answer = () => ({
      status: 200,
      body: { Name: SECRET_ID, SecretBinary: Buffer.from('x-secret-x').toString('base64') },
    });
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: client(),
    });
    // Act
    const failure = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(failure.reason).toBe('invalid');
    expect(failure.message).toMatch(/only SecretBinary/);
  });

  it('gives up on an endpoint that does not answer, as unavailable', async () => {
    // Prepare
    answer = () => 'hang';
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: client(),
      readTimeoutMs: 200,
    });
    // Act
    const failure = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(failure.reason).toBe('unavailable');
    expect(failure.message).toContain(SECRET_ID);
  });

  it('reports a refused connection as unavailable', async () => {
    // Prepare: a port that was free a moment ago and is closed now.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      client: new SecretsManagerClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
        maxAttempts: 1,
      }),
    });
    // Act
    const failure = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(failure.reason).toBe('unavailable');
  });
});
