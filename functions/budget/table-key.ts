/**
 * The shape of the shared budget's DynamoDB table, in one place for the adapter that writes it
 * (adapters/dynamodb-slot-dispenser.ts), the local stand-in that creates it and the stack that
 * deploys it: a string partition key and a TTL attribute (epoch seconds) on its one item.
 */

export const BUDGET_PARTITION_KEY = 'pk';
export const BUDGET_TTL_ATTRIBUTE = 'expiresAt';
/** The one item's partition key value. */
export const BUDGET_ITEM_KEY = 'respondio-organisation-budget';
/** The actions a function's role needs on the table, and nothing more. */
export const BUDGET_TABLE_ACTIONS = ['dynamodb:UpdateItem', 'dynamodb:GetItem'] as const;
