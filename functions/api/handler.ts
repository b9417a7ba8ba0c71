/**
 * Lambda entry point of the API function (API Gateway, payload 1.0 or 2.0).
 *
 * Configuration, logger, tracing, identifier parser and respond.io client are built once per
 * container, here at module scope (awaited: tracing is loaded only when it is on). An invalid
 * configuration (e.g. an unknown ERROR_BEHAVIOR or no RESPONDIO_TOKEN_SECRET_ID) is logged as one
 * structured line and then thrown: the Lambda init fails with the ConfigError's message in the
 * function log, rather than every request failing later with a less clear error. The local run
 * (`npm start`) fails the same way, at start-up.
 */

import { createLogger } from '../platform/logger.js';
import { loadTracing } from '../platform/tracing.js';
import { loadConfig, loadLogSettings } from '../settings/config.js';
import { API_SERVICE_NAME } from '../settings/table.js';
import { type ApiHandler, createApiHandler } from './app.js';
import { createApiLookups } from './container.js';

// The log settings alone never fail, so an invalid configuration is still logged.
const logger = createLogger(loadLogSettings(process.env, API_SERVICE_NAME));

async function buildHandler(): Promise<ApiHandler> {
  try {
    const config = loadConfig(process.env);
    const tracing = await loadTracing(config, API_SERVICE_NAME);
    const { directory, identifiers } = createApiLookups(config, { logger, tracing });
    return createApiHandler({ directory, identifiers, config, logger });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error('The API function cannot start', { errorName: (error as Error)?.name, message });
    throw error;
  }
}

export const handler: ApiHandler = await buildHandler();
