/**
 * The connector's CloudWatch dashboard: one page an operator reads from top to bottom. Alarm
 * states; rows by status code (SQS function) and API answers (API Gateway); respond.io requests,
 * retries, 429s and latency; the time lookups wait for the rate budget; the learned rate against
 * the configured one (both widgets: dashboard-budget.ts); the queues (dead-letter depth, oldest
 * input message); the functions' errors, throttles and durations; what batches did; with the file
 * workflow, its runs (started, succeeded, failed). The SQS function's own metrics are read from
 * its namespace and service, as functions/batches/metrics.ts publishes them.
 */

import { Aws, Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SQS_SERVICE_NAME } from '../functions/settings/table.js';
import type { ConnectorConfig } from './connector-config.js';
import type { ConnectorFunction } from './connector-function.js';
import { budgetWaitGraph, learnedRateGraph } from './dashboard-budget.js';

export interface ConnectorDashboardProps {
  readonly config: Pick<
    ConnectorConfig,
    'metricsNamespace' | 'oldestMessageAlarmSeconds' | 'rateLimitRps' | 'rateBudgetLearning'
  >;
  readonly api: HttpApi;
  readonly apiFunction: ConnectorFunction;
  readonly sqsFunction: ConnectorFunction;
  readonly inputQueue: Queue;
  readonly resultsQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly alarms: readonly Alarm[];
  /** The file workflow's state machine; null without it. */
  readonly fileStateMachine?: StateMachine | null;
}

const PERIOD = Duration.minutes(1);

export class ConnectorDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ConnectorDashboardProps) {
    super(scope, id);
    const namespace = props.config.metricsNamespace;
    const sqsMetric = (name: string, statistic: string, label?: string) =>
      new Metric({
        namespace,
        metricName: name,
        dimensionsMap: { service: SQS_SERVICE_NAME },
        statistic,
        period: PERIOD,
        ...(label === undefined ? {} : { label }),
      });
    const graph = (title: string, left: IMetric[], width = 8, right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width, height: 6 });
    const functions = [
      ['API', props.apiFunction],
      ['SQS', props.sqsFunction],
    ] as const;
    const perFunction = (metric: (fn: ConnectorFunction, label: string) => IMetric) =>
      functions.map(([label, fn]) => metric(fn, label));

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Aws.STACK_NAME}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new TextWidget({
            markdown: [
              '# respond.io Get Contact connector',
              `Rows, respond.io requests and batches: the SQS function's metrics (namespace \`${namespace}\`, service \`${SQS_SERVICE_NAME}\`). ` +
                'API answers: API Gateway. Traces of single lookups: X-Ray (annotations `status_code`, `outcome`, `latency_ms`, `budget_wait_ms`).',
            ].join('\n\n'),
            width: 24,
            height: 3,
          }),
        ],
        [
          new AlarmStatusWidget({
            title: 'Alarms',
            alarms: [...props.alarms],
            width: 24,
            height: 3,
          }),
        ],
        [
          graph(
            'Rows by status code (SQS function)',
            [
              new MathExpression({
                expression: `SEARCH('{${namespace},service,StatusCode} MetricName="Rows" service="${SQS_SERVICE_NAME}"', 'Sum', 60)`,
                label: '',
                period: PERIOD,
              }),
            ],
            12,
          ),
          graph(
            'API answers',
            [
              props.api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' }),
              props.api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
              props.api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
            ],
            12,
          ),
        ],
        [
          graph(
            'respond.io requests, retries and 429s; rows that needed none',
            [
              sqsMetric('UpstreamRequests', 'Sum', 'requests'),
              sqsMetric('UpstreamRetries', 'Sum', 'retried'),
              sqsMetric('Upstream429', 'Sum', '429'),
            ],
            8,
            [
              sqsMetric('CacheHits', 'Sum', 'rows from the contact cache'),
              sqsMetric('CoalescedRows', 'Sum', 'rows sharing a request'),
            ],
          ),
          graph(
            'respond.io latency (ms)',
            ['p50', 'p90', 'p99', 'Maximum'].map((statistic) =>
              sqsMetric('UpstreamLatency', statistic, statistic),
            ),
          ),
          budgetWaitGraph(namespace, PERIOD),
        ],
        [learnedRateGraph(namespace, PERIOD, props.config)],
        [
          graph('Dead-letter queue depth', [
            props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: 'messages',
            }),
          ]),
          new GraphWidget({
            title: 'Oldest input message (s)',
            left: [
              props.inputQueue.metricApproximateAgeOfOldestMessage({
                period: PERIOD,
                statistic: 'Maximum',
                label: 'age',
              }),
            ],
            leftAnnotations: [
              { value: props.config.oldestMessageAlarmSeconds, label: 'alarm threshold' },
            ],
            width: 8,
            height: 6,
          }),
          graph('Queue depth', [
            props.inputQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: 'input waiting',
            }),
            props.inputQueue.metricApproximateNumberOfMessagesNotVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: 'input in flight',
            }),
            props.resultsQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: 'results unread',
            }),
          ]),
        ],
        [
          graph(
            'Function errors',
            perFunction((fn, label) =>
              fn.function.metricErrors({ period: PERIOD, statistic: 'Sum', label }),
            ),
          ),
          graph(
            'Function throttles',
            perFunction((fn, label) =>
              fn.function.metricThrottles({ period: PERIOD, statistic: 'Sum', label }),
            ),
          ),
          graph(
            'Function duration p99 (ms)',
            perFunction((fn, label) =>
              fn.function.metricDuration({ period: PERIOD, statistic: 'p99', label }),
            ),
          ),
        ],
        [
          graph(
            'SQS batches: what became of the rows',
            [
              sqsMetric('BatchRows', 'Sum', 'rows'),
              sqsMetric('ResultsWritten', 'Sum', 'results written'),
              sqsMetric('DeadLettered', 'Sum', 'dead-lettered'),
              sqsMetric('BatchItemFailures', 'Sum', 'handed back'),
              sqsMetric('RowsRetried', 'Sum', 'retried'),
              sqsMetric('WriteFailures', 'Sum', 'write failures'),
            ],
            24,
          ),
        ],
        ...fileRuns(props.fileStateMachine ?? null),
      ],
    });
  }
}

/** The file workflow's row: its runs, from the state machine's own metrics. */
function fileRuns(machine: StateMachine | null): GraphWidget[][] {
  if (machine === null) return [];
  const options = { period: PERIOD, statistic: 'Sum' } as const;
  return [
    [
      new GraphWidget({
        title: 'File runs (state machine executions)',
        left: [
          machine.metricStarted({ ...options, label: 'started' }),
          machine.metricSucceeded({ ...options, label: 'succeeded' }),
          machine.metricFailed({ ...options, label: 'failed' }),
          machine.metricTimedOut({ ...options, label: 'timed out' }),
          machine.metricAborted({ ...options, label: 'aborted' }),
        ],
        width: 24,
        height: 6,
      }),
    ],
  ];
}
