import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  asksForFreshAnswer,
  describeRequest,
  GET_CONTACT_ROUTE,
  LOOKUP_ROUTE,
  lowerCaseHeaders,
  matchRoute,
} from '../../functions/api/request.js';
import { apiEvent } from '../support/api.js';

describe('asksForFreshAnswer', () => {
  it.each([
    [{ 'cache-control': 'no-cache' }, true],
    [{ 'cache-control': 'No-Cache' }, true],
    [{ 'cache-control': 'max-age=0, NO-STORE' }, true],
    [{ 'cache-control': 'no-cache="Set-Cookie"' }, true],
    [{ pragma: 'no-cache' }, true],
    [{ pragma: 'NO-CACHE' }, true],
    [{ 'cache-control': 'max-age=60' }, false],
    [{ 'cache-control': 'no-transform' }, false],
    [{ 'cache-control': '' }, false],
    [{ pragma: 'x-no-cache' }, false],
    [{ 'x-cache-control': 'no-cache' }, false],
    [{}, false],
  ])('reads %j as fresh: %s', (headers, fresh) => {
    // Act & Assess
    expect(asksForFreshAnswer(headers)).toBe(fresh);
  });

  it('reads the header in any spelling of its name, in both payload versions', () => {
    // Prepare
    const events = (['1.0', '2.0'] as const).map((payloadVersion) =>
      apiEvent({
        method: 'GET',
        url: '/contacts/id:1',
        headers: { 'Cache-Control': 'NO-CACHE' },
        payloadVersion,
      }),
    );
    // Act
    const fresh = events.map((event) => describeRequest(event).freshLookup);
    // Assess
    expect(fresh).toEqual([true, true]);
  });
});

