/**
 * `npm run docs`: rewrites the generated tables of docs/ between their marker comments: the two
 * settings tables of docs/deploy-and-configure.md from the settings table
 * (functions/settings/table.ts) and the AWS rule packs table of docs/security.md from
 * infra/rule-decisions.ts. Everything else on those pages stays as it is.
 * test/docs/settings-tables.test.ts and test/infra/rule-packs.test.ts fail until this has run
 * after a change to either.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { RULE_TABLE_PAGE, withRuleDecisionsTable } from '../rule-decisions.js';
import { SETTINGS_PAGE, withSettingsTables } from '../settings-docs.js';

const root = new URL('../../', import.meta.url);
const pages = [
  { page: SETTINGS_PAGE, rewrite: withSettingsTables, from: 'functions/settings/table.ts' },
  { page: RULE_TABLE_PAGE, rewrite: withRuleDecisionsTable, from: 'infra/rule-decisions.ts' },
];

for (const { page, rewrite, from } of pages) {
  const url = new URL(page, root);
  const before = readFileSync(url, 'utf8');
  const after = rewrite(before);
  if (after === before) {
    process.stdout.write(`${page}: the generated tables are up to date\n`);
  } else {
    writeFileSync(url, after);
    process.stdout.write(`${page}: rewrote the tables from ${from}\n`);
  }
}
