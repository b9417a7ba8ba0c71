/**
 * What both batch functions build the same way once per container: the logger, the budget in its
 * batch lane, the lookups on it, and the CloudWatch batch metrics (with the budget's use).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createBudget, type RateLimiter } from '../budget/index.js';
import { createLookups, type LookupDeps, type TokenSource } from '../lookup/index.js';
import {
  createFunctionMetrics,
  createLogger,
  type Logger,
  type Tracing,
} from '../platform/index.js';
import { type Config, logSettingsOf } from '../settings/index.js';
import { type BatchMetrics, createPowertoolsBatchMetrics } from './metrics.js';

/** What a test or benchmark may hand a batch function instead of the real thing; all optional. */
export interface BatchAdapters {
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  /** Given batch metrics replace CloudWatch altogether (no budget or token metrics either). */
  readonly metrics?: BatchMetrics;
  /** Default: no tracing (the entry point loads it from the configuration). */
  readonly tracing?: Tracing;
  readonly budget?: RateLimiter;
  /** The budget table's client, when the budget is built here. */
  readonly dynamodb?: DynamoDBClient;
}

interface BatchLane extends LookupDeps {
  readonly logger: Logger;
  readonly metrics: BatchMetrics;
  /** The respond.io rate the budget allows now (the learned rate), requests/s. */
  readonly budgetRate: () => number;
}

export function createBatchLane(
  config: Config,
  user: 'queue' | 'files',
  serviceName: string,
  adapters: BatchAdapters,
): BatchLane {
  const logger = adapters.logger ?? createLogger(logSettingsOf(config, serviceName));
  const cloudWatch =
    adapters.metrics === undefined ? createFunctionMetrics(config, serviceName) : undefined;
  const shared = { logger, ...(cloudWatch ? { metrics: cloudWatch } : {}) };
  const { tracing, dynamodb, tokens } = adapters;
  const budget = adapters.budget ?? createBudget(config, user, { ...shared, tracing, dynamodb });
  const lookups = createLookups(config, user, { ...shared, budget, tracing, tokens });
  const use = {
    rps: config.rateLimitRps,
    rate: () => budget.rate(),
    shared: config.rateBudgetTable !== null,
  };
  return {
    ...lookups,
    logger,
    metrics:
      adapters.metrics ??
      createPowertoolsBatchMetrics(cloudWatch as NonNullable<typeof cloudWatch>, use),
    budgetRate: () => budget.rate(),
  };
}
