import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createPowertoolsBatchMetrics } from '../../functions/batches/metrics.js';
import { createPeriodicBudgetMetrics } from '../../functions/budget/metrics.js';
import { composeBudgetObservers } from '../../functions/budget/observers.js';
import { createBudgetStats } from '../../functions/budget/stats.js';
import { captureOutput } from '../support/api.js';

type EmfLine = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] };
};

const BATCH = {
  rows: 4,
  rowsByStatus: { '200': 4 },
  resultsWritten: 4,
  deadLettered: 0,
  batchItemFailures: 0,
  retried: 0,
  notStarted: 0,
  writeFailures: 0,
  cacheHits: 0,
  coalesced: 0,
  upstream: { requests: 4, retries: 0, throttled: 0, latenciesMs: [100, 100, 100, 100] },
  durationMs: 1000,
};

function emf(output: ReturnType<typeof captureOutput>): EmfLine[] {
  return (output.lines() as EmfLine[]).filter((line) => line._aws !== undefined);
}

/** A change of the learned rate, as limiters report it. */
const CUT = {
  state: { rate: 3.5, peak: 5, since: 1, cap: null },
  from: 5,
  to: 3.5,
  reason: 'too-many-requests' as const,
};

describe('the shared budget’s metrics', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  beforeEach(() => {
    delete process.env.POWERTOOLS_DEV;
  });
  afterEach(() => output?.restore());

  it('go with each SQS batch: waits, fallback starts, coordinator requests per request, utilisation, the learned rate', () => {
    // Prepare
    output = captureOutput();
    const stats = createBudgetStats();
    let rate = 3.456;
    const metrics = createPowertoolsBatchMetrics(
      new Metrics({ namespace: 'Test', serviceName: 'sqs-test' }),
      { stats, rps: 5, rate: () => rate, shared: true },
    );
    for (const waitMs of [10, 20, 30])
      stats.observer.onStart({ lane: 'batch', at: 0, waitMs, coordinated: true });
    stats.observer.onStart({ lane: 'batch', at: 0, waitMs: 40, coordinated: false });
    stats.observer.onCoordinatorCall({ writes: 4, reads: 1, outcome: 'granted', latencyMs: 6 });
    stats.observer.onCoordinatorCall({
      writes: 1,
      reads: 0,
      outcome: 'unreachable',
      latencyMs: 100,
    });
    stats.observer.onForfeit(1);
    stats.observer.onModeChange('fallback');
    stats.observer.onRateChange({ ...CUT, lane: 'batch' });
    // Act
    metrics.publish(BATCH);
    rate = 5;
    metrics.publish(BATCH);
    // Assess
    const [first, second] = emf(output).filter((line) => 'BatchRows' in line);
    expect(first).toMatchObject({
      BudgetWait: [10, 20, 30, 40],
      BudgetFallbackStarts: 1,
      BudgetFallbacks: 1,
      BudgetCoordinatorRequests: 6,
      BudgetCoordinatorFailures: 1,
      BudgetCoordinatorLatency: [6, 100],
      BudgetCoordinatorRequestsPerRequest: 1.5,
      BudgetForfeitedSlots: 1,
      BudgetUtilisation: 80, // 4 starts in 1 s of a budget of 5
      BudgetRate: 3.46,
      BudgetRateChanges: 1,
    });
    // Each batch publishes only what happened since the last one, and the rate in force then.
    expect(second).toMatchObject({
      BudgetFallbackStarts: 0,
      BudgetCoordinatorRequests: 0,
      BudgetRate: 5,
      BudgetRateChanges: 0,
    });
    expect(second?.BudgetWait).toBeUndefined();
  });

  it('without a budget table, are the learned rate and its changes alone', () => {
    // Prepare
    output = captureOutput();
    const stats = createBudgetStats();
    const metrics = createPowertoolsBatchMetrics(
      new Metrics({ namespace: 'Test', serviceName: 'sqs-test' }),
      { stats, rps: 2, rate: () => 1.4, shared: false },
    );
    stats.observer.onStart({ lane: 'batch', at: 0, waitMs: 10, coordinated: false });
    stats.observer.onRateChange({ ...CUT, lane: 'batch' });
    // Act
    metrics.publish(BATCH);
    // Assess
    const [line] = emf(output).filter((entry) => 'BatchRows' in entry);
    expect(line).toMatchObject({ BudgetRate: 1.4, BudgetRateChanges: 1 });
    expect(
      Object.keys(line ?? {})
        .filter((key) => key.startsWith('Budget'))
        .sort(),
    ).toEqual(['BudgetRate', 'BudgetRateChanges']);
  });

  it('are written by the API function at most once a minute, and at once on a fallback or a rate change', () => {
    // Prepare
    output = captureOutput();
    let now = 0;
    const observer = createPeriodicBudgetMetrics({
      metrics: new Metrics({ namespace: 'Test', serviceName: 'api-test' }),
      stats: createBudgetStats(),
      rps: 5,
      rate: () => 3.5,
      shared: true,
      now: () => now,
    });
    const start = (waitMs: number) =>
      observer.onStart?.({ lane: 'api', at: 0, waitMs, coordinated: true });
    // Act
    start(5);
    now = 30_000;
    start(6);
    const beforeMinute = emf(output).length;
    now = 60_000;
    start(7);
    const afterMinute = emf(output).length;
    now = 61_000;
    observer.onModeChange?.('fallback');
    now = 62_000;
    observer.onRateChange?.({ ...CUT, lane: 'api' });
    // Assess
    expect(beforeMinute).toBe(0);
    expect(afterMinute).toBe(1);
    const lines = emf(output);
    expect(lines[0]).toMatchObject({ BudgetWait: [5, 6, 7], service: 'api-test', BudgetRate: 3.5 });
    expect(lines[1]).toMatchObject({ BudgetFallbacks: 1 });
    expect(lines[2]).toMatchObject({ BudgetRateChanges: 1 });
    expect(lines).toHaveLength(3);
  });

  it('tell every observer composed together', () => {
    // Prepare
    const one = createBudgetStats();
    const other = createBudgetStats();
    const both = composeBudgetObservers(one.observer, undefined, other.observer);
    // Act
    both.onStart?.({ lane: 'api', at: 0, waitMs: 3, coordinated: true });
    both.onForfeit?.(2);
    both.onRateChange?.({ ...CUT, lane: 'api' });
    // Assess
    expect(one.take()).toMatchObject({ starts: 1, forfeited: 2, rateChanges: 1 });
    expect(other.take()).toMatchObject({ starts: 1, forfeited: 2, rateChanges: 1 });
  });
});
