/**
 * Entry point of the file workflow's prepare step (a Lambda task of the state machine). Thin:
 * reads the settings, has the runtime build the files bucket once per container, and hands each
 * event to the check in prepare.ts.
 */

import {
  type Config,
  ConfigError,
  type FileSettings,
  loadConfig,
  loadFileSettings,
  loadLogSettings,
  logSettingsOf,
} from '../core/config.js';
import type { Prepared, PrepareEvent } from '../core/file-steps.js';
import type { FileStore } from '../core/ports.js';
import { FILES_SERVICE_NAME } from '../core/settings.js';
import { createFileStore } from '../runtime/file-adapters.js';
import { createLogger } from '../runtime/logger.js';
import { loadTracing } from '../runtime/tracing.js';
import { createPrepareHandler, type PrepareHandler } from './prepare.js';

/** The whole step from its settings (the local runner and the tests give their own store). */
export function createPrepareFunction(
  config: Config,
  settings: FileSettings,
  store: FileStore,
): PrepareHandler {
  return createPrepareHandler({
    store,
    limits: settings,
    logger: createLogger(logSettingsOf(config, FILES_SERVICE_NAME)),
  });
}

let prepare: PrepareHandler | undefined;

export async function handler(event: PrepareEvent): Promise<Prepared> {
  if (prepare === undefined) {
    try {
      const config = loadConfig(process.env);
      const settings = loadFileSettings(process.env);
      const tracing = await loadTracing(config, FILES_SERVICE_NAME);
      prepare = createPrepareFunction(config, settings, createFileStore(settings, { tracing }));
    } catch (error) {
      createLogger(loadLogSettings(process.env, FILES_SERVICE_NAME)).error(
        'The prepare step cannot start',
        {
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof ConfigError ? error.message : undefined,
        },
      );
      throw error;
    }
  }
  return prepare(event);
}
