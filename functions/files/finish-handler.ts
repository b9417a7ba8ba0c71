/**
 * Entry point of the file workflow's finishing steps (one Lambda function, two tasks of the state
 * machine: `assemble` and `fail`), built once per container by the one start-up path.
 */

import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import { loadConfig, loadFileSettings } from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import { createFinishFunction, type FinishEvent } from './container.js';
import type { Assembled, Reported } from './steps.js';

export const handler: EventHandler<FinishEvent, unknown, Assembled | Reported> = builtOnFirstEvent(
  'The finishing steps',
  FILES_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    const tracing = await loadTracing(config, FILES_SERVICE_NAME);
    const finish = createFinishFunction(config, loadFileSettings(process.env), { tracing });
    return (event: FinishEvent) => finish(event);
  },
);
