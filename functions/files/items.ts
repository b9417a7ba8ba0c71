/**
 * A bulk file's text as items, by the rules of the distributed map's ItemReader, so the prepare
 * check, the local runner and the batch function agree with what the map hands out. Incremental:
 * text arrives in chunks, complete records come out, only the record being read is held.
 *
 * CSV, as AWS documents it ("How Step Functions parses input CSV files"): commas separate fields,
 * `\n` or `\r\n` records, every value is a string; a field in double quotes may hold commas and
 * newlines, `""` inside it is one `"`; a backslash escapes a backslash, a quote or the comma, and
 * is dropped before any other character; a short row gets empty strings, extra fields are
 * skipped. Where AWS says nothing (the assemble step's count of every line fails a disagreement
 * loudly, it cannot lose a line): empty lines are no records, and a leading byte order mark is
 * not part of the first header name. JSON Lines: one JSON value per line, empty lines skipped.
 */

/** One CSV record: its fields, and the line of the file it starts on (1-based). */
export interface CsvRecord {
  readonly fields: readonly string[];
  readonly line: number;
}

/** A problem that makes the text unreadable as items (the file is malformed). */
export class ItemReadError extends Error {
  override readonly name = 'ItemReadError';
}

interface CsvRecordReader {
  /** Reads the next chunk of text; returns the records it completed. Throws ItemReadError. */
  push(text: string): CsvRecord[];
  /** The end of the text: the last record, if any. Throws ItemReadError (an unclosed quote). */
  end(): CsvRecord[];
}

const BOM = '\uFEFF';

/** Hands chunks of a text on, without the byte order mark its first chunk may start with. */
function bomDropper(): (chunk: string) => string {
  let atStart = true;
  return (chunk) => {
    if (!atStart || chunk.length === 0) return chunk;
    atStart = false;
    return chunk.startsWith(BOM) ? chunk.slice(1) : chunk;
  };
}

export function createCsvRecordReader(): CsvRecordReader {
  let fields: string[] = [];
  let field = '';
  /** Whether the current record has any character yet (an empty line is no record). */
  let started = false;
  let quoted = false;
  /** Inside a quoted field, a `"` was just read: either the closing quote or half of `""`. */
  let quoteSeen = false;
  let escaped = false;
  /** A `\r` was read outside quotes: dropped if a `\n` follows, kept otherwise. */
  let carriageReturn = false;
  let line = 1;
  let recordLine = 1;
  const dropBom = bomDropper();
  let done: CsvRecord[] = [];

  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    if (started) {
      endField();
      done.push({ fields, line: recordLine });
    }
    fields = [];
    field = '';
    started = false;
  };
  const begin = () => {
    if (!started) {
      started = true;
      recordLine = line;
    }
  };

  function read(char: string): void {
    if (carriageReturn) {
      carriageReturn = false;
      if (char !== '\n') {
        begin();
        field += '\r';
      }
    }
    if (escaped) {
      escaped = false;
      // Only a backslash, a double quote or the comma can be escaped; before anything else the
      // backslash is dropped and the character read as it is.
      if (char === '\\' || char === '"' || char === ',') {
        field += char;
        return;
      }
    }
    if (quoted) {
      if (quoteSeen) {
        quoteSeen = false;
        if (char === '"') {
          field += '"';
          return;
        }
        quoted = false; // the closing quote; this character is read outside the quotes
      } else {
        if (char === '"') quoteSeen = true;
        else if (char === '\\') escaped = true;
        else {
          field += char;
          if (char === '\n') line += 1;
        }
        return;
      }
    }
    switch (char) {
      case ',':
        begin();
        endField();
        return;
      case '\n':
        endRecord();
        line += 1;
        return;
      case '\r':
        carriageReturn = true;
        return;
      case '\\':
        begin();
        escaped = true;
        return;
      case '"':
        begin();
        // A quote opens a quoted field only at its start; elsewhere it is an ordinary character.
        if (field === '') quoted = true;
        else field += char;
        return;
      default:
        begin();
        field += char;
    }
  }

  return {
    push(text) {
      const chunk = dropBom(text);
      for (const char of chunk) read(char);
      const out = done;
      done = [];
      return out;
    },
    end() {
      if (quoted && !quoteSeen) {
        throw new ItemReadError(`line ${recordLine}: a quoted field is not closed`);
      }
      carriageReturn = false;
      escaped = false;
      endRecord();
      const out = done;
      done = [];
      return out;
    },
  };
}

/** A header and a record as the ItemReader pairs them: missing fields empty, extra ones dropped. */
export function csvItem(
  header: readonly string[],
  fields: readonly string[],
): Record<string, string> {
  const item: Record<string, string> = {};
  header.forEach((name, index) => {
    item[name] = fields[index] ?? '';
  });
  return item;
}

/** One line of a JSON Lines file, and its line number (1-based). */
interface TextLine {
  readonly text: string;
  readonly line: number;
}

interface LineReader {
  /** Reads the next chunk; returns the lines it completed (`\n` or `\r\n` ends a line). */
  push(text: string): TextLine[];
  /** The end of the text: the last line, if it did not end with a newline. */
  end(): TextLine[];
}

export function createLineReader(): LineReader {
  let pending = '';
  let line = 1;
  const dropBom = bomDropper();
  const take = (text: string): TextLine => {
    const entry = { text: text.endsWith('\r') ? text.slice(0, -1) : text, line };
    line += 1;
    return entry;
  };
  return {
    push(text) {
      const chunk = dropBom(text);
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() ?? '';
      return parts.map(take);
    },
    end() {
      const last = pending;
      pending = '';
      return last === '' ? [] : [take(last)];
    },
  };
}

/** A JSON Lines line that is no item: only whitespace. */
export function isBlankLine(text: string): boolean {
  return text.trim() === '';
}
