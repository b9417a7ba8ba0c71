/**
 * A local stand-in for DynamoDB: dynalite (npm; the DynamoDB JSON protocol, in memory) on a
 * loopback port, with the rate budget table created as the stack creates it (partition key `pk`,
 * on demand). The real DynamoDBClient talks to it through `endpoint` or
 * AWS_ENDPOINT_URL_DYNAMODB, with any region and dummy credentials. In memory only: dynalite's
 * on-disk backend is never used. dynalite does not return the item when a condition fails
 * (DynamoDB does); the adapter reads it instead, so local runs make a few more requests.
 */

import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { BUDGET_PARTITION_KEY } from '../functions/budget/budget-table.js';
import { listen } from './listen.js';

/** The budget table's name in the local run, the tests and the benchmarks. */
export const LOCAL_BUDGET_TABLE = 'respondio-rate-budget';

export interface DynamoDbStandIn {
  /** Endpoint URL, e.g. http://127.0.0.1:4567. */
  readonly url: string;
  close(): Promise<void>;
}

export interface DynamoDbStandInOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Tables to create (partition key `pk`). Default: the budget table. */
  readonly tables?: readonly string[];
}

/** A client for a local endpoint: dummy credentials, one attempt per request. */
export function localDynamoDbClient(url: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Creates a table as the stack does: on demand, partition key `pk` (a string). */
export async function createBudgetTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: BUDGET_PARTITION_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: BUDGET_PARTITION_KEY, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function startDynamoDbStandIn(
  options: DynamoDbStandInOptions = {},
): Promise<DynamoDbStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { url } = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  const client = localDynamoDbClient(url);
  try {
    for (const table of options.tables ?? [LOCAL_BUDGET_TABLE])
      await createBudgetTable(client, table);
  } catch (error) {
    await close();
    throw error;
  } finally {
    client.destroy();
  }
  return { url, close };
}
