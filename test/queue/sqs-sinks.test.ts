import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { errorRow } from '../../functions/lookup/row.js';
import {
  createDeadLetterQueue,
  createResultsQueue,
  resultMessageBody,
  sendMessagesInBatches,
} from '../../functions/queue/sqs-sinks.js';

const sqsMock = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/results';
const noWait = async () => {};

type Entry = { Id?: string; MessageBody?: string };
const entriesOf = (call: number) =>
  (sqsMock.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? []) as Entry[];

const messages = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ key: `k${i}`, body: `{"n":${i}}` }));

describe('sendMessagesInBatches', () => {
  beforeEach(() => {
    sqsMock.reset();
  });

  it('sends in chunks of at most 10 entries and returns the message ids', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `sqs-${e.Id}` })),
      Failed: [],
    }));
    // Act
    const outcome = await sendMessagesInBatches(client, queueUrl, messages(23), { sleep: noWait });
    // Assess
    const sizes = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.messageIds[22]).toBe('sqs-m22');
  });

  it('retries entries that failed on the server side and gives up on sender faults', async () => {
    // Prepare: the first call fails k1 (retryable) and k2 (sender fault); the retry succeeds.
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'm0', MessageId: 'a', MD5OfMessageBody: '' }],
        Failed: [
          { Id: 'm1', SenderFault: false, Code: 'InternalError' },
          { Id: 'm2', SenderFault: true, Code: 'InvalidParameterValue' },
        ],
      })
      .resolvesOnce({ Successful: [{ Id: 'm1', MessageId: 'b', MD5OfMessageBody: '' }] });
    // Act
    const outcome = await sendMessagesInBatches(client, queueUrl, messages(3), { sleep: noWait });
    // Assess
    expect(outcome.failed).toEqual(['k2']);
    expect(entriesOf(1).map((e) => e.Id)).toEqual(['m1']);
    expect(outcome.messageIds).toEqual(['a', 'b', undefined]);
  });

  it('reports entries as failed after the last attempt, and resends entries the answer omits', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error('down'), { $fault: 'server' }));
    // Act
    const outcome = await sendMessagesInBatches(client, queueUrl, messages(2), {
      sleep: noWait,
      maxAttempts: 3,
    });
    // Assess
    expect(outcome.failed).toEqual(['k0', 'k1']);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('does not retry a call rejected as a client fault', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error('no such queue'), { $fault: 'client' }));
    // Act
    const outcome = await sendMessagesInBatches(client, queueUrl, messages(1), { sleep: noWait });
    // Assess
    expect(outcome.failed).toEqual(['k0']);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('keeps each call under 256 KiB', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'x' })),
    }));
    const big = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, body: 'x'.repeat(60_000) }));
    // Act
    await sendMessagesInBatches(client, queueUrl, big, { sleep: noWait });
    // Assess
    const sizes = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([4, 2]);
  });
});

describe('results and dead-letter queues', () => {
  beforeEach(() => {
    sqsMock.reset();
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'x' })),
    }));
  });

  it('writes the result body: correlation fields, the output row, then Input', async () => {
    // Prepare
    const results = createResultsQueue({ client, queueUrl });
    const result = {
      sourceMessageId: 'src-1',
      identifier: 'id:404',
      row: errorRow(404, 'Contact not found'),
      input: { rowId: 'r-9' },
    };
    // Act
    const answer = await results.send([result]);
    // Assess
    expect(answer.failed).toEqual([]);
    const body = JSON.parse(entriesOf(0)[0]?.MessageBody ?? '{}');
    expect(Object.keys(body).slice(0, 4)).toEqual([
      'SourceMessageId',
      'Identifier',
      'StatusCode',
      'Message',
    ]);
    expect(body).toMatchObject({
      SourceMessageId: 'src-1',
      Identifier: 'id:404',
      StatusCode: 404,
      Message: 'Contact not found',
      ID: null,
      Input: { rowId: 'r-9' },
    });
    expect(resultMessageBody(result)).toBe(entriesOf(0)[0]?.MessageBody);
  });

  it('moves a message with the original body and the reason in attributes', async () => {
    // Prepare
    const deadLetters = createDeadLetterQueue({ client, queueUrl });
    // Act
    const answer = await deadLetters.move([
      {
        sourceMessageId: 'src-2',
        body: '{"Identifier":"id:1"}',
        reason: 'respond.io answered with HTTP 503\u0000',
        statusCode: 503,
        receiveCount: 5,
        sourceQueueArn: 'arn:aws:sqs:us-east-1:123456789012:input',
      },
    ]);
    // Assess
    expect(answer.failed).toEqual([]);
    const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.MessageBody).toBe('{"Identifier":"id:1"}');
    expect(entry?.MessageAttributes).toEqual({
      Reason: { DataType: 'String', StringValue: 'respond.io answered with HTTP 503?' },
      StatusCode: { DataType: 'Number', StringValue: '503' },
      SourceMessageId: { DataType: 'String', StringValue: 'src-2' },
      ReceiveCount: { DataType: 'Number', StringValue: '5' },
      SourceQueueArn: {
        DataType: 'String',
        StringValue: 'arn:aws:sqs:us-east-1:123456789012:input',
      },
    });
  });

  it('tells how the row was answered in a LookupSource attribute, on results and dead letters', async () => {
    // Prepare
    const results = createResultsQueue({ client, queueUrl });
    const deadLetters = createDeadLetterQueue({ client, queueUrl });
    // Act
    await results.send([
      { sourceMessageId: 'a', identifier: 'id:1', row: errorRow(404, 'x'), lookupSource: 'cache' },
      { sourceMessageId: 'b', identifier: 'id:x', row: errorRow(400, 'x') },
    ]);
    await deadLetters.move([
      {
        sourceMessageId: 'c',
        body: '{}',
        reason: 'Contact not found',
        statusCode: 404,
        receiveCount: 1,
        lookupSource: 'shared',
      },
    ]);
    // Assess
    const attributes = [0, 1].flatMap((call) =>
      (sqsMock.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? []).map(
        (entry) => entry.MessageAttributes?.LookupSource,
      ),
    );
    expect(attributes).toEqual([
      { DataType: 'String', StringValue: 'cache' },
      undefined,
      { DataType: 'String', StringValue: 'shared' },
    ]);
  });
});
