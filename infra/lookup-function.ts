/**
 * The two functions that look contacts up, built alike: the API function (lookup-api.ts) and the
 * SQS function (queue-pipeline.ts). Each is a ConnectorFunction with the variables passed through
 * from context plus the ones the stack computes: the token secret's id, one container's static
 * share of the rate budget, the budget table (rateBudget=shared) and the service name. Built in
 * the stack's own scope (the functions keep their logical ids); each feature grants its access.
 */

import type { Duration, Stack } from 'aws-cdk-lib';
import { containerRateLimit, loadConfig } from '../functions/settings/config.js';
import type { ConnectorConfig, FunctionEnvironment } from './connector-config.js';
import { ConnectorFunction } from './connector-function.js';
import type { RateBudgetTable } from './rate-budget-table.js';
import type { TokenSecret } from './token-secret.js';

/** What each lookup feature (the lookup API, the queue pipeline) is built from. */
export interface LookupFeatureProps {
  readonly config: ConnectorConfig;
  /** The handler file of the feature's function. */
  readonly entry: string;
  /** The repository root: the bundling input and where package-lock.json lives. */
  readonly projectRoot: string;
  readonly tokenSecret: TokenSecret;
  /** The shared budget's table; null with rateBudget=static. */
  readonly budgetTable: RateBudgetTable | null;
}

/** What tells the two functions apart. */
export interface LookupFunctionProps {
  readonly description: string;
  readonly timeout: Duration;
  /** The variables from context for this function (`config.passedThrough.api` or `.sqs`). */
  readonly passedThrough: FunctionEnvironment;
  /** One container's RESPONDIO_RATE_LIMIT_SHARE, and the rate the budget check counted for it. */
  readonly share: { readonly fraction: number; readonly rps: number };
  /** POWERTOOLS_SERVICE_NAME: the service dimension of the function's own metrics. */
  readonly serviceName: string;
  /** Further variables the stack computes (the SQS function's queue URLs). */
  readonly environment?: FunctionEnvironment;
  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
}

export function lookupFunction(
  stack: Stack,
  id: string,
  feature: LookupFeatureProps,
  props: LookupFunctionProps,
): ConnectorFunction {
  const { config, budgetTable } = feature;
  const environment = {
    ...props.passedThrough,
    ...(budgetTable === null ? {} : { RATE_BUDGET_TABLE: budgetTable.table.tableName }),
    RESPONDIO_TOKEN_SECRET_ID: feature.tokenSecret.secretId,
    RESPONDIO_RATE_LIMIT_SHARE: String(props.share.fraction),
    ...props.environment,
    POWERTOOLS_SERVICE_NAME: props.serviceName,
  };
  // The function reads its environment with this same loader: fail the synth, not the deploy.
  // The rate each container will keep must be the one the budget check counted.
  const kept = containerRateLimit(loadConfig(environment));
  if (kept !== props.share.rps) {
    throw new Error(
      `${id}: container rate ${kept} differs from the checked budget ${props.share.rps}`,
    );
  }
  return new ConnectorFunction(stack, id, {
    entry: feature.entry,
    projectRoot: feature.projectRoot,
    description: props.description,
    memorySize: config.memorySize,
    timeout: props.timeout,
    environment,
    logRetention: config.logRetentionDays,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    activeTracing: config.tracing,
  });
}
