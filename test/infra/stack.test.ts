import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { API_ROUTES, routeKey } from '../../functions/api/routes.js';
import {
  containerRateLimit,
  loadConfig,
  requireSettings,
} from '../../functions/settings/config.js';
import {
  API_SERVICE_NAME,
  FILES_SERVICE_NAME,
  readByFunction,
  SETTINGS,
  SQS_SERVICE_NAME,
} from '../../functions/settings/table.js';
import { ConnectorConfigError, readConnectorConfig } from '../../infra/connector-config.js';
import { DEFAULT_ENTRIES, PROJECT_ROOT } from '../../infra/connector-stack.js';
import { ACCESS_LOG_FIELDS } from '../../infra/lookup-api.js';
import { rateBudget } from '../../infra/rate-budget.js';
import {
  logicalId,
  type Resource,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './stack-template.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:respondio/token-AbCdEf';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:connector-alarms';

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
};

function statementsOf(policy: Resource): Statement[] {
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every string literal inside a CloudFormation value (Fn::Join parts included). */
function literals(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literals);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(literals);
  return [];
}

function functionEnvironment(synthesized: Synthesized, fn: { function: object }) {
  const id = logicalId(synthesized, fn.function as never);
  const resource = synthesized.resources[id] as Resource;
  return (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/**
 * What Lambda active tracing grants: X-Ray's trace upload actions have no resource types
 * (the service authorization reference lists none), so their only resource is `*`.
 */
const XRAY_UPLOAD: Statement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};

const isXrayUpload = (statement: Statement) =>
  statement.Effect === XRAY_UPLOAD.Effect &&
  statement.Resource === XRAY_UPLOAD.Resource &&
  JSON.stringify(asList(statement.Action)) === JSON.stringify(XRAY_UPLOAD.Action);
/** The budget table's ARN as the template references it. */
function budgetTableArn(synthesized: Synthesized) {
  return {
    'Fn::GetAtt': [
      logicalId(synthesized, synthesized.stack.rateBudgetTable?.table as never),
      'Arn',
    ],
  };
}

/**
 * The wildcards the file workflow is decided to have (infra/rule-decisions.ts): the files
 * bucket's prefixes (`<bucket>/input/*`, `runs/*`, `output/*`) as whole statements' resources,
 * and the state machine's own policy (its statements are asserted one by one elsewhere).
 */
function fileWorkflowWildcards(synthesized: Synthesized) {
  const workflow = synthesized.stack.fileWorkflow;
  if (workflow === null) throw new Error('no file workflow');
  const prefixes = (['input', 'runs', 'output'] as const).map((prefix) =>
    JSON.stringify(synthesized.stack.resolve(workflow.bucket.objectsUnder(prefix))),
  );
  return {
    stateMachinePolicyId: logicalId(synthesized, workflow.stateMachinePolicy),
    isPrefixStatement: (statement: Statement) =>
      asList(statement.Action).every((action) => action.startsWith('s3:')) &&
      asList(statement.Resource).every((resource) => prefixes.includes(JSON.stringify(resource))),
  };
}

function policyOfRole(synthesized: Synthesized, role: object): Statement[] {
  const roleId = logicalId(synthesized, role as never);
  const policies = resourcesOfType(synthesized, 'AWS::IAM::Policy').filter(([, policy]) =>
    (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId),
  );
  return policies.flatMap(([, policy]) => statementsOf(policy));
}

describe('ConnectorStack with the default configuration', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize();
  });

  it('builds the functions from the five handler entry points (API, SQS, three file steps)', () => {
    // Assess
    expect(DEFAULT_ENTRIES).toEqual({
      api: `${PROJECT_ROOT}/functions/api/handler.ts`,
      sqs: `${PROJECT_ROOT}/functions/queue/handler.ts`,
      files: {
        prepare: `${PROJECT_ROOT}/functions/files/prepare-handler.ts`,
        batch: `${PROJECT_ROOT}/functions/files/batch-handler.ts`,
        finish: `${PROJECT_ROOT}/functions/files/finish-handler.ts`,
      },
    });
  });

  it('requires IAM authorization on every route, and has exactly the API routes', () => {
    // Act
    const routes = resourcesOfType(synthesized, 'AWS::ApiGatewayV2::Route');
    // Assess
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual(
      API_ROUTES.map(routeKey).sort(),
    );
    for (const [, route] of routes) {
      expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    }
    expect(resourcesOfType(synthesized, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
  });

  it('throttles the stage and writes access logs without paths, headers or bodies', () => {
    // Act
    const [[, stage]] = resourcesOfType(synthesized, 'AWS::ApiGatewayV2::Stage') as [
      [string, Resource],
    ];
    const access = stage.Properties.AccessLogSettings as {
      Format: string;
      DestinationArn: unknown;
    };
    // Assess
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 5, // the shared budget: the API may use all of respondioRateLimitRps
      ThrottlingBurstLimit: 4, // apiConcurrency: four callers at the same instant get through
    });
    expect(JSON.parse(access.Format)).toEqual(ACCESS_LOG_FIELDS);
    expect(access.Format).toContain('$context.requestId');
    expect(access.Format).not.toMatch(/\$context\.path|\$request|\$input|header|authorization/i);
    expect(access.DestinationArn).toEqual({
      'Fn::GetAtt': [
        logicalId(synthesized, synthesized.stack.node.findChild('ApiAccessLogGroup') as never),
        'Arn',
      ],
    });
  });

  it('grants no wildcard actions or resources but X-Ray trace upload and the file prefixes, and attaches no managed policies', () => {
    // Act
    const policies = resourcesOfType(synthesized, 'AWS::IAM::Policy');
    const roles = resourcesOfType(synthesized, 'AWS::IAM::Role');
    const decided = fileWorkflowWildcards(synthesized);
    // Assess
    expect(policies.length).toBeGreaterThanOrEqual(2);
    const xrayUploads = policies.flatMap(([, policy]) => statementsOf(policy).filter(isXrayUpload));
    expect(xrayUploads).toHaveLength(5); // one per function role, exactly as XRAY_UPLOAD
    for (const [policyId, policy] of policies) {
      // The state machine's policy: asserted statement by statement in file-workflow.test.ts.
      if (policyId === decided.stateMachinePolicyId) continue;
      for (const statement of statementsOf(policy).filter(
        (each) => !isXrayUpload(each) && !decided.isPrefixStatement(each),
      )) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asList(statement.Action)) expect(action).not.toContain('*');
        for (const text of literals(statement.Resource)) expect(text).not.toContain('*');
      }
    }
    for (const [, role] of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
  });

  it('lets the API function read the secret, write its logs and upload its traces, nothing else', () => {
    // Act
    const statements = policyOfRole(synthesized, synthesized.stack.apiFunction.role);
    const secretRef = synthesized.stack.resolve(synthesized.stack.tokenSecret.secretArn);
    const logGroupId = logicalId(synthesized, synthesized.stack.apiFunction.logGroup);
    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      XRAY_UPLOAD,
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: secretRef,
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
        Resource: budgetTableArn(synthesized),
      },
    ]);
  });

  it('lets the SQS function read the secret, consume input, and send results and dead letters', () => {
    // Act
    const statements = policyOfRole(synthesized, synthesized.stack.sqsFunction.role);
    const arnOf = (queue: object) => ({
      'Fn::GetAtt': [logicalId(synthesized, queue as never), 'Arn'],
    });
    const byResource = (resource: unknown) =>
      statements
        .filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(resource))
        .flatMap((statement) => asList(statement.Action))
        .sort();
    // Assess
    expect(byResource(arnOf(synthesized.stack.inputQueue))).toEqual(
      [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    for (const queue of [synthesized.stack.resultsQueue, synthesized.stack.deadLetterQueue]) {
      expect(byResource(arnOf(queue))).toEqual(
        ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
      );
    }
    expect(byResource(synthesized.stack.resolve(synthesized.stack.tokenSecret.secretArn))).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(statements.filter(isXrayUpload)).toHaveLength(1);
    expect(byResource(budgetTableArn(synthesized))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
    // logs, X-Ray, secret, results, dead letters, input, budget table
    expect(statements).toHaveLength(7);
  });

  it('encrypts every queue and denies every request that is not TLS', () => {
    // Act
    const queues = resourcesOfType(synthesized, 'AWS::SQS::Queue');
    const policies = resourcesOfType(synthesized, 'AWS::SQS::QueuePolicy');
    // Assess
    expect(queues).toHaveLength(3);
    for (const [queueId, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const guarding = policies.filter(([, policy]) =>
        (policy.Properties.Queues as { Ref: string }[]).some((ref) => ref.Ref === queueId),
      );
      expect(guarding.flatMap(([, policy]) => statementsOf(policy))).toContainEqual({
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      });
    }
  });

  it('runs both functions on nodejs24.x arm64, without --enable-source-maps, with a retained log group', () => {
    for (const fn of [synthesized.stack.apiFunction, synthesized.stack.sqsFunction]) {
      // Act
      const resource = synthesized.resources[logicalId(synthesized, fn.function)] as Resource;
      const logGroupId = logicalId(synthesized, fn.logGroup);
      // Assess
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        LoggingConfig: { LogGroup: { Ref: logGroupId } },
      });
      // Stack traces are mapped on the first error instead (functions/platform/source-maps.ts).
      expect(functionEnvironment(synthesized, fn).NODE_OPTIONS).toBeUndefined();
      expect(synthesized.resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
    }
    // Five functions, the access log, the file workflow's state machine.
    synthesized.template.resourceCountIs('AWS::Logs::LogGroup', 7);
    synthesized.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('traces both functions with X-Ray (active tracing) and turns their own spans on', () => {
    for (const fn of [synthesized.stack.apiFunction, synthesized.stack.sqsFunction]) {
      // Act
      const resource = synthesized.resources[logicalId(synthesized, fn.function)] as Resource;
      // Assess
      expect(resource.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(functionEnvironment(synthesized, fn).POWERTOOLS_TRACE_ENABLED).toBe('true');
      expect(policyOfRole(synthesized, fn.role)).toContainEqual(XRAY_UPLOAD);
    }
  });

  it('passes the environment contract, readable by the functions’ own config loader', () => {
    // Act
    const api = functionEnvironment(synthesized, synthesized.stack.apiFunction);
    const sqs = functionEnvironment(synthesized, synthesized.stack.sqsFunction);
    const stack = synthesized.stack;
    // Assess
    const shared = {
      RESPONDIO_TOKEN_SECRET_ID: stack.resolve(stack.tokenSecret.secretArn),
      // Both functions publish metrics (the shared budget's, StaleToken; the SQS function also its
      // batch metrics) and draw from one budget table.
      POWERTOOLS_METRICS_NAMESPACE: 'RespondioConnector',
      RATE_BUDGET_TABLE: { Ref: logicalId(synthesized, stack.rateBudgetTable?.table as never) },
      RATE_BUDGET_TIMEOUT_MS: '100',
      RATE_BUDGET_CLOCK_SKEW_MS: '20',
      RATE_BUDGET_BATCH_MIN_SHARE: '0.1',
      RATE_BUDGET_LEARNING: 'true',
      RESPONDIO_BASE_URL: 'https://api.respond.io/v2',
      ERROR_BEHAVIOR: 'FailAndReturnResponse',
      RESPONDIO_RATE_LIMIT_RPS: '5',
      RESPONDIO_TIMEOUT_MS: '5000',
      RESPONDIO_MAX_ATTEMPTS: '3',
      TOKEN_CACHE_TTL_SECONDS: '300',
      TOKEN_STALE_MAX_SECONDS: '3600',
      // The contact cache is off unless the deployer sets contactCacheTtlSeconds.
      CONTACT_CACHE_TTL_SECONDS: '0',
      CONTACT_CACHE_NOT_FOUND_TTL_SECONDS: '0',
      CONTACT_CACHE_MAX_ENTRIES: '10000',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_TRACE_ENABLED: 'true',
    };
    expect(api).toEqual({
      ...shared,
      RESPONDIO_RATE_LIMIT_SHARE: '0.05', // apiBudgetShare 0.2 / apiConcurrency 4
      POWERTOOLS_SERVICE_NAME: API_SERVICE_NAME, // the very constant functions/api/handler.ts uses
    });
    expect(sqs).toEqual({
      ...shared,
      RESPONDIO_RATE_LIMIT_SHARE: '0.4', // (1 - 0.2) / maxConcurrency 2
      RESULTS_QUEUE_URL: { Ref: logicalId(synthesized, stack.resultsQueue) },
      DEAD_LETTER_QUEUE_URL: { Ref: logicalId(synthesized, stack.deadLetterQueue) },
      MAX_RECEIVE_COUNT: '5',
      POWERTOOLS_SERVICE_NAME: SQS_SERVICE_NAME, // the very constant the SQS runtime uses
    });
    expect([API_SERVICE_NAME, SQS_SERVICE_NAME]).toEqual([
      'respondio-get-contact-api',
      'respondio-get-contact-sqs',
    ]);
    const deployed = (env: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(env).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : `https://sqs.eu-west-1.amazonaws.com/1/${key}`,
        ]),
      );
    expect(loadConfig(deployed(sqs))).toMatchObject({
      rateLimitRps: 5,
      rateLimitShare: 0.4,
      maxReceiveCount: 5,
      errorBehavior: 'FailAndReturnResponse',
    });
    expect(loadConfig(deployed(api)).rateLimitShare).toBe(0.05);
    // Each function finds every setting it requires (the token secret, the queues).
    expect(() => requireSettings(loadConfig(deployed(sqs)), 'sqs')).not.toThrow();
    expect(() => requireSettings(loadConfig(deployed(api)), 'api')).not.toThrow();
    // Four API containers at 0.25 requests/s and two SQS containers at 2: 4 × 0.25 + 2 × 2 = 5 =
    // the budget in the long run (the static split is the learning fallback of the shared one).
    expect(containerRateLimit(loadConfig(deployed(api)))).toBe(0.25);
    expect(containerRateLimit(loadConfig(deployed(sqs)))).toBe(2);
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: API_SERVICE_NAME }),
      },
      ReservedConcurrentExecutions: 4,
    });
  });

  it('sets exactly the variables the settings table says the stack sets for each function', () => {
    // Prepare: a function's variables that come from a context key (unless unset by default,
    // like DEFAULT_PHONE_COUNTRY) or that the stack computes.
    const expected = (fn: 'api' | 'sqs') =>
      Object.values(SETTINGS)
        .filter((entry) => entry.env !== undefined && readByFunction(entry.readBy, fn))
        .filter(
          (entry) =>
            (entry.context !== undefined && entry.default !== null) ||
            entry.stackSets !== undefined,
        )
        .map((entry) => entry.env)
        .sort();
    // Act
    const api = functionEnvironment(synthesized, synthesized.stack.apiFunction);
    const sqs = functionEnvironment(synthesized, synthesized.stack.sqsFunction);
    // Assess
    expect(Object.keys(api).sort()).toEqual(expected('api'));
    expect(Object.keys(sqs).sort()).toEqual(expected('sqs'));
  });

  it('consumes the input queue with ReportBatchItemFailures, batch size, window and concurrency', () => {
    // Assess
    synthesized.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: {
        'Fn::GetAtt': [logicalId(synthesized, synthesized.stack.inputQueue), 'Arn'],
      },
      FunctionName: { Ref: logicalId(synthesized, synthesized.stack.sqsFunction.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('creates an empty token secret (no generated value) and outputs its ARN and the URLs', () => {
    // Act
    const [[secretId, secret]] = resourcesOfType(synthesized, 'AWS::SecretsManager::Secret') as [
      [string, Resource],
    ];
    // Assess
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.Description).toContain('put-secret-value');
    expect(synthesized.outputs.TokenSecretArn?.Value).toEqual({ Ref: secretId });
    expect(synthesized.outputs.InputQueueUrl?.Value).toEqual({
      Ref: logicalId(synthesized, synthesized.stack.inputQueue),
    });
    expect(synthesized.outputs.ResultsQueueUrl?.Value).toEqual({
      Ref: logicalId(synthesized, synthesized.stack.resultsQueue),
    });
    expect(synthesized.outputs.DeadLetterQueueUrl?.Value).toEqual({
      Ref: logicalId(synthesized, synthesized.stack.deadLetterQueue),
    });
    expect(JSON.stringify(synthesized.outputs.ApiUrl?.Value)).toContain('.execute-api.');
  });

  it('alarms on dead letters, oldest input age, each function’s errors and throttles, fallbacks and file runs', () => {
    // Act
    const alarms = resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => alarm.Properties,
    );
    const metricAlarms = alarms.filter((alarm) => alarm.Metrics === undefined);
    const summary = metricAlarms
      .map((alarm) => `${alarm.Namespace}/${alarm.MetricName} > ${alarm.Threshold}`)
      .sort();
    // Assess
    expect(summary).toEqual(
      [
        'AWS/SQS/ApproximateNumberOfMessagesVisible > 0',
        'AWS/SQS/ApproximateAgeOfOldestMessage > 1800',
        'AWS/Lambda/Errors > 0',
        'AWS/Lambda/Errors > 0',
        'AWS/Lambda/Throttles > 0',
        'AWS/Lambda/Throttles > 0',
        'RespondioConnector/BudgetFallbackStarts > 0',
        'RespondioConnector/BudgetFallbackStarts > 0',
        // The file workflow (file-workflow.test.ts asserts their dimensions).
        'AWS/States/ExecutionsFailed > 0',
        'AWS/States/ExecutionsTimedOut > 0',
        'AWS/States/ExecutionsAborted > 0',
        'AWS/Events/FailedInvocations > 0',
      ].sort(),
    );
    for (const alarm of metricAlarms) {
      expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    }
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeUndefined(); // no topic configured
    // The learned rate, the one alarm on a metric expression (asserted below).
    expect(alarms.length - metricAlarms.length).toBe(1);
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [logicalId(synthesized, synthesized.stack.deadLetterQueue), 'QueueName'],
          },
        },
      ],
    });
  });
});

