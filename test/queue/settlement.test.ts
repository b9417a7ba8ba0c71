import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { failedLookup } from '../../functions/lookup/lookup.js';
import { contactRow, errorRow } from '../../functions/lookup/row.js';
import {
  type BatchRecord,
  batchRecord,
  deadLetterMoves,
  type FailedWrites,
  type MessageOutcome,
  notStarted,
  poisonMessage,
  type RecordFacts,
  settleBatch,
  writesRow,
} from '../../functions/queue/settlement.js';
import { ERROR_BEHAVIORS, type ErrorBehavior } from '../../functions/settings/error-behavior.js';

/**
 * The settle step alone: records with their outcomes and dispositions, and which writes failed,
 * in; moves, batch item failures, acknowledgements and counts out. No handler, no sink.
 */

const SEED = 8_082_026;

const FOUND: MessageOutcome = { kind: 'found', row: contactRow({ id: 1, firstName: 'Jane' }) };
const NOT_FOUND = failedLookup({ statusCode: 404, message: 'Contact not found', retryable: false });
const UNAVAILABLE = failedLookup({
  statusCode: 503,
  message: 'respond.io answered with HTTP 503',
  retryable: true,
});

const NONE: FailedWrites = { results: new Set(), deadLetters: new Set() };
const POLICY = { errorBehavior: 'FailAndReturnResponse', maxReceiveCount: 5 } as const;

function facts(messageId: string, receiveCount = 1): RecordFacts {
  return {
    messageId,
    body: JSON.stringify({ Identifier: `id:${messageId}` }),
    receiveCount,
    sourceQueueArn: 'arn:aws:sqs:us-east-1:000000000000:input',
    identifier: `id:${messageId}`,
  };
}

function settled(
  outcome: MessageOutcome,
  messageId: string,
  options: { receiveCount?: number; errorBehavior?: ErrorBehavior; maxReceiveCount?: number } = {},
): BatchRecord {
  return batchRecord(facts(messageId, options.receiveCount), outcome, {
    errorBehavior: options.errorBehavior ?? 'FailAndReturnResponse',
    maxReceiveCount: options.maxReceiveCount ?? 5,
  });
}

