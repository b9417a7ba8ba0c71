import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  containerRateLimit,
  DEFAULT_BASE_URL,
  loadConfig,
  maxStartsPerSecond,
} from '../../functions/core/config.js';

describe('loadConfig', () => {
  it('has defaults that work with an empty environment', () => {
    // Act
    const config = loadConfig({});
    // Assess
    expect(config).toEqual({
      baseUrl: DEFAULT_BASE_URL,
      tokenSecretId: null,
      tokenCacheTtlMs: 300_000,
      errorBehavior: 'FailAndReturnResponse',
      rateLimitRps: 5,
      rateLimitShare: 1,
      requestTimeoutMs: 8000,
      maxAttempts: 4,
      maxRetryAfterMs: 20_000,
      resultsQueueUrl: null,
      deadLetterQueueUrl: null,
      maxReceiveCount: 5,
    });
  });

  it('reads every variable', () => {
    // Act
    const config = loadConfig({
      RESPONDIO_BASE_URL: 'http://127.0.0.1:4010/v2/',
      RESPONDIO_TOKEN_SECRET_ID: 'prod/respondio',
      TOKEN_CACHE_TTL_SECONDS: '60',
      ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse',
      RESPONDIO_RATE_LIMIT_RPS: '10',
      RESPONDIO_RATE_LIMIT_SHARE: '0.25',
      RESPONDIO_TIMEOUT_MS: '2000',
      RESPONDIO_MAX_ATTEMPTS: '2',
      RESPONDIO_MAX_RETRY_AFTER_SECONDS: '5',
      RESULTS_QUEUE_URL: 'https://sqs/results',
      DEAD_LETTER_QUEUE_URL: 'https://sqs/dlq',
      MAX_RECEIVE_COUNT: '3',
    });
    // Assess
    expect(config).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010/v2',
      tokenSecretId: 'prod/respondio',
      tokenCacheTtlMs: 60_000,
      errorBehavior: 'DoNotFailAndReturnResponse',
      requestTimeoutMs: 2000,
      maxAttempts: 2,
      maxRetryAfterMs: 5000,
      resultsQueueUrl: 'https://sqs/results',
      deadLetterQueueUrl: 'https://sqs/dlq',
      maxReceiveCount: 3,
    });
    expect(containerRateLimit(config)).toBe(2);
  });

  it('fails at start-up on an unknown error behavior, naming the accepted values', () => {
    // Act & Assess
    expect(() => loadConfig({ ERROR_BEHAVIOR: 'Ignore' })).toThrow(
      /ERROR_BEHAVIOR must be one of FailAndReturnResponse, FailWithoutResponse, DoNotFailAndReturnResponse, got "Ignore"/,
    );
  });

  it('reports every problem at once', () => {
    // Act
    let error: unknown;
    try {
      loadConfig({
        RESPONDIO_RATE_LIMIT_RPS: 'fast',
        MAX_RECEIVE_COUNT: '2.5',
        RESPONDIO_TIMEOUT_MS: '-1',
      });
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/RESPONDIO_RATE_LIMIT_RPS must be a number/);
    expect(message).toMatch(/MAX_RECEIVE_COUNT must be a whole number/);
    expect(message).toMatch(/RESPONDIO_TIMEOUT_MS must be a number from 100/);
  });

  it.each([
    ['http://api.respond.io/v2', /must use https/],
    ['https://api.respond.io/v2?x=1', /query/],
    ['https://user:pw@api.respond.io/v2', /credentials/],
    ['not a url', /not a URL/],
  ])('refuses RESPONDIO_BASE_URL %j', (url, reason) => {
    // Act & Assess
    expect(() => loadConfig({ RESPONDIO_BASE_URL: url })).toThrow(reason);
  });

  it('allows plain http only for loopback', () => {
    // Act & Assess
    expect(loadConfig({ RESPONDIO_BASE_URL: 'http://localhost:4010/v2' }).baseUrl).toBe(
      'http://localhost:4010/v2',
    );
  });
});

describe('containerRateLimit', () => {
  it.each([
    [50, 1, 50],
    [50, 0.25, 12],
    [50, 1 / 3, 16],
    [5, 0.2, 1],
    [5, 0.4, 2],
    [5, 0.1, 0.5],
    [10, 0.06, 0.6],
  ])('budget %j × share %j → %j requests/s', (rps, share, expected) => {
    // Act & Assess
    expect(containerRateLimit({ rateLimitRps: rps, rateLimitShare: share })).toBeCloseTo(
      expected,
      9,
    );
  });

  it('never lets the containers of a split put more starts into one second than the budget', () => {
    // Prepare: every split of budgets 1..60 among 1..budget containers.
    for (let budget = 1; budget <= 60; budget += 1) {
      for (let containers = 1; containers <= budget; containers += 1) {
        // Act
        const rate = containerRateLimit({ rateLimitRps: budget, rateLimitShare: 1 / containers });
        // Assess
        expect(maxStartsPerSecond(rate) * containers).toBeLessThanOrEqual(budget);
      }
    }
  });
});
