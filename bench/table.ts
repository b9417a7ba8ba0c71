/** The benchmark's shared row shape and table printer; every section returns rows of this shape. */

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

export interface BenchSettings {
  readonly rows: number;
  readonly limitRps: number;
  readonly latencyMs: number;
  /** Rows for the slow sequential baseline (time box). */
  readonly baselineRows: number;
}

export interface BenchSection {
  readonly title: string;
  run(settings: BenchSettings): Promise<BenchRow[]>;
}

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';

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
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.name}: ${row.note}`);
  return [`### ${title}`, '', render(header), rule, ...lines.map(render), '', ...notes].join('\n');
}
