/**
 * The respond.io API token, read from AWS Secrets Manager: the SecretString is the raw token or
 * a JSON object holding it under a key. The token is cached for `ttlMs`; concurrent callers share
 * one read, and `refresh()` (after a 401) re-reads it, also shared. A failure is a TokenError that
 * names the secret and the problem, never the secret's value or the SDK's message: `invalid`
 * when the secret itself is wrong, `unavailable` when trying again later can help. After an
 * `unavailable` read past the TTL, the last good token serves on for at most `staleMaxMs`
 * (docs/token.md, "Secrets Manager outages"), re-read in the background, never for
 * a 401's refresh, and never once respond.io refused it.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '../platform/index.js';
import { isRecord } from './json.js';
import { TokenError, type TokenSource } from './token.js';

interface SecretsTokenSourceOptions {
  /** Secret id or ARN (RESPONDIO_TOKEN_SECRET_ID). */
  secretId: string;
  /** How long a read token is reused, ms (0: every getToken reads the secret). */
  ttlMs: number;
  /** Default `new SecretsManagerClient({})`, so AWS_ENDPOINT_URL_SECRETS_MANAGER works. */
  client?: SecretsManagerClient;
  /** JSON key holding the token when SecretString is a JSON object. Default `token`. */
  secretKey?: string;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Gives up on one GetSecretValue call after this many ms (SDK retries included). Default 5000. */
  readTimeoutMs?: number;
  /** How long past its TTL the last good token may serve, ms (transient errors only). Default 0. */
  staleMaxMs?: number;
  /** While a stale token serves, the secret is read again at most this often. Default 5000. */
  staleRetryMs?: number;
  /** A WARN line per failed read a stale token bridges, a DEBUG line per lookup it serves. */
  logger?: Logger;
  /** `StaleToken`: 1 per failed read after which the last good token serves on. */
  metrics?: Metrics;
}

const DEFAULT_SECRET_KEY = 'token';
const DEFAULT_SECRET_READ_TIMEOUT_MS = 5000;
const DEFAULT_STALE_RETRY_MS = 5000;

/** Errors that mean the secret (or our access to it) is wrong; reading again will not help. */
const INVALID_SECRET_ERRORS: Readonly<Record<string, string>> = {
  ResourceNotFoundException: 'does not exist (ResourceNotFoundException)',
  AccessDeniedException: 'cannot be read: access denied (AccessDeniedException)',
  DecryptionFailure: 'cannot be decrypted with its KMS key (DecryptionFailure)',
  InvalidParameterException: 'was requested with an invalid parameter (InvalidParameterException)',
  InvalidRequestException:
    'cannot be read in its current state, e.g. scheduled for deletion (InvalidRequestException)',
};

/** Errors that can pass on their own, even though they are 4xx. */
const TRANSIENT_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ExpiredTokenException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'InternalServiceError',
]);

/** The TokenError for a failed GetSecretValue call: the error's class, never its message. */
function describeSdkError(secretId: string, error: unknown): TokenError {
  const { name, $metadata } = (typeof error === 'object' && error !== null ? error : {}) as {
    readonly name?: unknown;
    readonly $metadata?: { readonly httpStatusCode?: unknown };
  };
  const errorName = typeof name === 'string' && /^[A-Za-z0-9_.]{1,80}$/.test(name) ? name : 'Error';
  const status = typeof $metadata?.httpStatusCode === 'number' ? $metadata.httpStatusCode : null;
  const secret = `Secrets Manager secret ${JSON.stringify(secretId)}`;
  const invalid = INVALID_SECRET_ERRORS[errorName];
  if (invalid !== undefined) return new TokenError('invalid', `${secret} ${invalid}`);
  if (
    status !== null &&
    status >= 400 &&
    status < 500 &&
    status !== 408 &&
    status !== 429 &&
    !TRANSIENT_ERRORS.has(errorName)
  ) {
    return new TokenError('invalid', `${secret} cannot be read (${errorName}, HTTP ${status})`);
  }
  const detail = status === null ? errorName : `${errorName}, HTTP ${status}`;
  return new TokenError('unavailable', `${secret} could not be read right now (${detail})`);
}

/** A token goes into an HTTP header: visible ASCII only, no spaces. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/** Extracts the token from a SecretString; throws TokenError('invalid') naming what is wrong. */
export function tokenFromSecretString(
  secretId: string,
  secretString: string,
  secretKey: string = DEFAULT_SECRET_KEY,
): string {
  const secret = `Secrets Manager secret ${JSON.stringify(secretId)}`;
  const text = secretString.trim();
  if (text === '') throw new TokenError('invalid', `${secret} is empty`);
  let token = text;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TokenError(
        'invalid',
        `${secret} looks like JSON but is not valid JSON; store the raw token or {"${secretKey}": "<token>"}`,
      );
    }
    const value = isRecord(parsed) ? parsed[secretKey] : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TokenError(
        'invalid',
        `${secret} is JSON without a non-empty string under the key "${secretKey}"`,
      );
    }
    token = value.trim();
  }
  if (!TOKEN_SHAPE.test(token)) {
    throw new TokenError(
      'invalid',
      `${secret} holds a token with spaces or non-printable characters; store the token alone`,
    );
  }
  return token;
}

