/**
 * The batch engine of the SQS and file functions: looks a batch's rows up, at most `maxInFlight`
 * at once, none started once the deadline is too close; a row whose failure is transient gets
 * further rounds while the waits and the time allow. The functions only turn answers into writes.
 */

import {
  failedLookup,
  type LookupDeps,
  type LookupResult,
  lookupContact,
} from '../lookup/index.js';
import { errorName, type Logger, sleep } from '../platform/index.js';
import type { BatchMetrics, UpstreamSummary } from './metrics.js';

/** What both batch functions' logic is built with (their factories add their own adapters). */
export interface BatchDeps extends LookupDeps {
  /** Rows in flight at once (maxInFlightFor). */
  readonly maxInFlight: number;
  /** A row starts only while at least this much time is left before the deadline, ms. */
  readonly rowBudgetMs: number;
  /** Safety margin before the Lambda timeout, ms (default DEADLINE_MARGIN_MS). */
  readonly marginMs?: number;
  readonly logger?: Logger;
  readonly metrics?: BatchMetrics;
  /** The respond.io rate the budget allows now (the learned rate), requests/s. */
  readonly budgetRate?: () => number;
  readonly now?: () => number;
}

/** One row to look up: its Identifier as sent, and the correlation id of its log lines. */
export interface RowLookup {
  readonly identifier: unknown;
  readonly correlationId: string;
}

interface BatchRun extends Pick<BatchDeps, 'maxInFlight' | 'rowBudgetMs'> {
  /** Epoch ms by which every lookup must be done. */
  readonly deadlineAt: number;
  /** The wait before each further round for rows that failed transiently (none: one round). */
  readonly roundWaitsMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Called as each row's answer becomes final (null: never started), e.g. to write it at once. */
  readonly onRow?: (index: number, answer: LookupResult | null) => void;
}

interface BatchLookups {
  /**
   * Each row's answer: its final one, or, for a row still failing transiently, the latest that
   * made a request (the latest at all if none did); null for a row that never started.
   */
  readonly answers: readonly (LookupResult | null)[];
  /** Rows answered from the contact cache, and rows that shared another row's request. */
  readonly cacheHits: number;
  readonly coalesced: number;
  /** Rows looked up again in a further round (each time counted). */
  readonly rerun: number;
  readonly upstream: UpstreamSummary;
}

/**
 * Rows in flight at once: enough to keep the budget busy while requests wait for respond.io (two
 * seconds' worth of requests at the most the container may reach), at least 2.
 */
export function maxInFlightFor(requestsPerSecond: number): number {
  return Math.max(2, Math.ceil(requestsPerSecond * 2));
}

/** Work over `count` items with at most `limit` in flight, started in index order. */
export async function runBounded(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), count) }, worker));
}

const transient = (answer: LookupResult) => answer.kind === 'failed' && answer.failure.retryable;
const madeRequest = (answer: LookupResult) => answer.attempts > 0 || answer.source === 'shared';

/** Totals of the rows' attempt trails. */
export function upstreamOf(answers: readonly LookupResult[]): UpstreamSummary {
  const trail = answers.flatMap((answer) => answer.trail);
  return {
    requests: trail.length,
    retries: trail.filter((attempt) => attempt.willRetry).length,
    throttled: trail.filter((attempt) => attempt.status === 429).length,
    latenciesMs: trail.map((attempt) => Math.max(0, Math.round(attempt.latencyMs))),
  };
}

export async function lookupRows(
  rows: readonly RowLookup[],
  deps: LookupDeps,
  run: BatchRun,
): Promise<BatchLookups> {
  const now = run.now ?? Date.now;
  const waits = run.roundWaitsMs ?? [];
  const maxInFlight = Math.max(1, Math.floor(run.maxInFlight));
  const answers: (LookupResult | null)[] = new Array(rows.length).fill(null);
  const every: LookupResult[] = [];
  let rerun = 0;

  async function lookUp(row: RowLookup): Promise<LookupResult | null> {
    if (run.deadlineAt - now() < run.rowBudgetMs) return null;
    const { correlationId } = row;
    try {
      return await lookupContact(row.identifier, deps, {
        deadlineAt: run.deadlineAt,
        correlationId,
      });
    } catch (error) {
      // A bug of ours, not the row's fault: the row is tried again like a transient failure.
      run.logger?.error('Lookup threw unexpectedly', {
        correlationId,
        errorName: errorName(error),
      });
      const failure = {
        statusCode: 500,
        message: 'Internal error during the lookup',
        retryable: true,
      };
      return { ...failedLookup(failure), identifier: null, attempts: 0, source: null, trail: [] };
    }
  }

  let pending = rows.map((_, index) => index);
  for (let round = 0; round <= waits.length && pending.length > 0; round += 1) {
    if (round > 0) {
      const waitMs = waits[round - 1] ?? 0;
      if (run.deadlineAt - now() < waitMs + run.rowBudgetMs) break;
      await (run.sleep ?? sleep)(waitMs);
      rerun += pending.length;
    }
    const lastRound = round === waits.length;
    const again: number[] = [];
    const inRound = pending;
    await runBounded(inRound.length, maxInFlight, async (at) => {
      const index = inRound[at] as number;
      const answer = await lookUp(rows[index] as RowLookup);
      if (answer !== null) every.push(answer);
      const kept = answers[index] ?? null;
      // A later answer that made no request does not hide one that did.
      const keepOld =
        answer === null ||
        (transient(answer) && !madeRequest(answer) && kept !== null && madeRequest(kept));
      if (!keepOld) answers[index] = answer;
      if (answer !== null && transient(answer) && !lastRound) again.push(index);
      else run.onRow?.(index, answers[index] ?? null);
    });
    pending = again.sort((a, b) => a - b);
  }
  // Rows whose further round never came (no time left for it): their latest answer is final.
  for (const index of pending) run.onRow?.(index, answers[index] ?? null);
  return {
    answers,
    cacheHits: every.filter((answer) => answer.source === 'cache').length,
    coalesced: every.filter((answer) => answer.source === 'shared').length,
    rerun,
    upstream: upstreamOf(every),
  };
}
