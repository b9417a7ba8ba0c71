/**
 * The file workflow's prepare step (functions/files/prepare.ts): an upload a run can take is
 * accepted with where its parts, results and summary go; every other upload is refused with
 * FileRejected and a cause in words, before any lookup.
 */

import { describe, expect, it } from '@jest/globals';
import { createPrepareHandler } from '../../functions/files/prepare.js';
import type { Prepared, PrepareEvent } from '../../functions/files/steps.js';
import { FileReadError } from '../../functions/files/store.js';
import { FILE_ERRORS, partsPrefixFor } from '../../functions/files/workflow.js';
import { memoryFileStore } from '../support/memory-file-store.js';

const STARTED = '2026-12-01T10:00:00.000Z';

function setup(
  objects: Record<string, string>,
  limits = { fileMaxBytes: 10_000, fileMaxRows: 100 },
) {
  const store = memoryFileStore('files');
  for (const [key, text] of Object.entries(objects)) store.objects.set(key, text);
  return { store, prepare: createPrepareHandler({ store, limits }) };
}

const event = (key: string, extra: Partial<PrepareEvent> = {}): PrepareEvent => ({
  bucket: 'files',
  key,
  runId: 'run-7',
  startedAt: STARTED,
  ...extra,
});

function refusal(prepared: Prepared): string {
  if (prepared.accepted) throw new Error('expected a refusal');
  expect(prepared.error).toBe(FILE_ERRORS.rejected);
  return prepared.cause;
}

describe('the prepare step', () => {
  it('accepts a CSV with an Identifier column and says where the run writes', async () => {
    // Prepare
    const { prepare } = setup({ 'input/crm/rows.csv': 'Ref,Identifier\nA,id:1\nB,id:2\n' });
    // Act
    const prepared = await prepare(event('input/crm/rows.csv'));
    // Assess
    expect(prepared).toEqual({
      accepted: true,
      runId: 'run-7',
      startedAt: STARTED,
      input: {
        bucket: 'files',
        key: 'input/crm/rows.csv',
        versionId: null,
        etag: expect.any(String),
        bytes: 29,
      },
      format: 'csv',
      rows: 2,
      columns: ['Ref', 'Identifier'],
      results: 'output/crm/rows.results.csv',
      summary: 'output/crm/rows.summary.json',
      partsPrefix: partsPrefixFor('run-7'),
    });
  });

  it('accepts JSON Lines and finds a key that arrived URL-encoded', async () => {
    // Prepare
    const { prepare } = setup({ 'input/my rows.jsonl': '{"Identifier":"id:1"}\n' });
    // Act
    const prepared = await prepare(event('input/my+rows.jsonl'));
    // Assess
    expect(prepared).toMatchObject({
      accepted: true,
      format: 'jsonl',
      rows: 1,
      columns: [],
      input: { key: 'input/my rows.jsonl' },
      results: 'output/my rows.results.jsonl',
    });
  });

  it.each([
    ['input/rows.csv', 'Ref\nA\n', 'the CSV header has no Identifier column'],
    ['input/rows.txt', 'Identifier\nid:1\n', 'the file must be named .csv, .jsonl or .ndjson'],
    ['elsewhere/rows.csv', 'Identifier\nid:1\n', 'the file must be under input/'],
    ['input/rows.jsonl', '{"Identifier":"id:1"}\nnot json\n', 'line 2 is not JSON'],
    ['input/rows.csv', `Identifier\n${'id:1\n'.repeat(101)}`, 'more than 100 rows'],
    ['input/big.csv', `Identifier\n${'x'.repeat(10_000)}\n`, 'more than the 10000 a run takes'],
  ])('refuses %s (%j) with a cause', async (key, text, cause) => {
    // Prepare
    const { prepare } = setup({ [key]: text });
    // Act
    const prepared = await prepare(event(key));
    // Assess
    expect(refusal(prepared)).toContain(cause);
    expect(prepared.summary).toMatch(/^output\/.*\.summary\.json$/);
  });

  it('refuses a file that is not UTF-8 text', async () => {
    // Prepare
    const { store, prepare } = setup({ 'input/rows.csv': 'Identifier\n' });
    store.readText = async function* () {
      yield 'Identifier\n';
      throw new FileReadError('not-text', 'byte 12 is not UTF-8');
    };
    // Act
    const prepared = await prepare(event('input/rows.csv'));
    // Assess
    expect(refusal(prepared)).toBe(
      'the file is not UTF-8 text (save it as CSV UTF-8 or JSON Lines)',
    );
  });

  it('refuses an object that is gone, or in another bucket', async () => {
    // Prepare
    const { prepare } = setup({});
    // Act
    const gone = await prepare(event('input/rows.csv'));
    const elsewhere = await prepare(event('input/rows.csv', { bucket: 'other' }));
    // Assess
    expect(refusal(gone)).toBe('the file is gone (deleted, or that version replaced)');
    expect(refusal(elsewhere)).toBe('the file is in bucket other, not in files');
  });

  it('throws on an event that is no run (the state machine reports it as RunFailed)', async () => {
    // Prepare
    const { prepare } = setup({});
    // Act
    const result = prepare(event('input/rows.csv', { runId: 'no spaces allowed' }));
    // Assess
    await expect(result).rejects.toThrow('The prepare event has no run id or no key');
  });
});
