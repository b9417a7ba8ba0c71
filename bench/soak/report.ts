/** The soak's printed report: Markdown tables in the style of bench/table.ts. */

import type { SoakReport } from './run.js';
import { SOAK_ENV, type SoakSettings } from './settings.js';

function render(header: readonly string[], lines: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const row = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [row(header), rule, ...lines.map(row)];
}

const int = (value: number) => String(Math.round(value));

/** The main table: one line per run. */
export function formatSoakTable(reports: readonly SoakReport[]): string {
  const header = [
    'run',
    'rows in',
    'results',
    'dead-lettered',
    'duplicates seen',
    'lost',
    'final 401',
    '429s',
    'retries',
    'redeliveries',
    'max starts in 1 s',
    'max arrivals in 1 s',
    'limit',
    'elapsed s',
  ];
  const lines = reports.map((report) => [
    report.settings.errorBehavior,
    int(report.rowsIn),
    int(report.results),
    int(report.deadLettered),
    int(report.duplicatesSeen),
    int(report.lost),
    int(report.finalUnauthorized),
    int(report.throttled),
    int(report.retries),
    int(report.redeliveries),
    int(report.maxStartsInAnySecond),
    int(report.maxInAnySecond),
    int(report.settings.limitRps),
    (report.elapsedMs / 1000).toFixed(1),
  ]);
  return render(header, lines).join('\n');
}

/** The faults that actually happened, one line per kind, one column per run. */
export function formatFaultTable(reports: readonly SoakReport[]): string {
  const kinds: [string, (report: SoakReport) => number][] = [
    ['429 injected (Retry-After)', (r) => r.faults.simulator.status429 ?? 0],
    ['429 from the lowered rate limit', (r) => r.faults.rateLimited],
    ['449 (Retry-After)', (r) => r.faults.simulator.status449 ?? 0],
    ['500', (r) => r.faults.simulator.status500 ?? 0],
    ['502 (JSON)', (r) => r.faults.simulator.status502 ?? 0],
    ['502 with an HTML body (non-JSON)', (r) => r.faults.simulator.nonJson ?? 0],
    ['503', (r) => r.faults.simulator.status503 ?? 0],
    ['504 (empty body)', (r) => r.faults.simulator.status504 ?? 0],
    ['connection reset', (r) => r.faults.simulator.reset ?? 0],
    ['hang past the request timeout', (r) => r.faults.simulator.hang ?? 0],
    ['slow answer past the request timeout', (r) => r.faults.simulator.slow ?? 0],
    ['401 during the token rotation', (r) => r.faults.unauthorized],
    ['...401s whose re-read brought the new token', (r) => r.faults.rotationRereads],
    ['Secrets Manager errors served', (r) => r.faults.secretsManagerErrors],
    ['Secrets Manager outage: requests failed', (r) => r.faults.secretsOutageRequests],
    ['...lookups served the stale token', (r) => r.faults.staleTokenServed],
    ['...failed reads bridged (WARN + StaleToken)', (r) => r.faults.staleTokenWarnings],
    ['Secrets Manager reads', (r) => r.faults.secretReads],
    ['SendMessageBatch entries failed', (r) => r.faults.sendBatch.failedEntries],
    ['SendMessageBatch calls failed', (r) => r.faults.sendBatch.failedCalls],
    ['SendMessageBatch answers lost', (r) => r.faults.sendBatch.lostAnswers],
    ['invocations with a short time limit', (r) => r.faults.shortDeadlineBatches],
    ['...that handed rows back', (r) => r.faults.batchesCutByDeadline],
    ['rows handed back by them', (r) => r.faults.rowsHandedBack],
    ['rows not started (time left too short)', (r) => r.faults.rowsNotStarted],
    ['duplicate deliveries injected', (r) => r.faults.duplicateDeliveries],
    ['whole invocations failed', (r) => r.faults.invocationErrors],
    ['budget table: requests', (r) => r.faults.coordinator.requests],
    ['budget table: throttled', (r) => r.faults.coordinator.throttled],
    ['budget table: 500s', (r) => r.faults.coordinator.errors],
    ['budget table: answers past the timeout', (r) => r.faults.coordinator.slow],
    ['budget table: requests during the outage', (r) => r.faults.coordinator.duringOutage],
    ['budget: calls that found it unreachable', (r) => r.faults.budget.unreachableCalls],
    ['budget: switches onto the static share', (r) => r.faults.budget.fallbacks],
    ['budget: switches back', (r) => r.faults.budget.recoveries],
    ['budget: requests started on the static share', (r) => r.faults.budget.fallbackStarts],
    ['budget: changes of the learned rate', (r) => r.faults.budget.rateChanges],
    ...(['too-many-requests', 'limit-header', 'others-spending'] as const).map(
      (reason): [string, (report: SoakReport) => number] => [
        `...${reason}`,
        (r) => r.faults.budget.rateChangesByReason[reason] ?? 0,
      ],
    ),
    ['budget: lowest learned rate, requests/s', (r) => r.faults.budget.lowestRate],
  ];
  const header = [
    'fault (counted as it happened)',
    ...reports.map((r) => r.settings.errorBehavior),
  ];
  return render(
    header,
    kinds.map(([name, value]) => [name, ...reports.map((report) => int(value(report)))]),
  ).join('\n');
}

