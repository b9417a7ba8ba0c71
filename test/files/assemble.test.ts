/**
 * The file workflow's finishing steps (functions/files/assemble.ts, failure-report.ts and their
 * dispatch in finish-handler.ts): the parts become one results file in input order with the
 * summary written last; a missing or doubled line fails the run without a results file; a run
 * that ended early gets its error summary with a cause in words.
 */

import { describe, expect, it } from '@jest/globals';
import { createAssembleHandler, ResultsIncompleteError } from '../../functions/files/assemble.js';
import {
  createFailureReportHandler,
  describeFailure,
} from '../../functions/files/failure-report.js';
import { type PartLine, partText } from '../../functions/files/parts.js';
import type { Prepared } from '../../functions/files/steps.js';
import { FILE_ERRORS, partKeyFor, partsPrefixFor } from '../../functions/files/workflow.js';
import type { ErrorBehavior } from '../../functions/settings/error-behavior.js';
import { memoryFileStore } from '../support/memory-file-store.js';

const RUN = 'run-3';
const PREFIX = partsPrefixFor(RUN);
const STARTED_MS = Date.parse('2026-12-01T10:00:00.000Z');

const prepared = (rows: number): Prepared => ({
  accepted: true,
  runId: RUN,
  startedAt: new Date(STARTED_MS).toISOString(),
  input: { bucket: 'files', key: 'input/rows.csv', versionId: 'v1', etag: '"e"', bytes: 99 },
  format: 'csv',
  rows,
  columns: ['Identifier'],
  results: 'output/rows.results.csv',
  summary: 'output/rows.summary.json',
  partsPrefix: PREFIX,
});

const line = (i: number, s = 200, f = false): PartLine => ({ i, s, f, l: `line-${i},${s}` });

function setup(parts: PartLine[][], behavior: ErrorBehavior = 'DoNotFailAndReturnResponse') {
  const store = memoryFileStore('files');
  for (const lines of parts) {
    store.objects.set(partKeyFor(PREFIX, Math.min(...lines.map((l) => l.i))), partText(lines));
  }
  const assemble = createAssembleHandler({
    store,
    errorBehavior: behavior,
    now: () => STARTED_MS + 12_340,
  });
  return { store, assemble };
}

describe('the assemble step', () => {
  it('merges the parts in input order under the header, then writes the summary', async () => {
    // Prepare: parts written out of order, one of them with its lines unsorted.
    const { store, assemble } = setup([
      [line(3, 404), line(2)],
      [line(0), line(1, 500)],
      [line(4)],
    ]);
    // Act
    const assembled = await assemble({ step: 'assemble', prepared: prepared(5) });
    // Assess
    expect(assembled).toEqual({
      rows: 5,
      found: 3,
      notFound: 1,
      otherErrors: 1,
      failedRows: 0,
      results: 'output/rows.results.csv',
      summary: 'output/rows.summary.json',
      failed: false,
    });
    const results = (store.objects.get('output/rows.results.csv') as string).split('\n');
    expect(results[0]).toMatch(/^Identifier,SourceMessageId,StatusCode,/);
    expect(results.slice(1)).toEqual([
      'line-0,200',
      'line-1,500',
      'line-2,200',
      'line-3,404',
      'line-4,200',
      '',
    ]);
    expect(store.writes).toEqual([
      'upload output/rows.results.csv',
      'put output/rows.summary.json',
    ]);
    expect(JSON.parse(store.objects.get('output/rows.summary.json') as string)).toMatchObject({
      status: 'succeeded',
      runId: RUN,
      rows: 5,
      found: 3,
      elapsedSeconds: 12.3,
      results: 'output/rows.results.csv',
    });
  });

  it('writes the results, and says the run failed, when failed rows fail it', async () => {
    // Prepare
    const { store, assemble } = setup([[line(0), line(1, 404, true)]], 'FailAndReturnResponse');
    // Act
    const assembled = await assemble({ step: 'assemble', prepared: prepared(2) });
    // Assess
    expect(assembled).toMatchObject({ failed: true, failedRows: 1, error: FILE_ERRORS.rowsFailed });
    expect(assembled.cause).toContain('1 of 2 rows failed (1 not found, 0 other errors)');
    expect(store.objects.has('output/rows.results.csv')).toBe(true);
    expect(JSON.parse(store.objects.get('output/rows.summary.json') as string).status).toBe(
      'rows-failed',
    );
  });

  it.each([
    ['a line is missing', [[line(0)], [line(2)]], 3, 'row 2 of 3 has no result'],
    ['a line is doubled', [[line(0), line(1)], [line(1)]], 2, 'row 2 of 2 has more than one'],
    ['a line is beyond the file', [[line(0)], [line(1)]], 1, 'a batch wrote a result for row 2'],
  ])('writes no results file when %s, and fails loudly', async (_case, parts, rows, cause) => {
    // Prepare
    const { store, assemble } = setup(parts);
    // Act
    const result = assemble({ step: 'assemble', prepared: prepared(rows) });
    // Assess
    await expect(result).rejects.toThrow(ResultsIncompleteError);
    await expect(result).rejects.toThrow(cause);
    expect(store.objects.has('output/rows.results.csv')).toBe(false);
    expect(store.objects.has('output/rows.summary.json')).toBe(false);
  });
});

describe('the failure report', () => {
  it('writes the error summary where the summary would be, with the cause in words', async () => {
    // Prepare
    const store = memoryFileStore('files');
    const report = createFailureReportHandler({ store, now: () => STARTED_MS + 2000 });
    const lambdaCause = JSON.stringify({
      errorType: 'Error',
      errorMessage: 'socket hang up',
      trace: ['Error: socket hang up', '    at secret/stack/frame.js:1'],
    });
    // Act
    const reported = await report({
      step: 'fail',
      bucket: 'files',
      key: 'input/a/rows.jsonl',
      runId: RUN,
      startedAt: new Date(STARTED_MS).toISOString(),
      failure: { Error: 'Error', Cause: lambdaCause },
    });
    // Assess
    expect(reported).toEqual({
      error: FILE_ERRORS.internal,
      cause: 'Error: socket hang up',
      summary: 'output/a/rows.summary.json',
    });
    const summary = JSON.parse(store.objects.get('output/a/rows.summary.json') as string);
    expect(summary).toMatchObject({
      status: 'failed',
      runId: RUN,
      input: { key: 'input/a/rows.jsonl', versionId: null },
      error: FILE_ERRORS.internal,
      elapsedSeconds: 2,
    });
    expect(JSON.stringify(summary)).not.toContain('frame.js');
  });

  it.each([
    [FILE_ERRORS.rejected, 'the file is empty', FILE_ERRORS.rejected, 'the file is empty'],
    ['States.ItemReaderFailed', 'bad CSV', FILE_ERRORS.rejected, 'could not read the file'],
    [
      'States.ExceedToleratedFailureThreshold',
      'threshold',
      FILE_ERRORS.batchFailed,
      'a batch of rows failed after its retries',
    ],
  ])('names %s as %s', (error, cause, named, text) => {
    // Act
    const described = describeFailure(error, cause);
    // Assess
    expect(described.error).toBe(named);
    expect(described.cause).toContain(text);
  });
});
