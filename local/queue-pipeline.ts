/**
 * The local SQS pipeline: a real SQS wire-protocol server (fauxqs, loopback only) with an input
 * queue, a results queue and a dead-letter queue, and a poller that feeds an SQS handler with
 * the semantics of a Lambda event source mapping with ReportBatchItemFailures:
 *
 * - batches of up to `batchSize` records (several ReceiveMessage calls of at most 10, gathered
 *   for at most `batchingWindowMs`), real SQSEvent records with ApproximateReceiveCount;
 * - records not reported in `batchItemFailures` are deleted; reported ones stay and become
 *   visible again when their visibility timeout ends (or at once with
 *   `failureVisibilityTimeoutSeconds: 0`, which tests use to run fast);
 * - a thrown error, a timeout (`functionTimeoutMs`) or a malformed response fails the whole batch;
 * - after `maxReceiveCount` receives, the input queue's redrive policy moves a message to the
 *   dead-letter queue (done by fauxqs, as SQS does, on the next receive).
 */

import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { buildApp, interceptLocalhostDns } from 'fauxqs';
import { sleep } from '../functions/platform/clock.js';
import type { SqsBatchHandler } from '../functions/queue/batch.js';
import { createSqsFunction } from '../functions/queue/container.js';
import { loadConfig } from '../functions/settings/config.js';
import { SETTINGS } from '../functions/settings/table.js';

export const DEFAULT_SQS_PORT = SETTINGS.localSqsPort.default;
export const DEFAULT_REGION = 'us-east-1';
export const QUEUE_NAMES = {
  input: 'respondio-contacts-input',
  results: 'respondio-contacts-results',
  deadLetter: 'respondio-contacts-dlq',
} as const;
const ACCOUNT = '000000000000';

export interface PipelineQueues {
  readonly input: string;
  readonly results: string;
  readonly deadLetter: string;
}

export interface QueuePipelineInfo {
  /** e.g. http://127.0.0.1:9324 */
  readonly sqsEndpoint: string;
  readonly region: string;
  /** Queue URLs. */
  readonly queues: PipelineQueues;
  readonly maxReceiveCount: number;
  /** An SQS client for this pipeline (explicit endpoint, dummy credentials). */
  readonly client: SQSClient;
}

export interface QueuePipelineOptions {
  /** Default us-east-1. */
  readonly region?: string;
  /** Default 9324; 0 picks a free port. Listens on 127.0.0.1 only. */
  readonly port?: number;
  /** The handler every poller invokes. Give this or `createHandler`. */
  readonly handler?: SqsBatchHandler;
  /** Builds one handler per poller (one "container" each), once the queues exist. */
  readonly createHandler?: (info: QueuePipelineInfo) => SqsBatchHandler | Promise<SqsBatchHandler>;
  /** Records per invocation, at most. Default 10. */
  readonly batchSize?: number;
  /** How long a poller gathers records for one batch. Default 0 (what one receive round returns). */
  readonly batchingWindowMs?: number;
  /** Input queue VisibilityTimeout, whole seconds. Default 60. */
  readonly visibilityTimeoutSeconds?: number;
  /** Redrive to the dead-letter queue after this many receives. Default 5. */
  readonly maxReceiveCount?: number;
  /** Long-poll wait of an idle poller, whole seconds. Default 1. */
  readonly waitTimeSeconds?: number;
  /** Concurrent pollers ("containers"). Default 1. */
  readonly concurrency?: number;
  /** The invocation's time limit (getRemainingTimeInMillis). Default 30000. */
  readonly functionTimeoutMs?: number;
  /**
   * Set the visibility of reported failures to this many seconds right after the invocation
   * (0: redeliver at once). Default: leave them to the queue's visibility timeout, as Lambda does.
   */
  readonly failureVisibilityTimeoutSeconds?: number;
  /** Called after each invocation. */
  readonly onBatch?: (event: PipelineBatchEvent) => void;
  /** Fault hooks for soak tests; none by default. */
  readonly faults?: PipelineFaults;
}

/**
 * Optional fault hooks (the soak test uses them with seeded decisions). Without them the poller
 * behaves as described above.
 */
export interface PipelineFaults {
  /**
   * Asked for each message of a collected batch before the handler sees it; `true` makes the
   * message visible again at once (ChangeMessageVisibility 0), as if its visibility timeout were
   * shorter than the processing time: it is delivered again (to another poller, or to this one
   * later) while or after this invocation works on it, and this invocation's delete then holds a
   * stale receipt handle and removes nothing. A duplicate delivery, as SQS's at-least-once
   * delivery allows.
   */
  readonly redeliverEarly?: (message: Message) => boolean;
  /** The time limit of one invocation of `records` records, instead of `functionTimeoutMs`. */
  readonly functionTimeoutMs?: (records: number) => number;
}

