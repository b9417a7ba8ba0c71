/**
 * The functions' configuration, read from the environment through the settings table:
 * `loadConfig` is pure (it takes the environment) and reports every problem at once, so a
 * misconfigured function fails at start-up with one clear message. `requireSettings` is the one
 * check of the settings a function cannot start without; each function's factory calls it.
 */

import type { ErrorBehavior } from './error-behavior.js';
import { type FunctionName, type Requirement, readSettings, type Setting } from './setting.js';
import { type LogLevel, readByFunction, SETTINGS } from './table.js';

/**
 * Each field is a setting of table.ts (its `doc` says what it does), its seconds turned to ms;
 * null where the setting is unset and has no default.
 */
export interface Config {
  readonly baseUrl: string;
  readonly tokenSecretId: string | null;
  readonly tokenCacheTtlMs: number;
  /** How long past its TTL the last good token serves in an outage. */
  readonly tokenStaleMaxMs: number;
  readonly errorBehavior: ErrorBehavior;
  readonly rateLimitRps: number;
  readonly rateLimitShare: number;
  /** Of one HTTP request to respond.io. */
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  readonly resultsQueueUrl: string | null;
  readonly deadLetterQueueUrl: string | null;
  /** The input queue's redrive maxReceiveCount. */
  readonly maxReceiveCount: number;
  readonly logLevel: LogLevel;
  /** Null: the function's own name (API_SERVICE_NAME, SQS_SERVICE_NAME...). */
  readonly serviceName: string | null;
  readonly metricsNamespace: string;
  /** The country of national phone numbers; null refuses them. */
  readonly defaultPhoneCountry: string | null;
  readonly tracing: boolean;
  readonly contactCache: CachePolicy;
  /** The shared budget's DynamoDB table; null keeps the static share. */
  readonly rateBudgetTable: string | null;
  readonly rateBudgetTimeoutMs: number;
  readonly rateBudgetClockSkewMs: number;
  readonly rateBudgetBatchMinShare: number;
  readonly rateBudgetLearning: boolean;
  readonly filesBucket: string | null;
  readonly fileMaxBytes: number;
  readonly fileMaxRows: number;
  /** The settings some function requires that are unset (requireSettings reads it). */
  readonly unset: readonly UnsetSetting[];
}

/** A required setting that is unset: who needs it, what may replace it, and the message. */
interface UnsetSetting {
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
  /** The least recently used goes first. */
  readonly maxEntries: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_BASE_URL = SETTINGS.respondioBaseUrl.default;

type Env = Readonly<Record<string, string | undefined>>;

const fromEnvironment = (env: Env, include: (declared: Setting<unknown>) => boolean) =>
  readSettings(SETTINGS, 'environment', (name) => env[name], include);

function failOn(problems: readonly string[]): void {
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

export function loadConfig(env: Env): Config {
  const { values, problems } = fromEnvironment(env, (declared) =>
    (['api', 'sqs', 'files'] as const).some((fn) => readByFunction(declared.readBy, fn)),
  );
  failOn(problems);
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
  failOn(missing.map((entry) => entry.message));
}

/** The service name on every line and the lowest level written. */
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
  const { values } = fromEnvironment(
    env,
    (declared) => declared === SETTINGS.logLevel || declared === SETTINGS.serviceName,
  );
  return { serviceName: values.serviceName ?? serviceName, logLevel: values.logLevel };
}

/** The log settings of a loaded configuration, for the function named `serviceName` by default. */
export function logSettingsOf(config: Config, serviceName: string): LogSettings {
  return { serviceName: config.serviceName ?? serviceName, logLevel: config.logLevel };
}

/** The variables only the local run reads (npm start, npm run batch). */
interface LocalRunSettings {
  readonly port: number;
  readonly host: string;
  /** A real token; null runs the simulator. */
  readonly respondioToken: string | null;
  readonly localSqsPort: number;
  /** Run the local budget table (shared) or not (static). */
  readonly localRateBudget: 'shared' | 'static';
}

export function loadLocalRunSettings(env: Env): LocalRunSettings {
  const { values, problems } = fromEnvironment(env, (declared) => declared.readBy === 'local');
  failOn(problems);
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
