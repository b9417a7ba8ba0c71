/**
 * The batch engine of both batch functions (functions/batches/engine.ts): the bounded pool
 * (every item once, in index order, never more than the limit in flight), the rounds for rows
 * that fail transiently, which answer a row ends with, and what the batch cost upstream.
 */

import { describe, expect, it } from '@jest/globals';
import {
  lookupRows,
  maxInFlightFor,
  runBounded,
  upstreamOf,
} from '../../functions/batches/engine.js';
import type { ContactDirectory, DirectoryAnswer } from '../../functions/lookup/lookup.js';
import type { Attempt } from '../../functions/lookup/respondio.js';
import { identifiers } from '../support/identifiers.js';

/** Work that ends only when released, recording what is in flight. */
function gatedWork() {
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  let inFlight = 0;
  let most = 0;
  const work = (index: number) =>
    new Promise<void>((resolve) => {
      started.push(index);
      inFlight += 1;
      most = Math.max(most, inFlight);
      gates.set(index, () => {
        inFlight -= 1;
        resolve();
      });
    });
  return { started, gates, work, most: () => most };
}

describe('the bounded pool', () => {
  it('starts items in index order, at most `limit` at once, and ends when all have', async () => {
    // Prepare
    const { started, gates, work, most } = gatedWork();
    // Act
    const pool = runBounded(5, 2, work);
    await Promise.resolve();
    const first = [...started];
    for (let index = 0; index < 5; index += 1) {
      while (!gates.has(index)) await Promise.resolve();
      gates.get(index)?.();
    }
    await pool;
    // Assess
    expect(first).toEqual([0, 1]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most()).toBe(2);
  });

  it('runs nothing for no items, and one at a time for a limit below 1', async () => {
    // Prepare
    const seen: number[] = [];
    // Act
    await runBounded(0, 3, async (index) => {
      seen.push(index);
    });
    await runBounded(3, 0, async (index) => {
      seen.push(index);
    });
    // Assess
    expect(seen).toEqual([0, 1, 2]);
  });
});

const attempt = (status: Attempt['status'], willRetry = false): Attempt => ({
  status,
  latencyMs: 40,
  willRetry,
  waitMs: 0,
});
const FOUND: DirectoryAnswer = { ok: true, attempts: 1, body: { id: 1 }, trail: [attempt(200)] };
const BUSY: DirectoryAnswer = {
  ok: false,
  attempts: 2,
  failure: { kind: 'http', status: 503 },
  trail: [attempt(429, true), attempt(503)],
};
const NO_SLOT: DirectoryAnswer = { ok: false, attempts: 0, failure: { kind: 'deadline' } };

/** A directory that answers each identifier from its script in turn (the last answer repeats). */
function scriptedDirectory(script: Record<string, DirectoryAnswer[]>) {
  const asked: string[] = [];
  const directory: ContactDirectory = {
    async getContact(identifier) {
      asked.push(identifier.pathSegment);
      const answers = script[identifier.pathSegment] ?? [FOUND];
      const seen = asked.filter((segment) => segment === identifier.pathSegment).length;
      const answer = answers[Math.min(seen, answers.length) - 1] as DirectoryAnswer;
      return answer;
    },
  };
  return { directory, asked };
}

const rows = (...ids: string[]) =>
  ids.map((id, index) => ({ identifier: id, correlationId: `row-${index}` }));
const run = { deadlineAt: Number.MAX_SAFE_INTEGER, maxInFlight: 4, rowBudgetMs: 0 };

