/**
 * `npm run bench`: runs each benchmark section and prints its table (Markdown).
 *
 *   npm run bench                                   # every section, one after the other
 *   npm run bench -- --only api-latency             # one section (comma-separate several)
 *   npm run bench -- --list                         # the section ids
 *
 * Settings (environment): BENCH_ROWS (default 1000), BENCH_LIMIT_RPS (50), BENCH_LATENCY_MS
 * (100), BENCH_BASELINE_ROWS (200, the sequential baseline's time box); each section reads its
 * own further BENCH_* settings (see its file in bench/sections/). Sections live in
 * bench/sections/; register a new one in `sections` below.
 */

import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { apiLatency } from './sections/api-latency.js';
import { arrivalJitter } from './sections/arrival-jitter.js';
import { coldStart } from './sections/cold-start.js';
import { coordinator } from './sections/coordinator.js';
import { cpuPerRow } from './sections/cpu-per-row.js';
import { files } from './sections/files.js';
import { learning } from './sections/learning.js';
import { repeats } from './sections/repeats.js';
import { sharedBudget } from './sections/shared-budget.js';
import { sqsThroughput } from './sections/sqs-throughput.js';
import {
  type BenchSection,
  type BenchSettings,
  formatSection,
  throughputTargetNotes,
} from './table.js';

/** Section ids (for --only) and sections, in the order they run. */
const sections: ReadonlyMap<string, BenchSection> = new Map([
  ['sqs-throughput', sqsThroughput],
  ['shared-budget', sharedBudget],
  ['repeats', repeats],
  ['coordinator', coordinator],
  ['learning', learning],
  ['api-latency', apiLatency],
  ['cpu-per-row', cpuPerRow],
  ['cold-start', coldStart],
  ['files', files],
  ['arrival-jitter', arrivalJitter],
]);

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

function chosenSections(only: string | undefined): [string, BenchSection][] {
  if (only === undefined) return [...sections];
  const ids = only
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !sections.has(id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new Error(
      `--only: unknown section ${JSON.stringify(unknown.join(','))}; sections: ${[...sections.keys()].join(', ')}`,
    );
  }
  return ids.map((id) => [id, sections.get(id) as BenchSection]);
}

function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  return `${availableParallelism()} cores (${model}), ${memory}, ${platform()} ${release()}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, list: { type: 'boolean', default: false } },
  });
  if (values.list) {
    for (const [id, section] of sections) process.stdout.write(`${id}\t${section.title}\n`);
    return;
  }
  const chosen = chosenSections(values.only);
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings: BenchSettings = {
    rows: setting('BENCH_ROWS', 1000),
    limitRps: setting('BENCH_LIMIT_RPS', 50),
    latencyMs: setting('BENCH_LATENCY_MS', 100),
    baselineRows: setting('BENCH_BASELINE_ROWS', 200),
  };
  const startedAt = performance.now();
  process.stdout.write(
    `Benchmark: ${settings.rows} rows, limit ${settings.limitRps} requests/s, latency ${settings.latencyMs} ms (node ${process.version})\n` +
      `Machine: ${machine()}\n` +
      `Started: ${new Date().toISOString()}; sections: ${chosen.map(([id]) => id).join(', ')}\n\n`,
  );
  for (const [id, section] of chosen) {
    const sectionStart = performance.now();
    const result = await section.run(settings);
    const seconds = ((performance.now() - sectionStart) / 1000).toFixed(1);
    const notes = id === 'sqs-throughput' ? throughputTargetNotes : undefined;
    process.stdout.write(
      `${formatSection(`${section.title} [${id}, ${seconds} s]`, result, notes)}\n\n`,
    );
  }
  process.stdout.write(`Total: ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
}

await main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
