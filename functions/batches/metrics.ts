/**
 * CloudWatch metrics as embedded metric format (EMF) log lines through Powertools Metrics: batch
 * summaries (one line for the batch, with cache hits and coalesced rows and the budget's metrics
 * from budget-metrics.ts; one line per StatusCode) and the stale-token
 * count. The namespace and service are the Metrics instance's (POWERTOOLS_METRICS_NAMESPACE and
 * POWERTOOLS_SERVICE_NAME through the settings; the runtime builds it).
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { addBudgetMetrics, type BudgetMetricsSource } from '../budget/metrics.js';
import type { TokenObserver } from '../lookup/token-source.js';

/** `StaleToken`: 1 per failed secret read after which the last good token serves on. */
export const STALE_TOKEN_METRIC = 'StaleToken';

export function createPowertoolsTokenMetrics(metrics: Metrics): TokenObserver {
  return {
    onStaleToken() {
      // A single metric is written at once: the stale period may end before any batch does.
      metrics.singleMetric().addMetric(STALE_TOKEN_METRIC, MetricUnit.Count, 1);
    },
  };
}

export function createPowertoolsBatchMetrics(
  metrics: Metrics,
  budget?: BudgetMetricsSource,
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
        addBudgetMetrics(metrics, budget, {
          durationMs: summary.durationMs,
          upstreamRequests: summary.upstream.requests,
        });
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
  /** Requests sent to respond.io. */
  readonly requests: number;
  /** Requests that were followed by another attempt for the same row. */
  readonly retries: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Latency of each request, in milliseconds. */
  readonly latenciesMs: readonly number[];
}

/** Where batch summaries go: CloudWatch metrics. */
export interface BatchMetrics {
  publish(summary: BatchSummary): void;
}

// --- Bulk files (the files bucket; S3 behind it) ---
