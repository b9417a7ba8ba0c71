/**
 * The functions' configuration, read from the environment through the settings table
 * (table.ts): `loadConfig` is pure (it takes the environment as an argument) and reports every
 * problem at once, so a misconfigured function fails at start-up with one clear message. Which
 * settings a function cannot start without is the table's too; `requireSettings` is the one check,
 * each function's factory calls it. The local run's own variables are read here too.
 */

import type { ErrorBehavior } from './error-behavior.js';
import { type FunctionName, type Requirement, readSettings } from './setting.js';
import { type LogLevel, readByFunction, SETTINGS } from './table.js';

export interface Config {
  /** RESPONDIO_BASE_URL: respond.io API base, without a trailing slash. */
  readonly baseUrl: string;
  /** RESPONDIO_TOKEN_SECRET_ID: Secrets Manager secret id or ARN holding the token. */
  readonly tokenSecretId: string | null;
  /** TOKEN_CACHE_TTL_SECONDS: how long a read token is reused. */
  readonly tokenCacheTtlMs: number;
  /** TOKEN_STALE_MAX_SECONDS: how long past its TTL the last good token serves in an outage. */
  readonly tokenStaleMaxMs: number;
  /** ERROR_BEHAVIOR */
  readonly errorBehavior: ErrorBehavior;
  /** RESPONDIO_RATE_LIMIT_RPS: the organisation's request budget per second. */
  readonly rateLimitRps: number;
  /** RESPONDIO_RATE_LIMIT_SHARE: the fraction of that budget this container may use. */
  readonly rateLimitShare: number;
  /** RESPONDIO_TIMEOUT_MS: timeout of one HTTP request to respond.io. */
  readonly requestTimeoutMs: number;
  /** RESPONDIO_MAX_ATTEMPTS: attempts per lookup, first one included. */
  readonly maxAttempts: number;
  /** RESPONDIO_MAX_RETRY_AFTER_SECONDS: cap on a Retry-After wait. */
  readonly maxRetryAfterMs: number;
  /** RESULTS_QUEUE_URL (SQS function). */
  readonly resultsQueueUrl: string | null;
  /** DEAD_LETTER_QUEUE_URL (SQS function). */
  readonly deadLetterQueueUrl: string | null;
  /** MAX_RECEIVE_COUNT: the input queue's redrive maxReceiveCount. */
  readonly maxReceiveCount: number;
  /** POWERTOOLS_LOG_LEVEL */
  readonly logLevel: LogLevel;
  /** POWERTOOLS_SERVICE_NAME; null: the function's own name (API_SERVICE_NAME, SQS_SERVICE_NAME). */
  readonly serviceName: string | null;
  /** POWERTOOLS_METRICS_NAMESPACE. */
  readonly metricsNamespace: string;
  /** DEFAULT_PHONE_COUNTRY: the country of national phone numbers; null refuses them. */
  readonly defaultPhoneCountry: string | null;
  /** POWERTOOLS_TRACE_ENABLED: X-Ray tracing (platform/tracing.ts). */
  readonly tracing: boolean;
  /** CONTACT_CACHE_TTL_SECONDS, CONTACT_CACHE_NOT_FOUND_TTL_SECONDS, CONTACT_CACHE_MAX_ENTRIES. */
  readonly contactCache: CachePolicy;
  /** RATE_BUDGET_TABLE: the shared budget's DynamoDB table; null keeps the static share. */
  readonly rateBudgetTable: string | null;
  /** RATE_BUDGET_TIMEOUT_MS: timeout of one request to the budget table. */
  readonly rateBudgetTimeoutMs: number;
  /** RATE_BUDGET_CLOCK_SKEW_MS: the most two containers' clocks may differ. */
  readonly rateBudgetClockSkewMs: number;
  /** RATE_BUDGET_BATCH_MIN_SHARE: what an SQS container with rows waiting gets at least. */
  readonly rateBudgetBatchMinShare: number;
  /** Learn the rate below rateLimitRps from respond.io's answers (RATE_BUDGET_LEARNING). */
  readonly rateBudgetLearning: boolean;
  /** FILES_BUCKET (the file functions). */
  readonly filesBucket: string | null;
  /** FILE_MAX_BYTES, FILE_MAX_ROWS: the largest file the prepare step accepts. */
  readonly fileMaxBytes: number;
  readonly fileMaxRows: number;
  /** The settings some function requires that are unset (requireSettings reads it). */
  readonly unset: readonly UnsetSetting[];
}

/** A required setting that is unset: who needs it, what may replace it, and the message. */
export interface UnsetSetting {
  readonly by: readonly FunctionName[];
  readonly unlessGiven: string;
  readonly message: string;
}

