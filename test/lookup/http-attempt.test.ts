import { describe, expect, it } from '@jest/globals';
import { MAX_FAILURE_BODY_CHARS, redactToken } from '../../functions/lookup/http-attempt.js';

/**
 * The pure part of one attempt: what a failure body may carry. The attempt itself, over real
 * loopback HTTP, is test/lookup/respondio.test.ts.
 */

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
