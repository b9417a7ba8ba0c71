/**
 * The benchmark's table shapes and printer. A section returns either rows of the throughput shape
 * (`BenchRow`, printed with the fixed columns of `formatTable`) or a free-form `BenchTable` whose
 * cells it formats itself (printed by `formatBenchTable`).
 */

export interface BenchRow {
  /** What was measured, e.g. "SQS handler (2 containers x 25 rps, batches of 250)". */
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
  /** The organisation's limit in requests per second. */
  readonly limitRps: number;
  /** Requests that reached the simulator. */
  readonly requests: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Rows without a definitive answer (a contact or a 404) at the end of the run. */
  readonly lost: number;
  /** Most requests in any sliding second, as the simulator counted them. */
  readonly maxInAnySecond: number;
  readonly note?: string;
}

/** A table with its own columns: one header, rows of preformatted cells, notes under it. */
export interface BenchTable {
  /** One or two sentences under the title: what the rows measure and how. */
  readonly description?: string;
  readonly columns: readonly string[];
  /** One array of cells per row, in the order of `columns`; the first cell names the row. */
  readonly rows: readonly (readonly string[])[];
  /** Lines printed as a list under the table (per-row notes, targets, method). */
  readonly notes?: readonly string[];
}

export interface BenchSettings {
  readonly rows: number;
  readonly limitRps: number;
  readonly latencyMs: number;
  /** Rows for the slow sequential baseline (time box). */
  readonly baselineRows: number;
}

export interface BenchSection {
  readonly title: string;
  run(settings: BenchSettings): Promise<BenchRow[] | BenchTable>;
}

/** `value` with `digits` decimals, or '-' when it is not a finite number. */
export const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';

/** A ratio as e.g. "1.23x", or '-' when it cannot be computed. */
export const times = (value: number, digits = 2) =>
  Number.isFinite(value) ? `${value.toFixed(digits)}x` : '-';

/** "yes" when a target was met, "NO" otherwise (capitals, so a miss stands out). */
export const met = (ok: boolean) => (ok ? 'yes' : 'NO');

/** The p-th percentile (0-100) by the nearest-rank method; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A Markdown table: the first column left-aligned, the others right-aligned. */
function markdownTable(header: readonly string[], lines: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    `| ${header.map((_, i) => (i === 0 ? (cells[i] ?? '').padEnd(widths[i] ?? 0) : (cells[i] ?? '').padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [render(header), rule, ...lines.map(render)];
}

export function formatTable(title: string, rows: readonly BenchRow[]): string {
  const header = [
    'run',
    'rows',
    'seconds',
    'answered rows/s',
    'rows/s ÷ limit',
    'requests',
    '429s',
    '429 %',
    'max req in 1 s',
    'rows lost',
  ];
  const lines = rows.map((row) => {
    const rate = row.seconds > 0 ? (row.rows - row.lost) / row.seconds : 0;
    return [
      row.name,
      String(row.rows),
      fixed(row.seconds, 1),
      fixed(rate, 1),
      fixed(rate / row.limitRps, 3),
      String(row.requests),
      String(row.throttled),
      fixed(row.requests > 0 ? (row.throttled / row.requests) * 100 : 0, 1),
      String(row.maxInAnySecond),
      String(row.lost),
    ];
  });
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.name}: ${row.note}`);
  return [`### ${title}`, '', ...markdownTable(header, lines), '', ...notes].join('\n');
}

export function formatBenchTable(title: string, table: BenchTable): string {
  return [
    `### ${title}`,
    '',
    ...(table.description ? [table.description, ''] : []),
    ...markdownTable(table.columns, table.rows),
    '',
    ...(table.notes ?? []).map((note) => `- ${note}`),
  ].join('\n');
}

/** Prints whatever a section returned, with extra lines under a throughput table. */
export function formatSection(
  title: string,
  result: BenchRow[] | BenchTable,
  extraNotes: (rows: readonly BenchRow[]) => string[] = () => [],
): string {
  if (!Array.isArray(result)) return formatBenchTable(title, result);
  return [formatTable(title, result), ...extraNotes(result).map((note) => `- ${note}`)].join('\n');
}

/**
 * The SQS function's targets (issue 3): at least 0.95 of the limit, no row lost, 429s at most 1%
 * of requests. Checked for the rows of the function itself, named "(a) ..."; the baselines are
 * there to miss them.
 */
export function throughputTargetNotes(rows: readonly BenchRow[]): string[] {
  return rows
    .filter((row) => row.name.startsWith('(a)'))
    .map((row) => {
      const ratio = row.seconds > 0 ? (row.rows - row.lost) / row.seconds / row.limitRps : 0;
      const share429 = row.requests > 0 ? row.throttled / row.requests : 0;
      const ok = ratio >= 0.95 && row.lost === 0 && share429 <= 0.01;
      return `target (rows/s ÷ limit ≥ 0.95, 0 rows lost, 429s ≤ 1% of requests) met by ${row.name}: ${met(ok)}`;
    });
}
