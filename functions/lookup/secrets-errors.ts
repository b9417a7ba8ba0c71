/**
 * Secrets Manager's errors read for the token source: which mean the secret itself is wrong
 * (`invalid`: missing, no access, undecryptable; reading again will not help) and which may pass
 * (`unavailable`: throttling, 5xx, timeouts, network). The TokenError names the secret and the
 * error class, never the SDK's message, which could echo a value.
 */

import { TokenError } from './respondio.js';

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

interface SdkErrorLike {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** The TokenError for an error of one GetSecretValue call on `secretId`. */
export function describeSdkError(secretId: string, error: unknown): TokenError {
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
