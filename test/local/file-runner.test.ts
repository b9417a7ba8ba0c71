/**
 * The local state machine of the file workflow (local/file-runner.ts) with stand-in steps over
 * an in-memory bucket: the ItemReader/ItemSelector/ItemBatcher's batches, the bounded
 * concurrency, the retry of a whole batch (thrown or timed out), the map's failure after the
 * retries (tolerated failure 0), a refused file and failed rows.
 */

import { describe, expect, it } from '@jest/globals';
import type { FileBatchHandler } from '../../functions/files/batch.js';
import type { FinishHandler } from '../../functions/files/container.js';
import type {
  Assembled,
  BatchEvent,
  FailEvent,
  Prepared,
  PrepareEvent,
} from '../../functions/files/steps.js';
import { fileWorkflowPlan, partsPrefixFor } from '../../functions/files/workflow.js';
import { createFileRunner } from '../../local/file-runner.js';
import { memoryFileStore } from '../support/memory-file-store.js';

const KEY = 'input/rows.csv';

function accepted(event: PrepareEvent, rows: number): Prepared {
  return {
    accepted: true,
    runId: event.runId,
    startedAt: event.startedAt,
    input: { bucket: 'files', key: KEY, versionId: null, etag: null, bytes: null },
    summary: 'output/rows.summary.json',
    format: 'csv',
    rows,
    columns: ['Identifier', 'Ref'],
    results: 'output/rows.results.csv',
    partsPrefix: partsPrefixFor(event.runId),
  };
}

const ASSEMBLED: Assembled = {
  rows: 7,
  found: 7,
  notFound: 0,
  otherErrors: 0,
  failedRows: 0,
  results: 'output/rows.results.csv',
  summary: 'output/rows.summary.json',
  failed: false,
};

function setup(options: {
  batch: (event: BatchEvent, call: number) => Promise<{ rows: number }>;
  prepared?: (event: PrepareEvent) => Prepared;
  assembled?: Assembled;
  batchSize?: number;
  batchTimeoutMs?: number;
}) {
  const store = memoryFileStore();
  store.objects.set(
    KEY,
    `Identifier,Ref\n${[0, 1, 2, 3, 4, 5, 6].map((i) => `id:${i},"r,${i}"`).join('\n')}\n`,
  );
  const batches: BatchEvent[] = [];
  const finished: (FailEvent | { step: 'assemble' })[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let containers = 0;
  let calls = 0;
  const createBatch = (): FileBatchHandler => {
    containers += 1;
    return async (event) => {
      calls += 1;
      batches.push(event);
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        return await options.batch(event, calls);
      } finally {
        inFlight -= 1;
      }
    };
  };
  const finish = (async (event: FailEvent | { step: 'assemble' }) => {
    finished.push(event);
    if (event.step === 'assemble') return options.assembled ?? ASSEMBLED;
    return {
      error: event.failure.Error,
      cause: event.failure.Cause,
      summary: 'output/rows.summary.json',
    };
  }) as FinishHandler;
  const runner = createFileRunner({
    steps: {
      prepare: async (event) => (options.prepared ?? ((e) => accepted(e, 7)))(event),
      createBatch,
      finish,
    },
    store,
    plan: fileWorkflowPlan({ batchSize: options.batchSize ?? 3, maxConcurrency: 2 }),
    batchTimeoutMs: options.batchTimeoutMs ?? 5000,
    retryWaitScale: 0,
  });
  return {
    runner,
    batches,
    finished,
    mostInFlight: () => mostInFlight,
    containers: () => containers,
  };
}

const request = { bucket: 'files', key: KEY, versionId: null };

