/**
 * Bundle the AWS SDK or use the Lambda runtime's copy? Measures both ways for each entry point:
 * bundle size, and the time `import()` of the bundle takes in a fresh Node process (module
 * load + top-level code: what a cold start pays after the runtime itself has started).
 *
 *   npx tsx infra/scripts/measure-sdk-bundling.ts            # the two handlers
 *   npx tsx infra/scripts/measure-sdk-bundling.ts --probe    # a stand-in importing the same libraries
 *   npx tsx infra/scripts/measure-sdk-bundling.ts --runs 30 functions/api/handler.ts
 *
 * The "runtime SDK" variant marks @aws-sdk/* and @smithy/* external, as NodejsFunction does for
 * the runtime's copy; locally those resolve to this project's node_modules, an approximation of
 * /var/runtime/node_modules in Lambda. Bundles are written under cdk.out/sdk-measure/ so that the
 * external imports resolve. Bundled with bundleFunction of infra/bundling.ts; the size
 * is the JavaScript evaluated at start (index.mjs and the chunks it imports statically).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFunction, type FunctionBundle } from '../bundling.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outRoot = join(projectRoot, 'cdk.out', 'sdk-measure');

/** Imports what the handlers import, and builds the clients at module scope as they do. */
const PROBE_SOURCE = `
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import ky from 'ky';
const secrets = new SecretsManagerClient({});
const sqs = new SQSClient({});
const logger = new Logger({ serviceName: 'probe' });
const metrics = new Metrics({ namespace: 'probe', serviceName: 'probe' });
const http = ky.create({ prefixUrl: 'https://api.respond.io/v2' });
export const handler = middy(async () => ({
  commands: [GetSecretValueCommand.name, SendMessageBatchCommand.name],
  clients: [secrets, sqs, logger, metrics, http].length,
}));
`;

interface Variant {
  readonly name: 'bundled-sdk' | 'runtime-sdk';
  readonly external: string[];
}

const VARIANTS: readonly Variant[] = [
  { name: 'bundled-sdk', external: [] },
  { name: 'runtime-sdk', external: ['@aws-sdk/*', '@smithy/*'] },
];

/** Dummy settings so that module-level configuration reads succeed without AWS. */
const CHILD_ENV = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDMEASURE',
  AWS_SECRET_ACCESS_KEY: 'measure',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  RESPONDIO_TOKEN_SECRET_ID: 'measure',
  RESULTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/results',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/000000000000/dlq',
  POWERTOOLS_METRICS_NAMESPACE: 'measure',
};

function bundle(name: string, entry: string | null, variant: Variant): FunctionBundle {
  let input = entry;
  if (input === null) {
    input = join(outRoot, 'probe.ts');
    mkdirSync(outRoot, { recursive: true });
    writeFileSync(input, PROBE_SOURCE);
  }
  return bundleFunction(input, join(outRoot, name, variant.name), projectRoot, variant.external);
}

/** Milliseconds `import()` takes in a fresh process; one child per sample. */
function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: CHILD_ENV,
    encoding: 'utf8',
  });
  if (child.status !== 0)
    throw new Error(`import of ${file} failed: ${child.stderr.slice(0, 2000)}`);
  return Number(child.stdout);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 20;
  const paths = args.filter((arg, index) => !arg.startsWith('--') && index !== runsAt + 1);
  const targets: { name: string; entry: string | null }[] = args.includes('--probe')
    ? [{ name: 'probe', entry: null }]
    : (paths.length > 0 ? paths : ['functions/api/handler.ts', 'functions/queue/handler.ts']).map(
        (path) => ({
          name: path.replace(/[^A-Za-z0-9]+/g, '-'),
          entry: resolve(projectRoot, path),
        }),
      );
  for (const target of targets) {
    if (target.entry !== null && !existsSync(target.entry)) {
      throw new Error(`${target.entry} does not exist (use --probe to measure a stand-in)`);
    }
  }

  console.log(`node ${process.version}, ${runs} runs per variant, median (min-max) ms`);
  console.log('| entry | variant | KB at start | import() ms |');
  console.log('|---|---|---:|---:|');
  for (const target of targets) {
    const files = new Map<Variant, FunctionBundle>();
    for (const variant of VARIANTS) files.set(variant, bundle(target.name, target.entry, variant));
    const samples = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
    importMs((files.get(VARIANTS[0] as Variant) as FunctionBundle).entryFile); // warm the cache
    for (let run = 0; run < runs; run += 1) {
      for (const variant of VARIANTS) {
        samples.get(variant)?.push(importMs((files.get(variant) as FunctionBundle).entryFile));
      }
    }
    for (const variant of VARIANTS) {
      const bundled = files.get(variant) as FunctionBundle;
      const times = samples.get(variant) ?? [];
      const kb = (bundled.initBytes / 1024).toFixed(0);
      const spread = `${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)}`;
      console.log(
        `| ${target.name} | ${variant.name} | ${kb} | ${median(times).toFixed(0)} (${spread}) |`,
      );
    }
  }
}

await main();
