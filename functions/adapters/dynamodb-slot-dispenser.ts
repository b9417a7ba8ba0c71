/**
 * The slot dispenser on DynamoDB: one item per organisation budget,
 * `{pk, nxt, resumeAt?, expiresAt}`, where `nxt` is the epoch ms of the next free slot. Each call
 * is one conditional UpdateItem (rarely two, plus a read when a refusal must say why):
 *
 * - busy claim: `SET nxt = nxt + :d` if `nxt BETWEEN :now AND :latest`; the new value says which
 *   slots are the caller's, `[nxt − d, nxt)`. Concurrent claims are serialised by DynamoDB, so
 *   every one that passes its condition gets slots of its own.
 * - idle claim: `SET nxt = :now + :d` if the item is new or `nxt < :now − :grace`; the slots start
 *   at the caller's now.
 * - resume announcement: `SET nxt = :z, resumeAt = :z` if no slot or pending resume is at or after
 *   it; every later claim gets slots from `:z` on.
 *
 * A failed condition returns the item (ReturnValuesOnConditionCheckFailure, which DynamoDB
 * honours); where it does not come back (dynalite), a strongly consistent GetItem reads it.
 * `expiresAt` (the table's TTL attribute) lets an unused budget item disappear after a day.
 *
 * Every request has its own short timeout and the client makes one attempt (no SDK retries):
 * the shared limiter decides what to do next. Any error other than a failed condition
 * (throttling, 5xx, timeouts, a missing table, access denied) is `unreachable`. Never throws.
 * The client is built on first use with the SDK defaults, so AWS_ENDPOINT_URL_DYNAMODB points it
 * at a local stand-in.
 */

import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BUDGET_ITEM_KEY,
  BUDGET_PARTITION_KEY,
  BUDGET_TTL_ATTRIBUTE,
} from '../core/budget-table.js';
import type {
  CoordinatorRequests,
  ResumeAnswer,
  SlotAnswer,
  SlotClaim,
  SlotDispenser,
} from '../core/ports.js';

export interface DynamoDbSlotDispenserOptions {
  readonly tableName: string;
  /** Timeout of one request, ms. */
  readonly timeoutMs: number;
  /** Timeout of the first request (it opens the connection). Default max(timeoutMs, 1000). */
  readonly firstCallTimeoutMs?: number;
  /** Default: a client with the SDK's defaults and a single attempt per request. */
  readonly client?: DynamoDBClient;
  /** The item's partition key value. Default BUDGET_ITEM_KEY. */
  readonly key?: string;
  /** Clock for the TTL attribute, epoch ms. Default Date.now. */
  readonly now?: () => number;
}

/** An item nobody wrote for this long may be deleted by DynamoDB's TTL. */
const ITEM_LIFETIME_SECONDS = 86_400;

interface ItemState {
  readonly next: number | null;
  readonly resumeAt: number | null;
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failed: 'condition'; readonly item: ItemState | null }
  | { readonly ok: false; readonly failed: 'error'; readonly reason: string };

const numberValue = (value: number): AttributeValue => ({ N: String(value) });

function readNumber(value: AttributeValue | undefined): number | null {
  if (value === undefined || value.N === undefined) return null;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : null;
}

function itemState(item: Record<string, AttributeValue> | undefined): ItemState {
  return { next: readNumber(item?.nxt), resumeAt: readNumber(item?.resumeAt) };
}

function errorReason(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return 'TimeoutError';
  return typeof name === 'string' ? name : 'Error';
}

/** The budget table's client: the SDK's defaults (AWS_ENDPOINT_URL_DYNAMODB works), one attempt. */
export function createBudgetTableClient(): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 1 });
}

