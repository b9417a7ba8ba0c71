/** Entry point of the SQS batch function (event source mapping with ReportBatchItemFailures). */

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type BatchContext, startFunction } from '../platform/index.js';
import { SQS_SERVICE_NAME } from '../settings/index.js';
import { createSqsFunction } from './container.js';

export const handler = startFunction<SQSEvent, BatchContext, SQSBatchResponse>(
  'The SQS function',
  SQS_SERVICE_NAME,
  ({ config, tracing }) => createSqsFunction(config, { tracing }),
);
