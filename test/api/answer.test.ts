import { describe, expect, it } from '@jest/globals';
import { apiAnswer } from '../../functions/api/responses.js';
import { failedLookup, type LookupOutcome } from '../../functions/lookup/lookup.js';
import { contactRow } from '../../functions/lookup/row.js';
import type { ErrorBehavior } from '../../functions/settings/error-behavior.js';

const found: LookupOutcome = { kind: 'found', row: contactRow({ id: 1, firstName: 'A' }) };
const failed = (statusCode: number, message: string, retryable = false) =>
  failedLookup({ statusCode, message, retryable });
const notFound = failed(404, 'Contact not found');
const unavailable = failed(503, 'respond.io answered with HTTP 503', true);

describe('apiAnswer', () => {
  it.each<ErrorBehavior>([
    'FailAndReturnResponse',
    'FailWithoutResponse',
    'DoNotFailAndReturnResponse',
  ])('answers 200 with the row on success under %s', (behavior) => {
    // Act & Assess
    expect(apiAnswer(found, behavior)).toEqual({ statusCode: 200, body: found.row });
  });

  it('FailAndReturnResponse: HTTP status is the row StatusCode, the body the error row', () => {
    // Act & Assess
    expect(apiAnswer(notFound, 'FailAndReturnResponse')).toEqual({
      statusCode: 404,
      body: notFound.row,
    });
  });

  it('DoNotFailAndReturnResponse: 200 with the error row', () => {
    // Act & Assess
    expect(apiAnswer(notFound, 'DoNotFailAndReturnResponse')).toEqual({
      statusCode: 200,
      body: notFound.row,
    });
  });

  it.each([
    [failed(400, 'Invalid Identifier: details'), 400, 'Bad request'],
    [notFound, 404, 'Not found'],
    [failed(429, 'slow down', true), 429, 'Too many requests'],
    [unavailable, 503, 'Lookup failed'],
    [failed(403, 'The API token is not allowed'), 403, 'Request failed'],
  ])('FailWithoutResponse: status only and a short message (%#)', (outcome, status, message) => {
    // Act
    const answer = apiAnswer(outcome, 'FailWithoutResponse');
    // Assess
    expect(answer).toEqual({ statusCode: status, body: { StatusCode: status, Message: message } });
  });
});
