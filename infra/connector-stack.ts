/**
 * The connector in one stack: the lookup API (lookup-api.ts: an IAM-authorized HTTP API in
 * front of the API function), the input → SQS function → results pipeline with its dead-letter queue,
 * the token secret (token-secret.ts), the shared budget's table (rate-budget-table.ts), alarms
 * (connector-alarms.ts), a dashboard (connector-dashboard.ts), the bulk file workflow
 * (file-workflow.ts: bucket, state machine, trigger) and outputs. Every setting comes
 * from a validated `ConnectorConfig`. The findings of AWS's rule packs that do not apply to this
 * design are acknowledged on their constructs (rule-packs.ts).
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SQS_SERVICE_NAME } from '../functions/settings/table.js';
import { createAlarms } from './connector-alarms.js';
import { type ConnectorConfig, inputVisibilityTimeoutSeconds } from './connector-config.js';
import { ConnectorDashboard } from './connector-dashboard.js';
import type { ConnectorFunction } from './connector-function.js';
import { FileWorkflow, type FileWorkflowEntries } from './file-workflow.js';
import { LookupApi } from './lookup-api.js';
import { lookupFunction } from './lookup-function.js';
import { rateBudget } from './rate-budget.js';
import { RateBudgetTable } from './rate-budget-table.js';
import { RULE_DECISIONS } from './rule-decisions.js';
import { acknowledge, acknowledgeFunctionFindings } from './rule-packs.js';
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
    const budget = rateBudget(config);

    // The respond.io token.
    const token = new TokenSecret(this, { config });
    this.tokenSecret = token.secret;

    // Queues: SQS-managed encryption at rest, TLS enforced by queue policy.
    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    } as const;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...queueDefaults,
      // Longer than the input queue's: a redriven message keeps its original enqueue time.
      retentionPeriod: Duration.days(14),
    });
    this.inputQueue = new Queue(this, 'InputQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(inputVisibilityTimeoutSeconds(config)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    this.resultsQueue = new Queue(this, 'ResultsQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(4),
    });

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

    this.sqsFunction = lookupFunction(
      this,
      'SqsFunction',
      { ...lookups, entry: entries.sqs },
      {
        description: 'respond.io Get Contact: SQS batch lookups',
        timeout: Duration.seconds(config.sqsTimeoutSeconds),
        passedThrough: config.passedThrough.sqs,
        share: { fraction: budget.sqsContainerShare, rps: budget.sqsContainerRps },
        serviceName: SQS_SERVICE_NAME,
        environment: {
          RESULTS_QUEUE_URL: this.resultsQueue.queueUrl,
          DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        },
      },
    );

    // Least privilege: read the one secret; send results and dead letters; claim budget slots;
    // consume input (the event source grants it).
    token.grantRead(this.sqsFunction.role);
    this.resultsQueue.grantSendMessages(this.sqsFunction.role);
    this.deadLetterQueue.grantSendMessages(this.sqsFunction.role);
    this.rateBudgetTable?.grantClaims(this.sqsFunction.role);
    this.sqsFunction.function.addEventSource(
      new SqsEventSource(this.inputQueue, {
        batchSize: config.batchSize,
        maxBatchingWindow:
          config.maxBatchingWindowSeconds > 0
            ? Duration.seconds(config.maxBatchingWindowSeconds)
            : undefined,
        // Bounds the containers that share the SQS part of the rate budget.
        maxConcurrency: config.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    // AWS rule packs (cdk-nag): what does not apply here, acknowledged where it is, with why.
    const eventSourceMapping = this.sqsFunction.function.node.children.find(
      (child) => child instanceof EventSourceMapping,
    );
    if (eventSourceMapping === undefined)
      throw new Error('the SQS event source mapping is missing');
    acknowledge(this.resultsQueue, RULE_DECISIONS.resultsQueueDeadLetters);
    acknowledge(this.resultsQueue, RULE_DECISIONS.resultsQueueRedrive);
    acknowledge(this.deadLetterQueue, RULE_DECISIONS.deadLetterQueueRedrive);
    acknowledge(eventSourceMapping, RULE_DECISIONS.eventSourceDestination);
    acknowledgeFunctionFindings(
      this.sqsFunction,
      RULE_DECISIONS.sqsFunctionDeadLetters,
      config.tracing,
    );

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
    new CfnOutput(this, 'InputQueueUrl', { value: this.inputQueue.queueUrl });
    new CfnOutput(this, 'ResultsQueueUrl', { value: this.resultsQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SqsFunctionName', { value: this.sqsFunction.function.functionName });
    new CfnOutput(this, 'DashboardName', {
      value: this.dashboard.dashboard.dashboardName,
      description: 'The CloudWatch dashboard: rows by status, respond.io, queues, functions',
    });
    if (this.fileWorkflow !== null) {
      const machine = this.fileWorkflow.stateMachine;
      new CfnOutput(this, 'FilesBucketName', {
        value: this.fileWorkflow.bucket.bucket.bucketName,
        description: 'Upload rows.csv or rows.jsonl under input/; results appear under output/',
      });
      new CfnOutput(this, 'FileStateMachineArn', { value: machine.stateMachineArn });
      new CfnOutput(this, 'FileStateMachineUrl', {
        value: `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/statemachines/view/${machine.stateMachineArn}`,
        description: 'The file runs: open an execution, then its Map Run, to watch the batches',
      });
    }
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboard.dashboardName}`,
    });
  }
}
