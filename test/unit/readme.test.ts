/**
 * The README is the one documented home of the configuration: keep its tables in step with the
 * code that reads the settings.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CONTEXT_OPTIONS } from '../../infra/connector-config.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const configSource = readFileSync(new URL('functions/core/config.ts', root), 'utf8');

/** The rows of the Markdown table that follows `heading`. */
function tableAfter(heading: string): string {
  const start = readme.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rest = lines.slice(first);
  const end = rest.findIndex((line) => !line.startsWith('|'));
  return rest.slice(0, end).join('\n');
}

describe('README', () => {
  it('documents every environment variable the functions read', () => {
    // Prepare
    const read = [...configSource.matchAll(/\b(?:value|number|integer)\('([A-Z_]+)'/g)].map(
      (match) => match[1] as string,
    );
    const table = tableAfter('## Configuration');
    // Assess
    expect(read.length).toBeGreaterThanOrEqual(12);
    for (const variable of new Set(read)) expect(table).toContain(`\`${variable}\``);
  });

  it('documents every CDK context key', () => {
    // Prepare
    const table = tableAfter('### Deployment configuration (CDK context)');
    // Assess
    for (const option of CONTEXT_OPTIONS) {
      if (!option.key.startsWith('(')) expect(table).toContain(`\`${option.key}\``);
    }
  });

  it('gives the two set-up commands', () => {
    // Assess
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
