import { afterEach, describe, expect, it } from '@jest/globals';
import type { CachePolicy } from '../../functions/lookup/cache-rules.js';
import type { ContactDirectory } from '../../functions/lookup/lookup.js';
import { shareLookups } from '../../functions/lookup/shared-lookups.js';
import type { LogFields } from '../../functions/platform/logger.js';
import {
  type DeferredDirectory,
  deferredDirectory,
  FAILURES,
  found,
  NOT_FOUND,
} from '../support/deferred-directory.js';
import { type FakeTime, fakeTime, restoreTime } from '../support/fake-time.js';
import { identifierOf } from '../support/identifiers.js';

/**
 * The shared-lookups decorator with a directory answered by hand and a fake clock: which lookups
 * share a request, what each caller gets, what the cache keeps and for how long.
 */

const OFF: CachePolicy = { ttlMs: 0, notFoundTtlMs: 0, maxEntries: 100 };
const ON: CachePolicy = { ttlMs: 60_000, notFoundTtlMs: 0, maxEntries: 100 };

interface Built {
  readonly inner: DeferredDirectory;
  readonly directory: ContactDirectory;
  readonly time: FakeTime;
  readonly debug: { message: string; fields: LogFields }[];
}

function build(policy: CachePolicy = OFF): Built {
  const inner = deferredDirectory();
  const time = fakeTime();
  const debug: Built['debug'] = [];
  const logger = {
    debug: (message: string, fields: LogFields = {}) => debug.push({ message, fields }),
    info() {},
    warn() {},
    error() {},
  };
  const directory = shareLookups(inner, { policy, now: time.now, logger });
  return { inner, directory, time, debug };
}

afterEach(restoreTime);

const JANE = identifierOf('id:1');
const JANE_AGAIN = identifierOf('ID : 1');
const JOHN = identifierOf('id:2');

function lookup(built: Built, options: { ms?: number; id?: string; fresh?: boolean } = {}) {
  return {
    deadlineAt: built.time.now() + (options.ms ?? 10_000),
    ...(options.id ? { correlationId: options.id } : {}),
    ...(options.fresh ? { fresh: true } : {}),
  };
}

