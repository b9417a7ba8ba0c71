/**
 * `npm run docs`: rewrites the README's generated tables between their marker comments: the two
 * configuration tables from the settings table (functions/settings/table.ts) and the AWS rule
 * packs table from infra/rule-decisions.ts. Everything else in the README stays as it is.
 * test/docs/readme.test.ts and test/infra/rule-packs.test.ts fail until this has run after a
 * change to either.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { withRuleDecisionsTable } from '../rule-decisions.js';
import { withSettingsTables } from '../settings-readme.js';

const readmeUrl = new URL('../../README.md', import.meta.url);
const before = readFileSync(readmeUrl, 'utf8');
const after = withRuleDecisionsTable(withSettingsTables(before));
if (after === before) {
  process.stdout.write('README.md: the generated tables are up to date\n');
} else {
  writeFileSync(readmeUrl, after);
  process.stdout.write(
    'README.md: rewrote the tables from functions/settings/table.ts and infra/rule-decisions.ts\n',
  );
}
