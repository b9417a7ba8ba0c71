/**
 * The connector's alarms (to the alarm topic when one is configured): dead-letter queue depth,
 * the oldest input message's age, errors and throttles of each function, with the shared budget
 * requests started on the fallback by either function, and with learning a learned rate that
 * stays below half the configured one; with the file workflow, runs that failed, timed out or
 * were aborted, and uploads EventBridge could not start. Built in the stack's own scope, so the
 * alarms keep their logical ids.
 */

import { Duration, type Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  API_SERVICE_NAME,
  FILES_SERVICE_NAME,
  SQS_SERVICE_NAME,
} from '../functions/settings/table.js';
import type { ConnectorConfig } from './connector-config.js';
import type { ConnectorFunction } from './connector-function.js';
import type { FileWorkflow } from './file-workflow.js';

/** What the alarms watch. */
export interface AlarmTargets {
  readonly inputQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly apiFunction: ConnectorFunction;
  readonly sqsFunction: ConnectorFunction;
  /** The file workflow's state machine and trigger; null without it. */
  readonly fileWorkflow: Pick<FileWorkflow, 'stateMachine' | 'trigger'> | null;
}

export function createAlarms(
  stack: Stack,
  config: ConnectorConfig,
  targets: AlarmTargets,
): Alarm[] {
  const topic =
    config.alarmTopicArn === null
      ? null
      : Topic.fromTopicArn(stack, 'AlarmTopic', config.alarmTopicArn);
  const fiveMinutes = Duration.minutes(5);
  const alarm = (id: string, description: string, metric: IMetric, threshold: number) => {
    const created = new Alarm(stack, id, {
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (topic !== null) {
      created.addAlarmAction(new SnsAction(topic));
      created.addOkAction(new SnsAction(topic));
    }
    return created;
  };
  const functions = [
    ['Api', targets.apiFunction, API_SERVICE_NAME],
    ['Sqs', targets.sqsFunction, SQS_SERVICE_NAME],
  ] as const;
  return [
    alarm(
      'DeadLetterQueueNotEmptyAlarm',
      'Rows reached the dead-letter queue: inspect and redrive them',
      targets.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      0,
    ),
    alarm(
      'InputQueueOldestMessageAlarm',
      `The oldest input row waits longer than ${config.oldestMessageAlarmSeconds} s`,
      targets.inputQueue.metricApproximateAgeOfOldestMessage({
        period: fiveMinutes,
        statistic: 'Maximum',
      }),
      config.oldestMessageAlarmSeconds,
    ),
    ...functions.flatMap(([name, fn]) => [
      alarm(
        `${name}FunctionErrorsAlarm`,
        `The ${name} function failed (errors, timeouts or crashes)`,
        fn.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        0,
      ),
      alarm(
        `${name}FunctionThrottlesAlarm`,
        `The ${name} function was throttled`,
        fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        0,
      ),
    ]),
    // The shared budget: containers starting requests on their static share (the fallback)
    // because they cannot reach the budget table.
    ...(config.rateBudget === 'shared'
      ? functions.map(([name, , service]) =>
          alarm(
            `${name}BudgetFallbackAlarm`,
            `${name} function containers run on the static share: the budget table is unreachable`,
            new Metric({
              namespace: config.metricsNamespace,
              metricName: 'BudgetFallbackStarts',
              dimensionsMap: { service },
              period: fiveMinutes,
              statistic: 'Sum',
            }),
            0,
          ),
        )
      : []),
    ...(config.rateBudgetLearning ? [learnedRateLow(stack, config, topic)] : []),
    // File runs that ended without results, or never started: each is worth a look (the run's
    // summary under output/ says why; an upload not started is still under input/).
    ...fileWorkflowAlarms(targets.fileWorkflow, fiveMinutes).map(([id, description, metric]) =>
      alarm(id, description, metric, 0),
    ),
  ];
}

/** Minutes the learned rate may stay below the threshold before the alarm. */
export const LEARNED_RATE_LOW_MINUTES = 15;
/** The share of the configured rate below which the learned rate is worth a look. */
export const LEARNED_RATE_LOW_SHARE = 0.5;

/**
 * The learned rate (`BudgetRate`, the highest any function published in a minute) below half the
 * configured rate for 15 minutes: respondioRateLimitRps is higher than what respond.io allows, or
 * other integrations of the organisation spend much of the budget. No data (no traffic): fine.
 */
function learnedRateLow(
  stack: Stack,
  config: ConnectorConfig,
  topic: ReturnType<typeof Topic.fromTopicArn> | null,
): Alarm {
  const services = [API_SERVICE_NAME, SQS_SERVICE_NAME, FILES_SERVICE_NAME];
  const rate = new MathExpression({
    expression: `MAX([${services.map((_, index) => `rate${index}`).join(', ')}])`,
    usingMetrics: Object.fromEntries(
      services.map((service, index) => [
        `rate${index}`,
        new Metric({
          namespace: config.metricsNamespace,
          metricName: 'BudgetRate',
          dimensionsMap: { service },
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
      ]),
    ),
    label: 'learned rate (requests/s)',
    period: Duration.minutes(1),
  });
  const created = new Alarm(stack, 'BudgetRateLowAlarm', {
    alarmDescription:
      `The learned respond.io rate stayed below ${LEARNED_RATE_LOW_SHARE} × respondioRateLimitRps ` +
      `(${config.rateLimitRps} requests/s) for ${LEARNED_RATE_LOW_MINUTES} minutes: the configured ` +
      'rate is above what respond.io allows, or other integrations spend the budget',
    metric: rate,
    threshold: LEARNED_RATE_LOW_SHARE * config.rateLimitRps,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: LEARNED_RATE_LOW_MINUTES,
    datapointsToAlarm: LEARNED_RATE_LOW_MINUTES,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  if (topic !== null) {
    created.addAlarmAction(new SnsAction(topic));
    created.addOkAction(new SnsAction(topic));
  }
  return created;
}

function fileWorkflowAlarms(
  workflow: AlarmTargets['fileWorkflow'],
  period: Duration,
): [string, string, IMetric][] {
  if (workflow === null) return [];
  const machine = workflow.stateMachine;
  const options = { period, statistic: 'Sum' } as const;
  const look = "see the run's summary under output/ and its execution in Step Functions";
  return [
    ['FileRunsFailedAlarm', `File runs failed: ${look}`, machine.metricFailed(options)],
    ['FileRunsTimedOutAlarm', `File runs timed out: ${look}`, machine.metricTimedOut(options)],
    ['FileRunsAbortedAlarm', 'File runs were stopped by hand', machine.metricAborted(options)],
    [
      'FileRunsNotStartedAlarm',
      'Uploads under input/ whose run EventBridge could not start: upload them again',
      new Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: workflow.trigger.ruleName },
        ...options,
      }),
    ],
  ];
}
