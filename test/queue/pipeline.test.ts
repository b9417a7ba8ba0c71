import {
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createRateLimiter } from '../../functions/budget/static-limiter.js';
import type { TokenSource } from '../../functions/lookup/token.js';
import type { SqsBatchHandler } from '../../functions/queue/batch.js';
import { createSqsFunction } from '../../functions/queue/container.js';
import { containerRateLimit, loadConfig } from '../../functions/settings/config.js';
import type { ErrorBehavior } from '../../functions/settings/error-behavior.js';
import {
  type QueuePipeline,
  type QueuePipelineInfo,
  type QueuePipelineOptions,
  startQueuePipeline,
} from '../../local/queue-pipeline.js';
import { seededRandom } from '../../local/seeded-random.js';
import { maxInWindow } from '../../local/simulator/rate-window.js';
import { DEMO_TOKEN, type Simulator, startSimulator } from '../../local/simulator/server.js';

const tokens: TokenSource = { getToken: async () => DEMO_TOKEN, refresh: async () => DEMO_TOKEN };
const RATE = 20;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function pipeline(options: QueuePipelineOptions): Promise<QueuePipeline> {
  const started = await startQueuePipeline({
    port: 0,
    waitTimeSeconds: 1,
    failureVisibilityTimeoutSeconds: 0,
    ...options,
  });
  cleanups.push(() => started.stop());
  return started;
}

async function simulator(faultSeed?: number): Promise<Simulator> {
  const sim = await startSimulator({
    rateLimitRps: RATE,
    latencyMs: 5,
    retryAfterSeconds: 1,
    ...(faultSeed === undefined
      ? {}
      : {
          faults: {
            seed: faultSeed,
            rates: {
              status500: 0.06,
              status503: 0.06,
              status429: 0.04,
              status449: 0.03,
              reset: 0.03,
            },
          },
        }),
  });
  cleanups.push(() => sim.close());
  return sim;
}

/**
 * The real SQS function on the pipeline's queues, one container per poller (half the budget
 * each). Its limiter is the one the function builds without a budget table (its static share),
 * told to note each start in `starts`.
 */
function realFunction(
  sim: Simulator,
  behavior: ErrorBehavior,
  sqs?: (info: QueuePipelineInfo) => SQSClient,
  starts: number[] = [],
): (info: QueuePipelineInfo) => SqsBatchHandler {
  return (info) => {
    const config = loadConfig({
      RESPONDIO_BASE_URL: sim.url,
      RESPONDIO_RATE_LIMIT_RPS: String(RATE),
      RESPONDIO_RATE_LIMIT_SHARE: '0.5',
      RESPONDIO_MAX_ATTEMPTS: '2',
      RESPONDIO_MAX_RETRY_AFTER_SECONDS: '0.05',
      RESPONDIO_TIMEOUT_MS: '2000',
      ERROR_BEHAVIOR: behavior,
      RESULTS_QUEUE_URL: info.queues.results,
      DEAD_LETTER_QUEUE_URL: info.queues.deadLetter,
      MAX_RECEIVE_COUNT: String(info.maxReceiveCount),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const budget = createRateLimiter({
      requestsPerSecond: containerRateLimit(config),
      onStart: ({ at }) => starts.push(at),
    });
    return createSqsFunction(config, {
      sqs: sqs?.(info) ?? info.client,
      tokens,
      metrics: { publish() {} },
      logger: silentLogger,
      budget,
    });
  };
}

const silentLogger = new Proxy({}, { get: () => () => {} }) as never;

/** 24 rows: found ids, not-found ids and poison messages. */
function inputBodies(): string[] {
  const bodies: string[] = [];
  for (let i = 1; i <= 16; i += 1) bodies.push(JSON.stringify({ Identifier: `id:${i}`, row: i }));
  for (let i = 1; i <= 5; i += 1)
    bodies.push(JSON.stringify({ Identifier: `id:${9000 + i}`, row: 100 + i }));
  bodies.push(
    'not json',
    JSON.stringify({ row: 'no identifier' }),
    JSON.stringify({ Identifier: 'id:1/message' }),
  );
  return bodies;
}

async function sendRows(client: SQSClient, queueUrl: string, bodies: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const answer = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({ Id: `e${index}`, MessageBody: body })),
      }),
    );
    expect(answer.Failed ?? []).toEqual([]);
    const byId = new Map((answer.Successful ?? []).map((entry) => [entry.Id, entry.MessageId]));
    chunk.forEach((_, index) => {
      ids.push(byId.get(`e${index}`) as string);
    });
  }
  return ids;
}

