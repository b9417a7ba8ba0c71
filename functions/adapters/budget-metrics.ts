/**
 * The shared budget as CloudWatch metrics (embedded metric format through Powertools Metrics, in
 * the style of cloudwatch-metrics.ts): the wait for a slot (one value per request, so CloudWatch
 * gives its percentiles), starts on the fallback, the coordinator's requests, failures and round
 * trips, coordinator requests per respond.io request, forfeited slots, and the share of the
 * organisation's budget the container used. The SQS function adds them to each batch's line;
 * the API function writes a line at most once a minute (and at once when it switches onto or
 * back from the fallback), so that a lookup costs no log line of its own.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BudgetStats, BudgetSummary } from '../core/budget-stats.js';
import type { BudgetObserver } from '../core/ports.js';

/** Adds the budget's metrics for `summary`, which covered `durationMs` and `upstreamRequests`. */
export function addBudgetMetrics(
  metrics: Metrics,
  summary: BudgetSummary,
  context: { readonly rps: number; readonly durationMs: number; readonly upstreamRequests: number },
): void {
  for (const wait of summary.waitsMs)
    metrics.addMetric('BudgetWait', MetricUnit.Milliseconds, wait);
  metrics.addMetric('BudgetFallbackStarts', MetricUnit.Count, summary.fallbackStarts);
  metrics.addMetric('BudgetFallbacks', MetricUnit.Count, summary.fallbacks);
  const requests = summary.coordinatorWrites + summary.coordinatorReads;
  metrics.addMetric('BudgetCoordinatorRequests', MetricUnit.Count, requests);
  metrics.addMetric('BudgetCoordinatorFailures', MetricUnit.Count, summary.coordinatorFailures);
  for (const latency of summary.coordinatorLatenciesMs) {
    metrics.addMetric('BudgetCoordinatorLatency', MetricUnit.Milliseconds, latency);
  }
  if (context.upstreamRequests > 0) {
    metrics.addMetric(
      'BudgetCoordinatorRequestsPerRequest',
      MetricUnit.NoUnit,
      requests / context.upstreamRequests,
    );
  }
  metrics.addMetric('BudgetForfeitedSlots', MetricUnit.Count, summary.forfeited);
  if (context.durationMs > 0) {
    const used = summary.starts / ((context.rps * context.durationMs) / 1000);
    metrics.addMetric('BudgetUtilisation', MetricUnit.Percent, Math.round(used * 1000) / 10);
  }
}

export interface PeriodicBudgetMetricsOptions {
  readonly metrics: Metrics;
  readonly stats: BudgetStats;
  /** The organisation's budget, requests per second. */
  readonly rps: number;
  /** Default 60 s. */
  readonly everyMs?: number;
  /** Default Date.now. */
  readonly now?: () => number;
}

/**
 * For the API function: an observer that feeds `stats` and publishes them when a minute has
 * passed since the last line, or at once on a switch to or from the fallback. It publishes
 * during an invocation (the events come from a lookup), never from a timer.
 */
export function createPeriodicBudgetMetrics(options: PeriodicBudgetMetricsOptions): BudgetObserver {
  const { metrics, stats, rps } = options;
  const everyMs = options.everyMs ?? 60_000;
  const now = options.now ?? Date.now;
  let since = now();
  const publish = () => {
    const at = now();
    const summary = stats.take();
    addBudgetMetrics(metrics, summary, {
      rps,
      durationMs: at - since,
      upstreamRequests: summary.starts,
    });
    metrics.publishStoredMetrics();
    since = at;
  };
  const maybePublish = () => {
    if (now() - since >= everyMs) publish();
  };
  return {
    onStart(event) {
      stats.observer.onStart(event);
      maybePublish();
    },
    onCoordinatorCall(event) {
      stats.observer.onCoordinatorCall(event);
    },
    onForfeit(slots) {
      stats.observer.onForfeit(slots);
    },
    onModeChange(mode) {
      stats.observer.onModeChange(mode);
      publish();
    },
  };
}
