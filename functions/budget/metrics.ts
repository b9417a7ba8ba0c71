/**
 * The shared budget as CloudWatch metrics (embedded metric format through Powertools Metrics, in
 * the style of cloudwatch-metrics.ts): the wait for a slot (one value per request, so CloudWatch
 * gives its percentiles), starts on the fallback, the coordinator's requests, failures and round
 * trips, coordinator requests per respond.io request, forfeited slots, and the share of the
 * organisation's budget the container used; and, with the table or without, the learned rate
 * in force (`BudgetRate`, requests/s) and the changes this container made to it
 * (`BudgetRateChanges`). The SQS function adds them to each batch's line;
 * the API function writes a line at most once a minute (and at once when it switches onto or
 * back from the fallback, or changes the learned rate), so that a lookup costs no log line of its
 * own.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BudgetObserver } from './limiter.js';
import type { BudgetStats, BudgetSummary } from './stats.js';

/** What the budget's metrics are about: the organisation's budget and the rate in force. */
export interface BudgetMetricsSource {
  readonly stats: BudgetStats;
  /** The configured budget (the ceiling), requests per second. */
  readonly rps: number;
  /** The rate the container's limiter allows now (the learned rate), requests per second. */
  readonly rate: () => number;
  /** True with the budget table: the slot dispenser's metrics too; false: the rate's alone. */
  readonly shared: boolean;
}

/** Adds the learned rate in force and this container's changes to it. */
function addRateMetrics(metrics: Metrics, summary: BudgetSummary, rateRps: number): void {
  metrics.addMetric('BudgetRate', MetricUnit.CountPerSecond, Math.round(rateRps * 100) / 100);
  metrics.addMetric('BudgetRateChanges', MetricUnit.Count, summary.rateChanges);
}

/**
 * Adds the budget's metrics for what `source.stats` collected, which covered `durationMs` and
 * `upstreamRequests`.
 */
export function addBudgetMetrics(
  metrics: Metrics,
  source: BudgetMetricsSource,
  context: { readonly durationMs: number; readonly upstreamRequests: number },
): void {
  const summary = source.stats.take();
  addRateMetrics(metrics, summary, source.rate());
  if (!source.shared) return;
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
    const used = summary.starts / ((source.rps * context.durationMs) / 1000);
    metrics.addMetric('BudgetUtilisation', MetricUnit.Percent, Math.round(used * 1000) / 10);
  }
}

export interface PeriodicBudgetMetricsOptions extends BudgetMetricsSource {
  readonly metrics: Metrics;
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
  const { metrics, stats } = options;
  const everyMs = options.everyMs ?? 60_000;
  const now = options.now ?? Date.now;
  let since = now();
  let starts = 0;
  const publish = () => {
    const at = now();
    addBudgetMetrics(metrics, options, { durationMs: at - since, upstreamRequests: starts });
    metrics.publishStoredMetrics();
    since = at;
    starts = 0;
  };
  const maybePublish = () => {
    if (now() - since >= everyMs) publish();
  };
  return {
    onStart(event) {
      stats.observer.onStart(event);
      starts += 1;
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
    onRateChange(event) {
      stats.observer.onRateChange(event);
      publish();
    },
  };
}
