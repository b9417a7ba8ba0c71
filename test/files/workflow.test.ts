/**
 * Where a run's files go and the distributed map's plan (core/file-workflow.ts).
 */

import { describe, expect, it } from '@jest/globals';
import {
  BATCH_RETRY,
  batchRetryWaitsSeconds,
  fileFormatOf,
  fileWorkflowPlan,
  firstIndexOfPart,
  isRunId,
  MAX_BATCH_INPUT_BYTES,
  outputKeysFor,
  partKeyFor,
  partsPrefixFor,
} from '../../functions/files/workflow.js';

describe('the files bucket’s layout', () => {
  it.each([
    ['input/rows.csv', 'csv', 'output/rows.results.csv', 'output/rows.summary.json'],
    [
      'input/crm/2026/Export.CSV',
      'csv',
      'output/crm/2026/Export.results.csv',
      'output/crm/2026/Export.summary.json',
    ],
    ['input/a.b.jsonl', 'jsonl', 'output/a.b.results.jsonl', 'output/a.b.summary.json'],
    ['input/list.ndjson', 'jsonl', 'output/list.results.jsonl', 'output/list.summary.json'],
    ['input/notes.txt', null, 'output/notes.txt.results.jsonl', 'output/notes.txt.summary.json'],
  ] as const)('%s is %s, with results %s and summary %s', (key, format, results, summary) => {
    // Act & Assess
    expect(fileFormatOf(key)).toBe(format);
    expect(outputKeysFor(key)).toEqual({ results, summary });
  });

  it('names parts by their first index so that keys sort in input order', () => {
    // Prepare
    const prefix = partsPrefixFor('run-1');
    const keys = [1000, 20, 3].map((first) => partKeyFor(prefix, first));
    // Act & Assess
    expect(prefix).toBe('runs/run-1/parts/');
    expect([...keys].sort()).toEqual([
      partKeyFor(prefix, 3),
      partKeyFor(prefix, 20),
      partKeyFor(prefix, 1000),
    ]);
    expect(keys.map((key) => firstIndexOfPart(prefix, key))).toEqual([1000, 20, 3]);
    expect(firstIndexOfPart(prefix, 'runs/run-2/parts/0000000001.jsonl')).toBeNull();
    expect(firstIndexOfPart(prefix, `${prefix}summary.json`)).toBeNull();
  });

  it('accepts only execution names as run ids', () => {
    // Act & Assess
    expect(isRunId('0c6f1d2e-7b8a-4f0e-9a51-5b0e1c2d3e4f')).toBe(true);
    expect(isRunId('../other')).toBe(false);
    expect(isRunId('')).toBe(false);
  });
});

describe('the distributed map’s plan', () => {
  it('takes batch size and concurrency from the settings, the bytes and the retry from here', () => {
    // Act
    const plan = fileWorkflowPlan({ batchSize: 100, maxConcurrency: 2 });
    // Assess
    expect(plan).toEqual({
      batchSize: 100,
      maxConcurrency: 2,
      maxBatchBytes: MAX_BATCH_INPUT_BYTES,
      retry: BATCH_RETRY,
    });
    expect(MAX_BATCH_INPUT_BYTES).toBeLessThan(256 * 1024);
  });

  it('waits 10, 20, 40, 80 and 120 s before the five retries of a batch', () => {
    // Act & Assess
    expect(batchRetryWaitsSeconds()).toEqual([10, 20, 40, 80, 120]);
  });
});
