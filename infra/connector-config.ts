/**
 * The deployment's configuration: every CDK context key, its default and its check, in one place.
 * `readConnectorConfig` takes a context getter (e.g. `(key) => app.node.tryGetContext(key)`), so
 * `-c key=value` strings, cdk.json values and test objects are all read the same way; it reports
 * every problem at once, so `cdk synth` fails with one clear message.
 *
 * The respond.io rate budget is split here too (see `rateBudget`), because its arithmetic is what
 * ties the API function's reserved concurrency, the event source mapping's maximum concurrency and
 * the functions' RESPONDIO_RATE_LIMIT_SHARE together; `readConnectorConfig` refuses a split whose
 * containers could together start more than the budget within one second.
 */

import { containerRateLimit, maxStartsPerSecond } from '../functions/core/config.js';
import {
  ERROR_BEHAVIORS,
  type ErrorBehavior,
  parseErrorBehavior,
} from '../functions/core/error-behavior.js';

export type TokenSecretSource =
  /** The stack creates an empty secret; the deployer fills it with put-secret-value. */
  | { readonly kind: 'create' }
  /** An existing secret, by its complete ARN (with the 6-character suffix). */
  | { readonly kind: 'arn'; readonly arn: string }
  /** An existing secret, by name; IAM then grants `…:secret:<name>-??????`. */
  | { readonly kind: 'name'; readonly name: string };

export type ApiAuthorization =
  | { readonly mode: 'iam' }
  | { readonly mode: 'jwt'; readonly issuer: string; readonly audience: readonly string[] };

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export interface ConnectorConfig {
  readonly tokenSecret: TokenSecretSource;
  readonly respondioBaseUrl: string;
  readonly errorBehavior: ErrorBehavior;
  /** The organisation's whole respond.io budget, requests per second. */
  readonly rateLimitRps: number;
  /** Fraction of the budget reserved for the API function (the rest goes to the SQS function). */
  readonly apiBudgetShare: number;
  /** Reserved concurrency of the API function. */
  readonly apiConcurrency: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Maximum concurrency of the SQS event source mapping. */
  readonly maxConcurrency: number;
  readonly maxReceiveCount: number;
  readonly logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  readonly apiAuthorization: ApiAuthorization;
  readonly alarmTopicArn: string | null;
  readonly apiThrottleRateLimit: number;
  readonly apiThrottleBurstLimit: number;
  readonly apiTimeoutSeconds: number;
  readonly sqsTimeoutSeconds: number;
  readonly memorySize: number;
  readonly respondioTimeoutMs: number;
  readonly respondioMaxAttempts: number;
  readonly tokenCacheTtlSeconds: number;
  readonly logLevel: LogLevel;
  readonly metricsNamespace: string;
  readonly oldestMessageAlarmSeconds: number;
}

export class ConnectorConfigError extends Error {
  override readonly name = 'ConnectorConfigError';
}

/** One documented context key (the README table is written from this list). */
export interface ContextOption {
  readonly key: string;
  readonly default: string;
  readonly meaning: string;
}

