/**
 * The other design of the shared budget, built only to measure it against the slot dispenser in
 * `npm run bench` (section `coordinator`); it is not used by the functions.
 *
 * Rate leases: each container leases a whole number of requests per second for LEASE_MS and
 * paces its own starts at that rate (like the static limiter, 3% guard). The leases live in one
 * DynamoDB item, `{pk, v, leases: {id: {r, w, e, p, c}}}` (rate, wanted rate, expiry, previous rate,
 * changed at), written with optimistic concurrency (`v = :v`). A container renews every half
 * lease: it reads the item, water-fills the budget over the wanted rates of the live leases, and
 * takes its fill, but never more than what the others leave free now (they shrink to their own
 * fill at their next renewal). A lease counts until a second (plus skew) after it expired or
 * shrank, since its holder's last second of starts is still in the window. A container with
 * nothing to do keeps renewing for KEEP_MS, then stops, so its lease runs out (a frozen Lambda
 * container cannot give it back any sooner).
 */

import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { RateLimiter, StartHook } from '../functions/budget/index.js';

export const LEASE_MS = 2000;
const RENEW_MS = LEASE_MS / 2;
const GUARD = 0.03;
/** A container keeps its lease this long after its last request. */
const KEEP_MS = 5000;
/** A container without a rate asks again this soon. */
const RETRY_MS = 200;
const KEY = { pk: { S: 'rate-leases' } };

interface Lease {
  readonly r: number;
  readonly w: number;
  readonly e: number;
  readonly p: number;
  readonly c: number;
}

export interface RateLeaseOptions {
  readonly id: string;
  readonly lane: 'api' | 'batch';
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly rps: number;
  readonly clockSkewMs: number;
  readonly now?: () => number;
  /** Told each start (the coordinator's requests are counted on its DynamoDB client). */
  readonly onStart?: StartHook;
}

/** Water-filling: each wanted rate gets at most an equal part of what is left, in whole requests/s. */
export function waterFill(budget: number, wants: ReadonlyMap<string, number>): Map<string, number> {
  const fill = new Map<string, number>();
  let left = Math.floor(budget);
  const open = [...wants].filter(([, want]) => want > 0).sort((a, b) => a[1] - b[1]);
  while (open.length > 0) {
    const part = Math.floor(left / open.length);
    const [id, want] = open[0] as [string, number];
    if (want <= part || part === 0) {
      const given = Math.min(want, Math.max(part, left > 0 && part === 0 ? 1 : 0));
      fill.set(id, given);
      left -= given;
      open.shift();
    } else {
      for (const [other] of open) fill.set(other, part);
      left -= part * open.length;
      break;
    }
  }
  return fill;
}

