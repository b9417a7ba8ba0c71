/**
 * `npm run bench`: runs each benchmark section and prints its table (Markdown).
 *
 * Settings (environment): BENCH_ROWS (default 1000), BENCH_LIMIT_RPS (50), BENCH_LATENCY_MS
 * (100), BENCH_BASELINE_ROWS (200, the sequential baseline's time box), BENCH_CONTAINERS (2),
 * BENCH_BATCH_SIZE (250). Sections live in bench/sections/; add one to `sections` below.
 */

import { sqsThroughput } from './sections/sqs-throughput.js';
import { type BenchSection, type BenchSettings, formatTable } from './table.js';

const sections: readonly BenchSection[] = [sqsThroughput];

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const settings: BenchSettings = {
    rows: setting('BENCH_ROWS', 1000),
    limitRps: setting('BENCH_LIMIT_RPS', 50),
    latencyMs: setting('BENCH_LATENCY_MS', 100),
    baselineRows: setting('BENCH_BASELINE_ROWS', 200),
  };
  process.stdout.write(
    `Benchmark: ${settings.rows} rows, limit ${settings.limitRps} requests/s, latency ${settings.latencyMs} ms (node ${process.version})\n\n`,
  );
  for (const section of sections) {
    const rows = await section.run(settings);
    process.stdout.write(`${formatTable(section.title, rows)}\n\n`);
  }
}

await main();
