/**
 * The lookup failure for a token that could not be read: a TokenError keeps its reason
 * (transient `unavailable`, permanent `invalid`) and message; any other error is described by
 * its class alone, since its message might quote the secret.
 */

import { errorName } from '../platform/errors.js';
import type { LookupFailure } from './failure.js';
import { TokenError } from './respondio.js';

export function tokenFailure(error: unknown): LookupFailure {
  if (error instanceof TokenError) {
    return { kind: 'token', reason: error.reason, detail: error.message };
  }
  const name = errorName(error);
  return { kind: 'token', reason: 'unavailable', detail: `the token source failed (${name})` };
}
