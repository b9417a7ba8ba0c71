import { describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import type { BatchSummary } from '../../functions/batches/metrics.js';
import type { ContactDirectory, DirectoryAnswer } from '../../functions/lookup/lookup.js';
import type { Logger } from '../../functions/platform/logger.js';
import { type BatchHandlerDeps, createBatchHandler } from '../../functions/queue/batch.js';
import type {
  DeadLetterMove,
  DeadLetterSink,
  ResultMessage,
  ResultSink,
} from '../../functions/queue/sinks.js';
import type { ErrorBehavior } from '../../functions/settings/error-behavior.js';
import { identifiers, identifiersFor } from '../support/identifiers.js';
import { sqsRecord as record } from '../support/sqs-record.js';

const FOUND: DirectoryAnswer = { ok: true, attempts: 1, body: { id: 1, firstName: 'Jane' } };
const NOT_FOUND: DirectoryAnswer = {
  ok: false,
  attempts: 1,
  failure: { kind: 'http', status: 404, body: '{"code":404,"message":"Contact not found"}' },
};
const UNAVAILABLE: DirectoryAnswer = {
  ok: false,
  attempts: 4,
  failure: { kind: 'http', status: 503 },
};

/** A directory answering by identifier path segment; records calls and the peak concurrency. */
function fakeDirectory(answers: Record<string, DirectoryAnswer>, delayMs = 0) {
  const calls: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const directory: ContactDirectory = {
    async getContact(identifier) {
      calls.push(identifier.pathSegment);
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight -= 1;
      return answers[identifier.pathSegment] ?? FOUND;
    },
  };
  return { directory, calls, peak: () => peak };
}

function fakeResults(failing: ReadonlySet<string> = new Set()) {
  const written: ResultMessage[] = [];
  const chunkSizes: number[] = [];
  const sink: ResultSink = {
    async send(results) {
      chunkSizes.push(results.length);
      const failed = results.filter((r) => failing.has(r.sourceMessageId));
      written.push(...results.filter((r) => !failing.has(r.sourceMessageId)));
      return { failed: failed.map((r) => r.sourceMessageId) };
    },
  };
  return { sink, written, chunkSizes };
}

function fakeDeadLetters(failing: ReadonlySet<string> = new Set()) {
  const moved: DeadLetterMove[] = [];
  const sink: DeadLetterSink = {
    async move(moves) {
      moved.push(...moves.filter((m) => !failing.has(m.sourceMessageId)));
      return {
        failed: moves.filter((m) => failing.has(m.sourceMessageId)).map((m) => m.sourceMessageId),
      };
    },
  };
  return { sink, moved };
}

const row = (identifier: unknown, extras: Record<string, unknown> = {}) =>
  JSON.stringify({ Identifier: identifier, ...extras });

const context = (remainingMs = 60_000) => ({ getRemainingTimeInMillis: () => remainingMs });

function build(overrides: Partial<BatchHandlerDeps> & Pick<BatchHandlerDeps, 'directory'>) {
  const results = fakeResults();
  const deadLetters = fakeDeadLetters();
  const summaries: BatchSummary[] = [];
  const handler = createBatchHandler({
    identifiers,
    results: results.sink,
    deadLetters: deadLetters.sink,
    errorBehavior: 'FailAndReturnResponse',
    maxReceiveCount: 5,
    maxInFlight: 4,
    rowBudgetMs: 1000,
    flushReserveMs: 500,
    metrics: { publish: (summary) => summaries.push(summary) },
    ...overrides,
  });
  return { handler, results, deadLetters, summaries };
}

/** The mixed batch used by the error-behavior table below. */
function mixedEvent(): SQSEvent {
  return {
    Records: [
      record('found', row('id:1', { rowId: 'r1' })),
      record('missing', row('id:404')),
      record('busy-early', row('id:503'), 1),
      record('busy-last', row('id:503'), 5),
      record('not-json', '{"Identifier": '),
      record('no-identifier', row(undefined, { name: 'x' })),
      record('bad-identifier', row('id:1/message')),
    ],
  };
}

const answers = { 'id:404': NOT_FOUND, 'id:503': UNAVAILABLE };

describe('createBatchHandler', () => {
  it('writes one result per row with the correlation fields and acknowledges every row', async () => {
    // Prepare
    const { directory } = fakeDirectory({});
    const { handler, results, deadLetters } = build({ directory });
    // Act
    const response = await handler(
      { Records: [record('m1', row('id:1', { rowId: 'r1', batch: 7 }))] },
      context(),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(results.written).toEqual([
      {
        sourceMessageId: 'm1',
        identifier: 'id:1',
        row: expect.objectContaining({ StatusCode: 200, ID: 1, FirstName: 'Jane' }),
        input: { rowId: 'r1', batch: 7 },
        lookupSource: 'request',
      },
    ]);
    expect(deadLetters.moved).toEqual([]);
  });

  it('looks written identifiers up in their canonical form and echoes the Identifier as sent', async () => {
    // Prepare
    const { directory, calls } = fakeDirectory({});
    const { handler, results } = build({ directory, identifiers: identifiersFor('MY') });
    const sent = [
      'Phone: (+60) 12-123 3112',
      'phone:012 123 3112',
      'ID : 1',
      'Email:Jane@EXAMPLE.com',
    ];
    // Act
    const response = await handler(
      { Records: sent.map((identifier, i) => record(`m${i}`, row(identifier))) },
      context(),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toEqual([
      'phone:+60121233112',
      'phone:+60121233112',
      'id:1',
      'email:Jane@example.com',
    ]);
    expect(results.written.map((result) => result.identifier)).toEqual(sent);
  });

  it('hands a 401 after the token re-read back to SQS until its last allowed receive', async () => {
    // Prepare: respond.io refuses the token; the secret may simply not be updated yet.
    const refused: DirectoryAnswer = {
      ok: false,
      attempts: 2,
      failure: { kind: 'http', status: 401, body: '{"code":401,"message":"UN_AUTHORIZED"}' },
    };
    const { directory } = fakeDirectory({ 'id:1': refused });
    const { handler, results, deadLetters } = build({ directory });
    // Act
    const response = await handler(
      {
        Records: [1, 2, 3, 4, 5].map((receiveCount) =>
          record(`r${receiveCount}`, row('id:1'), receiveCount),
        ),
      },
      context(),
    );
    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      'r1',
      'r2',
      'r3',
      'r4',
    ]);
    expect(
      results.written.map((result) => [result.sourceMessageId, result.row.StatusCode]),
    ).toEqual([['r5', 401]]);
    expect(deadLetters.moved.map((move) => move.sourceMessageId)).toEqual(['r5']);
  });

  it.each<[ErrorBehavior, string[], string[]]>([
    [
      'DoNotFailAndReturnResponse',
      ['found', 'missing', 'busy-last', 'not-json', 'no-identifier', 'bad-identifier'],
      [],
    ],
    [
      'FailAndReturnResponse',
      ['found', 'missing', 'busy-last', 'not-json', 'no-identifier', 'bad-identifier'],
      ['missing', 'busy-last', 'not-json', 'no-identifier', 'bad-identifier'],
    ],
    [
      'FailWithoutResponse',
      ['found'],
      ['missing', 'busy-last', 'not-json', 'no-identifier', 'bad-identifier'],
    ],
  ])(
    '%s: results, dead letters and exactly the transient rows retried',
    async (behavior, written, moved) => {
      // Prepare
      const { directory } = fakeDirectory(answers);
      const { handler, results, deadLetters } = build({ directory, errorBehavior: behavior });
      // Act
      const response = await handler(mixedEvent(), context());
      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'busy-early' }]);
      expect(results.written.map((r) => r.sourceMessageId).sort()).toEqual([...written].sort());
      expect(deadLetters.moved.map((m) => m.sourceMessageId).sort()).toEqual([...moved].sort());
    },
  );

  it('turns poison messages into 400 rows and dead-letters them with the original body', async () => {
    // Prepare
    const { directory, calls } = fakeDirectory({});
    const { handler, results, deadLetters } = build({ directory });
    const oversized = row('id:1', { blob: 'x'.repeat(70_000) });
    // Act
    const response = await handler(
      {
        Records: [
          record('not-json', 'hello'),
          record('array', '[1,2]'),
          record('number', row(42)),
          record('oversized', oversized),
        ],
      },
      context(),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toEqual([]);
    const written = new Map(results.written.map((r) => [r.sourceMessageId, r.row]));
    expect([...written.keys()].sort()).toEqual(['array', 'not-json', 'number', 'oversized']);
    expect([...written.values()].every((r) => r.StatusCode === 400)).toBe(true);
    expect(written.get('oversized')?.Message).toMatch(/bytes/);
    expect(written.get('number')?.Message).toMatch(/must be a string/);
    expect(deadLetters.moved.find((m) => m.sourceMessageId === 'oversized')).toMatchObject({
      body: oversized,
      statusCode: 400,
      receiveCount: 1,
      sourceQueueArn: 'arn:aws:sqs:us-east-1:000000000000:input',
    });
  });

  it('reports a row whose result could not be written, and does not dead-letter it', async () => {
    // Prepare
    const { directory } = fakeDirectory(answers);
    const results = fakeResults(new Set(['found', 'missing']));
    const deadLetters = fakeDeadLetters();
    const { handler } = build({ directory, results: results.sink, deadLetters: deadLetters.sink });
    // Act
    const response = await handler(
      { Records: [record('found', row('id:1')), record('missing', row('id:404'))] },
      context(),
    );
    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'found',
      'missing',
    ]);
    expect(deadLetters.moved).toEqual([]);
  });

  it('reports a row whose dead-letter move failed, and one whose result sink threw', async () => {
    // Prepare
    const { directory } = fakeDirectory(answers);
    const deadLetters = fakeDeadLetters(new Set(['missing']));
    const throwing: ResultSink = {
      async send(batch) {
        if (batch.some((r) => r.sourceMessageId === 'found')) throw new Error('boom');
        return { failed: [] };
      },
    };
    const { handler } = build({
      directory,
      errorBehavior: 'FailWithoutResponse',
      results: throwing,
      deadLetters: deadLetters.sink,
    });
    // Act
    const response = await handler(
      {
        Records: [
          record('found', row('id:1')),
          record('missing', row('id:404')),
          record('gone', row('id:503'), 5),
        ],
      },
      context(),
    );
    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'found',
      'missing',
    ]);
  });

  it('starts no row when the remaining time cannot cover it; the last attempt becomes final', async () => {
    // Prepare
    const { directory, calls } = fakeDirectory({});
    const { handler, results, deadLetters, summaries } = build({
      directory,
      rowBudgetMs: 5000,
      flushReserveMs: 1000,
    });
    // Act: 4 s left, minus margin and reserve: less than the 5 s a row needs.
    const response = await handler(
      { Records: [record('early', row('id:1'), 1), record('last', row('id:2'), 5)] },
      context(4000),
    );
    // Assess
    expect(calls).toEqual([]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'early' }]);
    expect(results.written.map((r) => [r.sourceMessageId, r.row.StatusCode])).toEqual([
      ['last', 504],
    ]);
    expect(deadLetters.moved.map((m) => m.sourceMessageId)).toEqual(['last']);
    expect(summaries[0]).toMatchObject({ notStarted: 1, batchItemFailures: 1 });
  });

  it('keeps at most maxInFlight rows in flight and writes results in chunks of at most 10', async () => {
    // Prepare
    const { directory, peak } = fakeDirectory({}, 5);
    const { handler, results } = build({ directory, maxInFlight: 3 });
    const records = Array.from({ length: 25 }, (_, i) => record(`m${i}`, row(`id:${i + 1}`)));
    // Act
    const response = await handler({ Records: records }, context());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(peak()).toBe(3);
    expect(results.written).toHaveLength(25);
    expect(Math.max(...results.chunkSizes)).toBeLessThanOrEqual(10);
    expect(results.chunkSizes.reduce((a, b) => a + b, 0)).toBe(25);
  });

  it('retries a row whose lookup threw, without failing the others', async () => {
    // Prepare
    const directory: ContactDirectory = {
      async getContact(identifier) {
        if (identifier.value === '13') throw new Error('bug');
        return FOUND;
      },
    };
    const { handler, results } = build({ directory });
    // Act
    const response = await handler(
      { Records: [record('ok', row('id:1')), record('bug', row('id:13'))] },
      context(),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bug' }]);
    expect(results.written.map((r) => r.sourceMessageId)).toEqual(['ok']);
  });

  it('keeps a row due for the dead-letter queue on the input queue when there is none', async () => {
    // Prepare: a final failure under FailWithoutResponse, and no dead-letter queue.
    const { directory } = fakeDirectory(answers);
    const { handler } = build({
      directory,
      deadLetters: null,
      errorBehavior: 'FailWithoutResponse',
    });
    // Act
    const response = await handler({ Records: [record('missing', row('id:404'))] }, context());
    // Assess: handed back, not acknowledged and lost.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'missing' }]);
  });

  it('publishes a summary per batch with rows by StatusCode and upstream counts', async () => {
    // Prepare: each lookup answers with its trail of requests (the 503 rows after a 429).
    const request = (status: number, willRetry = false) => ({
      status,
      latencyMs: 100,
      willRetry,
      waitMs: 0,
    });
    const { directory } = fakeDirectory({
      'id:1': { ...FOUND, attempts: 1, trail: [request(200)] },
      'id:404': { ...NOT_FOUND, attempts: 1, trail: [request(404)] },
      'id:503': { ...UNAVAILABLE, attempts: 2, trail: [request(429, true), request(503)] },
    });
    const { handler, summaries } = build({ directory });
    // Act
    await handler(mixedEvent(), context());
    // Assess
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      rows: 7,
      rowsByStatus: { '200': 1, '404': 1, '503': 2, '400': 3 },
      resultsWritten: 6,
      deadLettered: 5,
      batchItemFailures: 1,
      retried: 1,
      notStarted: 0,
      writeFailures: 0,
      upstream: {
        requests: 6,
        retries: 2,
        throttled: 2,
        latenciesMs: [100, 100, 100, 100, 100, 100],
      },
    });
  });
});

