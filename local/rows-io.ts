/**
 * Reading input rows and writing result rows for the batch command: CSV (a header row with an
 * `Identifier` column; other columns are carried through) or JSON Lines (one object per line).
 * The format follows the file extension: .jsonl / .ndjson / .json are JSON Lines, the rest CSV.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { OUTPUT_COLUMNS } from '../functions/lookup/row.js';

export type InputRow = Readonly<Record<string, unknown>>;
export type RowsFormat = 'csv' | 'jsonl';

export function rowsFormat(path: string): RowsFormat {
  return /\.(jsonl|ndjson|json)$/i.test(path) ? 'jsonl' : 'csv';
}

/** Parses CSV text; the header must have an Identifier column (any letter case). */
export function parseCsvRows(text: string): InputRow[] {
  const records = parse(text, {
    bom: true,
    columns: (header: string[]) =>
      header.map((name) =>
        name.trim().toLowerCase() === 'identifier' ? 'Identifier' : name.trim(),
      ),
    skip_empty_lines: true,
    trim: true,
  }) as Record<string, string>[];
  if (records.length > 0 && !('Identifier' in (records[0] as object))) {
    throw new Error('The CSV header has no Identifier column');
  }
  return records;
}

/** Parses JSON Lines; every non-empty line must be a JSON object. */
export function parseJsonLines(text: string): InputRow[] {
  const rows: InputRow[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`Line ${index + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`Line ${index + 1} is not a JSON object`);
    }
    rows.push(value as InputRow);
  });
  return rows;
}

export async function readRows(path: string): Promise<InputRow[]> {
  const text = await readFile(path, 'utf8');
  return rowsFormat(path) === 'jsonl' ? parseJsonLines(text) : parseCsvRows(text);
}

/** One line of the batch command's output: a result body, plus whether it was dead-lettered. */
export type OutputRecord = Readonly<Record<string, unknown>> & {
  readonly Input?: Readonly<Record<string, unknown>>;
};

const cell = (value: unknown): string | number | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string' || typeof value === 'number') return value;
  return JSON.stringify(value);
};

/**
 * CSV of output records: Identifier, the input's extra columns, SourceMessageId, the output
 * row's columns in the contract's order, then DeadLettered. JSON columns hold JSON text.
 */
export function toCsv(records: readonly OutputRecord[], inputColumns: readonly string[]): string {
  const extras = inputColumns.filter((name) => name !== 'Identifier');
  const header = ['Identifier', ...extras, 'SourceMessageId', ...OUTPUT_COLUMNS, 'DeadLettered'];
  const lines = records.map((record) => [
    cell(record.Identifier),
    ...extras.map((name) => cell(record.Input?.[name])),
    cell(record.SourceMessageId),
    ...OUTPUT_COLUMNS.map((name) => cell(record[name])),
    cell(record.DeadLettered),
  ]);
  return stringify([header, ...lines]);
}

export function toJsonLines(records: readonly OutputRecord[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + (records.length ? '\n' : '');
}

export async function writeRecords(
  path: string,
  records: readonly OutputRecord[],
  inputColumns: readonly string[],
): Promise<void> {
  const text = rowsFormat(path) === 'jsonl' ? toJsonLines(records) : toCsv(records, inputColumns);
  await writeFile(path, text, 'utf8');
}
