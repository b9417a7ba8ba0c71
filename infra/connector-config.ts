/**
 * The deployment's configuration, read from the CDK context through the settings table
 * (functions/settings/table.ts: every key, its default and its check). `readConnectorConfig` takes
 * a context getter (e.g. `(key) => app.node.tryGetContext(key)`), so `-c key=value` strings,
 * cdk.json values and test objects are all read the same way; it reports every problem at once,
 * so `cdk synth` fails with one clear message. The checks that relate several keys live here.
 *
 * Among those checks is the respond.io rate budget (infra/rate-budget.ts), whose arithmetic ties
 * the API function's reserved concurrency, the event source mapping's maximum concurrency and
 * the functions' RESPONDIO_RATE_LIMIT_SHARE together: `readConnectorConfig` refuses a split whose
 * containers could together start more than the budget within one second. With the shared budget
 * that split is the fallback every container keeps for when the budget table cannot be reached,
 * so the check stays.
 */

import { MAX_BATCHES_PER_RUN, PART_WRITE_RESERVE_MS } from '../functions/files/workflow.js';
import type { ErrorBehavior } from '../functions/settings/error-behavior.js';
import { readSettings } from '../functions/settings/setting.js';
import {
  type LogLevel,
  type LogRetentionDays,
  MIN_RATE_LIMIT_SHARE,
  readByFunction,
  SETTINGS,
  type SettingValues,
} from '../functions/settings/table.js';
import { budgetExceeded, rateBudget, round } from './rate-budget.js';

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

/** Environment variables by name. */
export type FunctionEnvironment = Readonly<Record<string, string>>;

export interface ConnectorConfig {
  readonly tokenSecret: TokenSecretSource;
  readonly respondioBaseUrl: string;
  readonly errorBehavior: ErrorBehavior;
  /** The organisation's whole respond.io budget, requests per second. */
  readonly rateLimitRps: number;
  /** `shared`: the budget table both functions draw from; `static`: the static split alone. */
  readonly rateBudget: 'shared' | 'static';
  /** The functions learn the rate below rateLimitRps (rateBudgetLearning): the rate's alarm. */
  readonly rateBudgetLearning: boolean;
  /** Fraction of the budget reserved for the API function (the rest goes to the SQS function). */
  readonly apiBudgetShare: number;
  /** Reserved concurrency of the API function. */
  readonly apiConcurrency: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Maximum concurrency of the SQS event source mapping. */
  readonly maxConcurrency: number;
  readonly maxReceiveCount: number;
  readonly logRetentionDays: LogRetentionDays;
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
  /** Lambda active tracing and the functions' X-Ray subsegments (POWERTOOLS_TRACE_ENABLED). */
  readonly tracing: boolean;
  /** The bulk file workflow (infra/file-workflow.ts). */
  readonly files: FileWorkflowConfig;
  /**
   * The variables each function gets straight from context (every setting with both a context
   * key and a variable that function reads, e.g. RESPONDIO_TIMEOUT_MS); the stack adds the ones
   * it computes (token secret, rate share, queue URLs, service name).
   */
  readonly passedThrough: {
    readonly api: FunctionEnvironment;
    readonly sqs: FunctionEnvironment;
    /** The three functions of the file workflow. */
    readonly files: FunctionEnvironment;
  };
}

/** The file workflow's settings the stack reads itself (the functions get theirs as variables). */
export interface FileWorkflowConfig {
  /** The distributed map's MaxItemsPerBatch. */
  readonly batchSize: number;
  /** The distributed map's MaxConcurrency. */
  readonly maxConcurrency: number;
  readonly batchTimeoutSeconds: number;
  readonly resultsExpireDays: number;
  readonly partsExpireDays: number;
}

export class ConnectorConfigError extends Error {
  override readonly name = 'ConnectorConfigError';
}

/** Input queue visibility timeout: six function timeouts plus the batching window (AWS advice). */
export function inputVisibilityTimeoutSeconds(
  config: Pick<ConnectorConfig, 'sqsTimeoutSeconds' | 'maxBatchingWindowSeconds'>,
): number {
  return 6 * config.sqsTimeoutSeconds + config.maxBatchingWindowSeconds;
}

