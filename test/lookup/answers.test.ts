/**
 * The pure rules of the respond.io client (functions/lookup/answers.ts): what a failure body
 * may carry, and what an attempt that threw was, told from the error (never kept). The client
 * itself, over real loopback HTTP, is respondio.test.ts.
 */

import { describe, expect, it } from '@jest/globals';
import { TimeoutError } from 'ky';
import {
  MAX_FAILURE_BODY_CHARS,
  networkCode,
  redactToken,
  thrownFailure,
} from '../../functions/lookup/answers.js';

describe('redactToken', () => {
  it('replaces every copy of the token', () => {
    // Act
    const text = redactToken('{"echo":"Bearer tok_1","again":"tok_1"}', 'tok_1');
    // Assess
    expect(text).toBe('{"echo":"Bearer [REDACTED]","again":"[REDACTED]"}');
  });

  it('leaves the text alone for an empty token', () => {
    // Act & Assess
    expect(redactToken('abc', '')).toBe('abc');
  });

  it('caps the text after redacting, so no part of a token is cut in half', () => {
    // Prepare
    const token = 'tok_live_SECRET';
    const body = `${'x'.repeat(MAX_FAILURE_BODY_CHARS - 4)}${token}${'y'.repeat(100)}`;
    // Act
    const text = redactToken(body, token);
    // Assess
    expect(text).toHaveLength(MAX_FAILURE_BODY_CHARS);
    expect(text).not.toContain('tok_');
    expect(text.endsWith('[RED')).toBe(true);
  });
});

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

describe('thrownFailure', () => {
  it("reads ky's timeout as a timeout after the attempt's own time", () => {
    // Prepare
    const timeout = new TimeoutError(new Request('http://127.0.0.1/v2/contact/id:1'));
    // Act & Assess
    expect(thrownFailure(timeout, 1499.6)).toEqual({ kind: 'timeout', afterMs: 1500 });
  });

  it('reads a raw fetch failure as a network failure', () => {
    // Prepare
    const refused = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    // Act & Assess
    expect(thrownFailure(refused, 0)).toEqual({ kind: 'network', code: 'ECONNREFUSED' });
    expect(thrownFailure(new TypeError('terminated'), 0)).toEqual({ kind: 'network' });
  });

  it('names only the class of any other error, never its message', () => {
    // Prepare
    const error = new RangeError('Bearer tok_live_SECRET');
    // Act
    const failure = thrownFailure(error, 0);
    // Assess
    expect(failure).toEqual({
      kind: 'internal',
      detail: 'the HTTP client failed unexpectedly (RangeError)',
    });
    expect(thrownFailure('boom', 0)).toEqual({
      kind: 'internal',
      detail: 'the HTTP client failed unexpectedly (string)',
    });
  });
});
