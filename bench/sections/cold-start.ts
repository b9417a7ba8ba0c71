/**
 * Section "cold start": each function's bundle, built as the CDK stack builds it
 * (bundleFunction of infra/bundling.ts: ESM split at each dynamic import, minified,
 * node24 target, main fields module,main, the createRequire banner, source maps without sources
 * content, the AWS SDK bundled but the credential providers Lambda never reaches, the packages it
 * requires on demand beside it), next to an empty handler bundled the same way. For each bundle:
 * the JavaScript it evaluates as it starts (index.mjs and the chunks it imports statically;
 * traced, the X-Ray chunks too), all its files, and in fresh Node processes the time `import()`
 * takes (module load and top-level code: the API function builds its container here) and the
 * time of the first handler call that needs no network (the SQS function builds its container
 * here).
 *
 * Each function twice: untraced, and traced as deployed (POWERTOOLS_TRACE_ENABLED=true in an
 * environment that looks like Lambda with active tracing to the X-Ray SDK, whose daemon address
 * is a loopback port nobody reads), so the cost of loading the tracer shows side by side.
 *
 * Two modes for every bundle: with --enable-source-maps and without flags. Lambda runs a bundle
 * with its commit's LAMBDA_NODE_OPTIONS (infra/bundling.ts; commits without that
 * constant set --enable-source-maps): each row says which mode is its deployed one. Samples are interleaved (run by run, mode by mode, bundle by
 * bundle). Settings: BENCH_COLD_RUNS (fresh processes per bundle and mode, default 15);
 * BENCH_COLD_BASELINE_REF (a git ref, e.g. 13d39ad): also bundles both functions from that
 * commit (its files from `git archive`, this checkout's node_modules, that commit's own bundling
 * from its infra/bundling.ts or connector-function.ts) and measures them in the same interleaved runs, so a
 * change's cost shows side by side.
 */

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { toApiGatewayEvent } from '../../local/api-gateway-server.js';
import type { BenchSection } from '../table.js';
import { fixed, median, percentile, times } from '../table.js';
import { numberSetting, projectRoot } from './harness.js';

const EMPTY_HANDLER = 'export const handler = async () => ({});\n';

interface Target {
  readonly name: string;
  /** A file under `root`, or null for the empty handler. */
  readonly entry: string | null;
  /** The first invocation: an event that needs no network. */
  readonly event: unknown;
  /** Variables on top of CHILD_ENV. */
  readonly env?: NodeJS.ProcessEnv;
  /** The tree the entry is bundled from. Default: this checkout. */
  readonly root?: string;
  /** For a baseline bundle: the target of this checkout it is compared with. */
  readonly baselineOf?: Target;
}

/** A target's bundle on disk, and what Lambda runs it with. */
interface Built {
  readonly entryFile: string;
  /** JavaScript evaluated at start, untraced and traced (with the X-Ray chunks), bytes. */
  readonly initBytes: number;
  readonly tracedBytes: number;
  /** Every file of the bundle, maps and side files included, and the maps alone, bytes. */
  readonly assetBytes: number;
  readonly mapBytes: number;
  /** The flags Lambda runs it with (its NODE_OPTIONS). */
  readonly deployedFlags: readonly string[];
}

/** What Lambda with active tracing sets, and what the stack sets when `tracing` is on. */
const TRACED_ENV: NodeJS.ProcessEnv = {
  POWERTOOLS_TRACE_ENABLED: 'true',
  LAMBDA_TASK_ROOT: '/var/task',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  _X_AMZN_TRACE_ID: 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
  // UDP to a port nobody reads on loopback: nothing is sent on these offline first calls anyway.
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9',
};

const API_EVENT = toApiGatewayEvent(
  { method: 'GET', url: '/contacts/not-an-identifier', headers: { host: 'bench.local' } },
  { payloadVersion: '2.0', requestId: 'cold-start', now: new Date(0) },
);

const TARGETS: readonly Target[] = [
  { name: 'empty handler', entry: null, event: {} },
  {
    name: 'API function (functions/api/handler.ts)',
    entry: 'functions/api/handler.ts',
    // An invalid identifier: the whole middy chain and the lookup run, and answer 400 offline.
    event: API_EVENT,
  },
  {
    name: 'SQS function (functions/queue/handler.ts)',
    entry: 'functions/queue/handler.ts',
    // No records: the container is built, nothing is sent.
    event: { Records: [] },
  },
  {
    name: 'API function, tracing on',
    entry: 'functions/api/handler.ts',
    event: API_EVENT,
    env: TRACED_ENV,
  },
  {
    name: 'SQS function, tracing on',
    entry: 'functions/queue/handler.ts',
    event: { Records: [] },
    env: TRACED_ENV,
  },
];

