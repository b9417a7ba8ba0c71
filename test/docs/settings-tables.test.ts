/**
 * The settings tables of docs/deploy-and-configure.md are generated from the settings table
 * (functions/settings/table.ts): keep the page in step with it (`npm run docs`), and keep every
 * setting on it.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { readByFunction, SETTINGS } from '../../functions/settings/table.js';
import { SETTINGS_PAGE, SETTINGS_TABLES, tableBlock } from '../../infra/settings-docs.js';

const root = new URL('../../', import.meta.url);
const page = readFileSync(new URL(SETTINGS_PAGE, root), 'utf8');
const declared = Object.values(SETTINGS);

function block(name: 'environment' | 'context'): string {
  const table = SETTINGS_TABLES.find((candidate) => candidate.name === name);
  return table === undefined ? '' : (tableBlock(page, table) ?? '');
}

describe(SETTINGS_PAGE, () => {
  it('has the settings tables the settings table generates', () => {
    // Prepare
    const stale = SETTINGS_TABLES.filter((table) => tableBlock(page, table) !== table.render());
    // Assess
    expect(
      stale.map(
        (table) =>
          `${SETTINGS_PAGE}: the ${table.name} table differs from functions/settings/table.ts; run \`npm run docs\``,
      ),
    ).toEqual([]);
    for (const table of SETTINGS_TABLES) expect(tableBlock(page, table)).toBe(table.render());
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

  it('points the links of the settings table at the docs pages that hold their sections', () => {
    // Prepare: the settings table names sections by their README anchors of before docs/.
    const tables = `${block('environment')}\n${block('context')}`;
    // Assess
    expect(tables).toContain('](error-behavior.md)');
    expect(tables).toContain('](shared-budget.md#how-the-budget-learns)');
    expect(tables).not.toContain('README');
  });
});
