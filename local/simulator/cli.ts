/**
 * Runs the respond.io simulator on its own:
 *   npx tsx local/simulator/cli.ts --port 4010 --rps 5 [--latency 50] [--contacts 500]
 *     [--fault-seed 7 --faults status503=0.05,reset=0.01,slow=0.1] [--token my-token ...]
 *     [--log-arrivals] [--control]
 * Prints its base URL and stops cleanly on Ctrl-C, printing its statistics as one JSON line
 * (with --log-arrivals, every request's path, arrival time and status too: the benchmark's).
 * With --control it reads commands on stdin, one per line (the benchmark changes the limit
 * mid-run): `limit <rps> [<advertised rps>]`, `limit none`.
 */

import { parseArgs } from 'node:util';
import type { FaultRates } from './faults.js';
import { DEMO_TOKEN, demoContacts, startSimulator } from './server.js';

const FAULT_NAMES = new Set<string>([
  'status500',
  'status502',
  'status503',
  'status504',
  'status449',
  'status429',
  'hang',
  'reset',
  'nonJson',
  'slow',
]);

function parseFaults(text: string): FaultRates {
  const rates: Record<string, number> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [name = '', value = ''] = pair.split('=');
    if (!FAULT_NAMES.has(name)) throw new Error(`unknown fault ${JSON.stringify(name)}`);
    rates[name] = Number(value);
  }
  return rates as FaultRates;
}

function number(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return value;
}

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4010' },
    rps: { type: 'string' },
    latency: { type: 'string' },
    contacts: { type: 'string' },
    faults: { type: 'string' },
    'fault-seed': { type: 'string', default: '1' },
    token: { type: 'string', multiple: true },
    'log-arrivals': { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
  },
});

const contactCount = number(values.contacts, 'contacts');
const simulator = await startSimulator({
  host: values.host,
  port: number(values.port, 'port') ?? 4010,
  rateLimitRps: number(values.rps, 'rps'),
  latencyMs: number(values.latency, 'latency') ?? 0,
  ...(contactCount ? { contacts: demoContacts(contactCount) } : {}),
  ...(values.token ? { tokens: values.token } : {}),
  ...(values.faults
    ? {
        faults: {
          seed: number(values['fault-seed'], 'fault-seed') ?? 1,
          rates: parseFaults(values.faults),
        },
      }
    : {}),
});

console.log(`respond.io simulator listening at ${simulator.url}`);
console.log(
  values.token
    ? `Accepts the ${values.token.length} token(s) given with --token.`
    : `Accepts the demo token: Authorization: Bearer ${DEMO_TOKEN}`,
);
console.log(
  `Try: curl -H 'Authorization: Bearer ${values.token ? '<token>' : DEMO_TOKEN}' ${simulator.url}/contact/id:1`,
);

const stop = async () => {
  await simulator.close();
  const { requests, byStatus, maxInAnySecond } = simulator.stats();
  const arrivals = values['log-arrivals']
    ? {
        arrivals: simulator.requestLog().map((entry) => [entry.path, entry.at, entry.status]),
      }
    : {};
  console.log(JSON.stringify({ requests, byStatus, maxInAnySecond, ...arrivals }));
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

if (values.control) {
  const { createInterface } = await import('node:readline');
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, first, second] = line.trim().split(/\s+/);
    if (command !== 'limit') return;
    if (first === 'none') simulator.setRateLimit(undefined);
    else simulator.setRateLimit(Number(first), second === undefined ? undefined : Number(second));
  });
}
