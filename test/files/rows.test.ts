/**
 * One line of a bulk file (functions/files/rows.ts): reading the item, what each error behavior
 * writes, the counts, and the results line in the columns `npm run batch` writes.
 */

import { describe, expect, it } from '@jest/globals';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import {
  countRow,
  csvLine,
  fileRecord,
  fileRowResult,
  NO_ROWS,
  readFileRow,
  resultsHeader,
  resultsLine,
} from '../../functions/files/rows.js';
import { failedLookup, type LookupOutcome } from '../../functions/lookup/lookup.js';
import { contactRow, OUTPUT_COLUMNS } from '../../functions/lookup/row.js';
import { toCsv } from '../../local/rows-io.js';

const found: LookupOutcome = { kind: 'found', row: contactRow({ id: 7, firstName: 'Jane' }) };
const notFound = failedLookup({ statusCode: 404, message: 'Contact not found', retryable: false });
const unavailable = failedLookup({
  statusCode: 503,
  message: 'respond.io answered with HTTP 503',
  retryable: true,
});

describe('reading a line', () => {
  it('takes a CSV row’s Identifier column in any case and carries the rest through', () => {
    // Act
    const row = readFileRow('csv', { Ref: 'A-1', ' identifier ': 'id:1', Note: '' });
    // Assess
    expect(row).toEqual({ ok: true, identifier: 'id:1', extras: { Ref: 'A-1', Note: '' } });
  });

  it('takes a JSON line’s Identifier field as it is, of any type', () => {
    // Act & Assess
    expect(readFileRow('jsonl', { Identifier: 12, ref: { a: 1 } })).toEqual({
      ok: true,
      identifier: 12,
      extras: { ref: { a: 1 } },
    });
  });

  it.each([
    ['jsonl', [1, 2], 'Invalid row: the line is not a JSON object; expected {"Identifier": "..."}'],
    ['jsonl', 'text', 'Invalid row: the line is not a JSON object; expected {"Identifier": "..."}'],
    [
      'jsonl',
      { identifier: 'id:1' },
      'Invalid row: the line has no Identifier field; expected {"Identifier": "..."}',
    ],
    ['csv', { Ref: 'A' }, 'Invalid row: the line has no Identifier column'],
  ] as const)('makes a %s line that is no row a 400: %j', (format, item, message) => {
    // Act & Assess
    expect(readFileRow(format, item)).toEqual({ ok: false, message });
  });
});

describe('what each error behavior writes', () => {
  it('writes a found contact and fails nothing, under every behavior', () => {
    for (const behavior of [
      'FailAndReturnResponse',
      'FailWithoutResponse',
      'DoNotFailAndReturnResponse',
    ] as const) {
      // Act & Assess
      expect(fileRowResult(found, behavior)).toEqual({ row: found.row, failed: false });
    }
  });

  it('writes the error row; only the Fail behaviors count it as failed', () => {
    // Act & Assess
    expect(fileRowResult(notFound, 'DoNotFailAndReturnResponse')).toEqual({
      row: notFound.row,
      failed: false,
    });
    expect(fileRowResult(notFound, 'FailAndReturnResponse')).toEqual({
      row: notFound.row,
      failed: true,
    });
  });

  it('writes StatusCode and a short message only under FailWithoutResponse', () => {
    // Act
    const result = fileRowResult(unavailable, 'FailWithoutResponse');
    // Assess
    expect(result.failed).toBe(true);
    expect(result.row).toMatchObject({
      StatusCode: 503,
      Message: 'Lookup failed',
      ID: null,
      Tags: null,
    });
  });

  it('counts found, not found, other errors and failed rows', () => {
    // Act
    const counts = [
      [200, false],
      [404, true],
      [503, true],
      [400, false],
    ].reduce(
      (sum, [status, failed]) => countRow(sum, status as number, failed as boolean),
      NO_ROWS,
    );
    // Assess
    expect(counts).toEqual({ rows: 4, found: 1, notFound: 1, otherErrors: 2, failedRows: 2 });
  });
});

describe('the results line', () => {
  const record = fileRecord(
    'run-1',
    4,
    'id:7',
    { Ref: 'A, "quoted"', Note: 'two\nlines' },
    found.row,
  );

  it('is the SQS result body with DeadLettered, as the batch command writes JSON Lines', () => {
    // Act
    const line = JSON.parse(resultsLine('jsonl', record, []));
    // Assess
    expect(Object.keys(line)).toEqual([
      'SourceMessageId',
      'Identifier',
      ...OUTPUT_COLUMNS,
      'Input',
      'DeadLettered',
    ]);
    expect(line).toMatchObject({
      SourceMessageId: 'run-1:4',
      Identifier: 'id:7',
      StatusCode: 200,
      DeadLettered: false,
    });
  });

  it('is, as CSV, exactly what the batch command writes for the same record', () => {
    // Prepare
    const columns = ['Ref', 'Identifier', 'Note'];
    // Act
    const text = `${resultsHeader('csv', columns)}\n${resultsLine('csv', record, columns)}\n`;
    // Assess
    expect(text).toBe(toCsv([{ ...record }], columns));
    expect(resultsHeader('jsonl', [])).toBeNull();
  });

  it('quotes fields as csv-stringify does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constant(null), fc.integer())), (cells) => {
        // Act & Assess
        expect(`${csvLine(cells)}\n`).toBe(cells.length === 0 ? '\n' : stringify([cells]));
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
