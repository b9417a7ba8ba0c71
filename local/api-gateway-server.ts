/**
 * A local stand-in for API Gateway in front of a Lambda handler: a node:http server that turns
 * each HTTP request into a proxy event, calls the handler with a Lambda-like context, and turns
 * the result back into an HTTP response.
 *
 * Its events are those of the deployed HTTP API (payload format 2.0; `npm start` sends these
 * only): the routes `GET /contacts/{identifier}` and `POST /contacts/lookup` get their route key
 * and a percent-decoded-once `identifier` path parameter; every other request is passed on as
 * the catch-all `$default` so the handler answers it. Bodies with a textual content type are
 * passed as text, others base64-encoded. A REST API's payload 1.0 event (optionally with path
 * parameters still percent-encoded) can be asked for: the API function refuses it.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { matchRoute } from '../functions/api/routes.js';
import { errorName } from '../functions/platform/errors.js';
import { listen, readBody } from './listen.js';

export type PayloadVersion = '1.0' | '2.0';

export type ProxyEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export type ProxyHandler = (event: ProxyEvent, context: Context) => Promise<unknown>;

/** What a request looked like on the wire. */
export interface HttpRequestLike {
  readonly method: string;
  /** The request target: path and optional query, percent-encoded as sent. */
  readonly url: string;
  /** Header names as sent (payload 1.0 keeps their spelling, 2.0 lower-cases them). */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: Buffer | string;
}

export interface EventOptions {
  /** Default '2.0'. */
  readonly payloadVersion?: PayloadVersion;
  /** Payload 1.0: path parameters as sent, still percent-encoded (REST APIs do either). Default false. */
  readonly encodedPathParameters?: boolean;
  /** Default: a fresh UUID. */
  readonly requestId?: string;
  /** Default: now. */
  readonly now?: Date;
  readonly sourceIp?: string;
}

/** API Gateway's integration timeout. */
export const API_GATEWAY_TIMEOUT_MS = 29_000;

/** Largest request body this stand-in reads; API Gateway's own limit is 10 MB. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

const ACCOUNT = '000000000000';
const LOCAL_STAGE = 'local';
const TEXTUAL =
  /^(text\/|application\/(json|[a-z0-9.+-]+\+json|xml|[a-z0-9.+-]+\+xml|x-www-form-urlencoded|javascript)(;|$))/i;

function decodeOnce(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function headerValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

/** The route of the table the deployed API would match, with its path parameters decoded once (or as sent). */
function matchApiRoute(
  method: string,
  path: string,
  decode: boolean,
): { template: string; params: Record<string, string> | null } | null {
  const match = matchRoute(method, path.split('/').slice(1));
  if (match.kind !== 'route') return null;
  const params = Object.entries(match.params).map(([name, value]) => [
    name,
    decode ? decodeOnce(value) : value,
  ]);
  return {
    template: match.route.path,
    params: params.length > 0 ? Object.fromEntries(params) : null,
  };
}

function queryParameters(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    params.set(name, [...(params.get(name) ?? []), value]);
  }
  return params;
}

