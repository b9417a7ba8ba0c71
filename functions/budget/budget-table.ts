/**
 * The shared budget's DynamoDB table, one definition for the dispenser, the local stand-in and
 * the stack: a string partition key, a TTL attribute (epoch seconds), and its one item's number
 * attributes as the dispenser reads and writes them.
 */

import type { SharedRate } from './dispenser.js';
import { UNLEARNED } from './learned-rate.js';

export const BUDGET_PARTITION_KEY = 'pk';
export const BUDGET_TTL_ATTRIBUTE = 'expiresAt';
/** The one item's partition key value. */
export const BUDGET_ITEM_KEY = 'respondio-organisation-budget';
/** The actions a function's role needs on the table, and nothing more. */
export const BUDGET_TABLE_ACTIONS = ['dynamodb:UpdateItem', 'dynamodb:GetItem'] as const;

/** A DynamoDB number attribute (the item holds nothing else but its key). */
type NumberAttribute = { readonly N?: string | undefined };
type Attributes = Readonly<Record<string, NumberAttribute>>;

/** An item nobody wrote for this long may be deleted by DynamoDB's TTL. */
export const ITEM_LIFETIME_SECONDS = 86_400;

export interface ItemState {
  readonly next: number | null;
  readonly resumeAt: number | null;
  readonly rate: SharedRate;
}

export const numberValue = (value: number): { N: string } => ({ N: String(value) });

function readNumber(value: NumberAttribute | undefined): number | null {
  if (value === undefined || value.N === undefined) return null;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : null;
}

/** The learned rate an item holds (version 0 and nothing learned when it holds none). */
function sharedRate(item: Attributes | undefined): SharedRate {
  const version = readNumber(item?.rv) ?? 0;
  if (version === 0) return { ...UNLEARNED, version: 0 };
  return {
    rate: readNumber(item?.rate) ?? 0,
    peak: readNumber(item?.peak) ?? 0,
    since: readNumber(item?.since) ?? 0,
    cap: readNumber(item?.cap),
    version,
  };
}

export function itemState(item: Attributes | undefined): ItemState {
  return {
    next: readNumber(item?.nxt),
    resumeAt: readNumber(item?.resumeAt),
    rate: sharedRate(item),
  };
}

/** The condition that the item's rate is still at `version` (0: none was ever written). */
export function sameVersion(version: number): {
  condition: string;
  values: Record<string, { N: string }>;
} {
  return version === 0
    ? { condition: 'attribute_not_exists(rv)', values: {} }
    : { condition: 'rv = :rv', values: { ':rv': numberValue(version) } };
}
