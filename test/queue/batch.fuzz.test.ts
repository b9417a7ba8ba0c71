import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import type { BatchSummary } from '../../functions/batches/metrics.js';
import { createBatchHandler } from '../../functions/queue/batch.js';
import type { DeadLetterMove, ResultMessage } from '../../functions/queue/sinks.js';
import { ERROR_BEHAVIORS } from '../../functions/settings/error-behavior.js';
import { rowProblems, secretLeak } from '../support/answers.js';
import { captureOutput, testLogger } from '../support/api.js';
import { writtenIdentifier } from '../support/identifier-forms.js';
import { identifiers } from '../support/identifiers.js';
import {
  CONTACT_BODY,
  CONTACT_TARGET,
  fastDirectory,
  fixedTokens,
  type Reply,
  type RespondioLoopback,
  startRespondioLoopback,
} from '../support/respondio-loopback.js';

/**
 * Bad input at the SQS function, property-based: random batches of records (bodies of any shape,
 * odd attributes and receive counts) go through createBatchHandler with the real respond.io
 * directory, a loopback respond.io with scripted random answers, and in-memory sinks that fail
 * for chosen messages. Every record must be accounted for. Fixed seeds.
 */

const SEED = 5_052_027;
const TOKEN = 'tok_FUZZ_sqs_Hb4Nc8Vd1Ks6';

let upstream: RespondioLoopback;
let output: ReturnType<typeof captureOutput>;
/** What the cases exercised, so the properties above are known not to be vacuous. */
const totals = { written: 0, errorRows: 0, moved: 0, redelivered: 0, refusedMoves: 0 };

beforeAll(async () => {
  upstream = await startRespondioLoopback();
  output = captureOutput();
});
afterAll(async () => {
  output.restore();
  await upstream.close();
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

const reply: fc.Arbitrary<Reply> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(json(200, CONTACT_BODY)) },
  fc.jsonValue().map((body) => json(200, body)),
  fc.constant<Reply>({ status: 200, body: '<html>ok</html>' }),
  fc.constant(json(404, { code: 404, message: 'Contact not found' })),
  fc.constant(json(400, { code: 400, message: 'Validation error.' })),
  fc.constant(json(401, { code: 401, message: `UN_AUTHORIZED ${TOKEN}` })),
  fc.constant(json(403, { code: 403, message: 'Forbidden' })),
  fc.constant(json(429, { code: 429, message: 'Too many requests' }, { 'retry-after': '0' })),
  fc.constant(json(449, { code: 449, message: 'Request queued' }, { 'retry-after': '0' })),
  fc.constant(json(500, { code: 500, message: 'Internal server error' })),
  fc.constant<Reply>({ status: 502, body: '<html><h1>502 Bad Gateway</h1></html>' }),
  fc.constant(json(503, { code: 503, message: 'Service unavailable' })),
  fc.constant<Reply>('reset'),
  fc.constant<Reply>('hang'),
);

const identifier = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 999_999 }).map((id) => `id:${id}`) },
  fc.constantFrom(
    'email:jane@example.com',
    "email:o'neil@example.com",
    'phone:+60121233112',
    'id:1/../message',
    'id:1%2F..',
    'email:a@b.c?x=1',
    'id:1\r\nX: 1',
    ' id:7 ',
    '',
    'Phone: (+60) 12-123 3112',
    'phone:0121233112',
    'phone:+60 12 123 3112/tag',
    'ID : 7',
  ),
  writtenIdentifier.map((written) => written.text),
  fc.string({ maxLength: 20 }),
  fc.jsonValue(),
);

/** Stands for a body over the 64 KiB input limit (expanded late, so failures print short). */
const OVERSIZED = '<oversized body>';

/** Bodies of any shape, from the expected one to a missing one. */
const body: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: identifier.map((value) => JSON.stringify({ Identifier: value })) },
  fc
    .tuple(identifier, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }))
    .map(([value, extra]) => JSON.stringify({ ...extra, Identifier: value })),
  fc.json(),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', '{"identifier":"id:1"}', '[]', 'null', '{"Identifier":"id:1"'),
  fc.constant(OVERSIZED),
  // Not a string: impossible from SQS, but a missing body must not break the batch.
  fc.constantFrom(undefined, null),
);

const receiveCount = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }).map(String) },
  fc.constantFrom('0', '-1', 'abc', '', '1.5', '99999999999'),
);

const recordSpec = fc.record({
  id: fc.uuid(),
  body,
  attributes: fc.oneof(
    { weight: 4, arbitrary: receiveCount.map((count) => ({ ApproximateReceiveCount: count })) },
    fc.constantFrom(undefined, {}),
  ),
  writeFails: fc.boolean(),
  moveFails: fc.boolean(),
});

type RecordSpec = typeof recordSpec extends fc.Arbitrary<infer T> ? T : never;

function sqsRecord(index: number, spec: RecordSpec): SQSRecord {
  return {
    messageId: `${index}-${spec.id}`,
    receiptHandle: `rh-${index}`,
    body:
      spec.body === OVERSIZED
        ? JSON.stringify({ Identifier: 'id:1', pad: 'x'.repeat(70 * 1024) })
        : (spec.body as string),
    attributes: spec.attributes as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:input',
    awsRegion: 'us-east-1',
  };
}

/** A reply per request, chosen by the path and how often that path was asked: order-independent. */
function scriptedResponder(replies: readonly Reply[]) {
  const asked = new Map<string, number>();
  return (request: { url: string }): Reply => {
    const count = asked.get(request.url) ?? 0;
    asked.set(request.url, count + 1);
    let hash = count;
    for (const char of request.url) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) >>> 0;
    return replies[hash % replies.length] as Reply;
  };
}

