/** Entry point of the SQS batch function (event source mapping with ReportBatchItemFailures). */

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startFunction } from '../platform/index.js';
import { SQS_SERVICE_NAME } from '../settings/index.js';
import type { BatchContext } from './batch.js';
import { createSqsFunction } from './container.js';

export const handler = startFunction<SQSEvent, BatchContext, SQSBatchResponse>(
  'The SQS function',
  SQS_SERVICE_NAME,
  ({ config, tracing }) => createSqsFunction(config, { tracing }),
);