describe('shareLookups: single flight', () => {
  it('sends one request for concurrent lookups of one canonical identifier, however written', async () => {
    // Prepare
    const built = build();
    const first = built.directory.getContact(JANE, lookup(built, { id: 'm-1' }));
    const second = built.directory.getContact(JANE_AGAIN, lookup(built, { id: 'm-2' }));
    const third = built.directory.getContact(JANE, lookup(built, { id: 'm-3' }));
    // Act
    built.inner.answer(0, found(1, 'Jane', 2));
    const answers = await Promise.all([first, second, third]);
    // Assess
    expect(built.inner.calls).toHaveLength(1);
    expect(built.inner.calls[0]?.options.correlationId).toBe('m-1');
    expect(answers).toEqual([
      { ...found(1, 'Jane', 2), source: 'request' },
      { ...found(1, 'Jane', 0), source: 'shared' },
      { ...found(1, 'Jane', 0), source: 'shared' },
    ]);
  });

  it('logs each joiner with its own correlation id and the one it shares with, masked', async () => {
    // Prepare
    const built = build();
    const first = built.directory.getContact(JANE, lookup(built, { id: 'm-1' }));
    const second = built.directory.getContact(JANE_AGAIN, lookup(built, { id: 'm-2' }));
    // Act
    built.inner.answer(0, found(1, 'Jane'));
    await Promise.all([first, second]);
    // Assess
    expect(built.debug).toEqual([
      {
        message: 'Sharing the request in flight for this identifier',
        fields: { identifier: JANE.masked, correlationId: 'm-2', sharedWith: 'm-1' },
      },
    ]);
  });

  it('keeps lookups of different identifiers apart', async () => {
    // Prepare
    const built = build();
    const jane = built.directory.getContact(JANE, lookup(built));
    const john = built.directory.getContact(JOHN, lookup(built));
    // Act
    built.inner.answer(1, found(2, 'John'));
    built.inner.answer(0, found(1, 'Jane'));
    // Assess
    expect(built.inner.calls.map((call) => call.identifier.canonical)).toEqual(['id:1', 'id:2']);
    expect(await john).toEqual({ ...found(2, 'John'), source: 'request' });
    expect(await jane).toEqual({ ...found(1, 'Jane'), source: 'request' });
  });

  it.each(Object.entries(FAILURES))(
    'hands the shared %s failure to every joiner',
    async (_, failure) => {
      // Prepare
      const built = build();
      const first = built.directory.getContact(JANE, lookup(built));
      const second = built.directory.getContact(JANE, lookup(built));
      // Act
      built.inner.answer(0, failure);
      // Assess
      expect(await first).toEqual({ ...failure, source: 'request' });
      expect(await second).toEqual({ ...failure, attempts: 0, source: 'shared' });
    },
  );

  it('ends a joiner whose deadline comes first at its deadline; the request goes on', async () => {
    // Prepare
    const built = build();
    const leader = built.directory.getContact(JANE, lookup(built, { ms: 10_000 }));
    const hurried = built.directory.getContact(JANE, lookup(built, { ms: 2_000 }));
    // Act
    built.time.advance(2_000);
    const hurriedAnswer = await hurried;
    built.time.advance(1_000);
    built.inner.answer(0, found(1, 'Jane'));
    // Assess
    expect(hurriedAnswer).toEqual({
      ok: false,
      attempts: 0,
      failure: { kind: 'deadline' },
      source: 'shared',
    });
    expect(await leader).toEqual({ ...found(1, 'Jane'), source: 'request' });
    expect(built.inner.calls).toHaveLength(1);
  });

  it('calls off a joiner’s deadline timer once the shared answer is in', async () => {
    // Prepare
    const built = build();
    const leader = built.directory.getContact(JANE, lookup(built));
    const joiner = built.directory.getContact(JANE, lookup(built, { ms: 5_000 }));
    // Act
    built.inner.answer(0, found(1, 'Jane'));
    await Promise.all([leader, joiner]);
    // Assess
    expect(built.time.pending()).toBe(0);
  });

  it('gives a joiner with more time a request of its own when the shared one ran out of time', async () => {
    // Prepare
    const built = build();
    const hurried = built.directory.getContact(JANE, lookup(built, { ms: 1_000 }));
    const patient = built.directory.getContact(JANE, lookup(built, { ms: 10_000 }));
    // Act
    built.inner.answer(0, FAILURES.deadline as never);
    const hurriedAnswer = await hurried;
    (await built.inner.called(1)).settle(found(1, 'Jane'));
    // Assess
    expect(hurriedAnswer.ok).toBe(false);
    expect(await patient).toEqual({ ...found(1, 'Jane'), source: 'request' });
    expect(built.inner.calls).toHaveLength(2);
  });

  it('sends a new request once the shared one is over (the cache off)', async () => {
    // Prepare
    const built = build();
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, found(1, 'Jane'));
    await first;
    // Act
    const second = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(1, found(1, 'Jane, later'));
    // Assess
    expect(await second).toEqual({ ...found(1, 'Jane, later'), source: 'request' });
    expect(built.inner.calls).toHaveLength(2);
  });

  it('rejects every caller when the directory throws, and asks again afterwards', async () => {
    // Prepare
    const built = build();
    const first = built.directory.getContact(JANE, lookup(built));
    const second = built.directory.getContact(JANE, lookup(built));
    // Act
    built.inner.calls[0]?.fail(new Error('bug'));
    // Assess
    await expect(first).rejects.toThrow('bug');
    await expect(second).rejects.toThrow('bug');
    const third = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(1, found(1, 'Jane'));
    expect((await third).source).toBe('request');
  });
});

