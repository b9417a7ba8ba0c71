import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  containerCeilingRps,
  containerRateLimit,
  DEFAULT_BASE_URL,
  loadConfig,
  loadLocalRunSettings,
  loadLogSettings,
  maxStartsPerSecond,
} from '../../functions/settings/config.js';
import { asReadFrom } from '../../functions/settings/setting.js';
import { SETTINGS } from '../../functions/settings/table.js';

describe('loadConfig', () => {
  it('has defaults that work with an empty environment', () => {
    // Act
    const config = loadConfig({});
    // Assess
    expect(config).toEqual({
      baseUrl: DEFAULT_BASE_URL,
      tokenSecretId: null,
      tokenCacheTtlMs: 300_000,
      tokenStaleMaxMs: 3_600_000,
      errorBehavior: 'FailAndReturnResponse',
      rateLimitRps: 5,
      rateLimitShare: 1,
      requestTimeoutMs: 5000,
      maxAttempts: 3,
      maxRetryAfterMs: 20_000,
      resultsQueueUrl: null,
      deadLetterQueueUrl: null,
      maxReceiveCount: 5,
      logLevel: 'INFO',
      serviceName: null,
      metricsNamespace: 'RespondioConnector',
      defaultPhoneCountry: null,
      tracing: false, // the stack turns it on; nothing else loads the X-Ray SDK
      contactCache: { ttlMs: 0, notFoundTtlMs: 0, maxEntries: 10_000 }, // the cache is off
      rateBudgetTable: null,
      rateBudgetTimeoutMs: 100,
      rateBudgetClockSkewMs: 20,
      rateBudgetLearning: true,
      rateBudgetBatchMinShare: 0.1,
      filesBucket: null,
      fileMaxBytes: 104_857_600,
      fileMaxRows: 1_000_000,
      // What some function requires and nothing sets yet (requireSettings reads it).
      unset: [
        expect.objectContaining({ by: ['api', 'sqs', 'file-batch'], unlessGiven: 'tokens' }),
        expect.objectContaining({ by: ['file-batch'], unlessGiven: 'budget' }),
        expect.objectContaining({ by: ['sqs'], unlessGiven: 'results' }),
        expect.objectContaining({ by: ['sqs'], unlessGiven: 'deadLetters' }),
        expect.objectContaining({ by: ['file-batch', 'file-steps'], unlessGiven: 'store' }),
      ],
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
      POWERTOOLS_LOG_LEVEL: 'debug',
      POWERTOOLS_SERVICE_NAME: 'my-service',
      POWERTOOLS_METRICS_NAMESPACE: 'My/Namespace',
      DEFAULT_PHONE_COUNTRY: 'sg',
      TOKEN_STALE_MAX_SECONDS: '0',
      POWERTOOLS_TRACE_ENABLED: 'TRUE',
      CONTACT_CACHE_TTL_SECONDS: '600',
      CONTACT_CACHE_NOT_FOUND_TTL_SECONDS: '30',
      CONTACT_CACHE_MAX_ENTRIES: '500',
      RATE_BUDGET_TABLE: 'connector-budget',
      RATE_BUDGET_TIMEOUT_MS: '80',
      RATE_BUDGET_CLOCK_SKEW_MS: '40',
      RATE_BUDGET_BATCH_MIN_SHARE: '0.2',
    });
    // Assess
    expect(config).toMatchObject({
      contactCache: { ttlMs: 600_000, notFoundTtlMs: 30_000, maxEntries: 500 },
      tokenStaleMaxMs: 0,
      defaultPhoneCountry: 'SG',
      rateBudgetTable: 'connector-budget',
      rateBudgetTimeoutMs: 80,
      rateBudgetClockSkewMs: 40,
      rateBudgetBatchMinShare: 0.2,
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
      logLevel: 'DEBUG',
      serviceName: 'my-service',
      metricsNamespace: 'My/Namespace',
      tracing: true,
    });
    expect(containerRateLimit(config)).toBe(2);
    // With a budget table one container may reach the whole budget; without, its share.
    expect(containerCeilingRps(config)).toBe(10);
    expect(containerCeilingRps({ ...config, rateBudgetTable: null })).toBe(2);
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
        DEFAULT_PHONE_COUNTRY: 'Malaysia',
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
    expect(message).toMatch(/DEFAULT_PHONE_COUNTRY must be an ISO 3166-1 alpha-2 country code/);
  });

  it.each([
    ['CONTACT_CACHE_TTL_SECONDS', '-1', /CONTACT_CACHE_TTL_SECONDS must be a number from 0/],
    ['CONTACT_CACHE_TTL_SECONDS', '1.5', /CONTACT_CACHE_TTL_SECONDS must be a whole number/],
    ['CONTACT_CACHE_NOT_FOUND_TTL_SECONDS', '86401', /CONTACT_CACHE_NOT_FOUND_TTL_SECONDS/],
    ['CONTACT_CACHE_MAX_ENTRIES', '0', /CONTACT_CACHE_MAX_ENTRIES must be a number from 1/],
  ])('refuses %s=%s at start-up', (name, value, reason) => {
    // Act & Assess
    expect(() => loadConfig({ [name]: value })).toThrow(reason);
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

  it.each([
    [
      'POWERTOOLS_LOG_LEVEL',
      'LOUD',
      /POWERTOOLS_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR, SILENT, got "LOUD"/,
    ],
    [
      'POWERTOOLS_METRICS_NAMESPACE',
      'has space',
      /POWERTOOLS_METRICS_NAMESPACE has characters CloudWatch does not accept/,
    ],
    ['TOKEN_CACHE_TTL_SECONDS', '0.5', /TOKEN_CACHE_TTL_SECONDS must be a whole number/],
  ])('refuses %s=%j', (name, value, reason) => {
    // Act & Assess
    expect(() => loadConfig({ [name]: value })).toThrow(reason);
  });

  it('ignores the variables only the local run reads', () => {
    // Act & Assess
    expect(() => loadConfig({ PORT: 'eighty', LOCAL_SQS_PORT: '-1' })).not.toThrow();
  });

  it('allows plain http only for loopback', () => {
    // Act & Assess
    expect(loadConfig({ RESPONDIO_BASE_URL: 'http://localhost:4010/v2' }).baseUrl).toBe(
      'http://localhost:4010/v2',
    );
  });
});

describe('the settings table', () => {
  it.each(['environment', 'context'] as const)(
    'has defaults its own %s readers accept',
    (source) => {
      for (const [key, declared] of Object.entries(SETTINGS)) {
        // Prepare
        const { name, reader, fallback } = asReadFrom(declared as never, source);
        if (name === undefined || fallback === null) continue;
        const text = Array.isArray(fallback) ? fallback.join(',') : String(fallback);
        if (text === '') continue;
        // Act
        const reading = reader.read(text, name);
        // Assess
        expect({ key, reading }).toEqual({ key, reading: { ok: true, value: fallback } });
      }
    },
  );

  it('declares each environment variable and each context key once', () => {
    // Prepare
    const entries = Object.values(SETTINGS);
    const variables = entries.map((entry) => entry.env).filter((name) => name !== undefined);
    const keys = entries.map((entry) => entry.context).filter((key) => key !== undefined);
    // Assess
    expect(new Set(variables).size).toBe(variables.length);
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of entries) expect(entry.env ?? entry.context).toBeDefined();
  });
});

describe('loadLogSettings', () => {
  it('reads the service name and level, with the function’s own name as the default', () => {
    // Act & Assess
    expect(loadLogSettings({}, 'fn')).toEqual({ serviceName: 'fn', logLevel: 'INFO' });
    expect(
      loadLogSettings({ POWERTOOLS_SERVICE_NAME: 'svc', POWERTOOLS_LOG_LEVEL: 'warn' }, 'fn'),
    ).toEqual({ serviceName: 'svc', logLevel: 'WARN' });
  });

  it('never fails: an invalid level gives the default, so the failure can still be logged', () => {
    // Act & Assess
    expect(
      loadLogSettings({ POWERTOOLS_LOG_LEVEL: 'LOUD', RESPONDIO_TIMEOUT_MS: 'x' }, 'fn'),
    ).toEqual({
      serviceName: 'fn',
      logLevel: 'INFO',
    });
  });
});

describe('loadLocalRunSettings', () => {
  it('has defaults and reads every local-run variable', () => {
    // Act & Assess
    expect(loadLocalRunSettings({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      respondioToken: null,
      localSqsPort: 9324,
      localRateBudget: 'shared',
    });
    expect(
      loadLocalRunSettings({
        PORT: '0',
        HOST: ' 0.0.0.0 ',
        RESPONDIO_TOKEN: 'tok',
        LOCAL_SQS_PORT: '9400',
        LOCAL_RATE_BUDGET: 'static',
      }),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
      respondioToken: 'tok',
      localSqsPort: 9400,
      localRateBudget: 'static',
    });
  });

  it('reports every bad port at once', () => {
    // Act & Assess
    expect(() => loadLocalRunSettings({ PORT: '70000', LOCAL_SQS_PORT: '1.5' })).toThrow(
      /PORT must be a number from 0 to 65535, got "70000"; LOCAL_SQS_PORT must be a whole number/,
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