export interface PipelineBatchEvent {
  readonly records: number;
  readonly deleted: number;
  /** Message ids left on the queue for another delivery. */
  readonly failed: readonly string[];
  /** Set when the whole batch failed: the handler threw, timed out or answered malformed. */
  readonly invocationError?: string;
  /** The invocation's time limit. */
  readonly functionTimeoutMs: number;
  /** Messages of this batch made visible again early (`faults.redeliverEarly`). */
  readonly redeliveredEarly: number;
}

export interface PipelineStats {
  readonly batches: number;
  readonly received: number;
  readonly deleted: number;
  readonly failed: number;
  readonly invocationErrors: number;
  /** Messages made visible again early by `faults.redeliverEarly`. */
  readonly redeliveredEarly: number;
}

export interface QueuePipeline extends QueuePipelineInfo {
  stats(): PipelineStats;
  /**
   * Stops polling and waits for the invocations in flight; the queues stay up (so they can still
   * be read) until `stop()`.
   */
  stopPolling(): Promise<void>;
  stop(): Promise<void>;
}

function toMessageAttributes(message: Message): SQSMessageAttributes {
  const attributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return attributes;
}

/** A received message as Lambda hands it to the function. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? ACCOUNT,
      ApproximateFirstReceiveTimestamp:
        system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toMessageAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** The failed message ids of a response, or null when the response fails the whole batch. */
export function reportedFailures(
  response: unknown,
  messageIds: ReadonlySet<string>,
): Set<string> | null {
  if (response === null || response === undefined) return new Set();
  const list = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return null;
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !messageIds.has(id)) return null;
    failed.add(id);
  }
  return failed;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

class InvocationTimeout extends Error {
  override readonly name = 'InvocationTimeout';
}

