/**
 * The file workflow's adapters, built once per container: the files bucket (S3, traced when
 * tracing is on) for all three steps, and for the batch function the respond.io directory of
 * the shared budget's batch lane with no static share (its containers draw only on the budget
 * table; the static split has no room for them), the identifier parser, its logger and the
 * CloudWatch batch metrics (with the budget's). The entry points (functions/files/*-handler.ts)
 * hand them to the steps.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { sleep } from '../adapters/clock.js';
import {
  createPowertoolsBatchMetrics,
  createPowertoolsTokenMetrics,
} from '../adapters/cloudwatch-metrics.js';
import { createS3FileStore } from '../adapters/s3-file-store.js';
import { createBudgetStats } from '../core/budget-stats.js';
import { type Config, type FileSettings, logSettingsOf } from '../core/config.js';
import type { IdentifierParser } from '../core/identifier.js';
import type {
  BatchMetrics,
  BudgetObserver,
  ContactDirectory,
  FileStore,
  Logger,
  TokenSource,
} from '../core/ports.js';
import { FILES_SERVICE_NAME } from '../core/settings.js';
import { createUpstreamStats, type UpstreamStats } from '../core/upstream-stats.js';
import { composeBudgetObservers } from './budget-observers.js';
import { createConnector } from './connector.js';
import { createLogger } from './logger.js';
import { createFunctionMetrics } from './metrics.js';
import { NO_TRACING, type Tracing } from './tracing.js';

export interface FileStoreOverrides {
  /** Default: `new S3Client({})` (region, credentials and AWS_ENDPOINT_URL_S3 from the environment). */
  readonly s3?: S3Client;
  /** Default: no tracing (the entry points load it from the configuration). */
  readonly tracing?: Tracing;
}

/** The files bucket of FILES_BUCKET. */
export function createFileStore(
  settings: Pick<FileSettings, 'bucket'>,
  overrides: FileStoreOverrides = {},
): FileStore {
  const tracing = overrides.tracing ?? NO_TRACING;
  const client = overrides.s3 ?? tracing.captureAwsClient(new S3Client({}));
  return createS3FileStore({ client, bucket: settings.bucket });
}

export interface FileBatchAdapterOverrides extends FileStoreOverrides {
  readonly store?: FileStore;
  readonly tokens?: TokenSource;
  readonly logger?: Logger;
  readonly metrics?: BatchMetrics;
  /** The shared budget: its DynamoDB client, its clock, an extra observer (see ConnectorOverrides). */
  readonly dynamodb?: DynamoDBClient;
  readonly budgetClock?: () => number;
  readonly budgetObserver?: BudgetObserver;
}

export interface FileBatchAdapters {
  readonly directory: ContactDirectory;
  readonly identifiers: IdentifierParser;
  readonly store: FileStore;
  readonly logger: Logger;
  readonly metrics: BatchMetrics;
  readonly upstream: UpstreamStats;
  /** For the waits between a batch's rounds. */
  readonly sleep: (ms: number) => Promise<void>;
}

export function createFileBatchAdapters(
  config: Config,
  settings: Pick<FileSettings, 'bucket'>,
  overrides: FileBatchAdapterOverrides = {},
): FileBatchAdapters {
  const logger = overrides.logger ?? createLogger(logSettingsOf(config, FILES_SERVICE_NAME));
  const upstream = createUpstreamStats();
  const cloudWatch =
    overrides.metrics === undefined ? createFunctionMetrics(config, FILES_SERVICE_NAME) : null;
  const budget = createBudgetStats();
  const { directory, identifiers } = createConnector(config, {
    observer: upstream.observer,
    logger,
    lane: 'batch',
    noStaticShare: true,
    budgetObserver: composeBudgetObservers(budget.observer, overrides.budgetObserver),
    ...(overrides.tokens ? { tokens: overrides.tokens } : {}),
    ...(cloudWatch ? { tokenMetrics: createPowertoolsTokenMetrics(cloudWatch) } : {}),
    ...(overrides.tracing ? { tracing: overrides.tracing } : {}),
    ...(overrides.dynamodb ? { dynamodb: overrides.dynamodb } : {}),
    ...(overrides.budgetClock ? { budgetClock: overrides.budgetClock } : {}),
  });
  return {
    directory,
    identifiers,
    store: overrides.store ?? createFileStore(settings, overrides),
    logger,
    metrics:
      overrides.metrics ??
      createPowertoolsBatchMetrics(cloudWatch as Metrics, {
        stats: budget,
        rps: config.rateLimitRps,
      }),
    upstream,
    sleep,
  };
}
