/**
 * A checker for the project's Markdown (README.md, BENCHMARKS.md, docs/): every relative link
 * points at a file that exists, every `#anchor` matches a heading of its page by GitHub's slug
 * rules, and every code fence is closed. Pure: the caller hands in the pages' texts and a way to
 * ask whether a path exists. Links inside code (fenced blocks, code spans) are not links, and
 * external links (http:, https:, mailto:) are not checked: the check runs without a network.
 */

import { posix } from 'node:path';

/** A Markdown file: its path from the repository's root (with `/`), and its text. */
export interface MarkdownPage {
  readonly path: string;
  readonly text: string;
}

/** A link found in a page: its target as written and the line it is on (1-based). */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

interface Outline {
  /** The page's text with fenced code blanked (line breaks kept, so offsets keep their line). */
  readonly prose: string;
  /** Heading texts, in page order, outside code fences. */
  readonly headings: readonly string[];
  /**
   * Lines (1-based) of code fences never closed: open at the end of the page, or still open where
   * a fence of their kind with an info string (an opening fence) is written.
   */
  readonly unclosedFences: readonly number[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;

/** Reads a page line by line: its headings, its prose outside fences, its unclosed fences. */
function outline(text: string): Outline {
  const headings: string[] = [];
  const prose: string[] = [];
  const unclosed: number[] = [];
  let open: { readonly marker: string; readonly line: number } | null = null;
  for (const [index, line] of text.split('\n').entries()) {
    const fence = FENCE.exec(line);
    const marker = fence?.[1] ?? '';
    const info = (fence?.[2] ?? '').trim();
    // A backtick fence's info string holds no backtick (CommonMark); otherwise it is inline code.
    const opens = marker !== '' && !(marker[0] === '`' && info.includes('`'));
    if (open !== null) {
      const ofItsKind = marker[0] === open.marker[0] && marker.length >= open.marker.length;
      if (ofItsKind && info === '') {
        open = null;
      } else if (ofItsKind && opens) {
        // A fence with an info string cannot close a block: to CommonMark it is one more line of
        // code. Written where a block is open, it means that block was never closed.
        unclosed.push(open.line);
        open = { marker, line: index + 1 };
      }
      prose.push('');
      continue;
    }
    if (opens) {
      open = { marker, line: index + 1 };
      prose.push('');
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading !== null) headings.push(heading[1] ?? '');
    prose.push(line);
  }
  if (open !== null) unclosed.push(open.line);
  return { prose: prose.join('\n'), headings, unclosedFences: unclosed };
}

/** The text a heading shows: code spans, links, images, emphasis and HTML tags reduced to text. */
function headingText(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`+/g, '')
    .replace(/(\*+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}]))/gu, '');
}

/**
 * GitHub's slug of a heading (as github-slugger makes it): the shown text lowercased, every
 * character that is not a letter, a mark, a digit, `_`, `-` or a space dropped, each space a `-`.
 */
export function githubSlug(heading: string): string {
  return headingText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings, in order: a slug met again gets -1, -2, ... */
export function headingAnchors(text: string): string[] {
  const seen = new Map<string, number>();
  return outline(text).headings.map((heading) => {
    const base = githubSlug(heading);
    let slug = base;
    let count = seen.get(base);
    if (count !== undefined) {
      do {
        count += 1;
        slug = `${base}-${count}`;
      } while (seen.has(slug));
      seen.set(base, count);
    }
    seen.set(slug, 0);
    return slug;
  });
}

/** `prose` with every code span blanked; a code span may break lines but not a paragraph. */
function withoutCodeSpans(prose: string): string {
  return prose.replace(/(?<!`)(`+)(?!`)((?:[^\n]|\n(?![ \t]*\n))*?[^`\n])\1(?!`)/g, (span) =>
    span.replace(/[^\n]/g, ' '),
  );
}

/** The links of a page outside code: inline links and images, and reference definitions. */
export function markdownLinks(text: string): MarkdownLink[] {
  const prose = withoutCodeSpans(outline(text).prose);
  const lineAt = (offset: number) => prose.slice(0, offset).split('\n').length;
  const links: MarkdownLink[] = [];
  const inline = /\]\(\s*(?:<([^>\n]*)>|([^\s()]+))(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/g;
  for (const match of prose.matchAll(inline)) {
    links.push({ target: match[1] ?? match[2] ?? '', line: lineAt(match.index ?? 0) });
  }
  const definition = /^ {0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)>?/gm;
  for (const match of prose.matchAll(definition)) {
    links.push({ target: match[1] ?? '', line: lineAt(match.index ?? 0) });
  }
  return links.sort((a, b) => a.line - b.line);
}

/** Lines (1-based) where a code fence opens that is never closed (see Outline). */
export function unclosedFences(text: string): number[] {
  return [...outline(text).unclosedFences];
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * Every problem of `pages`, as `path:line: what is wrong`: relative links to files that do not
 * exist (`exists` answers for paths from the repository's root), `#anchors` that match no
 * heading of their page (which must be one of `pages`), and code fences never closed.
 */
export function checkMarkdown(
  pages: readonly MarkdownPage[],
  exists: (path: string) => boolean,
): string[] {
  const anchors = new Map(pages.map((page) => [page.path, new Set(headingAnchors(page.text))]));
  const problems: string[] = [];
  for (const page of pages) {
    for (const line of unclosedFences(page.text)) {
      problems.push(`${page.path}:${line}: a code fence opens here and is never closed`);
    }
    for (const { target, line } of markdownLinks(page.text)) {
      if (EXTERNAL.test(target)) continue;
      const where = `${page.path}:${line}: link to ${target}`;
      const hash = target.indexOf('#');
      const file = hash < 0 ? target : target.slice(0, hash);
      const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
      const path =
        file === '' ? page.path : posix.normalize(posix.join(posix.dirname(page.path), file));
      if (path === '..' || path.startsWith('../')) {
        problems.push(`${where}: outside the repository`);
        continue;
      }
      if (file !== '' && !exists(path)) {
        problems.push(`${where}: ${path} does not exist`);
        continue;
      }
      if (anchor === null) continue;
      const headings = anchors.get(path);
      if (headings === undefined) {
        problems.push(`${where}: the anchor's page ${path} is not one the check reads`);
      } else if (!headings.has(anchor)) {
        problems.push(`${where}: ${path} has no heading with the anchor #${anchor}`);
      }
    }
  }
  return problems;
}
