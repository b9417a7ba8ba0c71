import { describe, expect, it } from '@jest/globals';
import {
  classifyFailure,
  isRetryableStatus,
  type LookupFailure,
  upstreamMessage,
} from '../../functions/lookup/failure.js';

describe('classifyFailure', () => {
  it.each<[LookupFailure, number, string | RegExp, boolean]>([
    [
      { kind: 'http', status: 400, body: '{"code":400,"message":"Validation error."}' },
      400,
      'Validation error.',
      false,
    ],
    [
      // Retryable: a 401 after the token re-read may pass once the secret holds the new token.
      { kind: 'http', status: 401, body: '{"code":401,"message":"UN_AUTHORIZED"}' },
      401,
      'UN_AUTHORIZED',
      true,
    ],
    [{ kind: 'http', status: 403, body: '' }, 403, /not allowed/, false],
    [
      { kind: 'http', status: 404, body: '{"code":"404","message":"Contact not found"}' },
      404,
      'Contact not found',
      false,
    ],
    [{ kind: 'http', status: 409, body: '{"message":"Conflict"}' }, 409, 'Conflict', false],
    [{ kind: 'http', status: 429, body: '' }, 429, /rate limit/, true],
    [{ kind: 'http', status: 449, body: 'not json' }, 449, /retry later/, true],
    [
      { kind: 'http', status: 500, body: '{"code":500,"message":"Internal"}' },
      500,
      'Internal',
      true,
    ],
    [
      { kind: 'http', status: 502, body: '<html>Bad gateway</html>' },
      502,
      'respond.io answered with HTTP 502',
      true,
    ],
    [{ kind: 'http', status: 503 }, 503, 'respond.io answered with HTTP 503', true],
    [
      { kind: 'http', status: 504, body: '{"message":"   "}' },
      504,
      'respond.io answered with HTTP 504',
      true,
    ],
    [{ kind: 'http', status: 302 }, 502, /HTTP 502/, true],
    [{ kind: 'timeout', afterMs: 8000 }, 504, 'respond.io did not answer within 8000 ms', true],
    [{ kind: 'network', code: 'ECONNRESET' }, 502, 'Could not reach respond.io (ECONNRESET)', true],
    [{ kind: 'network' }, 502, 'Could not reach respond.io', true],
    [
      { kind: 'token', reason: 'unavailable', detail: 'throttled' },
      500,
      /could not be read: throttled/,
      true,
    ],
    [
      { kind: 'token', reason: 'invalid', detail: 'secret x is empty' },
      500,
      /not usable: secret x is empty/,
      false,
    ],
    [{ kind: 'deadline' }, 504, /Not enough time/, true],
    [{ kind: 'internal', detail: 'boom' }, 500, 'Internal error: boom', false],
  ])('%j → %i', (failure, statusCode, message, retryable) => {
    // Act
    const classified = classifyFailure(failure);
    // Assess
    expect(classified.statusCode).toBe(statusCode);
    if (typeof message === 'string') expect(classified.message).toBe(message);
    else expect(classified.message).toMatch(message);
    expect(classified.retryable).toBe(retryable);
  });
});

// The one retryable-status rule: the respond.io directory retries by it (test/lookup/retry-plan.test.ts).
describe('isRetryableStatus', () => {
  it('retries only rate limits, 449, 408 and 5xx, never other 4xx or a success', () => {
    // Act
    const retryable = [
      200, 400, 401, 403, 404, 408, 409, 422, 429, 449, 500, 502, 503, 504, 599,
    ].filter(isRetryableStatus);
    // Assess
    expect(retryable).toEqual([408, 429, 449, 500, 502, 503, 504, 599]);
  });
});

describe('upstreamMessage', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['[]', null],
    ['{"message":42}', null],
    ['{"message":" Contact not found "}', 'Contact not found'],
    [`{"message":"${'m'.repeat(900)}"}`, 'm'.repeat(500)],
  ])('%j → %j', (body, expected) => {
    // Act & Assess
    expect(upstreamMessage(body)).toBe(expected);
  });
});
