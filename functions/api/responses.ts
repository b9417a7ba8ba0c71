/**
 * What the API function answers: a lookup's answer per ERROR_BEHAVIOR, the refusal of a request
 * that cannot be looked up (no row exists, so no error behavior), and the Lambda proxy result
 * with the headers every answer carries.
 */

import type { APIGatewayProxyResult } from 'aws-lambda';
import { type ContactRow, type LookupOutcome, shortMessage } from '../lookup/index.js';
import type { ErrorBehavior } from '../settings/index.js';

export type ApiResult = APIGatewayProxyResult;

interface HttpAnswer {
  readonly statusCode: number;
  readonly body: ContactRow | { readonly StatusCode: number; readonly Message: string };
}

/**
 * A found contact is 200 with its row. A failure: FailAndReturnResponse, its status with the
 * error row; FailWithoutResponse, its status with a short message only (details go to the log);
 * DoNotFailAndReturnResponse, 200 with the error row like any other row.
 */
export function apiAnswer(outcome: LookupOutcome, behavior: ErrorBehavior): HttpAnswer {
  if (outcome.kind === 'found') return { statusCode: 200, body: outcome.row };
  const { statusCode } = outcome.failure;
  switch (behavior) {
    case 'DoNotFailAndReturnResponse':
      return { statusCode: 200, body: outcome.row };
    case 'FailAndReturnResponse':
      return { statusCode, body: outcome.row };
    case 'FailWithoutResponse':
      return { statusCode, body: { StatusCode: statusCode, Message: shortMessage(statusCode) } };
  }
}

/** A request refused before any lookup, answered `{"StatusCode", "Message"}`. */
export class RequestRejection extends Error {
  override readonly name = 'RequestRejection';
  constructor(
    readonly statusCode: number,
    message: string,
    /** The `Allow` header of a 405. */
    readonly allow?: string,
  ) {
    super(message);
  }
}

export function jsonResult(
  statusCode: number,
  body: unknown,
  correlationId: string | null,
  extraHeaders: Readonly<Record<string, string>> = {},
): ApiResult {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  };
  if (correlationId) headers['x-correlation-id'] = correlationId;
  for (const name in extraHeaders) headers[name] = extraHeaders[name] as string;
  return { statusCode, headers, body: JSON.stringify(body), isBase64Encoded: false };
}

export function rejectionResult(rejection: RequestRejection, correlationId: string | null) {
  const body = { StatusCode: rejection.statusCode, Message: rejection.message };
  return jsonResult(
    rejection.statusCode,
    body,
    correlationId,
    rejection.allow ? { allow: rejection.allow } : {},
  );
}
