/** The one route table and its matcher (functions/api/routes.ts). */

import { describe, expect, it } from '@jest/globals';
import { API_ROUTES, matchRoute, routeKey } from '../../functions/api/routes.js';

describe('API_ROUTES', () => {
  it('lists the two routes of the API once each', () => {
    // Act
    const keys = API_ROUTES.map(routeKey);
    // Assess
    expect(keys).toEqual(['GET /contacts/{identifier}', 'POST /contacts/lookup']);
    expect(new Set(API_ROUTES.map((route) => route.name)).size).toBe(API_ROUTES.length);
  });
});

describe('matchRoute', () => {
  it('takes a path parameter as given (decoding is the caller’s job)', () => {
    // Act
    const match = matchRoute('GET', ['contacts', 'email:jane%40example.com']);
    // Assess
    expect(match).toEqual({
      kind: 'route',
      route: API_ROUTES[0],
      params: { identifier: 'email:jane%40example.com' },
    });
  });

  it('prefers the literal path over the parameter, as API Gateway does', () => {
    // Act
    const post = matchRoute('POST', ['contacts', 'lookup']);
    const get = matchRoute('GET', ['contacts', 'lookup']);
    // Assess
    expect(post).toMatchObject({ kind: 'route', route: { name: 'lookup' }, params: {} });
    expect(get).toEqual({ kind: 'methodNotAllowed', path: '/contacts/lookup', allow: 'POST' });
  });

  it.each([
    ['DELETE', ['contacts', 'id:1'], 'GET'],
    ['PUT', ['contacts', 'lookup'], 'POST'],
  ] as const)('answers %s /%s with the methods the path takes', (method, segments, allow) => {
    // Act
    const match = matchRoute(method, segments);
    // Assess
    expect(match).toMatchObject({ kind: 'methodNotAllowed', allow });
  });

  it.each([
    [['contacts']],
    [['contacts', '']],
    [['contacts', 'id:1', '']],
    [['contacts', 'id:1', 'message']],
    [['Contacts', 'id:1']],
    [[]],
  ])('finds no route for /%s (a path parameter is never empty)', (segments) => {
    // Act
    const match = matchRoute('GET', segments);
    // Assess
    expect(match).toEqual({ kind: 'notFound' });
  });
});
