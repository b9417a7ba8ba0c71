/**
 * The respond.io token as a lookup needs it: where it comes from (a TokenSource: Secrets
 * Manager in token-source.ts) and what a token that cannot be read does to the lookup.
 */

import { errorName } from '../platform/index.js';
import type { LookupFailure } from './failure.js';

/** Thrown by a TokenSource; `reason` tells transient (`unavailable`) from permanent (`invalid`). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly reason: 'unavailable' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** The respond.io API token, read at run time and never baked in. */
export interface TokenSource {
  /** The current token (cached). Throws TokenError. */
  getToken(): Promise<string>;
  /**
   * Re-reads the token, bypassing the cache (after a 401). Concurrent callers share one read.
   * With `rejectedToken` (the token respond.io refused), a newer token already read by another
   * caller is returned without a read, so a rotation costs one read, not one per 401.
   */
  refresh(rejectedToken?: string): Promise<string>;
}

/** A token that could not be read: a TokenError keeps its reason; any other error its class only. */
export function tokenFailure(error: unknown): LookupFailure {
  if (error instanceof TokenError)
    return { kind: 'token', reason: error.reason, detail: error.message };
  const detail = `the token source failed (${errorName(error)})`;
  return { kind: 'token', reason: 'unavailable', detail };
}
