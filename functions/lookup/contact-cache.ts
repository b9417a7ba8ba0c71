/**
 * Core's ContactCache port over lru-cache: at most `maxEntries` answers in this container's
 * memory, the least recently used dropped first, each for its own TTL on the given clock. It
 * holds respond.io answers (contact data) and nothing leaves it: no logging, no persistence.
 *
 * lru-cache times entries with `perf.now()`; the adapter hands it the same clock the rules use
 * (core/contact-cache-rules.ts, which check every entry's age again before it is served), and
 * reads the clock on every check (`ttlResolution: 0`), so a fake clock in tests is exact.
 */

import { LRUCache } from 'lru-cache';
import type { CachedAnswer, ContactCache } from './shared-lookups.js';

export interface ContactCacheOptions {
  readonly maxEntries: number;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

export function createContactCache(options: ContactCacheOptions): ContactCache {
  const now = options.now ?? Date.now;
  const entries = new LRUCache<string, CachedAnswer>({
    max: Math.max(1, Math.floor(options.maxEntries)),
    // Expired entries are dropped when read (no timers per entry: nothing keeps the loop alive).
    ttlAutopurge: false,
    ttlResolution: 0,
    perf: { now },
  });
  return {
    get: (key) => entries.get(key),
    set(key, entry, ttlMs) {
      if (ttlMs > 0) entries.set(key, entry, { ttl: ttlMs });
      else entries.delete(key);
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
