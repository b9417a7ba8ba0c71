/**
 * The file workflow's three functions, each built once per container from its settings, over
 * the files bucket (S3, traced when tracing is on): the prepare step, the batch function (on the
 * budget's batch lane with no static share: the static split has no room for it) and the
 * finishing steps. A test or the local run may hand in adapters it built instead.
 */

import { S3Client } from '@aws-sdk/client-s3';
import { type BatchAdapters, createBatchLane, maxInFlightFor } from '../batches/index.js';
import { createLogger, NO_TRACING, sleep, type Tracing } from '../platform/index.js';
import {
  type Config,
  containerCeilingRps,
  FILES_SERVICE_NAME,
  logSettingsOf,
  requireSettings,
} from '../settings/index.js';
import { createAssembleHandler } from './assemble.js';
import { createFileBatchHandler, type FileBatchHandler } from './batch.js';
import { createFailureReportHandler } from './failure-report.js';
import { createPrepareHandler, type PrepareHandler } from './prepare.js';
import { createS3FileStore } from './s3-store.js';
import type { Assembled, AssembleEvent, FailEvent, Reported } from './steps.js';
import type { FileStore } from './store.js';

interface FileAdapters {
  /** Default: the files bucket FILES_BUCKET through `s3`. */
  readonly store?: FileStore;
  /** Default: `new S3Client({})` (region, credentials and AWS_ENDPOINT_URL_S3 from the environment). */
  readonly s3?: S3Client;
  /** Default: no tracing (the entry points load it from the configuration). */
  readonly tracing?: Tracing;
}

function fileStore(config: Config, adapters: FileAdapters): FileStore {
  if (adapters.store) return adapters.store;
  const tracing = adapters.tracing ?? NO_TRACING;
  const client = adapters.s3 ?? tracing.captureAwsClient(new S3Client({}));
  return createS3FileStore({ client, bucket: config.filesBucket as string });
}

const filesLogger = (config: Config) => createLogger(logSettingsOf(config, FILES_SERVICE_NAME));

export function createPrepareFunction(config: Config, adapters: FileAdapters = {}): PrepareHandler {
  requireSettings(config, 'file-steps', adapters);
  const store = fileStore(config, adapters);
  return createPrepareHandler({ store, limits: config, logger: filesLogger(config) });
}

export interface FileBatchAdapters extends FileAdapters, BatchAdapters {
  /** Waits between a batch's rounds (tests make them short). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createFileBatchFunction(
  config: Config,
  adapters: FileBatchAdapters = {},
): FileBatchHandler {
  requireSettings(config, 'file-batch', adapters);
  return createFileBatchHandler({
    ...createBatchLane(config, 'files', FILES_SERVICE_NAME, adapters),
    store: fileStore(config, adapters),
    sleep: adapters.sleep ?? sleep,
    errorBehavior: config.errorBehavior,
    maxInFlight: maxInFlightFor(containerCeilingRps(config)),
    rowBudgetMs: config.requestTimeoutMs,
  });
}

export type FinishEvent = AssembleEvent | FailEvent;
export type FinishHandler = {
  (event: AssembleEvent): Promise<Assembled>;
  (event: FailEvent): Promise<Reported>;
  (event: FinishEvent): Promise<Assembled | Reported>;
};

/** Both finishing steps: one function, since they need the same access to the bucket. */
export function createFinishFunction(config: Config, adapters: FileAdapters = {}): FinishHandler {
  requireSettings(config, 'file-steps', adapters);
  const store = fileStore(config, adapters);
  const logger = filesLogger(config);
  const assemble = createAssembleHandler({ store, errorBehavior: config.errorBehavior, logger });
  const report = createFailureReportHandler({ store, logger });
  return ((event: FinishEvent) => {
    if (event?.step === 'assemble') return assemble(event);
    if (event?.step === 'fail') return report(event);
    return Promise.reject(new Error('The finish event names no step (assemble or fail)'));
  }) as FinishHandler;
}