export function createRateLeaseLimiter(options: RateLeaseOptions): RateLimiter {
  const { id, client, tableName, rps, lane, onStart } = options;
  const now = options.now ?? Date.now;
  const countedFor = 1000 + 2 * options.clockSkewMs;
  let rate = 0;
  let lastStart = Number.NEGATIVE_INFINITY;
  let holdUntil = Number.NEGATIVE_INFINITY;
  let renewing: Promise<void> | null = null;
  let renewedAt = Number.NEGATIVE_INFINITY;
  let nextRenewAt = Number.NEGATIVE_INFINITY;
  let version = 0;
  const waiters: { deadlineAt: number; enqueuedAt: number; resolve: (ok: boolean) => void }[] = [];
  let pumping = false;
  let lastDemandAt = Number.NEGATIVE_INFINITY;
  let keeping = false;

  function occupied(lease: Lease, at: number): number {
    if (lease.e + countedFor <= at) return 0;
    return lease.c + countedFor > at ? Math.max(lease.r, lease.p) : lease.r;
  }

  async function renew(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const read = await client.send(
        new GetItemCommand({ TableName: tableName, Key: KEY, ConsistentRead: true }),
      );
      const at = now();
      const item = read.Item;
      version = Number(item?.v?.N ?? 0);
      const leases = new Map<string, Lease>();
      for (const [holder, value] of Object.entries(item?.leases?.M ?? {})) {
        const m = value.M ?? {};
        leases.set(holder, {
          r: Number(m.r?.N ?? 0),
          w: Number(m.w?.N ?? 0),
          e: Number(m.e?.N ?? 0),
          p: Number(m.p?.N ?? 0),
          c: Number(m.c?.N ?? 0),
        });
      }
      // Every container wants what it could use (a lookup container as much as a batch one: it
      // cannot know how many lookups come next), and water-filling shares the budget fairly.
      const want = Math.floor(rps);
      const wants = new Map<string, number>([[id, want]]);
      let othersHold = 0;
      for (const [holder, lease] of leases) {
        if (holder === id) continue;
        othersHold += occupied(lease, at);
        if (lease.e > at) wants.set(holder, lease.w);
      }
      const fill = waterFill(rps, wants).get(id) ?? 0;
      const free = Math.max(0, Math.floor(rps) - othersHold);
      const next = Math.min(fill, free);
      const own = leases.get(id);
      const lease: Lease = {
        r: next,
        w: want,
        e: at + LEASE_MS,
        p: next < rate ? rate : (own?.p ?? 0),
        c: next < rate ? at : (own?.c ?? 0),
      };
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: KEY,
            UpdateExpression: item?.leases
              ? 'SET v = :next, leases.#me = :lease'
              : 'SET v = :next, leases = :map',
            ConditionExpression: item ? 'v = :v' : 'attribute_not_exists(v)',
            ExpressionAttributeNames: item?.leases ? { '#me': id } : undefined,
            ExpressionAttributeValues: {
              ':next': { N: String(version + 1) },
              ...(item ? { ':v': { N: String(version) } } : {}),
              ...(item?.leases
                ? { ':lease': leaseValue(lease) }
                : { ':map': { M: { [id]: leaseValue(lease) } } }),
            },
          }),
        );
        rate = next;
        renewedAt = at;
        // Without a rate (the others hold the budget), ask again soon; with one, every half lease.
        nextRenewAt = at + (next > 0 ? RENEW_MS : RETRY_MS);
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  function ensureRenewal(): Promise<void> {
    if (renewing === null && now() >= nextRenewAt) {
      renewing = renew()
        .catch(() => {
          rate = 0;
          nextRenewAt = now() + RETRY_MS;
        })
        .finally(() => {
          renewing = null;
        });
    }
    return renewing ?? Promise.resolve();
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (waiters.length > 0) {
        const at = now();
        for (let index = waiters.length - 1; index >= 0; index -= 1) {
          const waiter = waiters[index];
          if (waiter !== undefined && waiter.deadlineAt < at) {
            waiters.splice(index, 1);
            waiter.resolve(false);
          }
        }
        const head = waiters[0];
        if (head === undefined) break;
        void ensureRenewal();
        if (renewing !== null && rate === 0) {
          await renewing;
          continue;
        }
        if (rate === 0 || now() - renewedAt > LEASE_MS) {
          await sleep(Math.max(nextRenewAt - now(), 5));
          continue;
        }
        const startAt = Math.max(lastStart + (1000 * (1 + GUARD)) / rate, holdUntil);
        if (now() < startAt) {
          await sleep(Math.min(startAt - now(), 50));
          continue;
        }
        waiters.shift();
        lastStart = now();
        onStart?.({
          lane,
          at: lastStart,
          waitMs: lastStart - head.enqueuedAt,
          coordinated: true,
        });
        head.resolve(true);
      }
    } finally {
      pumping = false;
    }
  }

  /**
   * Keeps the lease renewed for KEEP_MS after the last request, so that a container serving one
   * lookup at a time does not lose its rate between two lookups (and wait for a new one).
   */
  async function keepLease(): Promise<void> {
    if (keeping) return;
    keeping = true;
    try {
      while (now() - lastDemandAt < KEEP_MS) {
        await ensureRenewal();
        await sleep(Math.max(nextRenewAt - now(), 5));
      }
    } finally {
      keeping = false;
    }
  }

  return {
    acquire(deadlineAt) {
      const at = now();
      lastDemandAt = at;
      void keepLease();
      return new Promise<boolean>((resolve) => {
        waiters.push({ deadlineAt, enqueuedAt: at, resolve });
        void pump();
      });
    },
    feedback(answer) {
      if (answer.status === 429 && answer.holdMs > 0) {
        holdUntil = Math.max(holdUntil, now() + answer.holdMs);
      }
    },
    rate: () => rps,
  };
}

function leaseValue(lease: Lease) {
  return {
    M: {
      r: { N: String(lease.r) },
      w: { N: String(lease.w) },
      e: { N: String(lease.e) },
      p: { N: String(lease.p) },
      c: { N: String(lease.c) },
    },
  };
}

/** A sleep that does not keep the process alive (the lease loop may outlive a benchmark run). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(1, ms)).unref());
}