describe('ConnectorStack’s learned rate', () => {
  it('alarms when the learned rate stays below half the configured one for 15 minutes', () => {
    // Prepare
    const synthesized = synthesize({ respondioRateLimitRps: 12 });
    // Act
    const alarm = resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm')
      .map(([, each]) => each.Properties)
      .find((each) => each.Metrics !== undefined);
    // Assess: the highest BudgetRate any function published in a minute, below 6 for 15 of 15.
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 6,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      TreatMissingData: 'notBreaching',
    });
    const metrics = alarm?.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { MetricName: string; Dimensions: { Value: string }[] };
        Stat: string;
      };
    }[];
    expect(metrics.find((metric) => metric.Expression)?.Expression).toBe(
      'MAX([rate0, rate1, rate2])',
    );
    expect(
      metrics
        .filter((metric) => metric.MetricStat)
        .map((metric) => [
          metric.MetricStat?.Metric.MetricName,
          metric.MetricStat?.Metric.Dimensions[0]?.Value,
          metric.MetricStat?.Stat,
        ]),
    ).toEqual([
      ['BudgetRate', API_SERVICE_NAME, 'Maximum'],
      ['BudgetRate', SQS_SERVICE_NAME, 'Maximum'],
      ['BudgetRate', FILES_SERVICE_NAME, 'Maximum'],
    ]);
  });

  it('has no such alarm with learning off, and tells the functions so', () => {
    // Prepare
    const synthesized = synthesize({ rateBudgetLearning: 'false' });
    // Act
    const expressions = resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm').filter(
      ([, each]) => each.Properties.Metrics !== undefined,
    );
    // Assess
    expect(expressions).toEqual([]);
    expect(
      functionEnvironment(synthesized, synthesized.stack.sqsFunction).RATE_BUDGET_LEARNING,
    ).toBe('false');
  });
});

