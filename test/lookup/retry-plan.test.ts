import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isRetryableStatus, type LookupFailure } from '../../functions/lookup/failure.js';
import {
  API_TOKEN_REREAD_WAIT_MS,
  API_TOKEN_REREAD_WAITS_MS,
  attemptsAllowed,
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffMs,
  honoursRetryAfter,
  planRetry,
  type RetryContext,
  retryAfterMs,
  SQS_TOKEN_REREAD_WAITS_MS,
} from '../../functions/lookup/retry-plan.js';

/**
 * The retry plan of the respond.io directory, without a server: backoff, Retry-After, the 401
 * token re-read and the attempt budget. The loop around it is test/integration/respondio/.
 */

const NOW = Date.parse('2026-01-01T00:00:00Z');

function context(overrides: Partial<RetryContext> = {}): RetryContext {
  return {
    tokenRereads: 0,
    tokenRereadWaitsMs: SQS_TOKEN_REREAD_WAITS_MS,
    retry: 1,
    maxRetryAfterMs: 20_000,
    random: () => 0.5,
    now: () => NOW,
    ...overrides,
  };
}

describe('backoffMs', () => {
  it('doubles the ceiling per retry up to the cap (full jitter at its top)', () => {
    // Prepare
    const top = () => 1;
    // Act
    const waits = [1, 2, 3, 4, 5, 6, 7].map((retry) => backoffMs(retry, top));
    // Assess
    expect(waits).toEqual([200, 400, 800, 1600, 3200, BACKOFF_CAP_MS, BACKOFF_CAP_MS]);
  });

  it('stays within [0, ceiling] for any draw, even a broken one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double(), (retry, draw) => {
        // Act
        const wait = backoffMs(retry, () => draw);
        // Assess
        const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(ceiling);
      }),
      { seed: 7 },
    );
  });
});

describe('retryAfterMs', () => {
  const now = NOW;

  it('reads delay seconds, whole or decimal', () => {
    // Act & Assess
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date, and a past one as no wait', () => {
    // Act & Assess
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    // Act & Assess
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('', now)).toBeNull();
    expect(retryAfterMs('-1', now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('12abc', now)).toBeNull();
  });
});

describe('honoursRetryAfter', () => {
  it('honours Retry-After on 429, 449 and 503 only', () => {
    // Act & Assess
    expect([429, 449, 503].every(honoursRetryAfter)).toBe(true);
    expect([500, 502, 504].some(honoursRetryAfter)).toBe(false);
  });
});

describe('attemptsAllowed', () => {
  it('adds one attempt per token re-read on top of maxAttempts', () => {
    // Act & Assess
    expect(attemptsAllowed(3, 0)).toBe(3);
    expect(attemptsAllowed(3, 1)).toBe(4);
    expect(attemptsAllowed(3, 2)).toBe(5);
  });
});

describe('planRetry', () => {
  it('retries exactly the statuses of the core rule (isRetryableStatus), 401 aside', () => {
    // Prepare
    const statuses = Array.from({ length: 200 }, (_, index) => 400 + index).filter(
      (status) => status !== 401,
    );
    // Act
    const retried = statuses.filter(
      (status) => planRetry({ kind: 'http', status }, null, context()) !== null,
    );
    // Assess
    expect(retried).toEqual(statuses.filter(isRetryableStatus));
  });

  it.each<[string, LookupFailure]>([
    ['a timeout', { kind: 'timeout', afterMs: 250 }],
    ['a reset connection', { kind: 'network', code: 'ECONNRESET' }],
    ['a 500', { kind: 'http', status: 500 }],
    ['a 2xx without a contact (a 502 by then)', { kind: 'http', status: 502, body: '[]' }],
    ['a 503 without Retry-After', { kind: 'http', status: 503 }],
  ])('backs off with full jitter after %s, without pausing the limiter', (_, failure) => {
    // Act
    const plan = planRetry(failure, null, context({ retry: 3, random: () => 0.5 }));
    // Assess: half of the third step's ceiling of 800 ms.
    expect(plan).toEqual({ waitMs: 400, refreshToken: false, holdBudget: false });
  });

  it('waits for Retry-After on a 429 and pauses the limiter for it', () => {
    // Act
    const plan = planRetry({ kind: 'http', status: 429 }, '2', context());
    // Assess
    expect(plan).toEqual({ waitMs: 2000, refreshToken: false, holdBudget: true });
  });

  it('pauses the limiter after a 429 without Retry-After too, for the backoff', () => {
    // Act
    const plan = planRetry({ kind: 'http', status: 429 }, null, context());
    // Assess
    expect(plan).toEqual({ waitMs: 100, refreshToken: false, holdBudget: true });
  });

  it('waits for Retry-After on a 449 and a 503 without pausing the limiter', () => {
    // Act
    const plans = [449, 503].map((status) =>
      planRetry({ kind: 'http', status }, 'Thu, 01 Jan 2026 00:00:03 GMT', context()),
    );
    // Assess
    expect(plans).toEqual([
      { waitMs: 3000, refreshToken: false, holdBudget: false },
      { waitMs: 3000, refreshToken: false, holdBudget: false },
    ]);
  });

  it('caps a long Retry-After at maxRetryAfterMs', () => {
    // Act
    const plan = planRetry({ kind: 'http', status: 429 }, '60', context({ maxRetryAfterMs: 5000 }));
    // Assess
    expect(plan?.waitMs).toBe(5000);
  });

  it('ignores Retry-After on a status that does not honour it', () => {
    // Act
    const plan = planRetry({ kind: 'http', status: 500 }, '60', context());
    // Assess
    expect(plan).toEqual({ waitMs: 100, refreshToken: false, holdBudget: false });
  });

  it('re-reads the token after a first 401, with no wait, and gives up on a second (SQS function)', () => {
    // Act
    const first = planRetry({ kind: 'http', status: 401 }, null, context());
    const second = planRetry({ kind: 'http', status: 401 }, null, context({ tokenRereads: 1 }));
    // Assess
    expect(first).toEqual({ waitMs: 0, refreshToken: true, holdBudget: false });
    expect(second).toBeNull();
  });

  it('re-reads once more after a short wait on a second 401 (API function), then gives up', () => {
    // Prepare
    const api = (tokenRereads: number) =>
      context({ tokenRereads, tokenRereadWaitsMs: API_TOKEN_REREAD_WAITS_MS });
    // Act
    const plans = [0, 1, 2].map((done) =>
      planRetry({ kind: 'http', status: 401 }, null, api(done)),
    );
    // Assess
    expect(plans).toEqual([
      { waitMs: 0, refreshToken: true, holdBudget: false },
      { waitMs: API_TOKEN_REREAD_WAIT_MS, refreshToken: true, holdBudget: false },
      null,
    ]);
    expect(API_TOKEN_REREAD_WAIT_MS).toBeGreaterThan(0);
  });

  it.each<LookupFailure>([
    { kind: 'http', status: 400 },
    { kind: 'http', status: 403 },
    { kind: 'http', status: 404 },
    { kind: 'internal', detail: 'the HTTP client failed unexpectedly (Error)' },
    { kind: 'token', reason: 'unavailable', detail: 'x' },
    { kind: 'deadline' },
  ])('treats %j as final', (failure) => {
    // Act & Assess
    expect(planRetry(failure, '1', context())).toBeNull();
  });
});
