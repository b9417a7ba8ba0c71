/**
 * Entry point of the file workflow's prepare step (a Lambda task of the state machine). Thin:
 * reads the settings, has the runtime build the files bucket once per container, and hands each
 * event to the check in prepare.ts.
 */

import { createLogger } from '../platform/logger.js';
import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import {
  type Config,
  type FileSettings,
  loadConfig,
  loadFileSettings,
  logSettingsOf,
} from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import { createFileStore } from './container.js';
import { createPrepareHandler, type PrepareHandler } from './prepare.js';
import type { Prepared, PrepareEvent } from './steps.js';
import type { FileStore } from './store.js';

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

export const handler: EventHandler<PrepareEvent, unknown, Prepared> = builtOnFirstEvent(
  'The prepare step',
  FILES_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    const settings = loadFileSettings(process.env);
    const tracing = await loadTracing(config, FILES_SERVICE_NAME);
    return createPrepareFunction(config, settings, createFileStore(settings, { tracing }));
  },
);
