/**
 * The bulk file workflow in the synthesized template (infra/file-workflow.ts): the state machine
 * definition is valid Amazon States Language (asl-validator, after its CloudFormation tokens are
 * replaced by dummy ARNs) and has the shape the plan of functions/files/workflow.ts and the
 * step contract of functions/files/steps.ts ask for; the files bucket, the upload rule, the
 * exact permissions of the three functions and of the state machine, the alarms and the outputs.
 */

import { beforeAll, describe, expect, it } from '@jest/globals';
import aslValidator from 'asl-validator';
import { FILE_ERRORS, fileWorkflowPlan } from '../../functions/files/workflow.js';
import { loadConfig, requireSettings } from '../../functions/settings/config.js';
import { FILES_SERVICE_NAME } from '../../functions/settings/table.js';
import { ConnectorConfigError, readConnectorConfig } from '../../infra/connector-config.js';
import { FILE_STATES } from '../../infra/file-workflow-definition.js';
import {
  logicalId,
  type Resource,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './stack-template.js';

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: { readonly Next: string; readonly [key: string]: unknown }[];
  readonly Catch?: { readonly ErrorEquals: string[]; readonly Next: string; ResultPath: string }[];
  readonly Retry?: Record<string, unknown>[];
  readonly [key: string]: unknown;
}

interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};

const ACCOUNT = '123456789012';

/** A CloudFormation token of the definition as a plausible value (what the deploy would put). */
function dummy(token: unknown): string {
  const { Ref, 'Fn::GetAtt': getAtt } = token as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (Ref === 'AWS::Partition') return 'aws';
  if (Ref === 'AWS::Region') return 'eu-west-1';
  if (Ref === 'AWS::AccountId') return ACCOUNT;
  if (Ref !== undefined) return `ref-${Ref.toLowerCase()}`;
  if (getAtt !== undefined) return `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${getAtt[0]}`;
  throw new Error(`unexpected token in the definition: ${JSON.stringify(token)}`);
}

function definitionOf(synthesized: Synthesized): Definition {
  const machine = synthesized.stack.fileWorkflow?.stateMachine;
  if (machine === undefined) throw new Error('no file workflow');
  const resource = synthesized.resources[logicalId(synthesized, machine)] as Resource;
  const body = resource.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : dummy(part)))
    .join('');
  return JSON.parse(text) as Definition;
}

/** The states a run passes from the start, following Next/Default (the first choice's branch). */
function path(definition: Definition, from: string, choose: (state: State) => string): string[] {
  const names: string[] = [];
  let name: string | undefined = from;
  while (name !== undefined) {
    names.push(name);
    const state: State = definition.States[name] as State;
    name = state.Type === 'Choice' ? choose(state) : state.Next;
  }
  return names;
}

function statementsOfPolicy(policy: Resource): Statement[] {
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

function statementsOfRole(synthesized: Synthesized, role: object): Statement[] {
  const roleId = logicalId(synthesized, role as never);
  return resourcesOfType(synthesized, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId),
    )
    .flatMap(([, policy]) => statementsOfPolicy(policy));
}

