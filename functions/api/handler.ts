/** Lambda entry point of the API function (API Gateway HTTP API, payload 2.0). */

import type { Context } from 'aws-lambda';
import { startFunction } from '../platform/index.js';
import { API_SERVICE_NAME } from '../settings/index.js';
import { createApiFunction } from './container.js';
import type { ApiEvent } from './request.js';
import type { ApiResult } from './responses.js';

export const handler = startFunction<ApiEvent, Context, ApiResult>(
  'The API function',
  API_SERVICE_NAME,
  ({ config, tracing }) => createApiFunction(config, { tracing }),
);
