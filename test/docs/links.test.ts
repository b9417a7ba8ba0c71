/**
 * The documentation holds together: every relative link in README.md, BENCHMARKS.md and docs/
 * points at a file that exists, every `#anchor` at a heading of its page (GitHub's slugs), and
 * every code fence is closed. The checker (test/support/markdown-links.ts) is shown failing on
 * each kind of problem first, so that a green run over the project's pages means something.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  checkMarkdown,
  githubSlug,
  headingAnchors,
  type MarkdownPage,
  markdownLinks,
  unclosedFences,
} from '../support/markdown-links.js';

const root = new URL('../../', import.meta.url);

/** README.md, BENCHMARKS.md and every Markdown file under docs/, with their texts. */
function projectPages(): MarkdownPage[] {
  const docs = readdirSync(new URL('docs/', root), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name.split('\\').join('/')}`);
  return ['README.md', 'BENCHMARKS.md', ...docs].map((path) => ({
    path,
    text: readFileSync(new URL(path, root), 'utf8'),
  }));
}

/** A small repository for the checker: these files exist, besides the pages themselves. */
const files = new Set(['docs/guide.md', 'docs/other.md', 'functions/api/openapi.yaml']);
const exists = (path: string) => files.has(path);

describe('githubSlug', () => {
  it.each([
    ['Tracing (AWS X-Ray)', 'tracing-aws-x-ray'],
    ['Sizing `apiConcurrency`', 'sizing-apiconcurrency'],
    ["The stack's outputs", 'the-stacks-outputs'],
    [
      'What "never over the limit" covers: request starts',
      'what-never-over-the-limit-covers-request-starts',
    ],
    ['2026-12-01: the cost of tracing (issue 12)', '2026-12-01-the-cost-of-tracing-issue-12'],
    ['The respond.io simulator', 'the-respondio-simulator'],
    ['`RATE_BUDGET_TABLE` and [links](x.md)', 'rate_budget_table-and-links'],
    ['Before — after', 'before--after'],
  ])('makes %j into %j', (heading, slug) => {
    // Act & Assess
    expect(githubSlug(heading)).toBe(slug);
  });

  it('numbers a slug met again, and skips headings inside code fences', () => {
    // Prepare
    const text = '# Setup\n\n## Setup\n\n```sh\n# Setup\n```\n\n### Setup\n';
    // Act & Assess
    expect(headingAnchors(text)).toEqual(['setup', 'setup-1', 'setup-2']);
  });
});

describe('markdownLinks', () => {
  it('finds inline links, images and reference definitions, not links inside code', () => {
    // Prepare
    const text = [
      'See [the guide](guide.md#start) and ![a chart](../bench/chart.svg "Chart").',
      'Not `[a span](span.md)`, nor a span that breaks `a line [x](y.md)',
      'in two` here.',
      '```md',
      '[fenced](fenced.md)',
      '```',
      '[ref]: other.md#top',
    ].join('\n');
    // Act
    const links = markdownLinks(text);
    // Assess
    expect(links).toEqual([
      { target: 'guide.md#start', line: 1 },
      { target: '../bench/chart.svg', line: 1 },
      { target: 'other.md#top', line: 7 },
    ]);
  });
});

