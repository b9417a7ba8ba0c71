/**
 * The local DynamoDB stand-in (dynalite, in memory, with the budget table) on its own, e.g. in a
 * child process of a benchmark, so that its work does not share the measured process's event
 * loop (as DynamoDB does not share a Lambda container's):
 *
 *   npx tsx local/dynamodb-cli.ts [--port 4567]
 *
 * Prints `local DynamoDB listening at <url>`; SIGINT or SIGTERM stops it.
 */

import { parseArgs } from 'node:util';
import { LOCAL_BUDGET_TABLE, startDynamoDbStandIn } from './dynamodb-stand-in.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be a whole number from 0 to 65535, got ${values.port}`);
  process.exit(1);
}

const standIn = await startDynamoDbStandIn({ port });
console.log(`local DynamoDB listening at ${standIn.url} (table ${LOCAL_BUDGET_TABLE})`);

const stop = async () => {
  await standIn.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
