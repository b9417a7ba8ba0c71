/**
 * The Powertools Metrics instance of a function, built from its settings: the namespace
 * (POWERTOOLS_METRICS_NAMESPACE) and the service (POWERTOOLS_SERVICE_NAME, else the function's
 * own name). Powertools prefers constructor options over its environment variables, so they
 * arrive through the configuration.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { createPowertoolsTokenMetrics } from '../batches/metrics.js';
import type { TokenObserver } from '../lookup/token-source.js';
import { type Config, logSettingsOf } from '../settings/config.js';

export function createFunctionMetrics(config: Config, serviceName: string): Metrics {
  return new Metrics({
    namespace: config.metricsNamespace,
    serviceName: logSettingsOf(config, serviceName).serviceName,
  });
}

/** The stale-token metric of a function (the API function has no other metrics). */
export function createTokenMetrics(config: Config, serviceName: string): TokenObserver {
  return createPowertoolsTokenMetrics(createFunctionMetrics(config, serviceName));
}
