/**
 * Entry point of the file workflow's prepare step (a Lambda task of the state machine), built
 * once per container by the one start-up path (platform/start.ts).
 */

import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import { loadConfig, loadFileSettings } from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import { createPrepareFunction } from './container.js';
import type { Prepared, PrepareEvent } from './steps.js';

export const handler: EventHandler<PrepareEvent, unknown, Prepared> = builtOnFirstEvent(
  'The prepare step',
  FILES_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    const tracing = await loadTracing(config, FILES_SERVICE_NAME);
    return createPrepareFunction(config, loadFileSettings(process.env), { tracing });
  },
);