const MODES = [
  { name: '--enable-source-maps', flags: ['--enable-source-maps'] },
  { name: 'no flags', flags: [] },
] as const;

/** What infra/bundling.ts exports (connector-function.ts before it), now or at an earlier commit. */
interface Bundling {
  /** Since the bundles are split at dynamic imports. */
  readonly bundleFunction?: (
    entry: string,
    outdir: string,
    projectRoot: string,
  ) => { entryFile: string; metafile: Metafile };
  readonly loadedBytes?: (metafile: Metafile, starts: readonly string[]) => number;
  /** Before it: one file, esbuild options for `outfile`. */
  readonly LAMBDA_BUNDLE: Record<string, unknown> & { readonly mainFields: readonly string[] };
  /** The functions' NODE_OPTIONS; commits without it set --enable-source-maps. */
  readonly LAMBDA_NODE_OPTIONS?: readonly string[];
}

/** Settings the handlers read at import or first call, so that neither needs AWS. */
const CHILD_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHCOLDSTART',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  RESPONDIO_TOKEN_SECRET_ID: 'bench-cold-start',
  RESULTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/results',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/000000000000/dlq',
  POWERTOOLS_METRICS_NAMESPACE: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

const CONTEXT_SOURCE =
  "{ awsRequestId: 'cold-start', functionName: 'bench', functionVersion: '$LATEST', " +
  "invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench', memoryLimitInMB: '512', " +
  "logGroupName: '/aws/lambda/bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true, " +
  'getRemainingTimeInMillis: () => 29000 }';

/** Sums the sizes of a bundle directory's files (side files included), and of its maps. */
function sizes(directory: string) {
  const files = readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((file) => file.isFile())
    .map((file) => join(file.parentPath, file.name));
  const bytes = (list: string[]) => list.reduce((sum, file) => sum + statSync(file).size, 0);
  return {
    assetBytes: bytes(files),
    mapBytes: bytes(files.filter((file) => file.endsWith('.map'))),
  };
}

async function bundle(target: Target, outDir: string, bundling: Bundling): Promise<Built> {
  const directory = join(outDir, target.name.replace(/[^A-Za-z0-9]+/g, '-'));
  const root = target.root ?? projectRoot;
  let entry = target.entry;
  if (entry === null) {
    entry = join(outDir, 'empty-handler.ts');
    writeFileSync(entry, EMPTY_HANDLER);
  }
  const { bundleFunction, loadedBytes } = bundling;
  const deployedFlags = bundling.LAMBDA_NODE_OPTIONS ?? ['--enable-source-maps'];
  if (bundleFunction !== undefined && loadedBytes !== undefined) {
    const { entryFile, metafile } = bundleFunction(entry, directory, root);
    const outputs = Object.entries(metafile.outputs);
    const index = outputs.find(([file]) => join(root, file) === entryFile)?.[0] as string;
    const xray = outputs.find(([, output]) =>
      output.entryPoint?.endsWith('functions/platform/xray.ts'),
    )?.[0];
    return {
      entryFile,
      initBytes: loadedBytes(metafile, [index]),
      tracedBytes: loadedBytes(metafile, xray === undefined ? [index] : [index, xray]),
      ...sizes(directory),
      deployedFlags,
    };
  }
  const entryFile = join(directory, 'index.mjs');
  mkdirSync(directory, { recursive: true });
  await build({
    entryPoints: [resolve(root, entry)],
    ...bundling.LAMBDA_BUNDLE,
    absWorkingDir: root,
    mainFields: [...bundling.LAMBDA_BUNDLE.mainFields],
    external: [],
    outfile: entryFile,
    logLevel: 'error',
  });
  const bytes = statSync(entryFile).size;
  return {
    entryFile,
    initBytes: bytes,
    tracedBytes: bytes,
    ...sizes(directory),
    deployedFlags,
  };
}

interface Sample {
  readonly importMs: number;
  readonly firstCallMs: number;
  /** Spawn to exit, as the parent saw it. */
  readonly processMs: number;
}

