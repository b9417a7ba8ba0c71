/**
 * How the batch command takes its own messages from the results and dead-letter queues, and only
 * its own, when other senders may share them (a deployed stack):
 * - a message is ours when its SourceMessageId (or, for a message SQS's redrive moved, its own
 *   message id) is one of the input messages this run sent;
 * - someone else's is made visible again at once (ChangeMessageVisibility 0), never deleted;
 * - ours stay invisible while the run lasts (the receive hides them for `holdSeconds`) and are
 *   deleted only after the output file is written, so a run that stops early loses nothing:
 *   its messages reappear when the visibility timeout ends.
 */

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MAX_MESSAGES_PER_WRITE } from '../functions/queue/sinks.js';

/** The longest visibility timeout SQS accepts (12 hours). */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** A message this run took: the input message it answers, and how to delete it later. */
export interface TakenMessage {
  /** The input message's id (SourceMessageId, or the message's own id after a redrive). */
  readonly sourceMessageId: string;
  readonly message: Message;
}

export interface QueueCollector {
  /**
   * Receives once from `queueUrl` (long poll of `waitSeconds`): gives back what is ours, makes
   * the rest visible again at once.
   */
  take(queueUrl: string, waitSeconds: number): Promise<TakenMessage[]>;
  /** Deletes every message taken so far; resolves to how many could not be deleted. */
  deleteTaken(): Promise<number>;
  /** How many distinct messages of other senders were made visible again. */
  readonly released: () => number;
}

export interface QueueCollectorOptions {
  readonly client: SQSClient;
  /** The input message ids of this run. */
  readonly ours: ReadonlySet<string>;
  /** How long a taken message stays invisible: the rest of the run, with some margin. */
  readonly holdSeconds: number;
}

/** Whose input message a result or dead-letter message answers. */
export function sourceMessageIdOf(message: Message): string {
  return message.MessageAttributes?.SourceMessageId?.StringValue ?? message.MessageId ?? '';
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_MESSAGES_PER_WRITE) {
    out.push(items.slice(i, i + MAX_MESSAGES_PER_WRITE));
  }
  return out;
}

export function createQueueCollector(options: QueueCollectorOptions): QueueCollector {
  const { client, ours } = options;
  const holdSeconds = Math.min(Math.max(Math.ceil(options.holdSeconds), 1), MAX_VISIBILITY_SECONDS);
  /** Receipt handles of the messages taken, by queue and message id (the latest receive wins). */
  const taken = new Map<string, Map<string, string>>();
  const released = new Set<string>();

  const release = async (queueUrl: string, foreign: readonly Message[]) => {
    for (const chunk of chunks(foreign)) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: `r${index}`,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      for (const message of chunk) released.add(message.MessageId ?? '');
    }
  };

  return {
    async take(queueUrl, waitSeconds) {
      const answer = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: holdSeconds,
          MessageAttributeNames: ['All'],
        }),
      );
      const mine: TakenMessage[] = [];
      const foreign: Message[] = [];
      for (const message of answer.Messages ?? []) {
        const sourceMessageId = sourceMessageIdOf(message);
        if (!ours.has(sourceMessageId)) {
          foreign.push(message);
          continue;
        }
        mine.push({ sourceMessageId, message });
        const handles = taken.get(queueUrl) ?? new Map<string, string>();
        handles.set(message.MessageId ?? '', message.ReceiptHandle ?? '');
        taken.set(queueUrl, handles);
      }
      await release(queueUrl, foreign);
      return mine;
    },
    async deleteTaken() {
      let failed = 0;
      for (const [queueUrl, handles] of taken) {
        for (const chunk of chunks([...handles.values()])) {
          const answer = await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((receiptHandle, index) => ({
                Id: `d${index}`,
                ReceiptHandle: receiptHandle,
              })),
            }),
          );
          failed += answer.Failed?.length ?? 0;
        }
      }
      taken.clear();
      return failed;
    },
    released: () => released.size,
  };
}
