/**
 * The results and dead-letter queues on SQS: SendMessageBatch in chunks of at most 10 entries and
 * 256 KiB, retrying only the entries that failed on AWS's side. Messages carry the row's
 * `StatusCode`, `SourceMessageId`, `LookupSource` and `BudgetRate` as attributes.
 */

import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { runBounded } from '../batches/index.js';
import type { AnswerSource } from '../lookup/index.js';
import { sleep as systemSleep } from '../platform/index.js';
import {
  type DeadLetterMove,
  type DeadLetterSink,
  MAX_MESSAGES_PER_WRITE,
  type ResultMessage,
  type ResultSink,
} from './sinks.js';

interface OutgoingMessage {
  /** The caller's key for this message (returned in `failed` / `sent`); need not be unique. */
  readonly key: string;
  readonly body: string;
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
}

interface SendOptions {
  /** Attempts per entry, the first one included. Default 3. */
  readonly maxAttempts?: number;
  /** Wait before attempt n+1 (n from 1). Default 100 ms × 2^(n-1). */
  readonly backoffMs?: (attempt: number) => number;
  /** Chunks sent at the same time. Default 4. */
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface SendOutcome {
  readonly failed: readonly string[];
  /** SQS message id of each sent message, by position in the input. */
  readonly messageIds: readonly (string | undefined)[];
}

/** SendMessageBatch's limit on the sum of all message sizes in one call. */
const MAX_BATCH_BYTES = 256 * 1024;

function messageBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** Splits indexes into chunks of at most 10 messages and 256 KiB. */
function chunksOf(messages: readonly OutgoingMessage[], indexes: readonly number[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indexes) {
    const size = messageBytes(messages[index] as OutgoingMessage);
    if (
      current.length === MAX_MESSAGES_PER_WRITE ||
      (current.length > 0 && bytes + size > MAX_BATCH_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function isClientFault(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { $fault?: string }).$fault === 'client'
  );
}

/**
 * Sends messages with SendMessageBatch. Entries that fail on AWS's side (SenderFault false, or the
 * whole call failing with a server or network error) are retried; sender faults are not.
 * Never throws.
 */
export async function sendMessagesInBatches(
  client: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  options: SendOptions = {},
): Promise<SendOutcome> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const backoffMs = options.backoffMs ?? ((attempt: number) => 100 * 2 ** (attempt - 1));
  const sleep = options.sleep ?? systemSleep;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const messageIds: (string | undefined)[] = new Array(messages.length).fill(undefined);
  const failed = new Set<number>();

  async function sendChunk(chunk: readonly number[]): Promise<void> {
    let open = [...chunk];
    for (let attempt = 1; open.length > 0; attempt += 1) {
      const retry: number[] = [];
      try {
        const answer = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: open.map((index) => {
              const message = messages[index] as OutgoingMessage;
              return {
                Id: `m${index}`,
                MessageBody: message.body,
                ...(message.attributes ? { MessageAttributes: { ...message.attributes } } : {}),
              };
            }),
          }),
        );
        const seen = new Set<number>();
        for (const entry of answer.Successful ?? []) {
          const index = Number(entry.Id?.slice(1));
          seen.add(index);
          messageIds[index] = entry.MessageId;
        }
        for (const entry of answer.Failed ?? []) {
          const index = Number(entry.Id?.slice(1));
          seen.add(index);
          if (entry.SenderFault) failed.add(index);
          else retry.push(index);
        }
        // An entry the answer does not mention was not confirmed: send it again.
        for (const index of open) if (!seen.has(index)) retry.push(index);
      } catch (error) {
        if (isClientFault(error)) {
          for (const index of open) failed.add(index);
        } else {
          retry.push(...open);
        }
      }
      if (retry.length > 0 && attempt >= maxAttempts) {
        for (const index of retry) failed.add(index);
        return;
      }
      if (retry.length > 0) await sleep(backoffMs(attempt));
      open = retry;
    }
  }

  const chunks = chunksOf(
    messages,
    messages.map((_, index) => index),
  );
  await runBounded(chunks.length, concurrency, (at) => sendChunk(chunks[at] as number[]));
  return {
    failed: [...failed]
      .sort((a, b) => a - b)
      .map((index) => (messages[index] as OutgoingMessage).key),
    messageIds,
  };
}

/** Characters SQS accepts in a message or attribute; anything else becomes `?`. */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu;

function attributeText(text: string, maxLength = 1000): string {
  const clean = text.replace(NOT_SQS_TEXT, '?').slice(0, maxLength);
  return clean === '' ? '-' : clean;
}

/** The correlation fields first, then the output row's columns, then the input's other fields. */
export function resultMessageBody(result: ResultMessage): string {
  return JSON.stringify({
    SourceMessageId: result.sourceMessageId,
    Identifier: result.identifier ?? null,
    ...result.row,
    Input: result.input ?? {},
  });
}

/** `LookupSource` (request, shared or cache), so the batch command can count cache hits. */
function lookupSourceAttribute(
  source: AnswerSource | undefined,
): Record<string, MessageAttributeValue> {
  return source === undefined ? {} : { LookupSource: { DataType: 'String', StringValue: source } };
}

/** `BudgetRate` (requests/s), so the batch command can say how low the learned rate went. */
function budgetRateAttribute(rate: number | undefined): Record<string, MessageAttributeValue> {
  if (rate === undefined || !Number.isFinite(rate)) return {};
  return { BudgetRate: { DataType: 'Number', StringValue: String(Math.round(rate * 100) / 100) } };
}

interface QueueSinkOptions extends SendOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

/** Sends each item as the message `toMessage` makes of it; resolves to the keys not sent. */
function queueSender<T>(options: QueueSinkOptions, toMessage: (item: T) => OutgoingMessage) {
  const { client, queueUrl, ...sendOptions } = options;
  return async (items: readonly T[]) => {
    const messages = items.map((item) => toMessage(item));
    const outcome = await sendMessagesInBatches(client, queueUrl, messages, sendOptions);
    return { failed: outcome.failed };
  };
}

export function createResultsQueue(options: QueueSinkOptions): ResultSink {
  return {
    send: queueSender(options, (result: ResultMessage) => ({
      key: result.sourceMessageId,
      body: resultMessageBody(result),
      attributes: {
        StatusCode: { DataType: 'Number', StringValue: String(result.row.StatusCode) },
        SourceMessageId: { DataType: 'String', StringValue: result.sourceMessageId },
        ...lookupSourceAttribute(result.lookupSource),
        ...budgetRateAttribute(result.budgetRate),
      },
    })),
  };
}

/** Message attributes a dead-lettered message carries (the body is the input, unchanged). */
function deadLetterAttributes(move: DeadLetterMove): Record<string, MessageAttributeValue> {
  return {
    Reason: { DataType: 'String', StringValue: attributeText(move.reason) },
    StatusCode: { DataType: 'Number', StringValue: String(move.statusCode) },
    SourceMessageId: { DataType: 'String', StringValue: attributeText(move.sourceMessageId) },
    ReceiveCount: { DataType: 'Number', StringValue: String(move.receiveCount) },
    ...(move.sourceQueueArn
      ? { SourceQueueArn: { DataType: 'String', StringValue: attributeText(move.sourceQueueArn) } }
      : {}),
    ...lookupSourceAttribute(move.lookupSource),
  };
}

export function createDeadLetterQueue(options: QueueSinkOptions): DeadLetterSink {
  return {
    move: queueSender(options, (move: DeadLetterMove) => ({
      key: move.sourceMessageId,
      body: move.body === '' ? '-' : move.body,
      attributes: deadLetterAttributes(move),
    })),
  };
}
