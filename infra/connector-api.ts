/**
 * The HTTP API in front of the lookup function: IAM (SigV4) or JWT authorization on every route
 * of the one route table, the $default stage with its throttle and JSON access logs. Built in
 * the stack's own scope, so the resources keep their logical ids.
 */

import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
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
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { API_ROUTES } from '../functions/api/routes.js';
import type { ConnectorConfig } from './connector-config.js';

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

export function createHttpApi(
  stack: Stack,
  config: ConnectorConfig,
  lookupFunction: IFunction,
): { api: HttpApi; stage: HttpStage } {
  const authorizer: IHttpRouteAuthorizer =
    config.apiAuthorization.mode === 'jwt'
      ? new HttpJwtAuthorizer('JwtAuthorizer', config.apiAuthorization.issuer, {
          jwtAudience: [...config.apiAuthorization.audience],
        })
      : new HttpIamAuthorizer();
  const api = new HttpApi(stack, 'Api', {
    description: 'respond.io Get Contact connector',
    createDefaultStage: false,
    defaultAuthorizer: authorizer,
  });
  const integration = new HttpLambdaIntegration('Lookup', lookupFunction, {
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
  const accessLogGroup = new LogGroup(stack, 'ApiAccessLogGroup', {
    retention: config.logRetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stage = new HttpStage(stack, 'ApiStage', {
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