export function createSecretsTokenSource(options: SecretsTokenSourceOptions): TokenSource {
  const { secretId, ttlMs, logger, metrics } = options;
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const now = options.now ?? Date.now;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_SECRET_READ_TIMEOUT_MS;
  const staleMaxMs = options.staleMaxMs ?? 0;
  const staleRetryMs = options.staleRetryMs ?? DEFAULT_STALE_RETRY_MS;
  let client = options.client;

  let cached: {
    readonly token: string;
    readonly expiresAt: number;
    readonly sequence: number;
  } | null = null;
  /** The last token read, while respond.io has not refused it: what may serve stale. */
  let lastGood: { readonly token: string; readonly expiresAt: number } | null = null;
  /** Set while a stale token serves: no read before this time (epoch ms). */
  let staleUntil: number | null = null;
  let readCount = 0;
  /** Reads older than the latest refresh may return the rotated-out token: never cache them. */
  let oldestUsableRead = 0;
  /** The read in flight; `forLookup` is it as a lookup takes it (on failure, maybe stale). */
  let inFlight: {
    readonly promise: Promise<string>;
    readonly forLookup: Promise<{ readonly token: string; readonly stale: boolean }>;
    readonly forRefresh: boolean;
  } | null = null;

  async function readSecret(): Promise<string> {
    client ??= new SecretsManagerClient({});
    let output: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined };
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
        abortSignal: AbortSignal.timeout(readTimeoutMs),
      });
    } catch (error) {
      throw describeSdkError(secretId, error);
    }
    if (typeof output.SecretString !== 'string') {
      throw new TokenError(
        'invalid',
        output.SecretBinary === undefined
          ? `Secrets Manager secret ${JSON.stringify(secretId)} has no SecretString`
          : `Secrets Manager secret ${JSON.stringify(secretId)} holds only SecretBinary; store the token as SecretString`,
      );
    }
    return tokenFromSecretString(secretId, output.SecretString, secretKey);
  }

  function startRead(forRefresh: boolean): NonNullable<typeof inFlight> {
    readCount += 1;
    const sequence = readCount;
    if (forRefresh) oldestUsableRead = sequence;
    const promise = readSecret().then((token) => {
      // A read that started before a later one (e.g. a refresh) never overwrites its result.
      if (sequence >= oldestUsableRead && (cached === null || sequence >= cached.sequence)) {
        cached = { token, expiresAt: now() + ttlMs, sequence };
        lastGood = { token, expiresAt: cached.expiresAt };
        staleUntil = null;
      }
      return token;
    });
    const forLookup = promise.then(
      (token) => ({ token, stale: false }),
      (error: unknown) => {
        const token = afterFailedRead(error);
        if (token === null) throw error;
        return { token, stale: true };
      },
    );
    // A background read's failure has been judged; nobody may be waiting for it.
    forLookup.catch(() => undefined);
    const entry = { promise, forLookup, forRefresh };
    inFlight = entry;
    const clear = () => {
      if (inFlight === entry) inFlight = null;
    };
    promise.then(clear, clear);
    return entry;
  }

  /** The last good token, if it may still serve at this time. */
  function stale(at: number): { readonly token: string; readonly staleForMs: number } | null {
    if (lastGood === null || at > lastGood.expiresAt + staleMaxMs) return null;
    return { token: lastGood.token, staleForMs: Math.max(at - lastGood.expiresAt, 0) };
  }

  /** Judges a failed read once: the last good token if it may serve on (transient error), else null. */
  function afterFailedRead(error: unknown): string | null {
    const at = now();
    const served = error instanceof TokenError && error.reason === 'unavailable' ? stale(at) : null;
    staleUntil = served === null ? null : at + staleRetryMs;
    if (served !== null && error instanceof TokenError) {
      logger?.warn('Serving the last good respond.io token: the secret could not be read', {
        staleForSeconds: Math.round(served.staleForMs / 1000),
        reason: error.message,
      });
      // Written at once: the stale period may end before any batch does.
      metrics?.singleMetric().addMetric('StaleToken', MetricUnit.Count, 1);
    }
    return served?.token ?? null;
  }

  const staleServed = () => logger?.debug('Served the last good respond.io token to a lookup');

  return {
    async getToken() {
      const at = now();
      if (cached !== null && at < cached.expiresAt) return cached.token;
      const served = staleUntil === null ? null : stale(at);
      if (served !== null) {
        // Secrets Manager failed a moment ago: serve at once, try again in the background.
        if (at >= (staleUntil ?? at) && inFlight === null) startRead(false);
        staleServed();
        return served.token;
      }
      const read = await (inFlight ?? startRead(false)).forLookup;
      if (read.stale) staleServed();
      return read.token;
    },
    refresh(rejectedToken) {
      if (rejectedToken !== undefined && cached !== null && cached.token !== rejectedToken) {
        return Promise.resolve(cached.token);
      }
      // A token respond.io refused is never served stale; a 401 always means a real read.
      if (rejectedToken !== undefined && lastGood?.token === rejectedToken) lastGood = null;
      cached = null;
      staleUntil = null;
      if (inFlight?.forRefresh) return inFlight.promise;
      return startRead(true).promise;
    },
  };
}
