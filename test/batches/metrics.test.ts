import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createPowertoolsBatchMetrics } from '../../functions/batches/metrics.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import { loadConfig } from '../../functions/settings/config.js';
import { SETTINGS, SQS_SERVICE_NAME } from '../../functions/settings/table.js';
import { captureOutput } from '../support/api.js';
import { sqsRecord } from '../support/sqs-record.js';

const METRICS_NAMESPACE = SETTINGS.metricsNamespace.default;

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
      cacheHits: 3,
      coalesced: 2,
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
      CacheHits: 3,
      CoalescedRows: 2,
    });
    const names = batch?._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name) ?? [];
    expect(batch?._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
    expect(names).toEqual(
      expect.arrayContaining(['RowsRetried', 'WriteFailures', 'UpstreamRetries']),
    );
  });
});

describe('the SQS function’s metrics', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  const saved = { ...process.env };
  beforeEach(() => {
    // Only the configuration may name the namespace and service, never the process environment.
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_NAMESPACE;
    delete process.env.POWERTOOLS_SERVICE_NAME;
  });
  afterEach(() => {
    output?.restore();
    process.env = { ...saved };
  });

  /** Runs the whole SQS function on one poison message (no respond.io call) and returns its EMF lines. */
  async function emfOfOneBatch(env: Record<string, string>): Promise<EmfLine[]> {
    const handler = createSqsFunction(
      loadConfig({ ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse', ...env }),
      {
        tokens: { getToken: async () => 'unused', refresh: async () => 'unused' },
        results: { send: async () => ({ failed: [] }) },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      },
    );
    output = captureOutput();
    await handler(
      { Records: [sqsRecord('m-1', 'not json')] },
      { getRemainingTimeInMillis: () => 30_000 },
    );
    return (output.lines() as EmfLine[]).filter((line) => line._aws !== undefined);
  }

  it('go to the namespace POWERTOOLS_METRICS_NAMESPACE names', async () => {
    // Act
    const emf = await emfOfOneBatch({ POWERTOOLS_METRICS_NAMESPACE: 'FromEnv' });
    // Assess
    const batch = emf.find((line) => 'BatchRows' in line);
    expect(batch?.BatchRows).toBe(1);
    expect(emf.length).toBeGreaterThanOrEqual(2); // the batch and its one StatusCode
    for (const line of emf) {
      expect(line._aws.CloudWatchMetrics.map((directive) => directive.Namespace)).toEqual([
        'FromEnv',
      ]);
    }
  });

  it('go to the default namespace with the function’s own service name', async () => {
    // Act
    const emf = await emfOfOneBatch({});
    // Assess
    expect(emf.length).toBeGreaterThanOrEqual(2);
    for (const line of emf) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe('RespondioConnector');
      expect(line.service).toBe(SQS_SERVICE_NAME);
    }
  });

  it('carry the service POWERTOOLS_SERVICE_NAME names', async () => {
    // Act
    const emf = await emfOfOneBatch({ POWERTOOLS_SERVICE_NAME: 'FromEnvService' });
    // Assess
    expect(emf.length).toBeGreaterThanOrEqual(2);
    for (const line of emf) expect(line.service).toBe('FromEnvService');
  });
});