export const CONTEXT_OPTIONS: readonly ContextOption[] = [
  {
    key: 'tokenSecretArn',
    default: '(none)',
    meaning:
      'Complete ARN of an existing Secrets Manager secret holding the respond.io token (raw token or `{"token":"..."}`). Preferred: IAM grants exactly this ARN.',
  },
  {
    key: 'tokenSecretName',
    default: '(none)',
    meaning:
      'Name of an existing secret instead of its ARN; IAM then grants `arn:…:secret:<name>-??????` (the six `?` match only the random suffix Secrets Manager appends to that one name).',
  },
  {
    key: '(neither of the two)',
    default: 'create',
    meaning:
      'The stack creates an empty secret; fill it with `aws secretsmanager put-secret-value` (see the `TokenSecretArn` output).',
  },
  {
    key: 'respondioBaseUrl',
    default: 'https://api.respond.io/v2',
    meaning: 'respond.io API base URL (https only).',
  },
  {
    key: 'errorBehavior',
    default: 'FailAndReturnResponse',
    meaning: `One of ${ERROR_BEHAVIORS.join(', ')}; passed to both functions as ERROR_BEHAVIOR.`,
  },
  {
    key: 'respondioRateLimitRps',
    default: '5',
    meaning: "The organisation's whole respond.io budget in requests/s, shared by both functions.",
  },
  {
    key: 'apiBudgetShare',
    default: '0.2',
    meaning:
      'Fraction of the budget for the API function (0 < x < 1); the SQS function gets the rest.',
  },
  {
    key: 'apiConcurrency',
    default: '1',
    meaning:
      'Reserved concurrency of the API function (its share is split across this many). Every container counts toward the one-second check (see the rate budget split).',
  },
  { key: 'batchSize', default: '10', meaning: 'SQS event source batch size (1-10000).' },
  {
    key: 'maxBatchingWindowSeconds',
    default: '1',
    meaning: 'SQS event source batching window, seconds (0-300; > 0 required if batchSize > 10).',
  },
  {
    key: 'maxConcurrency',
    default: '2',
    meaning:
      'Maximum concurrency of the SQS event source mapping (2-1000). Every container counts toward the one-second check (see the rate budget split).',
  },
  {
    key: 'maxReceiveCount',
    default: '5',
    meaning: 'Input queue redrive maxReceiveCount; also passed to the SQS function.',
  },
  {
    key: 'logRetentionDays',
    default: '30',
    meaning: 'Retention of the function and access log groups (a CloudWatch Logs value).',
  },
  {
    key: 'apiAuth',
    default: 'iam',
    meaning:
      '`iam` (SigV4, caller needs execute-api:Invoke) or `jwt` (JWT authorizer; Cognito or any OIDC issuer). Never anonymous.',
  },
  {
    key: 'jwtIssuer',
    default: '(none)',
    meaning:
      'With apiAuth=jwt: issuer URL, e.g. `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`.',
  },
  {
    key: 'jwtAudience',
    default: '(none)',
    meaning: 'With apiAuth=jwt: accepted audiences, comma-separated (Cognito: the app client id).',
  },
  {
    key: 'alarmTopicArn',
    default: '(none)',
    meaning:
      'Existing SNS topic for alarm and OK notifications; without it alarms only show state.',
  },
  {
    key: 'apiThrottleRateLimit',
    default: 'apiConcurrency × API container rate',
    meaning:
      'API stage steady-state throttle, requests/s (callers beyond it get 429). The default is what the API containers can send together: apiConcurrency × (respondioRateLimitRps × apiBudgetShare / apiConcurrency, rounded down to a whole number when ≥ 1).',
  },
  {
    key: 'apiThrottleBurstLimit',
    default: 'apiConcurrency',
    meaning: 'API stage burst throttle, requests.',
  },
  {
    key: 'apiTimeoutSeconds',
    default: '15',
    meaning: 'API function timeout (1-29; HTTP API integrations end at 30 s).',
  },
  { key: 'sqsTimeoutSeconds', default: '60', meaning: 'SQS function timeout (1-900).' },
  { key: 'memorySize', default: '512', meaning: 'Memory of both functions, MB.' },
  {
    key: 'respondioTimeoutMs',
    default: '5000',
    meaning: 'Timeout of one respond.io request (RESPONDIO_TIMEOUT_MS).',
  },
  {
    key: 'respondioMaxAttempts',
    default: '3',
    meaning: 'Attempts per lookup, first included (RESPONDIO_MAX_ATTEMPTS).',
  },
  {
    key: 'tokenCacheTtlSeconds',
    default: '300',
    meaning: 'How long a container reuses the token it read (TOKEN_CACHE_TTL_SECONDS).',
  },
  {
    key: 'logLevel',
    default: 'INFO',
    meaning: `POWERTOOLS_LOG_LEVEL: ${LOG_LEVELS.join(', ')}.`,
  },
  {
    key: 'metricsNamespace',
    default: 'RespondioConnector',
    meaning: 'POWERTOOLS_METRICS_NAMESPACE for the functions’ CloudWatch metrics.',
  },
  {
    key: 'oldestMessageAlarmSeconds',
    default: '1800',
    meaning: 'Alarm when the oldest input message is older than this.',
  },
];

