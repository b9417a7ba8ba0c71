/**
 * Entry point of the SQS batch function (event source mapping with ReportBatchItemFailures).
 * Thin: reads the configuration, builds the adapters once per container (on the first
 * invocation), and hands each batch to the batch logic in batch.ts.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDeadLetterQueue, createResultsQueue } from '../adapters/sqs-sinks.js';
import { type Config, ConfigError, containerRateLimit, loadConfig } from '../core/config.js';
import type { ResultSink, TokenSource } from '../core/ports.js';
import { createConnector } from '../runtime/connector.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import {
  type BatchContext,
  createBatchHandler,
  type DeadLetterSink,
  type SqsBatchHandler,
} from './batch.js';
import {
  type BatchMetrics,
  createPowertoolsBatchMetrics,
  createUpstreamStats,
  METRICS_NAMESPACE,
} from './metrics.js';

export const SERVICE_NAME = 'respondio-get-contact-sqs';

/** Time kept at the end of an invocation for the last result and dead-letter writes. */
export const FLUSH_RESERVE_MS = 2000;

/**
 * Rows in flight at once: enough to keep the rate budget busy while requests wait for
 * respond.io (two seconds' worth of requests), at least 2.
 */
export function maxInFlightFor(requestsPerSecond: number): number {
  return Math.max(2, Math.ceil(requestsPerSecond * 2));
}

export interface SqsFunctionOverrides {
  /** Default: `new SQSClient({})` (region, credentials and AWS_ENDPOINT_URL_SQS from the environment). */
  readonly sqs?: SQSClient;
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  readonly metrics?: BatchMetrics;
  /** Default: the results queue at RESULTS_QUEUE_URL (benchmarks plug in memory sinks). */
  readonly results?: ResultSink;
  /** Default: the dead-letter queue at DEAD_LETTER_QUEUE_URL. */
  readonly deadLetters?: DeadLetterSink;
}

/** Builds the whole function from a configuration: the composition root of the SQS Lambda. */
export function createSqsFunction(
  config: Config,
  overrides: SqsFunctionOverrides = {},
): SqsBatchHandler {
  if (config.resultsQueueUrl === null && overrides.results === undefined) {
    throw new ConfigError('Invalid configuration: RESULTS_QUEUE_URL is required');
  }
  if (
    config.deadLetterQueueUrl === null &&
    overrides.deadLetters === undefined &&
    config.errorBehavior !== 'DoNotFailAndReturnResponse'
  ) {
    throw new ConfigError(
      `Invalid configuration: DEAD_LETTER_QUEUE_URL is required with ERROR_BEHAVIOR=${config.errorBehavior}`,
    );
  }
  const logger = overrides.logger ?? createLogger(SERVICE_NAME);
  const upstream = createUpstreamStats();
  const connector = createConnector(config, {
    observer: upstream.observer,
    logger,
    ...(overrides.tokens ? { tokens: overrides.tokens } : {}),
  });
  const sqs = overrides.sqs ?? new SQSClient({});
  const metrics =
    overrides.metrics ??
    createPowertoolsBatchMetrics(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    );
  return createBatchHandler({
    directory: connector.directory,
    results:
      overrides.results ??
      createResultsQueue({ client: sqs, queueUrl: config.resultsQueueUrl as string }),
    deadLetters:
      overrides.deadLetters ??
      (config.deadLetterQueueUrl === null
        ? null
        : createDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl })),
    errorBehavior: config.errorBehavior,
    maxReceiveCount: config.maxReceiveCount,
    maxInFlight: maxInFlightFor(containerRateLimit(config)),
    rowBudgetMs: config.requestTimeoutMs,
    flushReserveMs: FLUSH_RESERVE_MS,
    logger,
    metrics,
    upstream,
  });
}

let batchHandler: SqsBatchHandler | undefined;

export async function handler(event: SQSEvent, context: BatchContext): Promise<SQSBatchResponse> {
  if (batchHandler === undefined) {
    try {
      batchHandler = createSqsFunction(loadConfig(process.env));
    } catch (error) {
      // The whole batch is impossible: throwing makes SQS deliver every record again.
      createLogger(SERVICE_NAME).error('The SQS function cannot start', {
        errorName: error instanceof Error ? error.name : typeof error,
        errorMessage: error instanceof ConfigError ? error.message : undefined,
      });
      throw error;
    }
  }
  return batchHandler(event, context);
}
