/**
 * The README's configuration tables are generated from the settings table
 * (functions/settings/table.ts): keep the README in step with it (`npm run docs`).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { readByFunction, SETTINGS } from '../../functions/settings/table.js';
import { README_TABLES, tableBlock } from '../../infra/settings-readme.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const declared = Object.values(SETTINGS);

function block(name: 'environment' | 'context'): string {
  const table = README_TABLES.find((candidate) => candidate.name === name);
  return table === undefined ? '' : (tableBlock(readme, table) ?? '');
}

describe('README', () => {
  it('has the configuration tables the settings table generates', () => {
    // Prepare
    const stale = README_TABLES.filter((table) => tableBlock(readme, table) !== table.render());
    // Assess
    expect(
      stale.map(
        (table) =>
          `README.md: the ${table.name} table differs from functions/settings/table.ts; run \`npm run docs\``,
      ),
    ).toEqual([]);
    for (const table of README_TABLES) expect(tableBlock(readme, table)).toBe(table.render());
  });

  it('documents every environment variable the functions read', () => {
    // Prepare
    const read = declared
      .filter((entry) => readByFunction(entry.readBy, 'api') || readByFunction(entry.readBy, 'sqs'))
      .map((entry) => entry.env)
      .filter((name) => name !== undefined);
    const table = block('environment');
    // Assess
    expect(read.length).toBeGreaterThanOrEqual(12);
    for (const variable of read) expect(table).toContain(`| \`${variable}\` |`);
  });

  it('documents every local-run variable and every CDK context key', () => {
    // Prepare
    const local = declared.filter((entry) => entry.readBy === 'local').map((entry) => entry.env);
    const keys = declared.map((entry) => entry.context).filter((key) => key !== undefined);
    // Assess
    expect(local).toEqual([
      'PORT',
      'HOST',
      'RESPONDIO_TOKEN',
      'LOCAL_SQS_PORT',
      'LOCAL_RATE_BUDGET',
    ]);
    for (const variable of local) expect(block('environment')).toContain(`| \`${variable}\` |`);
    expect(keys.length).toBeGreaterThanOrEqual(27);
    for (const key of keys) expect(block('context')).toContain(`| \`${key}\` |`);
  });

  it('gives the two set-up commands', () => {
    // Assess
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
