import { describe, expect, it } from '@jest/globals';
import { createContactCache } from '../../functions/lookup/contact-cache.js';
import { found } from '../support/deferred-directory.js';
import { fakeTime } from '../support/fake-time.js';

/** The lru-cache adapter behind the ContactCache port, on a fake clock. */

describe('createContactCache', () => {
  it('drops an entry when its TTL on the given clock is over', () => {
    // Prepare
    const time = fakeTime();
    const cache = createContactCache({ maxEntries: 10, now: time.now });
    const entry = { answer: found(1, 'Jane'), fetchedAt: time.now() };
    // Act
    cache.set('id:1', entry, 1_000);
    time.advance(999);
    const before = cache.get('id:1');
    time.advance(2);
    const after = cache.get('id:1');
    // Assess
    expect(before).toBe(entry);
    expect(after).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    // Prepare
    const time = fakeTime();
    const cache = createContactCache({ maxEntries: 2, now: time.now });
    const entry = (name: string) => ({ answer: found(1, name), fetchedAt: time.now() });
    cache.set('a', entry('a'), 60_000);
    cache.set('b', entry('b'), 60_000);
    // Act
    cache.get('a');
    cache.set('c', entry('c'), 60_000);
    // Assess
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.answer).toEqual(found(1, 'a'));
    expect(cache.get('c')?.answer).toEqual(found(1, 'c'));
  });

  it('removes an entry set with no time left, and on delete', () => {
    // Prepare
    const time = fakeTime();
    const cache = createContactCache({ maxEntries: 10, now: time.now });
    cache.set('a', { answer: found(1, 'a'), fetchedAt: time.now() }, 60_000);
    cache.set('b', { answer: found(2, 'b'), fetchedAt: time.now() }, 60_000);
    // Act
    cache.set('a', { answer: found(1, 'a2'), fetchedAt: time.now() }, 0);
    cache.delete('b');
    // Assess
    expect(cache.size).toBe(0);
  });
});
