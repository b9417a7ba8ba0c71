/**
 * The bulk file workflow, a construct (its resources live under `FileWorkflow/`): the files
 * bucket (files-bucket.ts), the three functions (prepare, batch, finish: built like the others by
 * connector-function.ts), the Standard state machine with its distributed map
 * (file-workflow-definition.ts, from the plan the local runner uses too), its log group and
 * tracing, the EventBridge rule that starts a run for every object created under the input
 * prefix, and the stack's outputs about it (FilesBucketName, FileStateMachineArn and -Url).
 *
 * Least privilege, per step, with exact ARNs and prefixes: prepare reads `input/`; the batch
 * function reads and writes `runs/` (and draws on the shared budget, and reads the token);
 * finish reads `runs/` and writes `output/`; the state machine reads `input/` (the ItemReader),
 * invokes the three functions and manages its own child executions, nothing else. Its role is
 * given to the state machine without policy updates, so CDK's broader automatic grants
 * (`<function>:*`, the whole bucket) never reach it; the statements below are all it has.
 */

import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FILE_PREFIXES, fileWorkflowPlan } from '../functions/files/workflow.js';
import { FILES_SERVICE_NAME } from '../functions/settings/table.js';
import type { ConnectorConfig } from './connector-config.js';
import { ConnectorFunction } from './connector-function.js';
import { fileWorkflowDefinition } from './file-workflow-definition.js';
import { FilesBucket } from './files-bucket.js';
import type { RateBudgetTable } from './rate-budget-table.js';
import { acknowledgeFileWorkflowFindings } from './rule-packs.js';
import type { TokenSecret } from './token-secret.js';

/** The handler files of the three functions. */
export interface FileWorkflowEntries {
  readonly prepare: string;
  readonly batch: string;
  readonly finish: string;
}

export interface FileWorkflowProps {
  readonly config: ConnectorConfig;
  readonly entries: FileWorkflowEntries;
  readonly projectRoot: string;
  /** The shared budget: the batch function draws only on it (it has no static share). */
  readonly budgetTable: RateBudgetTable;
  /** The batch function reads the token (RESPONDIO_TOKEN_SECRET_ID: its id). */
  readonly tokenSecret: TokenSecret;
}

/** X-Ray's upload and sampling actions have no resource types: `*` is their only resource. */
const XRAY_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
];

/** CloudWatch Logs' log delivery actions, which Step Functions logging needs on `*` (AWS docs). */
const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

export class FileWorkflow extends Construct {
  readonly bucket: FilesBucket;
  readonly prepareFunction: ConnectorFunction;
  readonly batchFunction: ConnectorFunction;
  readonly finishFunction: ConnectorFunction;
  readonly stateMachine: StateMachine;
  readonly stateMachineRole: Role;
  /** Everything the state machine's role may do. */
  readonly stateMachinePolicy: Policy;
  readonly logGroup: LogGroup;
  readonly trigger: Rule;