describe('the file workflow’s state machine', () => {
  let synthesized: Synthesized;
  let definition: Definition;
  beforeAll(() => {
    synthesized = synthesize();
    definition = definitionOf(synthesized);
  });

  it('is valid Amazon States Language (asl-validator)', () => {
    // Act
    const { isValid, errorsText } = aslValidator(structuredClone(definition)); // it fills in defaults
    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('is a Standard state machine, logged at ALL without execution data (rows are personal data), traced', () => {
    // Act
    const machine = synthesized.stack.fileWorkflow?.stateMachine;
    const resource = synthesized.resources[logicalId(synthesized, machine as never)] as Resource;
    const logGroup = synthesized.stack.fileWorkflow?.logGroup;
    // Assess
    expect(resource.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalId(synthesized, logGroup as never), 'Arn'] },
            },
          },
        ],
      },
      TracingConfiguration: { Enabled: true },
    });
    expect(
      synthesized.resources[logicalId(synthesized, logGroup as never)]?.Properties.RetentionInDays,
    ).toBe(30);
  });

  it('passes its states in order: prepare, the map of the file’s format, assemble, done', () => {
    // Act
    const success = (format: 'csv' | 'jsonl') =>
      path(definition, definition.StartAt, (state) => {
        const choice = state.Choices?.[0] as Record<string, unknown>;
        if (choice.Variable === '$.prepared.format') {
          return format === 'csv' ? (choice.Next as string) : (state.Default as string);
        }
        // Version given, accepted, and no failed rows.
        return choice.Variable === '$.assembled.failed'
          ? (state.Default as string)
          : (choice.Next as string);
      });
    // Assess
    const S = FILE_STATES;
    expect(Object.keys(definition.States).sort()).toEqual(
      Object.values(S)
        .filter((name) => name !== S.csvBatch && name !== S.jsonlBatch) // inside the maps
        .sort(),
    );
    expect(success('csv')).toEqual([
      S.versionGiven,
      S.prepare,
      S.accepted,
      S.format,
      S.csvRows,
      S.assemble,
      S.rowsFailedCheck,
      S.done,
    ]);
    expect(success('jsonl')).toContain(S.jsonlRows);
    expect(definition.States[S.versionGiven]).toMatchObject({
      Choices: [{ Variable: '$.versionId', IsPresent: true, Next: S.prepare }],
      Default: S.currentVersion,
    });
    expect(definition.States[S.currentVersion]).toEqual({
      Type: 'Pass',
      Result: null,
      ResultPath: '$.versionId',
      Next: S.prepare,
    });
  });

  it('hands prepare the RunRequest with the execution’s name and start time, and keeps its verdict at $.prepared', () => {
    // Act
    const prepare = definition.States[FILE_STATES.prepare] as State;
    // Assess
    expect(prepare.Resource).toBe(
      dummy({
        'Fn::GetAtt': [
          logicalId(synthesized, synthesized.stack.fileWorkflow?.prepareFunction.function as never),
          'Arn',
        ],
      }),
    );
    expect(prepare.Parameters).toEqual({
      'bucket.$': '$.bucket',
      'key.$': '$.key',
      'versionId.$': '$.versionId',
      'runId.$': '$$.Execution.Name',
      'startedAt.$': '$$.Execution.StartTime',
    });
    expect(prepare.ResultPath).toBe('$.prepared');
    expect(definition.States[FILE_STATES.accepted]).toMatchObject({
      Choices: [{ Variable: '$.prepared.accepted', BooleanEquals: true, Next: FILE_STATES.format }],
      Default: FILE_STATES.rejected,
    });
    expect(definition.States[FILE_STATES.rejected]).toMatchObject({
      Parameters: { 'Error.$': '$.prepared.error', 'Cause.$': '$.prepared.cause' },
      ResultPath: '$.failure',
      Next: FILE_STATES.reportFailure,
    });
  });

  it('maps each format’s rows from the pinned upload, batched and retried as the plan says', () => {
    // Prepare
    const plan = fileWorkflowPlan({ batchSize: 100, maxConcurrency: 2 });
    const bucketRef = dummy({
      Ref: logicalId(synthesized, synthesized.stack.fileWorkflow?.bucket.bucket as never),
    });
    const batchArn = dummy({
      'Fn::GetAtt': [
        logicalId(synthesized, synthesized.stack.fileWorkflow?.batchFunction.function as never),
        'Arn',
      ],
    });
    for (const [mapName, batchName, readerConfig] of [
      [
        FILE_STATES.csvRows,
        FILE_STATES.csvBatch,
        { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
      ],
      [FILE_STATES.jsonlRows, FILE_STATES.jsonlBatch, { InputType: 'JSONL' }],
    ] as const) {
      // Act
      const map = definition.States[mapName] as State;
      // Assess
      expect(map.ItemReader).toEqual({
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: readerConfig,
        Parameters: {
          Bucket: bucketRef,
          'Key.$': '$.prepared.input.key',
          'VersionId.$': '$.prepared.input.versionId',
        },
      });
      expect(map.ItemSelector).toEqual({
        'index.$': '$$.Map.Item.Index',
        'row.$': '$$.Map.Item.Value',
      });
      expect(map.ItemBatcher).toEqual({
        MaxItemsPerBatch: plan.batchSize,
        MaxInputBytesPerBatch: plan.maxBatchBytes,
        BatchInput: {
          'runId.$': '$.prepared.runId',
          'format.$': '$.prepared.format',
          'columns.$': '$.prepared.columns',
          'partsPrefix.$': '$.prepared.partsPrefix',
        },
      });
      expect(map.MaxConcurrency).toBe(plan.maxConcurrency);
      expect(map.ToleratedFailurePercentage).toBe(0);
      expect(map.ResultPath).toBeNull();
      expect(map.Next).toBe(FILE_STATES.assemble);
      expect(map.ItemProcessor).toEqual({
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: batchName,
        States: {
          [batchName]: {
            Type: 'Task',
            Resource: batchArn,
            TimeoutSeconds: 300 + 60,
            Retry: [
              {
                ErrorEquals: ['States.ALL'],
                IntervalSeconds: plan.retry.intervalSeconds,
                BackoffRate: plan.retry.backoffRate,
                MaxAttempts: plan.retry.maxAttempts,
                MaxDelaySeconds: plan.retry.maxDelaySeconds,
              },
            ],
            End: true,
          },
        },
      });
    }
  });

  it('assembles the parts, and fails a run whose rows failed with RowsFailed and its cause', () => {
    // Act
    const assemble = definition.States[FILE_STATES.assemble] as State;
    // Assess
    expect(assemble.Parameters).toEqual({ step: 'assemble', 'prepared.$': '$.prepared' });
    expect(assemble.ResultPath).toBe('$.assembled');
    expect(definition.States[FILE_STATES.rowsFailedCheck]).toMatchObject({
      Choices: [
        { Variable: '$.assembled.failed', BooleanEquals: true, Next: FILE_STATES.rowsFailed },
      ],
      Default: FILE_STATES.done,
    });
    expect(definition.States[FILE_STATES.rowsFailed]).toEqual({
      Type: 'Fail',
      Error: FILE_ERRORS.rowsFailed,
      CausePath: '$.assembled.cause',
    });
  });

  it('catches every failure of every step into the failure report, which writes the summary and fails the run', () => {
    // Prepare
    const S = FILE_STATES;
    const catchOf = (name: string) => (definition.States[name] as State).Catch;
    // Assess
    expect(catchOf(S.prepare)).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.reportEarlyFailure },
    ]);
    for (const name of [S.csvRows, S.jsonlRows, S.assemble]) {
      expect(catchOf(name)).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.reportFailure },
      ]);
    }
    const run = {
      step: 'fail',
      'bucket.$': '$.bucket',
      'key.$': '$.key',
      'versionId.$': '$.versionId',
      'runId.$': '$$.Execution.Name',
      'startedAt.$': '$$.Execution.StartTime',
      failure: { 'Error.$': '$.failure.Error', 'Cause.$': '$.failure.Cause' },
    };
    expect(definition.States[S.reportFailure]).toMatchObject({
      Parameters: { ...run, 'prepared.$': '$.prepared' },
      ResultPath: '$.reported',
      Next: S.runFailed,
    });
    expect(definition.States[S.reportEarlyFailure]).toMatchObject({
      Parameters: run, // prepare failed: no verdict to pass
      ResultPath: '$.reported',
      Next: S.runFailed,
    });
    for (const name of [S.reportFailure, S.reportEarlyFailure]) {
      expect(catchOf(name)).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.reportError', Next: S.reportFailed },
      ]);
    }
    expect(definition.States[S.runFailed]).toEqual({
      Type: 'Fail',
      ErrorPath: '$.reported.error',
      CausePath: '$.reported.cause',
    });
    expect(definition.States[S.reportFailed]).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });

  it('retries the Lambda service’s own errors on the prepare, assemble and report tasks', () => {
    for (const name of [
      FILE_STATES.prepare,
      FILE_STATES.assemble,
      FILE_STATES.reportFailure,
      FILE_STATES.reportEarlyFailure,
    ]) {
      // Act
      const [retry] = (definition.States[name] as State).Retry ?? [];
      // Assess
      expect(retry).toMatchObject({ IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 });
      expect(retry?.ErrorEquals).toEqual(
        expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
      );
      expect(retry?.ErrorEquals).not.toContain('States.ALL');
    }
  });

  it('takes the batch size, the concurrency and the batch timeout from context', () => {
    // Act
    const custom = definitionOf(
      synthesize({
        fileBatchSize: '50',
        fileMaxRows: '500000', // at most 10,000 batches per run
        fileMaxConcurrency: '5',
        fileBatchTimeoutSeconds: '600',
      }),
    );
    // Assess
    for (const name of [FILE_STATES.csvRows, FILE_STATES.jsonlRows]) {
      const map = custom.States[name] as State;
      expect((map.ItemBatcher as Record<string, unknown>).MaxItemsPerBatch).toBe(50);
      expect(map.MaxConcurrency).toBe(5);
      const child = (map.ItemProcessor as Definition).States;
      expect(Object.values(child)[0]?.TimeoutSeconds).toBe(660);
    }
  });
});

