/**
 * The file workflow's adapters, built once per container: the files bucket (S3, traced when
 * tracing is on) for all three steps, and for the batch function its batch lane
 * (runtime/batch-lane.ts) with no static share (its containers draw only on the budget table;
 * the static split has no room for them). The entry points (functions/files/*-handler.ts)
 * hand them to the steps.
 */

import { S3Client } from '@aws-sdk/client-s3';
import { type BatchLane, type BatchLaneOverrides, createBatchLane } from '../batches/lane.js';
import { sleep } from '../platform/clock.js';
import { NO_TRACING, type Tracing } from '../platform/tracing.js';
import type { Config, FileSettings } from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import { createS3FileStore } from './s3-store.js';
import type { FileStore } from './store.js';

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

export interface FileBatchAdapterOverrides extends FileStoreOverrides, BatchLaneOverrides {
  readonly store?: FileStore;
}

export interface FileBatchAdapters extends BatchLane {
  readonly store: FileStore;
  /** For the waits between a batch's rounds. */
  readonly sleep: (ms: number) => Promise<void>;
}

export function createFileBatchAdapters(
  config: Config,
  settings: Pick<FileSettings, 'bucket'>,
  overrides: FileBatchAdapterOverrides = {},
): FileBatchAdapters {
  return {
    // No static share: the static split has no room for the file containers.
    ...createBatchLane(config, FILES_SERVICE_NAME, overrides, { noStaticShare: true }),
    store: overrides.store ?? createFileStore(settings, overrides),
    sleep,
  };
}
