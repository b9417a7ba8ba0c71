/**
 * Entry point of the file batch function: the distributed map's child executions invoke it with
 * one batch of rows each. Thin: reads the configuration, has the runtime build the adapters once
 * per container (the respond.io directory on the shared budget, the files bucket), and hands
 * each batch to batch.ts.
 */

import {
  type Config,
  ConfigError,
  containerCeilingRps,
  type FileSettings,
  loadConfig,
  loadFileSettings,
  loadLogSettings,
} from '../core/config.js';
import type { BatchDone, BatchEvent } from '../core/file-steps.js';
import { rowsInFlight } from '../core/file-workflow.js';
import { FILES_SERVICE_NAME } from '../core/settings.js';
import {
  createFileBatchAdapters,
  type FileBatchAdapterOverrides,
} from '../runtime/file-adapters.js';
import { createLogger } from '../runtime/logger.js';
import { loadTracing } from '../runtime/tracing.js';
import { type BatchContext, createFileBatchHandler, type FileBatchHandler } from './batch.js';

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
    maxInFlight: rowsInFlight(containerCeilingRps(config)),
    rowBudgetMs: config.requestTimeoutMs,
    ...(roundWaitsMs ? { roundWaitsMs } : {}),
  });
}

let batchHandler: FileBatchHandler | undefined;

export async function handler(event: BatchEvent, context: BatchContext): Promise<BatchDone> {
  if (batchHandler === undefined) {
    try {
      const config = loadConfig(process.env);
      const settings = loadFileSettings(process.env);
      batchHandler = createFileBatchFunction(config, settings, {
        tracing: await loadTracing(config, FILES_SERVICE_NAME),
      });
    } catch (error) {
      // The whole batch is impossible: the state machine retries it, then fails the run.
      createLogger(loadLogSettings(process.env, FILES_SERVICE_NAME)).error(
        'The file batch function cannot start',
        {
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof ConfigError ? error.message : undefined,
        },
      );
      throw error;
    }
  }
  return batchHandler(event, context);
}
