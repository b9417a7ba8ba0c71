/**
 * The file workflow's shared facts: where things live in the files bucket, which files it reads,
 * and the plan of its distributed map. The stack builds the state machine from `fileWorkflowPlan`
 * and the local runner runs the same plan, so the two cannot drift.
 */

/** The bucket's prefixes: uploads, results and summaries, and the runs' parts (per execution). */
export const FILE_PREFIXES = { input: 'input/', output: 'output/', runs: 'runs/' } as const;

export type FileFormat = 'csv' | 'jsonl';

/** The format a key's extension names (any case): `.csv`, or `.jsonl` / `.ndjson`; else null. */
export function fileFormatOf(key: string): FileFormat | null {
  if (/\.csv$/i.test(key)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(key)) return 'jsonl';
  return null;
}

/**
 * Where a run writes: `input/a/rows.csv` → `output/a/rows.results.csv` and
 * `output/a/rows.summary.json` (a key outside the input prefix keeps its whole path).
 */
export function outputKeysFor(inputKey: string): {
  readonly results: string;
  readonly summary: string;
} {
  const relative = inputKey.startsWith(FILE_PREFIXES.input)
    ? inputKey.slice(FILE_PREFIXES.input.length)
    : inputKey;
  const format = fileFormatOf(relative);
  const stem = format === null ? relative : relative.replace(/\.[^./]+$/, '');
  const extension = format === 'csv' ? 'csv' : 'jsonl';
  return {
    results: `${FILE_PREFIXES.output}${stem}.results.${extension}`,
    summary: `${FILE_PREFIXES.output}${stem}.summary.json`,
  };
}

/** The parts of one run (one execution): `runs/<run id>/parts/`. */
export function partsPrefixFor(runId: string): string {
  return `${FILE_PREFIXES.runs}${runId}/parts/`;
}

/** Where a batch that ran out of time keeps its done rows for its next attempt. */
export function progressKeyFor(runId: string, firstIndex: number): string {
  return partKeyFor(`${FILE_PREFIXES.runs}${runId}/progress/`, firstIndex);
}

/** Width of a part's first index in its key, so that keys sort in input order. */
const INDEX_DIGITS = 10;

/** The part of the batch whose first item has index `firstIndex`. */
export function partKeyFor(partsPrefix: string, firstIndex: number): string {
  return `${partsPrefix}${String(firstIndex).padStart(INDEX_DIGITS, '0')}.jsonl`;
}

/** The first index a part key names, or null for a key that is no part. */
export function firstIndexOfPart(partsPrefix: string, key: string): number | null {
  if (!key.startsWith(partsPrefix)) return null;
  const match = /^(\d+)\.jsonl$/.exec(key.slice(partsPrefix.length));
  return match === null ? null : Number(match[1]);
}

/** A run id is the execution's name: what Step Functions allows there, and nothing else. */
export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,80}$/.test(value);
}

/**
 * The largest row (UTF-8 bytes of the item as JSON) a file may hold: the SQS function's body
 * limit. Together with MAX_BATCH_INPUT_BYTES it keeps every batch within Step Functions' 256 KiB
 * state payload.
 */
export const MAX_ROW_BYTES = 64 * 1024;

/** The map's MaxInputBytesPerBatch: the items of one batch, below the 256 KiB payload limit. */
export const MAX_BATCH_INPUT_BYTES = 200 * 1024;

/** The most child executions one run may start (the map's aggregated results stay small). */
export const MAX_BATCHES_PER_RUN = 10_000;

/** How a whole batch that failed (a crash, a timeout, rows never started) is tried again. */
interface BatchRetry {
  /** The first wait, seconds. */
  readonly intervalSeconds: number;
  /** Each wait is this many times the one before. */
  readonly backoffRate: number;
  /** Retries after the first attempt (Step Functions' MaxAttempts). */
  readonly maxAttempts: number;
  /** No wait longer than this, seconds. */
  readonly maxDelaySeconds: number;
}

export const BATCH_RETRY: BatchRetry = {
  intervalSeconds: 10,
  backoffRate: 2,
  maxAttempts: 5,
  maxDelaySeconds: 120,
};

/** The waits between the attempts of a batch, seconds (what Step Functions waits). */
export function batchRetryWaitsSeconds(retry: BatchRetry = BATCH_RETRY): number[] {
  return Array.from({ length: retry.maxAttempts }, (_, attempt) =>
    Math.min(retry.intervalSeconds * retry.backoffRate ** attempt, retry.maxDelaySeconds),
  );
}

/** The distributed map's settings: the stack's definition and the local runner use these. */
export interface FileWorkflowPlan {
  /** MaxItemsPerBatch: rows per child execution. */
  readonly batchSize: number;
  /** MaxInputBytesPerBatch. */
  readonly maxBatchBytes: number;
  /** MaxConcurrency: child executions at once (the budget, not this, sets the pace). */
  readonly maxConcurrency: number;
  readonly retry: BatchRetry;
}

export function fileWorkflowPlan(settings: {
  readonly batchSize: number;
  readonly maxConcurrency: number;
}): FileWorkflowPlan {
  return {
    batchSize: settings.batchSize,
    maxBatchBytes: MAX_BATCH_INPUT_BYTES,
    maxConcurrency: settings.maxConcurrency,
    retry: BATCH_RETRY,
  };
}

/**
 * Inside one batch invocation: how many rounds a row with a transient failure gets (each with
 * the directory's own attempts), and the waits before the second and third.
 */
export const ROW_ROUNDS = 3;
export const ROUND_WAITS_MS: readonly number[] = [1000, 5000];

/** Time kept at the end of a batch invocation to write its part (or its progress). */
export const PART_WRITE_RESERVE_MS = 3000;

/** The error names the workflow's steps fail with (the Fail state's Error). */
export const FILE_ERRORS = {
  /** The file cannot be processed (extension, size, rows, header, not UTF-8, not JSON...). */
  rejected: 'FileRejected',
  /** Some line of the file has no result, or has two, after every batch succeeded. */
  incomplete: 'ResultsIncomplete',
  /** A batch failed after its retries (the map failed). */
  batchFailed: 'BatchFailed',
  /** A batch ran out of time with rows not started: it keeps its done rows and is retried. */
  batchUnfinished: 'BatchUnfinished',
  /** Rows failed and the error behavior says a failed row fails the run. */
  rowsFailed: 'RowsFailed',
  /** A step of ours failed unexpectedly. */
  internal: 'RunFailed',
} as const;
