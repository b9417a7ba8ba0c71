/**
 * The SQS function's adapters, built once per container from the configuration: the respond.io
 * directory (in the shared budget's batch lane), the results and dead-letter queues, the logger
 * and the CloudWatch metrics (with the shared budget's, per batch). The
 * entry point (functions/sqs/handler.ts) hands them to the batch logic.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createPowertoolsBatchMetrics } from '../adapters/cloudwatch-metrics.js';
import { createDeadLetterQueue, createResultsQueue } from '../adapters/sqs-sinks.js';
import { createBudgetStats } from '../core/budget-stats.js';
import { type Config, ConfigError, logSettingsOf } from '../core/config.js';
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
  /** The shared budget: its DynamoDB client, its clock, an extra observer (see ConnectorOverrides). */
  readonly dynamodb?: DynamoDBClient;
  readonly budgetClock?: () => number;
  readonly budgetObserver?: BudgetObserver;
  /** Replaces the rate limiter altogether (benchmarks). */
  readonly limiter?: RateLimiter;
}

export interface SqsAdapters {
  readonly directory: ContactDirectory;
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
  const budget = createBudgetStats();
  const { directory } = createConnector(config, {
    observer: upstream.observer,
    logger,
    lane: 'batch',
    budgetObserver: composeBudgetObservers(budget.observer, overrides.budgetObserver),
    ...(overrides.tokens ? { tokens: overrides.tokens } : {}),
    ...(overrides.dynamodb ? { dynamodb: overrides.dynamodb } : {}),
    ...(overrides.budgetClock ? { budgetClock: overrides.budgetClock } : {}),
    ...(overrides.limiter ? { limiter: overrides.limiter } : {}),
  });
  const sqs = overrides.sqs ?? new SQSClient({});
  return {
    directory,
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
        new Metrics({
          namespace: config.metricsNamespace,
          serviceName: logSettings.serviceName,
        }),
        config.rateBudgetTable === null ? undefined : { stats: budget, rps: config.rateLimitRps },
      ),
    upstream,
  };
}
