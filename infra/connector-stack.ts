/**
 * The connector in one stack, composed of its features, each with typed props: the respond.io
 * token secret (token-secret.ts), the shared budget's table (rate-budget-table.ts), the lookup
 * API (lookup-api.ts), the queue pipeline (queue-pipeline.ts), the bulk file workflow
 * (file-workflow.ts) and monitoring (monitoring.ts: alarms and the dashboard). Every setting
 * comes from a validated `ConnectorConfig`. Each feature adds its own outputs and acknowledges,
 * on its own constructs, the findings of AWS's rule packs that do not apply to it (rule-packs.ts).
 *
 * Logical ids come from construct paths. The token secret, the lookup API, the queue pipeline
 * and the alarms are children of the stack itself, so those features are stack parts: typed
 * classes, not constructs, that build in the stack's scope (`new LookupApi(stack, props)`), and
 * every resource keeps its id; a construct of their own would move the resources under a new
 * path, which CloudFormation would deploy as replacements. The features with a scope of their
 * own (FileWorkflow, RateBudgetTable, ConnectorDashboard, ConnectorFunction) are constructs.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ConnectorConfig } from './connector-config.js';
import type { ConnectorDashboard } from './connector-dashboard.js';
import type { ConnectorFunction } from './connector-function.js';
import { FileWorkflow, type FileWorkflowEntries } from './file-workflow.js';
import { LookupApi } from './lookup-api.js';
import { Monitoring } from './monitoring.js';
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
  readonly tokenSecret: ISecret;
  /** The shared budget's table; null with rateBudget=static. */
  readonly rateBudgetTable: RateBudgetTable | null;
  readonly lookupApi: LookupApi;
  readonly queuePipeline: QueuePipeline;
  /** The bulk file workflow; null with rateBudget=static (its batch function needs the table). */
  readonly fileWorkflow: FileWorkflow | null;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ConnectorStackProps) {
    super(scope, id, props);
    const config = props.config;
    const entries = props.entries ?? DEFAULT_ENTRIES;

    const token = new TokenSecret(this, { config });
    this.tokenSecret = token.secret;
    // The shared organisation budget: one table every container of every function claims its
    // request slots from (rateBudget=shared; without it, the static split alone).
    this.rateBudgetTable =
      config.rateBudget === 'shared' ? new RateBudgetTable(this, 'RateBudget') : null;

    const lookups = {
      config,
      projectRoot: PROJECT_ROOT,
      tokenSecret: token,
      budgetTable: this.rateBudgetTable,
    };
    this.lookupApi = new LookupApi(this, { ...lookups, entry: entries.api });
    this.queuePipeline = new QueuePipeline(this, { ...lookups, entry: entries.sqs });
    // Its batch function draws only on the shared budget: no file workflow without the table.
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
    this.monitoring = new Monitoring(this, {
      config,
      lookupApi: this.lookupApi,
      queuePipeline: this.queuePipeline,
      fileWorkflow: this.fileWorkflow,
    });
  }

  // The features' main parts, by the names the stack has always given them.
  get api(): HttpApi {
    return this.lookupApi.api;
  }
  get stage(): HttpStage {
    return this.lookupApi.stage;
  }
  get apiFunction(): ConnectorFunction {
    return this.lookupApi.apiFunction;
  }
  get sqsFunction(): ConnectorFunction {
    return this.queuePipeline.sqsFunction;
  }
  get inputQueue(): Queue {
    return this.queuePipeline.inputQueue;
  }
  get resultsQueue(): Queue {
    return this.queuePipeline.resultsQueue;
  }
  get deadLetterQueue(): Queue {
    return this.queuePipeline.deadLetterQueue;
  }
  get alarms(): readonly Alarm[] {
    return this.monitoring.alarms;
  }
  get dashboard(): ConnectorDashboard {
    return this.monitoring.dashboard;
  }
}
