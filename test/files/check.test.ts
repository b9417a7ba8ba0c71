/**
 * The file check of the prepare step (core/file-check.ts): rows counted by the ItemReader's
 * rules, and every refusal with its message.
 */

import { describe, expect, it } from '@jest/globals';
import { createFileInspector, utf8Bytes } from '../../functions/files/check.js';
import type { FileFormat } from '../../functions/files/workflow.js';

function check(format: FileFormat, text: string, maxRows = 100, chunk = 5) {
  const inspector = createFileInspector(format, { maxRows, maxRowBytes: 200 });
  for (let at = 0; at < text.length; at += chunk) {
    const refused = inspector.push(text.slice(at, at + chunk));
    if (refused !== null) return refused;
  }
  return inspector.end();
}

describe('the file check', () => {
  it('counts the rows of a CSV and gives its columns', () => {
    // Act
    const result = check('csv', 'Ref,identifier\nA,id:1\n\nB,"id:2"\nC,\n');
    // Assess
    expect(result).toEqual({ ok: true, rows: 3, columns: ['Ref', 'identifier'] });
  });

  it('counts the non-empty lines of JSON Lines, whatever JSON they hold', () => {
    // Act
    const result = check('jsonl', '{"Identifier":"id:1"}\n\n[1,2]\r\n"text"\n');
    // Assess
    expect(result).toEqual({ ok: true, rows: 3, columns: [] });
  });

  it.each([
    ['csv', '', 'the file is empty: a CSV needs a header line with an Identifier column'],
    [
      'csv',
      'Ref,Email\nA,b\n',
      'the CSV header has no Identifier column (the first line must name the columns, one of them Identifier)',
    ],
    ['csv', 'Identifier,IDENTIFIER\n', 'the CSV header has more than one Identifier column'],
    ['csv', 'Identifier,Ref,Ref\n', 'the CSV header names the column "Ref" twice'],
    ['csv', 'Identifier\n"open\n', 'the CSV cannot be read: line 2: a quoted field is not closed'],
    [
      'jsonl',
      '{"Identifier":"id:1"}\n{oops}\n',
      'line 2 is not JSON (each line must be one JSON object)',
    ],
    [
      'csv',
      `Identifier\n${'x'.repeat(250)}\n`,
      'line 2 is 267 bytes, more than the 200 a row may have',
    ],
    [
      'csv',
      'Identifier\nid:1\nid:2\nid:3\n',
      'the file has more than 2 rows (the most one run takes)',
    ],
  ] as const)('refuses a %s file: %j', (format, text, reason) => {
    // Act
    const result = check(format, text, 2);
    // Assess
    expect(result).toEqual({ ok: false, reason });
  });

  it('refuses a CSV header over 10 KB', () => {
    // Prepare
    const header = ['Identifier', ...Array.from({ length: 2000 }, (_, i) => `column${i}`)].join(
      ',',
    );
    // Act
    const result = check('csv', `${header}\n`);
    // Assess
    expect(result).toEqual({
      ok: false,
      reason: 'the CSV header is longer than 10240 bytes (the most Step Functions reads)',
    });
  });

  it('stops at the first problem and keeps answering it', () => {
    // Prepare
    const inspector = createFileInspector('jsonl', { maxRows: 10 });
    // Act
    const first = inspector.push('nope\n');
    const later = inspector.push('{"Identifier":"id:1"}\n');
    // Assess
    expect(first).toEqual({
      ok: false,
      reason: 'line 1 is not JSON (each line must be one JSON object)',
    });
    expect(later).toBe(first);
    expect(inspector.end()).toBe(first);
  });

  it('counts UTF-8 bytes as Buffer does', () => {
    // Prepare
    const samples = ['abc', 'é', '中文', '😀x', '\u0000', ''];
    // Act & Assess
    for (const sample of samples) {
      expect([sample, utf8Bytes(sample)]).toEqual([sample, Buffer.byteLength(sample, 'utf8')]);
    }
  });
});
