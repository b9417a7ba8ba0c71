/**
 * The lookup feature's entry: a container's lookups, built once from its settings: the
 * identifier parser, and the respond.io client (the token from Secrets Manager, the container's
 * budget) behind single flight and the contact cache.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type BudgetUser, createBudget, type RateLimiter } from '../budget/index.js';
import type { Logger, Tracing } from '../platform/index.js';
import type { Config } from '../settings/index.js';
import { createIdentifierParser } from './identifier.js';
import type { LookupDeps } from './lookup.js';
import { createRespondioDirectory } from './respondio.js';
import { API_TOKEN_REREAD_WAITS_MS, SQS_TOKEN_REREAD_WAITS_MS } from './retry-plan.js';
import { shareLookups } from './shared-lookups.js';
import type { TokenSource } from './token.js';
import { createSecretsTokenSource } from './token-source.js';

export { classifyFailure } from './failure.js';
export { type IdentifierParser, loggableMessage } from './identifier.js';
export { isRecord } from './json.js';
export {
  type AnswerSource,
  type ContactDirectory,
  failedLookup,
  type LookupDeps,
  type LookupFailed,
  type LookupOutcome,
  type LookupResult,
  lookupContact,
} from './lookup.js';
export { type ContactRow, errorRow, OUTPUT_COLUMNS, shortMessage } from './row.js';
export type { TokenSource } from './token.js';

/** What a container (or a test, or a benchmark) hands the lookups; all optional. */
export interface LookupAdapters {
  /** Default: the secret RESPONDIO_TOKEN_SECRET_ID in Secrets Manager. */
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  /** For the `StaleToken` metric. */
  readonly metrics?: Metrics;
  readonly tracing?: Tracing;
  /** Default: createBudget for `user`. */
  readonly budget?: RateLimiter;
  /** The budget table's client, when the budget is built here. */
  readonly dynamodb?: DynamoDBClient;
}

/**
 * The lookups of one container of the function `user`. The API's caller is waiting, so after a
 * 401 it gets one more re-read of the token, a short wait later; a batch row comes back on its own.
 */
export function createLookups(
  config: Config,
  user: BudgetUser,
  adapters: LookupAdapters = {},
): LookupDeps {
  const { logger, metrics, tracing, dynamodb } = adapters;
  const budget =
    adapters.budget ?? createBudget(config, user, { logger, metrics, tracing, dynamodb });
  const tokens = adapters.tokens ?? secretsTokens(config, adapters);
  const directory = createRespondioDirectory({
    baseUrl: config.baseUrl,
    tokens,
    limiter: budget,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    maxRetryAfterMs: config.maxRetryAfterMs,
    tokenRereadWaitsMs: user === 'api' ? API_TOKEN_REREAD_WAITS_MS : SQS_TOKEN_REREAD_WAITS_MS,
    logger,
    tracer: tracing?.tracer,
  });
  return {
    identifiers: createIdentifierParser(config),
    directory: shareLookups(directory, { policy: config.contactCache, logger }),
  };
}

function secretsTokens(config: Config, adapters: LookupAdapters): TokenSource {
  const { logger, metrics, tracing } = adapters;
  return createSecretsTokenSource({
    secretId: config.tokenSecretId as string,
    ttlMs: config.tokenCacheTtlMs,
    staleMaxMs: config.tokenStaleMaxMs,
    logger,
    metrics,
    client: tracing?.captureAwsClient(new SecretsManagerClient({})),
  });
}
