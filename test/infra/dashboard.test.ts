/**
 * The CloudWatch dashboard in the synthesized template: its rows, the metrics each graph reads
 * (the SQS function's own under its namespace and service, AWS's for the queues, the functions
 * and the API), and its name and URL in the stack outputs.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createPowertoolsBatchMetrics } from '../../functions/batches/metrics.js';
import type { SlotDispenser } from '../../functions/budget/dispenser.js';
import { reportRateChange } from '../../functions/budget/metrics.js';
import { budgetPlan } from '../../functions/budget/plan.js';
import { sharedBudget, startWaiter } from '../../functions/budget/shared-state.js';
import {
  API_SERVICE_NAME,
  FILES_SERVICE_NAME,
  SQS_SERVICE_NAME,
} from '../../functions/settings/table.js';
import { BUDGET_WAIT_METRICS } from '../../infra/dashboard-budget.js';
import { captureOutput } from '../support/api.js';
import {
  logicalId,
  type Resource,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './stack-template.js';

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly annotations?: { readonly horizontal?: { readonly value: number }[] };
  };
}

/** `{"Ref": "X"}` → `<Ref X>`, `{"Fn::GetAtt": ["X", "Arn"]}` → `<X.Arn>`, inside the JSON text. */
function tokenText(part: unknown): string {
  const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref !== undefined) return `<Ref ${token.Ref}>`;
  if (token['Fn::GetAtt'] !== undefined) return `<${token['Fn::GetAtt'].join('.')}>`;
  throw new Error(`unexpected token in the dashboard body: ${JSON.stringify(part)}`);
}

function dashboardOf(synthesized: Synthesized): {
  id: string;
  resource: Resource;
  widgets: Widget[];
} {
  const dashboards = resourcesOfType(synthesized, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const [[id, resource]] = dashboards as [[string, Resource]];
  const body = resource.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : tokenText(part)))
    .join('');
  return { id, resource, widgets: (JSON.parse(text) as { widgets: Widget[] }).widgets };
}

/** The metric rows of the graph whose title starts with `title`. */
function graphMetrics(widgets: Widget[], title: string): unknown[][] {
  const widget = widgets.find((candidate) => candidate.properties.title?.startsWith(title));
  if (widget === undefined) throw new Error(`no widget titled ${title}`);
  return widget.properties.metrics ?? [];
}

