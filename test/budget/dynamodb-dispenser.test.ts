/**
 * The DynamoDB slot dispenser against dynalite over the real DynamoDB JSON protocol: claims,
 * contention between several clients, the horizon refusal, expiry of a stale item, the resume
 * announcement, and faults (a missing table, throttling, errors, a hanging coordinator).
 */

import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFaultyDynamoDb } from '../../bench/soak/faulty-dynamodb.js';
import { BUDGET_ITEM_KEY } from '../../functions/budget/budget-table.js';
import type { SlotClaim } from '../../functions/budget/dispenser.js';
import { createDynamoDbSlotDispenser } from '../../functions/budget/dynamodb-dispenser.js';
import {
  createBudgetTable,
  type DynamoDbStandIn,
  localDynamoDbClient,
  startDynamoDbStandIn,
} from '../../local/dynamodb-stand-in.js';

const INTERVAL = 21;
/** The rate an item holds before any change: nothing learned, version 0. */
const UNLEARNED_RATE = { rate: 0, peak: 0, since: 0, cap: null, version: 0 };
let standIn: DynamoDbStandIn;
let admin: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  standIn = await startDynamoDbStandIn({ tables: [] });
  admin = localDynamoDbClient(standIn.url);
});

afterAll(async () => {
  admin.destroy();
  await standIn.close();
});

/** A fresh table per test, so that each one starts without an item. */
async function freshTable(): Promise<string> {
  tables += 1;
  const name = `budget-test-${tables}`;
  await createBudgetTable(admin, name);
  return name;
}

/**
 * A dispenser on its own client. Its timeout is long: these tests are about the item's logic, and
 * dynalite answers inside this (possibly busy) process, so a short one would turn a slow answer
 * into `unreachable`. Only the timeout test gives a short one (its first call still gets the long
 * one, as a connection's first call does).
 */
function dispenserOn(tableName: string, url = standIn.url, timeoutMs = 10_000) {
  const client = localDynamoDbClient(url);
  return {
    client,
    dispenser: createDynamoDbSlotDispenser({
      tableName,
      timeoutMs,
      firstCallTimeoutMs: 10_000,
      client,
    }),
  };
}

function claimAt(now: number, extra: Partial<SlotClaim> = {}): SlotClaim {
  return {
    now,
    slots: 1,
    intervalMs: INTERVAL,
    latestStartAt: now + 1000,
    idleGraceMs: 0,
    knownBusy: false,
    idleFirst: true,
    rateVersion: 0,
    ...extra,
  };
}