describe('ConnectorStack’s shared budget', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize();
  });

  it('creates one on-demand table with only a partition key and a TTL, destroyed with the stack', () => {
    // Act
    const tables = resourcesOfType(synthesized, 'AWS::DynamoDB::Table');
    const [[tableId, table]] = tables as [[string, Resource]];
    // Assess
    expect(tables).toHaveLength(1);
    expect(table.Properties).toEqual({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // Encryption at rest is DynamoDB's default (no SSESpecification to weaken it).
    expect(synthesized.template.toJSON().Resources[tableId]).toMatchObject({
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  it('lets each function update and read that one table, nothing more', () => {
    for (const fn of [synthesized.stack.apiFunction, synthesized.stack.sqsFunction]) {
      // Act
      const onTable = policyOfRole(synthesized, fn.role).filter((statement) =>
        asList(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );
      // Assess
      expect(onTable).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
          Resource: budgetTableArn(synthesized),
        },
      ]);
      expect(functionEnvironment(synthesized, fn).RATE_BUDGET_TABLE).toEqual({
        Ref: logicalId(synthesized, synthesized.stack.rateBudgetTable?.table as never),
      });
    }
  });

  it('alarms when containers of either function start requests on the fallback', () => {
    // Act
    const alarms = resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm.Properties)
      .filter((alarm) => alarm.MetricName === 'BudgetFallbackStarts');
    // Assess
    expect(alarms.map((alarm) => alarm.Dimensions)).toEqual([
      [{ Name: 'service', Value: API_SERVICE_NAME }],
      [{ Name: 'service', Value: SQS_SERVICE_NAME }],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'RespondioConnector',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('is turned off with rateBudget=static: no table, no grant, no variable, no fallback alarm', () => {
    // Act
    const off = synthesize({ rateBudget: 'static' });
    // Assess
    expect(resourcesOfType(off, 'AWS::DynamoDB::Table')).toEqual([]);
    expect(off.stack.rateBudgetTable).toBeNull();
    for (const fn of [off.stack.apiFunction, off.stack.sqsFunction]) {
      expect(functionEnvironment(off, fn).RATE_BUDGET_TABLE).toBeUndefined();
      const actions = policyOfRole(off, fn.role).flatMap((statement) => asList(statement.Action));
      expect(actions.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
    }
    const metrics = resourcesOfType(off, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => alarm.Properties.MetricName,
    );
    expect(metrics).not.toContain('BudgetFallbackStarts');
    const [[, stage]] = resourcesOfType(off, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 1, // the API's static part: 5 × 0.2
      ThrottlingBurstLimit: 1,
    });
  });

  it('keeps the one-second check of the static split where nothing learns from its excess', () => {
    // Act + Assess: two API containers at 0.5 requests/s each can still start one each.
    for (const context of [
      { apiConcurrency: 2, rateBudget: 'static' },
      { apiConcurrency: 2, rateBudgetLearning: 'false' },
    ] as Record<string, unknown>[]) {
      expect(() => readConnectorConfig((key) => context[key])).toThrow(
        /could start more requests in one second than the respond.io budget/,
      );
    }
  });

  it('with learning, needs the static split (its fallback) to fit the budget in the long run only', () => {
    // Act: four API containers at 0.25 requests/s each and two SQS containers at 2.
    const config = readConnectorConfig(() => undefined);
    const budget = rateBudget(config);
    // Assess: 4 × 0.25 + 2 × 2 = 5 in the long run; within one second up to 4 × 1 + 2 × 2 = 8.
    expect(config.apiConcurrency).toBe(4);
    expect(budget.worstCaseRps).toBe(5);
    expect(budget.worstCaseInAnySecond).toBe(8);
  });
});

describe('ConnectorStack settings from context', () => {
  it('turns tracing off with tracing=false: no active tracing, no spans, no wildcard left', () => {
    // Act
    const synthesized = synthesize({ tracing: 'false' });
    // Assess
    for (const fn of [synthesized.stack.apiFunction, synthesized.stack.sqsFunction]) {
      const resource = synthesized.resources[logicalId(synthesized, fn.function)] as Resource;
      expect(resource.Properties.TracingConfig).toBeUndefined();
      expect(functionEnvironment(synthesized, fn).POWERTOOLS_TRACE_ENABLED).toBe('false');
    }
    const decided = fileWorkflowWildcards(synthesized);
    for (const [policyId, policy] of resourcesOfType(synthesized, 'AWS::IAM::Policy')) {
      if (policyId === decided.stateMachinePolicyId) continue; // file-workflow.test.ts
      for (const statement of statementsOf(policy).filter(
        (each) => !decided.isPrefixStatement(each),
      )) {
        for (const action of asList(statement.Action)) expect(action).not.toContain('*');
        for (const text of literals(statement.Resource)) expect(text).not.toContain('*');
      }
    }
  });

  it('agrees on the receive count and keeps the visibility timeout ≥ 6 × timeout + window', () => {
    // Prepare
    const context = { maxReceiveCount: '7', sqsTimeoutSeconds: '90', maxBatchingWindowSeconds: 5 };
    // Act
    const synthesized = synthesize(context);
    const stack = synthesized.stack;
    const input = synthesized.resources[logicalId(synthesized, stack.inputQueue)] as Resource;
    const fn = synthesized.resources[
      logicalId(synthesized, stack.sqsFunction.function)
    ] as Resource;
    const [[, mapping]] = resourcesOfType(synthesized, 'AWS::Lambda::EventSourceMapping') as [
      [string, Resource],
    ];
    // Assess
    const redrive = input.Properties.RedrivePolicy as Record<string, unknown>;
    expect(redrive).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(synthesized, stack.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 7,
    });
    expect(functionEnvironment(synthesized, stack.sqsFunction).MAX_RECEIVE_COUNT).toBe(
      String(redrive.maxReceiveCount),
    );
    const timeout = fn.Properties.Timeout as number;
    const window = mapping.Properties.MaximumBatchingWindowInSeconds as number;
    expect(timeout).toBe(90);
    expect(window).toBe(5);
    expect(input.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout + window);
  });

  it('switches every route to a JWT authorizer, never to none', () => {
    // Prepare
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf';
    // Act
    const synthesized = synthesize({ apiAuth: 'jwt', jwtIssuer: issuer, jwtAudience: 'a1, b2' });
    // Assess
    const [[authorizerId]] = resourcesOfType(synthesized, 'AWS::ApiGatewayV2::Authorizer') as [
      [string, Resource],
    ];
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: issuer, Audience: ['a1', 'b2'] },
      IdentitySource: ['$request.header.Authorization'],
    });
    const routes = resourcesOfType(synthesized, 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(API_ROUTES.length);
    for (const [, route] of routes) {
      expect(route.Properties).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    }
  });

  it('grants exactly the given secret ARN and passes it to the functions', () => {
    // Act
    const synthesized = synthesize({ tokenSecretArn: SECRET_ARN });
    // Assess
    synthesized.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    for (const fn of [synthesized.stack.apiFunction, synthesized.stack.sqsFunction]) {
      expect(functionEnvironment(synthesized, fn).RESPONDIO_TOKEN_SECRET_ID).toBe(SECRET_ARN);
      expect(policyOfRole(synthesized, fn.role)).toContainEqual({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: SECRET_ARN,
      });
    }
    expect(synthesized.outputs.TokenSecretArn?.Value).toBe(SECRET_ARN);
  });

  it('grants a secret given by name only through the six-character suffix pattern', () => {
    // Act
    const synthesized = synthesize({ tokenSecretName: 'respondio/token' });
    // Assess
    const fn = synthesized.stack.sqsFunction;
    expect(functionEnvironment(synthesized, fn).RESPONDIO_TOKEN_SECRET_ID).toBe('respondio/token');
    const secretStatement = policyOfRole(synthesized, fn.role).find((statement) =>
      asList(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    const resource = literals(secretStatement?.Resource).join('');
    expect(resource).toMatch(/:secret:respondio\/token-\?\?\?\?\?\?$/);
    expect(resource).not.toContain('*');
  });

  it('sends alarm and OK notifications to the configured topic', () => {
    // Act
    const synthesized = synthesize({ alarmTopicArn: TOPIC_ARN });
    // Assess
    const alarms = resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(13);
    synthesized.template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [TOPIC_ARN],
      OKActions: [TOPIC_ARN],
    });
  });

  it('passes defaultPhoneCountry to both functions, in upper case, only when it is set', () => {
    // Act
    const synthesized = synthesize({ defaultPhoneCountry: 'my' });
    // Assess
    for (const fn of [synthesized.stack.apiFunction, synthesized.stack.sqsFunction]) {
      expect(functionEnvironment(synthesized, fn).DEFAULT_PHONE_COUNTRY).toBe('MY');
    }
  });

  it('wires the other context keys into the template', () => {
    // Act
    const synthesized = synthesize({
      errorBehavior: 'Do not fail and return response',
      respondioRateLimitRps: '20',
      apiBudgetShare: '0.5',
      apiConcurrency: '5',
      maxConcurrency: '4',
      batchSize: 25,
      logRetentionDays: '90',
      apiThrottleRateLimit: '3',
      apiThrottleBurstLimit: '6',
      memorySize: '1024',
    });
    // Assess
    const api = functionEnvironment(synthesized, synthesized.stack.apiFunction);
    const sqs = functionEnvironment(synthesized, synthesized.stack.sqsFunction);
    expect(api).toMatchObject({
      ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse',
      RESPONDIO_RATE_LIMIT_RPS: '20',
      RESPONDIO_RATE_LIMIT_SHARE: '0.1', // 0.5 / 5 containers
    });
    expect(sqs.RESPONDIO_RATE_LIMIT_SHARE).toBe('0.125'); // 0.5 / 4 containers
    // 5 API containers at 2 requests/s, 4 SQS containers at 2.5 kept as 2: 10 + 8 = 18 ≤ 20.
    expect(
      containerRateLimit({
        rateLimitRps: 20,
        rateLimitShare: Number(api.RESPONDIO_RATE_LIMIT_SHARE),
      }),
    ).toBe(2);
    expect(
      containerRateLimit({
        rateLimitRps: 20,
        rateLimitShare: Number(sqs.RESPONDIO_RATE_LIMIT_SHARE),
      }),
    ).toBe(2);
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 5,
      MemorySize: 1024,
    });
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 25,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    synthesized.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 6 },
    });
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: SQS_SERVICE_NAME }),
      },
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('passes metricsNamespace, logLevel and the respond.io settings through to the functions', () => {
    // Act
    const synthesized = synthesize({
      metricsNamespace: 'Team/Connector',
      logLevel: 'debug',
      respondioTimeoutMs: '4000',
      respondioMaxAttempts: 2,
      respondioBaseUrl: 'https://eu.respond.io/v2/',
    });
    // Assess
    const api = functionEnvironment(synthesized, synthesized.stack.apiFunction);
    const sqs = functionEnvironment(synthesized, synthesized.stack.sqsFunction);
    expect(sqs).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: 'Team/Connector',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      RESPONDIO_TIMEOUT_MS: '4000',
      RESPONDIO_MAX_ATTEMPTS: '2',
      RESPONDIO_BASE_URL: 'https://eu.respond.io/v2',
    });
    expect(api.POWERTOOLS_METRICS_NAMESPACE).toBe('Team/Connector');
    const text = (env: Record<string, unknown>): Record<string, string> =>
      Object.fromEntries(
        Object.entries(env).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
    expect(loadConfig(text(sqs))).toMatchObject({
      metricsNamespace: 'Team/Connector',
      logLevel: 'DEBUG',
      serviceName: SQS_SERVICE_NAME,
      requestTimeoutMs: 4000,
      maxAttempts: 2,
    });
    expect(loadConfig(text(api))).toMatchObject({
      metricsNamespace: 'Team/Connector',
      logLevel: 'DEBUG',
      serviceName: API_SERVICE_NAME,
    });
  });
});

