/**
 * Configuration: every environment variable, its default and its check, in one place.
 * `loadConfig` is pure (it takes the environment as an argument) and reports every problem at
 * once, so a misconfigured function fails at start-up with one clear message.
 */

import { ERROR_BEHAVIORS, type ErrorBehavior, parseErrorBehavior } from './error-behavior.js';

export interface Config {
  /** RESPONDIO_BASE_URL: respond.io API base, without a trailing slash. */
  readonly baseUrl: string;
  /** RESPONDIO_TOKEN_SECRET_ID: Secrets Manager secret id or ARN holding the token. */
  readonly tokenSecretId: string | null;
  /** TOKEN_CACHE_TTL_SECONDS: how long a read token is reused. */
  readonly tokenCacheTtlMs: number;
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
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_BASE_URL = 'https://api.respond.io/v2';

type Env = Readonly<Record<string, string | undefined>>;

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return parsed;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const parsed = number(name, fallback, min, max);
    if (!Number.isInteger(parsed)) {
      problems.push(`${name} must be a whole number, got ${JSON.stringify(value(name))}`);
      return fallback;
    }
    return parsed;
  };

  let baseUrl = value('RESPONDIO_BASE_URL') ?? DEFAULT_BASE_URL;
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      problems.push('RESPONDIO_BASE_URL must use https (plain http is allowed only for loopback)');
    }
    if (url.search || url.hash || url.username || url.password) {
      problems.push('RESPONDIO_BASE_URL must not carry a query, fragment or credentials');
    }
    baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    problems.push(`RESPONDIO_BASE_URL is not a URL: ${JSON.stringify(baseUrl)}`);
  }

  const errorBehavior = parseErrorBehavior(value('ERROR_BEHAVIOR'));
  if (errorBehavior === null) {
    problems.push(
      `ERROR_BEHAVIOR must be one of ${ERROR_BEHAVIORS.join(', ')}, got ${JSON.stringify(value('ERROR_BEHAVIOR'))}`,
    );
  }

  const config: Config = {
    baseUrl,
    tokenSecretId: value('RESPONDIO_TOKEN_SECRET_ID') ?? null,
    tokenCacheTtlMs: number('TOKEN_CACHE_TTL_SECONDS', 300, 0, 86_400) * 1000,
    errorBehavior: errorBehavior ?? 'FailAndReturnResponse',
    rateLimitRps: number('RESPONDIO_RATE_LIMIT_RPS', 5, 0.1, 10_000),
    rateLimitShare: number('RESPONDIO_RATE_LIMIT_SHARE', 1, 0.001, 1),
    requestTimeoutMs: integer('RESPONDIO_TIMEOUT_MS', 8000, 100, 900_000),
    maxAttempts: integer('RESPONDIO_MAX_ATTEMPTS', 4, 1, 20),
    maxRetryAfterMs: number('RESPONDIO_MAX_RETRY_AFTER_SECONDS', 20, 0, 900) * 1000,
    resultsQueueUrl: value('RESULTS_QUEUE_URL') ?? null,
    deadLetterQueueUrl: value('DEAD_LETTER_QUEUE_URL') ?? null,
    maxReceiveCount: integer('MAX_RECEIVE_COUNT', 5, 1, 1000),
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return config;
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

/** The most requests one container at `rate` can start within any one-second window. */
export function maxStartsPerSecond(rate: number): number {
  return rate >= 1 ? Math.floor(rate + 1e-9) : 1;
}