export function createDynamoDbSlotDispenser(options: DynamoDbSlotDispenserOptions): SlotDispenser {
  const { tableName, timeoutMs } = options;
  const firstCallTimeoutMs = options.firstCallTimeoutMs ?? Math.max(timeoutMs, 1000);
  const clock = options.now ?? Date.now;
  const key = { [BUDGET_PARTITION_KEY]: { S: options.key ?? BUDGET_ITEM_KEY } };
  let client = options.client;
  let calls = 0;

  function dynamo(): DynamoDBClient {
    client ??= createBudgetTableClient();
    return client;
  }

  function signal(): AbortSignal {
    calls += 1;
    return AbortSignal.timeout(calls === 1 ? firstCallTimeoutMs : timeoutMs);
  }

  const expiresAt = () => numberValue(Math.floor(clock() / 1000) + ITEM_LIFETIME_SECONDS);

  async function update(
    expression: string,
    condition: string,
    values: Record<string, AttributeValue>,
  ): Promise<Outcome<ItemState>> {
    try {
      const answer = await dynamo().send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: `${expression}, ${BUDGET_TTL_ATTRIBUTE} = :ttl`,
          ConditionExpression: condition,
          ExpressionAttributeValues: { ...values, ':ttl': expiresAt() },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal() },
      );
      return { ok: true, value: itemState(answer.Attributes) };
    } catch (error) {
      if ((error as { name?: unknown })?.name === 'ConditionalCheckFailedException') {
        const item = (error as { Item?: Record<string, AttributeValue> }).Item;
        return {
          ok: false,
          failed: 'condition',
          item: item === undefined ? null : itemState(item),
        };
      }
      return { ok: false, failed: 'error', reason: errorReason(error) };
    }
  }

  async function read(): Promise<Outcome<ItemState>> {
    try {
      const answer = await dynamo().send(
        new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        { abortSignal: signal() },
      );
      return { ok: true, value: itemState(answer.Item) };
    } catch (error) {
      return { ok: false, failed: 'error', reason: errorReason(error) };
    }
  }

  function busy(claim: SlotClaim, span: number) {
    return update('SET nxt = nxt + :d', 'nxt BETWEEN :now AND :latest', {
      ':d': numberValue(span),
      ':now': numberValue(claim.now),
      ':latest': numberValue(claim.latestStartAt),
    });
  }

  function idle(claim: SlotClaim, span: number) {
    return update('SET nxt = :end', 'attribute_not_exists(nxt) OR nxt < :idleBefore', {
      ':end': numberValue(claim.now + span),
      ':idleBefore': numberValue(claim.now - claim.idleGraceMs),
    });
  }

  /** Which claim the item's state allows: idle, busy, or none (refused). */
  function allowed(claim: SlotClaim, state: ItemState): 'idle' | 'busy' | null {
    if (state.next === null || state.next < claim.now - claim.idleGraceMs) return 'idle';
    if (state.next >= claim.now && state.next <= claim.latestStartAt) return 'busy';
    return null;
  }

  return {
    async claim(claim) {
      const span = Number((claim.slots * claim.intervalMs).toFixed(3));
      const requests = { writes: 0, reads: 0 };
      const tried = new Set<'idle' | 'busy'>();
      let order: ('idle' | 'busy')[] = claim.knownBusy
        ? ['busy']
        : claim.idleFirst
          ? ['idle', 'busy']
          : ['busy', 'idle'];
      let known: ItemState | null = null;
      while (order.length > 0) {
        const path = order.shift() as 'idle' | 'busy';
        tried.add(path);
        requests.writes += 1;
        const outcome = path === 'busy' ? await busy(claim, span) : await idle(claim, span);
        if (outcome.ok) {
          const next = outcome.value.next ?? claim.now + span;
          const firstSlotAt = path === 'idle' ? claim.now : next - span;
          return { kind: 'granted', firstSlotAt, slots: claim.slots, next, ...requests };
        }
        if (outcome.failed === 'error') return unreachable(outcome.reason, requests);
        if (outcome.item !== null) {
          known = outcome.item;
          const possible = allowed(claim, known);
          order = possible !== null && !tried.has(possible) ? [possible] : [];
        }
      }
      if (known === null) {
        requests.reads += 1;
        const outcome = await read();
        if (!outcome.ok)
          return unreachable(outcome.failed === 'error' ? outcome.reason : '', requests);
        known = outcome.value;
      }
      return { kind: 'refused', next: known.next, ...requests };
    },

    async announceResume(now, resumeAt) {
      const requests = { writes: 1, reads: 0 };
      const outcome = await update(
        'SET nxt = :z, resumeAt = :z',
        'attribute_not_exists(nxt) OR (nxt < :z AND (attribute_not_exists(resumeAt) OR resumeAt < :now))',
        { ':z': numberValue(resumeAt), ':now': numberValue(now) },
      );
      if (outcome.ok) return { kind: 'resume', resumeAt, announced: true, ...requests };
      if (outcome.failed === 'error') return unreachable(outcome.reason, requests);
      let state = outcome.item;
      if (state === null) {
        requests.reads += 1;
        const answer = await read();
        if (!answer.ok)
          return unreachable(answer.failed === 'error' ? answer.reason : '', requests);
        state = answer.value;
      }
      // Another container's resume time stands, or slots are already given out beyond ours.
      const standing = Math.max(state.resumeAt ?? Number.NEGATIVE_INFINITY, state.next ?? resumeAt);
      return { kind: 'resume', resumeAt: standing, announced: false, ...requests };
    },
  };
}

function unreachable(
  reason: string,
  requests: CoordinatorRequests,
): SlotAnswer & ResumeAnswer & { kind: 'unreachable' } {
  return { kind: 'unreachable', reason, ...requests };
}
