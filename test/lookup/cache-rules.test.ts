import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type CachePolicy,
  cacheEnabled,
  cacheKey,
  isDefinitive,
  keepFor,
  replaces,
  servable,
} from '../../functions/lookup/cache-rules.js';
import type { DirectoryAnswer } from '../../functions/lookup/lookup.js';
import { shareLookups } from '../../functions/lookup/shared-lookups.js';
import { FAILURES, found, NOT_FOUND } from '../support/deferred-directory.js';
import { fakeTime, restoreTime } from '../support/fake-time.js';
import { identifierOf } from '../support/identifiers.js';

/**
 * What the contact cache may keep and for how long (core/contact-cache-rules.ts), and, as
 * properties over random lookups on a fake clock, that the decorator with the real lru-cache
 * adapter never serves an answer older than its TTL and never serves a failure. Fixed seeds.
 */

const SEED = 11_112_026;
const POLICY: CachePolicy = { ttlMs: 60_000, notFoundTtlMs: 10_000, maxEntries: 100 };

describe('the contact cache rules', () => {
  it('keys an identifier on its canonical form', () => {
    // Act
    const keys = ['phone:+60 12-123 3112', 'Phone: 0060121233112', 'phone:+60121233112'].map(
      (text) => cacheKey(identifierOf(text)),
    );
    // Assess
    expect(new Set(keys)).toEqual(new Set(['phone:+60121233112']));
  });

  it('keeps a found contact for the TTL and a 404 for its own, shorter TTL', () => {
    // Assess
    expect(keepFor(found(1, 'Jane'), POLICY)).toBe(60_000);
    expect(keepFor(NOT_FOUND, POLICY)).toBe(10_000);
    expect(keepFor(NOT_FOUND, { ...POLICY, notFoundTtlMs: 0 })).toBe(0);
    expect(keepFor(NOT_FOUND, { ...POLICY, notFoundTtlMs: 120_000 })).toBe(60_000);
  });

  it('keeps nothing with the cache off', () => {
    // Prepare
    const off = { ...POLICY, ttlMs: 0 };
    // Assess
    expect(cacheEnabled(off)).toBe(false);
    expect(keepFor(found(1, 'Jane'), off)).toBe(0);
    expect(keepFor(NOT_FOUND, off)).toBe(0);
  });

  it.each(Object.entries(FAILURES))('never keeps a %s failure', (_, failure) => {
    // Assess
    expect(isDefinitive(failure)).toBe(false);
    expect(keepFor(failure, POLICY)).toBe(0);
  });

  it('serves an entry while it is younger than its TTL, and not when the clock went back', () => {
    // Prepare
    const entry = { answer: found(1, 'Jane'), fetchedAt: 1_000 };
    // Assess
    expect(servable(entry, POLICY, 1_000)).toBe(true);
    expect(servable(entry, POLICY, 60_999)).toBe(true);
    expect(servable(entry, POLICY, 61_000)).toBe(false);
    expect(servable(entry, POLICY, 999)).toBe(false);
  });

  it('lets only an answer at least as recent replace the one kept', () => {
    // Prepare
    const kept = { answer: found(1, 'Jane'), fetchedAt: 1_000 };
    // Assess
    expect(replaces({ ...kept, fetchedAt: 999 }, kept)).toBe(false);
    expect(replaces({ ...kept, fetchedAt: 1_000 }, kept)).toBe(true);
    expect(replaces(kept, undefined)).toBe(true);
  });
});

/** A respond.io answer of any kind: found (named after its request), 404, or a failure. */
const upstreamAnswer: fc.Arbitrary<'found' | keyof typeof FAILURES | '404'> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('found' as const) },
  { weight: 2, arbitrary: fc.constant('404' as const) },
  { weight: 3, arbitrary: fc.constantFrom(...Object.keys(FAILURES)) },
);

const step = fc.record({
  advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30_000 })),
  contact: fc.integer({ min: 1, max: 3 }),
  fresh: fc.boolean(),
  answer: upstreamAnswer,
});

const policy = fc.record({
  ttlMs: fc.integer({ min: 1, max: 90_000 }),
  notFoundTtlMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90_000 })),
  maxEntries: fc.integer({ min: 1, max: 4 }),
});

describe('the contact cache, over random lookups on a fake clock (properties)', () => {
  afterEach(restoreTime);

  it('never serves an answer older than its TTL, nor a failure', async () => {
    // What the runs served from the cache, so that the property is known not to be vacuous.
    const hits = { found: 0, notFound: 0 };
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.array(step, { minLength: 1, maxLength: 40 }),
        async (rules, steps) => {
          // Prepare: each answer, found or not, names the time its request was sent at.
          const time = fakeTime();
          let planned: (typeof steps)[number]['answer'] = 'found';
          const directory = shareLookups(
            {
              async getContact(identifier) {
                const at = String(time.now());
                if (planned === 'found') return found(Number(identifier.value), at);
                if (planned === '404') {
                  return {
                    ok: false,
                    attempts: 1,
                    failure: { kind: 'http', status: 404, body: at },
                  };
                }
                return FAILURES[planned] as DirectoryAnswer;
              },
            },
            { policy: rules, now: time.now },
          );
          for (const { advanceMs, contact, fresh, answer } of steps) {
            time.advance(advanceMs);
            planned = answer;
            // Act
            const served = await directory.getContact(identifierOf(`id:${contact}`), {
              deadlineAt: time.now() + 10_000,
              ...(fresh ? { fresh } : {}),
            });
            // Assess
            if (served.source !== 'cache') continue;
            expect(fresh).toBe(false);
            if (served.ok) {
              const age = time.now() - Number((served.body as { firstName: string }).firstName);
              expect(age).toBeGreaterThanOrEqual(0);
              expect(age).toBeLessThan(rules.ttlMs);
              hits.found += 1;
            } else {
              const failure = served.failure as { kind: string; status: number; body: string };
              expect([failure.kind, failure.status]).toEqual(['http', 404]);
              const age = time.now() - Number(failure.body);
              expect(age).toBeGreaterThanOrEqual(0);
              expect(age).toBeLessThan(Math.min(rules.notFoundTtlMs, rules.ttlMs));
              hits.notFound += 1;
            }
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
    expect(hits.found).toBeGreaterThan(100);
    expect(hits.notFound).toBeGreaterThan(10);
  });

  it('sends a request for every lookup when respond.io only fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.array(fc.tuple(fc.constantFrom(...Object.keys(FAILURES)), fc.nat(5_000)), {
          minLength: 1,
          maxLength: 30,
        }),
        async (rules, answers) => {
          // Prepare
          const time = fakeTime();
          let requests = 0;
          let next = 'internal';
          const directory = shareLookups(
            {
              async getContact() {
                requests += 1;
                return FAILURES[next] as DirectoryAnswer;
              },
            },
            { policy: { ...rules, notFoundTtlMs: rules.ttlMs }, now: time.now },
          );
          // Act
          for (const [kind, advanceMs] of answers) {
            next = kind;
            time.advance(advanceMs);
            const served = await directory.getContact(identifierOf('id:7'), {
              deadlineAt: time.now() + 10_000,
            });
            expect(served.source).toBe('request');
          }
          // Assess
          expect(requests).toBe(answers.length);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});
