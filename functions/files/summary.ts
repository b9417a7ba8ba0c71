/**
 * The summary of a run (`output/<name>.summary.json`): what ran, how it ended, the counts and
 * the time it took; for a failed run the error and its cause. Written last, so a summary that
 * says `succeeded` or `rows-failed` means its results file is complete. Pure.
 */

import type { ErrorBehavior } from '../settings/index.js';
import type { RateRange } from './parts.js';
import type { FileRowCounts } from './rows.js';
import { FILE_ERRORS } from './workflow.js';

export interface RunInput {
  readonly bucket: string;
  readonly key: string;
  /** The object version the run read (`null`: the bucket has no versioning, locally). */
  readonly versionId: string | null;
  readonly etag: string | null;
  readonly bytes: number | null;
}

type RunStatus =
  /** Every row has its line; none failed the run. */
  | 'succeeded'
  /** Every row has its line; some failed, and the error behavior fails the run for them. */
  | 'rows-failed'
  /** No results file from this run: the file was refused or a step failed. */
  | 'failed';

export interface RunSummary extends Partial<FileRowCounts> {
  readonly status: RunStatus;
  readonly runId: string;
  readonly input: RunInput;
  /** Absent when the run failed. */
  readonly results?: string;
  readonly errorBehavior?: ErrorBehavior;
  /** The respond.io rate the budget allowed while the rows were done, requests/s. */
  readonly budgetRateRps?: RateRange;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly elapsedSeconds: number;
}

interface Run {
  readonly runId: string;
  readonly input: RunInput;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

const times = (run: Run) => ({
  startedAt: new Date(run.startedAtMs).toISOString(),
  finishedAt: new Date(run.finishedAtMs).toISOString(),
  elapsedSeconds: Math.round((run.finishedAtMs - run.startedAtMs) / 100) / 10,
});

/** The summary of a run whose results were written. */
export function finishedSummary(
  run: Run & {
    readonly results: string;
    readonly counts: FileRowCounts;
    readonly errorBehavior: ErrorBehavior;
    readonly budgetRate?: RateRange | null;
  },
): RunSummary {
  const failed = run.counts.failedRows > 0;
  return {
    status: failed ? 'rows-failed' : 'succeeded',
    runId: run.runId,
    input: run.input,
    results: run.results,
    ...run.counts,
    errorBehavior: run.errorBehavior,
    ...(run.budgetRate ? { budgetRateRps: run.budgetRate } : {}),
    ...(failed
      ? { error: FILE_ERRORS.rowsFailed, cause: rowsFailedCause(run.counts, run.errorBehavior) }
      : {}),
    ...times(run),
  };
}

/** Why a run whose results were written still failed. */
function rowsFailedCause(counts: FileRowCounts, behavior: ErrorBehavior): string {
  return (
    `${counts.failedRows} of ${counts.rows} rows failed (${counts.notFound} not found, ` +
    `${counts.otherErrors} other errors) and ERROR_BEHAVIOR=${behavior} fails the run for them; ` +
    'every row has its line in the results file (DoNotFailAndReturnResponse lets such a run succeed)'
  );
}

/** The summary of a run that wrote no results file. */
export function failedSummary(
  run: Run & { readonly error: string; readonly cause: string },
): RunSummary {
  const { runId, input, error, cause } = run;
  return { status: 'failed', runId, input, error, cause, ...times(run) };
}
