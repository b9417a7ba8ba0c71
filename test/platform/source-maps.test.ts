/**
 * Stack traces of a bundled function name the TypeScript source without --enable-source-maps
 * (functions/platform/source-maps.ts): a small handler is bundled as the stack bundles it and
 * run in a fresh Node process without flags, and its trace is read.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mapStackTracesLazily } from '../../functions/platform/source-maps.js';
import { bundleFunction } from '../../infra/bundling.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/platform/fixtures/throwing-handler.ts';

/** The 1-based line of the fixture that holds `text`. */
function lineOf(text: string): number {
  const lines = readFileSync(join(projectRoot, FIXTURE), 'utf8').split('\n');
  return lines.findIndex((line) => line.includes(text)) + 1;
}

/** Runs the bundle's handler once in a fresh process without flags; `between` runs first. */
function traceOf(entryFile: string, between = ''): string {
  const script = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(entryFile).href)});`,
    between,
    'try { await handler({}, {}); } catch (error) { process.stdout.write(error.stack); }',
  ].join('\n');
  const env: NodeJS.ProcessEnv = { ...process.env, POWERTOOLS_DEV: 'false' };
  delete env.NODE_OPTIONS;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  return child.stdout;
}

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'source-maps-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The fixture bundled as the stack bundles a function, into a directory of its own. */
function bundled(name: string): { outdir: string; entryFile: string } {
  const outdir = join(workDir, name);
  return { outdir, entryFile: bundleFunction(FIXTURE, outdir, projectRoot).entryFile };
}

describe('stack traces of a bundled function', () => {
  it('name the TypeScript file, line and function where the error was thrown', () => {
    // Prepare
    const { entryFile } = bundled('mapped');
    // Act
    const trace = traceOf(entryFile);
    // Assess
    const [header, first, ...rest] = trace.split('\n');
    expect(header).toBe('Error: probe failure');
    expect(first).toMatch(
      new RegExp(
        `^ {4}at failLookup \\(.*/${FIXTURE}:${lineOf("throw new Error('probe")}:\\d+\\)$`,
      ),
    );
    // The frames in our code name .ts files, none the bundle.
    expect(rest.join('\n')).toContain(`/${FIXTURE}:${lineOf('export const handler')}:`);
    expect(trace).not.toMatch(/index\.mjs|chunk-[A-Z0-9]+\.mjs/);
  });

  it('read no map as the function starts: one removed after start-up leaves the trace as bundled', () => {
    // Prepare: the maps go once the handler is imported, before anything throws.
    const { outdir, entryFile } = bundled('maps-removed');
    const removeMaps = readdirSync(outdir)
      .filter((file) => file.endsWith('.map'))
      .map((file) => `(await import('node:fs')).rmSync(${JSON.stringify(join(outdir, file))});`)
      .join('\n');
    // Act
    const trace = traceOf(entryFile, removeMaps);
    // Assess
    expect(trace.split('\n')[1]).toMatch(/\.mjs:\d+:\d+\)?$/);
    expect(trace).not.toContain('.ts:');
  });
});

describe('unbundled (this very test process)', () => {
  it('leaves stack traces to whoever formats them already', () => {
    // Prepare
    const before = Error.prepareStackTrace;
    // Act
    mapStackTracesLazily();
    // Assess
    expect(Error.prepareStackTrace).toBe(before);
  });
});
