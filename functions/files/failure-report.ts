/**
 * The file workflow's failure step: whatever ended a run early, it writes the error summary where
 * the run's summary would be, and answers the Fail state's Error and Cause in words (the Lambda
 * error's message without its stack trace; for the map, what to look at).
 */

import type { Logger } from '../platform/index.js';
import type { FailEvent, Reported } from './steps.js';
import type { FileStore } from './store.js';
import { failedSummary, type RunInput } from './summary.js';
import { FILE_ERRORS, outputKeysFor } from './workflow.js';

/** Longest cause kept (the Fail state's Cause may hold 32,768 characters; people read this). */
const MAX_CAUSE_LENGTH = 2000;

interface FailureReportDeps {
  readonly store: FileStore;
  readonly logger?: Logger;
  readonly now?: () => number;
}

type FailureReportHandler = (event: FailEvent) => Promise<Reported>;

/** A Lambda error's Cause is JSON (errorType, errorMessage, trace): its message only. */
function causeText(cause: string | undefined): string {
  if (cause === undefined || cause === '') return 'no cause given';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return String((parsed as { errorMessage: unknown }).errorMessage);
    }
  } catch {
    // Plain text (Step Functions' own errors).
  }
  return cause;
}

/** The run's error and cause from what the Catch caught. */
export function describeFailure(error: string | undefined, cause: string | undefined) {
  const text = causeText(cause).slice(0, MAX_CAUSE_LENGTH);
  switch (error) {
    case FILE_ERRORS.rejected:
    case FILE_ERRORS.incomplete:
      return { error, cause: text };
    case 'States.ItemReaderFailed':
      return {
        error: FILE_ERRORS.rejected,
        cause: `Step Functions could not read the file's rows: ${text}`,
      };
    case 'States.ExceedToleratedFailureThreshold':
      return {
        error: FILE_ERRORS.batchFailed,
        cause:
          'a batch of rows failed after its retries, so the run stopped without results ' +
          `(${text}); the map run's failed child executions in the Step Functions console show why`,
      };
    default:
      return { error: FILE_ERRORS.internal, cause: `${error ?? 'an error'}: ${text}` };
  }
}

export function createFailureReportHandler(deps: FailureReportDeps): FailureReportHandler {
  const now = deps.now ?? Date.now;
  return async (event) => {
    const { error, cause } = describeFailure(event?.failure?.Error, event?.failure?.Cause);
    const prepared = event.prepared;
    const input: RunInput = prepared?.input ?? {
      bucket: String(event.bucket),
      key: String(event.key),
      versionId: event.versionId ?? null,
      etag: null,
      bytes: null,
    };
    const summary = prepared?.summary ?? outputKeysFor(input.key).summary;
    const startedAtMs = Date.parse(event.startedAt);
    const written = failedSummary({
      runId: event.runId,
      input,
      error,
      cause,
      startedAtMs: Number.isFinite(startedAtMs) ? startedAtMs : now(),
      finishedAtMs: now(),
    });
    await deps.store.put(summary, `${JSON.stringify(written, null, 2)}\n`, {
      contentType: 'application/json',
    });
    deps.logger?.error('Run failed', { runId: event.runId, key: input.key, error, cause });
    return { error, cause, summary };
  };
}
