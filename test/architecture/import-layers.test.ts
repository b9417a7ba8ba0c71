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
  'functions/lookup/imports-local.ts': '../../local/simulator/server.js',
  'functions/queue/imports-test.ts': '../../test/support/fixtures.js',
  'functions/files/imports-bench.ts': '../../bench/run.js',
  'functions/budget/imports-infra.ts': '../../infra/stack.js',
  'functions/queue/imports-lookup.ts': '../lookup/lookup.js',
  'functions/settings/imports-settings.ts': './table.js',
  'functions/settings/imports-phone-countries.ts': '../lookup/phone-countries.js',
  'functions/settings/imports-library.ts': 'ky',
  'functions/settings/imports-node.ts': 'node:fs',
  'functions/settings/imports-lookup.ts': '../lookup/respondio.js',
  'infra/imports-settings.ts': '../functions/settings/table.js',
  'infra/imports-workflow.ts': '../functions/files/workflow.js',
  'infra/imports-files-handler.ts': '../functions/files/prepare-handler.js',
  'infra/imports-lookup.ts': '../functions/lookup/index.js',
  'infra/imports-local.ts': '../local/start.js',
};

const WRONG = [
  'functions/lookup/imports-local.ts',
  'functions/queue/imports-test.ts',
  'functions/files/imports-bench.ts',
  'functions/budget/imports-infra.ts',
  'functions/settings/imports-library.ts',
  'functions/settings/imports-node.ts',
  'functions/settings/imports-lookup.ts',
  'infra/imports-files-handler.ts',
  'infra/imports-lookup.ts',
  'infra/imports-local.ts',
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

  it('says why functions/settings stays pure', () => {
    // Assess
    const caught = diagnostics.find(
      (diagnostic) => diagnostic.location.path === 'functions/settings/imports-library.ts',
    );
    expect(caught?.message).toContain('functions/settings is pure');
  });

  it('says what infra may import from functions/', () => {
    // Assess
    const caught = diagnostics.find(
      (diagnostic) => diagnostic.location.path === 'infra/imports-lookup.ts',
    );
    expect(caught?.message).toContain('it references the handlers by path');
  });

  it('finds no other problem in the probes (the probe files themselves are clean)', () => {
    // Assess
    const other = diagnostics.filter(
      (diagnostic) => diagnostic.category !== 'lint/style/noRestrictedImports',
    );
    expect(other).toEqual([]);
  });
});
