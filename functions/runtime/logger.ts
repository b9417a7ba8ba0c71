/**
 * Structured JSON logs (Powertools Logger). Every line carries the service name and, once a
 * handler sets it, a correlation id. Callers log status codes, timings and masked identifiers;
 * never tokens, never whole contact records.
 */

import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

export function createLogger(serviceName: string): Logger {
  return new Logger({
    serviceName,
    logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO') as 'INFO',
  });
}
