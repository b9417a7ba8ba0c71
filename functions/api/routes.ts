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

/** A segment of a path of the table: literal, or `{name}`, a path parameter. */
type PathPart = { readonly literal: string } | { readonly parameter: string };

/** A path of the table, read once: its parts, its routes and the methods it takes. */
interface TablePath {
  readonly path: string;
  readonly parts: readonly PathPart[];
  readonly routes: readonly HttpRoute[];
  readonly allow: string;
}

function partsOf(path: string): PathPart[] {
  return segmentsOf(path).map((part) => {
    const name = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
    return name === undefined ? { literal: part } : { parameter: name };
  });
}

/** More literal segments first: `/contacts/lookup` wins over `/contacts/{identifier}`. */
function specificity(path: string): number {
  return segmentsOf(path).filter((part) => !part.startsWith('{')).length;
}

/** The table's paths, the most specific first (read once, not per request). */
const TABLE_PATHS: readonly TablePath[] = [...new Set(API_ROUTES.map((route) => route.path))]
  .sort((a, b) => specificity(b) - specificity(a))
  .map((path) => {
    const routes = API_ROUTES.filter((route) => route.path === path);
    const allow = routes.map((route) => route.method).join(', ');
    return { path, parts: partsOf(path), routes, allow };
  });

/** Path parameters when `segments` fit `parts`, else null. */
function pathParameters(
  parts: readonly PathPart[],
  segments: readonly string[],
): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] as PathPart;
    const segment = segments[index] as string;
    if ('literal' in part) {
      if (part.literal !== segment) return null;
    } else if (segment === '') {
      return null; // A path parameter is never empty.
    } else {
      params[part.parameter] = segment;
    }
  }
  return params;
}

/**
 * Matches a request against the table as API Gateway's most specific path would: the most
 * specific path that fits the segments decides; with another method it is a 405 naming the
 * methods that path takes.
 */
export function matchRoute(method: string, segments: readonly string[]): RouteMatch {
  for (const { path, parts, routes, allow } of TABLE_PATHS) {
    const params = pathParameters(parts, segments);
    if (params === null) continue;
    const route = routes.find((item) => item.method === method);
    if (route !== undefined) return { kind: 'route', route, params };
    return { kind: 'methodNotAllowed', path, allow };
  }
  return { kind: 'notFound' };
}

/**
 * The segments of `template`, a path of the table, with each path parameter's value from
 * `parameter`; null when `template` is no path of the table or a value is missing.
 */
export function fillPath(
  template: string,
  parameter: (name: string) => string | undefined,
): string[] | null {
  const table = TABLE_PATHS.find((item) => item.path === template);
  if (table === undefined) return null;
  const segments: string[] = [];
  for (const part of table.parts) {
    if ('literal' in part) segments.push(part.literal);
    else {
      const value = parameter(part.parameter);
      if (value === undefined) return null;
      segments.push(value);
    }
  }
  return segments;
}
