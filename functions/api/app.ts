/**
 * The API function's logic as a middy handler: `GET /contacts/{identifier}` and
 * `POST /contacts/lookup` with `{"Identifier": "..."}`. A request that cannot be looked up at all
 * (not an HTTP API 2.0 event, unknown route, wrong method, body too large, not a JSON object with
 * a string Identifier) is refused with its 4xx whatever the error behavior: there is no row to
 * answer with. A lookup's failure, an invalid Identifier value included, is answered per
 * ERROR_BEHAVIOR. Nothing answers with a stack trace: an unexpected fault becomes a 500 (504 on a
 * timeout), answered like any failure. One log line per request, with the masked identifier;
 * never the token, never contact data.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler, type Request } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import {
  type ContactDirectory,
  failedLookup,
  type IdentifierParser,
  type LookupOutcome,
  type LookupResult,
  loggableMessage,
  lookupContact,
} from '../lookup/index.js';
import { deadlineFrom } from '../platform/index.js';
import type { Config } from '../settings/index.js';
import {
  type ApiEvent,
  type ApiRequest,
  describeRequest,
  isHttpApiEvent,
  MAX_BODY_BYTES,
} from './request.js';
import {
  type ApiResult,
  apiAnswer,
  jsonResult,
  RequestRejection,
  rejectionResult,
} from './responses.js';

interface ApiDependencies {
  readonly directory: ContactDirectory;
  readonly identifiers: IdentifierParser;
  readonly config: Pick<Config, 'errorBehavior'>;
  /** Each invocation adds its Lambda context and correlation id to it. */
  readonly logger: Logger;
  /** Largest accepted body in bytes, after base64 decoding. Default MAX_BODY_BYTES (8 KiB). */
  readonly maxBodyBytes?: number;
}

/** What one invocation's middlewares and handler share: the request as read, and when. */
interface ApiInvocation {
  readonly request: ApiRequest;
  readonly startedAt: number;
}

/**
 * `readRequest` leaves the invocation on the Lambda context (each invocation has its own):
 * middy hands a handler only the event and the context.
 */
type ApiContext = Context & { apiInvocation?: ApiInvocation };

export type ApiHandler = MiddyfiedHandler<ApiEvent, ApiResult, Error, ApiContext>;

/** Time budget assumed when the context has no clock: API Gateway's 29 s integration timeout. */
const DEFAULT_REMAINING_MS = 29_000;

const BODY_EXAMPLE = '{"Identifier": "id:123"}';
const PARSER_PACKAGE = '@middy/http-json-body-parser';
const NOT_HTTP_API_EVENT =
  'The event is not an API Gateway HTTP API proxy event with payload format version 2.0';

type ApiMiddleware = MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext>;
type ApiMiddyRequest = Request<ApiEvent, ApiResult, Error, ApiContext>;

function remainingMs(context: Context | undefined): number {
  return typeof context?.getRemainingTimeInMillis === 'function'
    ? context.getRemainingTimeInMillis()
    : DEFAULT_REMAINING_MS;
}

/** The Identifier of a POST body, or a refusal when the body cannot carry one. */
function identifierFromBody(body: unknown, identifiers: IdentifierParser): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestRejection(400, `The request body must be a JSON object like ${BODY_EXAMPLE}`);
  }
  const value = (body as Record<string, unknown>).Identifier;
  if (typeof value === 'string') return value;
  const parsed = identifiers.parse(value);
  throw new RequestRejection(
    400,
    parsed.ok ? 'Identifier must be a string' : `${parsed.message}; send ${BODY_EXAMPLE}`,
  );
}

/** A refusal for the JSON body parser's errors, which are thrown as http errors. */
function parserRejection(error: Error): RequestRejection | null {
  const cause = (error as { cause?: { package?: unknown } }).cause;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (cause?.package !== PARSER_PACKAGE) return null;
  if (statusCode === 415) {
    return new RequestRejection(
      415,
      `Content-Type must be application/json; send ${BODY_EXAMPLE} with content-type: application/json`,
    );
  }
  if (error.message === 'Forbidden key in JSON body') {
    return new RequestRejection(400, 'The request body contains a forbidden key (__proto__)');
  }
  return new RequestRejection(400, `The request body is not valid JSON; send ${BODY_EXAMPLE}`);
}