/** A Logger that keeps every line as [level, message, fields]. */
function recordingLogger() {
  const lines: [string, string, Record<string, unknown>][] = [];
  const at =
    (level: string) =>
    (message: string, ...fields: Record<string, unknown>[]) =>
      lines.push([level, message, Object.assign({}, ...fields)]);
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

describe('createBatchHandler log lines', () => {
  const finalRows = [
    ['busy-last', 'id:503', 503, 5],
    ['not-json', null, 400, 1],
    ['no-identifier', null, 400, 1],
    ['bad-identifier', 'id:1/message', 400, 1],
  ] as const;

  it('FailAndReturnResponse: a warning per final failure but 404, then the batch line', async () => {
    // Prepare
    const { directory } = fakeDirectory(answers);
    const { logger, lines } = recordingLogger();
    const { handler } = build({ directory, logger });
    // Act
    await handler(mixedEvent(), context());
    // Assess
    expect(lines).toEqual([
      ...finalRows.map(([messageId, identifier, statusCode, receiveCount]) => [
        'warn',
        'Row failed for good',
        {
          messageId,
          identifier: identifiers.mask(identifier),
          statusCode,
          receiveCount,
          deadLettered: true,
          rowWritten: true,
        },
      ]),
      [
        'info',
        'Batch done',
        {
          rows: 7,
          rowsByStatus: { '200': 1, '404': 1, '503': 2, '400': 3 },
          resultsWritten: 6,
          deadLettered: 5,
          batchItemFailures: 1,
          retried: 1,
          notStarted: 0,
          writeFailures: 0,
          cacheHits: 0,
          coalesced: 0,
          upstreamRequests: 0,
          upstream429: 0,
          durationMs: expect.any(Number),
        },
      ],
    ]);
    expect(Object.keys(lines.at(-1)?.[2] ?? {})).toEqual([
      'rows',
      'rowsByStatus',
      'resultsWritten',
      'deadLettered',
      'batchItemFailures',
      'retried',
      'notStarted',
      'writeFailures',
      'cacheHits',
      'coalesced',
      'upstreamRequests',
      'upstream429',
      'durationMs',
    ]);
  });

  it('FailWithoutResponse: an error with the masked reason per final failure without a row', async () => {
    // Prepare
    const { directory } = fakeDirectory(answers);
    const { logger, lines } = recordingLogger();
    const { handler } = build({ directory, logger, errorBehavior: 'FailWithoutResponse' });
    // Act
    await handler(mixedEvent(), context());
    // Assess
    const failedForGood = lines.filter(([, message]) => message === 'Row failed for good');
    expect(failedForGood.map(([level, , fields]) => [level, fields.messageId])).toEqual(
      finalRows.map(([messageId]) => ['error', messageId]),
    );
    expect(failedForGood[0]?.[2]).toEqual({
      messageId: 'busy-last',
      identifier: identifiers.mask('id:503'),
      statusCode: 503,
      receiveCount: 5,
      deadLettered: true,
      rowWritten: false,
      reason: 'respond.io answered with HTTP 503',
    });
    expect(failedForGood[1]?.[2].reason).toMatch(/^Invalid message: the body is not JSON/);
    expect(failedForGood[3]?.[2].reason).toMatch(/^Invalid Identifier: /);
  });

  it('logs a lookup that threw, with the message id and the error name only', async () => {
    // Prepare
    const directory: ContactDirectory = {
      async getContact() {
        throw new TypeError('bug with id:13 inside');
      },
    };
    const { logger, lines } = recordingLogger();
    const { handler } = build({ directory, logger });
    // Act
    await handler({ Records: [record('bug', row('id:13'))] }, context());
    // Assess
    expect(lines[0]).toEqual([
      'error',
      'Lookup threw unexpectedly',
      { correlationId: 'bug', errorName: 'TypeError' },
    ]);
    expect(lines.map(([, message]) => message)).toEqual([
      'Lookup threw unexpectedly',
      'Batch done',
    ]);
  });
});
