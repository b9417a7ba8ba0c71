/**
 * The connector in one stack: an IAM-authorized HTTP API in front of the lookup function, the
 * input → SQS function → results pipeline with its dead-letter queue, the token secret, alarms
 * and outputs. Every setting comes from a validated `ConnectorConfig`.
 */

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { API_ROUTES } from '../functions/core/api-routes.js';
import { containerRateLimit, loadConfig } from '../functions/core/config.js';
import { API_SERVICE_NAME, SQS_SERVICE_NAME } from '../functions/core/settings.js';
import { type ConnectorConfig, inputVisibilityTimeoutSeconds } from './connector-config.js';
import { ConnectorFunction } from './connector-function.js';
import { rateBudget } from './rate-budget.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The handler files the functions are built from. */
export const DEFAULT_ENTRIES = {
  api: join(PROJECT_ROOT, 'functions', 'api', 'handler.ts'),
  sqs: join(PROJECT_ROOT, 'functions', 'sqs', 'handler.ts'),
} as const;

export interface ConnectorStackProps extends StackProps {
  readonly config: ConnectorConfig;
  /** @default DEFAULT_ENTRIES */
  readonly entries?: { readonly api: string; readonly sqs: string };
}

/**
 * API Gateway access log line: who called which route, when, and how it went. No path (the
 * identifier in it is personal data), no headers (Authorization), no bodies; HTTP API access
 * logs cannot hold bodies at all.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  errorMessage: '$context.error.message',
  authorizerError: '$context.authorizer.error',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  caller: '$context.identity.caller',
};

export class ConnectorStack extends Stack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly apiFunction: ConnectorFunction;
  readonly sqsFunction: ConnectorFunction;
  readonly inputQueue: Queue;
  readonly resultsQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly tokenSecret: ISecret;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ConnectorStackProps) {
    super(scope, id, props);
    const config = props.config;
    const entries = props.entries ?? DEFAULT_ENTRIES;
    const budget = rateBudget(config);

    // The respond.io token.
    const { secret, secretId } = this.tokenSecretFrom(config);
    this.tokenSecret = secret;

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

    // Functions: the variables passed through from context, plus the ones the stack computes.
    const apiEnvironment = {
      ...config.passedThrough.api,
      RESPONDIO_TOKEN_SECRET_ID: secretId,
      RESPONDIO_RATE_LIMIT_SHARE: String(budget.apiContainerShare),
      POWERTOOLS_SERVICE_NAME: API_SERVICE_NAME,
    };
    const sqsEnvironment = {
      ...config.passedThrough.sqs,
      RESPONDIO_TOKEN_SECRET_ID: secretId,
      RESPONDIO_RATE_LIMIT_SHARE: String(budget.sqsContainerShare),
      RESULTS_QUEUE_URL: this.resultsQueue.queueUrl,
      DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      POWERTOOLS_SERVICE_NAME: SQS_SERVICE_NAME,
    };
    // The functions read their environment with this same loader: fail the synth, not the deploy.
    // The rate each container will keep must be the one the budget check counted.
    const kept = [
      containerRateLimit(loadConfig(apiEnvironment)),
      containerRateLimit(loadConfig(sqsEnvironment)),
    ];
    if (kept[0] !== budget.apiContainerRps || kept[1] !== budget.sqsContainerRps) {
      throw new Error(
        `container rates ${kept.join(', ')} differ from the checked budget ` +
          `${budget.apiContainerRps}, ${budget.sqsContainerRps}`,
      );
    }

    this.apiFunction = new ConnectorFunction(this, 'ApiFunction', {
      entry: entries.api,
      projectRoot: PROJECT_ROOT,
      description: 'respond.io Get Contact: API Gateway lookups',
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.apiTimeoutSeconds),
      environment: apiEnvironment,
      logRetention: config.logRetentionDays,
      // Bounds the containers that share the API part of the rate budget.
      reservedConcurrentExecutions: config.apiConcurrency,
    });
    this.sqsFunction = new ConnectorFunction(this, 'SqsFunction', {
      entry: entries.sqs,
      projectRoot: PROJECT_ROOT,
      description: 'respond.io Get Contact: SQS batch lookups',
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.sqsTimeoutSeconds),
      environment: sqsEnvironment,
      logRetention: config.logRetentionDays,
    });

    // Least privilege: read the one secret; consume input; send results and dead letters.
    secret.grantRead(this.apiFunction.role);
    secret.grantRead(this.sqsFunction.role);
    this.resultsQueue.grantSendMessages(this.sqsFunction.role);
    this.deadLetterQueue.grantSendMessages(this.sqsFunction.role);
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

    // The API.
    const { api, stage } = this.httpApi(config);
    this.api = api;
    this.stage = stage;

    // Alarms and outputs.
    this.alarms = this.createAlarms(config);
    new CfnOutput(this, 'ApiUrl', {
      value: stage.url,
      description: 'Base URL of the API (append contacts/{identifier} or contacts/lookup)',
    });
    new CfnOutput(this, 'InputQueueUrl', { value: this.inputQueue.queueUrl });
    new CfnOutput(this, 'ResultsQueueUrl', { value: this.resultsQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'TokenSecretArn', {
      value: secret.secretArn,
      description:
        config.tokenSecret.kind === 'name'
          ? 'ARN pattern of the token secret (IAM resource); the functions use its name'
          : 'The respond.io token secret: aws secretsmanager put-secret-value --secret-id <this> --secret-string <token>',
    });
    new CfnOutput(this, 'ApiFunctionName', { value: this.apiFunction.function.functionName });
    new CfnOutput(this, 'SqsFunctionName', { value: this.sqsFunction.function.functionName });
  }

  private tokenSecretFrom(config: ConnectorConfig): { secret: ISecret; secretId: string } {
    const source = config.tokenSecret;
    switch (source.kind) {
      case 'arn': {
        const secret = Secret.fromSecretCompleteArn(this, 'TokenSecret', source.arn);
        return { secret, secretId: source.arn };
      }
      case 'name': {
        const secret = Secret.fromSecretNameV2(this, 'TokenSecret', source.name);
        return { secret, secretId: source.name };
      }
      case 'create': {
        const secret = new Secret(this, 'TokenSecret', {
          description:
            'respond.io Developer API token for the Get Contact connector. Fill it with: ' +
            'aws secretsmanager put-secret-value --secret-id <TokenSecretArn> --secret-string <token>',
          removalPolicy: RemovalPolicy.DESTROY,
        });
        // Created empty (no generated value): until it is filled, lookups answer a clear
        // StatusCode 500 row instead of sending a random string to respond.io.
        (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
        return { secret, secretId: secret.secretArn };
      }
    }
  }

  private httpApi(config: ConnectorConfig): { api: HttpApi; stage: HttpStage } {
    const authorizer: IHttpRouteAuthorizer =
      config.apiAuthorization.mode === 'jwt'
        ? new HttpJwtAuthorizer('JwtAuthorizer', config.apiAuthorization.issuer, {
            jwtAudience: [...config.apiAuthorization.audience],
          })
        : new HttpIamAuthorizer();
    const api = new HttpApi(this, 'Api', {
      description: 'respond.io Get Contact connector',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    const integration = new HttpLambdaIntegration('Lookup', this.apiFunction.function, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      timeout: Duration.seconds(Math.min(30, config.apiTimeoutSeconds + 1)),
    });
    for (const route of API_ROUTES) {
      api.addRoutes({
        path: route.path,
        methods: [route.method === 'GET' ? HttpMethod.GET : HttpMethod.POST],
        integration,
        authorizer,
      });
    }
    const accessLogGroup = new LogGroup(this, 'ApiAccessLogGroup', {
      retention: config.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: config.apiThrottleRateLimit,
        burstLimit: config.apiThrottleBurstLimit,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    return { api, stage };
  }

  private createAlarms(config: ConnectorConfig): Alarm[] {
    const topic =
      config.alarmTopicArn === null
        ? null
        : Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn);
    const fiveMinutes = Duration.minutes(5);
    const alarm = (id: string, description: string, metric: IMetric, threshold: number) => {
      const created = new Alarm(this, id, {
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
      ['Api', this.apiFunction],
      ['Sqs', this.sqsFunction],
    ] as const;
    return [
      alarm(
        'DeadLetterQueueNotEmptyAlarm',
        'Rows reached the dead-letter queue: inspect and redrive them',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        0,
      ),
      alarm(
        'InputQueueOldestMessageAlarm',
        `The oldest input row waits longer than ${config.oldestMessageAlarmSeconds} s`,
        this.inputQueue.metricApproximateAgeOfOldestMessage({
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
    ];
  }
}
