/**
 * Assembling a run's parts (core/file-parts.ts): every row once, in order, whatever the batches;
 * a row missing, twice or beyond the file is a problem, never a short results file.
 */

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  assembleParts,
  assemblyProblemText,
  PartFormatError,
  type PartLine,
  type PartRef,
  partText,
  readPartText,
} from '../../functions/files/parts.js';

const line = (i: number, s = 200): PartLine => ({ i, s, f: s !== 200, l: `row ${i}` });

async function assemble(batches: readonly number[][], rows: number) {
  const parts: PartRef[] = batches.map((indices, n) => ({
    key: `p${n}`,
    first: Math.min(...indices),
  }));
  const byKey = new Map(
    batches.map((indices, n) => [`p${n}`, indices.map((i) => line(i, i % 5 === 0 ? 404 : 200))]),
  );
  const written: string[] = [];
  /** For each load: the part's first index, and how many rows were written before it. */
  const loads: [number, number][] = [];
  const result = await assembleParts(parts, rows, {
    load: async (part) => {
      loads.push([part.first, written.length]);
      return byKey.get(part.key) ?? [];
    },
    write: async (text) => {
      written.push(text);
    },
  });
  return { result, written, loads };
}

describe('assembling parts', () => {
  it('writes every row in index order from consecutive batches, with the counts', async () => {
    // Act
    const { result, written } = await assemble(
      [
        [10, 11, 12],
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
      ],
      13,
    );
    // Assess
    expect(written).toEqual(Array.from({ length: 13 }, (_, i) => `row ${i}`));
    expect(result).toEqual({
      ok: true,
      parts: 3,
      counts: { rows: 13, found: 10, notFound: 3, otherErrors: 0, failedRows: 3 },
      budgetRate: null,
    });
  });

  it('tells the lowest and highest rate the budget allowed while the rows were done', async () => {
    // Prepare: the rows of the second part were done at a learned rate below the ceiling.
    const parts: PartRef[] = [
      { key: 'a', first: 0 },
      { key: 'b', first: 2 },
    ];
    const lines: Record<string, PartLine[]> = {
      a: [
        { ...line(0), r: 20 },
        { ...line(1), r: 20 },
      ],
      b: [{ ...line(2), r: 13.5 }, line(3)],
    };
    // Act
    const result = await assembleParts(parts, 4, {
      load: async (part) => lines[part.key] ?? [],
      write: async () => undefined,
    });
    // Assess
    expect(result).toMatchObject({ ok: true, budgetRate: { lowest: 13.5, highest: 20 } });
  });

  it('merges interleaved batches in order too', async () => {
    fc.assert(
      await fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 6 }),
        async (rows, batches) => {
          // Prepare: deal the rows round-robin into batches
          const dealt = Array.from({ length: Math.min(batches, rows) }, (_, b) =>
            Array.from({ length: rows }, (_, i) => i).filter(
              (i) => i % Math.min(batches, rows) === b,
            ),
          );
          // Act
          const { result, written } = await assemble(dealt, rows);
          // Assess
          expect(result.ok).toBe(true);
          expect(written).toEqual(Array.from({ length: rows }, (_, i) => `row ${i}`));
        },
      ),
      { seed: 3, numRuns: 100 },
    );
  });

  it.each([
    [
      'missing',
      [[0, 1], [3]],
      4,
      { kind: 'missing', index: 2 },
      'row 3 of 4 has no result: no batch wrote it',
    ],
    [
      'missing at the end',
      [[0, 1, 2]],
      4,
      { kind: 'missing', index: 3 },
      'row 4 of 4 has no result: no batch wrote it',
    ],
    [
      'twice',
      [
        [0, 1],
        [1, 2],
      ],
      3,
      { kind: 'duplicate', index: 1 },
      'row 2 of 3 has more than one result',
    ],
    [
      'the last twice',
      [[0, 1, 2], [2]],
      3,
      { kind: 'duplicate', index: 2 },
      'row 3 of 3 has more than one result',
    ],
    [
      'beyond the file',
      [[0, 1, 2, 3]],
      3,
      { kind: 'unexpected', index: 3 },
      'a batch wrote a result for row 4, but the file has 3 rows',
    ],
    [
      'a part beyond the file',
      [[0, 1], [5]],
      2,
      { kind: 'unexpected', index: 5 },
      'a batch wrote a result for row 6, but the file has 2 rows',
    ],
  ] as const)('refuses a row %s', async (_name, batches, rows, problem, text) => {
    // Act
    const { result } = await assemble(
      batches.map((b) => [...b]),
      rows,
    );
    // Assess
    expect(result).toEqual({ ok: false, problem });
    expect(assemblyProblemText(problem, rows)).toBe(text);
  });

  it('assembles an empty file from no parts', async () => {
    // Act
    const { result, written } = await assemble([], 0);
    // Assess
    expect(result).toEqual({
      ok: true,
      parts: 0,
      counts: { rows: 0, found: 0, notFound: 0, otherErrors: 0, failedRows: 0 },
      budgetRate: null,
    });
    expect(written).toEqual([]);
  });
});

describe('a part’s text', () => {
  it('reads back what was written', () => {
    // Prepare
    const lines = [line(3), { i: 4, s: 404, f: true, l: 'a,"b\nc"', r: 7.25 }];
    // Act & Assess
    expect(readPartText(partText(lines), 'p')).toEqual(lines);
  });

  it('refuses a line that is no part row', () => {
    // Act & Assess
    expect(() => readPartText('{"i":1}\n', 'runs/x/parts/0.jsonl')).toThrow(PartFormatError);
    expect(() => readPartText('{"i":1,"s":200,"f":false,"l":"","r":"fast"}\n', 'p')).toThrow(
      PartFormatError,
    );
    expect(() => readPartText('oops\n', 'runs/x/parts/0.jsonl')).toThrow(
      'runs/x/parts/0.jsonl: line 1 is not JSON',
    );
  });
});
