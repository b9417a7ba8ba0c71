/**
 * The batches feature's entry: what the SQS and file functions share. The batch engine that
 * looks a batch's rows up (engine.ts), the batch lane each batch container is built with
 * (lane.ts), and a batch's end: its log line and its metrics (metrics.ts).
 */

export {
  type BatchDeps,
  lookupRows,
  maxInFlightFor,
  type RowLookup,
  runBounded,
} from './engine.js';
export { type BatchAdapters, createBatchLane } from './lane.js';
export { type BatchMetrics, type BatchSummary, reportBatch } from './metrics.js';
