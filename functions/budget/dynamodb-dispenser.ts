/**
 * The slot dispenser on DynamoDB: one item, `nxt` the epoch ms of the next free slot, beside the
 * learned rate and its version `rv`. Each call is one conditional UpdateItem (rarely two, plus a
 * consistent read where a failed condition does not return the item, as in dynalite); DynamoDB
 * serialises them, so every claim that passes its condition gets slots of its own, and every
 * claim and rate change is checked against `rv`. Each request has its own short timeout and one
 * attempt: any error but a failed condition is `unreachable`, and the shared limiter decides what
 * next. Never throws.
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
  ITEM_LIFETIME_SECONDS,
  type ItemState,
  itemState,
  numberValue,
  sameVersion,
} from './budget-table.js';
import type { CoordinatorRequests, SlotClaim, SlotDispenser } from './dispenser.js';

interface DynamoDbSlotDispenserOptions {
  readonly tableName: string;
  /** Timeout of one request, ms. */
  readonly timeoutMs: number;
  /** Timeout of the first request (it opens the connection). Default max(timeoutMs, 1000). */
  readonly firstCallTimeoutMs?: number;
  /** Default: createBudgetTableClient(). */
  readonly client?: DynamoDBClient;
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failed: 'condition'; readonly item: ItemState | null }
  | { readonly ok: false; readonly failed: 'error'; readonly reason: string };

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
  const key = { [BUDGET_PARTITION_KEY]: { S: BUDGET_ITEM_KEY } };
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

  const expiresAt = () => numberValue(Math.floor(Date.now() / 1000) + ITEM_LIFETIME_SECONDS);

  async function update(
    expression: string,
    condition: string,
    values: Record<string, AttributeValue>,
    remove = '',
  ): Promise<Outcome<ItemState>> {
    try {
      const answer = await dynamo().send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: `${expression}, ${BUDGET_TTL_ATTRIBUTE} = :ttl${remove}`,
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

  /** The item as a failed condition returned it, or (where it did not: dynalite) as read. */
  async function itemAfter(
    item: ItemState | null,
    requests: { writes: number; reads: number },
  ): Promise<ItemState | string> {
    if (item !== null) return item;
    requests.reads += 1;
    const answer = await read();
    if (answer.ok) return answer.value;
    return answer.failed === 'error' ? answer.reason : '';
  }

  function busy(claim: SlotClaim, span: number) {
    const version = sameVersion(claim.rateVersion);
    return update('SET nxt = nxt + :d', `(nxt BETWEEN :now AND :latest) AND ${version.condition}`, {
      ':d': numberValue(span),
      ':now': numberValue(claim.now),
      ':latest': numberValue(claim.latestStartAt),
      ...version.values,
    });
  }

  function idle(claim: SlotClaim, span: number) {
    const version = sameVersion(claim.rateVersion);
    return update(
      'SET nxt = :end',
      `(attribute_not_exists(nxt) OR nxt < :idleBefore) AND ${version.condition}`,
      {
        ':end': numberValue(claim.now + span),
        ':idleBefore': numberValue(claim.now - claim.idleGraceMs),
        ...version.values,
      },
    );
  }

  /** Which claim the item's state allows: idle, busy, none (refused), or stale (another rate). */
  function allowed(claim: SlotClaim, state: ItemState): 'idle' | 'busy' | 'stale' | null {
    if (state.rate.version !== claim.rateVersion) return 'stale';
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
          const rate = outcome.value.rate;
          return { kind: 'granted', firstSlotAt, slots: claim.slots, next, rate, ...requests };
        }
        if (outcome.failed === 'error') return unreachable(outcome.reason, requests);
        if (outcome.item !== null) {
          known = outcome.item;
          const possible = allowed(claim, known);
          if (possible === 'stale') return { kind: 'stale', rate: known.rate, ...requests };
          order = possible !== null && !tried.has(possible) ? [possible] : [];
        }
      }
      if (known === null) {
        const state = await itemAfter(null, requests);
        if (typeof state === 'string') return unreachable(state, requests);
        if (allowed(claim, state) === 'stale')
          return { kind: 'stale', rate: state.rate, ...requests };
        known = state;
      }
      return { kind: 'refused', next: known.next, rate: known.rate, ...requests };
    },

    async changeRate(_now, version, next) {
      const requests = { writes: 1, reads: 0 };
      const condition = sameVersion(version);
      const outcome = await update(
        'SET rate = :rate, peak = :peak, since = :since, rv = :next' +
          (next.cap === null ? '' : ', cap = :cap'),
        condition.condition,
        {
          ':rate': numberValue(next.rate),
          ':peak': numberValue(next.peak),
          ':since': numberValue(next.since),
          ':next': numberValue(version + 1),
          ...(next.cap === null ? {} : { ':cap': numberValue(next.cap) }),
          ...condition.values,
        },
        next.cap === null ? ' REMOVE cap' : '',
      );
      if (outcome.ok) return { kind: 'changed', rate: outcome.value.rate, ...requests };
      if (outcome.failed === 'error') return unreachable(outcome.reason, requests);
      const state = await itemAfter(outcome.item, requests);
      if (typeof state === 'string') return unreachable(state, requests);
      return { kind: 'stale', rate: state.rate, ...requests };
    },

    async hold(_now, until) {
      const requests = { writes: 1, reads: 0 };
      const outcome = await update(
        'SET nxt = :until',
        'attribute_not_exists(nxt) OR nxt < :until',
        {
          ':until': numberValue(until),
        },
      );
      if (outcome.ok) return { kind: 'held', ...requests };
      if (outcome.failed === 'error') return unreachable(outcome.reason, requests);
      return { kind: 'later', ...requests };
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
      const state = await itemAfter(outcome.item, requests);
      if (typeof state === 'string') return unreachable(state, requests);
      // Another container's resume time stands, or slots are already given out beyond ours.
      const standing = Math.max(state.resumeAt ?? Number.NEGATIVE_INFINITY, state.next ?? resumeAt);
      return { kind: 'resume', resumeAt: standing, announced: false, ...requests };
    },
  };
}

function unreachable(reason: string, requests: CoordinatorRequests) {
  return { kind: 'unreachable', reason, ...requests } as const;
}
