/** Where the SQS function writes: the results and dead-letter queues (ports; sqs-sinks.ts on SQS). */

import type { AnswerSource, ContactRow } from '../lookup/index.js';

/** One result message: the output row plus what a consumer needs to correlate it. */
export interface ResultMessage {
  /** The SQS message id of the input row (stable across redeliveries). */
  readonly sourceMessageId: string;
  readonly identifier: unknown;
  readonly row: ContactRow;
  /** Extra fields of the input row, carried through for correlation. */
  readonly input?: Readonly<Record<string, unknown>>;
  /** How the row's lookup was answered (the `LookupSource` attribute); absent without a lookup. */
  readonly lookupSource?: AnswerSource;
  /** The respond.io rate the budget allowed when the row was done (the `BudgetRate` attribute). */
  readonly budgetRate?: number;
}

export interface ResultSink {
  /** Resolves to the source message ids whose rows could not be written. */
  send(results: readonly ResultMessage[]): Promise<{ readonly failed: readonly string[] }>;
}

/** One message to move to the dead-letter queue: the original body plus why. */
export interface DeadLetterMove {
  readonly sourceMessageId: string;
  /** The input message body, unchanged, so the message can be redriven as it was. */
  readonly body: string;
  readonly reason: string;
  readonly statusCode: number;
  readonly receiveCount: number;
  readonly sourceQueueArn?: string;
  /** As in ResultMessage. */
  readonly lookupSource?: AnswerSource;
}

/** Where final failures go under FailAndReturnResponse and FailWithoutResponse. */
export interface DeadLetterSink {
  /** Resolves to the source message ids whose move failed. */
  move(moves: readonly DeadLetterMove[]): Promise<{ readonly failed: readonly string[] }>;
}

/**
 * Most messages in one write call to the results or dead-letter queue (SendMessageBatch takes at
 * most 10 entries). The SQS adapter splits by it; the batch streams its result rows in chunks of it.
 */
export const MAX_MESSAGES_PER_WRITE = 10;