describe('describeRequest', () => {
  it('reads a payload 2.0 event', () => {
    // Prepare
    const event = apiEvent({
      method: 'get',
      url: '/contacts/email%3Ajane%40example.com?x=1',
      payloadVersion: '2.0',
      requestId: 'r-2',
    });
    // Act
    const request = describeRequest(event, 'lambda-id');
    // Assess
    expect(request).toEqual({
      payloadVersion: '2.0',
      method: 'GET',
      route: { kind: 'getContact', name: GET_CONTACT_ROUTE, identifier: 'email:jane@example.com' },
      correlationId: 'r-2',
      headers: {},
      bodyBytes: 0,
      freshLookup: false,
    });
  });

  it('reads a payload 1.0 event, lower-casing header names', () => {
    // Prepare
    const event = apiEvent({
      method: 'POST',
      url: '/contacts/lookup',
      headers: { 'Content-Type': 'application/json', 'X-Thing': 'a' },
      body: '{"Identifier":"id:1"}',
      payloadVersion: '1.0',
      requestId: 'r-1',
    });
    // Act
    const request = describeRequest(event);
    // Assess
    expect(request).toEqual({
      payloadVersion: '1.0',
      method: 'POST',
      route: { kind: 'lookup', name: LOOKUP_ROUTE },
      correlationId: 'r-1',
      headers: { 'content-type': 'application/json', 'x-thing': 'a' },
      bodyBytes: 21,
      freshLookup: false,
    });
  });

  it.each([
    ['decoded by API Gateway', false, 'email:jane@example.com'],
    ['still percent-encoded', true, 'email:jane@example.com'],
  ])('reads a REST API (1.0) path parameter %s, decoding it exactly once', (_how, encoded, id) => {
    // Prepare
    const event = apiEvent({
      method: 'GET',
      url: '/contacts/email%3Ajane%40example.com',
      payloadVersion: '1.0',
      encodedPathParameters: encoded,
    });
    // Act
    const request = describeRequest(event);
    // Assess
    expect(request.route).toEqual({ kind: 'getContact', name: GET_CONTACT_ROUTE, identifier: id });
  });

  it.each([
    // Still encoded: one decode gives `%3A`, a `%` that the identifier parser refuses.
    ['email%253Ajane%2540example.com', true, 'email%3Ajane%40example.com'],
    // Decoded by API Gateway (the path, still encoded, differs): never decoded again.
    ['email%253Ajane%2540example.com', false, 'email%3Ajane%40example.com'],
    // A `%` without two hex digits is no escape: kept as it is.
    ['id%3A1%ZZ', true, 'id%3A1%ZZ'],
    ['phone:%2B60121233112', true, 'phone:+60121233112'],
  ])(
    'decodes the REST API path parameter %j (still encoded: %j) at most once',
    (path, encoded, id) => {
      // Prepare
      const event = apiEvent({
        method: 'GET',
        url: `/contacts/${path}`,
        payloadVersion: '1.0',
        encodedPathParameters: encoded,
      });
      // Act
      const request = describeRequest(event);
      // Assess
      expect(request.route).toMatchObject({ kind: 'getContact', identifier: id });
    },
  );

  it('decodes a REST API path parameter holding an escape once when the path is decoded too', () => {
    // Prepare: nothing tells the two apart; the result is only ever parsed, never sent as is.
    const event = {
      httpMethod: 'GET',
      resource: '/contacts/{identifier}',
      path: '/contacts/email%3Ajane%40example.com',
      pathParameters: { identifier: 'email%3Ajane%40example.com' },
    };
    const withoutPath = { ...event, path: undefined };
    // Act
    const requests = [describeRequest(event), describeRequest(withoutPath)];
    // Assess
    for (const request of requests) {
      expect(request.route).toMatchObject({ identifier: 'email:jane@example.com' });
    }
  });

  it('never decodes an HTTP API (2.0) path parameter again', () => {
    // Prepare: API Gateway decoded `%253A` once, to `%3A`.
    const event = apiEvent({
      method: 'GET',
      url: '/contacts/email%253Ajane%2540example.com',
      payloadVersion: '2.0',
    });
    // Act
    const request = describeRequest(event);
    // Assess
    expect(request.route).toMatchObject({ identifier: 'email%3Ajane%40example.com' });
  });

  it('counts base64 bodies after decoding and falls back to the Lambda request id', () => {
    // Prepare
    const event = {
      version: '2.0',
      rawPath: '/contacts/lookup',
      requestContext: { http: { method: 'POST' } },
      body: Buffer.from('é'.repeat(10)).toString('base64'),
      isBase64Encoded: true,
    };
    // Act
    const request = describeRequest(event, 'lambda-id');
    // Assess
    expect(request.bodyBytes).toBe(20);
    expect(request.correlationId).toBe('lambda-id');
  });

  it('strips a named HTTP API stage from rawPath, and only a stage', () => {
    // Prepare
    const staged = (stage: string, rawPath: string) => ({
      version: '2.0',
      routeKey: '$default',
      rawPath,
      requestContext: { http: { method: 'GET' }, stage },
    });
    // Act
    const prod = describeRequest(staged('prod', '/prod/contacts/id:1'));
    const other = describeRequest(staged('prod', '/dev/contacts/id:1'));
    // Assess
    expect(prod.route).toMatchObject({ kind: 'getContact', identifier: 'id:1' });
    expect(other.route.kind).toBe('notFound');
  });

  it('keeps an undecodable path segment raw', () => {
    // Prepare
    const event = { httpMethod: 'GET', path: '/contacts/id:%E0%A4%A' };
    // Act
    const request = describeRequest(event);
    // Assess
    expect(request.route).toMatchObject({ identifier: 'id:%E0%A4%A' });
    expect(request.correlationId).toBeNull();
  });

  it('never throws, whatever the event holds', () => {
    fc.assert(
      fc.property(fc.anything(), (event) => {
        // Act
        const request = describeRequest(event);
        // Assess
        expect(['1.0', '2.0']).toContain(request.payloadVersion);
        expect(typeof request.method).toBe('string');
      }),
      { seed: 20_241_125, numRuns: 300 },
    );
  });
});

describe('matchRoute', () => {
  it.each([
    ['GET', ['contacts', 'id:1'], { kind: 'getContact', identifier: 'id:1' }],
    ['POST', ['contacts', 'lookup'], { kind: 'lookup' }],
    ['POST', ['contacts', 'id:1'], { kind: 'methodNotAllowed', allow: 'GET' }],
    ['HEAD', ['contacts', 'id:1'], { kind: 'methodNotAllowed', allow: 'GET' }],
    ['GET', ['contacts', 'lookup'], { kind: 'methodNotAllowed', allow: 'POST' }],
    ['GET', ['contacts'], { kind: 'notFound' }],
    ['GET', ['contacts', 'id:1', 'message'], { kind: 'notFound' }],
    ['GET', ['v2', 'contact', 'id:1'], { kind: 'notFound' }],
    ['', ['contacts', 'id:1'], { kind: 'methodNotAllowed' }],
  ] as const)('%s /%s', (method, segments, expected) => {
    // Act
    const route = matchRoute(method, segments);
    // Assess
    expect(route).toMatchObject(expected);
  });
});

describe('lowerCaseHeaders', () => {
  it('lower-cases names and drops non-string values', () => {
    // Act
    const headers = lowerCaseHeaders({ 'Content-Type': 'application/json', 'X-N': 1, Host: 'h' });
    // Assess
    expect(headers).toEqual({ 'content-type': 'application/json', host: 'h' });
  });

  it('accepts a missing header map', () => {
    expect(lowerCaseHeaders(null)).toEqual({});
  });
});
