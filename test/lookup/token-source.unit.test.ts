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
} from '../../functions/lookup/token-source.js';
import type { Logger } from '../../functions/platform/logger.js';
import { recordingMetrics } from '../support/recording-metrics.js';
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

describe('createSecretsTokenSource: a Secrets Manager outage after the TTL', () => {
  beforeEach(() => {
    secrets.reset();
  });

  /**
   * A source with a 60 s TTL that may serve its last token 600 s stale, watched: its WARN lines
   * (as the stale events they tell of), its DEBUG lines per lookup served, its StaleToken metric.
   */
  function watched(time: ReturnType<typeof clock>, staleMaxMs = 600_000) {
    const events: { staleForMs: number; detail: string }[] = [];
    const warnings: string[] = [];
    let served = 0;
    const recorded = recordingMetrics();
    const logger: Logger = {
      debug: (message) => {
        if (message === 'Served the last good respond.io token to a lookup') served += 1;
      },
      info: () => undefined,
      warn: (message, ...fields) => {
        warnings.push(message);
        const { staleForSeconds, reason } = Object.assign({}, ...fields);
        events.push({ staleForMs: staleForSeconds * 1000, detail: reason });
      },
      error: () => undefined,
    };
    const tokens = createSecretsTokenSource({
      secretId: SECRET_ID,
      ttlMs: 60_000,
      staleMaxMs,
      staleRetryMs: 5000,
      now: time.now,
      client: new SecretsManagerClient({ region: 'us-east-1' }),
      logger,
      metrics: recorded.metrics,
    });
    return { tokens, events, warnings, recorded, served: () => served };
  }

  it('serves the last good token when the read after the TTL fails with a transient error', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .rejects(serviceError('InternalServiceError', 500));
    const { tokens, events, warnings, recorded, served } = watched(time);
    await tokens.getToken();
    time.advance(61_000);
    // Act
    const token = await tokens.getToken();
    // Assess
    expect(token).toBe(TOKEN);
    expect(events).toEqual([
      {
        staleForMs: 1000,
        detail: expect.stringMatching(/could not be read right now \(InternalServiceError/),
      },
    ]);
    expect(served()).toBe(1);
    expect(warnings).toEqual([
      'Serving the last good respond.io token: the secret could not be read',
    ]);
    // The metric is written at once, on a line of its own.
    expect(recorded.lines).toEqual([['StaleToken']]);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it('judges a failed read once, however many lookups waited for it', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .rejects(serviceError('InternalServiceError', 500));
    const { tokens, events, served } = watched(time);
    await tokens.getToken();
    time.advance(61_000);
    // Act
    const all = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);
    // Assess
    expect(all).toEqual([TOKEN, TOKEN, TOKEN]);
    expect(events).toHaveLength(1);
    expect(served()).toBe(3);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('meanwhile serves at once, and reads again only every staleRetryMs, in the background', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .rejects(serviceError('ThrottlingException', 400));
    const { tokens, events, served } = watched(time);
    await tokens.getToken();
    time.advance(61_000);
    await tokens.getToken(); // the failed read: stale serving starts
    // Act
    const within = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);
    const readsWithin = secrets.commandCalls(GetSecretValueCommand).length;
    time.advance(5000);
    const after = await tokens.getToken();
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect([...within, after]).toEqual([TOKEN, TOKEN, TOKEN, TOKEN]);
    expect(readsWithin).toBe(2);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
    expect(served()).toBe(5);
    expect(events.map((event) => event.staleForMs)).toEqual([1000, 6000]);
  });

  it('goes back to the fresh token once the secret can be read again', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'before-outage' })
      .rejectsOnce(serviceError('InternalServiceError', 500))
      .resolves({ SecretString: 'after-outage' });
    const { tokens, served } = watched(time);
    await tokens.getToken();
    time.advance(61_000);
    expect(await tokens.getToken()).toBe('before-outage');
    time.advance(5000);
    // Act: this call still gets the stale token and starts the read; the next gets its result.
    const during = await tokens.getToken();
    await new Promise((resolve) => setImmediate(resolve));
    const afterwards = await tokens.getToken();
    // Assess
    expect([during, afterwards]).toEqual(['before-outage', 'after-outage']);
    expect(served()).toBe(2);
  });

  it('stops serving it TOKEN_STALE_MAX past its TTL: the lookup then fails as unavailable', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .rejects(serviceError('InternalServiceError', 500));
    const { tokens } = watched(time, 30_000);
    await tokens.getToken();
    time.advance(61_000);
    expect(await tokens.getToken()).toBe(TOKEN);
    time.advance(30_000);
    // Act
    const error = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(error.reason).toBe('unavailable');
  });

  it('never serves a stale token for a permanent error, nor with TOKEN_STALE_MAX 0', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .resolvesOnce({ SecretString: TOKEN })
      .rejectsOnce(serviceError('AccessDeniedException', 400))
      .rejects(serviceError('InternalServiceError', 500));
    const denied = watched(time);
    const never = watched(time, 0);
    await denied.tokens.getToken();
    await never.tokens.getToken();
    time.advance(61_000);
    // Act
    const errors = [
      await tokenErrorOf(denied.tokens.getToken()),
      await tokenErrorOf(never.tokens.getToken()),
    ];
    // Assess
    expect(errors.map((error) => error.reason)).toEqual(['invalid', 'unavailable']);
    expect([...denied.events, ...never.events]).toEqual([]);
  });

  it('a 401 still forces a real read, and a refused token is never served stale', async () => {
    // Prepare
    const time = clock();
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: TOKEN })
      .rejects(serviceError('InternalServiceError', 500));
    const { tokens } = watched(time);
    await tokens.getToken();
    time.advance(61_000);
    expect(await tokens.getToken()).toBe(TOKEN);
    // Act: respond.io refuses the stale token.
    const refresh = await tokenErrorOf(tokens.refresh(TOKEN));
    const next = await tokenErrorOf(tokens.getToken());
    // Assess
    expect(refresh.reason).toBe('unavailable');
    expect(next.reason).toBe('unavailable');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
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
