/**
 * The local file workflow: the real steps (functions/files/: prepare, the file batch function,
 * assemble and the failure report) on a local S3 bucket (fauxqs), run by the local state
 * machine (local/file-runner.ts) for each upload the input watcher sees (local/input-watcher.ts,
 * the EventBridge rule's stand-in). The map's plan comes from `fileWorkflowPlan` with the
 * stack's setting defaults (fileBatchSize, fileMaxConcurrency, fileBatchTimeoutSeconds), so the
 * local run and the deployed one cannot drift. `npm start`, `npm run batch -- --via-files`'s
 * tests and the benchmark run it.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import type { FileBatchHandler } from '../functions/files/batch.js';
import {
  createFileBatchFunction,
  createFinishFunction,
  createPrepareFunction,
  type FileBatchAdapters,
} from '../functions/files/container.js';
import { createS3FileStore } from '../functions/files/s3-store.js';
import type { FileStore } from '../functions/files/store.js';
import {
  FILE_PREFIXES,
  type FileWorkflowPlan,
  fileWorkflowPlan,
} from '../functions/files/workflow.js';
import { loadConfig } from '../functions/settings/config.js';
import { SETTINGS } from '../functions/settings/table.js';
import {
  type BatchAttempt,
  createFileRunner,
  type FileRunner,
  type RunOutcome,
} from './file-runner.js';
import { type InputWatcher, watchInput } from './input-watcher.js';
import { LOCAL_FILES_BUCKET, localS3Client } from './local-s3.js';

/** The map's plan as the stack builds it from its default settings. */
export function defaultFilePlan(): FileWorkflowPlan {
  return fileWorkflowPlan({
    batchSize: SETTINGS.fileBatchSize.default,
    maxConcurrency: SETTINGS.fileMaxConcurrency.default,
  });
}

export const DEFAULT_BATCH_TIMEOUT_MS = SETTINGS.fileBatchTimeoutSeconds.default * 1000;

/** A run the watcher started, when it starts and when it ends. */
export type RunEvent =
  | { readonly phase: 'started'; readonly runId: string; readonly key: string }
  | {
      readonly phase: 'ended';
      readonly runId: string;
      readonly key: string;
      readonly outcome: RunOutcome;
    };

export interface FilePipelineOptions {
  /** The local S3 (fauxqs) endpoint, e.g. the local SQS pipeline's, which speaks S3 too. */
  readonly s3Endpoint: string;
  /** Default LOCAL_FILES_BUCKET (it must exist). */
  readonly bucket?: string;
  /** The functions' variables (respond.io, token secret, RATE_BUDGET_TABLE, ERROR_BEHAVIOR, FILE_MAX_*). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The adapters of each batch container (tests give tokens, a DynamoDB client, a logger, a budget). */
  readonly batchAdapters?: () => FileBatchAdapters;
  /** Wraps each batch function container (tests inject a crash). */
  readonly wrapBatch?: (handler: FileBatchHandler) => FileBatchHandler;
  /** Default `defaultFilePlan()`. */
  readonly plan?: FileWorkflowPlan;
  /** Default fileBatchTimeoutSeconds' default. */
  readonly batchTimeoutMs?: number;
  /** Multiplies the batch retry waits (default 1: as deployed). */
  readonly retryWaitScale?: number;
  /** Between two listings of the input prefix. Default 1000. */
  readonly pollMs?: number;
  readonly onRun?: (event: RunEvent) => void;
  readonly onBatch?: (attempt: BatchAttempt) => void;
  /** A listing of the input prefix failed. */
  readonly onWatchError?: (error: unknown) => void;
}

export interface FilePipeline {
  readonly endpoint: string;
  readonly bucket: string;
  readonly plan: FileWorkflowPlan;
  /** The bucket, as the steps see it. */
  readonly store: FileStore;
  readonly client: S3Client;
  readonly runner: FileRunner;
  /** The next run of `key` that ends (call it before the upload). */
  nextRunOf(key: string): Promise<RunOutcome>;
  /** Stops watching; waits for the runs in flight (no further batch starts). */
  stop(): Promise<void>;
}

export async function startFilePipeline(options: FilePipelineOptions): Promise<FilePipeline> {
  const env = options.env ?? process.env;
  const bucket = options.bucket ?? LOCAL_FILES_BUCKET;
  const config = loadConfig({ ...env, FILES_BUCKET: bucket });
  const client = localS3Client(options.s3Endpoint);
  const store = createS3FileStore({ client, bucket });
  const plan = options.plan ?? defaultFilePlan();
  const wrap = options.wrapBatch ?? ((handler: FileBatchHandler) => handler);
  const runner = createFileRunner({
    steps: {
      prepare: createPrepareFunction(config, { store }),
      createBatch: () =>
        wrap(
          createFileBatchFunction(config, {
            store,
            metrics: { publish() {} },
            ...options.batchAdapters?.(),
          }),
        ),
      finish: createFinishFunction(config, { store }),
    },
    store,
    plan,
    batchTimeoutMs: options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
    ...(options.retryWaitScale === undefined ? {} : { retryWaitScale: options.retryWaitScale }),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });

  const waiting = new Map<string, ((outcome: RunOutcome) => void)[]>();
  let counter = 0;
  const start = (key: string) => {
    // An execution name: unique, sortable by start, in Step Functions' alphabet.
    counter += 1;
    const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${counter}`;
    options.onRun?.({ phase: 'started', runId, key });
    runner.run({ bucket, key, versionId: null }, { runId }).then(
      (outcome) => {
        options.onRun?.({ phase: 'ended', runId, key, outcome });
        for (const resolve of waiting.get(key)?.splice(0) ?? []) resolve(outcome);
      },
      () => {}, // Stopped before it started.
    );
  };
  let watcher: InputWatcher;
  try {
    watcher = await watchInput({
      client,
      bucket,
      prefix: FILE_PREFIXES.input,
      pollMs: options.pollMs ?? 1000,
      onObject: (request) => start(request.key),
      ...(options.onWatchError ? { onError: options.onWatchError } : {}),
    });
  } catch (error) {
    client.destroy();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint: options.s3Endpoint,
    bucket,
    plan,
    store,
    client,
    runner,
    nextRunOf(key) {
      return new Promise((resolve) => {
        const list = waiting.get(key) ?? [];
        list.push(resolve);
        waiting.set(key, list);
      });
    },
    stop() {
      stopped ??= (async () => {
        await watcher.stop();
        await runner.stop();
        client.destroy();
      })();
      return stopped;
    },
  };
}
