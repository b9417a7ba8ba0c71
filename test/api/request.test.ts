import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  asksForFreshAnswer,
  describeRequest,
  GET_CONTACT_ROUTE,
  isHttpApiEvent,
  LOOKUP_ROUTE,
  lowerCaseHeaders,
  matchRoute,
} from '../../functions/api/request.js';
import { apiEvent, getEvent } from '../support/api.js';

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

  it('reads the header in any spelling of its name', () => {
    // Prepare: as sent (lower-cased by API Gateway), and with the name as the client wrote it.
    const sent = apiEvent({
      method: 'GET',
      url: '/contacts/id:1',
      headers: { 'Cache-Control': 'NO-CACHE' },
      payloadVersion: '2.0',
    });
    const spelled = { ...getEvent('2.0', 'id:1'), headers: { 'Cache-Control': 'NO-CACHE' } };
    // Act
    const fresh = [sent, spelled].map((event) => describeRequest(event).freshLookup);
    // Assess
    expect(fresh).toEqual([true, true]);
  });
});

describe('isHttpApiEvent', () => {
  it.each([
    ['an HTTP API event', getEvent('2.0', 'id:1'), true],
    ['any object with version 2.0', { version: '2.0' }, true],
    [
      'a REST API event',
      { httpMethod: 'GET', path: '/contacts/id:1', resource: '/{proxy+}' },
      false,
    ],
    ['an HTTP API event with payload format 1.0', { version: '1.0', httpMethod: 'GET' }, false],
    ['version 2 as a number', { version: 2 }, false],
    ['an empty object', {}, false],
    ['an array', [{ version: '2.0' }], false],
    ['a string', 'hello', false],
    ['null', null, false],
    ['undefined', undefined, false],
  ])('%s: %s', (_name, event, expected) => {
    // Act & Assess
    expect(isHttpApiEvent(event)).toBe(expected);
  });
});

describe('describeRequest', () => {
  it('reads an HTTP API event', () => {
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
      method: 'GET',
      route: { kind: 'getContact', name: GET_CONTACT_ROUTE, identifier: 'email:jane@example.com' },
      correlationId: 'r-2',
      headers: {},
      bodyBytes: 0,
      freshLookup: false,
    });
  });

  it('reads a POST, lower-casing header names and counting the body', () => {
    // Prepare: header names as the client wrote them (API Gateway would lower-case them).
    const sent = apiEvent({
      method: 'POST',
      url: '/contacts/lookup',
      body: '{"Identifier":"id:1"}',
      payloadVersion: '2.0',
      requestId: 'r-1',
    });
    const event = { ...sent, headers: { 'Content-Type': 'application/json', 'X-Thing': 'a' } };
    // Act
    const request = describeRequest(event);
    // Assess
    expect(request).toEqual({
      method: 'POST',
      route: { kind: 'lookup', name: LOOKUP_ROUTE },
      correlationId: 'r-1',
      headers: { 'content-type': 'application/json', 'x-thing': 'a' },
      bodyBytes: 21,
      freshLookup: false,
    });
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
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/contacts/id:%E0%A4%A',
      requestContext: { http: { method: 'GET' } },
    };
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
        expect(typeof request.method).toBe('string');
        expect(typeof request.route.name).toBe('string');
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
