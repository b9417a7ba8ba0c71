/**
 * `npm run soak`: the soak with faults (bench/soak/run.ts) with the default settings, or those
 * of the SOAK_* environment variables (bench/soak/settings.ts). SOAK_ERROR_BEHAVIOR takes a
 * comma-separated list to run several behaviors one after the other.
 *
 * Prints the tables (Markdown) and exits with status 1 if a row was lost, an output row had an
 * unknown source, a row ended as a final 401, or the limiters started more requests in one
 * second than the limit.
 */

import { ERROR_BEHAVIORS, parseErrorBehavior } from '../functions/settings/error-behavior.js';
import { formatSoakReport } from './soak/report.js';
import { runSoak, type SoakReport } from './soak/run.js';
import { DEFAULT_SOAK_SETTINGS, soakSettingsFromEnv } from './soak/settings.js';

async function main(): Promise<number> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const behaviorList = process.env.SOAK_ERROR_BEHAVIOR ?? DEFAULT_SOAK_SETTINGS.errorBehavior;
  const behaviors = behaviorList
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text) => {
      const behavior = parseErrorBehavior(text);
      if (behavior === null) {
        throw new Error(`SOAK_ERROR_BEHAVIOR: expected ${ERROR_BEHAVIORS.join(', ')}, got ${text}`);
      }
      return behavior;
    });
  const settings = soakSettingsFromEnv({ ...process.env, SOAK_ERROR_BEHAVIOR: undefined });
  const reports: SoakReport[] = [];
  for (const errorBehavior of behaviors) {
    process.stderr.write(
      `Soak: ${settings.rows} rows, limit ${settings.limitRps} requests/s, ${settings.containers} containers, ERROR_BEHAVIOR=${errorBehavior}, seed ${settings.seed} (node ${process.version})\n`,
    );
    const report = await runSoak(
      { ...settings, errorBehavior },
      {
        onProgress: ({ elapsedMs, accounted, rows }) =>
          process.stderr.write(
            `  ${(elapsedMs / 1000).toFixed(0)} s: ${accounted}/${rows} rows accounted for\n`,
          ),
      },
    );
    reports.push(report);
  }
  process.stdout.write(`\n${formatSoakReport(reports)}\n`);
  return reports.every((report) => report.passed) ? 0 : 1;
}

process.exitCode = await main();
