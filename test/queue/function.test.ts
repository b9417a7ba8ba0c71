import { describe, expect, it } from '@jest/globals';
import { createSqsFunction } from '../../functions/queue/container.js';
import type { DeadLetterMove, ResultMessage } from '../../functions/queue/sinks.js';
import { ConfigError, loadConfig } from '../../functions/settings/config.js';

const tokens = { getToken: async () => 'unused', refresh: async () => 'unused' };
const silentMetrics = { publish() {} };

describe('createSqsFunction (the SQS composition root)', () => {
  it('refuses to start without a results queue', () => {
    // Act & Assess
    expect(() => createSqsFunction(loadConfig({}), { tokens, metrics: silentMetrics })).toThrow(
      ConfigError,
    );
  });

  it('refuses to start without a dead-letter queue when the behavior needs one', () => {
    // Prepare
    const config = loadConfig({ RESULTS_QUEUE_URL: 'https://sqs.example/results' });
    // Act & Assess
    expect(() => createSqsFunction(config, { tokens, metrics: silentMetrics })).toThrow(
      /DEAD_LETTER_QUEUE_URL is required with ERROR_BEHAVIOR=FailAndReturnResponse/,
    );
  });

  it('writes to the sinks it is given instead of the queues', async () => {
    // Prepare
    const written: ResultMessage[] = [];
    const moved: DeadLetterMove[] = [];
    const handler = createSqsFunction(loadConfig({ POWERTOOLS_LOG_LEVEL: 'SILENT' }), {
      tokens,
      metrics: silentMetrics,
      results: {
        async send(results) {
          written.push(...results);
          return { failed: [] };
        },
      },
      deadLetters: {
        async move(moves) {
          moved.push(...moves);
          return { failed: [] };
        },
      },
    });
    // Act: a poison message needs no respond.io call.
    const answer = await handler(
      { Records: [{ messageId: 'm-1', body: 'not json', attributes: {} } as never] },
      { getRemainingTimeInMillis: () => 30_000 },
    );
    // Assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(written.map((result) => [result.sourceMessageId, result.row.StatusCode])).toEqual([
      ['m-1', 400],
    ]);
    expect(moved.map((move) => move.sourceMessageId)).toEqual(['m-1']);
  });
});