/** The longest visibility timeout SQS accepts (12 hours). */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

export type ContextGetter = (key: string) => unknown;

export function readConnectorConfig(get: ContextGetter): ConnectorConfig {
  const { values, problems: found } = readSettings(SETTINGS, 'context', get);
  const problems = [...found];
  const {
    respondioRateLimitRps: rateLimitRps,
    apiBudgetShare,
    maxConcurrency,
    batchSize,
    maxBatchingWindowSeconds,
    apiTimeoutSeconds,
    sqsTimeoutSeconds,
    respondioTimeoutMs,
  } = values;

  // With the shared budget and learning, the static split is a fallback whose excess respond.io
  // would answer 429 and the fallback would learn from: it must fit the budget in the long run,
  // and a handful of simultaneous callers get an API container each. Otherwise every container
  // must fit into every second, which leaves room for one API container at the defaults.
  const learnsOnFallback = values.rateBudget === 'shared' && values.rateBudgetLearning;
  const apiConcurrency = values.apiConcurrency ?? (learnsOnFallback ? 4 : 1);

  // The token secret: an existing one by ARN or by name, or one the stack creates.
  let tokenSecret: TokenSecretSource = { kind: 'create' };
  if (values.tokenSecretArn !== null && values.tokenSecretName !== null) {
    problems.push('set tokenSecretArn or tokenSecretName, not both');
  } else if (values.tokenSecretArn !== null) {
    tokenSecret = { kind: 'arn', arn: values.tokenSecretArn };
  } else if (values.tokenSecretName !== null) {
    tokenSecret = { kind: 'name', name: values.tokenSecretName };
  }

  // The event source mapping.
  if (batchSize > 10 && maxBatchingWindowSeconds === 0) {
    problems.push('batchSize above 10 needs maxBatchingWindowSeconds of at least 1 (an AWS rule)');
  }

  // API authorization: never anonymous.
  let apiAuthorization: ApiAuthorization = { mode: 'iam' };
  if (values.apiAuth === 'jwt') {
    const issuer = values.jwtIssuer;
    if (issuer === null || !/^https:\/\/[^\s]+$/.test(issuer)) {
      problems.push('apiAuth=jwt needs jwtIssuer, an https URL (e.g. the Cognito user pool URL)');
    }
    if (values.jwtAudience.length === 0) {
      problems.push('apiAuth=jwt needs jwtAudience (comma-separated; Cognito: the app client id)');
    }
    apiAuthorization = { mode: 'jwt', issuer: issuer ?? '', audience: values.jwtAudience };
  }

  // By default the stage lets through what the API containers can send together, so callers
  // beyond it get a 429 from API Gateway instead of waiting inside the function: with the shared
  // budget the whole budget, with the static split the API's part of it.
  const budget = rateBudget({ rateLimitRps, apiBudgetShare, apiConcurrency, maxConcurrency });
  const apiThrottleRateLimit =
    values.apiThrottleRateLimit ??
    (values.rateBudget === 'shared'
      ? rateLimitRps
      : Math.max(round(budget.apiContainerRps * apiConcurrency), 0.1));
  const apiThrottleBurstLimit = values.apiThrottleBurstLimit ?? apiConcurrency;

  // Relations between settings.
  if (respondioTimeoutMs >= apiTimeoutSeconds * 1000) {
    problems.push(
      `respondioTimeoutMs (${respondioTimeoutMs}) must be below apiTimeoutSeconds × 1000 (${apiTimeoutSeconds * 1000})`,
    );
  }
  if (budget.apiContainerShare < MIN_RATE_LIMIT_SHARE) {
    problems.push(
      `apiBudgetShare / apiConcurrency = ${budget.apiContainerShare} is below ${MIN_RATE_LIMIT_SHARE}; raise apiBudgetShare or lower apiConcurrency`,
    );
  }
  if (budget.sqsContainerShare < MIN_RATE_LIMIT_SHARE) {
    problems.push(
      `(1 - apiBudgetShare) / maxConcurrency = ${budget.sqsContainerShare} is below ${MIN_RATE_LIMIT_SHARE}; lower maxConcurrency`,
    );
  }
  if (
    learnsOnFallback
      ? budget.worstCaseRps > rateLimitRps
      : budget.worstCaseInAnySecond > rateLimitRps
  ) {
    problems.push(
      budgetExceeded({ rateLimitRps, apiConcurrency, maxConcurrency }, budget, learnsOnFallback),
    );
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
  const visibility = inputVisibilityTimeoutSeconds({ sqsTimeoutSeconds, maxBatchingWindowSeconds });
  if (visibility > MAX_VISIBILITY_TIMEOUT_SECONDS) {
    problems.push(
      `6 × sqsTimeoutSeconds + maxBatchingWindowSeconds = ${visibility} s exceeds the SQS maximum visibility timeout (${MAX_VISIBILITY_TIMEOUT_SECONDS} s)`,
    );
  }

  // The file workflow: a run starts at most MAX_BATCHES_PER_RUN child executions, and a batch
  // must have time for one respond.io request and the writing of its part.
  const { fileBatchSize, fileMaxRows, fileBatchTimeoutSeconds } = values;
  if (fileMaxRows > fileBatchSize * MAX_BATCHES_PER_RUN) {
    problems.push(
      `fileMaxRows (${fileMaxRows}) must be at most fileBatchSize × ${MAX_BATCHES_PER_RUN} (${fileBatchSize * MAX_BATCHES_PER_RUN}), the batches of one run`,
    );
  }
  if (fileBatchTimeoutSeconds * 1000 <= respondioTimeoutMs + PART_WRITE_RESERVE_MS) {
    problems.push(
      `fileBatchTimeoutSeconds × 1000 (${fileBatchTimeoutSeconds * 1000}) must be above respondioTimeoutMs + ${PART_WRITE_RESERVE_MS} ms to write the part (${respondioTimeoutMs + PART_WRITE_RESERVE_MS})`,
    );
  }

  if (problems.length > 0) {
    throw new ConnectorConfigError(`Invalid connector configuration: ${problems.join('; ')}`);
  }
  return {
    tokenSecret,
    respondioBaseUrl: values.respondioBaseUrl,
    errorBehavior: values.errorBehavior,
    rateLimitRps,
    rateBudget: values.rateBudget,
    rateBudgetLearning: values.rateBudgetLearning,
    apiBudgetShare,
    apiConcurrency,
    batchSize,
    maxBatchingWindowSeconds,
    maxConcurrency,
    maxReceiveCount: values.maxReceiveCount,
    logRetentionDays: values.logRetentionDays,
    apiAuthorization,
    alarmTopicArn: values.alarmTopicArn,
    apiThrottleRateLimit,
    apiThrottleBurstLimit,
    apiTimeoutSeconds,
    sqsTimeoutSeconds,
    memorySize: values.memorySize,
    respondioTimeoutMs,
    respondioMaxAttempts: values.respondioMaxAttempts,
    tokenCacheTtlSeconds: values.tokenCacheTtlSeconds,
    logLevel: values.logLevel,
    metricsNamespace: values.metricsNamespace,
    oldestMessageAlarmSeconds: values.oldestMessageAlarmSeconds,
    tracing: values.tracing,
    files: {
      batchSize: fileBatchSize,
      maxConcurrency: values.fileMaxConcurrency,
      batchTimeoutSeconds: fileBatchTimeoutSeconds,
      resultsExpireDays: values.fileResultsExpireDays,
      partsExpireDays: values.filePartsExpireDays,
    },
    passedThrough: {
      api: passedThrough(values, 'api'),
      sqs: passedThrough(values, 'sqs'),
      files: passedThrough(values, 'files'),
    },
  };
}

/**
 * The variables of `fn` whose settings have a context key: the context value, as text. A value
 * left unset (null, e.g. DEFAULT_PHONE_COUNTRY) sets no variable.
 */
function passedThrough(values: SettingValues, fn: 'api' | 'sqs' | 'files'): FunctionEnvironment {
  const environment: Record<string, string> = {};
  for (const [key, declared] of Object.entries(SETTINGS)) {
    if (declared.env === undefined || declared.context === undefined) continue;
    if (!readByFunction(declared.readBy, fn)) continue;
    const value = values[key as keyof SettingValues];
    if (value !== null) environment[declared.env] = String(value);
  }
  return environment;
}