/** CONTACT_CACHE_*: how long answers are kept per container, and how many at most. */
export interface CachePolicy {
  /** How long a found contact is kept; 0 turns the cache off. */
  readonly ttlMs: number;
  /** How long a 404 is kept; 0: never. Never longer than `ttlMs`. */
  readonly notFoundTtlMs: number;
  /** The most entries kept at once (the least recently used goes first). */
  readonly maxEntries: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_BASE_URL = SETTINGS.respondioBaseUrl.default;

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env): Config {
  const { values, problems } = readSettings(
    SETTINGS,
    'environment',
    (name) => env[name],
    (declared) =>
      (['api', 'sqs', 'files'] as const).some((fn) => readByFunction(declared.readBy, fn)),
  );
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const unset: UnsetSetting[] = [];
  for (const [key, declared] of Object.entries(SETTINGS)) {
    const { required } = declared as { required?: Requirement };
    if (required === undefined || (values as Record<string, unknown>)[key] !== null) continue;
    if (required.when && !required.when(values)) continue;
    const why = required.why ? ` ${required.why(values)}` : '';
    const message = `${declared.env} is required${why}`;
    unset.push({ by: required.by, unlessGiven: required.unlessGiven, message });
  }
  return {
    baseUrl: values.respondioBaseUrl,
    tokenSecretId: values.tokenSecretId,
    tokenCacheTtlMs: values.tokenCacheTtlSeconds * 1000,
    tokenStaleMaxMs: values.tokenStaleMaxSeconds * 1000,
    errorBehavior: values.errorBehavior,
    rateLimitRps: values.respondioRateLimitRps,
    rateLimitShare: values.rateLimitShare,
    requestTimeoutMs: values.respondioTimeoutMs,
    maxAttempts: values.respondioMaxAttempts,
    maxRetryAfterMs: values.maxRetryAfterSeconds * 1000,
    resultsQueueUrl: values.resultsQueueUrl,
    deadLetterQueueUrl: values.deadLetterQueueUrl,
    maxReceiveCount: values.maxReceiveCount,
    logLevel: values.logLevel,
    serviceName: values.serviceName,
    metricsNamespace: values.metricsNamespace,
    defaultPhoneCountry: values.defaultPhoneCountry,
    tracing: values.tracing,
    contactCache: {
      ttlMs: values.contactCacheTtlSeconds * 1000,
      notFoundTtlMs: values.contactCacheNotFoundTtlSeconds * 1000,
      maxEntries: values.contactCacheMaxEntries,
    },
    rateBudgetTable: values.rateBudgetTable,
    rateBudgetTimeoutMs: values.rateBudgetTimeoutMs,
    rateBudgetClockSkewMs: values.rateBudgetClockSkewMs,
    rateBudgetBatchMinShare: values.rateBudgetBatchMinShare,
    rateBudgetLearning: values.rateBudgetLearning,
    filesBucket: values.filesBucket,
    fileMaxBytes: values.fileMaxBytes,
    fileMaxRows: values.fileMaxRows,
    unset,
  };
}

/**
 * The one check of required settings: throws one ConfigError naming every setting `fn` cannot
 * start without that is unset, unless `given` (the factory's adapters) holds what replaces it.
 */
export function requireSettings(config: Config, fn: FunctionName, given: object = {}): void {
  const handed = given as Readonly<Record<string, unknown>>;
  const missing = config.unset.filter(
    (entry) => entry.by.includes(fn) && handed[entry.unlessGiven] === undefined,
  );
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration: ${missing.map((entry) => entry.message).join('; ')}`,
    );
  }
}

/** What a logger needs: the service name on every line and the lowest level written. */
export interface LogSettings {
  readonly serviceName: string;
  readonly logLevel: LogLevel;
}

/**
 * POWERTOOLS_SERVICE_NAME (default `serviceName`) and POWERTOOLS_LOG_LEVEL alone, never failing:
 * an invalid value gives its default (loadConfig reports it). For the line that says why a
 * function cannot start, and for tools that log like the functions.
 */
export function loadLogSettings(env: Env, serviceName: string): LogSettings {
  const { values } = readSettings(
    SETTINGS,
    'environment',
    (name) => env[name],
    (declared) => declared === SETTINGS.logLevel || declared === SETTINGS.serviceName,
  );
  return { serviceName: values.serviceName ?? serviceName, logLevel: values.logLevel };
}

/** The log settings of a loaded configuration, for the function named `serviceName` by default. */
export function logSettingsOf(config: Config, serviceName: string): LogSettings {
  return { serviceName: config.serviceName ?? serviceName, logLevel: config.logLevel };
}

/** The variables only the local run reads (npm start, npm run batch). */
export interface LocalRunSettings {
  /** PORT */
  readonly port: number;
  /** HOST */
  readonly host: string;
  /** RESPONDIO_TOKEN: a real token; null runs the simulator. */
  readonly respondioToken: string | null;
  /** LOCAL_SQS_PORT */
  readonly localSqsPort: number;
  /** LOCAL_RATE_BUDGET: run the local budget table (shared) or not (static). */
  readonly localRateBudget: 'shared' | 'static';
}

export function loadLocalRunSettings(env: Env): LocalRunSettings {
  const { values, problems } = readSettings(
    SETTINGS,
    'environment',
    (name) => env[name],
    (declared) => declared.readBy === 'local',
  );
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const { port, host, respondioToken, localSqsPort, localRateBudget } = values;
  return { port, host, respondioToken, localSqsPort, localRateBudget };
}

/**
 * Requests per second this container may send: its share of the organisation's budget, rounded
 * down to a whole number when it is at least 1. Evenly spaced starts at a fractional rate such
 * as 12.5 put 13 starts into some one-second windows, so four such containers could together
 * send 52 in a second against a budget of 50; whole rates add up exactly. A share below one
 * request per second is kept as it is (one start every 1/rate seconds).
 */
export function containerRateLimit(
  config: Pick<Config, 'rateLimitRps' | 'rateLimitShare'>,
): number {
  const rate = config.rateLimitRps * config.rateLimitShare;
  return rate >= 1 ? Math.floor(rate + 1e-9) : rate;
}

/**
 * The most requests per second one container may reach: with the shared budget (a budget table)
 * the whole budget, otherwise its static share. The SQS function sizes its rows in flight by it.
 */
export function containerCeilingRps(
  config: Pick<Config, 'rateLimitRps' | 'rateLimitShare' | 'rateBudgetTable'>,
): number {
  return config.rateBudgetTable === null ? containerRateLimit(config) : config.rateLimitRps;
}

/** The most requests one container at `rate` can start within any one-second window. */
export function maxStartsPerSecond(rate: number): number {
  return rate >= 1 ? Math.floor(rate + 1e-9) : 1;
}