/** Result rows by StatusCode (first copy per row), one column per run. */
export function formatOutcomeTable(reports: readonly SoakReport[]): string {
  const statuses = [
    ...new Set(reports.flatMap((report) => Object.keys(report.resultsByStatus))),
  ].sort((a, b) => Number(a) - Number(b));
  const lines = [
    ...statuses.map((status) => [
      `result rows with StatusCode ${status}`,
      ...reports.map((report) => int(report.resultsByStatus[status] ?? 0)),
    ]),
    [
      'dead-lettered by SQS itself (receive count)',
      ...reports.map((report) => int(report.redrivenBySqs)),
    ],
    ['output rows of unknown source', ...reports.map((report) => int(report.unknown))],
    ['requests to the simulator', ...reports.map((report) => int(report.requests))],
    [
      'budget table requests per respond.io request',
      ...reports.map((report) => report.faults.budget.requestsPerRequest.toFixed(2)),
    ],
  ];
  return render(['outcome', ...reports.map((r) => r.settings.errorBehavior)], lines).join('\n');
}

export function formatSettings(settings: SoakSettings, reports: readonly SoakReport[]): string {
  const lines = (Object.keys(SOAK_ENV) as (keyof SoakSettings)[])
    .filter((key) => key !== 'errorBehavior' || reports.length === 0)
    .map((key) => {
      const value = settings[key];
      const shown = key === 'giveUpMs' ? String(Number(value) / 1000) : String(value);
      return `${SOAK_ENV[key]}=${shown}`;
    });
  const seeds = reports[0]?.seeds;
  return [
    `Settings: ${lines.join(' ')}`,
    ...(seeds
      ? [
          `Seeds: ${Object.entries(seeds)
            .map(([name, seed]) => `${name}=${seed}`)
            .join(' ')}`,
        ]
      : []),
  ].join('\n');
}

export function formatTimeline(report: SoakReport): string {
  return report.events
    .map((event) => `- ${event.atSeconds.toFixed(1)} s: ${event.what}`)
    .join('\n');
}

/** Everything `npm run soak` prints after the run. */
export function formatSoakReport(reports: readonly SoakReport[]): string {
  const first = reports[0];
  if (first === undefined) return 'No soak run.';
  const verdicts = reports.map((report) => {
    const problems = [
      ...(report.lost > 0 ? [`${report.lost} rows lost`] : []),
      ...(report.finalUnauthorized > 0 ? [`${report.finalUnauthorized} final 401 rows`] : []),
      ...(report.unknown > 0 ? [`${report.unknown} output rows of unknown source`] : []),
      ...(report.maxStartsInAnySecond > report.settings.limitRps
        ? [
            `${report.maxStartsInAnySecond} request starts in one second, above the limit ${report.settings.limitRps}`,
          ]
        : []),
    ];
    return `- ${report.settings.errorBehavior}: ${report.passed ? 'PASS' : `FAIL (${problems.join('; ')})`}`;
  });
  return [
    '### Soak with faults',
    '',
    formatSoakTable(reports),
    '',
    formatFaultTable(reports),
    '',
    formatOutcomeTable(reports),
    '',
    formatSettings(first.settings, reports),
    '',
    ...reports.flatMap((report) => [
      `Timeline (${report.settings.errorBehavior}):`,
      formatTimeline(report),
      '',
    ]),
    ...verdicts,
  ].join('\n');
}
