/**
 * The connector in one stack: the lookup API (lookup-api.ts: an IAM-authorized HTTP API in
 * front of the API function), the queue pipeline (queue-pipeline.ts: input → SQS function →
 * results, with the dead-letter queue), the token secret (token-secret.ts), the shared budget's
 * table (rate-budget-table.ts), alarms (connector-alarms.ts), a dashboard
 * (connector-dashboard.ts), the bulk file workflow (file-workflow.ts: bucket, state machine,
 * trigger) and outputs. Every setting comes from a validated `ConnectorConfig`. The findings of
 * AWS's rule packs that do not apply to this design are acknowledged on their constructs
 * (rule-packs.ts).
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { createAlarms } from './connector-alarms.js';
import type { ConnectorConfig } from './connector-config.js';
import { ConnectorDashboard } from './connector-dashboard.js';
import type { ConnectorFunction } from './connector-function.js';
import { FileWorkflow, type FileWorkflowEntries } from './file-workflow.js';
import { LookupApi } from './lookup-api.js';
import { QueuePipeline } from './queue-pipeline.js';
import { RateBudgetTable } from './rate-budget-table.js';
import { TokenSecret } from './token-secret.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The handler files the functions are built from. */
export const DEFAULT_ENTRIES = {
  api: join(PROJECT_ROOT, 'functions', 'api', 'handler.ts'),
  sqs: join(PROJECT_ROOT, 'functions', 'queue', 'handler.ts'),
  files: {
    prepare: join(PROJECT_ROOT, 'functions', 'files', 'prepare-handler.ts'),
    batch: join(PROJECT_ROOT, 'functions', 'files', 'batch-handler.ts'),
    finish: join(PROJECT_ROOT, 'functions', 'files', 'finish-handler.ts'),
  },
} as const;

export interface ConnectorStackProps extends StackProps {
  readonly config: ConnectorConfig;
  /** @default DEFAULT_ENTRIES */
  readonly entries?: {
    readonly api: string;
    readonly sqs: string;
    readonly files: FileWorkflowEntries;
  };
}

export class ConnectorStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly apiFunction: ConnectorFunction;
  readonly sqsFunction: ConnectorFunction;
  readonly inputQueue: Queue;
  readonly resultsQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly tokenSecret: ISecret;
  /** The shared budget's table; null with rateBudget=static. */
  readonly rateBudgetTable: RateBudgetTable | null;
  /** The bulk file workflow; null with rateBudget=static (its batch function needs the table). */
  readonly fileWorkflow: FileWorkflow | null;
  readonly alarms: readonly Alarm[];
  readonly dashboard: ConnectorDashboard;

  constructor(scope: Construct, id: string, props: ConnectorStackProps) {
    super(scope, id, props);
    const config = props.config;
    const entries = props.entries ?? DEFAULT_ENTRIES;

    // The respond.io token.
    const token = new TokenSecret(this, { config });
    this.tokenSecret = token.secret;

    // The shared organisation budget: one table every container of both functions claims its
    // request slots from (rateBudget=shared; without it, the static split alone).
    this.rateBudgetTable =
      config.rateBudget === 'shared' ? new RateBudgetTable(this, 'RateBudget') : null;

    // The lookup API: its function, the HTTP API in front of it and their outputs.
    const lookups = {
      config,
      projectRoot: PROJECT_ROOT,
      tokenSecret: token,
      budgetTable: this.rateBudgetTable,
    };
    const lookupApi = new LookupApi(this, { ...lookups, entry: entries.api });
    this.api = lookupApi.api;
    this.stage = lookupApi.stage;
    this.apiFunction = lookupApi.apiFunction;

    // The queue pipeline: input → SQS function → results, the dead-letter queue, their outputs.
    const queuePipeline = new QueuePipeline(this, { ...lookups, entry: entries.sqs });
    this.sqsFunction = queuePipeline.sqsFunction;
    this.inputQueue = queuePipeline.inputQueue;
    this.resultsQueue = queuePipeline.resultsQueue;
    this.deadLetterQueue = queuePipeline.deadLetterQueue;

    // Bulk files (S3 → EventBridge → a Step Functions distributed map → S3). Its batch function
    // draws only on the shared budget, so the workflow exists with rateBudget=shared alone.
    this.fileWorkflow =
      this.rateBudgetTable === null
        ? null
        : new FileWorkflow(this, 'FileWorkflow', {
            config,
            entries: entries.files,
            projectRoot: PROJECT_ROOT,
            budgetTable: this.rateBudgetTable,
            tokenSecret: token,
          });

    // Alarms, the dashboard and outputs.
    this.alarms = createAlarms(this, config, {
      inputQueue: this.inputQueue,
      deadLetterQueue: this.deadLetterQueue,
      apiFunction: this.apiFunction,
      sqsFunction: this.sqsFunction,
      fileWorkflow: this.fileWorkflow,
    });
    this.dashboard = new ConnectorDashboard(this, 'Dashboard', {
      config,
      api: this.api,
      apiFunction: this.apiFunction,
      sqsFunction: this.sqsFunction,
      inputQueue: this.inputQueue,
      resultsQueue: this.resultsQueue,
      deadLetterQueue: this.deadLetterQueue,
      alarms: this.alarms,
      fileStateMachine: this.fileWorkflow?.stateMachine ?? null,
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.dashboard.dashboard.dashboardName,
      description: 'The CloudWatch dashboard: rows by status, respond.io, queues, functions',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboard.dashboardName}`,
    });
  }
}
