import { describe, expect, it } from '@jest/globals';
import { readConnectorConfig } from '../../infra/connector-config.js';
import {
  type Resource,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from '../infra/stack-template.js';

/**
 * Security check: no way into the connector is anonymous, in any supported configuration. The
 * route-by-route assertions live in test/infra/stack.test.ts; this file states the rule itself
 * against every kind of entry point a template could hold.
 */

const AUTHENTICATED = new Set(['AWS_IAM', 'JWT', 'CUSTOM']);

/** Every resource through which a caller could reach a function, with its authorization. */
function entryPoints(synthesized: Synthesized) {
  const types = [
    'AWS::ApiGatewayV2::Route',
    'AWS::ApiGateway::Method',
    'AWS::Lambda::Url',
    'AWS::Lambda::Permission',
  ];
  return types.flatMap((type) => resourcesOfType(synthesized, type));
}

function problemsOf([id, resource]: [string, Resource]): string[] {
  const p = resource.Properties;
  switch (resource.Type) {
    case 'AWS::ApiGatewayV2::Route':
    case 'AWS::ApiGateway::Method':
      return AUTHENTICATED.has(String(p.AuthorizationType))
        ? []
        : [
            `${id}: ${String(p.RouteKey ?? p.HttpMethod)} has AuthorizationType ${String(p.AuthorizationType)}`,
          ];
    case 'AWS::Lambda::Url':
      return p.AuthType === 'AWS_IAM'
        ? []
        : [`${id}: function URL with AuthType ${String(p.AuthType)}`];
    case 'AWS::Lambda::Permission':
      // Invocation rights go to API Gateway for this API only, never to everyone.
      return p.Principal === '*' || p.SourceArn === undefined
        ? [`${id}: invoke permission for ${String(p.Principal)} without a source ARN`]
        : [];
    default:
      return [];
  }
}

describe('security: no anonymous entry point', () => {
  it.each([
    ['IAM (default)', {}],
    [
      'JWT',
      {
        apiAuth: 'jwt',
        jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf',
        jwtAudience: 'client-1',
      },
    ],
  ])('every route requires authorization with %s', (_name, context) => {
    // Act
    const synthesized = synthesize(context);
    const entries = entryPoints(synthesized);
    // Assess
    expect(resourcesOfType(synthesized, 'AWS::ApiGatewayV2::Route').length).toBeGreaterThanOrEqual(
      2,
    );
    expect(entries.flatMap(problemsOf)).toEqual([]);
    expect(JSON.stringify(synthesized.resources)).not.toMatch(/"AuthorizationType":"NONE"/);
  });

  it.each(['none', 'NONE', 'open', ''])(
    'refuses apiAuth=%j rather than deploy an open API',
    (mode) => {
      // Act & Assess
      const read = () => readConnectorConfig((key) => (key === 'apiAuth' ? mode : undefined));
      if (mode === '') expect(read().apiAuthorization.mode).toBe('iam');
      else expect(read).toThrow(/apiAuth must be iam or jwt/);
    },
  );
});
