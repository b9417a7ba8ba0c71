/**
 * `npm run batch -- rows.csv --stack <name>` against a "deployed" stack: the queues come from the
 * stack's outputs, read with the real CloudFormation client from a stand-in that speaks its
 * query protocol, and the queues are the local SQS (fauxqs) with the real SQS function behind
 * them. Other senders' messages share the results and dead-letter queues: they must stay there.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runBatch, StackQueuesError } from '../../local/batch.js';
import { sourceMessageIdOf } from '../../local/batch-collector.js';
import type { QueuePipeline } from '../../local/queue-pipeline.js';
import { parseJsonLines } from '../../local/rows-io.js';
import { type Simulator, startSimulator } from '../../local/simulator/server.js';
import { QUEUE_OUTPUTS } from '../../local/stack-queues.js';
import { synthesize } from '../infra/stack-template.js';
import {
  type CloudFormationStandIn,
  startCloudFormationStandIn,
} from '../support/cloudformation-stand-in.js';
import { startDemoPipeline } from '../support/demo-pipeline.js';

const SAMPLE = new URL('../../local/sample-rows.csv', import.meta.url);
const STACK = 'RespondioGetContactConnector';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let sim: Simulator;
let pipeline: QueuePipeline;
let cloudFormation: CloudFormationStandIn;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ rateLimitRps: 50 });
  pipeline = await startDemoPipeline(sim);
  cloudFormation = await startCloudFormationStandIn();
  cloudFormation.stacks.set(STACK, {
    ApiUrl: 'https://example.execute-api.us-east-1.amazonaws.com/',
    [QUEUE_OUTPUTS.input]: pipeline.queues.input,
    [QUEUE_OUTPUTS.results]: pipeline.queues.results,
    [QUEUE_OUTPUTS.deadLetter]: pipeline.queues.deadLetter,
  });
  cloudFormation.stacks.set('SomethingElse', { BucketName: 'b' });
  dir = await mkdtemp(join(tmpdir(), 'deployed-batch-'));
});

afterAll(async () => {
  await cloudFormation.close();
  await pipeline.stop();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const deployed = (out: string) => ({
  file: SAMPLE.pathname,
  out,
  stack: STACK,
  region: 'us-east-1',
  cloudFormationEndpoint: cloudFormation.url,
  credentials: CREDENTIALS,
  progress: 'none' as const,
});

/** Puts a message of another sender on a queue, as the SQS function would write it. */
async function foreignMessage(queueUrl: string, sourceMessageId: string): Promise<void> {
  await pipeline.client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({ SourceMessageId: sourceMessageId, StatusCode: 200 }),
      MessageAttributes: {
        SourceMessageId: { DataType: 'String', StringValue: sourceMessageId },
        StatusCode: { DataType: 'Number', StringValue: '200' },
      },
    }),
  );
}

async function queueCounts(queueUrl: string): Promise<{ visible: number; hidden: number }> {
  const answer = await pipeline.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(answer.Attributes?.ApproximateNumberOfMessages),
    hidden: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

/** Every message visible on a queue now (each received once, then hidden for a minute). */
async function drain(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (let round = 0; round < 20; round += 1) {
    const answer = await pipeline.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if ((answer.Messages ?? []).length === 0) break;
    messages.push(...(answer.Messages ?? []));
  }
  return messages;
}

describe('npm run batch --stack', () => {
  it('names the queues of the stack from its outputs, as the stack declares them', () => {
    // Act
    const outputs = Object.keys(synthesize().outputs);
    // Assess
    expect(outputs).toEqual(expect.arrayContaining(Object.values(QUEUE_OUTPUTS)));
  });

  it('runs the rows through the stack’s queues and leaves other senders’ messages in place', async () => {
    // Prepare
    const others = ['someone-else-1', 'someone-else-2', 'someone-else-3'];
    for (const id of others) await foreignMessage(pipeline.queues.results, id);
    await foreignMessage(pipeline.queues.deadLetter, 'someone-else-dead');
    const out = join(dir, 'deployed.jsonl');
    const lines: string[] = [];
    // Act
    const summary = await runBatch({ ...deployed(out), print: (line) => lines.push(line) });
    // Assess: the same output and summary as the local run.
    expect(summary).toMatchObject({
      rows: 8,
      found: 5,
      notFound: 2,
      otherErrors: 1,
      deadLettered: 3,
      missing: 0,
      notDeleted: 0,
    });
    expect(summary.othersLeft).toBe(4);
    const written = parseJsonLines(await readFile(out, 'utf8'));
    expect(written.map((row) => [row.Identifier, row.StatusCode])).toEqual([
      ['id:1', 200],
      ['email:jane.tan@example.com', 200],
      ['phone:+60121233112', 200],
      ['id:2', 200],
      ['id:3', 200],
      ['id:999999', 404],
      ['email:nobody@example.com', 404],
      ['id:1/message', 400],
    ]);
    expect(lines).toContain(`stack ${STACK}: rows go to ${pipeline.queues.input}`);
    expect(lines.some((line) => /^left alone\s+4 messages of other senders/.test(line))).toBe(true);
    expect(cloudFormation.seen).toEqual([{ action: 'DescribeStacks', stackName: STACK }]);
    // Ours are deleted; the others' are all there, visible at once, none hidden.
    expect(await queueCounts(pipeline.queues.results)).toEqual({ visible: 3, hidden: 0 });
    expect(await queueCounts(pipeline.queues.deadLetter)).toEqual({ visible: 1, hidden: 0 });
    expect((await drain(pipeline.queues.results)).map(sourceMessageIdOf).sort()).toEqual(others);
    expect((await drain(pipeline.queues.deadLetter)).map(sourceMessageIdOf)).toEqual([
      'someone-else-dead',
    ]);
  });

  it('keeps its messages on the queues when the output cannot be written', async () => {
    // Prepare: an output path whose directory does not exist.
    const before = {
      results: await queueCounts(pipeline.queues.results),
      deadLetters: await queueCounts(pipeline.queues.deadLetter),
    };
    // Act
    const run = runBatch({ ...deployed(join(dir, 'no-such-dir', 'out.jsonl')), print: () => {} });
    // Assess: taken, still hidden, not deleted: they reappear when the visibility timeout ends.
    await expect(run).rejects.toThrow(/ENOENT/);
    const results = await queueCounts(pipeline.queues.results);
    const deadLetters = await queueCounts(pipeline.queues.deadLetter);
    expect(results.hidden - before.results.hidden).toBe(8); // one result per row
    expect(deadLetters.hidden - before.deadLetters.hidden).toBe(3); // the three final failures
  });

  it('says clearly when the stack does not exist or is not the connector’s', async () => {
    // Act: both settled before any assertion, so neither rejection is ever left unhandled.
    const [missing, foreign] = await Promise.allSettled([
      runBatch({ ...deployed(join(dir, 'x.jsonl')), stack: 'NoSuchStack' }),
      runBatch({ ...deployed(join(dir, 'y.jsonl')), stack: 'SomethingElse' }),
    ]);
    // Assess
    expect(missing.status).toBe('rejected');
    expect(foreign.status).toBe('rejected');
    const missingError = (missing as PromiseRejectedResult).reason;
    const foreignError = (foreign as PromiseRejectedResult).reason;
    expect(missingError).toBeInstanceOf(StackQueuesError);
    expect(String(missingError.message)).toMatch(/No stack named "NoSuchStack"/);
    expect(String(foreignError.message)).toMatch(
      /has no output InputQueueUrl, ResultsQueueUrl, DeadLetterQueueUrl/,
    );
  });
});