describe('the file workflow’s bucket, trigger and functions', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize();
  });
  const workflow = () => {
    const found = synthesized.stack.fileWorkflow;
    if (found === null) throw new Error('no file workflow');
    return found;
  };
  const bucketArn = () => ({
    'Fn::GetAtt': [logicalId(synthesized, workflow().bucket.bucket), 'Arn'],
  });
  const under = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn(), `/${prefix}*`]] });

  it('keeps the files encrypted, TLS only, private, versioned, with EventBridge notifications and expiry', () => {
    // Act
    const id = logicalId(synthesized, workflow().bucket.bucket);
    const bucket = synthesized.resources[id] as Resource;
    const [[, policy]] = resourcesOfType(synthesized, 'AWS::S3::BucketPolicy').filter(
      ([, each]) => (each.Properties.Bucket as { Ref: string }).Ref === id,
    ) as [[string, Resource]];
    // Assess
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    expect((bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual([
      { Id: 'ExpireResults', Prefix: 'output/', ExpirationInDays: 30, Status: 'Enabled' },
      { Id: 'ExpireRunParts', Prefix: 'runs/', ExpirationInDays: 7, Status: 'Enabled' },
      {
        Id: 'ExpireReplacedVersions',
        NoncurrentVersionExpiration: { NoncurrentDays: 7 },
        ExpiredObjectDeleteMarker: true,
        Status: 'Enabled',
      },
      {
        Id: 'AbortIncompleteUploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
    ]);
    expect(statementsOfPolicy(policy)).toContainEqual({
      Effect: 'Deny',
      Action: 's3:*',
      Principal: { AWS: '*' },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: [bucketArn(), under('')],
    });
    // No custom resource for the notifications (CDK's eventBridgeEnabled would add one).
    expect(resourcesOfType(synthesized, 'Custom::S3BucketNotifications')).toEqual([]);
    synthesized.template.resourceCountIs('AWS::Lambda::Function', 5);
  });

  it('expires results and parts after the days set in context', () => {
    // Act
    const custom = synthesize({ fileResultsExpireDays: '90', filePartsExpireDays: '3' });
    const bucket = custom.resources[
      logicalId(custom, custom.stack.fileWorkflow?.bucket.bucket as never)
    ] as Resource;
    // Assess
    expect((bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'ExpireResults', ExpirationInDays: 90 }),
        expect.objectContaining({ Id: 'ExpireRunParts', ExpirationInDays: 3 }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 3 } }),
      ]),
    );
  });

  it('starts a run for every object created under input/, with the RunRequest, by a role that may start only it', () => {
    // Act
    const [[, rule]] = resourcesOfType(synthesized, 'AWS::Events::Rule') as [[string, Resource]];
    const [target] = rule.Properties.Targets as [Record<string, unknown>];
    const machineRef = { Ref: logicalId(synthesized, workflow().stateMachine) };
    const roleId = (target.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    // Assess
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ Ref: logicalId(synthesized, workflow().bucket.bucket) }] },
        object: { key: [{ prefix: 'input/' }] },
      },
    });
    expect(target.Arn).toEqual(machineRef);
    expect(target.InputTransformer).toEqual({
      InputPathsMap: {
        'detail-bucket-name': '$.detail.bucket.name',
        'detail-object-key': '$.detail.object.key',
        'detail-object-version-id': '$.detail.object.version-id',
      },
      InputTemplate:
        '{"bucket":<detail-bucket-name>,"key":<detail-object-key>,"versionId":<detail-object-version-id>}',
    });
    expect(
      statementsOfRole(synthesized, { node: { defaultChild: { logicalId: roleId } } }),
    ).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machineRef }]);
  });

  it('gives each function the bucket and the file settings, the batch function also the budget table and token', () => {
    // Prepare
    const env = (fn: { function: object }) =>
      (
        (synthesized.resources[logicalId(synthesized, fn.function as never)] as Resource).Properties
          .Environment as { Variables: Record<string, unknown> }
      ).Variables;
    const bucketRef = { Ref: logicalId(synthesized, workflow().bucket.bucket) };
    const text = (variables: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : `stand-in-${key}`,
        ]),
      );
    // Act
    const [prepare, batch, finish] = [
      workflow().prepareFunction,
      workflow().batchFunction,
      workflow().finishFunction,
    ].map(env);
    // Assess
    for (const variables of [prepare, batch, finish]) {
      expect(variables).toMatchObject({
        FILES_BUCKET: bucketRef,
        FILE_MAX_BYTES: String(100 * 1024 ** 2),
        FILE_MAX_ROWS: '1000000',
        POWERTOOLS_SERVICE_NAME: FILES_SERVICE_NAME,
        ERROR_BEHAVIOR: 'FailAndReturnResponse',
      });
      // No static share: the batch function draws on the shared budget alone.
      expect(variables?.RESPONDIO_RATE_LIMIT_SHARE).toBeUndefined();
      expect(() => loadConfig(text(variables as Record<string, unknown>))).not.toThrow();
    }
    // Each function finds every setting it requires (the bucket, the table, the token secret).
    const config = (variables: unknown) => loadConfig(text(variables as Record<string, unknown>));
    expect(() => requireSettings(config(prepare), 'file-steps')).not.toThrow();
    expect(() => requireSettings(config(batch), 'file-batch')).not.toThrow();
    expect(() => requireSettings(config(finish), 'file-steps')).not.toThrow();
    expect(batch?.RATE_BUDGET_TABLE).toEqual({
      Ref: logicalId(synthesized, synthesized.stack.rateBudgetTable?.table as never),
    });
    expect(batch?.RESPONDIO_TOKEN_SECRET_ID).toEqual(
      synthesized.stack.resolve(synthesized.stack.tokenSecret.secretArn),
    );
    expect(prepare?.RATE_BUDGET_TABLE).toBeUndefined();
    expect(finish?.RESPONDIO_TOKEN_SECRET_ID).toBeUndefined();
    const timeout = (fn: { function: object }) =>
      (synthesized.resources[logicalId(synthesized, fn.function as never)] as Resource).Properties
        .Timeout;
    expect(
      [workflow().prepareFunction, workflow().batchFunction, workflow().finishFunction].map(
        timeout,
      ),
    ).toEqual([300, 300, 900]);
  });

  it('lets each step reach only its prefixes: prepare reads input/, batch reads and writes runs/, finish reads runs/ and writes output/', () => {
    // Prepare
    const s3 = (fn: { role: object }) =>
      statementsOfRole(synthesized, fn.role).filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('s3:')),
      );
    const list = (condition?: unknown) => ({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn(),
      ...(condition === undefined ? {} : { Condition: condition }),
    });
    // Assess
    expect(s3(workflow().prepareFunction)).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: under('input/'),
      },
      list(),
    ]);
    expect(s3(workflow().batchFunction)).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:AbortMultipartUpload'],
        Resource: under('runs/'),
      },
      list(),
    ]);
    expect(s3(workflow().finishFunction)).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: under('runs/'),
      },
      list({ StringLike: { 's3:prefix': 'runs/*' } }),
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: under('output/'),
      },
    ]);
    // Only the batch function claims budget slots and reads the token.
    const actions = (fn: { role: object }) =>
      statementsOfRole(synthesized, fn.role).flatMap((statement) => [statement.Action].flat());
    expect(actions(workflow().batchFunction)).toEqual(
      expect.arrayContaining([
        'dynamodb:UpdateItem',
        'dynamodb:GetItem',
        'secretsmanager:GetSecretValue',
      ]),
    );
    for (const fn of [workflow().prepareFunction, workflow().finishFunction]) {
      expect(actions(fn).filter((action) => /^(dynamodb|secretsmanager):/.test(action))).toEqual(
        [],
      );
    }
  });

  it('lets the state machine invoke the three functions, read input/ and manage its own child executions, nothing else', () => {
    // Prepare
    const machineId = logicalId(synthesized, workflow().stateMachine);
    const fnArn = (fn: { function: object }) => ({
      'Fn::GetAtt': [logicalId(synthesized, fn.function as never), 'Arn'],
    });
    // Act
    const statements = statementsOfRole(synthesized, workflow().stateMachineRole);
    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          workflow().prepareFunction,
          workflow().batchFunction,
          workflow().finishFunction,
        ].map(fnArn),
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: under('input/'),
      },
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: machineId } },
      {
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':execution:',
              { 'Fn::GetAtt': [machineId, 'Name'] },
              '/*',
            ],
          ],
        },
      },
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        Resource: '*',
      },
    ]);
    // CDK's own distributed map policy (broader execution ARNs) is not in the template.
    expect(resourcesOfType(synthesized, 'AWS::IAM::Policy').map(([id]) => id)).not.toContainEqual(
      expect.stringContaining('DistributedMapPolicy'),
    );
  });

  it('alarms on failed, timed-out and aborted runs and on uploads it could not start', () => {
    // Act
    const alarms = resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm.Properties)
      .filter((alarm) => alarm.Namespace === 'AWS/States' || alarm.Namespace === 'AWS/Events');
    const machineRef = { Ref: logicalId(synthesized, workflow().stateMachine) };
    // Assess
    expect(alarms.map((alarm) => [alarm.MetricName, alarm.Dimensions])).toEqual([
      ['ExecutionsFailed', [{ Name: 'StateMachineArn', Value: machineRef }]],
      ['ExecutionsTimedOut', [{ Name: 'StateMachineArn', Value: machineRef }]],
      ['ExecutionsAborted', [{ Name: 'StateMachineArn', Value: machineRef }]],
      [
        'FailedInvocations',
        [{ Name: 'RuleName', Value: { Ref: logicalId(synthesized, workflow().trigger) } }],
      ],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('outputs the bucket, the state machine and its console page', () => {
    // Assess
    expect(synthesized.outputs.FilesBucketName?.Value).toEqual({
      Ref: logicalId(synthesized, workflow().bucket.bucket),
    });
    expect(synthesized.outputs.FileStateMachineArn?.Value).toEqual({
      Ref: logicalId(synthesized, workflow().stateMachine),
    });
    expect(JSON.stringify(synthesized.outputs.FileStateMachineUrl?.Value)).toContain(
      '#/statemachines/view/',
    );
  });

  it('is left out with rateBudget=static (its batch function draws on the budget table alone)', () => {
    // Act
    const off = synthesize({ rateBudget: 'static' });
    // Assess
    expect(off.stack.fileWorkflow).toBeNull();
    expect(resourcesOfType(off, 'AWS::StepFunctions::StateMachine')).toEqual([]);
    expect(resourcesOfType(off, 'AWS::S3::Bucket')).toEqual([]);
    expect(off.outputs.FilesBucketName).toBeUndefined();
  });
});

describe('readConnectorConfig on the file workflow', () => {
  it.each([
    [
      { fileMaxRows: '2000000' },
      /fileMaxRows \(2000000\) must be at most fileBatchSize × 10000 \(1000000\)/,
    ],
    [
      { fileBatchTimeoutSeconds: '30', respondioTimeoutMs: '29000' },
      /fileBatchTimeoutSeconds × 1000 \(30000\) must be above/,
    ],
  ])('rejects %j', (context, message) => {
    // Act and assess
    const read = () => readConnectorConfig((key) => (context as Record<string, unknown>)[key]);
    expect(read).toThrow(ConnectorConfigError);
    expect(read).toThrow(message);
  });

  it('reads the map’s settings and passes the functions’ through', () => {
    // Act
    const config = readConnectorConfig(
      (key) => ({ fileBatchSize: '250', fileMaxRows: '5000' })[key],
    );
    // Assess
    expect(config.files).toEqual({
      batchSize: 250,
      maxConcurrency: 2,
      batchTimeoutSeconds: 300,
      resultsExpireDays: 30,
      partsExpireDays: 7,
    });
    expect(config.passedThrough.files).toMatchObject({ FILE_MAX_ROWS: '5000' });
    expect(config.passedThrough.files.MAX_RECEIVE_COUNT).toBeUndefined(); // the SQS function's
  });
});
