/**
 * The file batch function's work (functions/files/batch.ts): one part per batch with a line per
 * row in index order, rounds for transient failures, the error behaviors, a batch that runs out
 * of time keeping its done rows for its retry, and a batch whose part exists doing nothing.
 */

import { describe, expect, it } from '@jest/globals';
import { BatchUnfinishedError, createFileBatchHandler } from '../../functions/files/batch.js';
import { readPartText } from '../../functions/files/parts.js';
import type { BatchEvent, BatchItem } from '../../functions/files/steps.js';
import {
  type FileFormat,
  partKeyFor,
  partsPrefixFor,
  progressKeyFor,
} from '../../functions/files/workflow.js';
import type { DirectoryAnswer } from '../../functions/lookup/lookup.js';
import type { ErrorBehavior } from '../../functions/settings/error-behavior.js';
import { directoryAnswering, type FakeDirectory } from '../support/api.js';
import { FAILURES, found, NOT_FOUND } from '../support/deferred-directory.js';
import { identifiers } from '../support/identifiers.js';
import { type MemoryFileStore, memoryFileStore } from '../support/memory-file-store.js';

const RUN = 'run-1';
const PREFIX = partsPrefixFor(RUN);

function batchEvent(
  items: BatchItem[],
  format: FileFormat = 'jsonl',
  columns: string[] = [],
): BatchEvent {
  return { Items: items, BatchInput: { runId: RUN, format, columns, partsPrefix: PREFIX } };
}

const jsonRow = (
  index: number,
  identifier: unknown,
  extra: Record<string, unknown> = {},
): BatchItem => ({
  index,
  row: { Identifier: identifier, ...extra },
});

function setup(
  answer: (identifier: string, call: number) => DirectoryAnswer,
  options: { behavior?: ErrorBehavior; now?: () => number; onCall?: () => void } = {},
) {
  const store = memoryFileStore();
  let calls = 0;
  const directory: FakeDirectory = directoryAnswering((identifier) => {
    calls += 1;
    options.onCall?.();
    return answer(identifier.canonical, calls);
  });
  const sleeps: number[] = [];
  const handler = createFileBatchHandler({
    directory,
    identifiers,
    store,
    errorBehavior: options.behavior ?? 'DoNotFailAndReturnResponse',
    maxInFlight: 1,
    rowBudgetMs: 100,
    roundWaitsMs: [1, 2],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(options.now ? { now: options.now } : {}),
  });
  return { store, directory, handler, sleeps };
}

const context = (remainingMs = 60_000) => ({ getRemainingTimeInMillis: () => remainingMs });

function partLines(store: MemoryFileStore, first: number) {
  const key = partKeyFor(PREFIX, first);
  return readPartText(store.objects.get(key) ?? '', key);
}

