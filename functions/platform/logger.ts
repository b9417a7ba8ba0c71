/**
 * Structured JSON log lines through the Powertools Logger, named and levelled by the settings
 * (never the environment directly). Callers log status codes, timings and masked identifiers;
 * never tokens, never whole contact records; a per-row debug line's fields are built only when
 * logsDebug says the line is written.
 */

import { LogLevelThreshold, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
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
  /** Powertools' level threshold in force (DEBUG 8, INFO 12...); absent: every line is written. */
  readonly level?: number;
  debug(message: string, ...fields: LogFields[]): void;
  info(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

/**
 * False when the logger drops debug lines (its level is above DEBUG): a caller can then skip
 * building a per-row debug line. Read at the time of the line, so a level changed per
 * invocation (Powertools' debug sampling) is followed.
 */
export function logsDebug(logger: Logger): boolean {
  // One read: Powertools' getter looks the level up in its invocation store each time.
  const { level } = logger;
  return level === undefined || level <= LogLevelThreshold.DEBUG;
}
