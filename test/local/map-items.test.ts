/**
 * The local map's item side (local/map-items.ts): items read by the ItemReader's rules, the
 * ItemSelector's {index, row}, and the ItemBatcher's two limits (items and bytes per batch).
 */

import { describe, expect, it } from '@jest/globals';
import type { BatchContextInput } from '../../functions/files/steps.js';
import { batchItems, ItemReaderFailedError, readItems } from '../../local/map-items.js';

async function* chunks(text: string, size = 5) {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const INPUT: BatchContextInput = {
  runId: 'r',
  format: 'jsonl',
  columns: [],
  partsPrefix: 'runs/r/parts/',
};

describe('the local map’s items', () => {
  it('reads CSV rows as header-named strings and JSON Lines values, skipping blank lines', async () => {
    // Act
    const csv = await all(readItems('csv', chunks('\uFEFFIdentifier,Ref\nid:1,"a,b"\n\nid:2\n')));
    const jsonl = await all(readItems('jsonl', chunks('{"Identifier":"id:1"}\n\n  \n[1]\r\n7')));
    // Assess
    expect(csv).toEqual([
      { Identifier: 'id:1', Ref: 'a,b' },
      { Identifier: 'id:2', Ref: '' },
    ]);
    expect(jsonl).toEqual([{ Identifier: 'id:1' }, [1], 7]);
  });

  it('fails like the ItemReader on a line that is not JSON or an unclosed quote', async () => {
    // Act
    const jsonl = all(readItems('jsonl', chunks('{"a":1}\n{oops\n')));
    const csv = all(readItems('csv', chunks('Identifier\n"id:1\n')));
    // Assess
    await expect(jsonl).rejects.toThrow(ItemReaderFailedError);
    await expect(jsonl).rejects.toThrow('line 2 is not JSON');
    await expect(csv).rejects.toThrow(ItemReaderFailedError);
  });

  it('closes a batch at the item limit or before the byte limit, whichever comes first', async () => {
    // Prepare: items of 100 characters; the envelope and four of them pass 500 bytes.
    async function* rows() {
      for (let i = 0; i < 7; i += 1) yield 'x'.repeat(100);
    }
    // Act
    const byCount = await all(batchItems(rows(), INPUT, { batchSize: 3, maxBatchBytes: 10_000 }));
    const byBytes = await all(batchItems(rows(), INPUT, { batchSize: 100, maxBatchBytes: 500 }));
    // Assess
    expect(byCount.map((batch) => batch.Items.map((item) => item.index))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6],
    ]);
    expect(byBytes.map((batch) => batch.Items.length)).toEqual([3, 3, 1]);
    for (const batch of byBytes) {
      expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(500);
      expect(batch.BatchInput).toBe(INPUT);
    }
  });
});
