/**
 * A local stand-in for the file workflow's state machine, with the distributed map's semantics,
 * driving the real steps (functions/files/): prepare → (refused: the failure step) → the map
 * (local/map-items.ts: the ItemReader on the checked object version, the ItemSelector's
 * `{index, row}`, the ItemBatcher's batches with their BatchInput) running batches on batch
 * function "containers", at most `plan.maxConcurrency` at once, each invocation with a context
 * counting down from the batch timeout → assemble → succeeded, or failed with RowsFailed when
 * the assembled results say so.
 *
 * A batch that throws or times out is retried after `batchRetryWaitsSeconds(plan.retry)` (times
 * `retryWaitScale`, which tests and the benchmark shorten), up to `plan.retry.maxAttempts`
 * times; then the map fails as with ToleratedFailurePercentage 0
 * (States.ExceedToleratedFailureThreshold): no further batch starts, those running finish, and
 * the failure step writes the error summary. Any step that throws goes to the failure step, as
 * the state machine's Catch does, with the Lambda error's Error and Cause.
 */

import { randomUUID } from 'node:crypto';
import type { FileBatchHandler } from '../functions/files/batch.js';
import type { FinishHandler } from '../functions/files/container.js';
import type {
  Assembled,
  BatchEvent,
  CaughtFailure,
  Prepared,
  PrepareEvent,
  Reported,
  RunRequest,
} from '../functions/files/steps.js';
import type { FileStore } from '../functions/files/store.js';
import {
  batchRetryWaitsSeconds,
  FILE_ERRORS,
  type FileWorkflowPlan,
} from '../functions/files/workflow.js';
import { batchItems, ItemReaderFailedError, readItems } from './map-items.js';

export interface FileSteps {
  readonly prepare: (event: PrepareEvent) => Promise<Prepared>;
  /** Builds one batch function container (the runner keeps idle ones for the next batch). */
  readonly createBatch: () => FileBatchHandler;
  readonly finish: FinishHandler;
}

/** One invocation of the batch function, as it ended. */
export interface BatchAttempt {
  readonly runId: string;
  readonly first: number;
  readonly rows: number;
  /** 0 for the first attempt. */
  readonly attempt: number;
  /** The error's name when the invocation failed (threw or timed out). */
  readonly error?: string;
}

export interface FileRunnerOptions {
  readonly steps: FileSteps;
  /** The files bucket, for the map's ItemReader. */
  readonly store: FileStore;
  readonly plan: FileWorkflowPlan;
  /** The batch function's timeout (fileBatchTimeoutSeconds): its context counts down from it. */
  readonly batchTimeoutMs: number;
  /** Multiplies the retry waits: 1 (the default) waits as Step Functions does. */
  readonly retryWaitScale?: number;
  readonly onBatch?: (attempt: BatchAttempt) => void;
}

export type RunStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** How a run ended: the execution's status, and its Fail state's Error and Cause. */
export interface RunOutcome {
  readonly runId: string;
  readonly status: RunStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly prepared?: Prepared;
  readonly assembled?: Assembled;
  readonly reported?: Reported;
  /** Batch invocations, and those that failed (thrown or timed out). */
  readonly invocations: number;
  readonly failedInvocations: number;
}

export interface FileRunner {
  /** One execution for the object; the run id is its name (default a fresh UUID). */
  run(request: RunRequest, options?: { readonly runId?: string }): Promise<RunOutcome>;
  /** No further batch or step starts; resolves when the running ones have ended. */
  stop(): Promise<void>;
}

/** The Catch's view of a Lambda error: its name, and the JSON Cause Lambda gives. */
function caught(error: unknown): CaughtFailure {
  if (error instanceof ItemReaderFailedError) return { Error: error.name, Cause: error.message };
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) };
}

class BatchTimedOut extends Error {
  override readonly name = 'Sandbox.Timedout';
}

interface Counts {
  invocations: number;
  failedInvocations: number;
}

class Aborted extends Error {
  override readonly name = 'Aborted';
}

