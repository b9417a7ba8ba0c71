/**
 * The budget feature's entry: one container's rate limiter. With RATE_BUDGET_TABLE, the shared
 * organisation budget (docs/shared-budget.md) with the static share as its fallback;
 * without it, the static share alone. The file batch function has no static share (the API and
 * SQS functions' static split leaves no room for it), so it needs the table.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Logger, sleep, type Tracing } from '../platform/index.js';
import { type Config, containerRateLimit } from '../settings/index.js';
import { createBudgetTableClient, createDynamoDbSlotDispenser } from './dynamodb-dispenser.js';
import { floorRate } from './learned-rate.js';
import type { BudgetLane, RateLimiter, StartHook } from './limiter.js';
import { budgetPlan } from './plan.js';
import { createSharedLimiter } from './shared-limiter.js';
import { createRateLimiter } from './static-limiter.js';

export type { RateLimiter, StartHook } from './limiter.js';
export { addBudgetUse, type BudgetUseSource, publishedEveryMinute } from './metrics.js';

/** The function a budget serves: its lane, and whether it has a static share. */
export type BudgetUser = 'api' | 'queue' | 'files';

const LANES: Record<BudgetUser, BudgetLane> = { api: 'api', queue: 'batch', files: 'batch' };

/** What a container (or a test, or a benchmark) hands the budget; all optional. */
interface BudgetAdapters {
  /** The budget table's client. Default: the SDK's defaults, one attempt per request. */
  readonly dynamodb?: DynamoDBClient;
  /** Epoch ms (benchmarks give containers skewed clocks). Default Date.now. */
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Traced, the budget table's calls are subsegments like the other AWS SDK calls. */
  readonly tracing?: Tracing;
  /** Told each request allowed to start. */
  readonly onStart?: StartHook;
}

export function createBudget(
  config: Config,
  user: BudgetUser,
  adapters: BudgetAdapters = {},
): RateLimiter {
  const { logger, metrics, onStart } = adapters;
  const lane = LANES[user];
  const staticRps = user === 'files' ? 0 : containerRateLimit(config);
  const now = adapters.now ?? Date.now;
  const learning = config.rateBudgetLearning;
  const observers = { lane, logger, metrics };
  const shared = config.rateBudgetTable !== null;
  // The static share learns on its own (its changes are this container's alone).
  const fallback =
    staticRps === 0
      ? null
      : createRateLimiter({
          requestsPerSecond: staticRps,
          now,
          learning,
          ...observers,
          // With the table, the shared limiter tells each start (the fallback's too).
          onStart: shared ? undefined : onStart,
        });
  if (config.rateBudgetTable === null) {
    // The file batch function's factory requires RATE_BUDGET_TABLE (requireSettings).
    if (fallback === null) throw new Error('A budget with no static share needs RATE_BUDGET_TABLE');
    return fallback;
  }
  const client =
    adapters.dynamodb ??
    (adapters.tracing ? adapters.tracing.captureAwsClient(createBudgetTableClient()) : undefined);
  return createSharedLimiter({
    dispenser: createDynamoDbSlotDispenser({
      tableName: config.rateBudgetTable,
      timeoutMs: config.rateBudgetTimeoutMs,
      client,
    }),
    fallback,
    fallbackRps: staticRps,
    plan: budgetPlan({
      rps: config.rateLimitRps,
      clockSkewMs: config.rateBudgetClockSkewMs,
      coordinatorTimeoutMs: config.rateBudgetTimeoutMs,
      batchMinShare: config.rateBudgetBatchMinShare,
      floorRps: learning ? floorRate(config.rateLimitRps) : config.rateLimitRps,
    }),
    now,
    sleep,
    learning,
    ...observers,
    onStart,
  });
}
