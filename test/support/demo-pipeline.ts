/**
 * Test support: the local SQS pipeline (fauxqs) in front of the real SQS function, against a
 * simulator, with the demo token, silent logs and no metrics: what the batch command tests run.
 */

import { createSqsFunction } from '../../functions/queue/container.js';
import { loadConfig } from '../../functions/settings/config.js';
import { type QueuePipeline, startQueuePipeline } from '../../local/queue-pipeline.js';
import { DEMO_TOKEN, type Simulator } from '../../local/simulator/server.js';

/** A pipeline whose function calls `sim` at 50 requests/s; `env` adds settings (e.g. a cache). */
export function startDemoPipeline(
  sim: Simulator,
  env: Readonly<Record<string, string>> = {},
): Promise<QueuePipeline> {
  return startQueuePipeline({
    port: 0,
    failureVisibilityTimeoutSeconds: 0,
    createHandler: (info) =>
      createSqsFunction(
        loadConfig({
          RESPONDIO_BASE_URL: sim.url,
          RESPONDIO_RATE_LIMIT_RPS: '50',
          RESULTS_QUEUE_URL: info.queues.results,
          DEAD_LETTER_QUEUE_URL: info.queues.deadLetter,
          ...env,
        }),
        {
          sqs: info.client,
          tokens: { getToken: async () => DEMO_TOKEN, refresh: async () => DEMO_TOKEN },
          metrics: { publish() {} },
          logger: new Proxy({}, { get: () => () => {} }) as never,
        },
      ),
  });
}

/** local/sample-rows.csv as a results file holds it: Identifier, CustomerRef, StatusCode. */
export const SAMPLE_ROW_OUTCOMES: readonly (readonly [string, string, string])[] = [
  ['id:1', 'CUST-001', '200'],
  ['email:jane.tan@example.com', 'CUST-002', '200'],
  ['phone:+60121233112', 'CUST-003', '200'],
  ['id:2', 'CUST-004', '200'],
  ['id:3', 'CUST-005', '200'],
  ['id:999999', 'CUST-006', '404'],
  ['email:nobody@example.com', 'CUST-007', '404'],
  ['id:1/message', 'CUST-008', '400'],
];
