/**
 * What the API function answers: Lambda proxy results with JSON bodies and the headers every
 * answer carries, and the refusals of requests that cannot be looked up.
 */

import type { APIGatewayProxyResult } from 'aws-lambda';

export type ApiResult = APIGatewayProxyResult;

/** A request the function refuses before any lookup: no row exists, so no error behavior. */
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

export interface RejectionBody {
  readonly StatusCode: number;
  readonly Message: string;
}

export function jsonResult(
  statusCode: number,
  body: unknown,
  correlationId: string | null,
  extraHeaders: Readonly<Record<string, string>> = {},
): ApiResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(correlationId ? { 'x-correlation-id': correlationId } : {}),
      ...extraHeaders,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export function rejectionResult(rejection: RequestRejection, correlationId: string | null) {
  const body: RejectionBody = { StatusCode: rejection.statusCode, Message: rejection.message };
  return jsonResult(
    rejection.statusCode,
    body,
    correlationId,
    rejection.allow ? { allow: rejection.allow } : {},
  );
}
