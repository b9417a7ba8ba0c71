/**
 * What a request that threw was, told from the error ky or fetch threw: a failed connection
 * (with its errno-like code, e.g. ECONNRESET) or an unexpected fault of the HTTP client. Only
 * the error's class, name and codes are read; the error itself is never kept, logged or
 * rethrown, since ky errors carry the request and its headers (the token included).
 */

import { isNetworkError } from 'ky';
import { errorName } from '../platform/errors.js';
import type { LookupFailure } from './failure.js';

/** How deep the cause chain is searched for a code. */
const MAX_CAUSE_DEPTH = 6;

/**
 * An errno-like code (ECONNRESET, UND_ERR_SOCKET...) from an error's cause chain, if any. An
 * errno (E...) wins over a library code found nearer the top, which may wrap it.
 */
export function networkCode(error: unknown): string | undefined {
  let found: string | undefined;
  let current: unknown = error;
  for (
    let depth = 0;
    depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null;
    depth += 1
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) {
      if (code.startsWith('E')) return code;
      found ??= code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

/** fetch's own failure (undici), when it reaches us without ky's NetworkError around it. */
function isRawFetchFailure(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    (error.message === 'fetch failed' || error.message === 'terminated')
  );
}

/** A `network` failure, with the error's code when its cause chain has one. */
export function networkFailure(error: unknown): LookupFailure {
  const code = networkCode(error);
  return code === undefined ? { kind: 'network' } : { kind: 'network', code };
}

/**
 * The failure for an error the request threw (a timeout is told apart before): `network` when
 * the connection failed, else `internal`, naming only the error's class.
 */
export function requestFailure(error: unknown): LookupFailure {
  if (isNetworkError(error) || isRawFetchFailure(error)) return networkFailure(error);
  const name = errorName(error);
  return { kind: 'internal', detail: `the HTTP client failed unexpectedly (${name})` };
}
