/**
 * Entry point of the file batch function: the distributed map's child executions invoke it with
 * one batch of rows each. Thin: reads the configuration, has the runtime build the adapters once
 * per container (the respond.io directory on the shared budget, the files bucket), and hands
 * each batch to batch.ts.
 */

import { maxInFlightFor } from '../batches/engine.js';
import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import {
  type Config,
  containerCeilingRps,
  type FileSettings,
  loadConfig,
  loadFileSettings,
} from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import { type BatchContext, createFileBatchHandler, type FileBatchHandler } from './batch.js';
import { createFileBatchAdapters, type FileBatchAdapterOverrides } from './container.js';
import type { BatchDone, BatchEvent } from './steps.js';

export type FileBatchFunctionOverrides = FileBatchAdapterOverrides & {
  /** The waits between a batch's rounds (tests shorten them). */
  readonly roundWaitsMs?: readonly number[];
};

/** The whole function from its configuration: the runtime's adapters and the batch logic. */
export function createFileBatchFunction(
  config: Config,
  settings: Pick<FileSettings, 'bucket'>,
  overrides: FileBatchFunctionOverrides = {},
): FileBatchHandler {
  const { roundWaitsMs, ...adapterOverrides } = overrides;
  return createFileBatchHandler({
    ...createFileBatchAdapters(config, settings, adapterOverrides),
    errorBehavior: config.errorBehavior,
    maxInFlight: maxInFlightFor(containerCeilingRps(config)),
    rowBudgetMs: config.requestTimeoutMs,
    ...(roundWaitsMs ? { roundWaitsMs } : {}),
  });
}

/** Built on the first batch; if it cannot be, the state machine retries the batch, then fails the run. */
export const handler: EventHandler<BatchEvent, BatchContext, BatchDone> = builtOnFirstEvent(
  'The file batch function',
  FILES_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    return createFileBatchFunction(config, loadFileSettings(process.env), {
      tracing: await loadTracing(config, FILES_SERVICE_NAME),
    });
  },
);
