/**
 * The API function's connector: the shared composition root (connector.ts) in the shared budget's
 * API lane, with the budget's metrics written at most once a minute (adapters/budget-metrics.ts)
 * when a budget table is configured.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { createPeriodicBudgetMetrics } from '../adapters/budget-metrics.js';
import { createBudgetStats } from '../core/budget-stats.js';
import { type Config, logSettingsOf } from '../core/config.js';
import { API_SERVICE_NAME } from '../core/settings.js';
import { type Connector, type ConnectorOverrides, createConnector } from './connector.js';

export function createApiConnector(config: Config, overrides: ConnectorOverrides = {}): Connector {
  const budgetObserver =
    config.rateBudgetTable === null
      ? undefined
      : createPeriodicBudgetMetrics({
          metrics: new Metrics({
            namespace: config.metricsNamespace,
            serviceName: logSettingsOf(config, API_SERVICE_NAME).serviceName,
          }),
          stats: createBudgetStats(),
          rps: config.rateLimitRps,
        });
  return createConnector(config, {
    lane: 'api',
    ...(budgetObserver ? { budgetObserver } : {}),
    ...overrides,
  });
}
