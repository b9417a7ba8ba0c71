/**
 * The text of a results file, in the format of its input: JSON Lines, one record per line, or
 * CSV with the columns `npm run batch --out *.csv` writes (local/rows-io.ts): `Identifier`, the
 * input's other columns, `SourceMessageId`, the output row's columns in the contract's order,
 * then `DeadLettered`; JSON columns hold JSON text. Quoting as csv-stringify does it (a field
 * with a comma, a quote or a line break is quoted, quotes doubled). Pure.
 */

import { OUTPUT_COLUMNS } from '../lookup/index.js';
import { isIdentifierColumn } from './check.js';
import type { FileRecord } from './rows.js';
import type { FileFormat } from './workflow.js';

type Cell = string | number | null;

/** One CSV field. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line, without its line break. */
export function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvField).join(',');
}

/** A value as a CSV cell: JSON text for arrays and objects, as the batch command writes them. */
function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string' || typeof value === 'number') return value;
  return JSON.stringify(value);
}

/** The input's columns other than Identifier, in the header's order. */
function extraColumns(columns: readonly string[]): string[] {
  return columns.filter((name) => !isIdentifierColumn(name.replace(/^\uFEFF/, '')));
}

/** The header line of a CSV results file; null for JSON Lines (no header). */
export function resultsHeader(format: FileFormat, columns: readonly string[]): string | null {
  if (format === 'jsonl') return null;
  return csvLine([
    'Identifier',
    ...extraColumns(columns),
    'SourceMessageId',
    ...OUTPUT_COLUMNS,
    'DeadLettered',
  ]);
}

/** One record as a line of the results file (without its line break). */
export function resultsLine(
  format: FileFormat,
  record: FileRecord,
  columns: readonly string[],
): string {
  if (format === 'jsonl') return JSON.stringify(record);
  return csvLine([
    cell(record.Identifier),
    ...extraColumns(columns).map((name) => cell(record.Input[name])),
    cell(record.SourceMessageId),
    ...OUTPUT_COLUMNS.map((name) => cell(record[name])),
    cell(record.DeadLettered),
  ]);
}
