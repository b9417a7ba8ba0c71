import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createPowertoolsTokenMetrics,
  STALE_TOKEN_METRIC,
} from '../../functions/batches/metrics.js';
import { createTokenObserver } from '../../functions/lookup/token-observer.js';
import type { LogFields, Logger } from '../../functions/platform/logger.js';
import { captureOutput } from '../support/api.js';

const EVENT = {
  staleForMs: 61_400,
  detail:
    'Secrets Manager secret "respondio/token" could not be read right now (InternalServiceError, HTTP 500)',
};

function recordingLogger() {
  const warnings: [string, LogFields[]][] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, ...fields) => warnings.push([message, fields]),
    error: () => undefined,
  };
  return { logger, warnings };
}

describe('the stale-token observer of a container', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  afterEach(() => output?.restore());

  it('logs one WARN line naming the secret and the error, and counts the metric', () => {
    // Prepare
    const { logger, warnings } = recordingLogger();
    const counted: unknown[] = [];
    const observer = createTokenObserver({
      logger,
      metrics: { onStaleToken: (event) => counted.push(event) },
    });
    // Act
    observer.onStaleToken?.(EVENT);
    // Assess
    expect(warnings).toEqual([
      [
        'Serving the last good respond.io token: the secret could not be read',
        [{ staleForSeconds: 61, reason: EVENT.detail }],
      ],
    ]);
    expect(counted).toEqual([EVENT]);
  });

  it('writes the StaleToken metric at once as an embedded-metric-format line', () => {
    // Prepare
    delete process.env.POWERTOOLS_DEV;
    output = captureOutput();
    const metrics = createPowertoolsTokenMetrics(
      new Metrics({ namespace: 'RespondioConnector', serviceName: 'token-test' }),
    );
    // Act
    metrics.onStaleToken?.(EVENT);
    // Assess
    const emf = output.lines().filter((line) => line._aws !== undefined);
    expect(emf).toEqual([
      expect.objectContaining({
        [STALE_TOKEN_METRIC]: 1,
        service: 'token-test',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: 'RespondioConnector',
              Metrics: [{ Name: 'StaleToken', Unit: 'Count' }],
            }),
          ],
        }),
      }),
    ]);
  });
});
