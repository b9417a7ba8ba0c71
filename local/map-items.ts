/**
 * The distributed map's item side, for the local file runner (local/file-runner.ts): the
 * ItemReader (the accepted object's text read by the rules of functions/files/items.ts: CSV with its
 * header row, every value a string; JSON Lines, one JSON value per line, blank lines skipped),
 * the ItemSelector (`{index: $$.Map.Item.Index, row: $$.Map.Item.Value}`) and the ItemBatcher
 * (at most `batchSize` items and `maxBatchBytes` bytes of batch event per batch, each with the
 * BatchInput). Streamed: the file is never held whole, batches come out as they fill.
 */

import {
  createCsvRecordReader,
  createLineReader,
  csvItem,
  ItemReadError,
  isBlankLine,
} from '../functions/files/items.js';
import type { BatchContextInput, BatchEvent, BatchItem } from '../functions/files/steps.js';
import type { FileFormat } from '../functions/files/workflow.js';

/** The map could not read the file's items (Step Functions' States.ItemReaderFailed). */
export class ItemReaderFailedError extends Error {
  override readonly name = 'States.ItemReaderFailed';
}

/** The items of a text, in file order, as the ItemReader reads them. */
export async function* readItems(
  format: FileFormat,
  chunks: AsyncIterable<string>,
): AsyncGenerator<unknown> {
  try {
    if (format === 'csv') {
      const reader = createCsvRecordReader();
      let header: readonly string[] | null = null;
      const records = function* (read: ReturnType<typeof reader.push>) {
        for (const record of read) {
          if (header === null) header = record.fields;
          else yield csvItem(header, record.fields);
        }
      };
      for await (const chunk of chunks) yield* records(reader.push(chunk));
      yield* records(reader.end());
      return;
    }
    const reader = createLineReader();
    const values = function* (lines: ReturnType<typeof reader.push>) {
      for (const { text, line } of lines) {
        if (isBlankLine(text)) continue;
        try {
          yield JSON.parse(text) as unknown;
        } catch {
          throw new ItemReaderFailedError(`line ${line} is not JSON`);
        }
      }
    };
    for await (const chunk of chunks) yield* values(reader.push(chunk));
    yield* values(reader.end());
  } catch (error) {
    if (error instanceof ItemReadError) throw new ItemReaderFailedError(error.message);
    throw error;
  }
}

export interface BatcherLimits {
  /** MaxItemsPerBatch. */
  readonly batchSize: number;
  /** MaxInputBytesPerBatch, counted on the whole batch event (items and BatchInput) as JSON. */
  readonly maxBatchBytes: number;
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The batches of the items, in order: each item selected as `{index, row}`, a batch closed when
 * one more item would pass either limit (an item too large alone still gets a batch of its own;
 * the prepare step keeps rows far below the limit).
 */
export async function* batchItems(
  items: AsyncIterable<unknown>,
  input: BatchContextInput,
  limits: BatcherLimits,
): AsyncGenerator<BatchEvent> {
  // `{"Items":[],"BatchInput":…}`: the envelope every batch carries.
  const envelopeBytes = bytesOf({ Items: [], BatchInput: input });
  let batch: BatchItem[] = [];
  let bytes = envelopeBytes;
  let index = 0;
  for await (const row of items) {
    const item: BatchItem = { index, row };
    index += 1;
    const itemBytes = bytesOf(item) + (batch.length > 0 ? 1 : 0);
    if (batch.length > 0 && bytes + itemBytes > limits.maxBatchBytes) {
      yield { Items: batch, BatchInput: input };
      batch = [];
      bytes = envelopeBytes;
    }
    batch.push(item);
    bytes += bytesOf(item) + (batch.length > 1 ? 1 : 0);
    if (batch.length >= limits.batchSize) {
      yield { Items: batch, BatchInput: input };
      batch = [];
      bytes = envelopeBytes;
    }
  }
  if (batch.length > 0) yield { Items: batch, BatchInput: input };
}