describe('the connector dashboard', () => {
  let synthesized: Synthesized;
  let widgets: Widget[];
  beforeAll(() => {
    synthesized = synthesize();
    widgets = dashboardOf(synthesized).widgets;
  });

  it('reads top to bottom: alarms, rows, respond.io, the budget, the learned rate, queues, functions, batches, file runs', () => {
    // Act
    const titles = widgets.map((widget) => widget.properties.title ?? widget.type);
    // Assess
    expect(titles).toEqual([
      'text',
      'Alarms',
      'Rows by status code (SQS function)',
      'API answers',
      'respond.io requests, retries and 429s; rows that needed none',
      'respond.io latency (ms)',
      BUDGET_WAIT_METRICS.length > 0
        ? 'Time waiting for the rate budget (ms)'
        : 'Time waiting for the rate budget: no metric yet (stand-ins)',
      'respond.io budget: the learned rate (requests/s)',
      'Dead-letter queue depth',
      'Oldest input message (s)',
      'Queue depth',
      'Function errors',
      'Function throttles',
      'Function duration p99 (ms)',
      'SQS batches: what became of the rows',
      'File runs (state machine executions)',
    ]);
  });

  it('graphs the learned rate of every function against the configured rate and the alarm’s threshold', () => {
    // Act
    const title = 'respond.io budget: the learned rate';
    const graph = widgets.find((widget) => widget.properties.title?.startsWith(title));
    const rows = graphMetrics(widgets, title);
    // Assess
    expect(rows.map((row) => [row[1], row[3]])).toEqual([
      ['BudgetRate', API_SERVICE_NAME],
      ['BudgetRate', SQS_SERVICE_NAME],
      ['BudgetRate', FILES_SERVICE_NAME],
      ['BudgetRateChanges', API_SERVICE_NAME],
      ['BudgetRateChanges', SQS_SERVICE_NAME],
      ['BudgetRateChanges', FILES_SERVICE_NAME],
    ]);
    const properties = graph?.properties as
      | { annotations?: { horizontal?: { value: number }[] } }
      | undefined;
    expect(properties?.annotations?.horizontal?.map((line) => line.value)).toEqual([5, 2.5]);
  });

  it('shows every alarm of the stack', () => {
    // Act
    const alarmWidget = widgets.find((widget) => widget.type === 'alarm');
    // Assess
    expect(alarmWidget?.properties.alarms?.sort()).toEqual(
      synthesized.stack.alarms.map((alarm) => `<${logicalId(synthesized, alarm)}.Arn>`).sort(),
    );
  });

  it('graphs rows by every status code and respond.io from the SQS function’s own metrics', () => {
    // Act
    const [[search]] = graphMetrics(widgets, 'Rows by status code') as [[{ expression: string }]];
    const requests = graphMetrics(widgets, 'respond.io requests');
    const latency = graphMetrics(widgets, 'respond.io latency');
    // Assess
    expect(search.expression).toBe(
      `SEARCH('{RespondioConnector,service,StatusCode} MetricName="Rows" service="${SQS_SERVICE_NAME}"', 'Sum', 60)`,
    );
    expect(requests.map((row) => row.slice(0, 4))).toEqual(
      ['UpstreamRequests', 'UpstreamRetries', 'Upstream429', 'CacheHits', 'CoalescedRows'].map(
        (name) => ['RespondioConnector', name, 'service', SQS_SERVICE_NAME],
      ),
    );
    expect(latency.map((row) => [row[1], (row[4] as { stat: string }).stat])).toEqual([
      ['UpstreamLatency', 'p50'],
      ['UpstreamLatency', 'p90'],
      ['UpstreamLatency', 'p99'],
      ['UpstreamLatency', 'Maximum'],
    ]);
  });

  it('graphs the dead-letter depth and the oldest input message against its alarm threshold', () => {
    // Prepare
    const queueName = (queue: object) => `<${logicalId(synthesized, queue as never)}.QueueName>`;
    // Act
    const depth = graphMetrics(widgets, 'Dead-letter queue depth');
    const oldest = widgets.find((widget) => widget.properties.title === 'Oldest input message (s)');
    // Assess
    expect(depth.map((row) => row.slice(0, 4))).toEqual([
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        queueName(synthesized.stack.deadLetterQueue),
      ],
    ]);
    expect(oldest?.properties.metrics?.map((row) => row.slice(0, 4))).toEqual([
      [
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        queueName(synthesized.stack.inputQueue),
      ],
    ]);
    expect(oldest?.properties.annotations?.horizontal?.map((line) => line.value)).toEqual([1800]);
  });

  it('graphs errors and throttles of both functions', () => {
    for (const [title, metricName] of [
      ['Function errors', 'Errors'],
      ['Function throttles', 'Throttles'],
    ] as const) {
      // Act
      const rows = graphMetrics(widgets, title);
      // Assess
      expect(rows.map((row) => row.slice(0, 4))).toEqual(
        [synthesized.stack.apiFunction, synthesized.stack.sqsFunction].map((fn) => [
          'AWS/Lambda',
          metricName,
          'FunctionName',
          `<Ref ${logicalId(synthesized, fn.function)}>`,
        ]),
      );
    }
  });

  it('gives the time waiting for the rate budget its own place', () => {
    // Act
    const rows = graphMetrics(widgets, 'Time waiting for the rate budget');
    // Assess: the budget-wait metrics once they exist, the stand-ins until then.
    expect(rows.map((row) => row[1])).toEqual(
      BUDGET_WAIT_METRICS.length > 0
        ? [
            ...BUDGET_WAIT_METRICS.map((metric) => metric.name),
            'BudgetFallbackStarts',
            'BudgetUtilisation',
          ]
        : ['RowsNotStarted', 'BatchDuration'],
    );
  });

  it('is named after the stack and region, and its name and URL are stack outputs', () => {
    // Act
    const { id, resource } = dashboardOf(synthesized);
    // Assess
    expect(resource.Properties.DashboardName).toEqual({
      'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-', { Ref: 'AWS::Region' }]],
    });
    expect(synthesized.outputs.DashboardName?.Value).toEqual({ Ref: id });
    expect(JSON.stringify(synthesized.outputs.DashboardUrl?.Value)).toContain(
      `"#dashboards:name=",{"Ref":"${id}"}`,
    );
  });

  it('reads only metrics the SQS function publishes', () => {
    // Prepare: two starts of the shared budget (one on the fallback), a change of the learned
    // rate and one batch summary,
    // through the real metrics code, into one Metrics instance as in the SQS function.
    delete process.env.POWERTOOLS_DEV;
    const output = captureOutput();
    try {
      const metrics = new Metrics({
        namespace: 'RespondioConnector',
        serviceName: SQS_SERVICE_NAME,
      });
      const budget = sharedBudget({
        dispenser: {} as SlotDispenser,
        fallback: null,
        fallbackRps: 0,
        plan: budgetPlan({
          rps: 5,
          clockSkewMs: 20,
          coordinatorTimeoutMs: 100,
          batchMinShare: 0.1,
        }),
        lane: 'batch',
        now: () => 0,
        sleep: async () => undefined,
        learning: false,
        metrics,
      });
      const waiter = { deadlineAt: 100, enqueuedAt: 0, resolve() {} };
      startWaiter(budget, waiter, 12, true);
      startWaiter(budget, waiter, 14, false);
      const cut = { state: { rate: 3.5, peak: 5, since: 1, cap: null }, from: 5, to: 3.5 };
      reportRateChange(budget, {
        shared: true,
        change: { ...cut, reason: 'too-many-requests' },
        ceiling: 5,
      });
      createPowertoolsBatchMetrics(metrics, { rps: 5, rate: () => 5, shared: true }).publish({
        rows: 1,
        rowsByStatus: { '200': 1 },
        resultsWritten: 1,
        deadLettered: 0,
        batchItemFailures: 0,
        retried: 0,
        notStarted: 0,
        writeFailures: 0,
        cacheHits: 0,
        coalesced: 0,
        upstream: { requests: 1, retries: 0, throttled: 0, latenciesMs: [5] },
        durationMs: 9,
      });
    } finally {
      output.restore();
    }
    type Emf = { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
    const published = new Set(
      (output.lines() as unknown as Emf[]).flatMap((line) =>
        line._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((metric) => metric.Name)),
      ),
    );
    // Act
    const read = widgets
      .flatMap((widget) => widget.properties.metrics ?? [])
      .filter((row) => row[0] === 'RespondioConnector')
      .map((row) => String(row[1]));
    // Assess
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter((name) => !published.has(name))).toEqual([]);
    expect(published.has('Rows')).toBe(true); // the SEARCH of the status-code graph
  });

  it('reads the SQS function’s metrics from the configured namespace', () => {
    // Act
    const custom = dashboardOf(synthesize({ metricsNamespace: 'Team/Connector' })).widgets;
    // Assess
    expect(graphMetrics(custom, 'respond.io requests').map((row) => row[0])).toEqual([
      'Team/Connector',
      'Team/Connector',
      'Team/Connector',
      'Team/Connector',
      'Team/Connector',
    ]);
  });
});
