/** Entry point of the file workflow's prepare step (a Lambda task of the state machine). */

import { startFunction } from '../platform/index.js';
import { FILES_SERVICE_NAME } from '../settings/index.js';
import { createPrepareFunction } from './container.js';
import type { Prepared, PrepareEvent } from './steps.js';

export const handler = startFunction<PrepareEvent, unknown, Prepared>(
  'The prepare step',
  FILES_SERVICE_NAME,
  ({ config, tracing }) => createPrepareFunction(config, { tracing }),
);
