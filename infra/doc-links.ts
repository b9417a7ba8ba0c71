/**
 * Links in the texts the generated docs tables are written from. The settings table
 * (functions/settings/table.ts) and the rule decisions (rule-decisions.ts) name the sections they
 * point at by their anchors in the README of before docs/ (`[Error behavior](#error-behavior)`);
 * the tables now sit in docs/, so `npm run docs` writes each such link to the page that holds the
 * section today. A link not listed here is written as it is, and the link check of `npm test`
 * (test/docs/links.test.ts) fails on it until it is listed or its text points at a page.
 */

/** README anchor of before docs/ → the page (relative to docs/) that holds the section now. */
const SECTION_PAGES: Readonly<Record<string, string>> = {
  '#error-behavior': 'error-behavior.md',
  '#token-rotation-and-secrets-manager-outages': 'token.md#token-rotation',
  '#contact-cache-and-shared-lookups': 'contact-cache.md',
  '#the-shared-budget': 'shared-budget.md',
  '#the-static-split-the-fallback': 'shared-budget.md#the-static-split-the-fallback',
  '#sizing-apiconcurrency': 'shared-budget.md#sizing-apiconcurrency',
  '#bulk-files-through-s3': 'files.md',
  '#tracing-aws-x-ray': 'monitoring.md#tracing-aws-x-ray',
};

/** Plain-text mentions of a README section → a link to its page. */
const SECTION_MENTIONS: readonly (readonly [string, string])[] = [
  [
    '(README, "How the budget learns")',
    '(see [how the budget learns](shared-budget.md#how-the-budget-learns))',
  ],
];

/** `text` with its links to README sections pointed at their pages in docs/. */
export function linkedFromDocs(text: string): string {
  let linked = text.replace(
    /\]\((#[^)\s]+)\)/g,
    (_link, anchor: string) => `](${SECTION_PAGES[anchor] ?? anchor})`,
  );
  for (const [mention, link] of SECTION_MENTIONS) linked = linked.split(mention).join(link);
  return linked;
}
