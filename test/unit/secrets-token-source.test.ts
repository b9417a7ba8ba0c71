import {
  DecryptionFailure,
  GetSecretValueCommand,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  createSecretsTokenSource,
  tokenFromSecretString,
} from '../../functions/adapters/secrets-token-source.js';
import { tokenErrorOf } from '../support/token-error.js';

const SECRET_ID = 'respondio/api-token';
const TOKEN = 'tok_live_9f8e7d6c5b4a';

const secrets = mockClient(SecretsManagerClient);

function serviceError(name: string, status: number): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} (mocked)`,
  });
}

/** A controllable clock. */
function clock(start = 1_000_000) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

function source(options: { ttlMs?: number; now?: () => number; secretKey?: string } = {}) {
  return createSecretsTokenSource({
    secretId: SECRET_ID,
    ttlMs: options.ttlMs ?? 60_000,
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    ...(options.now ? { now: options.now } : {}),
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
  });
}

describe('createSecretsTokenSource', () => {
  beforeEach(() => {
    secrets.reset();
  });

  it('reads a raw token from SecretString', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `  ${TOKEN}\n` });
    // Act
    const token = await source().getToken();
    // Assess
    expect(token).toBe(TOKEN);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ID });
  });

  it('reads the token from JSON under the default key', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ token: TOKEN, note: 'rotated monthly' }),
    });
    // Act
    const token = await source().getToken();
    // Assess
    expect(token).toBe(TOKEN);
  });

  it('reads the token from JSON under a configured key', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: TOKEN }) });
    // Act
    const token = await source({ secretKey: 'apiKey' }).getToken();
    // Assess
    expect(token).toBe(TOKEN);
  });

  it('builds its own SDK client when none is given', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });
    const tokens = createSecretsTokenSource({ secretId: SECRET_ID, ttlMs: 1000 });
    // Act
    const token = await tokens.getToken();
    // Assess
    expect(token).toBe(TOKEN);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('caches the token for the TTL, then reads it again', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'first-token' })
      .resolves({ SecretString: 'second-token' });
    const tokens = source({ ttlMs: 1000, now: time.now });
    // Act
    const a = await tokens.getToken();
    time.advance(999);
    const b = await tokens.getToken();
    time.advance(1);
    const c = await tokens.getToken();
    // Assess
    expect([a, b, c]).toEqual(['first-token', 'first-token', 'second-token']);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('shares one read between concurrent callers', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });
    const tokens = source();
    // Act
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));
    // Assess
    expect(new Set(all)).toEqual(new Set([TOKEN]));
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('refresh bypasses the cache, is shared by concurrent callers and updates the cache', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old-token' })
      .resolves({ SecretString: 'rotated-token' });
    const tokens = source();
    expect(await tokens.getToken()).toBe('old-token');
    // Act
    const refreshed = await Promise.all([tokens.refresh(), tokens.refresh(), tokens.getToken()]);
    const afterwards = await tokens.getToken();
    // Assess
    expect(refreshed).toEqual(['rotated-token', 'rotated-token', 'rotated-token']);
    expect(afterwards).toBe('rotated-token');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('a refresh for a token already replaced returns the newer token without a read', async () => {
    // Prepare: one caller's 401 already led to the rotated token.
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old-token' })
      .resolves({ SecretString: 'rotated-token' });
    const tokens = source();
    const rejected = await tokens.getToken();
    expect(await tokens.refresh(rejected)).toBe('rotated-token');
    // Act: later 401s of requests sent with the old token.
    const late = await Promise.all([tokens.refresh(rejected), tokens.refresh(rejected)]);
    // Assess: one read for the rotation, not one per 401.
    expect(late).toEqual(['rotated-token', 'rotated-token']);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('a refresh for the cached token itself reads the secret again', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'same-token' });
    const tokens = source();
    const rejected = await tokens.getToken();
    // Act
    const refreshed = await tokens.refresh(rejected);
    // Assess
    expect(refreshed).toBe('same-token');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('does not cache a token from a read that started before a refresh', async () => {
    // Prepare: the first read is slow and returns the rotated-out token.
    let releaseSlowRead: (value: { SecretString: string }) => void = () => undefined;
    secrets
      .on(GetSecretValueCommand)
      .callsFakeOnce(
        () =>
          new Promise((resolve) => {
            releaseSlowRead = resolve;
          }),
      )
      .resolves({ SecretString: 'rotated-token' });
    const tokens = source();
    const slow = tokens.getToken();
    // Act
    const refreshed = await tokens.refresh();
    releaseSlowRead({ SecretString: 'old-token' });
    await slow;
    const current = await tokens.getToken();
    // Assess
    expect(refreshed).toBe('rotated-token');
    expect(current).toBe('rotated-token');
  });

  it('does not cache a failure: the next call reads again', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(serviceError('ThrottlingException', 400))
      .resolves({ SecretString: TOKEN });
    const tokens = source();
    // Act
    const error = await tokenErrorOf(tokens.getToken());
    const token = await tokens.getToken();
    // Assess
    expect(error.reason).toBe('unavailable');
    expect(token).toBe(TOKEN);
  });

  it.each([
    [
      'a missing secret',
      new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 400 } }),
      /does not exist \(ResourceNotFoundException\)/,
    ],
    [
      'denied access',
      serviceError('AccessDeniedException', 400),
      /access denied \(AccessDeniedException\)/,
    ],
    [
      'a decryption failure',
      new DecryptionFailure({ message: 'kms', $metadata: { httpStatusCode: 400 } }),
      /cannot be decrypted/,
    ],
    [
      'another client error',
      serviceError('UnrecognizedClientException', 403),
      /UnrecognizedClientException, HTTP 403/,
    ],
  ])('reports %s as an invalid secret', async (_case, error, message) => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(error);
    // Act
    const failure = await tokenErrorOf(source().getToken());
    // Assess
    expect(failure.reason).toBe('invalid');
    expect(failure.message).toMatch(message);
    expect(failure.message).toContain(JSON.stringify(SECRET_ID));
  });

  it.each([
    ['throttling', serviceError('ThrottlingException', 400), /ThrottlingException/],
    [
      'an internal service error',
      new InternalServiceError({ message: 'boom', $metadata: { httpStatusCode: 500 } }),
      /InternalServiceError, HTTP 500/,
    ],
    ['a 503', serviceError('ServiceUnavailable', 503), /ServiceUnavailable, HTTP 503/],
    [
      'a network error',
      Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' }),
      /could not be read right now \(Error\)/,
    ],
  ])('reports %s as unavailable', async (_case, error, message) => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(error);
    // Act
    const failure = await tokenErrorOf(source().getToken());
    // Assess
    expect(failure.reason).toBe('unavailable');
    expect(failure.message).toMatch(message);
    expect(failure.message).toContain(JSON.stringify(SECRET_ID));
  });

  it.each([
    ['an empty string', { SecretString: '' }, /is empty/],
    ['blank text', { SecretString: '  \n ' }, /is empty/],
    [
      'JSON without the key',
      { SecretString: '{"apiToken":"x-secret-x"}' },
      /under the key "token"/,
    ],
    ['JSON with an empty token', { SecretString: '{"token":"  "}' }, /under the key "token"/],
    ['JSON with a non-string token', { SecretString: '{"token":12345}' }, /under the key "token"/],
    ['broken JSON', { SecretString: '{"token":"x-secret-x"' }, /not valid JSON/],
    ['a token with spaces', { SecretString: 'x-secret-x and more' }, /spaces or non-printable/],
    ['a binary-only secret', { SecretBinary: new Uint8Array([1, 2, 3]) }, /only SecretBinary/],
    ['no value at all', {}, /has no SecretString/],
  ])('reports %s as an invalid secret without its value', async (_case, output, message) => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(output);
    // Act
    const failure = await tokenErrorOf(source().getToken());
    // Assess
    expect(failure.reason).toBe('invalid');
    expect(failure.message).toMatch(message);
    expect(failure.message).toContain(JSON.stringify(SECRET_ID));
    expect(failure.message).not.toContain('x-secret-x');
    expect(failure.message).not.toContain('12345');
  });

  it('never copies the SDK error message, which could echo a value', async () => {
    // Prepare
    const error = serviceError('ValidationException', 400);
    error.message = `1 validation error: value '${TOKEN}' is not valid`;
    secrets.on(GetSecretValueCommand).rejects(error);
    // Act
    const failure = await tokenErrorOf(source().getToken());
    // Assess
    expect(failure.message).toMatch(/ValidationException, HTTP 400/);
    expect(failure.message).not.toContain(TOKEN);
  });
});

describe('tokenFromSecretString', () => {
  it('trims a raw token and a JSON token', () => {
    expect(tokenFromSecretString(SECRET_ID, ` ${TOKEN} `)).toBe(TOKEN);
    expect(tokenFromSecretString(SECRET_ID, `{"token":" ${TOKEN} "}`)).toBe(TOKEN);
  });

  it('rejects a JSON array', () => {
    expect(() => tokenFromSecretString(SECRET_ID, `{"token":["${TOKEN}"]}`)).toThrow(
      /under the key "token"/,
    );
  });
});
