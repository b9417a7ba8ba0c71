/**
 * The budget's CloudWatch metrics: written where things happen (the shared limiter's starts,
 * calls to the coordinator, a switch to the fallback, a change of the learned rate), and the
 * budget's use added to a batch's line, or once a minute by the API function.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createPowertoolsBatchMetrics } from '../../functions/batches/metrics.js';
import { publishedEveryMinute, reportRateChange } from '../../functions/budget/metrics.js';
import { budgetPlan } from '../../functions/budget/plan.js';
import { createSharedLimiter } from '../../functions/budget/shared-limiter.js';
import type { LogFields } from '../../functions/platform/logger.js';
import { captureOutput } from '../support/api.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryDispenser } from '../support/memory-dispenser.js';
import { recordingMetrics } from '../support/recording-metrics.js';

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

const CUT = {
  state: { rate: 3.5, peak: 5, since: 1, cap: null },
  from: 5,
  to: 3.5,
  reason: 'too-many-requests' as const,
};

function emf(output: ReturnType<typeof captureOutput>): EmfLine[] {
  return (output.lines() as EmfLine[]).filter((line) => line._aws !== undefined);
}

describe('the shared budget’s metrics, written where they happen', () => {
  it('counts each start’s wait, each call to the coordinator and each failed one', async () => {
    // Prepare
    const clock = new FakeClock();
    const dispenser = new MemoryDispenser(clock);
    const recorded = recordingMetrics();
    const limiter = createSharedLimiter({
      dispenser: dispenser.for('a'),
      fallback: null,
      fallbackRps: 0,
      plan: budgetPlan({ rps: 5, clockSkewMs: 20, coordinatorTimeoutMs: 100, batchMinShare: 0.1 }),
      lane: 'api',
      learning: false,
      now: clock.now,
      sleep: clock.sleep,
      metrics: recorded.metrics,
    });
    // Act: three starts, then a claim the coordinator never answers.
    const granted = Promise.all([0, 1, 2].map(() => limiter.acquire(clock.now() + 5000)));
    await clock.advance(2000);
    await granted;
    dispenser.fate = () => 'lost';
    const lost = limiter.acquire(clock.now() + 500);
    await clock.advance(1000);
    await lost;
    // Assess
    expect(recorded.values.BudgetWait).toHaveLength(3);
    expect(recorded.sum('BudgetCoordinatorRequests')).toBeGreaterThanOrEqual(3);
    expect(recorded.sum('BudgetCoordinatorFailures')).toBeGreaterThanOrEqual(1);
    expect(recorded.values.BudgetCoordinatorLatency?.length).toBeGreaterThanOrEqual(4);
    expect(recorded.values.BudgetFallbackStarts).toBeUndefined();
  });

  it('writes a change of the learned rate at once, on a line of its own, and logs it', () => {
    // Prepare
    const recorded = recordingMetrics();
    const logged: [string, LogFields][] = [];
    const logger = {
      debug() {},
      info: (message: string, fields: LogFields = {}) => logged.push([message, fields]),
      warn() {},
      error() {},
    };
    // Act
    reportRateChange(
      { lane: 'batch', logger, metrics: recorded.metrics },
      { shared: true, change: CUT, ceiling: 5 },
    );
    // Assess
    expect(recorded.lines).toEqual([['BudgetRateChanges']]);
    expect(logged).toEqual([
      [
        'Budget rate changed',
        {
          lane: 'batch',
          shared: true,
          fromRps: 5,
          toRps: 3.5,
          ceilingRps: 5,
          reason: 'too-many-requests',
        },
      ],
    ]);
  });
});

describe('the budget’s use, with a batch or once a minute', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  beforeEach(() => {
    delete process.env.POWERTOOLS_DEV;
  });
  afterEach(() => output?.restore());

  it('goes with each SQS batch: the rate in force, and the share of the budget its requests used', () => {
    // Prepare
    output = captureOutput();
    let rate = 3.456;
    const metrics = createPowertoolsBatchMetrics(
      new Metrics({ namespace: 'Test', serviceName: 'sqs-test' }),
      { rps: 5, rate: () => rate, shared: true },
    );
    // Act
    metrics.publish(BATCH);
    rate = 5;
    metrics.publish({ ...BATCH, upstream: { ...BATCH.upstream, requests: 1 } });
    // Assess
    const [first, second] = emf(output).filter((line) => 'BatchRows' in line);
    expect(first).toMatchObject({ BudgetRate: 3.46, BudgetUtilisation: 80 }); // 4 in 1 s of 5
    expect(second).toMatchObject({ BudgetRate: 5, BudgetUtilisation: 20 });
  });

  it('is the rate alone without a budget table', () => {
    // Prepare
    output = captureOutput();
    const metrics = createPowertoolsBatchMetrics(
      new Metrics({ namespace: 'Test', serviceName: 'sqs-test' }),
      { rps: 2, rate: () => 1.4, shared: false },
    );
    // Act
    metrics.publish(BATCH);
    // Assess
    const [line] = emf(output).filter((entry) => 'BatchRows' in entry);
    const budgetKeys = Object.keys(line ?? {}).filter((key) => key.startsWith('Budget'));
    expect(budgetKeys).toEqual(['BudgetRate']);
  });

  it('is published by the API function at most once a minute, with what was stored meanwhile', () => {
    // Prepare
    const recorded = recordingMetrics();
    let now = 0;
    const onStart = publishedEveryMinute(
      recorded.metrics,
      { rps: 5, rate: () => 3.5, shared: true },
      () => now,
    );
    const start = () => onStart({ lane: 'api', at: now, waitMs: 0, coordinated: true });
    // Act
    start();
    now = 30_000;
    start();
    const beforeMinute = recorded.lines.length;
    now = 60_000;
    start();
    // Assess: 3 starts in a minute of a budget of 5 per second.
    expect(beforeMinute).toBe(0);
    expect(recorded.lines).toEqual([['BudgetRate', 'BudgetUtilisation']]);
    expect(recorded.values).toEqual({ BudgetRate: [3.5], BudgetUtilisation: [1] });
  });
});
