/**
 * `npm run docs`: rewrites the README's configuration tables from the settings table
 * (functions/core/settings.ts), between their marker comments. Everything else in the README
 * stays as it is. test/unit/readme.test.ts fails until this has run after a settings change.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTables } from '../settings-readme.js';

const readmeUrl = new URL('../../README.md', import.meta.url);
const before = readFileSync(readmeUrl, 'utf8');
const after = withSettingsTables(before);
if (after === before) {
  process.stdout.write('README.md: the configuration tables are up to date\n');
} else {
  writeFileSync(readmeUrl, after);
  process.stdout.write(
    'README.md: rewrote the configuration tables from functions/core/settings.ts\n',
  );
}
