/**
 * Entry point of the SQS batch function (event source mapping with ReportBatchItemFailures).
 * Thin: reads the configuration, has the runtime build the adapters once per container (on the
 * first invocation), and hands each batch to the batch logic in batch.ts.
 */

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { maxInFlightFor } from '../batches/engine.js';
import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import { type Config, containerCeilingRps, loadConfig } from '../settings/config.js';
import { SQS_SERVICE_NAME } from '../settings/table.js';
import { type BatchContext, createBatchHandler, type SqsBatchHandler } from './batch.js';
import { createSqsAdapters, type SqsAdapterOverrides } from './container.js';

/** Time kept at the end of an invocation for the last result and dead-letter writes. */
export const FLUSH_RESERVE_MS = 2000;

export type SqsFunctionOverrides = SqsAdapterOverrides;

/** Builds the whole function from a configuration: the runtime's adapters and the batch logic. */
export function createSqsFunction(
  config: Config,
  overrides: SqsFunctionOverrides = {},
): SqsBatchHandler {
  return createBatchHandler({
    ...createSqsAdapters(config, overrides),
    errorBehavior: config.errorBehavior,
    maxReceiveCount: config.maxReceiveCount,
    maxInFlight: maxInFlightFor(containerCeilingRps(config)),
    rowBudgetMs: config.requestTimeoutMs,
    flushReserveMs: FLUSH_RESERVE_MS,
  });
}

/** Built on the first batch; if it cannot be, throwing makes SQS deliver every record again. */
export const handler: EventHandler<SQSEvent, BatchContext, SQSBatchResponse> = builtOnFirstEvent(
  'The SQS function',
  SQS_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    return createSqsFunction(config, { tracing: await loadTracing(config, SQS_SERVICE_NAME) });
  },
);