export async function startQueuePipeline(options: QueuePipelineOptions): Promise<QueuePipeline> {
  if ((options.handler === undefined) === (options.createHandler === undefined)) {
    throw new Error('startQueuePipeline needs exactly one of handler or createHandler');
  }
  const region = options.region ?? DEFAULT_REGION;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 10));
  const batchingWindowMs = Math.max(0, options.batchingWindowMs ?? 0);
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 60;
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const functionTimeoutMs = options.functionTimeoutMs ?? 30_000;

  // The SDK sends requests to the queue URL's host, sqs.<region>.localhost: resolve it locally.
  const restoreDns = interceptLocalhostDns();
  const app = buildApp({ logger: false, defaultRegion: region });
  try {
    await app.listen({ host: '127.0.0.1', port: options.port ?? DEFAULT_SQS_PORT });
  } catch (error) {
    restoreDns();
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const sqsEndpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({
    region,
    endpoint: sqsEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const arn = (name: string) => `arn:aws:sqs:${region}:${ACCOUNT}:${name}`;

  const stopping = new AbortController();
  const loops: Promise<void>[] = [];
  const counters = {
    batches: 0,
    received: 0,
    deleted: 0,
    failed: 0,
    invocationErrors: 0,
    redeliveredEarly: 0,
  };
  let info: QueuePipelineInfo;
  try {
    const create = async (name: string, attributes: Record<string, string>) => {
      const answer = await client.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      );
      return answer.QueueUrl as string;
    };
    const deadLetter = await create(QUEUE_NAMES.deadLetter, {});
    const results = await create(QUEUE_NAMES.results, {});
    const input = await create(QUEUE_NAMES.input, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: arn(QUEUE_NAMES.deadLetter),
        maxReceiveCount: String(maxReceiveCount),
      }),
    });
    info = { sqsEndpoint, region, queues: { input, results, deadLetter }, maxReceiveCount, client };
  } catch (error) {
    client.destroy();
    restoreDns();
    await app.close();
    throw error;
  }
  const inputArn = arn(QUEUE_NAMES.input);

  async function receive(max: number, wait: number): Promise<Message[]> {
    try {
      const answer = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: info.queues.input,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: stopping.signal },
      );
      return answer.Messages ?? [];
    } catch (error) {
      if (stopping.signal.aborted) return [];
      throw error;
    }
  }

  async function collectBatch(): Promise<Message[]> {
    const batch = await receive(batchSize, waitTimeSeconds);
    if (batch.length === 0) return batch;
    const windowEndsAt = Date.now() + batchingWindowMs;
    while (batch.length < batchSize && !stopping.signal.aborted) {
      const more = await receive(batchSize - batch.length, 0);
      if (more.length > 0) {
        batch.push(...more);
        continue;
      }
      // Queue empty for now: look again shortly while the batching window lasts.
      const leftMs = windowEndsAt - Date.now();
      if (leftMs <= 0) break;
      await sleep(Math.min(50, leftMs));
    }
    return batch;
  }

  /** Sets the visibility timeout of received input messages, ten per call. */
  async function changeVisibility(messages: readonly Message[], seconds: number): Promise<void> {
    for (const chunk of chunks(messages, 10)) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: info.queues.input,
          Entries: chunk.map((message, index) => ({
            Id: `v${index}`,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
    }
  }

  /** Fault hook: makes the chosen messages visible again before the handler runs. */
  async function redeliverEarly(messages: readonly Message[]): Promise<number> {
    const choose = options.faults?.redeliverEarly;
    if (choose === undefined) return 0;
    const chosen = messages.filter((message) => choose(message));
    await changeVisibility(chosen, 0);
    return chosen.length;
  }

  async function invoke(handler: SqsBatchHandler, messages: Message[]): Promise<void> {
    const records = messages.map((message) => toSqsRecord(message, inputArn, region));
    const ids = new Set(records.map((record) => record.messageId));
    const redelivered = await redeliverEarly(messages);
    const timeoutMs = options.faults?.functionTimeoutMs?.(records.length) ?? functionTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let failed: Set<string> | null;
    let invocationError: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const response = await Promise.race([
        handler(
          { Records: records },
          {
            getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
            awsRequestId: randomUUID(),
          },
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new InvocationTimeout(`timed out after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      failed = reportedFailures(response, ids);
      if (failed === null) invocationError = 'malformed batchItemFailures';
    } catch (error) {
      failed = null;
      invocationError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      clearTimeout(timer);
    }
    const failedIds = failed ?? ids;
    const done = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
    const retry = messages.filter((message) => failedIds.has(message.MessageId ?? ''));
    for (const chunk of chunks(done, 10)) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: info.queues.input,
          Entries: chunk.map((message, index) => ({
            Id: `d${index}`,
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    if (options.failureVisibilityTimeoutSeconds !== undefined) {
      await changeVisibility(retry, options.failureVisibilityTimeoutSeconds);
    }
    counters.batches += 1;
    counters.received += messages.length;
    counters.deleted += done.length;
    counters.failed += retry.length;
    if (invocationError !== undefined) counters.invocationErrors += 1;
    counters.redeliveredEarly += redelivered;
    options.onBatch?.({
      records: messages.length,
      deleted: done.length,
      failed: retry.map((message) => message.MessageId ?? ''),
      ...(invocationError !== undefined ? { invocationError } : {}),
      functionTimeoutMs: timeoutMs,
      redeliveredEarly: redelivered,
    });
  }

  async function poll(handler: SqsBatchHandler): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        const messages = await collectBatch();
        if (messages.length > 0) await invoke(handler, messages);
      } catch (error) {
        if (stopping.signal.aborted) return;
        process.stderr.write(
          `queue pipeline: poll failed: ${error instanceof Error ? error.name : 'error'}\n`,
        );
        await sleep(250);
      }
    }
  }

  try {
    for (let slot = 0; slot < concurrency; slot += 1) {
      const handler = options.handler ?? (await options.createHandler?.(info));
      if (handler === undefined) throw new Error('createHandler returned no handler');
      loops.push(poll(handler));
    }
  } catch (error) {
    stopping.abort();
    await Promise.all(loops);
    client.destroy();
    restoreDns();
    await app.close();
    throw error;
  }

  let pollingStopped: Promise<void> | undefined;
  const stopPolling = () => {
    pollingStopped ??= (async () => {
      stopping.abort();
      await Promise.all(loops);
    })();
    return pollingStopped;
  };
  let stopped: Promise<void> | undefined;
  return {
    ...info,
    stats: () => ({ ...counters }),
    stopPolling,
    stop() {
      stopped ??= (async () => {
        await stopPolling();
        client.destroy();
        await app.close();
        restoreDns();
      })();
      return stopped;
    },
  };
}

/**
 * `createHandler` for the real SQS function (functions/queue/handler.ts's composition) on this
 * pipeline's queues; the rest of its configuration (respond.io URL, token secret, rate limit,
 * ERROR_BEHAVIOR...) comes from `env`. Metrics are not printed locally.
 */
export function localSqsFunction(
  env: Readonly<Record<string, string | undefined>> = process.env,
): (info: QueuePipelineInfo) => SqsBatchHandler {
  return (info) =>
    createSqsFunction(
      loadConfig({
        ...env,
        RESULTS_QUEUE_URL: info.queues.results,
        DEAD_LETTER_QUEUE_URL: info.queues.deadLetter,
        MAX_RECEIVE_COUNT: String(info.maxReceiveCount),
      }),
      { sqs: info.client, metrics: { publish() {} } },
    );
}
