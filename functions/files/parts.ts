/**
 * A run's parts and how they become one results file, pure. Each batch writes one part: a JSON
 * line per row with its index in the file, StatusCode, whether it fails the run, and its finished
 * results line. The assemble step merges them in index order and checks every index 0..rows-1 is
 * there exactly once: a line missing, twice, or beyond the file's rows ends the run loudly rather
 * than write a results file that is not the whole file.
 */

import { countRow, type FileRowCounts, NO_ROWS } from './rows.js';

/** One row of a part. */
export interface PartLine {
  /** The row's index in the file, from 0. */
  readonly i: number;
  /** Its StatusCode. */
  readonly s: number;
  /** Whether it fails the run under the error behavior. */
  readonly f: boolean;
  /** Its line of the results file, without the line break. */
  readonly l: string;
  /** The respond.io rate the budget allowed when it was done, requests/s (absent: unknown). */
  readonly r?: number;
}

/** The lowest and highest rate the budget allowed while a run's rows were done, requests/s. */
export interface RateRange {
  readonly lowest: number;
  readonly highest: number;
}

export class PartFormatError extends Error {
  override readonly name = 'PartFormatError';
}

export function partText(lines: readonly PartLine[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

function isPartLine(value: unknown): value is PartLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  return (
    Number.isInteger(line.i) &&
    (line.i as number) >= 0 &&
    Number.isInteger(line.s) &&
    typeof line.f === 'boolean' &&
    typeof line.l === 'string' &&
    (line.r === undefined || (typeof line.r === 'number' && Number.isFinite(line.r)))
  );
}

/** The rows of a part's text. Throws PartFormatError on anything else. */
export function readPartText(text: string, name: string): PartLine[] {
  const lines: PartLine[] = [];
  for (const [number, raw] of text.split('\n').entries()) {
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new PartFormatError(`${name}: line ${number + 1} is not JSON`);
    }
    if (!isPartLine(value)) throw new PartFormatError(`${name}: line ${number + 1} is no part row`);
    lines.push(value);
  }
  return lines;
}

export interface PartRef {
  readonly key: string;
  /** The smallest index of its rows (from its key). */
  readonly first: number;
}

type AssemblyProblem =
  | { readonly kind: 'missing'; readonly index: number }
  | { readonly kind: 'duplicate'; readonly index: number }
  | { readonly kind: 'unexpected'; readonly index: number };

type Assembly =
  | {
      readonly ok: true;
      readonly counts: FileRowCounts;
      readonly parts: number;
      /** Null when no part said (parts written before the budget learned). */
      readonly budgetRate: RateRange | null;
    }
  | { readonly ok: false; readonly problem: AssemblyProblem };

/** What the problem means, in the words of the run's error. */
export function assemblyProblemText(problem: AssemblyProblem, rows: number): string {
  const row = problem.index + 1;
  switch (problem.kind) {
    case 'missing':
      return `row ${row} of ${rows} has no result: no batch wrote it`;
    case 'duplicate':
      return `row ${row} of ${rows} has more than one result`;
    case 'unexpected':
      return `a batch wrote a result for row ${row}, but the file has ${rows} rows`;
  }
}

/** A min-heap of part rows by index. */
function lineHeap() {
  const items: PartLine[] = [];
  const less = (a: number, b: number) => (items[a] as PartLine).i < (items[b] as PartLine).i;
  const swap = (a: number, b: number) => {
    const held = items[a] as PartLine;
    items[a] = items[b] as PartLine;
    items[b] = held;
  };
  return {
    get size() {
      return items.length;
    },
    peek: () => items[0],
    push(line: PartLine) {
      items.push(line);
      let at = items.length - 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!less(at, parent)) break;
        swap(at, parent);
        at = parent;
      }
    },
    pop(): PartLine | undefined {
      const top = items[0];
      const last = items.pop();
      if (items.length > 0 && last !== undefined) {
        items[0] = last;
        let at = 0;
        for (;;) {
          const left = 2 * at + 1;
          const right = left + 1;
          let smallest = at;
          if (left < items.length && less(left, smallest)) smallest = left;
          if (right < items.length && less(right, smallest)) smallest = right;
          if (smallest === at) break;
          swap(at, smallest);
          at = smallest;
        }
      }
      return top;
    },
  };
}

interface AssemblyIo {
  /** The rows of a part (the caller may read ahead). */
  load(part: PartRef, position: number): Promise<readonly PartLine[]>;
  /** Writes one results line (the line break is the writer's). */
  write(line: string): Promise<void>;
}

/**
 * Merges the parts into results lines 0..rows-1, in order. A part is loaded only once every
 * index before its first has been written, so consecutive batches (what the map forms) keep one
 * part in memory at a time; interleaved batches merge correctly too.
 */
export async function assembleParts(
  parts: readonly PartRef[],
  rows: number,
  io: AssemblyIo,
): Promise<Assembly> {
  const sorted = [...parts].sort((a, b) => a.first - b.first);
  const heap = lineHeap();
  let next = 0;
  let counts = NO_ROWS;
  let budgetRate = null as RateRange | null;
  for (let expected = 0; expected < rows; expected += 1) {
    while (next < sorted.length && (sorted[next] as PartRef).first <= expected) {
      for (const line of await io.load(sorted[next] as PartRef, next)) heap.push(line);
      next += 1;
    }
    const top = heap.peek();
    if (top === undefined || top.i > expected) {
      return { ok: false, problem: { kind: 'missing', index: expected } };
    }
    if (top.i < expected) return { ok: false, problem: { kind: 'duplicate', index: top.i } };
    heap.pop();
    await io.write(top.l);
    counts = countRow(counts, top.s, top.f);
    if (top.r !== undefined) {
      budgetRate = {
        lowest: Math.min(top.r, budgetRate?.lowest ?? top.r),
        highest: Math.max(top.r, budgetRate?.highest ?? top.r),
      };
    }
  }
  const left = heap.peek();
  if (left !== undefined) {
    return {
      ok: false,
      problem:
        left.i < rows
          ? { kind: 'duplicate', index: left.i }
          : { kind: 'unexpected', index: left.i },
    };
  }
  if (next < sorted.length) {
    return { ok: false, problem: { kind: 'unexpected', index: (sorted[next] as PartRef).first } };
  }
  return { ok: true, counts, parts: sorted.length, budgetRate };
}
