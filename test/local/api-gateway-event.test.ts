import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  API_GATEWAY_TIMEOUT_MS,
  createLambdaContext,
  toApiGatewayEvent,
} from '../../local/api-gateway-server.js';

const now = new Date('2026-11-25T16:30:05.000Z');

describe('toApiGatewayEvent, payload 2.0 (HTTP API)', () => {
  it('builds the route key, raw path, decoded path parameter and request context', () => {
    // Act
    const event = toApiGatewayEvent(
      {
        method: 'get',
        url: '/contacts/phone:%2B60121233112?a=1&a=2&b=3',
        headers: { 'User-Agent': 'curl/8', Host: '127.0.0.1:3000', Accept: ['a', 'b'] },
      },
      { requestId: 'r-1', now },
    ) as APIGatewayProxyEventV2;
    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /contacts/{identifier}',
      rawPath: '/contacts/phone:%2B60121233112',
      rawQueryString: 'a=1&a=2&b=3',
      queryStringParameters: { a: '1,2', b: '3' },
      pathParameters: { identifier: 'phone:+60121233112' },
      headers: { 'user-agent': 'curl/8', host: '127.0.0.1:3000', accept: 'a,b' },
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/contacts/phone:%2B60121233112', userAgent: 'curl/8' },
        requestId: 'r-1',
        routeKey: 'GET /contacts/{identifier}',
        stage: '$default',
        time: '25/Nov/2026:16:30:05 +0000',
        timeEpoch: now.getTime(),
      },
    });
    expect(event.body).toBeUndefined();
  });

  it('passes JSON bodies as text and other bodies base64-encoded', () => {
    // Act
    const json = toApiGatewayEvent({
      method: 'POST',
      url: '/contacts/lookup',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"Identifier":"id:1"}',
    }) as APIGatewayProxyEventV2;
    const binary = toApiGatewayEvent({
      method: 'POST',
      url: '/contacts/lookup',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2]),
    }) as APIGatewayProxyEventV2;
    // Assess
    expect(json).toMatchObject({
      routeKey: 'POST /contacts/lookup',
      body: '{"Identifier":"id:1"}',
      isBase64Encoded: false,
    });
    expect(json.pathParameters).toBeUndefined();
    expect(binary).toMatchObject({ body: 'AAEC', isBase64Encoded: true });
  });

  it('sends unknown routes and wrong methods to the catch-all route', () => {
    // Act
    const unknown = toApiGatewayEvent({ method: 'GET', url: '/other' }) as APIGatewayProxyEventV2;
    const wrong = toApiGatewayEvent({
      method: 'PUT',
      url: '/contacts/id:1',
    }) as APIGatewayProxyEventV2;
    // Assess
    expect(unknown.routeKey).toBe('$default');
    expect(wrong.routeKey).toBe('$default');
    expect(wrong.pathParameters).toBeUndefined();
  });
});

describe('toApiGatewayEvent, payload 1.0 (REST API)', () => {
  it('keeps header spelling and fills resource, path parameters and multi-value maps', () => {
    // Act
    const event = toApiGatewayEvent(
      {
        method: 'GET',
        url: '/contacts/email:jane%40example.com?x=1&x=2',
        headers: { 'X-Trace': ['a', 'b'], Accept: 'application/json' },
      },
      { payloadVersion: '1.0', requestId: 'r-9', now },
    ) as APIGatewayProxyEvent;
    // Assess
    expect(event).toMatchObject({
      resource: '/contacts/{identifier}',
      path: '/contacts/email:jane%40example.com',
      httpMethod: 'GET',
      headers: { 'X-Trace': 'a,b', Accept: 'application/json' },
      multiValueHeaders: { 'X-Trace': ['a', 'b'], Accept: ['application/json'] },
      queryStringParameters: { x: '2' },
      multiValueQueryStringParameters: { x: ['1', '2'] },
      pathParameters: { identifier: 'email:jane@example.com' },
      body: null,
      isBase64Encoded: false,
      requestContext: {
        requestId: 'r-9',
        resourcePath: '/contacts/{identifier}',
        httpMethod: 'GET',
      },
    });
  });

  it('can deliver path parameters still percent-encoded, as some REST APIs do', () => {
    // Act
    const event = toApiGatewayEvent(
      { method: 'GET', url: '/contacts/email%3Ajane%40example.com' },
      { payloadVersion: '1.0', encodedPathParameters: true },
    ) as APIGatewayProxyEvent;
    // Assess
    expect(event.pathParameters).toEqual({ identifier: 'email%3Ajane%40example.com' });
    expect(event.path).toBe('/contacts/email%3Ajane%40example.com');
  });

  it('uses a proxy resource for anything else', () => {
    // Act
    const event = toApiGatewayEvent(
      { method: 'DELETE', url: '/contacts/id:1' },
      { payloadVersion: '1.0' },
    ) as APIGatewayProxyEvent;
    // Assess
    expect(event.resource).toBe('/{proxy+}');
    expect(event.pathParameters).toEqual({ proxy: 'contacts/id:1' });
    expect(event.queryStringParameters).toBeNull();
  });
});

describe('createLambdaContext', () => {
  it('counts the remaining time down from the budget', () => {
    // Prepare
    let clock = 1_000;
    const context = createLambdaContext({ requestId: 'r', now: () => clock });
    // Act
    const atStart = context.getRemainingTimeInMillis();
    clock += 5_000;
    const later = context.getRemainingTimeInMillis();
    clock += 60_000;
    const afterEnd = context.getRemainingTimeInMillis();
    // Assess
    expect(atStart).toBe(API_GATEWAY_TIMEOUT_MS);
    expect(later).toBe(API_GATEWAY_TIMEOUT_MS - 5_000);
    expect(afterEnd).toBe(0);
    expect(context.awsRequestId).toBe('r');
  });
});
