import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffMs,
  honoursRetryAfter,
  isRetryableHttpStatus,
  retryAfterMs,
} from '../../functions/adapters/retry-policy.js';

describe('backoffMs', () => {
  it('doubles the ceiling per retry up to the cap (full jitter at its top)', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => backoffMs(retry, top))).toEqual([
      200,
      400,
      800,
      1600,
      3200,
      BACKOFF_CAP_MS,
      BACKOFF_CAP_MS,
    ]);
  });

  it('stays within [0, ceiling] for any draw, even a broken one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double(), (retry, draw) => {
        const wait = backoffMs(retry, () => draw);
        const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(ceiling);
      }),
      { seed: 7 },
    );
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delay seconds, whole or decimal', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date, and a past one as no wait', () => {
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('', now)).toBeNull();
    expect(retryAfterMs('-1', now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('12abc', now)).toBeNull();
  });
});

describe('retryable statuses', () => {
  it('retries rate limits, 449 and 5xx, never other 4xx', () => {
    expect([408, 429, 449, 500, 502, 503, 504].every(isRetryableHttpStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422].some(isRetryableHttpStatus)).toBe(false);
  });

  it('honours Retry-After on 429, 449 and 503 only', () => {
    expect([429, 449, 503].every(honoursRetryAfter)).toBe(true);
    expect([500, 502, 504].some(honoursRetryAfter)).toBe(false);
  });
});
