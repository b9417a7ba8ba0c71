/**
 * The budget metrics not written where their events happen (shared-state.ts writes those): a
 * change of the learned rate, at once; the rate in force (`BudgetRate`) and, with the budget
 * table, the share of the budget used (`BudgetUtilisation`) at a batch's end, or at most once a
 * minute in the API function.
 */

import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../platform/index.js';
import { type RateChange, rateChangeFields } from './learned-rate.js';
import type { BudgetLane, StartHook } from './limiter.js';

/** One change of the learned rate: a log line and the `BudgetRateChanges` metric, at once. */
export function reportRateChange(
  where: { readonly lane: BudgetLane; readonly logger?: Logger; readonly metrics?: Metrics },
  what: { readonly shared: boolean; readonly change: RateChange; readonly ceiling: number },
): void {
  const { lane, logger, metrics } = where;
  logger?.info('Budget rate changed', {
    lane,
    shared: what.shared,
    ...rateChangeFields(what.change, what.ceiling),
  });
  metrics?.singleMetric().addMetric('BudgetRateChanges', MetricUnit.Count, 1);
}

/** What the budget's use is measured against (requests/s). */
export interface BudgetUseSource {
  /** The rate the container's budget allows now (the learned rate). */
  readonly rate: () => number;
  /** The configured budget (the ceiling). */
  readonly rps: number;
  /** With the budget table: the utilisation is the organisation budget's. */
  readonly shared: boolean;
}

/** Adds the rate in force and the share of the budget that `starts` over `durationMs` used. */
export function addBudgetUse(
  metrics: Metrics,
  source: BudgetUseSource,
  period: { readonly durationMs: number; readonly starts: number },
): void {
  metrics.addMetric('BudgetRate', MetricUnit.CountPerSecond, Math.round(source.rate() * 100) / 100);
  if (!source.shared || period.durationMs <= 0) return;
  const used = period.starts / ((source.rps * period.durationMs) / 1000);
  metrics.addMetric('BudgetUtilisation', MetricUnit.Percent, Math.round(used * 1000) / 10);
}

/**
 * For the API function, whose lookups write no metrics line of their own: a start hook that
 * publishes the budget's metrics when a minute has passed since the last line. It publishes
 * during a lookup, never from a timer.
 */
export function publishedEveryMinute(
  metrics: Metrics,
  source: BudgetUseSource,
  now: () => number = Date.now,
  everyMs = 60_000,
): StartHook {
  let since = now();
  let starts = 0;
  return () => {
    starts += 1;
    const at = now();
    if (at - since < everyMs) return;
    addBudgetUse(metrics, source, { durationMs: at - since, starts });
    metrics.publishStoredMetrics();
    since = at;
    starts = 0;
  };
}
