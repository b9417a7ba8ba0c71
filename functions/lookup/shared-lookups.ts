/**
 * Lookups that spend no request when they need none (docs/contact-cache.md):
 * a decorator over the ContactDirectory, keyed on the canonical identifier. Single flight, always
 * on: a lookup joins the request in flight for its identifier and gets its answer, failures
 * included, but keeps its own deadline (and asks again if the flight ran out of an earlier one).
 * The contact cache, when the policy turns it on: what cache-rules.ts allows to keep, in an
 * lru-cache in the container's memory (the package is required only then); nothing leaves it (no
 * logging, no persistence). A `fresh` lookup skips both and refreshes the cache. A shared or
 * cached answer has `attempts` 0.
 */

import type * as LruCache from 'lru-cache';
import { type LogFields, type Logger, logsDebug, requireOnDemand } from '../platform/index.js';
import {
  type CachePolicy,
  cacheEnabled,
  cacheKey,
  isDefinitive,
  replaces,
  servable,
  timeLeft,
} from './cache-rules.js';
import type { Identifier } from './identifier.js';
import type { ContactDirectory, DirectoryAnswer, LookupOptions } from './lookup.js';

interface SharedLookupsOptions {
  /** CONTACT_CACHE_*: a TTL of 0 keeps nothing (single flight only). */
  readonly policy: CachePolicy;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * What this file uses of lru-cache, and all that a bundle's copy of it exports (LAMBDA_SIDE_FILES,
 * infra/bundling.ts; test/infra/bundle-size.test.ts keeps the two lists equal).
 */
export type ContactCacheFunctions = Pick<typeof LruCache, 'LRUCache'>;

/** A request in flight, shared by every lookup of its identifier that comes meanwhile. */
interface Flight {
  readonly answer: Promise<DirectoryAnswer>;
  /** Its first caller's. */
  readonly deadlineAt: number;
  readonly correlationId: string | undefined;
}

const DEADLINE_PASSED: DirectoryAnswer = {
  ok: false,
  attempts: 0,
  failure: { kind: 'deadline' },
  source: 'shared',
};

/** A lookup's debug lines' context. */
function logContext(identifier: Identifier, lookup: LookupOptions): LogFields {
  return {
    identifier: identifier.masked,
    ...(lookup.correlationId === undefined ? {} : { correlationId: lookup.correlationId }),
  };
}

/** Another lookup's answer, reused: none of its requests are this lookup's own. */
function reused(answer: DirectoryAnswer, source: 'shared' | 'cache'): DirectoryAnswer {
  const { trail: _own, ...rest } = answer;
  return { ...rest, attempts: 0, source };
}

/** True when the flight ended for want of its own time, while the joiner had more. */
function endedByEarlierDeadline(answer: DirectoryAnswer, flight: Flight, deadlineAt: number) {
  return !answer.ok && answer.failure.kind === 'deadline' && flight.deadlineAt < deadlineAt;
}

export function shareLookups(
  directory: ContactDirectory,
  options: SharedLookupsOptions,
): ContactDirectory {
  const { policy, logger } = options;
  const now = options.now ?? (() => Date.now());
  const flights = new Map<string, Flight>();
  // Expired entries are dropped when read (no timer per entry keeps the loop alive), and the
  // clock is read on every check (`ttlResolution: 0`), so a fake clock in tests is exact.
  const cache = cacheEnabled(policy)
    ? new (requireOnDemand<ContactCacheFunctions>('lru-cache').LRUCache)<string, CachedAnswer>({
        max: Math.max(1, Math.floor(policy.maxEntries)),
        ttlAutopurge: false,
        ttlResolution: 0,
        perf: { now },
      })
    : null;

  /** Keeps a definitive answer (or drops what it makes out of date); failures change nothing. */
  function keep(key: string, answer: DirectoryAnswer, fetchedAt: number): void {
    if (cache === null || !isDefinitive(answer)) return;
    const entry = { answer: { ...answer, source: 'request' as const }, fetchedAt };
    if (!replaces(entry, cache.get(key))) return;
    const ttlMs = timeLeft(entry, policy, now());
    if (ttlMs > 0) cache.set(key, entry, { ttl: ttlMs });
    else cache.delete(key);
  }

  /** A flight has landed: the next lookup of its key starts one of its own. */
  function landed(key: string, flight: Flight): void {
    if (flights.get(key) === flight) flights.delete(key);
  }

  function startFlight(key: string, identifier: Identifier, lookup: LookupOptions): Flight {
    const fetchedAt = now();
    const answer = directory.getContact(identifier, lookup).then(
      (answered) => {
        landed(key, flight);
        keep(key, answered, fetchedAt);
        return answered;
      },
      (error: unknown) => {
        landed(key, flight);
        throw error;
      },
    );
    const flight: Flight = {
      answer,
      deadlineAt: lookup.deadlineAt,
      correlationId: lookup.correlationId,
    };
    flights.set(key, flight);
    return flight;
  }

  /** The flight's answer, or null once `deadlineAt` comes first. */
  function joined(flight: Flight, deadlineAt: number): Promise<DirectoryAnswer | null> {
    const waitMs = deadlineAt - now();
    if (waitMs <= 0) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      flight.answer.then(
        (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** A debug line, its fields built only when it is written. */
  function debug(message: string, fields: () => LogFields): void {
    if (logger !== undefined && logsDebug(logger)) logger.debug(message, fields());
  }

  function cached(key: string, lookup: LookupOptions): DirectoryAnswer | null {
    if (cache === null || lookup.fresh === true) return null;
    const kept = cache.get(key);
    if (kept === undefined || !servable(kept, policy, now())) return null;
    return reused(kept.answer, 'cache');
  }

  return {
    async getContact(identifier, lookup) {
      const key = cacheKey(identifier);
      for (;;) {
        const hit = cached(key, lookup);
        if (hit !== null) {
          debug('Answered from the contact cache', () => logContext(identifier, lookup));
          return hit;
        }
        const inFlight = lookup.fresh === true ? undefined : flights.get(key);
        if (inFlight === undefined) {
          const own = await startFlight(key, identifier, lookup).answer;
          return { ...own, source: 'request' };
        }
        debug('Sharing the request in flight for this identifier', () => ({
          ...logContext(identifier, lookup),
          ...(inFlight.correlationId === undefined ? {} : { sharedWith: inFlight.correlationId }),
        }));
        const shared = await joined(inFlight, lookup.deadlineAt);
        if (shared === null) return DEADLINE_PASSED;
        if (endedByEarlierDeadline(shared, inFlight, lookup.deadlineAt)) continue;
        return reused(shared, 'shared');
      }
    },
  };
}

/** An answer kept for reuse (a 200 or a 404). */
export interface CachedAnswer {
  readonly answer: DirectoryAnswer;
  /** Epoch ms its request started: its age counts from here. */
  readonly fetchedAt: number;
}