describe('a file batch', () => {
  it('writes one part, a line per row in index order, 400 rows for lines that are no rows', async () => {
    // Prepare
    const { store, handler } = setup((id) => (id === 'id:1' ? found(1, 'Jane') : NOT_FOUND));
    const items = [
      jsonRow(12, 'id:404', { ref: 'B' }),
      jsonRow(10, 'id:1', { ref: 'A' }),
      { index: 11, row: [1, 2] },
      jsonRow(13, 'user:1'),
    ];
    // Act
    const done = await handler(batchEvent(items), context());
    // Assess
    expect(done).toEqual({ rows: 4 });
    expect(store.writes).toEqual([`put ${partKeyFor(PREFIX, 10)}`]);
    const lines = partLines(store, 10);
    expect(lines.map((line) => [line.i, line.s, line.f])).toEqual([
      [10, 200, false],
      [11, 400, false],
      [12, 404, false],
      [13, 400, false],
    ]);
    const records = lines.map((line) => JSON.parse(line.l));
    expect(records[0]).toMatchObject({
      SourceMessageId: 'run-1:10',
      Identifier: 'id:1',
      StatusCode: 200,
      FirstName: 'Jane',
      Input: { ref: 'A' },
      DeadLettered: false,
    });
    expect(records[1]).toMatchObject({
      SourceMessageId: 'run-1:11',
      Identifier: null,
      StatusCode: 400,
      Input: {},
    });
    expect(records[1].Message).toContain('Invalid row: the line is not a JSON object');
    expect(records[3].Message).toContain('has no known prefix');
  });

  it('writes CSV lines in the header’s columns for a CSV file', async () => {
    // Prepare
    const { store, handler } = setup(() => found(1, 'Jane'));
    const items = [{ index: 0, row: { Ref: 'A, 1', identifier: 'id:1' } }];
    // Act
    await handler(batchEvent(items, 'csv', ['Ref', 'identifier']), context());
    // Assess
    expect(partLines(store, 0)[0]?.l).toMatch(/^id:1,"A, 1",run-1:0,200,,1,open,/);
  });

  it('looks a transiently failing row up again in later rounds, after the waits', async () => {
    // Prepare
    const { store, handler, sleeps } = setup((_id, call) =>
      call < 3 ? (FAILURES['503'] as DirectoryAnswer) : found(1, 'Jane'),
    );
    // Act
    await handler(batchEvent([jsonRow(0, 'id:1')]), context());
    // Assess
    expect(partLines(store, 0).map((line) => line.s)).toEqual([200]);
    expect(sleeps).toEqual([1, 2]);
  });

  it('makes a row that keeps failing transiently its last answer, after the last round', async () => {
    // Prepare
    const { store, handler, directory } = setup(() => FAILURES['503'] as DirectoryAnswer);
    // Act
    await handler(batchEvent([jsonRow(0, 'id:1')]), context());
    // Assess
    expect(directory.calls).toHaveLength(3);
    expect(partLines(store, 0).map((line) => [line.s, line.f])).toEqual([[503, false]]);
  });

  it.each([
    ['FailAndReturnResponse', 'Contact not found', true],
    ['FailWithoutResponse', 'Not found', true],
    ['DoNotFailAndReturnResponse', 'Contact not found', false],
  ] as const)(
    'under %s, a 404 row says %j and fails the run: %s',
    async (behavior, message, failed) => {
      // Prepare
      const { store, handler } = setup(() => NOT_FOUND, { behavior });
      // Act
      await handler(batchEvent([jsonRow(0, 'id:9')]), context());
      // Assess
      const [line] = partLines(store, 0);
      expect(line?.f).toBe(failed);
      expect(JSON.parse(line?.l ?? '{}')).toMatchObject({ StatusCode: 404, Message: message });
    },
  );

  it('keeps the done rows when time runs out, and its retry looks up only the rest', async () => {
    // Prepare: every lookup takes 1 s of a fake clock; 10 s left, 3.5 s kept for the write.
    let clock = 0;
    const { store, directory } = setup(() => found(1, 'Jane'), {
      onCall: () => {
        clock += 1000;
      },
    });
    const handlerWithBudget = createFileBatchHandler({
      directory,
      identifiers,
      store,
      errorBehavior: 'DoNotFailAndReturnResponse',
      maxInFlight: 1,
      rowBudgetMs: 5000,
      sleep: async () => {},
      now: () => clock,
    });
    const items = [0, 1, 2, 3, 4].map((index) => jsonRow(index, `id:${index + 1}`));
    // Act
    const first = handlerWithBudget(batchEvent(items), context(10_000));
    await expect(first).rejects.toBeInstanceOf(BatchUnfinishedError);
    const afterFirst = directory.calls.length;
    clock = 0;
    const second = await handlerWithBudget(batchEvent(items), context(60_000));
    // Assess
    expect(afterFirst).toBe(2);
    expect(
      readPartText(store.objects.get(progressKeyFor(RUN, 0)) ?? '', 'progress').map((l) => l.i),
    ).toEqual([0, 1]);
    expect(second).toEqual({ rows: 5 });
    expect(directory.calls.map((call) => call.identifier.canonical)).toEqual([
      'id:1',
      'id:2',
      'id:3',
      'id:4',
      'id:5',
    ]);
    expect(partLines(store, 0).map((line) => line.i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('does nothing for a batch whose part exists (its answer was lost)', async () => {
    // Prepare
    const { store, handler, directory } = setup(() => found(1, 'Jane'));
    await handler(batchEvent([jsonRow(0, 'id:1')]), context());
    // Act
    const again = await handler(batchEvent([jsonRow(0, 'id:1')]), context());
    // Assess
    expect(again).toEqual({ rows: 1 });
    expect(directory.calls).toHaveLength(1);
    expect(store.writes).toHaveLength(1);
  });

  it('refuses an event that is no batch of the workflow', async () => {
    // Prepare
    const { handler } = setup(() => found(1, 'Jane'));
    const wrongPrefix = {
      ...batchEvent([jsonRow(0, 'id:1')]),
      BatchInput: { runId: RUN, format: 'csv', columns: [], partsPrefix: 'output/' },
    } as BatchEvent;
    // Act & Assess
    await expect(handler(batchEvent([]), context())).rejects.toThrow(
      'not one of the file workflow’s batches',
    );
    await expect(handler(wrongPrefix, context())).rejects.toThrow(
      'not one of the file workflow’s batches',
    );
  });
});
