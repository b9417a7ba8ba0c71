import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createPeriodicBudgetMetrics } from '../../functions/adapters/budget-metrics.js';
import { createPowertoolsBatchMetrics } from '../../functions/adapters/cloudwatch-metrics.js';
import { createBudgetStats } from '../../functions/core/budget-stats.js';
import { composeBudgetObservers } from '../../functions/runtime/budget-observers.js';
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

describe('the shared budget’s metrics', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  beforeEach(() => {
    delete process.env.POWERTOOLS_DEV;
  });
  afterEach(() => output?.restore());

  it('go with each SQS batch: waits, fallback starts, coordinator requests per request, utilisation', () => {
    // Prepare
    output = captureOutput();
    const stats = createBudgetStats();
    const metrics = createPowertoolsBatchMetrics(
      new Metrics({ namespace: 'Test', serviceName: 'sqs-test' }),
      { stats, rps: 5 },
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
    // Act
    metrics.publish(BATCH);
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
    });
    // Each batch publishes only what happened since the last one.
    expect(second).toMatchObject({ BudgetFallbackStarts: 0, BudgetCoordinatorRequests: 0 });
    expect(second?.BudgetWait).toBeUndefined();
  });

  it('are written by the API function at most once a minute, and at once on a fallback', () => {
    // Prepare
    output = captureOutput();
    let now = 0;
    const observer = createPeriodicBudgetMetrics({
      metrics: new Metrics({ namespace: 'Test', serviceName: 'api-test' }),
      stats: createBudgetStats(),
      rps: 5,
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
    // Assess
    expect(beforeMinute).toBe(0);
    expect(afterMinute).toBe(1);
    const lines = emf(output);
    expect(lines[0]).toMatchObject({ BudgetWait: [5, 6, 7], service: 'api-test' });
    expect(lines[1]).toMatchObject({ BudgetFallbacks: 1 });
    expect(lines).toHaveLength(2);
  });

  it('tell every observer composed together', () => {
    // Prepare
    const one = createBudgetStats();
    const other = createBudgetStats();
    const both = composeBudgetObservers(one.observer, undefined, other.observer);
    // Act
    both.onStart?.({ lane: 'api', at: 0, waitMs: 3, coordinated: true });
    both.onForfeit?.(2);
    // Assess
    expect(one.take()).toMatchObject({ starts: 1, forfeited: 2 });
    expect(other.take()).toMatchObject({ starts: 1, forfeited: 2 });
  });
});
