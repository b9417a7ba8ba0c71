/**
 * The check of an uploaded file before any lookup: its items counted by the ItemReader's own
 * rules (items.ts), and every reason to refuse it with a clear message rather than a stuck or
 * half-done run. Incremental, so a large object is checked as it streams.
 */

import {
  type CsvRecord,
  createCsvRecordReader,
  createLineReader,
  csvItem,
  ItemReadError,
  isBlankLine,
} from './items.js';
import { type FileFormat, MAX_ROW_BYTES } from './workflow.js';

/** The ItemReader's limit on a CSV header row. */
const MAX_CSV_HEADER_BYTES = 10 * 1024;

/** A column name as the Identifier column is recognised: trimmed, any letter case. */
export function isIdentifierColumn(name: string): boolean {
  return name.trim().toLowerCase() === 'identifier';
}

interface FileLimits {
  readonly maxRows: number;
  readonly maxRowBytes?: number;
}

/** A file the workflow can run. */
interface FileAccepted {
  readonly ok: true;
  readonly rows: number;
  /** CSV: the header's names, in order; JSON Lines: empty (every line has its own fields). */
  readonly columns: readonly string[];
}

interface FileRefused {
  readonly ok: false;
  readonly reason: string;
}

export type FileCheck = FileAccepted | FileRefused;

interface FileInspector {
  /** Reads the next chunk of text; a refusal (the first problem found) ends the check early. */
  push(text: string): FileRefused | null;
  end(): FileCheck;
}

/** Bytes of a string in UTF-8. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index += 1;
    } else bytes += 3;
  }
  return bytes;
}

const refuse = (reason: string): FileRefused => ({ ok: false, reason });

function headerProblem(header: readonly string[]): string | null {
  const identifiers = header.filter(isIdentifierColumn);
  if (identifiers.length === 0) {
    return 'the CSV header has no Identifier column (the first line must name the columns, one of them Identifier)';
  }
  if (identifiers.length > 1) return 'the CSV header has more than one Identifier column';
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) return `the CSV header names the column ${JSON.stringify(name)} twice`;
    seen.add(name);
  }
  if (utf8Bytes(header.join(',')) > MAX_CSV_HEADER_BYTES) {
    return `the CSV header is longer than ${MAX_CSV_HEADER_BYTES} bytes (the most Step Functions reads)`;
  }
  return null;
}

export function createFileInspector(format: FileFormat, limits: FileLimits): FileInspector {
  const maxRowBytes = limits.maxRowBytes ?? MAX_ROW_BYTES;
  let rows = 0;
  let header: readonly string[] | null = null;
  let refusal: FileRefused | null = null;

  const tooMany = () =>
    refuse(`the file has more than ${limits.maxRows} rows (the most one run takes)`);
  const tooBig = (line: number, bytes: number) =>
    refuse(`line ${line} is ${bytes} bytes, more than the ${maxRowBytes} a row may have`);

  function countRow(line: number, bytes: number): FileRefused | null {
    if (bytes > maxRowBytes) return tooBig(line, bytes);
    rows += 1;
    return rows > limits.maxRows ? tooMany() : null;
  }

  function csvRecords(records: readonly CsvRecord[]): FileRefused | null {
    for (const record of records) {
      if (header === null) {
        header = record.fields;
        const problem = headerProblem(header);
        if (problem !== null) return refuse(problem);
        continue;
      }
      const bytes = utf8Bytes(JSON.stringify(csvItem(header, record.fields)));
      const problem = countRow(record.line, bytes);
      if (problem !== null) return problem;
    }
    return null;
  }

  const csv = createCsvRecordReader();
  const lines = createLineReader();

  function jsonLines(read: readonly { text: string; line: number }[]): FileRefused | null {
    for (const { text, line } of read) {
      if (isBlankLine(text)) continue;
      try {
        JSON.parse(text);
      } catch {
        return refuse(`line ${line} is not JSON (each line must be one JSON object)`);
      }
      const problem = countRow(line, utf8Bytes(text));
      if (problem !== null) return problem;
    }
    return null;
  }

  function guarded(read: () => FileRefused | null): FileRefused | null {
    if (refusal !== null) return refusal;
    try {
      refusal = read();
    } catch (error) {
      if (!(error instanceof ItemReadError)) throw error;
      refusal = refuse(`the CSV cannot be read: ${error.message}`);
    }
    return refusal;
  }

  return {
    push(text) {
      return guarded(() =>
        format === 'csv' ? csvRecords(csv.push(text)) : jsonLines(lines.push(text)),
      );
    },
    end() {
      const problem = guarded(() =>
        format === 'csv' ? csvRecords(csv.end()) : jsonLines(lines.end()),
      );
      if (problem !== null) return problem;
      if (format === 'csv' && header === null) {
        return refuse('the file is empty: a CSV needs a header line with an Identifier column');
      }
      return { ok: true, rows, columns: header ?? [] };
    },
  };
}
