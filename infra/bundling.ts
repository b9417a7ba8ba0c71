/**
 * How each function is bundled: esbuild's API, ESM split at each dynamic import, minified, with
 * source maps and the packages it requires on demand beside it (bundleFunction). The stack
 * (connector-function.ts), its bundle-size budget (test/infra/bundle-size.test.ts) and the
 * benchmarks all bundle with it, so what is measured is what deploys.
 */

import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ILocalBundling } from 'aws-cdk-lib';
import { buildSync, type Metafile } from 'esbuild';

/**
 * esbuild's ESM output has no `require`; CommonJS code inside the bundle (parts of the AWS SDK
 * and its dependencies) calls it for Node built-ins. The banner gives the module one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __connectorCreateRequire } from 'node:module'; " +
  'const require = __connectorCreateRequire(import.meta.url);';

/**
 * The AWS SDK's credential providers other than the environment's, which the SDK's default chain
 * imports only when the environment holds no credentials, left out of the bundle: in Lambda the
 * credentials are always in the environment, so they are never reached (and if they were, Node
 * would find the runtime's own copy: Lambda's Node runtimes resolve ES modules from NODE_PATH,
 * /var/runtime/node_modules). Bundled, even as chunks of their own, they drag the SDK's query,
 * XML and REST protocols into the chunks every cold start loads (~34 KB, ~4 ms here).
 */
export const LAMBDA_RUNTIME_MODULES = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@smithy/credential-provider-imds',
] as const;

/**
 * How each function is bundled, as esbuild options (bundleFunction adds the entry and the output
 * directory). The stack and the benchmarks (bench/sections/cold-start.ts,
 * infra/scripts/measure-sdk-bundling.ts) bundle with bundleFunction, so what is measured is what
 * deploys. The AWS SDK is bundled (but LAMBDA_RUNTIME_MODULES): decided by measurement
 * (infra/scripts/measure-sdk-bundling.ts), the bundled, minified SDK loads faster than the
 * runtime's copy and pins the tested version.
 */
export const LAMBDA_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
  external: LAMBDA_RUNTIME_MODULES,
  // aws-xray-sdk-core needs semver only for its AWS SDK v2 patcher, never called here; the
  // bundle-size test checks that nothing else imports it.
  alias: { semver: './infra/bundle-stubs/semver.cjs' },
  // Each dynamic import() becomes a file of its own, read only when reached: the X-Ray SDK (only
  // traced), the SDK's event-stream serde (none of the functions' calls streams).
  splitting: true,
  entryNames: 'index',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
} as const;

/**
 * The Node options every function runs with (NODE_OPTIONS, unset when empty): none. Not
 * --enable-source-maps, which reads and indexes the map of every bundle file as it loads, at
 * each cold start (~10 ms here): stack traces are mapped on the first error instead
 * (functions/platform/source-maps.ts). The cold-start benchmark runs each bundle with these.
 */
export const LAMBDA_NODE_OPTIONS: readonly string[] = [];

/**
 * The packages a function requires on demand (functions/platform/on-demand.ts), not as it
 * starts: written beside its bundle when the bundle holds the module that requires them
 * (`readBy`), at the path Node's `require` finds them from there: a package file copied as it
 * is, or the `exports` of a package module (what `readBy` uses, its type says which) bundled
 * into one minified CommonJS file with its map. Run from the source, `require` finds the
 * package itself in node_modules.
 */
export const LAMBDA_SIDE_FILES = [
  // libphonenumber-js and its metadata, required on the first phone number (PhoneFunctions).
  {
    readBy: 'functions/lookup/phone-numbers.ts',
    path: 'node_modules/libphonenumber-js/core/index.js',
    bundle: 'libphonenumber-js/core',
    exports: [
      'isSupportedCountry',
      'ParseError',
      'parsePhoneNumberWithError',
      'validatePhoneNumberLength',
    ],
  },
  {
    readBy: 'functions/lookup/phone-numbers.ts',
    path: 'node_modules/libphonenumber-js/metadata.min.json',
    copy: 'node_modules/libphonenumber-js/metadata.min.json',
  },
  // The contact cache's LRU, required when CONTACT_CACHE_TTL_SECONDS turns the cache on
  // (ContactCacheFunctions).
  {
    readBy: 'functions/lookup/shared-lookups.ts',
    path: 'node_modules/lru-cache/index.js',
    bundle: 'lru-cache',
    exports: ['LRUCache'],
  },
] as const;

