/**
 * What the respond.io directory tells about each attempt: one event to the observer (metrics)
 * and one structured log line with status codes, timings and the masked identifier, never the
 * token or the contact.
 */

import type { LogFields, Logger } from '../platform/logger.js';
import type { LookupFailure } from './failure.js';
import type { DirectoryAttemptEvent, DirectoryObserver } from './respondio.js';

export interface AttemptReporters {
  readonly observer?: DirectoryObserver | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Reports one attempt; `failure` is null when it brought the contact. `logContext` carries the
 * masked identifier and the correlation id.
 */
export function reportAttempt(
  { observer, logger }: AttemptReporters,
  logContext: LogFields,
  event: DirectoryAttemptEvent,
  failure: LookupFailure | null,
): void {
  observer?.onAttempt?.(event);
  const { attempt, status, latencyMs, willRetry, waitMs } = event;
  if (failure === null) {
    logger?.debug('respond.io answered', { ...logContext, attempt, status, latencyMs });
    return;
  }
  // A 404 is an answer (the contact does not exist), not a fault: no warning for it.
  const notFound = status === 404;
  const log = notFound ? logger?.info : logger?.warn;
  const message = notFound ? 'respond.io answered: contact not found' : 'respond.io attempt failed';
  log?.call(logger, message, {
    ...logContext,
    attempt,
    status,
    failure: failure.kind,
    ...(failure.kind === 'network' && failure.code ? { code: failure.code } : {}),
    latencyMs,
    willRetry,
    waitMs,
  });
}
