/**
 * The logs adapter: structured JSON lines through the Powertools Logger, behind core's
 * InvocationLogger port. Every line carries the service name and, once an invocation begins, its
 * Lambda context and correlation id. The service name and level come from the settings
 * (core/config.ts), never from the environment directly. Callers log status codes, timings and
 * masked identifiers; never tokens, never whole contact records.
 */

import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LogSettings } from '../settings/config.js';

export function createLogger(settings: LogSettings): InvocationLogger {
  const logger = new PowertoolsLogger({
    serviceName: settings.serviceName,
    logLevel: settings.logLevel,
  });
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

/** Fields of one structured log line: status codes, timings, masked identifiers; never tokens. */
export type LogFields = Record<string, unknown>;

/** Structured JSON log lines (the Powertools Logger fits). */
export interface Logger {
  debug(message: string, ...fields: LogFields[]): void;
  info(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

/** The part of the Lambda context a logger tags its lines with. */
export interface InvocationContext {
  readonly awsRequestId: string;
  readonly functionName?: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB?: string;
}

/** A logger that follows one invocation at a time (the API function's). */
export interface InvocationLogger extends Logger {
  /** Tags every following line with the invocation and its correlation id. */
  beginInvocation(context: InvocationContext | undefined, correlationId: string | null): void;
  /** Drops what `beginInvocation` added, so nothing leaks into the next invocation. */
  endInvocation(): void;
}