interface Accounting {
  /** Result bodies by source message id (every copy). */
  results: Map<string, Record<string, unknown>[]>;
  /** Dead-letter messages by source message id (every copy). */
  deadLetters: Map<string, Message[]>;
}

async function receiveAll(client: SQSClient, queueUrl: string, wait: number): Promise<Message[]> {
  const answer = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: wait,
      VisibilityTimeout: 600,
      MessageAttributeNames: ['All'],
    }),
  );
  return answer.Messages ?? [];
}

/** Reads the results and dead-letter queues until `done` holds and the pipeline acked every row. */
async function account(
  p: QueuePipeline,
  done: (accounting: Accounting) => boolean,
  rows: number,
): Promise<Accounting> {
  const accounting: Accounting = { results: new Map(), deadLetters: new Map() };
  const add = <T>(map: Map<string, T[]>, key: string, value: T) => {
    map.set(key, [...(map.get(key) ?? []), value]);
  };
  let quietRounds = 0;
  while (!(done(accounting) && p.stats().deleted >= rows) || quietRounds < 1) {
    const [results, deadLetters] = await Promise.all([
      receiveAll(p.client, p.queues.results, done(accounting) ? 0 : 1),
      receiveAll(p.client, p.queues.deadLetter, 0),
    ]);
    for (const message of results) {
      const body = JSON.parse(message.Body ?? '{}') as Record<string, unknown>;
      add(accounting.results, String(body.SourceMessageId), body);
    }
    for (const message of deadLetters) {
      const source =
        message.MessageAttributes?.SourceMessageId?.StringValue ?? (message.MessageId as string);
      add(accounting.deadLetters, source, message);
    }
    quietRounds =
      done(accounting) && results.length + deadLetters.length === 0 ? quietRounds + 1 : 0;
  }
  return accounting;
}

const count = (map: Map<string, unknown[]>, id: string) => map.get(id)?.length ?? 0;

describe('the local SQS pipeline with the real SQS function', () => {
  it.each<ErrorBehavior>([
    'DoNotFailAndReturnResponse',
    'FailAndReturnResponse',
    'FailWithoutResponse',
  ])(
    '%s: every row accounted for exactly once under seeded faults, within the rate limit',
    async (behavior) => {
      // Prepare
      const sim = await simulator(7);
      const starts: number[] = [];
      const p = await pipeline({
        createHandler: realFunction(sim, behavior, undefined, starts),
        concurrency: 2,
        batchSize: 10,
        maxReceiveCount: 3,
      });
      const bodies = inputBodies();
      // Act
      const ids = await sendRows(p.client, p.queues.input, bodies);
      const needsResult = (id: string, accounting: Accounting) =>
        behavior !== 'FailWithoutResponse' ||
        (accounting.results.get(id)?.[0]?.StatusCode ?? 200) === 200;
      const accounting = await account(
        p,
        (a) =>
          ids.every((id) => count(a.results, id) + count(a.deadLetters, id) > 0) &&
          ids.every(
            (id) => !needsResult(id, a) || count(a.results, id) > 0 || count(a.deadLetters, id) > 0,
          ),
        ids.length,
      );
      // Assess
      for (const id of ids) {
        const result = accounting.results.get(id)?.[0];
        const dead = count(accounting.deadLetters, id);
        if (behavior === 'FailWithoutResponse') {
          expect(count(accounting.results, id) + dead).toBe(1);
          if (result) expect(result.StatusCode).toBe(200);
        } else {
          expect(count(accounting.results, id)).toBe(1);
          const failed = result?.StatusCode !== 200;
          expect(dead).toBe(behavior === 'FailAndReturnResponse' && failed ? 1 : 0);
        }
      }
      const all = [...accounting.results.values()].flat();
      if (behavior !== 'FailWithoutResponse') {
        const byRow = new Map(
          all.map((body) => [String((body.Input as { row?: unknown }).row), body]),
        );
        expect(byRow.get('1')?.StatusCode).toBe(200);
        expect(byRow.get('101')?.StatusCode).toBe(404);
        expect(all.filter((body) => body.StatusCode === 400)).toHaveLength(3);
      }
      for (const [, [message]] of accounting.deadLetters) {
        expect(message?.MessageAttributes?.Reason?.StringValue).toBeTruthy();
        expect(message?.MessageAttributes?.StatusCode?.DataType).toBe('Number');
      }
      // Within the rate limit, as the design guarantees it: each container's static limiter starts
      // any 11 consecutive requests at least 1000 × 1.03 − 10 ms apart, so together they start at
      // most 2 × 10 in any second, with no tolerance. Arrivals at the simulator are not counted:
      // they share this busy event loop, and the spread between a start and its arrival is the
      // arrival-jitter benchmark's to measure (npm run bench -- --only arrival-jitter).
      expect(starts.length).toBeGreaterThanOrEqual(ids.length - 3);
      expect(maxInWindow(starts, 1000)).toBeLessThanOrEqual(RATE);
      expect(Object.keys(sim.stats().injected).length).toBeGreaterThan(0);
    },
  );

  it('loses no row when SendMessageBatch partly fails on the results and dead-letter queues', async () => {
    // Prepare: a client that drops a seeded 40% of the entries of every SendMessageBatch call.
    const sim = await simulator();
    const random = seededRandom(11);
    let dropped = 0;
    const faulty = (info: QueuePipelineInfo) => {
      const client = new SQSClient({
        region: info.region,
        endpoint: info.sqsEndpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      client.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as { Entries?: { Id?: string }[] };
          if (!Array.isArray(input.Entries)) return next(args);
          const drop = input.Entries.filter(() => random() < 0.4);
          dropped += drop.length;
          const keep = input.Entries.filter((entry) => !drop.includes(entry));
          const out = keep.length
            ? await next({ ...args, input: { ...input, Entries: keep } as typeof args.input })
            : { output: { $metadata: {}, Successful: [] }, response: {} };
          const output = out.output as { Failed?: unknown[] };
          output.Failed = [
            ...(output.Failed ?? []),
            ...drop.map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError' })),
          ];
          return out;
        },
        { step: 'initialize', name: 'dropSomeEntries' },
      );
      return client;
    };
    const p = await pipeline({
      createHandler: realFunction(sim, 'FailAndReturnResponse', faulty),
      batchSize: 10,
      maxReceiveCount: 5,
    });
    // Act
    const ids = await sendRows(p.client, p.queues.input, inputBodies());
    const accounting = await account(
      p,
      (a) =>
        ids.every(
          (id) =>
            count(a.results, id) > 0 &&
            (a.results.get(id)?.[0]?.StatusCode === 200 || count(a.deadLetters, id) > 0),
        ),
      ids.length,
    );
    // Assess: nothing lost; a redelivered row may appear twice, always with the same content.
    expect(dropped).toBeGreaterThan(0);
    for (const id of ids) {
      const copies = accounting.results.get(id) ?? [];
      expect(copies.length).toBeGreaterThan(0);
      expect(new Set(copies.map((copy) => copy.StatusCode)).size).toBe(1);
    }
  });
});

