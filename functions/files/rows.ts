/**
 * One line of a bulk file, from the item the distributed map hands the batch function to the
 * line of the results file: reading the item (a CSV row's `Identifier` column, a JSON Lines
 * object's `Identifier` field, everything else carried through as `Input`), the record written
 * (the columns `npm run batch` writes), what ERROR_BEHAVIOR makes of a failed row, and the
 * run's counts. Pure.
 *
 * ERROR_BEHAVIOR for a file (every line always has its output line):
 * - DoNotFailAndReturnResponse: an error row like any other row; the run succeeds.
 * - FailAndReturnResponse: the error row, and the row counts as failed: a run with failed rows
 *   ends failed (RowsFailed) once its results are written.
 * - FailWithoutResponse: the error row carries only StatusCode and a short Message (`Not
 *   found`, `Bad request`...; details in the log), and the row counts as failed, as above.
 */

import {
  type ContactRow,
  errorRow,
  isRecord,
  type LookupOutcome,
  shortMessage,
} from '../lookup/index.js';
import type { ErrorBehavior } from '../settings/index.js';
import { isIdentifierColumn } from './check.js';
import type { FileFormat } from './workflow.js';

/** What the map hands over per line: its index in the file (from 0) and the item read. */
export interface FileItem {
  readonly index: number;
  readonly row: unknown;
}

/** A line read as a row: its Identifier (validated later) and the fields carried through. */
export type FileRow =
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

/** The row's id in the results: the run and the line's index, unique across runs. */
export function fileRowId(runId: string, index: number): string {
  return `${runId}:${index}`;
}

export function fileRecord(
  runId: string,
  index: number,
  identifier: unknown,
  extras: Readonly<Record<string, unknown>>,
  row: ContactRow,
): FileRecord {
  return {
    SourceMessageId: fileRowId(runId, index),
    Identifier: identifier ?? null,
    ...row,
    Input: extras,
    DeadLettered: false,
  };
}

/** What a final outcome writes under the behavior, and whether it counts as a failed row. */
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

export function addCounts(a: FileRowCounts, b: FileRowCounts): FileRowCounts {
  return {
    rows: a.rows + b.rows,
    found: a.found + b.found,
    notFound: a.notFound + b.notFound,
    otherErrors: a.otherErrors + b.otherErrors,
    failedRows: a.failedRows + b.failedRows,
  };
}
