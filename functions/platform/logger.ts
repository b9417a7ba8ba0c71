/**
 * Structured JSON log lines through the Powertools Logger, named and levelled by the settings
 * (never the environment directly). Callers log status codes, timings and masked identifiers;
 * never tokens, never whole contact records.
 */

import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogSettings } from '../settings/index.js';

export function createLogger(settings: LogSettings): PowertoolsLogger {
  return new PowertoolsLogger({
    serviceName: settings.serviceName,
    logLevel: settings.logLevel,
  });
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
