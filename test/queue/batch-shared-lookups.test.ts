import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { BatchSummary } from '../../functions/batches/metrics.js';
import type { CachePolicy } from '../../functions/lookup/cache-rules.js';
import type { ContactDirectory, DirectoryAnswer } from '../../functions/lookup/lookup.js';
import { shareLookups } from '../../functions/lookup/shared-lookups.js';
import { createBatchHandler } from '../../functions/queue/batch.js';
import type { DeadLetterMove, ResultMessage } from '../../functions/queue/sinks.js';
import { ERROR_BEHAVIORS } from '../../functions/settings/error-behavior.js';
import { FAILURES, found, NOT_FOUND } from '../support/deferred-directory.js';
import { identifiers } from '../support/identifiers.js';
import { sqsRecord } from '../support/sqs-record.js';

/**
 * The SQS batch over the shared lookups, as properties: random batches with repeated
 * identifiers (written in several ways), a directory whose every request gets a new answer (so
 * that rows answered by different requests would differ), the cache on or off. Rows with the
 * same identifier get identical rows, every record is accounted for once, and no identifier is
 * asked for twice while its request is in flight. Fixed seeds.
 */

const SEED = 11_222_026;

/** What respond.io answers for each contact id, the same every time; found contacts change. */
const KINDS = [
  ...['found', 'found', 'found', 'found', 'found'],
  ...['404', '503', '429', 'timeout', 'token unavailable'],
];

const kindOf = (id: number) => KINDS[id % KINDS.length] as string;

/**
 * A directory answering by contact id after a few turns of the event loop (a seeded number per
 * call: the order of answers varies by run, never by how busy the machine is); found bodies name
 * the call.
 */
function changingDirectory(delays: readonly number[]) {
  const calls: string[] = [];
  const directory: ContactDirectory = {
    async getContact(identifier) {
      calls.push(identifier.canonical);
      const call = calls.length;
      for (let turn = 0; turn < (delays[call % delays.length] ?? 0); turn += 1) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const kind = kindOf(Number(identifier.value));
      if (kind === 'found') return found(Number(identifier.value), `call ${call}`);
      if (kind === '404') return NOT_FOUND;
      return FAILURES[kind] as DirectoryAnswer;
    },
  };
  return { directory, calls };
}

/** One input row: a contact (1–10) written in one of several forms, or a row with no lookup. */
const inputRow = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 10 }), fc.constantFrom('id:', 'ID:', ' id : ', 'Id:'))
      .map(([id, prefix]) => ({
        canonical: `id:${id}`,
        body: JSON.stringify({ Identifier: `${prefix}${id}` }),
      })),
  },
  fc.constantFrom(
    { canonical: null, body: JSON.stringify({ Identifier: 'id:x' }) },
    { canonical: null, body: '{"Identifier": ' },
  ),
);

const scenario = fc.record({
  rows: fc.array(inputRow, { minLength: 1, maxLength: 30 }),
  errorBehavior: fc.constantFrom(...ERROR_BEHAVIORS),
  receiveCount: fc.integer({ min: 1, max: 5 }),
  delays: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
  cache: fc.boolean(),
  maxInFlight: fc.integer({ min: 1, max: 6 }),
});

/** What a record came to, as the queues and SQS see it. */
type Visible =
  | { readonly kind: 'row'; readonly row: string; readonly moved: boolean }
  | { readonly kind: 'moved'; readonly statusCode: number; readonly reason: string }
  | { readonly kind: 'retry' };

describe('the SQS batch over shared lookups (properties)', () => {
  it('gives rows with the same identifier identical rows, each accounted for once', async () => {
    // What the runs covered, so that the property is known not to be vacuous.
    const totals = { shared: 0, cached: 0, groupsOfSeveral: 0 };
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        // Prepare
        const upstream = changingDirectory(s.delays);
        const policy: CachePolicy = {
          ttlMs: s.cache ? 3_600_000 : 0,
          notFoundTtlMs: 0,
          maxEntries: 100,
        };
        const directory = shareLookups(upstream.directory, { policy });
        const written: ResultMessage[] = [];
        const moved: DeadLetterMove[] = [];
        const summaries: BatchSummary[] = [];
        const handler = createBatchHandler({
          directory,
          identifiers,
          results: {
            async send(rows) {
              written.push(...rows);
              return { failed: [] };
            },
          },
          deadLetters: {
            async move(moves) {
              moved.push(...moves);
              return { failed: [] };
            },
          },
          errorBehavior: s.errorBehavior,
          maxReceiveCount: 5,
          // Without the cache, every row in flight together: no identifier may be asked twice.
          maxInFlight: s.cache ? s.maxInFlight : s.rows.length,
          rowBudgetMs: 1000,
          flushReserveMs: 100,
          metrics: { publish: (summary) => summaries.push(summary) },
        });
        const records = s.rows.map((row, i) => sqsRecord(`m${i}`, row.body, s.receiveCount));
        // Act
        const response = await handler(
          { Records: records },
          { getRemainingTimeInMillis: () => 60_000 },
        );
        // Assess: each record accounted for once.
        const failures = response.batchItemFailures.map((item) => item.itemIdentifier);
        const writtenIds = written.map((result) => result.sourceMessageId);
        const movedIds = moved.map((move) => move.sourceMessageId);
        for (const ids of [failures, writtenIds, movedIds])
          expect(new Set(ids).size).toBe(ids.length);
        for (const id of failures) expect([...writtenIds, ...movedIds]).not.toContain(id);
        expect(new Set([...failures, ...writtenIds, ...movedIds])).toEqual(
          new Set(records.map((record) => record.messageId)),
        );
        // Assess: rows of one identifier come to the same thing.
        const visible = (id: string): Visible => {
          const result = written.find((r) => r.sourceMessageId === id);
          const move = moved.find((m) => m.sourceMessageId === id);
          if (result)
            return { kind: 'row', row: JSON.stringify(result.row), moved: move !== undefined };
          if (move) return { kind: 'moved', statusCode: move.statusCode, reason: move.reason };
          return { kind: 'retry' };
        };
        const groups = new Map<string, Visible[]>();
        s.rows.forEach((row, i) => {
          if (row.canonical === null) return;
          groups.set(row.canonical, [...(groups.get(row.canonical) ?? []), visible(`m${i}`)]);
        });
        for (const outcomes of groups.values()) {
          expect(outcomes.map((outcome) => JSON.stringify(outcome))).toEqual(
            outcomes.map(() => JSON.stringify(outcomes[0])),
          );
          if (outcomes.length > 1) totals.groupsOfSeveral += 1;
        }
        // Assess: requests and the summary.
        const lookups = s.rows.filter((row) => row.canonical !== null).length;
        const summary = summaries[0] as BatchSummary;
        expect(summary.rows).toBe(records.length);
        expect(summary.cacheHits + summary.coalesced).toBe(lookups - upstream.calls.length);
        for (const [canonical] of groups) {
          const asked = upstream.calls.filter((call) => call === canonical).length;
          if (!s.cache || kindOf(Number(canonical.slice(3))) === 'found') expect(asked).toBe(1);
        }
        if (!s.cache) expect(summary.cacheHits).toBe(0);
        totals.shared += summary.coalesced;
        totals.cached += summary.cacheHits;
      }),
      { seed: SEED, numRuns: 100 },
    );
    expect(totals.shared).toBeGreaterThan(40);
    expect(totals.cached).toBeGreaterThan(15);
    expect(totals.groupsOfSeveral).toBeGreaterThan(50);
  });
});
