/**
 * What a container does when its token source serves a stale token (a Secrets Manager outage
 * after the TTL): a WARN log line and the `StaleToken` metric, once per failed read (at most
 * one every few seconds), never per lookup. The line names the secret and the error, never
 * the token.
 */

import type { Logger } from '../platform/logger.js';
import type { TokenObserver } from './token-source.js';

export function createTokenObserver(parts: {
  readonly logger?: Logger;
  readonly metrics?: TokenObserver;
}): TokenObserver {
  const { logger, metrics } = parts;
  return {
    onStaleToken(event) {
      logger?.warn('Serving the last good respond.io token: the secret could not be read', {
        staleForSeconds: Math.round(event.staleForMs / 1000),
        reason: event.detail,
      });
      metrics?.onStaleToken?.(event);
    },
  };
}
