/**
 * What every batch function of the connector (the SQS function, the file batch function) builds
 * the same way once per container: its logger, the respond.io directory in the shared budget's
 * batch lane with the identifier parser, and the CloudWatch batch metrics
 * (with the budget's: the learned rate always, the slot dispenser's with a budget table). The functions' own adapters (queues,
 * the files bucket) are built next to it in sqs-adapters.ts and file-adapters.ts.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BudgetObserver, RateLimiter } from '../budget/limiter.js';
import { composeBudgetObservers } from '../budget/observers.js';
import { createBudgetStats } from '../budget/stats.js';
import { createConnector } from '../lookup/connector.js';
import type { IdentifierParser } from '../lookup/identifier.js';
import type { ContactDirectory } from '../lookup/lookup.js';
import type { TokenSource } from '../lookup/respondio.js';
import type { Logger } from '../platform/logger.js';
import { createLogger } from '../platform/logger.js';
import { createFunctionMetrics } from '../platform/metrics.js';
import type { Tracing } from '../platform/tracing.js';
import { type Config, logSettingsOf } from '../settings/config.js';
import type { BatchMetrics } from './metrics.js';
import { createPowertoolsBatchMetrics, createPowertoolsTokenMetrics } from './metrics.js';

export interface BatchLaneOverrides {
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  /** Given batch metrics (tests, benchmarks) replace CloudWatch altogether. */
  readonly metrics?: BatchMetrics;
  /** Default: no tracing (the entry point loads it from the configuration). */
  readonly tracing?: Tracing;
  /** Default true; false only for the benchmark's baseline (see ConnectorOverrides). */
  readonly shareLookups?: boolean;
  /** The shared budget: its DynamoDB client, its clock, an extra observer (see ConnectorOverrides). */
  readonly dynamodb?: DynamoDBClient;
  readonly budgetClock?: () => number;
  readonly budgetObserver?: BudgetObserver;
  /** Replaces the rate limiter altogether (benchmarks). */
  readonly limiter?: RateLimiter;
}

export interface BatchLane {
  readonly directory: ContactDirectory;
  readonly identifiers: IdentifierParser;
  readonly logger: Logger;
  readonly metrics: BatchMetrics;
  /** The respond.io rate the budget allows now (the learned rate), requests/s. */
  readonly budgetRate: () => number;
}

export function createBatchLane(
  config: Config,
  serviceName: string,
  overrides: BatchLaneOverrides,
  /** The container has no static share of the budget (see ConnectorOverrides.noStaticShare). */
  options: { readonly noStaticShare?: boolean } = {},
): BatchLane {
  // POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE arrive through the configuration:
  // Powertools prefers constructor options over its environment variables.
  const logger = overrides.logger ?? createLogger(logSettingsOf(config, serviceName));
  const cloudWatch =
    overrides.metrics === undefined ? createFunctionMetrics(config, serviceName) : null;
  const budget = createBudgetStats();
  const { directory, identifiers, limiter } = createConnector(config, {
    logger,
    lane: 'batch',
    budgetObserver: composeBudgetObservers(budget.observer, overrides.budgetObserver),
    ...(options.noStaticShare ? { noStaticShare: true } : {}),
    ...(overrides.tokens ? { tokens: overrides.tokens } : {}),
    ...(cloudWatch ? { tokenMetrics: createPowertoolsTokenMetrics(cloudWatch) } : {}),
    ...(overrides.tracing ? { tracing: overrides.tracing } : {}),
    ...(overrides.shareLookups === false ? { shareLookups: false } : {}),
    ...(overrides.dynamodb ? { dynamodb: overrides.dynamodb } : {}),
    ...(overrides.budgetClock ? { budgetClock: overrides.budgetClock } : {}),
    ...(overrides.limiter ? { limiter: overrides.limiter } : {}),
  });
  return {
    directory,
    identifiers,
    logger,
    metrics:
      overrides.metrics ??
      createPowertoolsBatchMetrics(cloudWatch as Metrics, {
        stats: budget,
        rps: config.rateLimitRps,
        rate: () => limiter.rate(),
        shared: config.rateBudgetTable !== null,
      }),
    budgetRate: () => limiter.rate(),
  };
}
