/**
 * A real synth of the real handlers, bundled with the esbuild API in the CDK process (no Docker):
 * proves the functions bundle as ESM split into chunks, each with the require banner and a source
 * map, with their side files. Takes a few seconds.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ESM_REQUIRE_BANNER,
  LAMBDA_RUNTIME_MODULES,
  LAMBDA_SIDE_FILES,
} from '../../infra/bundling.js';
import { readConnectorConfig } from '../../infra/connector-config.js';
import { ConnectorStack, DEFAULT_ENTRIES } from '../../infra/connector-stack.js';

const RUNTIME = new Set<string>(LAMBDA_RUNTIME_MODULES);

describe('cdk synth with bundling', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'connector-synth-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles all five handlers (API, SQS, the three file steps) into minified ESM chunks with source maps', () => {
    // Prepare
    const entries = [
      DEFAULT_ENTRIES.api,
      DEFAULT_ENTRIES.sqs,
      ...Object.values(DEFAULT_ENTRIES.files),
    ];
    for (const entry of entries) {
      expect([entry, existsSync(entry)]).toEqual([entry, true]);
    }
    const app = new App({ outdir });
    const stack = new ConnectorStack(app, 'Connector', {
      config: readConnectorConfig(() => undefined),
    });
    // Act
    const template = Template.fromStack(stack);
    app.synth();
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', entries.length);
    const assetDirs = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assetDirs).toHaveLength(entries.length);
    // Each function holds the identifier parser and the lookups' modules, so each ships the
    // packages they require on demand beside its bundle (LAMBDA_SIDE_FILES).
    for (const dir of assetDirs) {
      const missing = LAMBDA_SIDE_FILES.filter(
        (side) => !existsSync(join(outdir, dir, side.path)),
      ).map((side) => side.path);
      expect({ dir, missing }).toEqual({ dir, missing: [] });
    }
    for (const dir of assetDirs) {
      const files = readdirSync(join(outdir, dir));
      const chunks = files.filter((file) => file.endsWith('.mjs'));
      expect(chunks).toContain('index.mjs');
      // Every chunk has its map beside it.
      expect(files.filter((file) => file.endsWith('.map')).sort()).toEqual(
        chunks.map((chunk) => `${chunk}.map`).sort(),
      );
      const index = readFileSync(join(outdir, dir, 'index.mjs'), 'utf8');
      expect(index).toMatch(/export\s*\{[^}]*\bas handler\b/);
      for (const chunk of chunks) {
        const code = readFileSync(join(outdir, dir, chunk), 'utf8');
        expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
        expect(code).toContain(`//# sourceMappingURL=${chunk}.map`);
        // The AWS SDK is bundled (see the measurement in docs/decisions.md), not left to the runtime, but
        // for the credential providers Lambda never reaches (LAMBDA_RUNTIME_MODULES).
        const imported = [
          ...code.matchAll(/(?:from|import\()\s*["'](@(?:aws-sdk|smithy)\/[^"']+)/g),
        ];
        expect(
          imported.map((match) => match[1]).filter((name) => !RUNTIME.has(name ?? '')),
        ).toEqual([]);
      }
    }
  }, 120_000); // esbuild bundles five handlers: seconds idle, more on a busy machine
});
