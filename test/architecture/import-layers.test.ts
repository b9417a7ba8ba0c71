/**
 * The layer rule of functions/ (docs/code-layout.md) is enforced by Biome's
 * noRestrictedImports, configured in biome.json, so a wrong import fails `npm test`: a feature
 * imports another only through its entry (index.ts), a pure file imports no I/O library (only the
 * I/O files biome.json lists do), functions/ never imports local, infra, bench or test, settings
 * import nothing else, and infra only the pure parts it shares. This test runs the project's own
 * biome.json over a throw-away tree of probe files and checks that exactly the wrong imports are
 * reported.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const root = new URL('../../', import.meta.url);
const biome = new URL('node_modules/.bin/biome', root).pathname;

/** Probe files: path in the tree → the modules it imports. */
const PROBES: Record<string, readonly string[]> = {
  'functions/lookup/imports-local.ts': ['../../local/simulator/server.js'],
  'functions/queue/imports-test.ts': ['../../test/support/fixtures.js'],
  'functions/files/imports-bench.ts': ['../../bench/run.js'],
  'functions/budget/imports-infra.ts': ['../../infra/stack.js'],
  'functions/queue/imports-lookup-module.ts': ['../lookup/lookup.js'],
  'functions/queue/imports-lookup-entry.ts': ['../lookup/index.js', './settlement.js'],
  'functions/lookup/imports-ky.ts': ['ky'],
  'functions/budget/imports-node.ts': ['node:fs'],
  'functions/queue/imports-powertools.ts': ['@aws-lambda-powertools/metrics'],
  'functions/api/imports-middy.ts': ['@middy/core'],
  // A listed I/O file may import its library, and still reaches other features by their entry.
  'functions/lookup/respondio.ts': ['ky', '../budget/index.js'],
  'functions/queue/sqs-sinks.ts': ['../batches/engine.js'],
  'functions/settings/imports-settings.ts': ['./table.js'],
  'functions/settings/imports-platform.ts': ['../platform/index.js'],
  'functions/settings/imports-library.ts': ['ky'],
  'infra/imports-settings.ts': ['../functions/settings/table.js'],
  'infra/imports-workflow.ts': ['../functions/files/workflow.js'],
  'infra/imports-files-handler.ts': ['../functions/files/prepare-handler.js'],
  'infra/imports-lookup.ts': ['../functions/lookup/index.js'],
  'infra/imports-local.ts': ['../local/start.js'],
};

const WRONG = [
  'functions/lookup/imports-local.ts',
  'functions/queue/imports-test.ts',
  'functions/files/imports-bench.ts',
  'functions/budget/imports-infra.ts',
  'functions/queue/imports-lookup-module.ts',
  'functions/lookup/imports-ky.ts',
  'functions/budget/imports-node.ts',
  'functions/queue/imports-powertools.ts',
  'functions/api/imports-middy.ts',
  'functions/queue/sqs-sinks.ts',
  'functions/settings/imports-platform.ts',
  'functions/settings/imports-library.ts',
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
  for (const [path, targets] of Object.entries(PROBES)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    const lines = targets.map((target, index) => `import type * as T${index} from '${target}';`);
    const uses = targets.map((_, index) => `typeof T${index}`).join(' | ');
    writeFileSync(join(tree, path), `${lines.join('\n')}\n\nexport type Probe = ${uses};\n`);
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

  it('tells a feature that reached into another where to go instead', () => {
    // Assess
    const caught = diagnostics.find(
      (diagnostic) => diagnostic.location.path === 'functions/queue/imports-lookup-module.ts',
    );
    expect(caught?.message).toContain('only through its entry: ../<feature>/index.js');
  });

  it('tells a pure file that imported an I/O library where I/O goes', () => {
    // Assess
    const caught = diagnostics.find(
      (diagnostic) => diagnostic.location.path === 'functions/queue/imports-powertools.ts',
    );
    expect(caught?.message).toContain('A pure file imports no I/O library');
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
