/**
 * The layer rule of functions/ (README, "Code layout") is enforced by Biome's
 * noRestrictedImports, configured per folder in biome.json, so a wrong import fails `npm test`.
 * This test runs the project's own biome.json over a throw-away tree of probe files, one wrong
 * and one right import per layer, and checks that exactly the wrong ones are reported.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const root = new URL('../../', import.meta.url);
const biome = new URL('node_modules/.bin/biome', root).pathname;

/** Probe files: path in the tree → the module it imports. */
const PROBES: Record<string, string> = {
  'functions/adapters/imports-sqs.ts': '../sqs/batch.js',
  'functions/adapters/imports-runtime.ts': '../runtime/logger.js',
  'functions/adapters/imports-core.ts': '../core/ports.js',
  'functions/adapters/imports-library.ts': 'ky',
  'functions/core/imports-library.ts': 'ky',
  'functions/core/imports-node.ts': 'node:fs',
  'functions/core/imports-adapter.ts': '../adapters/clock.js',
  'functions/core/imports-core.ts': './ports.js',
  'functions/runtime/imports-sqs.ts': '../sqs/batch.js',
  'functions/runtime/imports-adapter.ts': '../adapters/clock.js',
  'functions/api/imports-adapter.ts': '../adapters/clock.js',
  'functions/api/imports-sqs.ts': '../sqs/batch.js',
  'functions/api/imports-runtime.ts': '../runtime/logger.js',
  'functions/sqs/imports-adapter.ts': '../adapters/sqs-sinks.js',
  'functions/sqs/imports-api.ts': '../api/app.js',
  'functions/sqs/imports-core.ts': '../core/ports.js',
  'functions/sqs/imports-files.ts': '../files/batch.js',
  'functions/files/imports-adapter.ts': '../adapters/s3-file-store.js',
  'functions/files/imports-sqs.ts': '../sqs/batch.js',
  'functions/files/imports-runtime.ts': '../runtime/file-adapters.js',
  'functions/files/imports-core.ts': '../core/file-rows.js',
  'functions/runtime/imports-files.ts': '../files/batch.js',
  'functions/adapters/imports-files.ts': '../files/batch.js',
  'functions/api/imports-files.ts': '../files/batch.js',
  'infra/imports-files.ts': '../functions/files/batch.js',
  'infra/imports-runtime.ts': '../functions/runtime/connector.js',
  'infra/imports-core.ts': '../functions/core/config.js',
};

const WRONG = [
  'functions/adapters/imports-sqs.ts',
  'functions/adapters/imports-runtime.ts',
  'functions/core/imports-library.ts',
  'functions/core/imports-node.ts',
  'functions/core/imports-adapter.ts',
  'functions/runtime/imports-sqs.ts',
  'functions/api/imports-adapter.ts',
  'functions/api/imports-sqs.ts',
  'functions/sqs/imports-adapter.ts',
  'functions/sqs/imports-api.ts',
  'functions/sqs/imports-files.ts',
  'functions/files/imports-adapter.ts',
  'functions/files/imports-sqs.ts',
  'functions/runtime/imports-files.ts',
  'functions/adapters/imports-files.ts',
  'functions/api/imports-files.ts',
  'infra/imports-files.ts',
  'infra/imports-runtime.ts',
];

interface Diagnostic {
  readonly category: string;
  readonly message: string;
  readonly location: { readonly path: string };
}

let tree: string;
let diagnostics: Diagnostic[];

beforeAll(() => {
  // Prepare: the project's biome.json (without git, which the temp tree lacks) and the probes.
  tree = mkdtempSync(join(tmpdir(), 'import-layers-'));
  const config = JSON.parse(readFileSync(new URL('biome.json', root), 'utf8'));
  config.vcs = { enabled: false };
  delete config.$schema;
  writeFileSync(join(tree, 'biome.json'), JSON.stringify(config));
  for (const [path, target] of Object.entries(PROBES)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(
      join(tree, path),
      `import type * as Target from '${target}';\n\nexport type Probe = typeof Target;\n`,
    );
  }
  // Act
  const run = spawnSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
    cwd: tree,
    encoding: 'utf8',
  });
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  diagnostics = report.diagnostics;
});

afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('the import layers (biome.json noRestrictedImports)', () => {
  it('reports exactly the imports that run against the layers', () => {
    // Assess
    const restricted = diagnostics
      .filter((diagnostic) => diagnostic.category === 'lint/style/noRestrictedImports')
      .map((diagnostic) => diagnostic.location.path)
      .sort();
    expect(restricted).toEqual([...WRONG].sort());
  });

  it('catches the file functions importing an adapter, and says where adapters come from', () => {
    // Assess
    const caught = diagnostics.find(
      (diagnostic) => diagnostic.location.path === 'functions/files/imports-adapter.ts',
    );
    expect(caught?.message).toContain(
      'functions/files uses functions/core and functions/runtime only',
    );
  });

  it('catches an adapter importing from functions/sqs, and says what to do instead', () => {
    // Assess
    const caught = diagnostics.find(
      (diagnostic) => diagnostic.location.path === 'functions/adapters/imports-sqs.ts',
    );
    expect(caught?.message).toContain('ports it needs are declared in functions/platform/ports.ts');
  });

  it('finds no other problem in the probes (the probe files themselves are clean)', () => {
    // Assess
    const other = diagnostics.filter(
      (diagnostic) => diagnostic.category !== 'lint/style/noRestrictedImports',
    );
    expect(other).toEqual([]);
  });
});