function sample(file: string, target: Target, flags: readonly string[]): Sample {
  const script = [
    'const t0 = performance.now();',
    `const mod = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const t1 = performance.now();',
    `await mod.handler(${JSON.stringify(target.event)}, ${CONTEXT_SOURCE});`,
    'const t2 = performance.now();',
    "process.stdout.write('\\nBENCH_INIT ' + JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1 }) + '\\n');",
    'process.exit(0);',
  ].join('\n');
  const startedAt = performance.now();
  const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    env: { ...CHILD_ENV, ...target.env },
    encoding: 'utf8',
    cwd: tmpdir(),
  });
  const processMs = performance.now() - startedAt;
  const line = child.stdout.split('\n').find((text) => text.startsWith('BENCH_INIT '));
  if (child.status !== 0 || line === undefined) {
    throw new Error(
      `cold start of ${target.name} failed (${child.status}): ${child.stderr.slice(0, 2000)}`,
    );
  }
  const parsed = JSON.parse(line.slice('BENCH_INIT '.length)) as Omit<Sample, 'processMs'>;
  return { ...parsed, processMs };
}

/** The files of `ref` in a temporary directory, with this checkout's node_modules linked in. */
function checkoutOf(ref: string, outDir: string): string {
  const root = join(outDir, 'baseline-tree');
  mkdirSync(root, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', ref], {
    cwd: projectRoot,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (archive.status !== 0) {
    throw new Error(`BENCH_COLD_BASELINE_REF=${ref}: git archive failed: ${archive.stderr}`);
  }
  const untar = spawnSync('tar', ['-x', '-C', root], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`could not unpack ${ref}: ${untar.stderr}`);
  symlinkSync(join(projectRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** The targets, with both functions of `ref` as baselines when one is given. */
function targetsWith(ref: string | undefined, outDir: string): readonly Target[] {
  if (ref === undefined || ref.trim() === '') return TARGETS;
  const root = checkoutOf(ref.trim(), outDir);
  const baselines = TARGETS.filter((target) => target.entry !== null).map((target) => ({
    ...target,
    name: `${target.name.split(' (')[0]} at ${ref.trim()} (baseline)`,
    root,
    baselineOf: target,
  }));
  return [...TARGETS, ...baselines];
}

/**
 * The bundling of the tree at `root`: its own infra/bundling.ts, or infra/connector-function.ts
 * in commits before bundling.ts existed.
 */
async function bundlingOf(root: string): Promise<Bundling> {
  if (root === projectRoot) return import('../../infra/bundling.js');
  const own = join(root, 'infra', 'bundling.ts');
  const file = existsSync(own) ? own : join(root, 'infra', 'connector-function.ts');
  return import(pathToFileURL(file).href);
}

/** A target's figure of its start: traced targets load the X-Ray chunks too. */
const startBytes = (target: Target, built: Built) =>
  target.env === TRACED_ENV ? built.tracedBytes : built.initBytes;

const isDeployed = (built: Built, flags: readonly string[]) =>
  built.deployedFlags.join(' ') === flags.join(' ');

export const coldStart: BenchSection = {
  title: 'Cold start: bundle size and module initialisation',
  async run() {
    const runs = Math.round(numberSetting('BENCH_COLD_RUNS', 15));
    const outDir = mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
    const baselineRef = process.env.BENCH_COLD_BASELINE_REF;
    try {
      const targets = targetsWith(baselineRef, outDir);
      const bundlings = new Map<string, Bundling>();
      const built = new Map<Target, Built>();
      for (const target of targets) {
        const root = target.root ?? projectRoot;
        if (!bundlings.has(root)) bundlings.set(root, await bundlingOf(root));
        built.set(target, await bundle(target, outDir, bundlings.get(root) as Bundling));
      }
      const fileOf = (target: Target) => (built.get(target) as Built).entryFile;
      const samples = new Map<string, Sample[]>();
      const key = (mode: number, target: Target) => `${mode}:${target.name}`;
      // One untimed start of each, so that every timed one finds the files in the page cache.
      for (const target of targets) sample(fileOf(target), target, []);
      for (let run = 0; run < runs; run += 1) {
        for (const [modeIndex, mode] of MODES.entries()) {
          for (const target of targets) {
            const list = samples.get(key(modeIndex, target)) ?? [];
            list.push(sample(fileOf(target), target, mode.flags));
            samples.set(key(modeIndex, target), list);
          }
        }
      }

      const empty = TARGETS[0] as Target;
      const emptyBytes = (built.get(empty) as Built).initBytes;
      const rows: string[][] = [];
      /** init − empty of one target in one mode, ms (median of import + first call). */
      const overEmpty = (modeIndex: number, target: Target) => {
        const emptyList = samples.get(key(modeIndex, empty)) ?? [];
        const list = samples.get(key(modeIndex, target)) ?? [];
        return (
          median(list.map((s) => s.importMs + s.firstCallMs)) -
          median(emptyList.map((s) => s.importMs + s.firstCallMs))
        );
      };
      /** The mode Lambda runs a target in. */
      const deployedMode = (target: Target) =>
        MODES.findIndex((mode) => isDeployed(built.get(target) as Built, mode.flags));
      const signed = (value: number, digits: number) =>
        `${value >= 0 ? '+' : ''}${fixed(value, digits)}`;
      const comparisons = targets
        .filter((target) => target.baselineOf !== undefined)
        .flatMap((baseline) => {
          const current = baseline.baselineOf as Target;
          const name = current.name.split(' (')[0];
          const grown =
            startBytes(current, built.get(current) as Built) -
            startBytes(baseline, built.get(baseline) as Built);
          const line = (label: string, now: number, then: number) =>
            `${name}, ${label}: init − empty ${fixed(now, 1)} ms here vs ${fixed(then, 1)} ms at ${baselineRef?.trim()} (${signed(now - then, 1)} ms)`;
          return [
            `${line(
              `as deployed (${MODES[deployedMode(current)]?.name} here, ${MODES[deployedMode(baseline)]?.name} then)`,
              overEmpty(deployedMode(current), current),
              overEmpty(deployedMode(baseline), baseline),
            )}, JavaScript at start ${signed(grown / 1024, 1)} KB`,
            ...MODES.map((mode, modeIndex) =>
              line(mode.name, overEmpty(modeIndex, current), overEmpty(modeIndex, baseline)),
            ),
          ];
        });
      for (const [modeIndex, mode] of MODES.entries()) {
        const emptyList = samples.get(key(modeIndex, empty)) ?? [];
        const emptyInit = median(emptyList.map((s) => s.importMs + s.firstCallMs));
        const emptyProcess = median(emptyList.map((s) => s.processMs));
        for (const target of targets) {
          const bundled = built.get(target) as Built;
          const list = samples.get(key(modeIndex, target)) ?? [];
          const imports = list.map((s) => s.importMs);
          const inits = list.map((s) => s.importMs + s.firstCallMs);
          const processes = list.map((s) => s.processMs);
          const bytes = startBytes(target, bundled);
          const deployed = isDeployed(bundled, mode.flags) ? ' (as deployed)' : '';
          rows.push([
            `${target.name}, ${mode.name}${deployed}`,
            fixed(bytes / 1024, 1),
            fixed((bundled.assetBytes - bundled.mapBytes) / 1024, 1),
            fixed(bundled.mapBytes / 1024, 0),
            times(bytes / emptyBytes, 0),
            fixed(median(imports), 1),
            fixed(percentile(imports, 90), 1),
            fixed(median(list.map((s) => s.firstCallMs)), 1),
            fixed(median(inits) - emptyInit, 1),
            fixed(median(processes), 1),
            fixed(percentile(processes, 90), 1),
            times(median(processes) / emptyProcess),
          ]);
        }
      }
      return {
        description:
          `Bundles built as the CDK stack builds them; ${runs} fresh Node ${process.version} processes per bundle and mode, interleaved. ` +
          'import(): module load and top-level code; first call: the first handler invocation that needs no network ' +
          '(API: an invalid identifier, answered 400; SQS: an empty batch; this is where the SQS function builds its container). ' +
          'No target in the issue; compare with the empty bundle.',
        columns: [
          'bundle, mode',
          'KB at start',
          'files KB',
          'map KB',
          'start ÷ empty',
          'import() ms p50',
          'import() ms p90',
          'first call ms p50',
          'init − empty ms',
          'process ms p50',
          'process ms p90',
          'process ÷ empty',
        ],
        rows,
        notes: [
          ...comparisons,
          'KB at start: the JavaScript a cold start evaluates: index.mjs and the chunks it imports statically (traced rows: with the X-Ray chunks); files KB: every file of the bundle but the maps (chunks loaded later, side files read later); map KB: the source maps',
          "init − empty: median of (import() + first call) minus the empty bundle's, in the same mode: what the connector adds to a cold start on this machine",
          "process: spawn to exit of the whole node process as the parent sees it (node start-up, import, first call, exit), the closest local stand-in for a Lambda init; published hello-world inits of nodejs24.x take ~115-140 ms on Lambda, and the connector's share on top of such an init is about 'init − empty'",
          "(as deployed): the mode Lambda runs that bundle in, its commit's NODE_OPTIONS (LAMBDA_NODE_OPTIONS of infra/bundling.ts; --enable-source-maps before that constant)",
        ],
      };
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  },
};
