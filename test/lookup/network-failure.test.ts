import { describe, expect, it } from '@jest/globals';
import {
  networkCode,
  networkFailure,
  requestFailure,
} from '../../functions/lookup/network-failure.js';

/** Telling a failed connection from a client fault, from the error thrown (never kept). */

function withCause(message: string, cause: unknown, code?: string): Error {
  const error = new Error(message, { cause });
  if (code !== undefined) Object.assign(error, { code });
  return error;
}

describe('networkCode', () => {
  it('finds an errno code down the cause chain, preferring it to a library code above', () => {
    // Prepare
    const error = new TypeError('fetch failed', {
      cause: withCause('other side closed', { code: 'ECONNRESET' }, 'UND_ERR_SOCKET'),
    });
    // Act & Assess
    expect(networkCode(error)).toBe('ECONNRESET');
  });

  it('falls back to the first library code when there is no errno', () => {
    // Prepare
    const error = new TypeError('fetch failed', { cause: withCause('x', null, 'UND_ERR_SOCKET') });
    // Act & Assess
    expect(networkCode(error)).toBe('UND_ERR_SOCKET');
  });

  it('ignores codes that do not look like codes, and a chain deeper than six', () => {
    // Prepare
    let deep: unknown = { code: 'ECONNREFUSED' };
    for (let depth = 0; depth < 6; depth += 1) deep = { cause: deep };
    // Act & Assess
    expect(networkCode({ code: 'not a code' })).toBeUndefined();
    expect(networkCode({ code: 42 })).toBeUndefined();
    expect(networkCode(deep)).toBeUndefined();
    expect(networkCode('ECONNRESET')).toBeUndefined();
  });
});

describe('networkFailure', () => {
  it('carries the code when there is one', () => {
    // Act & Assess
    expect(networkFailure({ code: 'ETIMEDOUT' })).toEqual({ kind: 'network', code: 'ETIMEDOUT' });
    expect(networkFailure(new Error('x'))).toEqual({ kind: 'network' });
  });
});

describe('requestFailure', () => {
  it('reads a raw fetch failure as a network failure', () => {
    // Prepare
    const refused = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    // Act & Assess
    expect(requestFailure(refused)).toEqual({ kind: 'network', code: 'ECONNREFUSED' });
    expect(requestFailure(new TypeError('terminated'))).toEqual({ kind: 'network' });
  });

  it('names only the class of any other error, never its message', () => {
    // Prepare
    const error = new RangeError('Bearer tok_live_SECRET');
    // Act
    const failure = requestFailure(error);
    // Assess
    expect(failure).toEqual({
      kind: 'internal',
      detail: 'the HTTP client failed unexpectedly (RangeError)',
    });
    expect(requestFailure('boom')).toEqual({
      kind: 'internal',
      detail: 'the HTTP client failed unexpectedly (string)',
    });
  });
});
