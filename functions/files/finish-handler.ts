/**
 * Entry point of the file workflow's finishing steps (one Lambda function, two tasks of the state
 * machine: `assemble` and `fail`).
 */

import { startFunction } from '../platform/index.js';
import { FILES_SERVICE_NAME } from '../settings/index.js';
import { createFinishFunction, type FinishEvent } from './container.js';
import type { Assembled, Reported } from './steps.js';

export const handler = startFunction<FinishEvent, unknown, Assembled | Reported>(
  'The finishing steps',
  FILES_SERVICE_NAME,
  ({ config, tracing }) => {
    const finish = createFinishFunction(config, { tracing });
    return (event: FinishEvent) => finish(event);
  },
);
