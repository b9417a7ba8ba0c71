/**
 * The Powertools Metrics instance of a function, built from its settings: the namespace
 * (POWERTOOLS_METRICS_NAMESPACE) and the service (POWERTOOLS_SERVICE_NAME, else the function's
 * own name). Powertools prefers constructor options over its environment variables, so they
 * arrive through the configuration.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { type Config, logSettingsOf } from '../settings/index.js';

export function createFunctionMetrics(config: Config, serviceName: string): Metrics {
  return new Metrics({
    namespace: config.metricsNamespace,
    serviceName: logSettingsOf(config, serviceName).serviceName,
  });
}