describe('batchRecord', () => {
  it('gives each record its one disposition from the outcome and the batch policy', () => {
    // Act
    const early = settled(UNAVAILABLE, 'early', { receiveCount: 1 });
    const last = settled(UNAVAILABLE, 'last', { receiveCount: 5 });
    const withoutRow = settled(NOT_FOUND, 'gone', { errorBehavior: 'FailWithoutResponse' });
    // Assess
    expect(early.disposition).toEqual({ kind: 'retry' });
    expect(last.disposition).toEqual({ kind: 'final', writeRow: true, deadLetter: true });
    expect([writesRow(early), writesRow(last), writesRow(withoutRow)]).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe('deadLetterMoves', () => {
  it('moves each final failure with its body, and the failure as the reason', () => {
    // Prepare
    const records = [
      settled(FOUND, 'found'),
      settled(NOT_FOUND, 'missing', { receiveCount: 2 }),
      settled(UNAVAILABLE, 'busy-early'),
    ];
    // Act
    const moves = deadLetterMoves(records, new Set());
    // Assess
    expect(moves).toEqual([
      {
        sourceMessageId: 'missing',
        body: '{"Identifier":"id:missing"}',
        reason: 'Contact not found',
        statusCode: 404,
        receiveCount: 2,
        sourceQueueArn: 'arn:aws:sqs:us-east-1:000000000000:input',
      },
    ]);
  });

  it('carries how the lookup was answered onto the move', () => {
    // Prepare
    const shared = batchRecord(facts('shared'), NOT_FOUND, POLICY, 'shared');
    const poison = batchRecord(facts('poison'), poisonMessage('Invalid message: x'), POLICY);
    // Act
    const moves = deadLetterMoves([shared, poison], new Set());
    // Assess
    expect(moves.map((move) => move.lookupSource)).toEqual(['shared', undefined]);
  });

  it('takes the reason from the failure, not from the row text', () => {
    // Prepare: a failure whose row says something else.
    const outcome: MessageOutcome = {
      kind: 'failed',
      failure: { statusCode: 500, message: 'the classified reason', retryable: false },
      row: errorRow(500, 'what the row shows'),
    };
    // Act
    const [move] = deadLetterMoves([settled(outcome, 'm')], new Set());
    // Assess
    expect(move).toMatchObject({ reason: 'the classified reason', statusCode: 500 });
  });

  it('does not move a record whose row could not be written; one without a row still moves', () => {
    // Prepare
    const records = [
      settled(NOT_FOUND, 'row-lost'),
      settled(NOT_FOUND, 'no-row', { errorBehavior: 'FailWithoutResponse' }),
    ];
    // Act
    const moves = deadLetterMoves(records, new Set(['row-lost', 'no-row']));
    // Assess
    expect(moves.map((move) => move.sourceMessageId)).toEqual(['no-row']);
  });

  it('moves nothing under DoNotFailAndReturnResponse', () => {
    // Prepare
    const records = [NOT_FOUND, poisonMessage('Invalid message: x'), notStarted()].map(
      (outcome, index) =>
        settled(outcome, `m${index}`, {
          receiveCount: 5,
          errorBehavior: 'DoNotFailAndReturnResponse',
        }),
    );
    // Act
    const moves = deadLetterMoves(records, new Set());
    // Assess
    expect(records.every(writesRow)).toBe(true);
    expect(moves).toEqual([]);
  });
});

describe('settleBatch', () => {
  it('acknowledges what was written and moved, and reports the rest in record order', () => {
    // Prepare
    const records = [
      settled(FOUND, 'found'),
      settled(UNAVAILABLE, 'busy-early'),
      settled(NOT_FOUND, 'missing'),
      settled(notStarted(), 'late'),
      settled(poisonMessage('Invalid message: not JSON'), 'poison'),
    ];
    // Act
    const settlement = settleBatch(records, NONE);
    // Assess
    expect(settlement.batchItemFailures).toEqual(['busy-early', 'late']);
    expect(settlement.acknowledged).toEqual(['found', 'missing', 'poison']);
    expect(settlement.finalFailures.map((record) => record.messageId)).toEqual([
      'missing',
      'poison',
    ]);
    expect(settlement.counts).toEqual({
      rows: 5,
      rowsByStatus: { '200': 1, '503': 1, '404': 1, '400': 1 },
      resultsWritten: 3,
      deadLettered: 2,
      batchItemFailures: 2,
      retried: 1,
      notStarted: 1,
      writeFailures: 0,
    });
  });

  it('reports a record whose row or dead-letter move failed as a write failure', () => {
    // Prepare
    const records = [
      settled(FOUND, 'row-lost'),
      settled(NOT_FOUND, 'move-lost'),
      settled(NOT_FOUND, 'row-lost-too'),
      settled(NOT_FOUND, 'fine'),
    ];
    const failed: FailedWrites = {
      results: new Set(['row-lost', 'row-lost-too']),
      deadLetters: new Set(['move-lost']),
    };
    // Act
    const settlement = settleBatch(records, failed);
    // Assess
    expect(settlement.batchItemFailures).toEqual(['row-lost', 'move-lost', 'row-lost-too']);
    expect(settlement.acknowledged).toEqual(['fine']);
    expect(settlement.finalFailures.map((record) => record.messageId)).toEqual(['fine']);
    expect(settlement.counts).toMatchObject({
      resultsWritten: 2,
      deadLettered: 1,
      batchItemFailures: 3,
      writeFailures: 3,
      retried: 0,
    });
  });

  it('is pure: the same input settles the same way and is left unchanged', () => {
    // Prepare
    const records = [settled(FOUND, 'a'), settled(NOT_FOUND, 'b'), settled(UNAVAILABLE, 'c')];
    const failed: FailedWrites = { results: new Set(['a']), deadLetters: new Set(['b']) };
    const before = JSON.stringify(records);
    // Act
    const first = settleBatch(records, failed);
    const second = settleBatch(records, failed);
    // Assess
    expect(second).toEqual(first);
    expect(JSON.stringify(records)).toBe(before);
  });
});

const outcome: fc.Arbitrary<MessageOutcome> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(FOUND) },
  fc
    .record({
      statusCode: fc.integer({ min: 400, max: 599 }),
      message: fc.string({ maxLength: 40 }),
      retryable: fc.boolean(),
    })
    .map(failedLookup),
  fc.string({ maxLength: 40 }).map(poisonMessage),
  fc.constant(notStarted()),
);

/** A batch: records with unique message ids, the policy, and which writes fail. */
const batch = fc
  .record({
    specs: fc.uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 8 }),
        outcome,
        receiveCount: fc.integer({ min: 1, max: 6 }),
      }),
      { selector: (spec) => spec.id, maxLength: 25 },
    ),
    errorBehavior: fc.constantFrom(...ERROR_BEHAVIORS),
    maxReceiveCount: fc.integer({ min: 1, max: 5 }),
    resultFails: fc.func(fc.boolean()),
    moveFails: fc.func(fc.boolean()),
  })
  .map(({ specs, errorBehavior, maxReceiveCount, resultFails, moveFails }) => {
    const records = specs.map((spec) =>
      batchRecord(facts(spec.id, spec.receiveCount), spec.outcome, {
        errorBehavior,
        maxReceiveCount,
      }),
    );
    const ids = records.map((record) => record.messageId);
    return {
      records,
      failed: {
        results: new Set(ids.filter((id) => resultFails(id))),
        deadLetters: new Set(ids.filter((id) => moveFails(id))),
      },
    };
  });