describe('shareLookups: the contact cache', () => {
  it('answers a repeated lookup from the cache, without a request, until the TTL ends', async () => {
    // Prepare
    const built = build(ON);
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, found(1, 'Jane', 2));
    await first;
    // Act
    built.time.advance(59_999);
    const hit = await built.directory.getContact(JANE_AGAIN, lookup(built));
    built.time.advance(1);
    const expired = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(1, found(1, 'Jane, later'));
    // Assess
    expect(hit).toEqual({ ...found(1, 'Jane', 0), source: 'cache' });
    expect(await expired).toEqual({ ...found(1, 'Jane, later'), source: 'request' });
    expect(built.inner.calls).toHaveLength(2);
  });

  it('counts an answer’s age from when its request started', async () => {
    // Prepare: the request takes 20 s.
    const built = build(ON);
    const first = built.directory.getContact(JANE, lookup(built, { ms: 30_000 }));
    built.time.advance(20_000);
    built.inner.answer(0, found(1, 'Jane'));
    await first;
    // Act
    built.time.advance(40_000);
    const afterTtl = built.directory.getContact(JANE, lookup(built));
    // Assess
    expect(built.inner.calls).toHaveLength(2);
    built.inner.answer(1, found(1, 'Jane'));
    expect((await afterTtl).source).toBe('request');
  });

  it.each(Object.entries(FAILURES))('never keeps a %s failure', async (_, failure) => {
    // Prepare
    const built = build({ ...ON, notFoundTtlMs: 60_000 });
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, failure);
    await first;
    // Act
    const second = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(1, found(1, 'Jane'));
    // Assess
    expect(await second).toEqual({ ...found(1, 'Jane'), source: 'request' });
    expect(built.inner.calls).toHaveLength(2);
  });

  it('keeps a 404 only with its own TTL, and never longer than the TTL', async () => {
    // Prepare
    const built = build({ ttlMs: 60_000, notFoundTtlMs: 5_000, maxEntries: 10 });
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, NOT_FOUND);
    await first;
    // Act
    built.time.advance(4_999);
    const hit = await built.directory.getContact(JANE, lookup(built));
    built.time.advance(1);
    const expired = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(1, NOT_FOUND);
    // Assess
    expect(hit).toEqual({ ...NOT_FOUND, attempts: 0, source: 'cache' });
    expect((await expired).source).toBe('request');
  });

  it('does not keep a 404 by default', async () => {
    // Prepare
    const built = build(ON);
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, NOT_FOUND);
    await first;
    // Act
    void built.directory.getContact(JANE, lookup(built));
    // Assess
    expect(built.inner.calls).toHaveLength(2);
  });

  it('asks respond.io for a fresh lookup and keeps its answer for the next', async () => {
    // Prepare
    const built = build(ON);
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, found(1, 'Jane'));
    await first;
    // Act
    const fresh = built.directory.getContact(JANE, lookup(built, { fresh: true }));
    built.inner.answer(1, found(1, 'Jane, renamed'));
    const freshAnswer = await fresh;
    const next = await built.directory.getContact(JANE, lookup(built));
    // Assess
    expect(freshAnswer).toEqual({ ...found(1, 'Jane, renamed'), source: 'request' });
    expect(next).toEqual({ ...found(1, 'Jane, renamed', 0), source: 'cache' });
  });

  it('does not join a fresh lookup to a request that was in flight before it', async () => {
    // Prepare
    const built = build(ON);
    const older = built.directory.getContact(JANE, lookup(built));
    built.time.advance(10);
    // Act
    const fresh = built.directory.getContact(JANE, lookup(built, { fresh: true }));
    built.inner.answer(1, found(1, 'Jane, renamed'));
    const freshAnswer = await fresh;
    built.inner.answer(0, found(1, 'Jane, as she was'));
    await older;
    const next = await built.directory.getContact(JANE, lookup(built));
    // Assess: the older answer, arriving last, does not overwrite the fresher one.
    expect(built.inner.calls).toHaveLength(2);
    expect(freshAnswer.source).toBe('request');
    expect(next).toEqual({ ...found(1, 'Jane, renamed', 0), source: 'cache' });
  });

  it('drops a kept contact when a fresh answer says it is gone', async () => {
    // Prepare
    const built = build(ON);
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, found(1, 'Jane'));
    await first;
    // Act
    const fresh = built.directory.getContact(JANE, lookup(built, { fresh: true }));
    built.inner.answer(1, NOT_FOUND);
    await fresh;
    void built.directory.getContact(JANE, lookup(built));
    // Assess: the next lookup asks respond.io again.
    expect(built.inner.calls).toHaveLength(3);
  });

  it('keeps a kept contact when a fresh lookup fails for a passing reason', async () => {
    // Prepare
    const built = build(ON);
    const first = built.directory.getContact(JANE, lookup(built));
    built.inner.answer(0, found(1, 'Jane'));
    await first;
    // Act
    const fresh = built.directory.getContact(JANE, lookup(built, { fresh: true }));
    built.inner.answer(1, FAILURES['503'] as never);
    const freshAnswer = await fresh;
    const next = await built.directory.getContact(JANE, lookup(built));
    // Assess
    expect(freshAnswer.ok).toBe(false);
    expect(next.source).toBe('cache');
  });

  it('keeps at most CONTACT_CACHE_MAX_ENTRIES answers, the least recently used going first', async () => {
    // Prepare
    const built = build({ ...ON, maxEntries: 2 });
    for (const [index, text] of ['id:1', 'id:2', 'id:3'].entries()) {
      const answer = built.directory.getContact(identifierOf(text), lookup(built));
      built.inner.answer(index, found(index + 1, text));
      await answer;
    }
    // Act
    const third = await built.directory.getContact(identifierOf('id:3'), lookup(built));
    void built.directory.getContact(identifierOf('id:1'), lookup(built));
    // Assess
    expect(third.source).toBe('cache');
    expect(built.inner.calls).toHaveLength(4);
  });
});
