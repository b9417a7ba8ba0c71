/**
 * The logs adapter: structured JSON lines through the Powertools Logger, behind core's
 * InvocationLogger port. Every line carries the service name and, once an invocation begins, its
 * Lambda context and correlation id. The service name and level come from the settings
 * (core/config.ts), never from the environment directly. Callers log status codes, timings and
 * masked identifiers; never tokens, never whole contact records.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LogSettings } from '../settings/config.js';
import type { InvocationLogger } from './ports.js';

export type { InvocationLogger, Logger } from './ports.js';

export function createLogger(settings: LogSettings): InvocationLogger {
  const logger = new Logger({ serviceName: settings.serviceName, logLevel: settings.logLevel });
  return {
    debug: (message, ...fields) => logger.debug(message, ...fields),
    info: (message, ...fields) => logger.info(message, ...fields),
    warn: (message, ...fields) => logger.warn(message, ...fields),
    error: (message, ...fields) => logger.error(message, ...fields),
    beginInvocation(context, correlationId) {
      logger.refreshSampleRateCalculation();
      if (context !== undefined) logger.addContext(context as Context);
      if (correlationId) logger.setCorrelationId(correlationId);
    },
    endInvocation() {
      logger.resetKeys();
    },
  };
}