/** What each container of each function may use, and what the whole deployment may use. */
export interface RateBudget {
  /** RESPONDIO_RATE_LIMIT_SHARE of one API function container. */
  readonly apiContainerShare: number;
  /** RESPONDIO_RATE_LIMIT_SHARE of one SQS function container. */
  readonly sqsContainerShare: number;
  /** The rate one API container actually keeps (core's `containerRateLimit` of its share). */
  readonly apiContainerRps: number;
  /** The rate one SQS container actually keeps (core's `containerRateLimit` of its share). */
  readonly sqsContainerRps: number;
  /** Long-run worst case, requests/s: every allowed container of both functions at its rate. */
  readonly worstCaseRps: number;
  /**
   * Most requests all allowed containers together can start within any one-second window:
   * apiConcurrency × maxStartsPerSecond(apiContainerRps) + maxConcurrency ×
   * maxStartsPerSecond(sqsContainerRps). `readConnectorConfig` refuses it above the budget.
   */
  readonly worstCaseInAnySecond: number;
}

/** Shares are floored to 6 decimals, so rounding can only keep the sum under the budget. */
function floorShare(value: number): number {
  return Math.floor(value * 1e6) / 1e6;
}

/**
 * The split: the API function gets `apiBudgetShare` of the budget across `apiConcurrency`
 * containers (its reserved concurrency); the SQS function gets the rest across `maxConcurrency`
 * containers (the event source mapping's cap). Each container keeps the rate core's
 * `containerRateLimit` derives from RPS and its share (rounded down to a whole number when ≥ 1),
 * so the long-run total stays within RPS. Within one second a container below 1 request/s can
 * still start one request, so `worstCaseInAnySecond` may exceed RPS; `readConnectorConfig` checks it.
 */
export function rateBudget(
  config: Pick<
    ConnectorConfig,
    'rateLimitRps' | 'apiBudgetShare' | 'apiConcurrency' | 'maxConcurrency'
  >,
): RateBudget {
  const apiContainerShare = floorShare(config.apiBudgetShare / config.apiConcurrency);
  const sqsContainerShare = floorShare((1 - config.apiBudgetShare) / config.maxConcurrency);
  const { rateLimitRps, apiConcurrency, maxConcurrency } = config;
  const apiContainerRps = containerRateLimit({ rateLimitRps, rateLimitShare: apiContainerShare });
  const sqsContainerRps = containerRateLimit({ rateLimitRps, rateLimitShare: sqsContainerShare });
  return {
    apiContainerShare,
    sqsContainerShare,
    apiContainerRps,
    sqsContainerRps,
    worstCaseRps: apiContainerRps * apiConcurrency + sqsContainerRps * maxConcurrency,
    worstCaseInAnySecond:
      apiConcurrency * maxStartsPerSecond(apiContainerRps) +
      maxConcurrency * maxStartsPerSecond(sqsContainerRps),
  };
}

/** Input queue visibility timeout: six function timeouts plus the batching window (AWS advice). */
export function inputVisibilityTimeoutSeconds(
  config: Pick<ConnectorConfig, 'sqsTimeoutSeconds' | 'maxBatchingWindowSeconds'>,
): number {
  return 6 * config.sqsTimeoutSeconds + config.maxBatchingWindowSeconds;
}

