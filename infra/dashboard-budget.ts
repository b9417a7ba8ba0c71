/**
 * The dashboard's widgets of the respond.io rate budget (infra/connector-dashboard.ts places
 * them): how long lookups of the SQS function waited for a slot of the shared budget, beside the
 * requests started on the fallback and the budget used; and the learned rate each function's
 * containers spend against the configured ceiling and the learned-rate alarm's threshold.
 */

import type { Duration } from 'aws-cdk-lib';
import { GraphWidget, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  API_SERVICE_NAME,
  FILES_SERVICE_NAME,
  SQS_SERVICE_NAME,
} from '../functions/settings/table.js';
import { LEARNED_RATE_LOW_MINUTES, LEARNED_RATE_LOW_SHARE } from './connector-alarms.js';
import type { ConnectorConfig } from './connector-config.js';

/**
 * How long lookups of the SQS function waited for a slot of the shared rate budget (BudgetWait,
 * one value per request: functions/budget/metrics.ts), as the percentiles the dashboard
 * graphs. Published only with the shared budget (rateBudget=shared, the default).
 */
export const BUDGET_WAIT_METRICS: readonly {
  readonly name: string;
  readonly statistic: string;
  readonly label: string;
}[] = [
  { name: 'BudgetWait', statistic: 'p50', label: 'wait p50 (ms)' },
  { name: 'BudgetWait', statistic: 'p99', label: 'wait p99 (ms)' },
];

/** One of the connector's own metrics, of one function's service. */
function serviceMetric(
  namespace: string,
  period: Duration,
  name: string,
  service: string,
  statistic: string,
  label: string,
): Metric {
  return new Metric({
    namespace,
    metricName: name,
    dimensionsMap: { service },
    statistic,
    period,
    label,
  });
}

/** The SQS function's wait for the budget, with its fallback starts and the budget used. */
export function budgetWaitGraph(namespace: string, period: Duration): GraphWidget {
  const sqsMetric = (name: string, statistic: string, label: string) =>
    serviceMetric(namespace, period, name, SQS_SERVICE_NAME, statistic, label);
  const graph = (title: string, left: Metric[], right: Metric[]) =>
    new GraphWidget({ title, left, right, width: 8, height: 6 });
  return BUDGET_WAIT_METRICS.length > 0
    ? graph(
        'Time waiting for the rate budget (ms)',
        BUDGET_WAIT_METRICS.map((metric) => sqsMetric(metric.name, metric.statistic, metric.label)),
        [
          sqsMetric('BudgetFallbackStarts', 'Sum', 'requests started on the fallback'),
          sqsMetric('BudgetUtilisation', 'Average', 'budget used (%)'),
        ],
      )
    : graph(
        'Time waiting for the rate budget: no metric yet (stand-ins)',
        [sqsMetric('RowsNotStarted', 'Sum', 'rows not started (no time left)')],
        [sqsMetric('BatchDuration', 'p90', 'batch duration p90 (ms)')],
      );
}

/**
 * The learned rate each function's containers spend (`BudgetRate`, the lowest any of them
 * published in a minute) against the configured ceiling and the alarm's threshold, and how often
 * it changed (`BudgetRateChanges`).
 */
export function learnedRateGraph(
  namespace: string,
  period: Duration,
  config: Pick<ConnectorConfig, 'rateLimitRps' | 'rateBudgetLearning'>,
): GraphWidget {
  const metric = (name: string, service: string, statistic: string, label: string) =>
    serviceMetric(namespace, period, name, service, statistic, label);
  const services = [
    ['API', API_SERVICE_NAME],
    ['SQS', SQS_SERVICE_NAME],
    ['files', FILES_SERVICE_NAME],
  ] as const;
  return new GraphWidget({
    title: config.rateBudgetLearning
      ? 'respond.io budget: the learned rate (requests/s)'
      : 'respond.io budget: the configured rate (learning off)',
    left: services.map(([label, service]) =>
      metric('BudgetRate', service, 'Minimum', `${label} rate (lowest)`),
    ),
    right: services.map(([label, service]) =>
      metric('BudgetRateChanges', service, 'Sum', `${label} changes`),
    ),
    leftAnnotations: [
      { value: config.rateLimitRps, label: 'configured (ceiling)' },
      {
        value: LEARNED_RATE_LOW_SHARE * config.rateLimitRps,
        label: `alarm below this for ${LEARNED_RATE_LOW_MINUTES} min`,
      },
    ],
    leftYAxis: { min: 0 },
    width: 24,
    height: 6,
  });
}