  constructor(scope: Construct, id: string, props: FileWorkflowProps) {
    super(scope, id);
    const { config, entries, budgetTable } = props;
    const files = config.files;
    this.bucket = new FilesBucket(this, 'Files', { config: files });

    // The functions: the variables from context, plus the bucket (and for the batch function the
    // budget table and the token); no static share (RESPONDIO_RATE_LIMIT_SHARE) for any.
    const environment = {
      ...config.passedThrough.files,
      FILES_BUCKET: this.bucket.bucket.bucketName,
      POWERTOOLS_SERVICE_NAME: FILES_SERVICE_NAME,
    };
    const fn = (
      name: string,
      entry: string,
      description: string,
      timeoutSeconds: number,
      extra: Record<string, string> = {},
    ) =>
      new ConnectorFunction(this, name, {
        entry,
        projectRoot: props.projectRoot,
        description: `respond.io Get Contact: ${description}`,
        memorySize: config.memorySize,
        timeout: Duration.seconds(timeoutSeconds),
        environment: { ...environment, ...extra },
        logRetention: config.logRetentionDays,
        activeTracing: config.tracing,
      });
    // Prepare streams the whole file once (checks every line); finish merges every part.
    this.prepareFunction = fn('PrepareFunction', entries.prepare, 'file check (prepare)', 300);
    this.batchFunction = fn(
      'BatchFunction',
      entries.batch,
      'file batch lookups',
      files.batchTimeoutSeconds,
      {
        RATE_BUDGET_TABLE: budgetTable.table.tableName,
        RESPONDIO_TOKEN_SECRET_ID: props.tokenSecret.secretId,
      },
    );
    this.finishFunction = fn('FinishFunction', entries.finish, 'file results (finish)', 900);

    const bucket = this.bucket;
    bucket.grantPrefix(this.prepareFunction.role, 'input', 'read');
    bucket.grantList(this.prepareFunction.role);
    bucket.grantPrefix(this.batchFunction.role, 'runs', 'read-write');
    bucket.grantList(this.batchFunction.role);
    props.tokenSecret.grantRead(this.batchFunction.role);
    budgetTable.grantClaims(this.batchFunction.role);
    bucket.grantPrefix(this.finishFunction.role, 'runs', 'read');
    bucket.grantList(this.finishFunction.role, 'runs');
    bucket.grantPrefix(this.finishFunction.role, 'output', 'write');

    // The state machine: Standard (a run of a million rows takes days), logged without data
    // (rows are personal data), traced when tracing is on.
    this.logGroup = new LogGroup(this, 'StateMachineLogGroup', {
      // The /aws/vendedlogs/ prefix keeps the log group out of CloudWatch Logs' resource policy.
      logGroupName: `/aws/vendedlogs/states/${Aws.STACK_NAME}-files`,
      retention: config.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachineRole = new Role(this, 'StateMachineRole', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: 'respond.io Get Contact: the file workflow (state machine role)',
    });
    const functions = {
      prepare: this.prepareFunction.function,
      batch: this.batchFunction.function,
      finish: this.finishFunction.function,
    };
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: 'respond.io Get Contact: a file under input/ becomes its results under output/',
      definitionBody: DefinitionBody.fromChainable(
        fileWorkflowDefinition(this, {
          bucket: bucket.bucket,
          functions,
          plan: fileWorkflowPlan(files),
          batchTimeoutSeconds: files.batchTimeoutSeconds,
        }),
      ),
      role: this.stateMachineRole.withoutPolicyUpdates(),
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: config.tracing,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machine = this.stateMachine;
    // CDK's own distributed map policy grants broader execution ARNs (`<state machine>:*`); the
    // role does not take it (no policy updates), and the statements below replace it.
    machine.node.tryRemoveChild('DistributedMapPolicy');
    const statements = [
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(functions).map((each) => each.functionArn),
      }),
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.objectsUnder('input')],
      }),
      // The distributed map starts its child executions of this state machine, and describes
      // and stops them (their ARNs: `…:execution:<state machine>/<map run>:<child>`).
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [machine.stateMachineArn],
      }),
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${machine.stateMachineName}/*`,
        ],
      }),
      new PolicyStatement({ actions: LOG_DELIVERY_ACTIONS, resources: ['*'] }),
      ...(config.tracing ? [new PolicyStatement({ actions: XRAY_ACTIONS, resources: ['*'] })] : []),
    ];
    // A policy of its own: it names the state machine, which itself needs the role first.
    this.stateMachinePolicy = new Policy(this, 'StateMachinePolicy', { statements });
    this.stateMachineRole.attachInlinePolicy(this.stateMachinePolicy);

    // The trigger: every object created under the input prefix starts one run with the
    // RunRequest (bucket, key, version); the rule's role may start only this state machine.
    this.trigger = new Rule(this, 'UploadRule', {
      description: 'Starts the file workflow for every file created under input/',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucket.bucketName] },
          object: { key: [{ prefix: FILE_PREFIXES.input }] },
        },
      },
    });
    this.trigger.addTarget(
      new SfnStateMachine(machine, {
        input: RuleTargetInput.fromObject({
          bucket: EventField.fromPath('$.detail.bucket.name'),
          key: EventField.fromPath('$.detail.object.key'),
          versionId: EventField.fromPath('$.detail.object.version-id'),
        }),
      }),
    );

    // AWS rule packs: what does not apply here, acknowledged on the constructs it is about.
    acknowledgeFileWorkflowFindings(this, config.tracing);

    // The outputs are the stack's (created in its scope, so their ids stay FilesBucketName, …).
    const stack = Stack.of(this);
    new CfnOutput(stack, 'FilesBucketName', {
      value: bucket.bucket.bucketName,
      description: 'Upload rows.csv or rows.jsonl under input/; results appear under output/',
    });
    new CfnOutput(stack, 'FileStateMachineArn', { value: machine.stateMachineArn });
    new CfnOutput(stack, 'FileStateMachineUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/states/home?region=${Aws.REGION}#/statemachines/view/${machine.stateMachineArn}`,
      description: 'The file runs: open an execution, then its Map Run, to watch the batches',
    });
  }
}