describe('checkMarkdown', () => {
  const guide: MarkdownPage = {
    path: 'docs/guide.md',
    text: '# Guide\n\n## Start here\n\nSee [Other](other.md#setup), [below](#start-here).\n',
  };
  const other: MarkdownPage = { path: 'docs/other.md', text: '# Other\n\n## Setup\n' };

  it('accepts links to files and headings that exist, and leaves external links alone', () => {
    // Prepare
    const page: MarkdownPage = {
      path: 'docs/other.md',
      text: '# Other\n\n## Setup\n\n[API](../functions/api/openapi.yaml), [web](https://example.com/x.md#nothing), [guide](guide.md#start-here)\n',
    };
    // Act & Assess
    expect(checkMarkdown([guide, page], exists)).toEqual([]);
  });

  it('reports a link to a file that does not exist', () => {
    // Prepare
    const page: MarkdownPage = { path: 'docs/other.md', text: '# Other\n\n[gone](missing.md)\n' };
    // Act
    const problems = checkMarkdown([page], exists);
    // Assess
    expect(problems).toEqual([
      'docs/other.md:3: link to missing.md: docs/missing.md does not exist',
    ]);
  });

  it('reports an anchor that matches no heading, on the same page or another', () => {
    // Prepare
    const page: MarkdownPage = {
      path: 'docs/guide.md',
      text: '# Guide\n\n[here](#nowhere) and [there](other.md#set-up)\n',
    };
    // Act
    const problems = checkMarkdown([page, other], exists);
    // Assess
    expect(problems).toEqual([
      'docs/guide.md:3: link to #nowhere: docs/guide.md has no heading with the anchor #nowhere',
      'docs/guide.md:3: link to other.md#set-up: docs/other.md has no heading with the anchor #set-up',
    ]);
  });

  it('reports an anchor to a heading that sits inside a code block', () => {
    // Prepare
    const page: MarkdownPage = {
      path: 'docs/guide.md',
      text: '# Guide\n\n```md\n## Hidden\n```\n\n[hidden](#hidden)\n',
    };
    // Act & Assess
    expect(checkMarkdown([page], exists)).toEqual([
      'docs/guide.md:7: link to #hidden: docs/guide.md has no heading with the anchor #hidden',
    ]);
  });

  it('reports a code fence that is never closed, and does not read links past it', () => {
    // Prepare
    const page: MarkdownPage = {
      path: 'docs/guide.md',
      text: '# Guide\n\n```text\n$ npm run bench\n### A heading swallowed\n[gone](missing.md)\n',
    };
    // Act
    const problems = checkMarkdown([page], exists);
    // Assess
    expect(unclosedFences(page.text)).toEqual([3]);
    expect(problems).toEqual(['docs/guide.md:3: a code fence opens here and is never closed']);
  });

  it('closes a fence only with a fence of its kind, at least as long, with no info string', () => {
    // Prepare
    const text = '````md\n```text\nan example\n```\n~~~~\n````\n\n~~~\nend\n';
    // Act & Assess
    expect(unclosedFences(text)).toEqual([8]);
  });

  it('reports a fence left open where the next one opens, as GitHub would hide what is between', () => {
    // Prepare: BENCHMARKS.md had this, a heading swallowed by a block opened above it.
    const page: MarkdownPage = {
      path: 'BENCHMARKS.md',
      text: [
        '# Benchmarks',
        '```text',
        '$ npm run soak',
        '## 2026-12-01: next day',
        '',
        '```text',
        '$ npm run bench',
        '```',
        '',
        '[next day](#2026-12-01-next-day)',
      ].join('\n'),
    };
    // Act
    const problems = checkMarkdown([page], exists);
    // Assess: the heading in the block is code, so the link to it is broken too.
    expect(problems).toEqual([
      'BENCHMARKS.md:2: a code fence opens here and is never closed',
      'BENCHMARKS.md:10: link to #2026-12-01-next-day: BENCHMARKS.md has no heading with the anchor #2026-12-01-next-day',
    ]);
  });

  it('reports a link that leaves the repository', () => {
    // Prepare
    const page: MarkdownPage = { path: 'README.md', text: '# Read me\n\n[up](../elsewhere.md)\n' };
    // Act & Assess
    expect(checkMarkdown([page], exists)).toEqual([
      'README.md:3: link to ../elsewhere.md: outside the repository',
    ]);
  });
});

describe("the project's Markdown", () => {
  it('has only links and anchors that resolve, and closed code fences', () => {
    // Prepare
    const pages = projectPages();
    // Act
    const problems = checkMarkdown(pages, (path) => existsSync(new URL(path, root)));
    // Assess: the check read the pages it is meant to read.
    expect(pages.map((page) => page.path)).toEqual(
      expect.arrayContaining(['README.md', 'BENCHMARKS.md', 'docs/README.md']),
    );
    expect(pages.length).toBeGreaterThanOrEqual(20);
    expect(pages.flatMap((page) => markdownLinks(page.text)).length).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });

  it('opens every docs page with one line saying who it is for', () => {
    // Prepare
    const docs = projectPages().filter((page) => page.path.startsWith('docs/'));
    // Act: the first paragraph after the title.
    const missing = docs
      .filter((page) => !/^# .+\n\nFor [^\n]+/.test(page.text))
      .map((page) => page.path);
    // Assess
    expect(missing).toEqual([]);
  });
});