describe('SQS function fuzz: random records', () => {
  it('accounts for every record exactly once and writes only well-formed rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordSpec, { minLength: 1, maxLength: 10 }),
        fc.array(reply, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...ERROR_BEHAVIORS),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(0, 600, 60_000),
        fc.constantFrom('ok', 'ok', 'ok', 'throws'),
        async (specs, replies, errorBehavior, maxReceiveCount, remainingMs, sinkMode) => {
          // Prepare
          upstream.respond(scriptedResponder(replies));
          const records = specs.map((spec, index) => sqsRecord(index, spec));
          const failWrite = new Set(
            records.filter((_, i) => specs[i]?.writeFails).map((r) => r.messageId),
          );
          const failMove = new Set(
            records.filter((_, i) => specs[i]?.moveFails).map((r) => r.messageId),
          );
          const written: ResultMessage[] = [];
          const moved: DeadLetterMove[] = [];
          const attemptedMoves: DeadLetterMove[] = [];
          const summaries: BatchSummary[] = [];
          const before = upstream.seen.length;
          const handler = createBatchHandler({
            identifiers,
            directory: fastDirectory(upstream.baseUrl, fixedTokens(TOKEN), {
              requestTimeoutMs: 60,
            }),
            results: {
              async send(results) {
                if (sinkMode === 'throws') throw new Error('results queue down');
                written.push(...results.filter((r) => !failWrite.has(r.sourceMessageId)));
                return {
                  failed: results
                    .filter((r) => failWrite.has(r.sourceMessageId))
                    .map((r) => r.sourceMessageId),
                };
              },
            },
            deadLetters:
              errorBehavior === 'DoNotFailAndReturnResponse' && sinkMode === 'throws'
                ? null
                : {
                    async move(moves) {
                      attemptedMoves.push(...moves);
                      moved.push(...moves.filter((m) => !failMove.has(m.sourceMessageId)));
                      return {
                        failed: moves
                          .filter((m) => failMove.has(m.sourceMessageId))
                          .map((m) => m.sourceMessageId),
                      };
                    },
                  },
            errorBehavior,
            maxReceiveCount,
            maxInFlight: 4,
            rowBudgetMs: 300,
            flushReserveMs: 100,
            marginMs: 100,
            logger: testLogger(),
            metrics: { publish: (summary) => summaries.push(summary) },
          });

          // Act
          const response = await handler(
            { Records: records },
            { getRemainingTimeInMillis: () => remainingMs },
          );

          // Assess: the response names only records of this batch, each once.
          const ids = records.map((r) => r.messageId);
          const failures = response.batchItemFailures.map((f) => f.itemIdentifier);
          expect(new Set(failures).size).toBe(failures.length);
          for (const id of failures) expect(ids).toContain(id);
          const F = new Set(failures);
          const W = written.map((r) => r.sourceMessageId);
          const M = moved.map((m) => m.sourceMessageId);
          expect(new Set(W).size).toBe(W.length);
          expect(new Set(M).size).toBe(M.length);
          expect(new Set(attemptedMoves.map((m) => m.sourceMessageId)).size).toBe(
            attemptedMoves.length,
          );
          // Every record has exactly one fate: redelivered, or done (row written and/or moved).
          for (const id of ids) {
            const done = W.includes(id) || M.includes(id);
            if (!F.has(id)) expect([id, done]).toEqual([id, true]);
            else {
              expect([id, M.includes(id)]).toEqual([id, false]);
              // A row already written is redelivered only because its dead-letter move failed.
              if (W.includes(id)) expect([id, failMove.has(id)]).toEqual([id, true]);
            }
          }
          // The error behavior decides where rows go.
          if (errorBehavior === 'DoNotFailAndReturnResponse') expect(attemptedMoves).toEqual([]);
          if (errorBehavior === 'FailWithoutResponse') {
            for (const result of written) expect(result.row.StatusCode).toBe(200);
          }
          if (errorBehavior === 'FailAndReturnResponse') {
            for (const id of M) expect(W).toContain(id);
          }
          // Rows are well-formed; a dead-lettered message keeps its original body.
          for (const result of written) expect(rowProblems(result.row)).toEqual([]);
          for (const move of attemptedMoves) {
            const original = records.find((r) => r.messageId === move.sourceMessageId);
            expect(move.body).toBe(original?.body ?? '');
            expect(Number.isInteger(move.statusCode)).toBe(true);
          }
          expect(summaries).toHaveLength(1);
          expect(summaries[0]?.rows).toBe(records.length);
          expect(summaries[0]?.batchItemFailures).toBe(F.size);
          // Nothing left the contact endpoint, and the token is nowhere in the output.
          for (const request of upstream.seen.slice(before)) {
            expect(request.url).toMatch(CONTACT_TARGET);
          }
          expect(secretLeak(JSON.stringify([written, attemptedMoves, response]), TOKEN)).toBeNull();
          totals.written += W.length;
          totals.errorRows += written.filter((r) => r.row.StatusCode !== 200).length;
          totals.moved += M.length;
          totals.redelivered += F.size;
          totals.refusedMoves += attemptedMoves.length - M.length;
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('exercised every fate and never wrote the token to a log line', () => {
    // Assess
    for (const [fate, count] of Object.entries(totals))
      expect([fate, count > 5]).toEqual([fate, true]);
    expect(upstream.seen.length).toBeGreaterThan(100);
    expect(output.lines().some((line) => line.message === 'Batch done')).toBe(true);
    expect(secretLeak(output.text(), TOKEN)).toBeNull();
  });
});
