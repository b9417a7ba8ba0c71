/**
 * The API function's connector: the shared composition root (connector.ts) in the shared budget's
 * API lane, with the budget's metrics written at most once a minute (adapters/budget-metrics.ts):
 * the learned rate always, the slot dispenser's with a budget table.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import type { RateLimiter } from '../budget/limiter.js';
import { createPeriodicBudgetMetrics } from '../budget/metrics.js';
import { createBudgetStats } from '../budget/stats.js';
import { type Connector, type ConnectorOverrides, createConnector } from '../lookup/connector.js';
import { type Config, logSettingsOf } from '../settings/config.js';
import { API_SERVICE_NAME } from '../settings/table.js';

export function createApiConnector(config: Config, overrides: ConnectorOverrides = {}): Connector {
  // The metrics read the limiter's rate; the limiter is built with them as its observer.
  let limiter: RateLimiter | undefined;
  const budgetObserver = createPeriodicBudgetMetrics({
    metrics: new Metrics({
      namespace: config.metricsNamespace,
      serviceName: logSettingsOf(config, API_SERVICE_NAME).serviceName,
    }),
    stats: createBudgetStats(),
    rps: config.rateLimitRps,
    rate: () => limiter?.rate() ?? config.rateLimitRps,
    shared: config.rateBudgetTable !== null,
  });
  const connector = createConnector(config, { lane: 'api', budgetObserver, ...overrides });
  limiter = connector.limiter;
  return connector;
}
