/**
 * The API function built once per container from its settings: its logger, the budget in its API
 * lane (its metrics written at most once a minute: a lookup writes no metrics line of its own),
 * the lookups on it, and the middy handler. A test may hand in adapters it built instead.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createBudget, publishedEveryMinute, type RateLimiter } from '../budget/index.js';
import { createLookups, type LookupAdapters, type LookupDeps } from '../lookup/index.js';
import { createFunctionMetrics, createLogger } from '../platform/index.js';
import {
  API_SERVICE_NAME,
  type Config,
  logSettingsOf,
  requireSettings,
} from '../settings/index.js';
import { type ApiHandler, createApiHandler } from './app.js';

function createApiLookups(config: Config, adapters: LookupAdapters = {}): LookupDeps {
  const { logger, tracing, dynamodb } = adapters;
  const metrics: Metrics = adapters.metrics ?? createFunctionMetrics(config, API_SERVICE_NAME);
  const shared = config.rateBudgetTable !== null;
  const use = { rps: config.rateLimitRps, rate: () => budget.rate(), shared };
  const budget: RateLimiter =
    adapters.budget ??
    createBudget(config, 'api', {
      metrics,
      onStart: publishedEveryMinute(metrics, use),
      logger,
      tracing,
      dynamodb,
    });
  return createLookups(config, 'api', { ...adapters, metrics, budget });
}

export function createApiFunction(config: Config, adapters: LookupAdapters = {}): ApiHandler {
  requireSettings(config, 'api', adapters);
  const logger = createLogger(logSettingsOf(config, API_SERVICE_NAME));
  const { directory, identifiers } = createApiLookups(config, { logger, ...adapters });
  return createApiHandler({ directory, identifiers, config, logger });
}