export function createApiHandler(deps: ApiDependencies): ApiHandler {
  const { identifiers, logger } = deps;
  const behavior = deps.config.errorBehavior;
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;
  const jsonBody = httpJsonBodyParser<ApiEvent>();

  const log = (
    invocation: ApiInvocation | undefined,
    fields: {
      httpStatus: number;
      outcome?: LookupOutcome;
      lookup?: LookupResult;
      identifier?: string | null;
      rejection?: string;
    },
  ) => {
    const { httpStatus, outcome, lookup } = fields;
    const statusCode = outcome?.row.StatusCode ?? httpStatus;
    // Fields in this order; the optional ones are assigned, not spread from objects of their own.
    const line: Record<string, unknown> = {
      route: invocation?.request.route.name ?? 'unknown',
      identifier: lookup?.identifier?.masked ?? fields.identifier ?? null,
      StatusCode: statusCode,
      httpStatus,
      attempts: lookup?.attempts ?? 0,
    };
    // How the lookup was answered: its own request, a shared one, or the cache (a cache hit).
    if (lookup?.source) line.lookupSource = lookup.source;
    line.durationMs = invocation ? Math.round(performance.now() - invocation.startedAt) : null;
    if (outcome) line.errorBehavior = behavior;
    if (outcome?.kind === 'failed') {
      const { message } = outcome.failure;
      line.Message = lookup?.identifier ? message : loggableMessage(message);
    }
    if (fields.rejection) line.Message = fields.rejection;
    if (statusCode >= 500) logger.error('API request answered', line);
    else logger.info('API request answered', line);
  };

  /** Reads the event, sets the correlation id, refuses what cannot be routed. */
  const readRequest: ApiMiddleware = {
    before(request) {
      const startedAt = performance.now();
      const { event, context } = request;
      if (!isHttpApiEvent(event)) throw new RequestRejection(400, NOT_HTTP_API_EVENT);
      const apiRequest = describeRequest(event, context.awsRequestId);
      context.apiInvocation = { request: apiRequest, startedAt };
      if (apiRequest.correlationId) logger.setCorrelationId(apiRequest.correlationId);

      const { route } = apiRequest;
      if (route.kind === 'notFound') {
        throw new RequestRejection(
          404,
          'No such route; use GET /contacts/{identifier} or POST /contacts/lookup',
        );
      }
      if (route.kind === 'methodNotAllowed') {
        throw new RequestRejection(405, `Method not allowed; use ${route.allow}`, route.allow);
      }
      if (route.kind === 'lookup' && apiRequest.bodyBytes > maxBodyBytes) {
        throw new RequestRejection(413, `The request body is larger than ${maxBodyBytes} bytes`);
      }
    },
  };

  /** The JSON body parser, for the one route that has a body. */
  const parseJsonBody: ApiMiddleware = {
    before(request) {
      const apiRequest = request.context.apiInvocation?.request;
      if (apiRequest?.route.kind !== 'lookup') return;
      // Lower-cased header names, so the body parser finds any spelling of Content-Type.
      request.event.headers = { ...apiRequest.headers };
      return jsonBody.before?.(request as never);
    },
  };

  /** Every thrown error becomes a clean JSON answer; nothing escapes to API Gateway. */
  const answerErrors: ApiMiddleware = {
    onError(request: ApiMiddyRequest) {
      const error = request.error ?? new Error('unknown');
      const invocation = request.context?.apiInvocation;
      const correlationId =
        invocation?.request.correlationId ?? request.context?.awsRequestId ?? null;
      const rejection =
        error instanceof RequestRejection ? error : (parserRejection(error) ?? undefined);
      if (rejection) {
        log(invocation, { httpStatus: rejection.statusCode, rejection: rejection.message });
        request.response = rejectionResult(rejection, correlationId);
        return;
      }
      const outcome = failedLookup(
        error.name === 'TimeoutError'
          ? {
              statusCode: 504,
              message: 'The lookup did not finish within the function time limit',
              retryable: true,
            }
          : {
              statusCode: 500,
              message: 'Internal error: the lookup failed unexpectedly',
              retryable: false,
            },
      );
      const answer = apiAnswer(outcome, behavior);
      logger.error('API request failed unexpectedly', { errorName: error.name });
      log(invocation, { httpStatus: answer.statusCode, outcome });
      request.response = jsonResult(answer.statusCode, answer.body, correlationId);
    },
  };

  const answerLookup = async (event: ApiEvent, context: ApiContext): Promise<ApiResult> => {
    const invocation = context.apiInvocation;
    if (!invocation) throw new Error('request was not read');
    const { route, correlationId, freshLookup } = invocation.request;
    const input =
      route.kind === 'getContact' ? route.identifier : identifierFromBody(event.body, identifiers);
    const options: { deadlineAt: number; correlationId?: string; fresh?: boolean } = {
      deadlineAt: deadlineFrom(remainingMs(context), Date.now()),
    };
    if (correlationId) options.correlationId = correlationId;
    // Cache-Control: no-cache from the caller: ask respond.io, whatever the cache holds.
    if (freshLookup) options.fresh = true;
    const lookup = await lookupContact(input, deps, options);
    const answer = apiAnswer(lookup, behavior);
    log(invocation, {
      httpStatus: answer.statusCode,
      outcome: lookup,
      lookup,
      // A parsed identifier is masked already; only a rejected input is masked again.
      identifier: lookup.identifier === null ? identifiers.mask(input) : null,
    });
    return jsonResult(answer.statusCode, answer.body, correlationId);
  };

  return (
    middy<ApiEvent, ApiResult, Error, ApiContext>()
      // The Lambda context on every line, the correlation id dropped when the invocation ends;
      // never the event itself (it holds the identifier), whatever POWERTOOLS_LOGGER_LOG_EVENT says.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(readRequest)
      .use(parseJsonBody)
      .use(answerErrors)
      .handler(answerLookup)
  );
}
