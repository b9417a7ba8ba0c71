/**
 * Test support, run as a child process by test/security/trace-secrecy.test.ts: imports the real
 * handler modules of both functions with tracing on, in an environment that looks like Lambda to
 * the X-Ray SDK (the parent sets it: trace id, daemon address, POWERTOOLS_TRACE_ENABLED), looks
 * up the identifiers of its plan (argv[2], JSON) through each, and prints what they answered as
 * one JSON line. A process of its own, so the X-Ray SDK's Lambda mode and async hooks never
 * touch the other suites.
 */

import { createSocket } from 'node:dgram';
import type { Context, SQSEvent } from 'aws-lambda';
import { toApiGatewayEvent } from '../../local/api-gateway-server.js';
import { sqsRecord } from './sqs-record.js';

/** A Lambda context with a clock (the handlers read only these fields). */
const CONTEXT = {
  awsRequestId: 'traced-invocation',
  functionName: 'trace-secrecy',
  getRemainingTimeInMillis: () => 29_000,
} as unknown as Context;

export interface TracedPlan {
  /** Looked up one by one with GET /contacts/{identifier}. */
  readonly api: readonly string[];
  /** Looked up in one SQS batch. */
  readonly sqs: readonly string[];
  /** Sent to the daemon address once every other datagram has gone. */
  readonly doneDatagram: string;
}

async function run(plan: TracedPlan): Promise<void> {
  const { handler: api } = await import('../../functions/api/handler.js');
  const apiStatuses: number[] = [];
  for (const identifier of plan.api) {
    const event = toApiGatewayEvent(
      { method: 'GET', url: `/contacts/${encodeURIComponent(identifier)}`, headers: {} },
      { payloadVersion: '2.0' },
    );
    const answer = await api(event, CONTEXT);
    apiStatuses.push(answer.statusCode);
  }
  const { handler: sqs } = await import('../../functions/queue/handler.js');
  const event: SQSEvent = {
    Records: plan.sqs.map((identifier, index) =>
      sqsRecord(`traced-${index}`, JSON.stringify({ Identifier: identifier, CustomerRef: 'C-9' })),
    ),
  };
  const batch = await sqs(event, CONTEXT);
  process.stdout.write(
    `${JSON.stringify({ apiStatuses, batchItemFailures: batch.batchItemFailures.length })}\n`,
  );
}

/**
 * The X-Ray SDK sends each closed subsegment over UDP; once the event loop is empty, every send
 * has completed. Then one last datagram tells the parent that it has received everything.
 */
function signalDoneWhenIdle(plan: TracedPlan): void {
  let signalled = false;
  process.on('beforeExit', () => {
    if (signalled) return;
    signalled = true;
    const [host, port] = String(process.env.AWS_XRAY_DAEMON_ADDRESS).split(':');
    const socket = createSocket('udp4');
    socket.send(plan.doneDatagram, Number(port), host, () => socket.close());
  });
}

const plan = JSON.parse(String(process.argv[2])) as TracedPlan;
signalDoneWhenIdle(plan);
await run(plan);
