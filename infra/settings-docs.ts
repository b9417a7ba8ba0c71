/**
 * The two settings tables of docs/deploy-and-configure.md, written from the settings table
 * (functions/settings/table.ts): the environment variables under "Environment variables" and the
 * CDK context keys under "Deployment configuration (CDK context)". Each table sits between two
 * marker comments; `npm run docs` (infra/scripts/write-docs-tables.ts) rewrites them and
 * test/docs/settings-tables.test.ts fails when the page is not what this module writes.
 */

import type { Part, Setting } from '../functions/settings/setting.js';
import { SETTINGS } from '../functions/settings/table.js';

/** The page that holds the settings tables, from the repository's root. */
export const SETTINGS_PAGE = 'docs/deploy-and-configure.md';

/** One generated block of the settings page. */
export interface SettingsTable {
  readonly name: 'environment' | 'context';
  readonly begin: string;
  readonly end: string;
  render(): string;
}

const marker = (name: string, edge: 'begin' | 'end') =>
  edge === 'begin'
    ? `<!-- ${name} table: generated from functions/settings/table.ts by \`npm run docs\` -->`
    : `<!-- end of ${name} table -->`;

const READ_BY: Readonly<Record<Part, string>> = {
  api: 'API function',
  sqs: 'SQS function',
  files: 'file functions',
  functions: 'all functions',
  stack: 'stack',
  local: 'local run',
};

const declared = Object.values(SETTINGS) as readonly Setting<unknown>[];

/** A table cell: no line breaks, and a `|` would end the cell. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function shownDefault(value: unknown, text: string | undefined): string {
  if (text !== undefined) return text;
  if (value === null) return '(none)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : `\`${value.join(',')}\``;
  return `\`${String(value)}\``;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** What the deployment does with a function's variable. */
function deployedNote(entry: Setting<unknown>): string {
  if (entry.readBy === 'local') return '';
  if (entry.stackSets !== undefined) return ` Deployed: the stack sets it ${entry.stackSets}.`;
  if (entry.context !== undefined) return ` Deployed: from \`${entry.context}\`.`;
  return ' Deployed: not set by the stack (the default applies).';
}

function environmentTable(): string {
  const rows = declared
    .filter((entry) => entry.env !== undefined)
    .map((entry) =>
      row([
        `\`${entry.env}\``,
        shownDefault(entry.default, entry.defaultText),
        entry.read.accepts,
        READ_BY[entry.readBy],
        `${entry.doc}${deployedNote(entry)}`,
      ]),
    );
  return [
    '| variable | default | accepts | read by | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function contextTable(): string {
  const rows = declared
    .filter((entry) => entry.context !== undefined)
    .map((entry) => {
      const deployed = entry.deployed;
      const fallback =
        deployed !== undefined && 'default' in deployed ? deployed.default : entry.default;
      const passedAs = entry.env !== undefined ? `\`${entry.env}\`` : '—';
      return row([
        `\`${entry.context}\``,
        shownDefault(fallback, entry.defaultText),
        (deployed?.read ?? entry.read).accepts,
        passedAs,
        deployed === undefined ? entry.doc : `${entry.doc} ${deployed.why}`,
      ]);
    });
  return [
    '| key | default | accepts | passed as | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export const SETTINGS_TABLES: readonly SettingsTable[] = [
  {
    name: 'environment',
    begin: marker('environment', 'begin'),
    end: marker('environment', 'end'),
    render: environmentTable,
  },
  {
    name: 'context',
    begin: marker('context', 'begin'),
    end: marker('context', 'end'),
    render: contextTable,
  },
];

/** The text between a table's markers (without them), or null when a marker is missing. */
export function tableBlock(page: string, table: SettingsTable): string | null {
  const start = page.indexOf(table.begin);
  const end = page.indexOf(table.end);
  if (start < 0 || end < start) return null;
  return page.slice(start + table.begin.length, end).replace(/^\n|\n$/g, '');
}

/** The settings page with every table rewritten from the settings table. */
export function withSettingsTables(page: string): string {
  let text = page;
  for (const table of SETTINGS_TABLES) {
    const start = text.indexOf(table.begin);
    const end = text.indexOf(table.end);
    if (start < 0 || end < start) {
      throw new Error(`${SETTINGS_PAGE} has no "${table.begin}" … "${table.end}" markers`);
    }
    text = `${text.slice(0, start + table.begin.length)}\n${table.render()}\n${text.slice(end)}`;
  }
  return text;
}
