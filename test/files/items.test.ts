/**
 * The ItemReader's CSV rules and JSON Lines reading (core/file-items.ts), rule by rule as AWS
 * documents them, and the same records whatever the chunking of the text.
 */

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  createCsvRecordReader,
  createLineReader,
  csvItem,
  ItemReadError,
} from '../../functions/files/items.js';

function csvRecords(text: string, chunk = text.length || 1) {
  const reader = createCsvRecordReader();
  const records = [];
  for (let at = 0; at < text.length; at += chunk) {
    records.push(...reader.push(text.slice(at, at + chunk)));
  }
  records.push(...reader.end());
  return records;
}

const fieldsOf = (text: string) => csvRecords(text).map((record) => record.fields);

describe('the CSV rules of the ItemReader', () => {
  it('separates fields by commas and records by newlines, LF or CRLF', () => {
    // Act
    const records = fieldsOf('Identifier,Ref\r\nid:1,A\nid:2,B');
    // Assess
    expect(records).toEqual([
      ['Identifier', 'Ref'],
      ['id:1', 'A'],
      ['id:2', 'B'],
    ]);
  });

  it('reads quoted fields with commas, newlines and doubled quotes', () => {
    // Act
    const records = fieldsOf('a,b\n"x, y","line 1\nline 2","say ""hi"""\n');
    // Assess
    expect(records).toEqual([
      ['a', 'b'],
      ['x, y', 'line 1\nline 2', 'say "hi"'],
    ]);
  });

  it('escapes a backslash, a quote or a comma with a backslash, and drops it before anything else', () => {
    // Act
    const records = fieldsOf('path,size\nC:\\\\Program Files\\\\App.exe,1\na\\,b,\\"q\\x\n');
    // Assess
    expect(records).toEqual([
      ['path', 'size'],
      ['C:\\Program Files\\App.exe', '1'],
      ['a,b', '"qx'],
    ]);
  });

  it('keeps every value a string, spaces included, and a quote inside a field as it is', () => {
    // Act
    const records = fieldsOf(' id:1 ,12,ab"c\n');
    // Assess
    expect(records).toEqual([[' id:1 ', '12', 'ab"c']]);
  });

  it('skips empty lines and a byte order mark, and counts lines for messages', () => {
    // Act
    const records = csvRecords('\uFEFFIdentifier\n\nid:1\n"a\nb"\nid:3\n');
    // Assess
    expect(records).toEqual([
      { fields: ['Identifier'], line: 1 },
      { fields: ['id:1'], line: 3 },
      { fields: ['a\nb'], line: 4 },
      { fields: ['id:3'], line: 6 },
    ]);
  });

  it('refuses a quoted field that is never closed', () => {
    // Act & Assess
    expect(() => csvRecords('a\n"open,1\n')).toThrow(ItemReadError);
    expect(() => csvRecords('a\n"open,1\n')).toThrow('line 2: a quoted field is not closed');
  });

  it('gives missing fields empty strings and skips extra ones', () => {
    // Act & Assess
    expect(csvItem(['Identifier', 'A', 'B'], ['id:1'])).toEqual({
      Identifier: 'id:1',
      A: '',
      B: '',
    });
    expect(csvItem(['Identifier'], ['id:1', 'extra'])).toEqual({ Identifier: 'id:1' });
  });

  it('reads the same records however the text is cut into chunks', () => {
    // Prepare
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '\\', 'é', ' ') });
    fc.assert(
      fc.property(
        fc.array(field, { maxLength: 12 }),
        fc.integer({ min: 1, max: 7 }),
        (parts, size) => {
          const text = parts.join('');
          let whole: unknown;
          try {
            whole = csvRecords(text);
          } catch (error) {
            whole = (error as Error).message;
          }
          let chunked: unknown;
          try {
            chunked = csvRecords(text, size);
          } catch (error) {
            chunked = (error as Error).message;
          }
          // Assess
          expect(chunked).toEqual(whole);
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  });
});

describe('JSON Lines', () => {
  it('splits lines on LF or CRLF across chunks and keeps the last line without a newline', () => {
    // Prepare
    const reader = createLineReader();
    // Act
    const lines = [
      ...reader.push('\uFEFF{"a":1}\r\n{"b"'),
      ...reader.push(':2}\n\n{"c":3}'),
      ...reader.end(),
    ];
    // Assess
    expect(lines).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: '{"b":2}', line: 2 },
      { text: '', line: 3 },
      { text: '{"c":3}', line: 4 },
    ]);
  });
});
