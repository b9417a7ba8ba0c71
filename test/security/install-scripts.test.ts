/**
 * Install scripts are reviewed, not inherited: every package in package-lock.json that has an
 * install script is approved or denied by name in package.json `allowScripts` (npm 11 blocks
 * the others), docs/security.md says why for each, and the approval that matters most works — the
 * `node` package's preinstall puts Node 24 under every npm script, this test run included.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const root = new URL('../../', import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, root), 'utf8'));
const manifest = readJson('package.json') as { allowScripts?: Record<string, boolean> };
const lock = readJson('package-lock.json') as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};
const securityPage = readFileSync(new URL('docs/security.md', root), 'utf8');

/** The package name of a lockfile key such as `node_modules/a/node_modules/@b/c`. */
function packageName(lockKey: string): string {
  return lockKey.slice(lockKey.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

describe('install scripts', () => {
  it('approves or denies every locked package that has an install script', () => {
    // Prepare
    const withScripts = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== '' && entry.hasInstallScript === true)
      .map(([key]) => packageName(key));
    const policy = manifest.allowScripts ?? {};
    // Act
    const unreviewed = [...new Set(withScripts)].filter((name) => !(name in policy));
    // Assess
    expect(withScripts.length).toBeGreaterThan(0);
    expect(
      unreviewed.map(
        (name) =>
          `${name} has an install script: review it, then \`npm install-scripts approve ${name}\` or \`deny ${name}\`, and say why in docs/security.md`,
      ),
    ).toEqual([]);
  });

  it('approves exactly node, esbuild and @swc/core, and denies @parcel/watcher and classic-level', () => {
    // Assess: a change to the policy is a change to this list and to docs/security.md's reasons.
    expect(manifest.allowScripts).toEqual({
      node: true,
      esbuild: true,
      '@swc/core': true,
      '@parcel/watcher': false,
      'classic-level': false,
    });
  });

  it('names every entry of the policy in docs/security.md, with its decision', () => {
    for (const [name, allowed] of Object.entries(manifest.allowScripts ?? {})) {
      // Assess
      const row = securityPage.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect([name, row === undefined]).toEqual([name, false]);
      expect(row).toContain(allowed ? 'approved' : 'denied');
    }
  });

  it('runs the tests on the Node 24 that the node package installs', () => {
    // Assess: without its preinstall, npm scripts would fall back to the machine's Node.
    expect(process.version).toMatch(/^v24\./);
    expect(process.execPath).toMatch(/node_modules\/node\/bin\/node$/);
  });
});
