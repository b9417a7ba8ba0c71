/**
 * The API's routes, in one place: the stack creates exactly these, and the OpenAPI test checks
 * that functions/api/openapi.yaml describes exactly these.
 */

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/contacts/{identifier}' },
  { method: 'POST', path: '/contacts/lookup' },
];

/** `GET /contacts/{identifier}`: the HTTP API route key of a route. */
export function routeKey(route: ApiRoute): string {
  return `${route.method} ${route.path}`;
}