describe('event source mapping semantics of the poller', () => {
  it('redelivers reported failures with a growing receive count, then redrives them to the DLQ', async () => {
    // Prepare: a handler that fails the row "poison" and acknowledges the others.
    const seen: Record<string, number[]> = {};
    const handler: SqsBatchHandler = async (event) => {
      for (const record of event.Records) {
        const counts = seen[record.body] ?? [];
        counts.push(Number(record.attributes.ApproximateReceiveCount));
        seen[record.body] = counts;
      }
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    };
    const p = await pipeline({ handler, maxReceiveCount: 3 });
    // Act
    const [okId, poisonId] = await sendRows(p.client, p.queues.input, ['ok', 'poison']);
    let dead: Message[] = [];
    while (dead.length === 0) dead = await receiveAll(p.client, p.queues.deadLetter, 1);
    // Assess
    expect(seen.ok).toEqual([1]);
    expect(seen.poison).toEqual([1, 2, 3]);
    expect(dead.map((message) => [message.MessageId, message.Body])).toEqual([
      [poisonId, 'poison'],
    ]);
    expect(okId).toBeDefined();
  });

  it('fails the whole batch when the handler throws or answers an unknown item', async () => {
    // Prepare
    const errors: string[] = [];
    let calls = 0;
    const handler: SqsBatchHandler = async () => {
      calls += 1;
      if (calls === 1) throw new Error('bad configuration');
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] };
      return { batchItemFailures: [] };
    };
    const p = await pipeline({
      handler,
      batchSize: 10,
      onBatch: (event) => {
        if (event.invocationError) errors.push(event.invocationError);
      },
    });
    // Act
    await sendRows(p.client, p.queues.input, ['a', 'b', 'c']);
    while (p.stats().deleted < 3) await receiveAll(p.client, p.queues.results, 1);
    // Assess
    expect(errors).toEqual(['Error: bad configuration', 'malformed batchItemFailures']);
    expect(p.stats()).toMatchObject({ deleted: 3, invocationErrors: 2 });
  });
});
