/**
 * A batch's end: its "Batch done" log line and its CloudWatch metrics (EMF through Powertools):
 * one line for the batch, with the rate the budget allowed and the share of it the batch used,
 * and one line per StatusCode.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { addBudgetUse, type BudgetUseSource } from '../budget/index.js';
import { errorName, type LogFields, type Logger } from '../platform/index.js';

export function createPowertoolsBatchMetrics(
  metrics: Metrics,
  budget?: BudgetUseSource,
): BatchMetrics {
  return {
    publish(summary) {
      for (const [status, count] of Object.entries(summary.rowsByStatus)) {
        const single = metrics.singleMetric();
        single.addDimension('StatusCode', status);
        single.addMetric('Rows', MetricUnit.Count, count);
      }
      metrics.addMetric('BatchRows', MetricUnit.Count, summary.rows);
      metrics.addMetric('ResultsWritten', MetricUnit.Count, summary.resultsWritten);
      metrics.addMetric('DeadLettered', MetricUnit.Count, summary.deadLettered);
      metrics.addMetric('BatchItemFailures', MetricUnit.Count, summary.batchItemFailures);
      metrics.addMetric('RowsRetried', MetricUnit.Count, summary.retried);
      metrics.addMetric('RowsNotStarted', MetricUnit.Count, summary.notStarted);
      metrics.addMetric('WriteFailures', MetricUnit.Count, summary.writeFailures);
      metrics.addMetric('CacheHits', MetricUnit.Count, summary.cacheHits);
      metrics.addMetric('CoalescedRows', MetricUnit.Count, summary.coalesced);
      metrics.addMetric('UpstreamRequests', MetricUnit.Count, summary.upstream.requests);
      metrics.addMetric('UpstreamRetries', MetricUnit.Count, summary.upstream.retries);
      metrics.addMetric('Upstream429', MetricUnit.Count, summary.upstream.throttled);
      for (const latency of summary.upstream.latenciesMs) {
        metrics.addMetric('UpstreamLatency', MetricUnit.Milliseconds, latency);
      }
      metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, summary.durationMs);
      if (budget !== undefined) {
        // Each request the batch made took one start of the budget.
        const period = { durationMs: summary.durationMs, starts: summary.upstream.requests };
        addBudgetUse(metrics, budget, period);
      }
      metrics.publishStoredMetrics();
    },
  };
}

/** What happened to one batch. */
export interface BatchSummary {
  /** Records in the event. */
  readonly rows: number;
  /** Row outcomes by StatusCode (retried rows included, rows not started excluded). */
  readonly rowsByStatus: Readonly<Record<string, number>>;
  /** Rows written to the results queue. */
  readonly resultsWritten: number;
  /** Messages moved to the dead-letter queue. */
  readonly deadLettered: number;
  /** Records reported back to SQS for another delivery. */
  readonly batchItemFailures: number;
  /** ...of which: transient failures with attempts left. */
  readonly retried: number;
  /** ...of which: rows not started because the invocation was running out of time. */
  readonly notStarted: number;
  /** ...of which: rows whose result or dead-letter message could not be written. */
  readonly writeFailures: number;
  /** Rows answered from the contact cache, without a request (retried rows included). */
  readonly cacheHits: number;
  /** Rows answered by the request another row of the same identifier had in flight. */
  readonly coalesced: number;
  readonly upstream: UpstreamSummary;
  readonly durationMs: number;
}

/** Requests to respond.io during one batch. */
export interface UpstreamSummary {
  readonly requests: number;
  /** Requests that were followed by another attempt for the same row. */
  readonly retries: number;
  /** 429 answers. */
  readonly throttled: number;
  readonly latenciesMs: readonly number[];
}

export interface BatchMetrics {
  publish(summary: BatchSummary): void;
}

/** The same for both batch functions, the function's own `fields` first. Metrics never fail a batch. */
export function reportBatch(
  where: {
    readonly logger?: Logger | undefined;
    readonly metrics?: BatchMetrics | undefined;
    readonly budgetRate?: (() => number) | undefined;
  },
  summary: BatchSummary,
  fields: LogFields = {},
): void {
  const { upstream, ...counts } = summary;
  const { durationMs, ...rest } = counts;
  where.logger?.info('Batch done', {
    ...fields,
    ...rest,
    upstreamRequests: upstream.requests,
    upstream429: upstream.throttled,
    ...(where.budgetRate ? { budgetRateRps: Math.round(where.budgetRate() * 100) / 100 } : {}),
    durationMs,
  });
  try {
    where.metrics?.publish(summary);
  } catch (error) {
    where.logger?.warn('Metrics could not be published', { errorName: errorName(error) });
  }
}