export function createFileRunner(options: FileRunnerOptions): FileRunner {
  const { steps, store, plan } = options;
  const waitsMs = batchRetryWaitsSeconds(plan.retry).map(
    (seconds) => seconds * 1000 * (options.retryWaitScale ?? 1),
  );
  const idle: FileBatchHandler[] = [];
  const running = new Set<Promise<unknown>>();
  const stopping = new AbortController();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done);
    });

  /** One invocation on an idle container (or a new one); a timed-out container is dropped. */
  async function invoke(event: BatchEvent): Promise<void> {
    const container = idle.pop() ?? steps.createBatch();
    const deadline = Date.now() + options.batchTimeoutMs;
    const context = {
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      awsRequestId: randomUUID(),
    };
    let timer: NodeJS.Timeout | undefined;
    const call = container(event, context);
    track(call);
    try {
      await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new BatchTimedOut(`timed out after ${options.batchTimeoutMs} ms`)),
            options.batchTimeoutMs,
          );
        }),
      ]);
      idle.push(container);
    } catch (error) {
      if (!(error instanceof BatchTimedOut)) idle.push(container);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A batch with its retries: null when it succeeded, else the map's failure. */
  async function runBatch(event: BatchEvent, counts: Counts): Promise<CaughtFailure | null> {
    const { runId } = event.BatchInput;
    const first = event.Items[0]?.index ?? 0;
    const last = event.Items[event.Items.length - 1]?.index ?? first;
    for (let attempt = 0; ; attempt += 1) {
      counts.invocations += 1;
      try {
        await invoke(event);
        options.onBatch?.({ runId, first, rows: event.Items.length, attempt });
        return null;
      } catch (error) {
        counts.failedInvocations += 1;
        const { Error: name } = caught(error);
        options.onBatch?.({ runId, first, rows: event.Items.length, attempt, error: name });
        const wait = waitsMs[attempt];
        if (wait === undefined || stopping.signal.aborted) {
          const message = error instanceof Error ? error.message : String(error);
          return {
            Error: 'States.ExceedToleratedFailureThreshold',
            Cause: `the batch of rows ${first}-${last} failed ${attempt + 1} times (last: ${name}: ${message})`,
          };
        }
        await pause(wait);
      }
    }
  }

  /** The distributed map: every batch, at most maxConcurrency at once; null when all succeeded. */
  async function map(
    prepared: Prepared & { accepted: true },
    counts: Counts,
  ): Promise<CaughtFailure | null> {
    const { runId, format, columns, partsPrefix, input } = prepared;
    const items = readItems(format, store.readText(input.key, input.versionId));
    const batches = batchItems(items, { runId, format, columns, partsPrefix }, plan);
    let failure: CaughtFailure | null = null;
    const worker = async () => {
      while (failure === null && !stopping.signal.aborted) {
        let next: IteratorResult<BatchEvent>;
        try {
          next = await batches.next();
        } catch (error) {
          failure ??= caught(error);
          return;
        }
        if (next.done) return;
        const failed = await runBatch(next.value, counts);
        if (failed !== null) failure ??= failed;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, plan.maxConcurrency) }, worker));
    if (failure === null && stopping.signal.aborted) return caught(new Aborted('stopped'));
    return failure;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => {},
      () => {},
    );
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return work;
  }

  async function execute(request: RunRequest, runId: string): Promise<RunOutcome> {
    const event: PrepareEvent = { ...request, runId, startedAt: new Date().toISOString() };
    const counts: Counts = { invocations: 0, failedInvocations: 0 };
    const count = () => ({ ...counts });

    const fail = async (prepared: Prepared | undefined, failure: CaughtFailure) => {
      const base = { runId, ...(prepared ? { prepared } : {}) };
      if (stopping.signal.aborted) return { ...base, status: 'ABORTED' as const, ...count() };
      try {
        const reported = await steps.finish({ ...event, step: 'fail', ...base, failure });
        const { error, cause } = reported;
        return { ...base, status: 'FAILED' as const, error, cause, reported, ...count() };
      } catch (error) {
        const { Error: name, Cause } = caught(error);
        return { ...base, status: 'FAILED' as const, error: name, cause: Cause, ...count() };
      }
    };

    let prepared: Prepared;
    try {
      prepared = await steps.prepare(event);
    } catch (error) {
      return fail(undefined, caught(error));
    }
    if (!prepared.accepted) {
      return fail(prepared, { Error: prepared.error, Cause: prepared.cause });
    }
    const failure = await map(prepared, counts).catch(caught);
    if (failure !== null) return fail(prepared, failure);
    let assembled: Assembled;
    try {
      assembled = await steps.finish({ step: 'assemble', prepared });
    } catch (error) {
      return fail(prepared, caught(error));
    }
    const base = { runId, prepared, assembled, ...count() };
    if (!assembled.failed) return { ...base, status: 'SUCCEEDED' };
    return {
      ...base,
      status: 'FAILED',
      error: assembled.error ?? FILE_ERRORS.rowsFailed,
      cause: assembled.cause ?? 'rows failed',
    };
  }

  return {
    run(request, runOptions = {}) {
      if (stopping.signal.aborted) return Promise.reject(new Aborted('the runner was stopped'));
      return track(execute(request, runOptions.runId ?? randomUUID()));
    },
    async stop() {
      stopping.abort();
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
