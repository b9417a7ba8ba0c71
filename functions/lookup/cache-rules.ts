/**
 * The contact cache's rules, pure: what may be kept (a 200 with a contact, and a 404 when its own
 * TTL allows; never any other failure), for how long, under which key, and whether a kept answer
 * may still be served. shared-lookups.ts applies them.
 */

import type { CachePolicy } from '../settings/index.js';
import type { Identifier } from './identifier.js';
import type { DirectoryAnswer } from './lookup.js';
import { readContact } from './row.js';
import type { CachedAnswer } from './shared-lookups.js';

export type { CachePolicy };

/** True when the policy keeps anything at all. */
export function cacheEnabled(policy: CachePolicy): boolean {
  return policy.ttlMs > 0;
}

/** The key of an identifier: its canonical form, so every way of writing it shares one entry. */
export function cacheKey(identifier: Identifier): string {
  return identifier.canonical;
}

function isNotFound(answer: DirectoryAnswer): boolean {
  return !answer.ok && answer.failure.kind === 'http' && answer.failure.status === 404;
}

/**
 * True when an answer tells the contact's current state: found (a body that reads as a contact)
 * or not found. Such an answer replaces what the cache holds, or removes it when it may not be
 * kept itself; any other failure leaves the cache as it is.
 */
export function isDefinitive(answer: DirectoryAnswer): boolean {
  return answer.ok ? readContact(answer.body) !== null : isNotFound(answer);
}

/** How long an answer may be kept, ms from when its request started (0: not at all). */
export function keepFor(answer: DirectoryAnswer, policy: CachePolicy): number {
  if (!cacheEnabled(policy) || !isDefinitive(answer)) return 0;
  return answer.ok ? policy.ttlMs : Math.min(policy.notFoundTtlMs, policy.ttlMs);
}

/** Milliseconds a kept answer may still be served at `now`; 0 or less: no longer. */
export function timeLeft(entry: CachedAnswer, policy: CachePolicy, now: number): number {
  const age = now - entry.fetchedAt;
  // A clock that went back cannot tell the age: treat the entry as expired.
  if (age < 0) return 0;
  return keepFor(entry.answer, policy) - age;
}

/** True when a kept answer is younger than its TTL at `now`: it may be served. */
export function servable(entry: CachedAnswer, policy: CachePolicy, now: number): boolean {
  return timeLeft(entry, policy, now) > 0;
}

/**
 * True when `next` may replace `kept`: it is at least as recent, so that a slow request that
 * started earlier never overwrites a fresher answer.
 */
export function replaces(next: CachedAnswer, kept: CachedAnswer | undefined): boolean {
  return kept === undefined || next.fetchedAt >= kept.fetchedAt;
}
