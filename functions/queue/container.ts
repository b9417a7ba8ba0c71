/**
 * The SQS function built once per container from its settings: the batch lane, the results and
 * dead-letter queues (traced when tracing is on) and the batch logic over them. A test or
 * benchmark may hand in adapters it built instead.
 */

import { SQSClient } from '@aws-sdk/client-sqs';
import { type BatchAdapters, createBatchLane, maxInFlightFor } from '../batches/index.js';
import { NO_TRACING } from '../platform/index.js';
import {
  type Config,
  containerCeilingRps,
  requireSettings,
  SQS_SERVICE_NAME,
} from '../settings/index.js';
import { createBatchHandler, type SqsBatchHandler } from './batch.js';
import type { DeadLetterSink, ResultSink } from './sinks.js';
import { createDeadLetterQueue, createResultsQueue } from './sqs-sinks.js';

/** Time kept at the end of an invocation for the last result and dead-letter writes, ms. */
export const FLUSH_RESERVE_MS = 2000;

export interface SqsAdapters extends BatchAdapters {
  /** Default: `new SQSClient({})` (region, credentials and AWS_ENDPOINT_URL_SQS from the environment). */
  readonly sqs?: SQSClient;
  /** Default: the queue at RESULTS_QUEUE_URL (benchmarks plug in memory sinks). */
  readonly results?: ResultSink;
  /** Default: the queue at DEAD_LETTER_QUEUE_URL. */
  readonly deadLetters?: DeadLetterSink;
}

export function createSqsFunction(config: Config, adapters: SqsAdapters = {}): SqsBatchHandler {
  requireSettings(config, 'sqs', adapters);
  const { resultsQueueUrl, deadLetterQueueUrl, errorBehavior } = config;
  const lane = createBatchLane(config, 'queue', SQS_SERVICE_NAME, adapters);
  const tracing = adapters.tracing ?? NO_TRACING;
  const sqs = adapters.sqs ?? tracing.captureAwsClient(new SQSClient({}));
  return createBatchHandler({
    ...lane,
    results:
      adapters.results ?? createResultsQueue({ client: sqs, queueUrl: resultsQueueUrl as string }),
    deadLetters:
      adapters.deadLetters ??
      (deadLetterQueueUrl === null
        ? null
        : createDeadLetterQueue({ client: sqs, queueUrl: deadLetterQueueUrl })),
    errorBehavior,
    maxReceiveCount: config.maxReceiveCount,
    maxInFlight: maxInFlightFor(containerCeilingRps(config)),
    rowBudgetMs: config.requestTimeoutMs,
    flushReserveMs: FLUSH_RESERVE_MS,
  });
}