/** The longest visibility timeout SQS accepts (12 hours). */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** The smallest RESPONDIO_RATE_LIMIT_SHARE functions/core/config.ts accepts. */
const MIN_CONTAINER_SHARE = 0.001;

export type ContextGetter = (key: string) => unknown;

export function readConnectorConfig(get: ContextGetter): ConnectorConfig {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const raw = get(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push(`${key} must be a single value, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    const trimmed = String(raw).trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const number = (key: string, fallback: number, min: number, max: number): number => {
    const raw = text(key);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      problems.push(`${key} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return parsed;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const parsed = number(key, fallback, min, max);
    if (!Number.isInteger(parsed)) {
      problems.push(`${key} must be a whole number, got ${JSON.stringify(text(key))}`);
      return fallback;
    }
    return parsed;
  };

  // The token secret.
  const secretArn = text('tokenSecretArn');
  const secretName = text('tokenSecretName');
  let tokenSecret: TokenSecretSource = { kind: 'create' };
  if (secretArn !== undefined && secretName !== undefined) {
    problems.push('set tokenSecretArn or tokenSecretName, not both');
  } else if (secretArn !== undefined) {
    if (
      !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(secretArn)
    ) {
      problems.push(
        'tokenSecretArn must be a complete secret ARN ending in the 6-character suffix ' +
          '(arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf); for a name use tokenSecretName',
      );
    }
    tokenSecret = { kind: 'arn', arn: secretArn };
  } else if (secretName !== undefined) {
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(secretName) || secretName.startsWith('arn:')) {
      problems.push(
        `tokenSecretName must be a secret name (letters, digits and /_+=.@-), got ${JSON.stringify(secretName)}`,
      );
    }
    tokenSecret = { kind: 'name', name: secretName };
  }

  // respond.io.
  const respondioBaseUrl = text('respondioBaseUrl') ?? 'https://api.respond.io/v2';
  try {
    const url = new URL(respondioBaseUrl);
    if (url.protocol !== 'https:') problems.push('respondioBaseUrl must use https');
  } catch {
    problems.push(`respondioBaseUrl is not a URL: ${JSON.stringify(respondioBaseUrl)}`);
  }
  const errorBehavior = parseErrorBehavior(text('errorBehavior'));
  if (errorBehavior === null) {
    problems.push(
      `errorBehavior must be one of ${ERROR_BEHAVIORS.join(', ')}, got ${JSON.stringify(text('errorBehavior'))}`,
    );
  }

  // Rate budget and concurrency.
  const rateLimitRps = number('respondioRateLimitRps', 5, 0.1, 10_000);
  const apiBudgetShare = number('apiBudgetShare', 0.2, 0, 1);
  if (apiBudgetShare <= 0 || apiBudgetShare >= 1) {
    problems.push(
      'apiBudgetShare must be above 0 and below 1 (both functions need part of the budget)',
    );
  }
  const apiConcurrency = integer('apiConcurrency', 1, 1, 1000);
  const maxConcurrency = integer('maxConcurrency', 2, 2, 1000);

  // The event source mapping and the queue.
  const batchSize = integer('batchSize', 10, 1, 10_000);
  const maxBatchingWindowSeconds = integer('maxBatchingWindowSeconds', 1, 0, 300);
  if (batchSize > 10 && maxBatchingWindowSeconds === 0) {
    problems.push('batchSize above 10 needs maxBatchingWindowSeconds of at least 1 (an AWS rule)');
  }
  const maxReceiveCount = integer('maxReceiveCount', 5, 1, 1000);

  // Logs, alarms, API.
  const retention = integer('logRetentionDays', 30, 1, 3653);
  const logRetentionDays = LOG_RETENTION_DAYS.find((days) => days === retention) ?? 30;
  if (!LOG_RETENTION_DAYS.some((days) => days === retention)) {
    problems.push(
      `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${retention}`,
    );
  }
  const authMode = (text('apiAuth') ?? 'iam').toLowerCase();
  let apiAuthorization: ApiAuthorization = { mode: 'iam' };
  if (authMode === 'jwt') {
    const issuer = text('jwtIssuer');
    const audience = (text('jwtAudience') ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (issuer === undefined || !/^https:\/\/[^\s]+$/.test(issuer)) {
      problems.push('apiAuth=jwt needs jwtIssuer, an https URL (e.g. the Cognito user pool URL)');
    }
    if (audience.length === 0) {
      problems.push('apiAuth=jwt needs jwtAudience (comma-separated; Cognito: the app client id)');
    }
    apiAuthorization = { mode: 'jwt', issuer: issuer ?? '', audience };
  } else if (authMode !== 'iam') {
    problems.push(
      `apiAuth must be iam or jwt, got ${JSON.stringify(authMode)} (the API is never anonymous)`,
    );
  }
  const alarmTopicArn = text('alarmTopicArn') ?? null;
  if (
    alarmTopicArn !== null &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(alarmTopicArn)
  ) {
    problems.push(`alarmTopicArn must be an SNS topic ARN, got ${JSON.stringify(alarmTopicArn)}`);
  }
  // By default the stage lets through what the API containers can send together, so callers
  // beyond it get a 429 from API Gateway instead of waiting inside the function.
  const budget = rateBudget({ rateLimitRps, apiBudgetShare, apiConcurrency, maxConcurrency });
  const apiThrottleRateLimit = number(
    'apiThrottleRateLimit',
    Math.max(round(budget.apiContainerRps * apiConcurrency), 0.1),
    0.1,
    10_000,
  );
  const apiThrottleBurstLimit = integer('apiThrottleBurstLimit', apiConcurrency, 1, 5000);

  // Functions.
  const apiTimeoutSeconds = integer('apiTimeoutSeconds', 15, 1, 29);
  const sqsTimeoutSeconds = integer('sqsTimeoutSeconds', 60, 1, 900);
  const memorySize = integer('memorySize', 512, 128, 10_240);
  const respondioTimeoutMs = integer('respondioTimeoutMs', 5000, 100, 900_000);
  const respondioMaxAttempts = integer('respondioMaxAttempts', 3, 1, 20);
  const tokenCacheTtlSeconds = integer('tokenCacheTtlSeconds', 300, 0, 86_400);
  const logLevel = (text('logLevel') ?? 'INFO').toUpperCase();
  if (!LOG_LEVELS.some((level) => level === logLevel)) {
    problems.push(
      `logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  const metricsNamespace = text('metricsNamespace') ?? 'RespondioConnector';
  if (!/^[A-Za-z0-9._/#:-]{1,255}$/.test(metricsNamespace)) {
    problems.push(
      `metricsNamespace has characters CloudWatch does not accept: ${metricsNamespace}`,
    );
  }
  const oldestMessageAlarmSeconds = integer('oldestMessageAlarmSeconds', 1800, 60, 1_209_600);

  // Relations between settings.
  if (respondioTimeoutMs >= apiTimeoutSeconds * 1000) {
    problems.push(
      `respondioTimeoutMs (${respondioTimeoutMs}) must be below apiTimeoutSeconds × 1000 (${apiTimeoutSeconds * 1000})`,
    );
  }
  if (apiBudgetShare > 0 && apiBudgetShare < 1) {
    if (budget.apiContainerShare < MIN_CONTAINER_SHARE) {
      problems.push(
        `apiBudgetShare / apiConcurrency = ${budget.apiContainerShare} is below ${MIN_CONTAINER_SHARE}; raise apiBudgetShare or lower apiConcurrency`,
      );
    }
    if (budget.sqsContainerShare < MIN_CONTAINER_SHARE) {
      problems.push(
        `(1 - apiBudgetShare) / maxConcurrency = ${budget.sqsContainerShare} is below ${MIN_CONTAINER_SHARE}; lower maxConcurrency`,
      );
    }
    if (budget.worstCaseInAnySecond > rateLimitRps) {
      problems.push(budgetExceeded({ rateLimitRps, apiConcurrency, maxConcurrency }, budget));
    }
    // A batch must fit into one invocation at the container's rate, with one request's timeout to
    // spare; otherwise rows would be handed back unprocessed on every delivery and end in the DLQ.
    const batchSeconds = batchSize / budget.sqsContainerRps + respondioTimeoutMs / 1000;
    if (budget.sqsContainerRps > 0 && batchSeconds > sqsTimeoutSeconds) {
      problems.push(
        `a batch of ${batchSize} rows at ${round(budget.sqsContainerRps)} requests/s per SQS container ` +
          `needs about ${Math.ceil(batchSeconds)} s (plus one respond.io timeout), more than ` +
          `sqsTimeoutSeconds=${sqsTimeoutSeconds}; lower batchSize or maxConcurrency, or raise sqsTimeoutSeconds`,
      );
    }
  }
  const visibility = inputVisibilityTimeoutSeconds({ sqsTimeoutSeconds, maxBatchingWindowSeconds });
  if (visibility > MAX_VISIBILITY_TIMEOUT_SECONDS) {
    problems.push(
      `6 × sqsTimeoutSeconds + maxBatchingWindowSeconds = ${visibility} s exceeds the SQS maximum visibility timeout (${MAX_VISIBILITY_TIMEOUT_SECONDS} s)`,
    );
  }

  if (problems.length > 0) {
    throw new ConnectorConfigError(`Invalid connector configuration: ${problems.join('; ')}`);
  }
  return {
    tokenSecret,
    respondioBaseUrl: respondioBaseUrl.replace(/\/+$/, ''),
    errorBehavior: errorBehavior ?? 'FailAndReturnResponse',
    rateLimitRps,
    apiBudgetShare,
    apiConcurrency,
    batchSize,
    maxBatchingWindowSeconds,
    maxConcurrency,
    maxReceiveCount,
    logRetentionDays,
    apiAuthorization,
    alarmTopicArn,
    apiThrottleRateLimit,
    apiThrottleBurstLimit,
    apiTimeoutSeconds,
    sqsTimeoutSeconds,
    memorySize,
    respondioTimeoutMs,
    respondioMaxAttempts,
    tokenCacheTtlSeconds,
    logLevel: logLevel as LogLevel,
    metricsNamespace,
    oldestMessageAlarmSeconds,
  };
}

/** The budget problem, with its arithmetic and what to change. */
function budgetExceeded(
  config: Pick<ConnectorConfig, 'rateLimitRps' | 'apiConcurrency' | 'maxConcurrency'>,
  budget: RateBudget,
): string {
  const apiStarts = maxStartsPerSecond(budget.apiContainerRps);
  const sqsStarts = maxStartsPerSecond(budget.sqsContainerRps);
  const floor =
    config.rateLimitRps < 3
      ? ' (below 3 requests/s nothing fits: the smallest setup, 1 API and 2 SQS containers, can start 3 requests in one second)'
      : '';
  return (
    `the containers could start more requests in one second than the respond.io budget: ` +
    `apiConcurrency × ${apiStarts} + maxConcurrency × ${sqsStarts} = ` +
    `${config.apiConcurrency} × ${apiStarts} + ${config.maxConcurrency} × ${sqsStarts} = ` +
    `${budget.worstCaseInAnySecond} > respondioRateLimitRps=${config.rateLimitRps} ` +
    `(an API container keeps ${round(budget.apiContainerRps)} requests/s and an SQS container ` +
    `${round(budget.sqsContainerRps)}; within one second a container can start its rate rounded down, ` +
    `or 1 when its rate is below 1); lower apiConcurrency or maxConcurrency, change apiBudgetShare, ` +
    `or raise respondioRateLimitRps${floor}`
  );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
