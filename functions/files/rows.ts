/**
 * One line of a bulk file, pure: the map's item read as a row (a CSV row's `Identifier` column or
 * a JSON Lines object's `Identifier` field, everything else carried through as `Input`), what its
 * outcome writes under ERROR_BEHAVIOR, its line of the results file, and the run's counts. A
 * results file has its input's format: JSON Lines, or CSV with the columns `npm run batch --out
 * *.csv` writes (local/rows-io.ts), JSON columns as JSON text, quoted as csv-stringify does.
 */

import {
  type ContactRow,
  errorRow,
  isRecord,
  type LookupOutcome,
  OUTPUT_COLUMNS,
  shortMessage,
} from '../lookup/index.js';
import type { ErrorBehavior } from '../settings/index.js';
import { isIdentifierColumn } from './check.js';
import type { FileFormat } from './workflow.js';

/** A line read as a row: its Identifier (validated later) and the fields carried through. */
type FileRow =
  | {
      readonly ok: true;
      readonly identifier: unknown;
      readonly extras: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly message: string };

const invalid = (message: string): FileRow => ({ ok: false, message: `Invalid row: ${message}` });

export function readFileRow(format: FileFormat, row: unknown): FileRow {
  if (!isRecord(row)) {
    return invalid(
      format === 'csv'
        ? 'the line could not be read as CSV fields'
        : 'the line is not a JSON object; expected {"Identifier": "..."}',
    );
  }
  if (format === 'jsonl') {
    const { Identifier: identifier, ...extras } = row;
    if (identifier === undefined) {
      return invalid('the line has no Identifier field; expected {"Identifier": "..."}');
    }
    return { ok: true, identifier, extras };
  }
  let identifier: unknown;
  const extras: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (isIdentifierColumn(name.replace(/^\uFEFF/, ''))) identifier = value;
    else extras[name] = value;
  }
  if (identifier === undefined) return invalid('the line has no Identifier column');
  return { ok: true, identifier, extras };
}

/** One line of the results file: a result row as the SQS function writes it, and DeadLettered. */
export type FileRecord = {
  readonly SourceMessageId: string;
  readonly Identifier: unknown;
} & ContactRow & {
    readonly Input: Readonly<Record<string, unknown>>;
    /** Always false: a file's failures stay in the file (the column is the batch command's). */
    readonly DeadLettered: false;
  };

export function fileRecord(
  runId: string,
  index: number,
  identifier: unknown,
  extras: Readonly<Record<string, unknown>>,
  row: ContactRow,
): FileRecord {
  return {
    // The run and the line's index: unique across runs.
    SourceMessageId: `${runId}:${index}`,
    Identifier: identifier ?? null,
    ...row,
    Input: extras,
    DeadLettered: false,
  };
}

/**
 * What a final outcome writes, and whether it fails the run (RowsFailed, once the results are
 * written). Every line has its output line: an error row under DoNotFailAndReturnResponse (not
 * failed) and FailAndReturnResponse (failed); under FailWithoutResponse (failed) only StatusCode
 * and a short Message (`Not found`, `Bad request`...; details in the log).
 */
export function fileRowResult(
  outcome: LookupOutcome,
  behavior: ErrorBehavior,
): { readonly row: ContactRow; readonly failed: boolean } {
  if (outcome.kind === 'found') return { row: outcome.row, failed: false };
  const status = outcome.failure.statusCode;
  switch (behavior) {
    case 'DoNotFailAndReturnResponse':
      return { row: outcome.row, failed: false };
    case 'FailAndReturnResponse':
      return { row: outcome.row, failed: true };
    case 'FailWithoutResponse':
      return { row: errorRow(status, shortMessage(status)), failed: true };
  }
}

type Cell = string | number | null;

function csvField(value: Cell): string {
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

/** A run's counts, as its summary states them. */
export interface FileRowCounts {
  readonly rows: number;
  readonly found: number;
  readonly notFound: number;
  readonly otherErrors: number;
  /** Rows that fail the run under the error behavior (0 with DoNotFailAndReturnResponse). */
  readonly failedRows: number;
}

export const NO_ROWS: FileRowCounts = {
  rows: 0,
  found: 0,
  notFound: 0,
  otherErrors: 0,
  failedRows: 0,
};

/** The counts with one more row of `statusCode`. */
export function countRow(
  counts: FileRowCounts,
  statusCode: number,
  failed: boolean,
): FileRowCounts {
  return {
    rows: counts.rows + 1,
    found: counts.found + (statusCode === 200 ? 1 : 0),
    notFound: counts.notFound + (statusCode === 404 ? 1 : 0),
    otherErrors: counts.otherErrors + (statusCode !== 200 && statusCode !== 404 ? 1 : 0),
    failedRows: counts.failedRows + (failed ? 1 : 0),
  };
}