describe('readConnectorConfig', () => {
  const read = (context: Record<string, unknown>) => () =>
    readConnectorConfig((key) => context[key]);

  it.each([
    [{ errorBehavior: 'FailSometimes' }, /errorBehavior must be one of FailAndReturnResponse/],
    [{ maxConcurrency: '1' }, /maxConcurrency must be a number from 2 to 1000/],
    [{ apiAuth: 'none' }, /apiAuth must be iam or jwt.*never anonymous/],
    [{ apiAuth: 'jwt' }, /apiAuth=jwt needs jwtIssuer.*apiAuth=jwt needs jwtAudience/],
    [{ apiBudgetShare: '1' }, /apiBudgetShare must be above 0 and below 1/],
    [
      { batchSize: '20', maxBatchingWindowSeconds: '0' },
      /batchSize above 10 needs maxBatchingWindowSeconds/,
    ],
    [
      { tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token' },
      /complete secret ARN/,
    ],
    [{ tokenSecretArn: SECRET_ARN, tokenSecretName: 'token' }, /not both/],
    [{ logRetentionDays: '10' }, /logRetentionDays must be one of 1, 3, 5/],
    [{ logLevel: 'SILENT' }, /logLevel must be one of DEBUG, INFO, WARN, ERROR, got "SILENT"/],
    [
      { metricsNamespace: 'no spaces' },
      /metricsNamespace has characters CloudWatch does not accept/,
    ],
    [{ respondioBaseUrl: 'http://127.0.0.1:4010/v2' }, /respondioBaseUrl must use https/],
    [
      { respondioBaseUrl: 'https://api.respond.io/v2?x=1' },
      /respondioBaseUrl must not carry a query/,
    ],
    [{ respondioBaseUrl: 'http://api.respond.io/v2' }, /respondioBaseUrl must use https/],
    [
      { respondioTimeoutMs: '15000' },
      /respondioTimeoutMs \(15000\) must be below apiTimeoutSeconds/,
    ],
    [{ maxReceiveCount: '2.5' }, /maxReceiveCount must be a whole number/],
    [{ alarmTopicArn: 'my-topic' }, /alarmTopicArn must be an SNS topic ARN/],
    [{ defaultPhoneCountry: 'UK' }, /defaultPhoneCountry must be an ISO 3166-1 alpha-2 country/],
    [{ sqsTimeoutSeconds: '9000' }, /sqsTimeoutSeconds must be a number from 1 to 900/],
    [
      { apiConcurrency: '2', rateBudget: 'static' },
      /apiConcurrency × 1 \+ maxConcurrency × 2 = 2 × 1 \+ 2 × 2 = 6 > respondioRateLimitRps=5 .*lower apiConcurrency or maxConcurrency, change apiBudgetShare, or raise respondioRateLimitRps/,
    ],
    [
      { respondioRateLimitRps: '2', rateBudget: 'static' },
      /= 3 > respondioRateLimitRps=2 .*below 3 requests\/s nothing fits/,
    ],
    [
      { batchSize: '500', sqsTimeoutSeconds: '60' },
      /a batch of 500 rows at 2 requests\/s .* needs about 255 s/,
    ],
  ])('rejects %j with a clear message', (context, message) => {
    // Act and assess
    expect(read(context)).toThrow(ConnectorConfigError);
    expect(read(context)).toThrow(message);
  });

  it('reports every problem at once', () => {
    // Act
    let error: unknown;
    try {
      readConnectorConfig(
        (key) => ({ maxConcurrency: 0, logLevel: 'LOUD', memorySize: 'big' })[key],
      );
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(ConnectorConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/maxConcurrency/);
    expect(message).toMatch(/logLevel must be one of DEBUG, INFO, WARN, ERROR/);
    expect(message).toMatch(/memorySize must be a number/);
  });

  it('accepts the defaults: 4 API containers (1 with the static split alone) and 2 SQS containers at 2', () => {
    // Act
    const config = readConnectorConfig(() => undefined);
    const staticSplit = readConnectorConfig((key) => ({ rateBudget: 'static' })[key]);
    // Assess: a handful of simultaneous callers get a container each, and through the stage.
    expect(config).toMatchObject({
      rateLimitRps: 5,
      apiBudgetShare: 0.2,
      apiConcurrency: 4,
      maxConcurrency: 2,
      rateBudget: 'shared',
      rateBudgetLearning: true,
      apiThrottleRateLimit: 5, // the whole budget: the API draws from the shared one
      apiThrottleBurstLimit: 4,
    });
    // With the static split alone, the stage lets through the API's part of it.
    expect(staticSplit).toMatchObject({
      rateBudget: 'static',
      apiConcurrency: 1,
      apiThrottleRateLimit: 1, // apiConcurrency 1 × (5 requests/s × apiBudgetShare 0.2 / 1)
      apiThrottleBurstLimit: 1,
    });
    expect(rateBudget(staticSplit)).toEqual({
      apiContainerShare: 0.2,
      sqsContainerShare: 0.4,
      apiContainerRps: 1,
      sqsContainerRps: 2,
      worstCaseRps: 5,
      worstCaseInAnySecond: 5, // 1 × 1 + 2 × 2
    });
  });

  it('accepts R=50 with 4 SQS containers and a small API share, each at a whole rate', () => {
    // Act
    const config = readConnectorConfig(
      (key) =>
        ({
          respondioRateLimitRps: '50',
          maxConcurrency: '4',
          apiBudgetShare: '0.05',
          apiConcurrency: '1',
        })[key],
    );
    const budget = rateBudget(config);
    // Assess
    // API: 50 × 0.05 = 2.5 kept as 2; SQS: 50 × 0.95 / 4 = 11.875 kept as 11.
    expect(budget).toMatchObject({ apiContainerRps: 2, sqsContainerRps: 11 });
    expect(budget.worstCaseInAnySecond).toBe(1 * 2 + 4 * 11);
    expect(budget.worstCaseRps).toBe(46);
    // The shared budget lets the API through up to the whole budget...
    expect(config.apiThrottleRateLimit).toBe(50);
    // ...the static split what the API container can send, not the unrounded 2.5.
    const staticSplit = readConnectorConfig(
      (key) =>
        ({
          respondioRateLimitRps: '50',
          maxConcurrency: '4',
          apiBudgetShare: '0.05',
          rateBudget: 'static',
        })[key],
    );
    expect(staticSplit.apiThrottleRateLimit).toBe(2);
  });

  it('accepts a split exactly when all containers together stay within the budget in any second', () => {
    const rates = fc.oneof(
      fc.integer({ min: 1, max: 100 }),
      fc.double({ min: 0.1, max: 100, noNaN: true }),
      fc.double({ min: 0.1, max: 10_000, noNaN: true }),
    );
    const apiConcurrencies = fc.integer({ min: 1, max: 10 });
    const maxConcurrencies = fc.oneof(
      fc.integer({ min: 2, max: 20 }),
      fc.integer({ min: 2, max: 1000 }),
    );
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        rates,
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        apiConcurrencies,
        maxConcurrencies,
        (rateLimitRps, apiBudgetShare, apiConcurrency, maxConcurrency) => {
          // Prepare
          const context: Record<string, string> = {
            respondioRateLimitRps: String(rateLimitRps),
            apiBudgetShare: String(apiBudgetShare),
            apiConcurrency: String(apiConcurrency),
            maxConcurrency: String(maxConcurrency),
            // The split alone: every container in every second (the learning fallback's long-run
            // rule is the test above).
            rateBudget: 'static',
          };
          // Act
          const budget = rateBudget({
            rateLimitRps,
            apiBudgetShare,
            apiConcurrency,
            maxConcurrency,
          });
          let problem = '';
          try {
            readConnectorConfig((key) => context[key]);
          } catch (error) {
            problem = (error as Error).message;
          }
          // Assess
          // Each container keeps the rate the functions derive from the share the stack passes.
          const kept = (share: number) =>
            containerRateLimit({ rateLimitRps, rateLimitShare: Number(String(share)) });
          const apiRate = kept(budget.apiContainerShare);
          const sqsRate = kept(budget.sqsContainerShare);
          expect([budget.apiContainerRps, budget.sqsContainerRps]).toEqual([apiRate, sqsRate]);
          // A rate of 1 or more is whole, so it starts at most that many in any second; a slower
          // container can still start one.
          for (const rate of [apiRate, sqsRate])
            if (rate >= 1) expect(Number.isInteger(rate)).toBe(true);
          const startsPerSecond = (rate: number) => Math.max(rate, 1);
          const inAnySecond =
            apiConcurrency * startsPerSecond(apiRate) + maxConcurrency * startsPerSecond(sqsRate);
          expect(budget.worstCaseInAnySecond).toBe(inAnySecond);
          const exceeds = inAnySecond > rateLimitRps;
          expect(problem.includes('more requests in one second than the respond.io budget')).toBe(
            exceeds,
          );
          if (problem === '') {
            accepted += 1;
            expect(budget.worstCaseInAnySecond).toBeLessThanOrEqual(rateLimitRps);
          } else if (exceeds) {
            refused += 1;
          }
          // Long run: (1e-12: floating-point products may land one ulp above an exact sum)
          const slack = 1 + 1e-12;
          expect(budget.worstCaseRps).toBeLessThanOrEqual(rateLimitRps * slack);
          expect(budget.worstCaseRps).toBeCloseTo(
            apiRate * apiConcurrency + sqsRate * maxConcurrency,
            9,
          );
          expect(budget.apiContainerShare * apiConcurrency).toBeLessThanOrEqual(
            apiBudgetShare * slack,
          );
          expect(budget.sqsContainerShare * maxConcurrency).toBeLessThanOrEqual(
            (1 - apiBudgetShare) * slack,
          );
        },
      ),
      { seed: 4, numRuns: 1000 },
    );
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
