/**
 * Reading an API Gateway HTTP API proxy event (payload 2.0): its route, correlation id, body size
 * and whether the caller asked for a fresh answer, never throwing, whatever the event holds. Path
 * parameters arrive decoded once by API Gateway and are taken as they are; a path no route of the
 * table matched (a catch-all route, a named stage) is split and each segment decoded once.
 */

import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { isRecord } from '../lookup/index.js';
import {
  API_ROUTES,
  fillPath,
  type HttpRoute,
  matchRoute as matchTable,
  type RouteName,
  routeKey,
} from './routes.js';

/** What API Gateway may invoke the function with; only an HTTP API event (2.0) is answered. */
export type ApiEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

/** True for an HTTP API proxy event (`version: '2.0'`), the only event the function answers. */
export function isHttpApiEvent(event: unknown): event is APIGatewayProxyEventV2 {
  return isRecord(event) && event.version === '2.0';
}

function tableRoute(name: RouteName): HttpRoute {
  return API_ROUTES.find((route) => route.name === name) as HttpRoute;
}

export const GET_CONTACT_ROUTE = routeKey(tableRoute('getContact'));
export const LOOKUP_ROUTE = routeKey(tableRoute('lookup'));

/** Largest request body accepted, counted after base64 decoding. */
export const MAX_BODY_BYTES = 8 * 1024;

type ApiRoute =
  /** `GET /contacts/{identifier}`; `identifier` is percent-decoded exactly once. */
  | { readonly kind: 'getContact'; readonly name: string; readonly identifier: string }
  /** `POST /contacts/lookup`; the identifier is in the JSON body. */
  | { readonly kind: 'lookup'; readonly name: string }
  /** A known path with the wrong method; `allow` lists the methods it takes. */
  | { readonly kind: 'methodNotAllowed'; readonly name: string; readonly allow: string }
  | { readonly kind: 'notFound'; readonly name: string };

export interface ApiRequest {
  /** Upper-case HTTP method, '' when the event has none. */
  readonly method: string;
  readonly route: ApiRoute;
  readonly correlationId: string | null;
  /** Header names in lower case; multiple values as API Gateway joins them. */
  readonly headers: Readonly<Record<string, string>>;
  /** Size of the body in bytes, after base64 decoding; 0 when there is none. */
  readonly bodyBytes: number;
  /** The caller asked for a fresh answer (Cache-Control: no-cache or no-store, Pragma: no-cache). */
  readonly freshLookup: boolean;
}

type Loose = Record<string, unknown>;

const record = (value: unknown): Loose | undefined => (isRecord(value) ? value : undefined);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Header names lower-cased (HTTP APIs lower-case them already; any spelling is read alike). */
export function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const given = record(headers);
  for (const name in given) {
    // Own names only, as Object.entries gave them.
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

/** The directive names of a Cache-Control or Pragma value, lower-cased (`no-cache="x"` is `no-cache`). */
function directives(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((part) => part.split('=')[0]?.trim().toLowerCase() ?? '')
    .filter((name) => name !== '');
}

/** `Cache-Control: no-cache` or `no-store`, or `Pragma: no-cache`, in any case. */
export function asksForFreshAnswer(headers: Readonly<Record<string, string>>): boolean {
  const cacheControl = directives(headers['cache-control']);
  return (
    cacheControl.includes('no-cache') ||
    cacheControl.includes('no-store') ||
    directives(headers.pragma).includes('no-cache')
  );
}

function decodeOnce(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Broken percent-encoding: keep it raw; identifier parsing rejects the `%`.
    return segment;
  }
}

/** Route template API Gateway matched, e.g. `/contacts/{identifier}`, if it names one. */
function routeTemplate(event: Loose): string | undefined {
  const routeKey = text(event.routeKey);
  const space = routeKey?.indexOf(' ') ?? -1;
  return routeKey && space > 0 ? routeKey.slice(space + 1) : undefined;
}

/** Path segments, each percent-decoded once, without a stage prefix. */
function pathSegments(event: Loose): string[] {
  const context = record(event.requestContext);
  const raw = text(event.rawPath) ?? text(record(context?.http)?.path) ?? '';
  const segments = raw
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeOnce);
  const stage = text(context?.stage);
  // A named stage is the first segment of rawPath.
  if (stage && stage !== '$default' && segments.length === 3 && segments[0] === stage) {
    segments.shift();
  }
  return segments;
}

/** The route of the table that the (decoded) path segments and the method select. */
export function matchRoute(method: string, segments: readonly string[]): ApiRoute {
  const shown = method || 'UNKNOWN';
  const match = matchTable(method, segments);
  switch (match.kind) {
    case 'notFound':
      return { kind: 'notFound', name: `${shown} (no route)` };
    case 'methodNotAllowed':
      return { kind: 'methodNotAllowed', name: `${shown} ${match.path}`, allow: match.allow };
    case 'route':
      return match.route.name === 'getContact'
        ? {
            kind: 'getContact',
            name: routeKey(match.route),
            identifier: match.params.identifier ?? '',
          }
        : { kind: 'lookup', name: routeKey(match.route) };
  }
}

/**
 * The path segments of a route API Gateway already matched (its template with the path
 * parameters it decoded once), or null when the event names no route of the table.
 */
function segmentsOfMatchedRoute(event: Loose): string[] | null {
  const template = routeTemplate(event);
  if (template === undefined) return null;
  const given = record(event.pathParameters) ?? {};
  return fillPath(template, (name) => text(given[name]));
}

function bodyBytes(body: unknown, isBase64Encoded: unknown): number {
  if (typeof body !== 'string' || body === '') return 0;
  return isBase64Encoded === true
    ? Buffer.from(body, 'base64').length
    : Buffer.byteLength(body, 'utf8');
}

/** The correlation id is API Gateway's request id, else the Lambda request id. */
export function describeRequest(event: unknown, lambdaRequestId?: string): ApiRequest {
  const loose = record(event) ?? {};
  const context = record(loose.requestContext);
  const method = text(record(context?.http)?.method)?.toUpperCase();

  // API Gateway matched one of our routes: take its parameters as it decoded them.
  const segments = segmentsOfMatchedRoute(loose) ?? pathSegments(loose);

  const headers = lowerCaseHeaders(loose.headers);
  return {
    method: method ?? '',
    route: matchRoute(method ?? '', segments),
    correlationId: text(context?.requestId) || lambdaRequestId || null,
    headers,
    bodyBytes: bodyBytes(loose.body, loose.isBase64Encoded),
    freshLookup: asksForFreshAnswer(headers),
  };
}
