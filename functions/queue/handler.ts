/**
 * Entry point of the SQS batch function (event source mapping with ReportBatchItemFailures),
 * built once per container by the one start-up path (platform/start.ts).
 */

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import { loadConfig } from '../settings/config.js';
import { SQS_SERVICE_NAME } from '../settings/table.js';
import type { BatchContext } from './batch.js';
import { createSqsFunction } from './container.js';

/** Built on the first batch; if it cannot be, throwing makes SQS deliver every record again. */
export const handler: EventHandler<SQSEvent, BatchContext, SQSBatchResponse> = builtOnFirstEvent(
  'The SQS function',
  SQS_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    return createSqsFunction(config, { tracing: await loadTracing(config, SQS_SERVICE_NAME) });
  },
);