describe('lookupRows', () => {
  it('answers every row once in a single round, and counts the requests of their trails', async () => {
    // Prepare
    const { directory, asked } = scriptedDirectory({ 'id:2': [BUSY] });
    const finals: number[] = [];
    // Act
    const looked = await lookupRows(
      rows('id:1', 'id:2'),
      { identifiers, directory },
      {
        ...run,
        onRow: (index) => finals.push(index),
      },
    );
    // Assess
    expect(asked).toEqual(['id:1', 'id:2']);
    expect(looked.answers.map((answer) => answer?.row.StatusCode)).toEqual([200, 503]);
    expect(finals.sort()).toEqual([0, 1]);
    expect(looked.upstream).toEqual({
      requests: 3,
      retries: 1,
      throttled: 1,
      latenciesMs: [40, 40, 40],
    });
    expect(looked.rerun).toBe(0);
  });

  it('gives rows that fail transiently further rounds, after the waits, until they end', async () => {
    // Prepare
    const { directory, asked } = scriptedDirectory({ 'id:2': [BUSY, FOUND], 'id:3': [BUSY] });
    const waited: number[] = [];
    // Act
    const looked = await lookupRows(
      rows('id:1', 'id:2', 'id:3'),
      { identifiers, directory },
      {
        ...run,
        roundWaitsMs: [10, 20],
        sleep: async (ms) => {
          waited.push(ms);
        },
      },
    );
    // Assess
    expect(asked).toEqual(['id:1', 'id:2', 'id:3', 'id:2', 'id:3', 'id:3']);
    expect(waited).toEqual([10, 20]);
    expect(looked.rerun).toBe(3);
    expect(looked.answers.map((answer) => answer?.row.StatusCode)).toEqual([200, 200, 503]);
  });

  it('keeps the latest answer that made a request over a later one that made none', async () => {
    // Prepare
    const { directory } = scriptedDirectory({ 'id:1': [BUSY, NO_SLOT] });
    // Act
    const looked = await lookupRows(
      rows('id:1'),
      { identifiers, directory },
      {
        ...run,
        roundWaitsMs: [0],
        sleep: async () => undefined,
      },
    );
    // Assess
    expect(looked.answers[0]).toMatchObject({ attempts: 2, row: { StatusCode: 503 } });
  });

  it('starts no row once the deadline is too close, and no round it has no time for', async () => {
    // Prepare
    let clock = 1000;
    const { directory, asked } = scriptedDirectory({ 'id:1': [BUSY] });
    const slow: ContactDirectory = {
      async getContact(identifier, options) {
        clock += 600;
        return directory.getContact(identifier, options);
      },
    };
    const finals: [number, unknown][] = [];
    // Act
    const looked = await lookupRows(
      rows('id:1', 'id:2'),
      { identifiers, directory: slow },
      {
        deadlineAt: 2000,
        maxInFlight: 1,
        rowBudgetMs: 500,
        roundWaitsMs: [0],
        sleep: async () => undefined,
        now: () => clock,
        onRow: (index, answer) => finals.push([index, answer?.row.StatusCode ?? null]),
      },
    );
    // Assess
    expect(asked).toEqual(['id:1']);
    expect(looked.answers[1]).toBeNull();
    expect(finals.sort()).toEqual([
      [0, 503],
      [1, null],
    ]);
    expect(looked.rerun).toBe(0);
  });

  it('turns a lookup that throws into a retryable 500, and counts cached and shared rows', async () => {
    // Prepare
    const directory: ContactDirectory = {
      async getContact(identifier) {
        if (identifier.pathSegment === 'id:1') throw new Error('a bug of ours');
        const source = identifier.pathSegment === 'id:2' ? 'cache' : 'shared';
        return { ok: true, attempts: 0, body: { id: 1 }, source };
      },
    };
    // Act
    const looked = await lookupRows(rows('id:1', 'id:2', 'id:3'), { identifiers, directory }, run);
    // Assess
    expect(looked.answers[0]).toMatchObject({
      kind: 'failed',
      failure: { statusCode: 500, retryable: true },
    });
    expect(looked.cacheHits).toBe(1);
    expect(looked.coalesced).toBe(1);
    expect(looked.upstream.requests).toBe(0);
  });
});

describe('maxInFlightFor and upstreamOf', () => {
  it('keeps two seconds of requests in flight, at least 2', () => {
    // Act & Assess
    expect(maxInFlightFor(0)).toBe(2);
    expect(maxInFlightFor(0.4)).toBe(2);
    expect(maxInFlightFor(5)).toBe(10);
    expect(maxInFlightFor(7.2)).toBe(15);
  });

  it('sums nothing for no answers', () => {
    // Act & Assess
    expect(upstreamOf([])).toEqual({ requests: 0, retries: 0, throttled: 0, latenciesMs: [] });
  });
});
