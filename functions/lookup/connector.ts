/**
 * The composition root shared by both Lambdas: builds the respond.io directory (token source,
 * rate limiter, HTTP client) and the identifier parser once per container from the
 * configuration. Handlers receive the result; tests and the local run build their own. With
 * tracing (runtime/tracing.ts), the directory's lookups and the Secrets Manager calls are traced.
 * Last, the shared lookups (runtime/shared-lookups.ts) wrap the directory: single flight and the
 * optional contact cache.
 *
 * The rate limiter: with RATE_BUDGET_TABLE, the shared organisation budget (core/shared-limiter
 * drawing slots from the DynamoDB dispenser, in the lane of the function it serves), with the
 * container's static share as its fallback; without it, the static share alone. A container
 * with no static share (the file batch function, `noStaticShare`) needs the table and starts
 * nothing while it cannot be reached.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createBudgetTableClient,
  createDynamoDbSlotDispenser,
} from '../budget/dynamodb-dispenser.js';
import { floorRate, rateChangeFields } from '../budget/learned-rate.js';
import type { BudgetLane, BudgetObserver, RateLimiter } from '../budget/limiter.js';
import { budgetPlan } from '../budget/plan.js';
import { createSharedLimiter } from '../budget/shared-limiter.js';
import { createRateLimiter } from '../budget/static-limiter.js';
import { sleep } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Tracing } from '../platform/tracing.js';
import { type Config, ConfigError, containerRateLimit } from '../settings/config.js';
import type { IdentifierParser } from './identifier.js';
import { createIdentifiers } from './identifiers.js';
import type { ContactDirectory } from './lookup.js';
import type { TokenSource } from './respondio.js';
import { createRespondioDirectory } from './respondio.js';
import { createTokenObserver } from './token-observer.js';
import type { TokenObserver } from './token-source.js';
import { createSecretsTokenSource } from './token-source.js';
import { withSharedLookups } from './with-shared-lookups.js';

export interface Connector {
  readonly directory: ContactDirectory;
  readonly identifiers: IdentifierParser;
  readonly limiter: RateLimiter;
}

export interface ConnectorOverrides {
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  /** Where the token source's stale-token metric goes (createPowertoolsTokenMetrics). */
  readonly tokenMetrics?: TokenObserver;
  /** The waits before each token re-read after a 401 (core/token-rereads.ts); default the SQS function's. */
  readonly tokenRereadWaitsMs?: readonly number[];
  /** Default: no tracing. */
  readonly tracing?: Tracing;
  /**
   * Default true: single flight, and the contact cache when configured (runtime/shared-lookups.ts).
   * false leaves the directory as it was before them (the benchmark's baseline).
   */
  readonly shareLookups?: boolean;
  /** Which function this container serves (for the shared budget). Default 'api'. */
  readonly lane?: BudgetLane;
  /** Watches the shared budget (metrics). */
  readonly budgetObserver?: BudgetObserver;
  /** Default: a DynamoDB client with the SDK's defaults, built on first use. */
  readonly dynamodb?: DynamoDBClient;
  /** The shared budget's clock, epoch ms (benchmarks give containers skewed clocks). Default Date.now. */
  readonly budgetClock?: () => number;
  /** Replaces the rate limiter altogether (benchmarks measure another design with it). */
  readonly limiter?: RateLimiter;
  /**
   * The container has no static share of the budget (the file batch function: the static split
   * of the API and SQS functions has no room for it). It then needs RATE_BUDGET_TABLE, and
   * while the table cannot be reached it starts no request at all. Default false.
   */
  readonly noStaticShare?: boolean;
}

/** The container's rate limiter: the shared budget when a table is configured, else the static share. */
export function createContainerLimiter(
  config: Config,
  overrides: Pick<
    ConnectorOverrides,
    'lane' | 'budgetObserver' | 'dynamodb' | 'budgetClock' | 'logger' | 'tracing' | 'noStaticShare'
  > = {},
): RateLimiter {
  const noStaticShare = overrides.noStaticShare === true;
  const staticRps = noStaticShare ? 0 : containerRateLimit(config);
  const now = overrides.budgetClock ?? Date.now;
  const lane = overrides.lane ?? 'api';
  const learning = config.rateBudgetLearning;
  // The static share learns on its own (its changes are this container's alone).
  const fallback = noStaticShare
    ? null
    : createRateLimiter({
        requestsPerSecond: staticRps,
        now,
        learning,
        onRateChange: (change) => {
          overrides.logger?.info('Budget rate changed', {
            lane,
            shared: false,
            ...rateChangeFields(change, staticRps),
          });
          overrides.budgetObserver?.onRateChange?.({ ...change, lane });
        },
      });
  if (config.rateBudgetTable === null) {
    if (fallback === null) {
      throw new ConfigError(
        'Invalid configuration: RATE_BUDGET_TABLE is required (this function draws only on the shared budget)',
      );
    }
    return fallback;
  }
  // Traced, the budget table's calls are subsegments like the other AWS SDK calls.
  const dynamodb =
    overrides.dynamodb ??
    (overrides.tracing ? overrides.tracing.captureAwsClient(createBudgetTableClient()) : undefined);
  return createSharedLimiter({
    dispenser: createDynamoDbSlotDispenser({
      tableName: config.rateBudgetTable,
      timeoutMs: config.rateBudgetTimeoutMs,
      ...(dynamodb ? { client: dynamodb } : {}),
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
    lane,
    learning,
    now,
    sleep,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    ...(overrides.budgetObserver ? { observer: overrides.budgetObserver } : {}),
  });
}

export function createConnector(config: Config, overrides: ConnectorOverrides = {}): Connector {
  const tokens =
    overrides.tokens ??
    (() => {
      if (config.tokenSecretId === null) {
        throw new ConfigError(
          'Invalid configuration: RESPONDIO_TOKEN_SECRET_ID is required (the Secrets Manager secret holding the respond.io API token)',
        );
      }
      return createSecretsTokenSource({
        secretId: config.tokenSecretId,
        ttlMs: config.tokenCacheTtlMs,
        staleMaxMs: config.tokenStaleMaxMs,
        observer: createTokenObserver({
          ...(overrides.logger ? { logger: overrides.logger } : {}),
          ...(overrides.tokenMetrics ? { metrics: overrides.tokenMetrics } : {}),
        }),
        ...(overrides.tracing
          ? { client: overrides.tracing.captureAwsClient(new SecretsManagerClient({})) }
          : {}),
      });
    })();
  const limiter = overrides.limiter ?? createContainerLimiter(config, overrides);
  const directory = createRespondioDirectory({
    baseUrl: config.baseUrl,
    tokens,
    limiter,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    maxRetryAfterMs: config.maxRetryAfterMs,
    ...(overrides.tokenRereadWaitsMs ? { tokenRereadWaitsMs: overrides.tokenRereadWaitsMs } : {}),
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    ...(overrides.tracing ? { tracer: overrides.tracing.tracer } : {}),
  });
  // The decorator step: lookups of one identifier share a request; cached answers need none.
  const lookups =
    overrides.shareLookups === false
      ? directory
      : withSharedLookups(directory, config, overrides.logger ? { logger: overrides.logger } : {});
  return { directory: lookups, identifiers: createIdentifiers(config), limiter };
}
