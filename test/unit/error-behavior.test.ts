import { describe, expect, it } from '@jest/globals';
import { contactRow, errorRow } from '../../functions/core/contact-row.js';
import {
  DEFAULT_ERROR_BEHAVIOR,
  type ErrorBehavior,
  httpAnswer,
  parseErrorBehavior,
  rowDisposition,
} from '../../functions/core/error-behavior.js';

const found = contactRow({ id: 1, firstName: 'A' });
const notFound = errorRow(404, 'Contact not found');
const unavailable = errorRow(503, 'respond.io answered with HTTP 503');

describe('parseErrorBehavior', () => {
  it.each([
    [undefined, DEFAULT_ERROR_BEHAVIOR],
    ['', DEFAULT_ERROR_BEHAVIOR],
    ['FailAndReturnResponse', 'FailAndReturnResponse'],
    ['FailWithoutResponse', 'FailWithoutResponse'],
    ['DoNotFailAndReturnResponse', 'DoNotFailAndReturnResponse'],
    ['Do not fail and return response', 'DoNotFailAndReturnResponse'],
    ['fail_without_response', 'FailWithoutResponse'],
    ['Ignore', null],
    ['Fail', null],
  ])('%j → %j', (value, expected) => {
    // Act & Assess
    expect(parseErrorBehavior(value)).toBe(expected);
  });
});

describe('httpAnswer', () => {
  it.each<ErrorBehavior>([
    'FailAndReturnResponse',
    'FailWithoutResponse',
    'DoNotFailAndReturnResponse',
  ])('answers 200 with the row on success under %s', (behavior) => {
    // Act & Assess
    expect(httpAnswer(found, behavior)).toEqual({ statusCode: 200, body: found });
  });

  it('FailAndReturnResponse: HTTP status is the row StatusCode, the body the error row', () => {
    // Act & Assess
    expect(httpAnswer(notFound, 'FailAndReturnResponse')).toEqual({
      statusCode: 404,
      body: notFound,
    });
  });

  it('DoNotFailAndReturnResponse: 200 with the error row', () => {
    // Act & Assess
    expect(httpAnswer(notFound, 'DoNotFailAndReturnResponse')).toEqual({
      statusCode: 200,
      body: notFound,
    });
  });

  it.each([
    [errorRow(400, 'Invalid Identifier: details'), 400, 'Bad request'],
    [notFound, 404, 'Not found'],
    [errorRow(429, 'slow down'), 429, 'Too many requests'],
    [unavailable, 503, 'Lookup failed'],
    [errorRow(403, 'The API token is not allowed'), 403, 'Request failed'],
  ])('FailWithoutResponse: status only and a short message (%#)', (row, status, message) => {
    // Act
    const answer = httpAnswer(row, 'FailWithoutResponse');
    // Assess
    expect(answer).toEqual({ statusCode: status, body: { StatusCode: status, Message: message } });
  });
});

describe('rowDisposition', () => {
  const behaviors: ErrorBehavior[] = [
    'FailAndReturnResponse',
    'FailWithoutResponse',
    'DoNotFailAndReturnResponse',
  ];

  it.each(behaviors)('a found contact is written and acknowledged under %s', (behavior) => {
    // Act & Assess
    expect(rowDisposition({ row: found, retryable: false }, behavior, 1, 5)).toEqual({
      kind: 'final',
      writeRow: true,
      deadLetter: false,
    });
  });

  it.each(behaviors)(
    'a transient failure is retried while attempts remain under %s',
    (behavior) => {
      // Act & Assess
      for (const receiveCount of [1, 2, 3, 4]) {
        expect(
          rowDisposition({ row: unavailable, retryable: true }, behavior, receiveCount, 5),
        ).toEqual({
          kind: 'retry',
        });
      }
    },
  );

  it.each([
    ['DoNotFailAndReturnResponse', { kind: 'final', writeRow: true, deadLetter: false }],
    ['FailAndReturnResponse', { kind: 'final', writeRow: true, deadLetter: true }],
    ['FailWithoutResponse', { kind: 'final', writeRow: false, deadLetter: true }],
  ] as const)('final failures under %s', (behavior, expected) => {
    // Act
    const permanent = rowDisposition({ row: notFound, retryable: false }, behavior, 1, 5);
    const lastAttempt = rowDisposition({ row: unavailable, retryable: true }, behavior, 5, 5);
    // Assess
    expect(permanent).toEqual(expected);
    expect(lastAttempt).toEqual(expected);
  });
});