describe('the DynamoDB slot dispenser on dynalite', () => {
  it('starts a new budget at the caller’s now, then hands out the following slots in order', async () => {
    // Prepare
    const table = await freshTable();
    const { client, dispenser } = dispenserOn(table);
    const now = 1_700_000_000_000;
    // Act
    const first = await dispenser.claim(claimAt(now));
    const second = await dispenser.claim(claimAt(now + 1, { idleFirst: false, slots: 3 }));
    const stored = await admin.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: BUDGET_ITEM_KEY } },
        ConsistentRead: true,
      }),
    );
    client.destroy();
    // Assess
    expect(first).toEqual({
      kind: 'granted',
      firstSlotAt: now,
      slots: 1,
      next: now + 21,
      rate: UNLEARNED_RATE,
      writes: 1,
      reads: 0,
    });
    expect(second).toEqual({
      kind: 'granted',
      firstSlotAt: now + 21,
      slots: 3,
      next: now + 84,
      rate: UNLEARNED_RATE,
      writes: 1,
      reads: 0,
    });
    expect(stored.Item?.nxt).toEqual({ N: String(now + 84) });
    // The TTL attribute: a day after the last write (the clock is the machine's).
    const expiresAt = Number(stored.Item?.expiresAt?.N);
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000 + 86_000);
  });

  it('gives every one of several clients claiming at once slots of its own, one interval apart', async () => {
    // Prepare: five clients (five containers), twenty claims each, all at once, after a first one.
    const table = await freshTable();
    const clients = Array.from({ length: 5 }, () => dispenserOn(table));
    const now = Date.now();
    const first = await clients[0]?.dispenser.claim(claimAt(now));
    // Act
    const answers = await Promise.all(
      clients.flatMap(({ dispenser }) =>
        Array.from({ length: 20 }, () =>
          dispenser.claim(claimAt(now, { latestStartAt: now + 10_000, idleFirst: false })),
        ),
      ),
    );
    answers.push(first as never);
    for (const { client } of clients) client.destroy();
    // Assess
    const slots = answers
      .map((answer) => (answer.kind === 'granted' ? answer.firstSlotAt : Number.NaN))
      .sort((a, b) => a - b);
    expect(answers.every((answer) => answer.kind === 'granted')).toBe(true);
    expect(new Set(slots).size).toBe(101);
    for (let index = 1; index < slots.length; index += 1) {
      expect((slots[index] as number) - (slots[index - 1] as number)).toBeGreaterThanOrEqual(
        INTERVAL - 1e-6,
      );
    }
    // No gaps either: the slots are back to back from the first one.
    expect(slots[0]).toBe(now);
    expect((slots[100] as number) - now).toBeCloseTo(100 * INTERVAL, 3);
  });

  it('refuses a claim whose first free slot lies beyond its horizon, and says where it is', async () => {
    // Prepare
    const table = await freshTable();
    const { client, dispenser } = dispenserOn(table);
    const now = Date.now();
    await dispenser.claim(claimAt(now, { slots: 10 }));
    // Act: the next free slot is 210 ms ahead; this claim accepts at most 10 ms.
    const refused = await dispenser.claim(
      claimAt(now, { latestStartAt: now + 10, knownBusy: true, idleFirst: false }),
    );
    client.destroy();
    // Assess: dynalite does not return the item with the failed condition, so it was read.
    expect(refused).toEqual({
      kind: 'refused',
      next: now + 210,
      rate: UNLEARNED_RATE,
      writes: 1,
      reads: 1,
    });
  });

  it('starts afresh once the next free slot has passed, but leaves a just-passed one to a slower clock', async () => {
    // Prepare
    const table = await freshTable();
    const { client, dispenser } = dispenserOn(table);
    const now = Date.now();
    await dispenser.claim(claimAt(now));
    // Act: 10 ms after the free slot (now + 21), once within a 20 ms grace, once without one.
    const withinGrace = await dispenser.claim(claimAt(now + 31, { idleGraceMs: 20 }));
    const expired = await dispenser.claim(claimAt(now + 31));
    client.destroy();
    // Assess
    expect(withinGrace).toMatchObject({ kind: 'refused', next: now + 21 });
    expect(expired).toMatchObject({ kind: 'granted', firstSlotAt: now + 31, next: now + 52 });
  });

  it('announces one resume time for everybody; later claims get slots from it on', async () => {
    // Prepare
    const table = await freshTable();
    const one = dispenserOn(table);
    const other = dispenserOn(table);
    const now = Date.now();
    await one.dispenser.claim(claimAt(now));
    // Act
    const announced = await one.dispenser.announceResume(now + 100, now + 2300);
    const learned = await other.dispenser.announceResume(now + 200, now + 2400);
    const tooEarly = await other.dispenser.claim(
      claimAt(now + 300, { knownBusy: true, idleFirst: false }),
    );
    const inReach = await other.dispenser.claim(
      claimAt(now + 1400, { knownBusy: true, idleFirst: false }),
    );
    one.client.destroy();
    other.client.destroy();
    // Assess
    expect(announced).toMatchObject({ kind: 'resume', resumeAt: now + 2300, announced: true });
    expect(learned).toMatchObject({ kind: 'resume', resumeAt: now + 2300, announced: false });
    expect(tooEarly).toMatchObject({ kind: 'refused', next: now + 2300 });
    expect(inReach).toMatchObject({ kind: 'granted', firstSlotAt: now + 2300 });
  });

  it('lets exactly one of several clients changing the learned rate at once win; the others learn its change', async () => {
    // Prepare: five containers, each with its own cut, all over version 0.
    const table = await freshTable();
    const clients = Array.from({ length: 5 }, () => dispenserOn(table));
    const now = Date.now();
    // Act
    const answers = await Promise.all(
      clients.map(({ dispenser }, index) =>
        dispenser.changeRate(now, 0, { rate: 10 + index, peak: 20, since: now + index, cap: 18 }),
      ),
    );
    // Assess
    const changed = answers.filter((answer) => answer.kind === 'changed');
    expect(changed).toHaveLength(1);
    const winner = changed[0]?.kind === 'changed' ? changed[0].rate : null;
    expect(winner).toMatchObject({ peak: 20, cap: 18, version: 1 });
    for (const answer of answers.filter((each) => each.kind !== 'changed')) {
      expect(answer).toMatchObject({ kind: 'stale', rate: winner });
    }
    // A claim spaced for version 0 is stale; one for version 1 is granted and says the rate.
    const stale = await clients[0]?.dispenser.claim(claimAt(now));
    const granted = await clients[1]?.dispenser.claim(claimAt(now, { rateVersion: 1 }));
    // The next change goes over version 1; a cap of null removes the cap.
    const lifted = await clients[2]?.dispenser.changeRate(now, 1, {
      rate: 12,
      peak: 20,
      since: now + 10,
      cap: null,
    });
    for (const { client } of clients) client.destroy();
    expect(stale).toMatchObject({ kind: 'stale', rate: winner });
    expect(granted).toMatchObject({ kind: 'granted', firstSlotAt: now, rate: winner });
    expect(lifted).toMatchObject({
      kind: 'changed',
      rate: { rate: 12, peak: 20, since: now + 10, cap: null, version: 2 },
    });
  });

  it('holds the budget: no slot before the hold’s end, unless slots already go beyond it', async () => {
    // Prepare
    const table = await freshTable();
    const { client, dispenser } = dispenserOn(table);
    const now = Date.now();
    await dispenser.claim(claimAt(now));
    // Act
    const held = await dispenser.hold(now, now + 1000);
    const afterHold = await dispenser.claim(
      claimAt(now + 5, { latestStartAt: now + 2000, knownBusy: true, idleFirst: false }),
    );
    const earlier = await dispenser.hold(now, now + 500);
    client.destroy();
    // Assess
    expect(held).toMatchObject({ kind: 'held', writes: 1 });
    expect(afterHold).toMatchObject({ kind: 'granted', firstSlotAt: now + 1000 });
    expect(earlier).toMatchObject({ kind: 'later' });
  });

  it('calls a missing table unreachable, with the error’s name and no retry', async () => {
    // Prepare
    const { client, dispenser } = dispenserOn('no-such-budget-table');
    // Act
    const claimed = await dispenser.claim(claimAt(Date.now()));
    const announced = await dispenser.announceResume(Date.now(), Date.now() + 2000);
    client.destroy();
    // Assess
    expect(claimed).toEqual({
      kind: 'unreachable',
      reason: 'ResourceNotFoundException',
      writes: 1,
      reads: 0,
    });
    expect(announced).toMatchObject({ kind: 'unreachable', reason: 'ResourceNotFoundException' });
  });

  it('calls throttling and server errors unreachable after one request each (no SDK retry storm)', async () => {
    // Prepare
    const table = await freshTable();
    const front = await startFaultyDynamoDb({ upstream: standIn.url, seed: 1 });
    const { client, dispenser } = dispenserOn(table, front.url);
    // Act
    front.setRates({ throttle: 1, error: 0, slow: 0 });
    const throttled = await dispenser.claim(claimAt(Date.now()));
    front.setRates({ throttle: 0, error: 1, slow: 0 });
    const failed = await dispenser.claim(claimAt(Date.now()));
    front.setRates({ throttle: 0, error: 0, slow: 0 });
    const recovered = await dispenser.claim(claimAt(Date.now()));
    const counts = front.counts();
    client.destroy();
    await front.close();
    // Assess
    expect(throttled).toMatchObject({ kind: 'unreachable', reason: 'ThrottlingException' });
    expect(failed).toMatchObject({ kind: 'unreachable', reason: 'InternalServerError' });
    expect(recovered).toMatchObject({ kind: 'granted' });
    expect(counts.requests).toBe(3);
  });

  it('gives up on a coordinator that does not answer within its timeout', async () => {
    // Prepare: the first call may take the connection time; the next ones get 150 ms.
    const table = await freshTable();
    const hangMs = 20_000;
    const front = await startFaultyDynamoDb({ upstream: standIn.url, seed: 2, hangMs });
    const { client, dispenser } = dispenserOn(table, front.url, 150);
    await dispenser.claim(claimAt(Date.now()));
    front.setOutage(true);
    // Act
    const startedAt = performance.now();
    const answer = await dispenser.claim(claimAt(Date.now(), { knownBusy: true }));
    const elapsed = performance.now() - startedAt;
    client.destroy();
    await front.close();
    // Assess
    expect(answer).toMatchObject({ kind: 'unreachable', reason: 'TimeoutError', writes: 1 });
    // Not before its timeout (a timer fires no earlier, give or take rounding), and well before
    // the coordinator's answer would have come: that it gave up is the point, not how promptly.
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(hangMs);
  });
});