describe('the local file runner', () => {
  it('hands the batch function batches of {index, row} with the BatchInput, two at once at most', async () => {
    // Prepare
    const { runner, batches, finished, mostInFlight } = setup({
      batch: async (event) => {
        await new Promise((resolve) => setImmediate(resolve));
        return { rows: event.Items.length };
      },
    });
    // Act
    const outcome = await runner.run(request, { runId: 'run-1' });
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', invocations: 3, failedInvocations: 0 });
    const sorted = [...batches].sort((a, b) => (a.Items[0]?.index ?? 0) - (b.Items[0]?.index ?? 0));
    expect(sorted.map((batch) => batch.Items.map((item) => item.index))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6],
    ]);
    expect(sorted[0]?.Items[1]).toEqual({ index: 1, row: { Identifier: 'id:1', Ref: 'r,1' } });
    expect(sorted[0]?.BatchInput).toEqual({
      runId: 'run-1',
      format: 'csv',
      columns: ['Identifier', 'Ref'],
      partsPrefix: partsPrefixFor('run-1'),
    });
    expect(mostInFlight()).toBe(2);
    expect(finished.map((event) => event.step)).toEqual(['assemble']);
  });

  it('retries a batch that threw, then goes on', async () => {
    // Prepare: the second call fails, once.
    const { runner, batches } = setup({
      batch: async (event, call) => {
        if (call === 2) throw new Error('crash');
        return { rows: event.Items.length };
      },
    });
    // Act
    const outcome = await runner.run(request, { runId: 'run-2' });
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', invocations: 4, failedInvocations: 1 });
    const firsts = batches.map((batch) => batch.Items[0]?.index ?? -1).sort((a, b) => a - b);
    expect(firsts).toEqual([0, 3, 3, 6]);
  });

  it('fails the run after the retries, with the map’s error, through the failure step', async () => {
    // Prepare: one batch of all rows, and it always fails.
    const { runner, finished } = setup({
      batchSize: 10,
      batch: async () => {
        throw new Error('always');
      },
    });
    // Act
    const outcome = await runner.run(request, { runId: 'run-3' });
    // Assess: the first attempt and five retries.
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      invocations: 6,
      failedInvocations: 6,
    });
    expect(outcome.cause).toContain('the batch of rows 0-6 failed 6 times (last: Error: always)');
    expect(finished.map((event) => event.step)).toEqual(['fail']);
    expect((finished[0] as FailEvent).prepared?.accepted).toBe(true);
  });

  it('retries a batch that timed out on a new container', async () => {
    // Prepare: the first call never answers.
    const { runner, containers } = setup({
      batchSize: 10,
      batchTimeoutMs: 50,
      batch: (event, call) =>
        call === 1 ? new Promise(() => {}) : Promise.resolve({ rows: event.Items.length }),
    });
    // Act
    const outcome = await runner.run(request, { runId: 'run-4' });
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', invocations: 2, failedInvocations: 1 });
    expect(containers()).toBe(2);
  });

  it('sends a refused file to the failure step with its error and cause, and runs no batch', async () => {
    // Prepare
    const { runner, batches, finished } = setup({
      batch: async () => ({ rows: 0 }),
      prepared: (event) => ({
        accepted: false,
        runId: event.runId,
        startedAt: event.startedAt,
        input: { bucket: 'files', key: KEY, versionId: null, etag: null, bytes: 1 },
        summary: 'output/rows.summary.json',
        error: 'FileRejected',
        cause: 'the CSV header has no Identifier column',
      }),
    });
    // Act
    const outcome = await runner.run(request, { runId: 'run-5' });
    // Assess
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'FileRejected',
      cause: 'the CSV header has no Identifier column',
      invocations: 0,
    });
    expect(batches).toEqual([]);
    expect(finished).toEqual([
      expect.objectContaining({
        step: 'fail',
        runId: 'run-5',
        key: KEY,
        failure: { Error: 'FileRejected', Cause: 'the CSV header has no Identifier column' },
      }),
    ]);
  });

  it('fails the run with RowsFailed when the assembled results say so', async () => {
    // Prepare
    const { runner, finished } = setup({
      batch: async (event) => ({ rows: event.Items.length }),
      assembled: { ...ASSEMBLED, failed: true, error: 'RowsFailed', cause: '1 of 7 rows failed' },
    });
    // Act
    const outcome = await runner.run(request, { runId: 'run-6' });
    // Assess
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'RowsFailed',
      cause: '1 of 7 rows failed',
    });
    expect(finished.map((event) => event.step)).toEqual(['assemble']);
  });
});
