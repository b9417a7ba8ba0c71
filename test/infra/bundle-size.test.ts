/**
 * Each function's bundle, built as the stack builds it (bundleFunction), against its budget in
 * LAMBDA_INIT_BUDGET_KB (infra/bundling.ts): the JavaScript it evaluates as it starts.
 * A dependency that grows a bundle past its budget fails here, when it is added. And the side
 * files: the API bundle finds the packages it requires on demand beside it. A few seconds.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { PhoneFunctions } from '../../functions/lookup/phone-numbers.js';
import type { ContactCacheFunctions } from '../../functions/lookup/shared-lookups.js';
import {
  bundleFunction,
  type FunctionBundle,
  LAMBDA_INIT_BUDGET_KB,
  LAMBDA_SIDE_FILES,
} from '../../infra/bundling.js';
import { DEFAULT_ENTRIES, PROJECT_ROOT } from '../../infra/connector-stack.js';
import { toApiGatewayEvent } from '../../local/api-gateway-server.js';

const ENTRIES: Record<keyof typeof LAMBDA_INIT_BUDGET_KB, string> = {
  api: DEFAULT_ENTRIES.api,
  sqs: DEFAULT_ENTRIES.sqs,
  ...DEFAULT_ENTRIES.files,
};

const outRoot = mkdtempSync(join(tmpdir(), 'bundle-size-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const bundles = new Map<string, FunctionBundle>();
function bundleOf(name: keyof typeof ENTRIES): FunctionBundle {
  let bundle = bundles.get(name);
  if (bundle === undefined) {
    bundle = bundleFunction(ENTRIES[name], join(outRoot, name), PROJECT_ROOT);
    bundles.set(name, bundle);
  }
  return bundle;
}

describe('the bundles', () => {
  it.each(Object.keys(ENTRIES) as (keyof typeof ENTRIES)[])(
    'the %s function evaluates no more JavaScript as it starts than its budget',
    (name) => {
      // Act
      const kb = Math.round(bundleOf(name).initBytes / 102.4) / 10;
      // Assess
      expect(kb).toBeLessThanOrEqual(LAMBDA_INIT_BUDGET_KB[name]);
    },
  );

  it('stub semver only where aws-xray-sdk-core requires it for its AWS SDK v2 patcher', () => {
    // Act
    const importers = Object.entries(bundleOf('api').metafile.inputs)
      .filter(([, input]) =>
        input.imports.some((imported) => imported.path === 'infra/bundle-stubs/semver.cjs'),
      )
      .map(([file]) => file.replace(/.*node_modules\//, ''));
    // Assess
    expect(importers).toEqual(['aws-xray-sdk-core/dist/lib/patchers/aws_p.js']);
  });

  it('ship exactly the functions each module requires on demand uses', () => {
    // Prepare: each object names, once, every key of the module's type (tsc checks it).
    const used: Record<string, Record<string, null>> = {
      'libphonenumber-js/core': {
        isSupportedCountry: null,
        ParseError: null,
        parsePhoneNumberWithError: null,
        validatePhoneNumberLength: null,
      } satisfies Record<keyof PhoneFunctions, null>,
      'lru-cache': { LRUCache: null } satisfies Record<keyof ContactCacheFunctions, null>,
    };
    const require = createRequire(bundleOf('api').entryFile);
    for (const side of LAMBDA_SIDE_FILES) {
      if (!('bundle' in side)) continue;
      // Act
      const shipped = Object.keys(require(side.bundle) as object);
      // Assess
      expect({ module: side.bundle, exports: [...side.exports].sort() }).toEqual({
        module: side.bundle,
        exports: Object.keys(used[side.bundle] ?? {}).sort(),
      });
      expect(shipped.sort()).toEqual([...side.exports].sort());
    }
  });

  it('give the API function the packages it requires on demand, found beside the bundle', () => {
    // Prepare: the contact cache on (its LRU is required as the function starts), and a number
    // the phone library refuses by its country's metadata (no network).
    const event = toApiGatewayEvent(
      { method: 'GET', url: `/contacts/${encodeURIComponent('phone:+6012')}` },
      { payloadVersion: '2.0', requestId: 'side-files', now: new Date(0) },
    );
    const script = [
      `const { handler } = await import(${JSON.stringify(pathToFileURL(bundleOf('api').entryFile).href)});`,
      `const answer = await handler(${JSON.stringify(event)}, { awsRequestId: 'side-files', getRemainingTimeInMillis: () => 29000 });`,
      "process.stdout.write('\\nANSWER ' + JSON.stringify(answer));",
    ].join('\n');
    // Act
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDBUNDLESIZE',
        AWS_SECRET_ACCESS_KEY: 'bundle-size',
        RESPONDIO_TOKEN_SECRET_ID: 'bundle-size',
        POWERTOOLS_METRICS_NAMESPACE: 'bundle-size',
        CONTACT_CACHE_TTL_SECONDS: '60',
      },
      cwd: tmpdir(),
      encoding: 'utf8',
    });
    // Assess
    const line = child.stdout.split('\n').find((text) => text.startsWith('ANSWER '));
    const answer = JSON.parse(line?.slice('ANSWER '.length) ?? 'null');
    expect({ status: answer?.statusCode, stderr: child.stderr }).toEqual({
      status: 400,
      stderr: '',
    });
    expect(answer.body).toContain('too short for its country');
  });
});
