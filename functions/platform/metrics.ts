/**
 * A function's Powertools Metrics, namespace and service from the settings: Powertools prefers
 * constructor options over its environment variables, so they arrive through the configuration.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { type Config, logSettingsOf } from '../settings/index.js';

export function createFunctionMetrics(config: Config, serviceName: string): Metrics {
  return new Metrics({
    namespace: config.metricsNamespace,
    serviceName: logSettingsOf(config, serviceName).serviceName,
  });
}
