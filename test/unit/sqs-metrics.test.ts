import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createPowertoolsBatchMetrics,
  METRICS_NAMESPACE,
} from '../../functions/adapters/cloudwatch-metrics.js';
import { captureOutput } from './api-support.js';

type EmfLine = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
};

describe('createPowertoolsBatchMetrics', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  afterEach(() => output?.restore());

  it('publishes one batch summary as CloudWatch embedded-metric-format lines', () => {
    // Prepare
    delete process.env.POWERTOOLS_DEV;
    output = captureOutput();
    const metrics = createPowertoolsBatchMetrics(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'metrics-test' }),
    );
    // Act
    metrics.publish({
      rows: 10,
      rowsByStatus: { '200': 7, '404': 2, '503': 1 },
      resultsWritten: 9,
      deadLettered: 2,
      batchItemFailures: 1,
      retried: 1,
      notStarted: 0,
      writeFailures: 0,
      upstream: { requests: 12, retries: 2, throttled: 1, latenciesMs: [100, 120] },
      durationMs: 2500,
    });
    // Assess
    const lines = output.lines() as EmfLine[];
    const emf = lines.filter((line) => line._aws !== undefined);
    const byStatus = emf.filter((line) => 'StatusCode' in line);
    expect(byStatus.map((line) => [line.StatusCode, line.Rows])).toEqual([
      ['200', 7],
      ['404', 2],
      ['503', 1],
    ]);
    const batch = emf.find((line) => 'BatchRows' in line);
    expect(batch).toMatchObject({
      BatchRows: 10,
      ResultsWritten: 9,
      DeadLettered: 2,
      BatchItemFailures: 1,
      UpstreamRequests: 12,
      Upstream429: 1,
      UpstreamLatency: [100, 120],
      BatchDuration: 2500,
    });
    const names = batch?._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name) ?? [];
    expect(batch?._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
    expect(names).toEqual(
      expect.arrayContaining(['RowsRetried', 'WriteFailures', 'UpstreamRetries']),
    );
  });
});
