/**
 * The respond.io API token, read from AWS Secrets Manager.
 *
 * The secret's SecretString is either the raw token or a JSON object holding it under a key
 * (default `token`), e.g. `{"token": "..."}`. The token is cached for `ttlMs`; concurrent callers
 * share one read, and `refresh()` (after a 401) re-reads it, also shared. Failures become a
 * TokenError whose message names the secret and the problem but never the secret's value:
 * `invalid` when the secret itself is wrong (missing, no access, empty, malformed), `unavailable`
 * when trying again later can help (throttling, 5xx, network, timeout).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isRecord } from '../core/json.js';
import { TokenError, type TokenSource } from '../core/ports.js';

export interface SecretsTokenSourceOptions {
  /** Secret id or ARN (RESPONDIO_TOKEN_SECRET_ID). */
  secretId: string;
  /** How long a read token is reused, in ms (0: every getToken reads the secret). */
  ttlMs: number;
  /** Default `new SecretsManagerClient({})`: SDK defaults, so AWS_ENDPOINT_URL_SECRETS_MANAGER works. */
  client?: SecretsManagerClient;
  /** JSON key holding the token when SecretString is a JSON object. Default `token`. */
  secretKey?: string;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Gives up on one GetSecretValue call after this many ms (SDK retries included). Default 5000. */
  readTimeoutMs?: number;
}

export const DEFAULT_SECRET_KEY = 'token';
export const DEFAULT_SECRET_READ_TIMEOUT_MS = 5000;

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

/** A token goes into an HTTP header: visible ASCII only, no spaces. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

interface SdkErrorLike {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

function describeSdkError(secretId: string, error: unknown): TokenError {
  const { name, $metadata } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as SdkErrorLike;
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
  const { secretId, ttlMs } = options;
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const now = options.now ?? Date.now;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_SECRET_READ_TIMEOUT_MS;
  let client = options.client;

  let cached: {
    readonly token: string;
    readonly expiresAt: number;
    readonly sequence: number;
  } | null = null;
  let readCount = 0;
  /** Reads older than the latest refresh may return the rotated-out token: never cache them. */
  let oldestUsableRead = 0;
  /** The read in flight, if any; `forRefresh` when it started after a refresh() call. */
  let inFlight: { readonly promise: Promise<string>; readonly forRefresh: boolean } | null = null;

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

  function startRead(forRefresh: boolean): Promise<string> {
    readCount += 1;
    const sequence = readCount;
    if (forRefresh) oldestUsableRead = sequence;
    const promise = readSecret().then((token) => {
      // A read that started before a later one (e.g. a refresh) never overwrites its result.
      if (sequence >= oldestUsableRead && (cached === null || sequence >= cached.sequence)) {
        cached = { token, expiresAt: now() + ttlMs, sequence };
      }
      return token;
    });
    const entry = { promise, forRefresh };
    inFlight = entry;
    const clear = () => {
      if (inFlight === entry) inFlight = null;
    };
    promise.then(clear, clear);
    return promise;
  }

  return {
    getToken() {
      if (cached !== null && now() < cached.expiresAt) return Promise.resolve(cached.token);
      if (inFlight !== null) return inFlight.promise;
      return startRead(false);
    },
    refresh(rejectedToken) {
      if (rejectedToken !== undefined && cached !== null && cached.token !== rejectedToken) {
        return Promise.resolve(cached.token);
      }
      cached = null;
      if (inFlight?.forRefresh) return inFlight.promise;
      return startRead(true);
    },
  };
}
