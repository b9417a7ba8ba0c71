/**
 * The SQS function's adapters, built once per container from the configuration: its batch lane
 * (runtime/batch-lane.ts: the respond.io directory in the shared budget's batch lane, the
 * identifier parser, the logger and the CloudWatch metrics) and the results and dead-letter
 * queues, traced when tracing is on. The entry point (functions/queue/handler.ts) hands them to
 * the batch logic.
 */

import { SQSClient } from '@aws-sdk/client-sqs';
import { type BatchLane, type BatchLaneOverrides, createBatchLane } from '../batches/lane.js';
import { NO_TRACING } from '../platform/tracing.js';
import { type Config, ConfigError } from '../settings/config.js';
import { SQS_SERVICE_NAME } from '../settings/table.js';
import { missingDeadLetterQueueMessage, needsDeadLetterQueue } from './disposition.js';
import type { DeadLetterSink, ResultSink } from './sinks.js';
import { createDeadLetterQueue, createResultsQueue } from './sqs-sinks.js';

export interface SqsAdapterOverrides extends BatchLaneOverrides {
  /** Default: `new SQSClient({})` (region, credentials and AWS_ENDPOINT_URL_SQS from the environment). */
  readonly sqs?: SQSClient;
  /** Default: the results queue at RESULTS_QUEUE_URL (benchmarks plug in memory sinks). */
  readonly results?: ResultSink;
  /** Default: the dead-letter queue at DEAD_LETTER_QUEUE_URL. */
  readonly deadLetters?: DeadLetterSink;
}

export interface SqsAdapters extends BatchLane {
  readonly results: ResultSink;
  readonly deadLetters: DeadLetterSink | null;
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
  const lane = createBatchLane(config, SQS_SERVICE_NAME, overrides);
  const tracing = overrides.tracing ?? NO_TRACING;
  const sqs = overrides.sqs ?? tracing.captureAwsClient(new SQSClient({}));
  return {
    ...lane,
    results:
      overrides.results ??
      createResultsQueue({ client: sqs, queueUrl: config.resultsQueueUrl as string }),
    deadLetters:
      overrides.deadLetters ??
      (config.deadLetterQueueUrl === null
        ? null
        : createDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl })),
  };
}