describe('settle step properties', () => {
  it('ends every record exactly once, as acknowledged or as a batch item failure', () => {
    let acknowledgedSeen = 0;
    let failuresSeen = 0;
    fc.assert(
      fc.property(batch, ({ records, failed }) => {
        // Act
        const moves = deadLetterMoves(records, failed.results);
        const attempted = new Set(moves.map((move) => move.sourceMessageId));
        const settlement = settleBatch(records, {
          results: failed.results,
          // Only an attempted move can fail.
          deadLetters: new Set([...failed.deadLetters].filter((id) => attempted.has(id))),
        });
        // Assess
        const acknowledged = new Set(settlement.acknowledged);
        const reported = new Set(settlement.batchItemFailures);
        expect(acknowledged.size).toBe(settlement.acknowledged.length);
        expect(reported.size).toBe(settlement.batchItemFailures.length);
        for (const record of records) {
          const ends = [acknowledged.has(record.messageId), reported.has(record.messageId)];
          expect([record.messageId, ends.filter(Boolean).length]).toEqual([record.messageId, 1]);
        }
        expect(acknowledged.size + reported.size).toBe(records.length);
        expect(settlement.counts.rows).toBe(records.length);
        expect(settlement.counts.batchItemFailures).toBe(reported.size);
        expect(
          settlement.counts.retried +
            settlement.counts.notStarted +
            settlement.counts.writeFailures,
        ).toBe(reported.size);
        acknowledgedSeen += acknowledged.size;
        failuresSeen += reported.size;
      }),
      { seed: SEED, numRuns: 500 },
    );
    // Assess: both ends were exercised.
    expect(acknowledgedSeen).toBeGreaterThan(100);
    expect(failuresSeen).toBeGreaterThan(100);
  });

  it('moves no record whose result write failed; moves carry the failure as the reason', () => {
    let movesSeen = 0;
    let withheldSeen = 0;
    fc.assert(
      fc.property(batch, ({ records, failed }) => {
        // Act
        const moves = deadLetterMoves(records, failed.results);
        // Assess
        const byId = new Map(records.map((record) => [record.messageId, record]));
        for (const move of moves) {
          const record = byId.get(move.sourceMessageId);
          const { disposition, outcome } = record as BatchRecord;
          expect(disposition).toMatchObject({ kind: 'final', deadLetter: true });
          if (disposition.kind === 'final' && disposition.writeRow) {
            expect([move.sourceMessageId, failed.results.has(move.sourceMessageId)]).toEqual([
              move.sourceMessageId,
              false,
            ]);
          }
          expect(outcome.kind).not.toBe('found');
          if (outcome.kind !== 'found') {
            expect(move).toMatchObject({
              reason: outcome.failure.message,
              statusCode: outcome.failure.statusCode,
            });
          }
        }
        movesSeen += moves.length;
        withheldSeen += records.filter(
          (record) =>
            record.disposition.kind === 'final' &&
            record.disposition.deadLetter &&
            record.disposition.writeRow &&
            failed.results.has(record.messageId),
        ).length;
      }),
      { seed: SEED, numRuns: 500 },
    );
    // Assess: moves were made, and some were withheld for a lost row.
    expect(movesSeen).toBeGreaterThan(100);
    expect(withheldSeen).toBeGreaterThan(20);
  });

  it('acknowledges a record only when all its writes succeeded', () => {
    fc.assert(
      fc.property(batch, ({ records, failed }) => {
        // Act
        const settlement = settleBatch(records, failed);
        // Assess
        const acknowledged = new Set(settlement.acknowledged);
        for (const record of records) {
          const { disposition, messageId } = record;
          const writesOk =
            disposition.kind === 'final' &&
            !(disposition.writeRow && failed.results.has(messageId)) &&
            !(disposition.deadLetter && failed.deadLetters.has(messageId));
          expect([messageId, acknowledged.has(messageId)]).toEqual([messageId, writesOk]);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