/** Writes one side file into `outdir`; returns the files written. */
function writeSideFile(
  side: (typeof LAMBDA_SIDE_FILES)[number],
  outdir: string,
  projectRoot: string,
): string[] {
  const target = join(outdir, side.path);
  mkdirSync(dirname(target), { recursive: true });
  if ('copy' in side) {
    copyFileSync(join(projectRoot, side.copy), target);
    return [target];
  }
  buildSync({
    stdin: {
      contents: `export { ${side.exports.join(', ')} } from '${side.bundle}';`,
      resolveDir: projectRoot,
      sourcefile: `${side.bundle} (${side.exports.join(', ')})`,
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    sourcesContent: LAMBDA_BUNDLE.sourcesContent,
    absWorkingDir: projectRoot,
    outfile: target,
    logLevel: 'error',
  });
  return [target, `${target}.map`];
}

/**
 * The most JavaScript each function may evaluate as it starts untraced (index.mjs and the chunks
 * it imports statically), KB. The bundle-size test (test/infra/bundle-size.test.ts) fails past
 * it, so a dependency that grows a bundle is noticed when it is added. The API and SQS budgets
 * are issue 20's targets; the file steps' are their size then (362 / 513 / 363 KB) plus ~5%.
 */
export const LAMBDA_INIT_BUDGET_KB = {
  api: 400,
  sqs: 400,
  prepare: 380,
  batch: 540,
  finish: 380,
} as const;

/** A function's bundle as written to its directory. */
export interface FunctionBundle {
  /** The file Lambda loads (`index.handler`). */
  readonly entryFile: string;
  /** Bytes of JavaScript evaluated as the function starts: index.mjs and its static imports. */
  readonly initBytes: number;
  /** Bytes of every file written: all chunks, their maps and the side files. */
  readonly assetBytes: number;
  readonly metafile: Metafile;
}

/** Bytes of the output files `starts` and every file they import statically, in `metafile`. */
export function loadedBytes(metafile: Metafile, starts: readonly string[]): number {
  const loaded = new Set<string>();
  const pending = [...starts];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const output = metafile.outputs[file];
    if (loaded.has(file) || output === undefined) continue;
    loaded.add(file);
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement') pending.push(imported.path);
    }
  }
  return [...loaded].reduce((sum, file) => sum + (metafile.outputs[file]?.bytes ?? 0), 0);
}

/**
 * Bundles the handler file `entry` into `outdir` (emptied first) as the stack deploys it:
 * LAMBDA_BUNDLE, resolved from `projectRoot`, and the side files it reads. `external`: only for
 * measurements.
 */
export function bundleFunction(
  entry: string,
  outdir: string,
  projectRoot: string,
  external: readonly string[] = [],
): FunctionBundle {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { metafile } = buildSync({
    ...LAMBDA_BUNDLE,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    entryPoints: [resolve(projectRoot, entry)],
    absWorkingDir: projectRoot,
    outdir,
    external: [...LAMBDA_BUNDLE.external, ...external],
    metafile: true,
    logLevel: 'error',
  });
  const written = Object.keys(metafile.outputs).map((file) => resolve(projectRoot, file));
  for (const side of LAMBDA_SIDE_FILES) {
    if (metafile.inputs[side.readBy] !== undefined) {
      written.push(...writeSideFile(side, outdir, projectRoot));
    }
  }
  const index = Object.keys(metafile.outputs).find(
    (file) => resolve(projectRoot, file) === join(outdir, 'index.mjs'),
  );
  if (index === undefined) throw new Error(`bundling ${entry} wrote no index.mjs`);
  return {
    entryFile: join(outdir, 'index.mjs'),
    initBytes: loadedBytes(metafile, [index]),
    assetBytes: written.reduce((sum, file) => sum + statSync(file).size, 0),
    metafile,
  };
}

/** The stack's bundling: bundleFunction in the CDK process itself (no container image runs). */
export class FunctionBundling implements ILocalBundling {
  /** Part of the asset's cache key, so that each entry is bundled on its own. */
  readonly entry: string;

  constructor(
    entry: string,
    private readonly projectRoot: string,
  ) {
    this.entry = relative(projectRoot, entry);
  }

  tryBundle(outputDir: string): boolean {
    bundleFunction(this.entry, outputDir, this.projectRoot);
    return true;
  }
}
