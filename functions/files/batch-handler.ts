/** Entry point of the file batch function: each child execution of the map hands it one batch. */

import { type BatchContext, startFunction } from '../platform/index.js';
import { FILES_SERVICE_NAME } from '../settings/index.js';
import { createFileBatchFunction } from './container.js';
import type { BatchDone, BatchEvent } from './steps.js';

export const handler = startFunction<BatchEvent, BatchContext, BatchDone>(
  'The file batch function',
  FILES_SERVICE_NAME,
  ({ config, tracing }) => createFileBatchFunction(config, { tracing }),
);
