/**
 * The lookup API: the API function (lookup-function.ts) behind an HTTP API with IAM (SigV4) or
 * JWT authorization on every route of the one route table, the $default stage with its throttle
 * and JSON access logs, and its outputs (ApiUrl, ApiFunctionName). A stack part
 * (connector-stack.ts): built in the stack's own scope, so the resources keep their logical ids.
 */

import { CfnOutput, Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
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
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { API_ROUTES } from '../functions/api/routes.js';
import { API_SERVICE_NAME } from '../functions/settings/table.js';
import type { ConnectorFunction } from './connector-function.js';
import { type LookupFeatureProps, lookupFunction } from './lookup-function.js';
import { rateBudget } from './rate-budget.js';
import { RULE_DECISIONS } from './rule-decisions.js';
import { acknowledgeFunctionFindings } from './rule-packs.js';

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

/** The same props as the queue pipeline: both features are built around a lookup function. */
export type LookupApiProps = LookupFeatureProps;

export class LookupApi {
  readonly apiFunction: ConnectorFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(stack: Stack, props: LookupApiProps) {
    const { config } = props;
    const budget = rateBudget(config);
    this.apiFunction = lookupFunction(stack, 'ApiFunction', props, {
      description: 'respond.io Get Contact: API Gateway lookups',
      timeout: Duration.seconds(config.apiTimeoutSeconds),
      passedThrough: config.passedThrough.api,
      share: { fraction: budget.apiContainerShare, rps: budget.apiContainerRps },
      serviceName: API_SERVICE_NAME,
      // Bounds the containers that share the API part of the rate budget.
      reservedConcurrentExecutions: config.apiConcurrency,
    });
    // Least privilege: read the one secret, claim slots of the shared budget.
    props.tokenSecret.grantRead(this.apiFunction.role);
    props.budgetTable?.grantClaims(this.apiFunction.role);
    // API Gateway invokes it synchronously: a failure is answered, no event is left to keep.
    acknowledgeFunctionFindings(
      this.apiFunction,
      RULE_DECISIONS.apiFunctionDeadLetters,
      config.tracing,
    );

    const authorizer: IHttpRouteAuthorizer =
      config.apiAuthorization.mode === 'jwt'
        ? new HttpJwtAuthorizer('JwtAuthorizer', config.apiAuthorization.issuer, {
            jwtAudience: [...config.apiAuthorization.audience],
          })
        : new HttpIamAuthorizer();
    this.api = new HttpApi(stack, 'Api', {
      description: 'respond.io Get Contact connector',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    const integration = new HttpLambdaIntegration('Lookup', this.apiFunction.function, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      timeout: Duration.seconds(Math.min(30, config.apiTimeoutSeconds + 1)),
    });
    for (const route of API_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [route.method === 'GET' ? HttpMethod.GET : HttpMethod.POST],
        integration,
        authorizer,
      });
    }
    const accessLogGroup = new LogGroup(stack, 'ApiAccessLogGroup', {
      retention: config.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(stack, 'ApiStage', {
      httpApi: this.api,
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

    new CfnOutput(stack, 'ApiUrl', {
      value: this.stage.url,
      description: 'Base URL of the API (append contacts/{identifier} or contacts/lookup)',
    });
    new CfnOutput(stack, 'ApiFunctionName', { value: this.apiFunction.function.functionName });
  }
}
