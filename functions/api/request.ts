/**
 * Reading an API Gateway proxy event: payload 1.0 (REST API, or HTTP API with format 1.0) and
 * payload 2.0 (HTTP API). Pure: it decides the route, the correlation id and the body size, and
 * never throws, whatever the event holds.
 */

import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { isRecord } from '../core/json.js';

export type ApiEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export type PayloadVersion = '1.0' | '2.0';

export const GET_CONTACT_ROUTE = 'GET /contacts/{identifier}';
export const LOOKUP_ROUTE = 'POST /contacts/lookup';

/** Largest request body accepted, counted after base64 decoding. */
export const MAX_BODY_BYTES = 8 * 1024;

export type ApiRoute =
  /** `GET /contacts/{identifier}`; `identifier` is percent-decoded once. */
  | { readonly kind: 'getContact'; readonly name: string; readonly identifier: string }
  /** `POST /contacts/lookup`; the identifier is in the JSON body. */
  | { readonly kind: 'lookup'; readonly name: string }
  /** A known path with the wrong method; `allow` is the one method it takes. */
  | { readonly kind: 'methodNotAllowed'; readonly name: string; readonly allow: 'GET' | 'POST' }
  | { readonly kind: 'notFound'; readonly name: string };

export interface ApiRequest {
  readonly payloadVersion: PayloadVersion;
  /** Upper-case HTTP method, '' when the event has none. */
  readonly method: string;
  readonly route: ApiRoute;
  /** API Gateway's request id, else the Lambda request id. */
  readonly correlationId: string | null;
  /** Header names in lower case; multiple values as API Gateway joins them. */
  readonly headers: Readonly<Record<string, string>>;
  /** Size of the body in bytes, after base64 decoding; 0 when there is none. */
  readonly bodyBytes: number;
}

type Loose = Record<string, unknown>;

function record(value: unknown): Loose | undefined {
  return isRecord(value) ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Header names lower-cased (payload 1.0 keeps the client's spelling; 2.0 lower-cases). */
export function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record(headers) ?? {})) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
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
function routeTemplate(event: Loose, version: PayloadVersion): string | undefined {
  if (version === '1.0') return text(event.resource);
  const routeKey = text(event.routeKey);
  const space = routeKey?.indexOf(' ') ?? -1;
  return routeKey && space > 0 ? routeKey.slice(space + 1) : undefined;
}

/** Path segments, each percent-decoded once, without a stage prefix. */
function pathSegments(event: Loose, version: PayloadVersion): string[] {
  const context = record(event.requestContext);
  const raw =
    version === '2.0'
      ? (text(event.rawPath) ?? text(record(context?.http)?.path) ?? '')
      : (text(event.path) ?? '');
  const segments = raw
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeOnce);
  const stage = text(context?.stage);
  // HTTP API with a named stage puts the stage in rawPath; REST API does not.
  if (stage && stage !== '$default' && segments.length === 3 && segments[0] === stage) {
    segments.shift();
  }
  return segments;
}

export function matchRoute(
  method: string,
  segments: readonly string[],
  pathIdentifier: string | undefined,
): ApiRoute {
  if (segments.length !== 2 || segments[0] !== 'contacts') {
    return { kind: 'notFound', name: `${method || 'UNKNOWN'} (no route)` };
  }
  if (segments[1] === 'lookup') {
    return method === 'POST'
      ? { kind: 'lookup', name: LOOKUP_ROUTE }
      : {
          kind: 'methodNotAllowed',
          name: `${method || 'UNKNOWN'} /contacts/lookup`,
          allow: 'POST',
        };
  }
  if (method !== 'GET') {
    return {
      kind: 'methodNotAllowed',
      name: `${method || 'UNKNOWN'} /contacts/{identifier}`,
      allow: 'GET',
    };
  }
  return { kind: 'getContact', name: GET_CONTACT_ROUTE, identifier: pathIdentifier ?? '' };
}

function bodyBytes(body: unknown, isBase64Encoded: unknown): number {
  if (typeof body !== 'string' || body === '') return 0;
  return isBase64Encoded === true
    ? Buffer.from(body, 'base64').length
    : Buffer.byteLength(body, 'utf8');
}

/** Reads an API Gateway proxy event of either payload version. Never throws. */
export function describeRequest(event: unknown, lambdaRequestId?: string): ApiRequest {
  const loose = record(event) ?? {};
  const context = record(loose.requestContext);
  const payloadVersion: PayloadVersion = loose.version === '2.0' ? '2.0' : '1.0';
  const method = (
    payloadVersion === '2.0' ? text(record(context?.http)?.method) : text(loose.httpMethod)
  )?.toUpperCase();

  const template = routeTemplate(loose, payloadVersion);
  const pathParameter = text(record(loose.pathParameters)?.identifier);
  let segments: string[];
  if (template === '/contacts/{identifier}' && pathParameter !== undefined) {
    // API Gateway matched our route and decoded the parameter once; take it as it is.
    segments = ['contacts', pathParameter];
  } else if (template === '/contacts/lookup') {
    segments = ['contacts', 'lookup'];
  } else {
    segments = pathSegments(loose, payloadVersion);
  }

  return {
    payloadVersion,
    method: method ?? '',
    route: matchRoute(method ?? '', segments, segments[1]),
    correlationId: text(context?.requestId) || lambdaRequestId || null,
    headers: lowerCaseHeaders(loose.headers),
    bodyBytes: bodyBytes(loose.body, loose.isBase64Encoded),
  };
}
