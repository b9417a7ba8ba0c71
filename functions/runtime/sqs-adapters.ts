/**
 * The SQS function's adapters, built once per container from the configuration: the respond.io
 * directory (in the shared budget's batch lane) and the identifier parser, the results and
 * dead-letter queues, the logger and the CloudWatch metrics (with the shared budget's, per
 * batch), traced when tracing is on. The entry point (functions/sqs/handler.ts) hands them to
 * the batch logic.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createPowertoolsBatchMetrics,
  createPowertoolsTokenMetrics,
} from '../adapters/cloudwatch-metrics.js';
import { createDeadLetterQueue, createResultsQueue } from '../adapters/sqs-sinks.js';
import { createBudgetStats } from '../core/budget-stats.js';
import { type Config, ConfigError, logSettingsOf } from '../core/config.js';
import type { IdentifierParser } from '../core/identifier.js';
import type {
  BatchMetrics,
  BudgetObserver,
  ContactDirectory,
  DeadLetterSink,
  Logger,
  RateLimiter,
  ResultSink,
  TokenSource,
} from '../core/ports.js';
import { missingDeadLetterQueueMessage, needsDeadLetterQueue } from '../core/row-disposition.js';
import { SQS_SERVICE_NAME } from '../core/settings.js';
import { createUpstreamStats, type UpstreamStats } from '../core/upstream-stats.js';
import { composeBudgetObservers } from './budget-observers.js';
import { createConnector } from './connector.js';
import { createLogger } from './logger.js';
import { createFunctionMetrics } from './metrics.js';
import { NO_TRACING, type Tracing } from './tracing.js';

export interface SqsAdapterOverrides {
  /** Default: `new SQSClient({})` (region, credentials and AWS_ENDPOINT_URL_SQS from the environment). */
  readonly sqs?: SQSClient;
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  readonly metrics?: BatchMetrics;
  /** Default: the results queue at RESULTS_QUEUE_URL (benchmarks plug in memory sinks). */
  readonly results?: ResultSink;
  /** Default: the dead-letter queue at DEAD_LETTER_QUEUE_URL. */
  readonly deadLetters?: DeadLetterSink;
  /** Default: no tracing (the entry point loads it from the configuration). */
  readonly tracing?: Tracing;
  /** Default true; false only for the benchmark's baseline (see ConnectorOverrides). */
  readonly shareLookups?: boolean;
  /** The shared budget: its DynamoDB client, its clock, an extra observer (see ConnectorOverrides). */
  readonly dynamodb?: DynamoDBClient;
  readonly budgetClock?: () => number;
  readonly budgetObserver?: BudgetObserver;
  /** Replaces the rate limiter altogether (benchmarks). */
  readonly limiter?: RateLimiter;
}

export interface SqsAdapters {
  readonly directory: ContactDirectory;
  readonly identifiers: IdentifierParser;
  readonly results: ResultSink;
  readonly deadLetters: DeadLetterSink | null;
  readonly logger: Logger;
  readonly metrics: BatchMetrics;
  readonly upstream: UpstreamStats;
}

export function createSqsAdapters(
  config: Config,
  overrides: SqsAdapterOverrides = {},
): SqsAdapters {
  if (config.resultsQueueUrl === null && overrides.results === undefined) {
    throw new ConfigError('Invalid configuration: RESULTS_QUEUE_URL is required');
  }
  if (
    config.deadLetterQueueUrl === null &&
    overrides.deadLetters === undefined &&
    needsDeadLetterQueue(config.errorBehavior)
  ) {
    throw new ConfigError(missingDeadLetterQueueMessage(config.errorBehavior));
  }
  // POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE arrive through the configuration:
  // Powertools prefers constructor options over its environment variables.
  const logSettings = logSettingsOf(config, SQS_SERVICE_NAME);
  const logger = overrides.logger ?? createLogger(logSettings);
  const upstream = createUpstreamStats();
  // Given batch metrics (tests, benchmarks) replace CloudWatch altogether.
  const cloudWatch =
    overrides.metrics === undefined ? createFunctionMetrics(config, SQS_SERVICE_NAME) : null;
  const budget = createBudgetStats();
  const { directory, identifiers } = createConnector(config, {
    observer: upstream.observer,
    logger,
    lane: 'batch',
    budgetObserver: composeBudgetObservers(budget.observer, overrides.budgetObserver),
    ...(overrides.tokens ? { tokens: overrides.tokens } : {}),
    ...(cloudWatch ? { tokenMetrics: createPowertoolsTokenMetrics(cloudWatch) } : {}),
    ...(overrides.tracing ? { tracing: overrides.tracing } : {}),
    ...(overrides.shareLookups === false ? { shareLookups: false } : {}),
    ...(overrides.dynamodb ? { dynamodb: overrides.dynamodb } : {}),
    ...(overrides.budgetClock ? { budgetClock: overrides.budgetClock } : {}),
    ...(overrides.limiter ? { limiter: overrides.limiter } : {}),
  });
  const tracing = overrides.tracing ?? NO_TRACING;
  const sqs = overrides.sqs ?? tracing.captureAwsClient(new SQSClient({}));
  return {
    directory,
    identifiers,
    results:
      overrides.results ??
      createResultsQueue({ client: sqs, queueUrl: config.resultsQueueUrl as string }),
    deadLetters:
      overrides.deadLetters ??
      (config.deadLetterQueueUrl === null
        ? null
        : createDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl })),
    logger,
    metrics:
      overrides.metrics ??
      createPowertoolsBatchMetrics(
        cloudWatch as Metrics,
        config.rateBudgetTable === null ? undefined : { stats: budget, rps: config.rateLimitRps },
      ),
    upstream,
  };
}
