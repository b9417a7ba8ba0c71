/**
 * Monitoring: the connector's alarms (connector-alarms.ts), its dashboard
 * (connector-dashboard.ts) and the dashboard's outputs (DashboardName, DashboardUrl). A stack
 * part (connector-stack.ts): the alarms are built in the stack's own scope and the dashboard is
 * the stack's child `Dashboard`, as they always were, so their logical ids stay.
 */

import { Aws, CfnOutput, type Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { createAlarms } from './connector-alarms.js';
import type { ConnectorConfig } from './connector-config.js';
import { ConnectorDashboard } from './connector-dashboard.js';
import type { FileWorkflow } from './file-workflow.js';
import type { LookupApi } from './lookup-api.js';
import type { QueuePipeline } from './queue-pipeline.js';

export interface MonitoringProps {
  readonly config: ConnectorConfig;
  readonly lookupApi: Pick<LookupApi, 'api' | 'apiFunction'>;
  readonly queuePipeline: Pick<
    QueuePipeline,
    'inputQueue' | 'resultsQueue' | 'deadLetterQueue' | 'sqsFunction'
  >;
  /** The bulk file workflow; null without it (rateBudget=static). */
  readonly fileWorkflow: Pick<FileWorkflow, 'stateMachine' | 'trigger'> | null;
}

export class Monitoring {
  readonly alarms: readonly Alarm[];
  readonly dashboard: ConnectorDashboard;

  constructor(stack: Stack, props: MonitoringProps) {
    const { config, lookupApi, queuePipeline, fileWorkflow } = props;
    this.alarms = createAlarms(stack, config, {
      inputQueue: queuePipeline.inputQueue,
      deadLetterQueue: queuePipeline.deadLetterQueue,
      apiFunction: lookupApi.apiFunction,
      sqsFunction: queuePipeline.sqsFunction,
      fileWorkflow,
    });
    this.dashboard = new ConnectorDashboard(stack, 'Dashboard', {
      config,
      api: lookupApi.api,
      apiFunction: lookupApi.apiFunction,
      sqsFunction: queuePipeline.sqsFunction,
      inputQueue: queuePipeline.inputQueue,
      resultsQueue: queuePipeline.resultsQueue,
      deadLetterQueue: queuePipeline.deadLetterQueue,
      alarms: this.alarms,
      fileStateMachine: fileWorkflow?.stateMachine ?? null,
    });

    const dashboardName = this.dashboard.dashboard.dashboardName;
    new CfnOutput(stack, 'DashboardName', {
      value: dashboardName,
      description: 'The CloudWatch dashboard: rows by status, respond.io, queues, functions',
    });
    new CfnOutput(stack, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${dashboardName}`,
    });
  }
}
