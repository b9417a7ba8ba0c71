/**
 * Per-batch measurements of the SQS function, and their publication as CloudWatch embedded
 * metric format (EMF) log lines through Powertools Metrics.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One request to respond.io, as the directory reports it. */
export interface UpstreamAttempt {
  readonly attempt: number;
  readonly status: number | 'timeout' | 'network';
  readonly latencyMs: number;
  readonly willRetry: boolean;
  readonly waitMs: number;
}

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

/** Collects upstream attempts between two `take()` calls (one batch). */
export interface UpstreamStats {
  /** Plug into the directory (`createConnector(config, { observer })`). */
  readonly observer: { onAttempt(event: UpstreamAttempt): void };
  /** Returns what was collected since the last call and starts afresh. */
  take(): UpstreamSummary;
}

export function createUpstreamStats(): UpstreamStats {
  let requests = 0;
  let retries = 0;
  let throttled = 0;
  let latenciesMs: number[] = [];
  return {
    observer: {
      onAttempt(event) {
        requests += 1;
        if (event.willRetry) retries += 1;
        if (event.status === 429) throttled += 1;
        latenciesMs.push(Math.max(0, Math.round(event.latencyMs)));
      },
    },
    take() {
      const summary = { requests, retries, throttled, latenciesMs };
      requests = 0;
      retries = 0;
      throttled = 0;
      latenciesMs = [];
      return summary;
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
  readonly upstream: UpstreamSummary;
  readonly durationMs: number;
}

export interface BatchMetrics {
  publish(summary: BatchSummary): void;
}

export const METRICS_NAMESPACE = 'RespondioConnector';

/** Publishes a batch summary as EMF lines: one line for the batch, one per StatusCode. */
export function createPowertoolsBatchMetrics(metrics: Metrics): BatchMetrics {
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
      metrics.addMetric('UpstreamRequests', MetricUnit.Count, summary.upstream.requests);
      metrics.addMetric('UpstreamRetries', MetricUnit.Count, summary.upstream.retries);
      metrics.addMetric('Upstream429', MetricUnit.Count, summary.upstream.throttled);
      for (const latency of summary.upstream.latenciesMs) {
        metrics.addMetric('UpstreamLatency', MetricUnit.Milliseconds, latency);
      }
      metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, summary.durationMs);
      metrics.publishStoredMetrics();
    },
  };
}
