/**
 * Entry point of the file batch function: the distributed map's child executions invoke it with
 * one batch of rows each. Built once per container by the one start-up path (platform/start.ts).
 */

import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import { loadConfig, loadFileSettings } from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import type { BatchContext } from './batch.js';
import { createFileBatchFunction } from './container.js';
import type { BatchDone, BatchEvent } from './steps.js';

/** Built on the first batch; if it cannot be, the state machine retries the batch, then fails the run. */
export const handler: EventHandler<BatchEvent, BatchContext, BatchDone> = builtOnFirstEvent(
  'The file batch function',
  FILES_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    const tracing = await loadTracing(config, FILES_SERVICE_NAME);
    return createFileBatchFunction(config, loadFileSettings(process.env), { tracing });
  },
);
