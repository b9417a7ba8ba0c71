/**
 * The API's routes, in one table: the handler's router, the stack, the local API Gateway and the
 * OpenAPI test all read it, so a route exists everywhere or nowhere.
 */

export type RouteName = 'getContact' | 'lookup';

export interface HttpRoute {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  /** API Gateway path syntax: `{name}` is a path parameter (one whole segment). */
  readonly path: string;
}

export const API_ROUTES: readonly HttpRoute[] = [
  { name: 'getContact', method: 'GET', path: '/contacts/{identifier}' },
  { name: 'lookup', method: 'POST', path: '/contacts/lookup' },
];

/** `GET /contacts/{identifier}`: the HTTP API route key of a route. */
export function routeKey(route: HttpRoute): string {
  return `${route.method} ${route.path}`;
}

type RouteMatch =
  /** A route of the table; `params` holds its path parameters as given. */
  | { readonly kind: 'route'; readonly route: HttpRoute; readonly params: Record<string, string> }
  /** A path of the table, asked with another method; `allow` lists the path's methods. */
  | { readonly kind: 'methodNotAllowed'; readonly path: string; readonly allow: string }
  | { readonly kind: 'notFound' };

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** Path parameters when `segments` fit `template`, else null. */
function pathParameters(
  template: string,
  segments: readonly string[],
): Record<string, string> | null {
  const parts = segmentsOf(template);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] as string;
    const name = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== segment) return null;
    } else if (segment === '') {
      return null; // A path parameter is never empty.
    } else {
      params[name] = segment;
    }
  }
  return params;
}

/** More literal segments first: `/contacts/lookup` wins over `/contacts/{identifier}`. */
function specificity(path: string): number {
  return segmentsOf(path).filter((part) => !part.startsWith('{')).length;
}

/**
 * Matches a request against the table as API Gateway's most specific path would: the most
 * specific path that fits the segments decides; with another method it is a 405 naming the
 * methods that path takes.
 */
export function matchRoute(method: string, segments: readonly string[]): RouteMatch {
  const paths = [...new Set(API_ROUTES.map((route) => route.path))].sort(
    (a, b) => specificity(b) - specificity(a),
  );
  for (const path of paths) {
    const params = pathParameters(path, segments);
    if (params === null) continue;
    const route = API_ROUTES.find((item) => item.path === path && item.method === method);
    if (route !== undefined) return { kind: 'route', route, params };
    const allow = API_ROUTES.filter((item) => item.path === path).map((item) => item.method);
    return { kind: 'methodNotAllowed', path, allow: allow.join(', ') };
  }
  return { kind: 'notFound' };
}
