/**
 * Tracing for one container: AWS X-Ray when the configuration turns it on
 * (POWERTOOLS_TRACE_ENABLED, which the stack sets from the `tracing` context key), nothing
 * otherwise. The X-Ray adapter, and with it the Powertools Tracer and the X-Ray SDK, is imported
 * only when tracing is on, so an untraced function (and the local run, the tests and the
 * benchmarks) neither loads it at cold start nor pays for its async-context tracking.
 */

import type { Config } from '../settings/config.js';
import { NO_TRACER, type Tracer } from './ports.js';

export interface Tracing {
  /** For the respond.io directory's spans. */
  readonly tracer: Tracer;
  /** An AWS SDK client that records its calls as subsegments (the same client when off). */
  captureAwsClient<C>(client: C): C;
}

export const NO_TRACING: Tracing = { tracer: NO_TRACER, captureAwsClient: (client) => client };

export async function loadTracing(
  config: Pick<Config, 'tracing'>,
  serviceName: string,
): Promise<Tracing> {
  if (!config.tracing) return NO_TRACING;
  const { createXrayTracing } = await import('./xray.js');
  return createXrayTracing({ serviceName });
}
