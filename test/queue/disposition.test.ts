import { describe, expect, it } from '@jest/globals';
import { classifyFailure } from '../../functions/lookup/failure.js';
import { failedLookup, type LookupOutcome } from '../../functions/lookup/lookup.js';
import { contactRow } from '../../functions/lookup/row.js';
import { notStarted, poisonMessage, rowDisposition } from '../../functions/queue/settlement.js';
import {
  ERROR_BEHAVIORS,
  type ErrorBehavior,
  needsDeadLetterQueue,
} from '../../functions/settings/error-behavior.js';

const FINAL: Record<ErrorBehavior, { writeRow: boolean; deadLetter: boolean }> = {
  DoNotFailAndReturnResponse: { writeRow: true, deadLetter: false },
  FailAndReturnResponse: { writeRow: true, deadLetter: true },
  FailWithoutResponse: { writeRow: false, deadLetter: true },
};

const found: LookupOutcome = { kind: 'found', row: contactRow({ id: 1, firstName: 'A' }) };
const notFound = failedLookup({ statusCode: 404, message: 'Contact not found', retryable: false });
const unavailable = failedLookup({
  statusCode: 503,
  message: 'respond.io answered with HTTP 503',
  retryable: true,
});

const tokenRefused = failedLookup(
  classifyFailure({ kind: 'http', status: 401, body: '{"code":401,"message":"UN_AUTHORIZED"}' }),
);

describe('rowDisposition', () => {
  const behaviors: ErrorBehavior[] = [
    'FailAndReturnResponse',
    'FailWithoutResponse',
    'DoNotFailAndReturnResponse',
  ];

  it.each(behaviors)('a found contact is written and acknowledged under %s', (behavior) => {
    // Act & Assess
    expect(rowDisposition(found, behavior, 1, 5)).toEqual({
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
        expect(rowDisposition(unavailable, behavior, receiveCount, 5)).toEqual({
          kind: 'retry',
        });
        expect(rowDisposition(notStarted(), behavior, receiveCount, 5)).toEqual({
          kind: 'retry',
        });
      }
    },
  );

  it.each(behaviors)(
    'a 401 after the token re-read goes back to the queue until the last receive under %s',
    (behavior) => {
      // Act
      const early = [1, 2, 3, 4].map((receiveCount) =>
        rowDisposition(tokenRefused, behavior, receiveCount, 5),
      );
      const last = rowDisposition(tokenRefused, behavior, 5, 5);
      // Assess
      expect(early).toEqual(early.map(() => ({ kind: 'retry' })));
      expect(last).toEqual({ kind: 'final', ...FINAL[behavior] });
    },
  );

  it.each([
    ['DoNotFailAndReturnResponse', { kind: 'final', writeRow: true, deadLetter: false }],
    ['FailAndReturnResponse', { kind: 'final', writeRow: true, deadLetter: true }],
    ['FailWithoutResponse', { kind: 'final', writeRow: false, deadLetter: true }],
  ] as const)('final failures under %s', (behavior, expected) => {
    // Act
    const permanent = rowDisposition(notFound, behavior, 1, 5);
    const lastAttempt = rowDisposition(unavailable, behavior, 5, 5);
    const poison = rowDisposition(poisonMessage('Invalid message: not JSON'), behavior, 1, 5);
    const notStartedLast = rowDisposition(notStarted(), behavior, 5, 5);
    // Assess
    expect(permanent).toEqual(expected);
    expect(lastAttempt).toEqual(expected);
    expect(poison).toEqual(expected);
    expect(notStartedLast).toEqual(expected);
  });
});

describe('message outcomes', () => {
  it('a poison message is a final 400 failure with its message as data', () => {
    // Act
    const outcome = poisonMessage('Invalid message: the body is not JSON');
    // Assess
    expect(outcome).toMatchObject({
      kind: 'poison',
      failure: {
        statusCode: 400,
        message: 'Invalid message: the body is not JSON',
        retryable: false,
      },
      row: { StatusCode: 400, Message: 'Invalid message: the body is not JSON' },
    });
  });

  it('a message not started is a transient 504 failure', () => {
    // Act
    const outcome = notStarted();
    // Assess
    expect(outcome).toMatchObject({
      kind: 'notStarted',
      failure: { statusCode: 504, retryable: true },
      row: { StatusCode: 504 },
    });
    expect(outcome.failure.message).toBe(outcome.row.Message);
  });
});

describe('needsDeadLetterQueue', () => {
  it.each([
    ['DoNotFailAndReturnResponse', false],
    ['FailAndReturnResponse', true],
    ['FailWithoutResponse', true],
  ] as const)('%s → %s', (behavior, expected) => {
    // Act & Assess
    expect(needsDeadLetterQueue(behavior)).toBe(expected);
  });

  it.each(ERROR_BEHAVIORS)(
    'agrees with the final disposition of a failure under %s',
    (behavior) => {
      // Prepare
      const disposition = rowDisposition(notFound, behavior, 1, 5);
      // Act
      const needed = needsDeadLetterQueue(behavior);
      // Assess
      expect(disposition.kind === 'final' && disposition.deadLetter).toBe(needed);
    },
  );
});
