/**
 * The batches feature's entry: what the SQS and file functions share: the batch engine, the batch
 * lane each batch container is built with, and a batch's end (its log line and its metrics).
 */

export {
  type BatchDeps,
  lookupRows,
  maxInFlightFor,
  type RowLookup,
  runBounded,
} from './engine.js';
export { type BatchAdapters, createBatchLane } from './lane.js';
export { type BatchSummary, reportBatch } from './metrics.js';