function clfTime(date: Date): string {
  const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Builds the API Gateway proxy event a deployed API would send for this request. */
export function toApiGatewayEvent(
  request: HttpRequestLike,
  options: EventOptions = {},
): ProxyEvent {
  const version = options.payloadVersion ?? '2.0';
  const requestId = options.requestId ?? randomUUID();
  const now = options.now ?? new Date();
  const sourceIp = options.sourceIp ?? '127.0.0.1';
  const method = request.method.toUpperCase();
  const question = request.url.indexOf('?');
  const rawPath = question < 0 ? request.url : request.url.slice(0, question);
  const rawQuery = question < 0 ? '' : request.url.slice(question + 1);
  const query = queryParameters(rawQuery);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const joined = headerValue(value);
    if (joined !== undefined) headers[version === '2.0' ? name.toLowerCase() : name] = joined;
  }
  const contentType = Object.entries(headers).find(
    ([name]) => name.toLowerCase() === 'content-type',
  )?.[1];
  const bytes =
    request.body === undefined
      ? Buffer.alloc(0)
      : typeof request.body === 'string'
        ? Buffer.from(request.body, 'utf8')
        : request.body;
  const isBase64Encoded = bytes.length > 0 && !TEXTUAL.test(contentType ?? '');
  const body = bytes.length === 0 ? undefined : bytes.toString(isBase64Encoded ? 'base64' : 'utf8');
  const route = matchApiRoute(
    method,
    rawPath,
    version === '2.0' || options.encodedPathParameters !== true,
  );
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent');

  if (version === '2.0') {
    const routeKey = route ? `${method} ${route.template}` : '$default';
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString: rawQuery,
      headers,
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: (headers.host ?? '127').split('.')[0] ?? '127',
        http: {
          method,
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp,
          userAgent: userAgent?.[1] ?? '',
        },
        requestId,
        routeKey,
        stage: '$default',
        time: clfTime(now),
        timeEpoch: now.getTime(),
      },
      isBase64Encoded,
    };
    if (query.size > 0) {
      event.queryStringParameters = Object.fromEntries(
        [...query].map(([name, values]) => [name, values.join(',')]),
      );
    }
    if (route?.params) event.pathParameters = route.params;
    if (body !== undefined) event.body = body;
    return event;
  }

  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value !== undefined)
      multiValueHeaders[name] = typeof value === 'string' ? [value] : [...value];
  }
  const resource = route?.template ?? '/{proxy+}';
  const event = {
    resource,
    path: rawPath,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters:
      query.size > 0
        ? Object.fromEntries([...query].map(([name, values]) => [name, values.at(-1) ?? '']))
        : null,
    multiValueQueryStringParameters: query.size > 0 ? Object.fromEntries(query) : null,
    pathParameters: route ? route.params : { proxy: decodeOnce(rawPath.replace(/^\//, '')) },
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'local',
      httpMethod: method,
      path: `/${LOCAL_STAGE}${rawPath}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTime: clfTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: resource,
      stage: LOCAL_STAGE,
      identity: { sourceIp, userAgent: userAgent?.[1] ?? null },
    },
    body: body ?? null,
    isBase64Encoded,
  };
  return event as unknown as APIGatewayProxyEvent;
}

export interface LambdaContextOptions {
  readonly requestId: string;
  /** Time budget of this invocation. Default API_GATEWAY_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  readonly functionName?: string;
  readonly now?: () => number;
}

/** A Lambda context whose getRemainingTimeInMillis counts down from `timeoutMs`. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const now = options.now ?? Date.now;
  const functionName = options.functionName ?? 'respondio-get-contact-api-local';
  const deadline = now() + (options.timeoutMs ?? API_GATEWAY_TIMEOUT_MS);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(deadline - now(), 0),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type LambdaResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | string;

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer) {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string) {
  send(
    res,
    status,
    { 'content-type': 'application/json', 'apigw-requestid': requestId },
    Buffer.from(JSON.stringify(body)),
  );
}

/** Writes a Lambda proxy result as API Gateway would. */
function writeResult(res: ServerResponse, result: unknown, requestId: string): void {
  const value = result as LambdaResult | null | undefined;
  if (typeof value === 'string' || typeof value !== 'object' || value === null) {
    // Payload 2.0 shorthand: anything that is not a response object is a 200 JSON body.
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    send(
      res,
      200,
      { 'content-type': 'application/json', 'apigw-requestid': requestId },
      Buffer.from(text),
    );
    return;
  }
  if (!('statusCode' in value) || typeof value.statusCode !== 'number') {
    sendJson(res, 200, value, requestId);
    return;
  }
  const headers: Record<string, string> = { 'apigw-requestid': requestId };
  for (const [name, header] of Object.entries(value.headers ?? {})) {
    headers[name.toLowerCase()] = String(header);
  }
  if ('multiValueHeaders' in value && value.multiValueHeaders) {
    for (const [name, values] of Object.entries(value.multiValueHeaders)) {
      headers[name.toLowerCase()] = values.map(String).join(', ');
    }
  }
  const body = value.body ?? '';
  send(
    res,
    value.statusCode,
    headers,
    Buffer.from(body, value.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

/** Header names with the client's spelling, from rawHeaders (node:http lower-cases them). */
function clientHeaders(req: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    headers[name] = [...(headers[name] ?? []), req.rawHeaders[i + 1] as string];
  }
  return headers;
}

export interface ApiGatewayServerOptions {
  readonly handler: ProxyHandler;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default '2.0' (HTTP API). */
  readonly payloadVersion?: PayloadVersion;
  /** Payload 1.0: deliver path parameters still percent-encoded. Default false. */
  readonly encodedPathParameters?: boolean;
  /** Integration timeout per request. Default API_GATEWAY_TIMEOUT_MS (29 s). */
  readonly timeoutMs?: number;
  readonly functionName?: string;
  /** Called when the handler throws or times out (the handler should never throw). */
  readonly onInvocationError?: (problem: { requestId: string; errorName: string }) => void;
}

export interface ApiGatewayServer {
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startApiGatewayServer(
  options: ApiGatewayServerOptions,
): Promise<ApiGatewayServer> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? API_GATEWAY_TIMEOUT_MS;

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    void (async () => {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (body === null) {
        sendJson(res, 413, { message: 'Request Entity Too Large' }, requestId);
        return;
      }
      const event = toApiGatewayEvent(
        {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: clientHeaders(req),
          body,
        },
        {
          payloadVersion: options.payloadVersion ?? '2.0',
          ...(options.encodedPathParameters ? { encodedPathParameters: true } : {}),
          requestId,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        },
      );
      const context = createLambdaContext({
        requestId,
        timeoutMs,
        ...(options.functionName ? { functionName: options.functionName } : {}),
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const result = await Promise.race([options.handler(event, context), timedOut]);
        if (result === 'timeout') {
          options.onInvocationError?.({ requestId, errorName: 'IntegrationTimeout' });
          sendJson(res, 504, { message: 'Endpoint request timed out' }, requestId);
          return;
        }
        writeResult(res, result, requestId);
      } catch (error) {
        options.onInvocationError?.({
          requestId,
          errorName: errorName(error),
        });
        sendJson(res, 502, { message: 'Internal server error' }, requestId);
      } finally {
        clearTimeout(timer);
      }
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' }, requestId);
      else res.destroy();
    });
  });

  const { port, url: baseUrl } = await listen(server, host, options.port ?? 0);
  return {
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
