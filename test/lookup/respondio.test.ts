import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import type { RateLimiter } from '../../functions/budget/limiter.js';
import {
  createRateLimiter,
  DEFAULT_RATE_LIMIT_GUARD,
} from '../../functions/budget/static-limiter.js';
import type { Identifier } from '../../functions/lookup/identifier.js';
import type { DirectoryAnswer } from '../../functions/lookup/lookup.js';
import { lookupContact } from '../../functions/lookup/lookup.js';
import {
  type Attempt,
  createRespondioDirectory,
  type RespondioOptions,
} from '../../functions/lookup/respondio.js';
import {
  API_TOKEN_REREAD_WAIT_MS,
  API_TOKEN_REREAD_WAITS_MS,
} from '../../functions/lookup/retry-plan.js';
import { TokenError, type TokenSource } from '../../functions/lookup/token.js';
import { identifierOf, identifiers } from '../support/identifiers.js';
import { CRAFTED_PATH_SEGMENTS } from '../support/path-segments.js';

/**
 * The respond.io directory over real loopback HTTP, against a purpose-built server whose every
 * answer is scripted by the test: statuses, headers, bodies, hangs and connection resets.
 */

const TOKEN = 'tok_live_SECRET_0123456789';
const ROTATED_TOKEN = 'tok_live_ROTATED_9876543210';

interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  accept: string | undefined;
  at: number;
}

type Step = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let origin: string;
let steps: Step[];
let received: Received[];
const openResponses: ServerResponse[] = [];

/** Every answer, failure and log line of the file, checked for the token at the end. */
const everythingSeen: string[] = [];

function json(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

function text(status: number, body: string, contentType = 'text/html'): Step {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': contentType });
    res.end(body);
  };
}

/** Never answers. */
const hang: Step = (_req, res) => {
  openResponses.push(res);
};

/** Sends the headers, then never finishes the body. */
const hangInBody: Step = (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('{"id":');
  openResponses.push(res);
};

/** Drops the connection without an answer. */
const reset: Step = (req) => {
  req.socket.destroy();
};

/** Answers the requests in order; the last step repeats. */
function answer(...script: Step[]): void {
  steps = script;
}

const CONTACT = {
  id: 123,
  firstName: 'Jane',
  lastName: 'Doe',
  email: 'jane@example.com',
  phone: '+60121233112',
  tags: ['vip'],
  created_at: 1_700_000_000,
};

function identifier(text: string): Identifier {
  return identifierOf(text);
}

/** A token source that counts reads; refresh() returns the rotated token. */
function fakeTokens(overrides: Partial<TokenSource> = {}) {
  const calls = { getToken: 0, refresh: 0 };
  const tokens: TokenSource = {
    async getToken() {
      calls.getToken += 1;
      return overrides.getToken ? overrides.getToken() : TOKEN;
    },
    async refresh() {
      calls.refresh += 1;
      return overrides.refresh ? overrides.refresh() : ROTATED_TOKEN;
    },
  };
  return { tokens, calls };
}

/** A limiter that grants every slot at once and records what it was told. */
function recordingLimiter(grant = true) {
  const record = {
    acquired: [] as number[],
    /** The holds of the answers that asked for one (429s). */
    paused: [] as number[],
    /** X-RateLimit-Remaining and -Limit of every answer, and its status. */
    observed: [] as [number | null, number | null][],
    statuses: [] as number[],
  };
  const limiter: RateLimiter = {
    async acquire(deadlineAt) {
      record.acquired.push(deadlineAt);
      return grant;
    },
    feedback(answer) {
      if (answer.holdMs > 0) record.paused.push(answer.holdMs);
      record.observed.push([answer.remaining, answer.limit]);
      record.statuses.push(answer.status);
    },
    rate: () => 5,
  };
  return { limiter, record };
}

function setup(overrides: Partial<RespondioOptions> = {}) {
  const { tokens, calls } = fakeTokens();
  const { limiter, record } = recordingLimiter();
  const waits: number[] = [];
  const events: (Attempt & { attempt: number })[] = [];
  const respondio = createRespondioDirectory({
    baseUrl: `${origin}/v2`,
    tokens,
    limiter,
    requestTimeoutMs: 2000,
    maxAttempts: 4,
    maxRetryAfterMs: 20_000,
    random: () => 0.5,
    // Waits are recorded and skipped: no test waits on the wall clock for a retry.
    sleep: async (ms) => {
      waits.push(ms);
    },
    logger: new Logger({ serviceName: 'directory-test', logLevel: 'DEBUG' }),
    ...overrides,
  });
  // Every attempt of every lookup, numbered within its lookup, from the answers' trails.
  const directory: typeof respondio = {
    async getContact(identifier, lookup) {
      const answer = await respondio.getContact(identifier, lookup);
      for (const [index, step] of (answer.trail ?? []).entries()) {
        events.push({ attempt: index + 1, ...step });
      }
      return answer;
    },
  };
  return { directory, tokenCalls: calls, limiter: record, waits, events };
}

/** A whole lookup of id:123 through `directory`, its row kept for the secrecy check below. */
async function lookupRow(
  directory: ReturnType<typeof setup>['directory'],
  deadlineInMs = 5000,
): Promise<Awaited<ReturnType<typeof lookupContact>>> {
  const result = await lookupContact(
    'id:123',
    { identifiers, directory },
    { deadlineAt: Date.now() + deadlineInMs },
  );
  everythingSeen.push(JSON.stringify(result.row));
  return result;
}

async function get(
  directory: ReturnType<typeof setup>['directory'],
  text = 'id:123',
  deadlineInMs = 10_000,
): Promise<DirectoryAnswer> {
  const result = await directory.getContact(identifier(text), {
    deadlineAt: Date.now() + deadlineInMs,
    correlationId: 'test-correlation',
  });
  everythingSeen.push(JSON.stringify(result));
  return result;
}

function failureOf(result: DirectoryAnswer) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result.failure;
}

let logLines: string[];
let restoreWrites: () => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      at: performance.now(),
    });
    const step = steps[Math.min(received.length - 1, steps.length - 1)];
    (step ?? json(500, { message: 'no step' }))(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of openResponses) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // The token never appeared in any answer, failure or log line of this file.
  const all = everythingSeen.join('\n');
  expect(all.length).toBeGreaterThan(0);
  expect(all).not.toContain(TOKEN);
  expect(all).not.toContain(ROTATED_TOKEN);
});

beforeEach(() => {
  received = [];
  steps = [json(200, CONTACT)];
  logLines = [];
  // Capture the Powertools Logger's JSON lines (it writes to stdout and stderr).
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    const spy = jest.spyOn(stream, 'write').mockImplementation(((
      chunk: unknown,
      ...rest: never[]
    ) => {
      const line = String(chunk);
      if (line.startsWith('{')) {
        logLines.push(line);
        return true;
      }
      return original(chunk as string, ...rest);
    }) as typeof stream.write);
    return () => spy.mockRestore();
  };
  const restoreOut = capture(process.stdout);
  const restoreErr = capture(process.stderr);
  restoreWrites = () => {
    restoreOut();
    restoreErr();
  };
});

afterEach(() => {
  restoreWrites();
  everythingSeen.push(...logLines);
});

describe('respond.io directory: success', () => {
  it('GETs /contact/{identifier} with the Bearer token and returns the contact', async () => {
    // Prepare
    const { directory, limiter, events } = setup();
    answer(json(200, CONTACT, { 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '4' }));
    // Act
    const result = await get(directory, 'id:123');
    // Assess
    expect(result).toEqual({ ok: true, body: CONTACT, attempts: 1, trail: expect.any(Array) });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'GET',
      path: '/v2/contact/id:123',
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/json',
    });
    expect(limiter.acquired).toHaveLength(1);
    expect(limiter.observed).toEqual([[4, 5]]);
    expect(events).toEqual([
      { attempt: 1, status: 200, latencyMs: expect.any(Number), willRetry: false, waitMs: 0 },
    ]);
  });

  it('keeps an email and a phone identifier inside one path segment', async () => {
    // Prepare
    const { directory } = setup();
    // Act
    await get(directory, 'email:jane+vip@example.com');
    await get(directory, 'phone:+60121233112');
    // Assess
    expect(received.map((request) => request.path)).toEqual([
      '/v2/contact/email:jane+vip@example.com',
      '/v2/contact/phone:+60121233112',
    ]);
  });

  it('reads a body sent in pieces as its text: UTF-8 across pieces, a byte order mark dropped', async () => {
    // Prepare
    const { directory } = setup();
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify({ ...CONTACT, firstName: 'Zoë' })),
    ]);
    const split = bytes.indexOf(Buffer.from('ë')) + 1;
    answer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(bytes.subarray(0, split));
      setTimeout(() => res.end(bytes.subarray(split)), 20);
    });
    // Act
    const result = await get(directory, 'id:123');
    // Assess
    expect(result).toMatchObject({ ok: true, body: { ...CONTACT, firstName: 'Zoë' } });
  });

  it('writes no debug line for a found contact while the level is INFO', async () => {
    // Prepare
    const { directory } = setup({ logger: new Logger({ serviceName: 't', logLevel: 'INFO' }) });
    // Act
    await get(directory, 'id:123');
    // Assess
    expect(logLines).toEqual([]);
  });

  it('maps the answer to a 200 row through the core', async () => {
    // Prepare
    const { directory } = setup();
    // Act
    const result = await lookupRow(directory);
    // Assess
    expect(result.row).toMatchObject({
      StatusCode: 200,
      Message: null,
      ID: 123,
      FirstName: 'Jane',
      CreatedAt: '2023-11-14T22:13:20.000Z',
    });
  });
});

describe('respond.io directory: final client errors', () => {
  it.each([
    [400, { code: 400, message: 'Validation error.' }, 'Validation error.'],
    [403, { code: 403, message: 'Forbidden' }, 'Forbidden'],
    [404, { code: 404, message: 'Contact not found' }, 'Contact not found'],
    [409, { code: 409, message: 'Conflict' }, 'Conflict'],
  ])('does not retry %i and passes respond.io’s message on', async (status, body, message) => {
    // Prepare
    const { directory, waits, events } = setup();
    answer(json(status, body));
    // Act
    const result = await lookupRow(directory);
    // Assess
    expect(received).toHaveLength(1);
    expect(result.attempts).toBe(1);
    expect(result.row).toMatchObject({ StatusCode: status, Message: message, ID: null });
    expect(result).toMatchObject({ kind: 'failed', failure: { retryable: false } });
    expect(waits).toEqual([]);
    expect(events).toEqual([
      { attempt: 1, status, latencyMs: expect.any(Number), willRetry: false, waitMs: 0 },
    ]);
  });

  it('returns the raw body of an error for the core to read', async () => {
    // Prepare
    const { directory } = setup();
    answer(json(404, { code: 404, message: 'Contact not found' }));
    // Act
    const result = await get(directory);
    // Assess
    expect(failureOf(result)).toEqual({
      kind: 'http',
      status: 404,
      body: '{"code":404,"message":"Contact not found"}',
    });
  });
});

describe('respond.io directory: 401 and token rotation', () => {
  it('re-reads the token once after a 401 and retries with the new one', async () => {
    // Prepare
    const { directory, tokenCalls, waits } = setup({ maxAttempts: 1 });
    answer(json(401, { code: 401, message: 'UN_AUTHORIZED' }), json(200, CONTACT));
    // Act
    const result = await get(directory);
    // Assess
    expect(result).toEqual({ ok: true, body: CONTACT, attempts: 2, trail: expect.any(Array) });
    expect(received.map((request) => request.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${ROTATED_TOKEN}`,
    ]);
    expect(tokenCalls).toEqual({ getToken: 1, refresh: 1 });
    expect(waits).toEqual([]);
  });

  it('treats a second 401 as final', async () => {
    // Prepare
    const { directory, tokenCalls } = setup();
    answer(json(401, { code: 401, message: 'UN_AUTHORIZED' }));
    // Act
    const result = await lookupRow(directory);
    // Assess
    expect(received).toHaveLength(2);
    expect(tokenCalls.refresh).toBe(1);
    expect(result.attempts).toBe(2);
    expect(result.row).toMatchObject({ StatusCode: 401, Message: 'UN_AUTHORIZED' });
    // The SQS function tries such a row again on its next receive (functions/lookup/failure.ts).
    expect(result).toMatchObject({ kind: 'failed', failure: { retryable: true } });
  });

  it('API function: re-reads once more after a short wait on a second 401', async () => {
    // Prepare
    const { directory, tokenCalls, waits } = setup({
      maxAttempts: 1,
      tokenRereadWaitsMs: API_TOKEN_REREAD_WAITS_MS,
    });
    answer(
      json(401, { code: 401, message: 'UN_AUTHORIZED' }),
      json(401, { code: 401, message: 'UN_AUTHORIZED' }),
      json(200, CONTACT),
    );
    // Act
    const result = await get(directory);
    // Assess
    expect(result).toEqual({ ok: true, body: CONTACT, attempts: 3, trail: expect.any(Array) });
    expect(tokenCalls.refresh).toBe(2);
    expect(waits).toEqual([API_TOKEN_REREAD_WAIT_MS]);
  });

  it('API function: a 401 after the second re-read is final', async () => {
    // Prepare
    const { directory, tokenCalls } = setup({ tokenRereadWaitsMs: API_TOKEN_REREAD_WAITS_MS });
    answer(json(401, { code: 401, message: 'UN_AUTHORIZED' }));
    // Act
    const result = await get(directory);
    // Assess
    expect(received).toHaveLength(3);
    expect(tokenCalls.refresh).toBe(2);
    expect(failureOf(result)).toMatchObject({ kind: 'http', status: 401 });
  });

  it('API function: no second re-read when its wait would run past the deadline', async () => {
    // Prepare
    const { directory, tokenCalls, waits } = setup({
      tokenRereadWaitsMs: API_TOKEN_REREAD_WAITS_MS,
    });
    answer(json(401, { code: 401, message: 'UN_AUTHORIZED' }));
    // Act
    const result = await get(directory, 'id:123', API_TOKEN_REREAD_WAIT_MS);
    // Assess
    expect(received).toHaveLength(2);
    expect(tokenCalls.refresh).toBe(1);
    expect(waits).toEqual([]);
    expect(failureOf(result)).toMatchObject({ kind: 'http', status: 401 });
  });

  it('turns a token that cannot be read into a token failure without any request', async () => {
    // Prepare
    const { tokens } = fakeTokens({
      getToken: async () => {
        throw new TokenError('invalid', 'Secrets Manager secret "x" does not exist');
      },
    });
    const { directory } = setup({ tokens });
    // Act
    const result = await get(directory);
    // Assess
    expect(received).toHaveLength(0);
    expect(result).toEqual({
      ok: false,
      attempts: 0,
      failure: {
        kind: 'token',
        reason: 'invalid',
        detail: 'Secrets Manager secret "x" does not exist',
      },
    });
  });

  it('turns a failed refresh after a 401 into a token failure', async () => {
    // Prepare
    const { tokens } = fakeTokens({
      refresh: async () => {
        throw new TokenError('unavailable', 'Secrets Manager secret "x" could not be read');
      },
    });
    const { directory } = setup({ tokens });
    answer(json(401, { code: 401, message: 'UN_AUTHORIZED' }));
    // Act
    const result = await get(directory);
    // Assess
    expect(received).toHaveLength(1);
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      failure: { kind: 'token', reason: 'unavailable' },
    });
  });

  it('describes an unexpected token source error without its message', async () => {
    // Prepare
    const { tokens } = fakeTokens({
      getToken: async () => {
        throw new Error(`boom ${TOKEN}`);
      },
    });
    const { directory } = setup({ tokens });
    // Act
    const result = await get(directory);
    // Assess
    expect(failureOf(result)).toEqual({
      kind: 'token',
      reason: 'unavailable',
      detail: 'the token source failed (Error)',
    });
  });
});

describe('respond.io directory: rate limits (429, 449)', () => {
  it('honours Retry-After on a 429 and holds the whole budget for it', async () => {
    // Prepare
    const { directory, waits, limiter, events } = setup();
    answer(
      json(429, { code: 429, message: 'Too many requests' }, { 'Retry-After': '2' }),
      json(200, CONTACT),
    );
    // Act
    const result = await get(directory);
    // Assess
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(waits).toEqual([2000]);
    expect(limiter.paused).toEqual([2000]);
    expect(limiter.statuses).toEqual([429, 200]);
    expect(limiter.acquired).toHaveLength(2);
    expect(events.map(({ status, willRetry, waitMs }) => ({ status, willRetry, waitMs }))).toEqual([
      { status: 429, willRetry: true, waitMs: 2000 },
      { status: 200, willRetry: false, waitMs: 0 },
    ]);
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    // Prepare
    const { directory, waits } = setup({ maxRetryAfterMs: 5000 });
    answer(
      json(429, { code: 429, message: 'slow down' }, { 'Retry-After': '60' }),
      json(200, CONTACT),
    );
    // Act
    await get(directory);
    // Assess
    expect(waits).toEqual([5000]);
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    // Prepare: the directory's clock stands still on a whole second, so the wait is exact.
    const at = Math.ceil(Date.now() / 1000) * 1000;
    const { directory, waits } = setup({ now: () => at });
    const inThreeSeconds = new Date(at + 3000).toUTCString();
    answer(json(429, {}, { 'Retry-After': inThreeSeconds }), json(200, CONTACT));
    // Act
    await get(directory);
    // Assess
    expect(waits).toEqual([3000]);
  });

  it('backs off when a 429 has no Retry-After', async () => {
    // Prepare
    const { directory, waits, limiter } = setup();
    answer(json(429, { code: 429, message: 'slow down' }), json(200, CONTACT));
    // Act
    await get(directory);
    // Assess: full jitter with random() = 0.5 over the first step of 200 ms.
    expect(waits).toEqual([100]);
    expect(limiter.paused).toEqual([100]);
  });

  it('honours Retry-After on a 449 without holding the budget', async () => {
    // Prepare
    const { directory, waits, limiter } = setup();
    answer(
      json(449, { code: 449, message: 'Request queued' }, { 'Retry-After': '1' }),
      json(200, CONTACT),
    );
    // Act
    const result = await get(directory);
    // Assess
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(waits).toEqual([1000]);
    expect(limiter.paused).toEqual([]);
  });

  it('returns the last 429 when the attempts run out', async () => {
    // Prepare
    const { directory, waits, limiter } = setup({ maxAttempts: 2 });
    answer(json(429, { code: 429, message: 'Too many requests' }, { 'Retry-After': '1' }));
    // Act
    const result = await lookupRow(directory, 10_000);
    // Assess: the last 429 holds the budget too, though this lookup does not wait for it.
    expect(received).toHaveLength(2);
    expect(waits).toEqual([1000]);
    expect(limiter.paused).toEqual([1000, 1000]);
    expect(result.row).toMatchObject({ StatusCode: 429, Message: 'Too many requests' });
    expect(result).toMatchObject({ kind: 'failed', failure: { retryable: true } });
  });
});

describe('respond.io directory: server errors, timeouts and resets', () => {
  it.each([500, 502, 503, 504])('retries a %i with backoff and then succeeds', async (status) => {
    // Prepare
    const { directory, waits, events } = setup();
    answer(json(status, { code: status, message: 'upstream trouble' }), json(200, CONTACT));
    // Act
    const result = await get(directory);
    // Assess
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(waits).toEqual([100]);
    expect(events[0]).toMatchObject({ status, willRetry: true, waitMs: 100 });
  });

  it('grows the backoff exponentially and stops at maxAttempts with the last failure', async () => {
    // Prepare
    const { directory, waits, events } = setup({ maxAttempts: 4 });
    answer(json(500, { code: 500, message: 'Internal error' }));
    // Act
    const result = await get(directory);
    // Assess
    expect(received).toHaveLength(4);
    expect(waits).toEqual([100, 200, 400]);
    expect(result).toMatchObject({
      ok: false,
      attempts: 4,
      failure: { kind: 'http', status: 500 },
    });
    expect(events.at(-1)).toMatchObject({ attempt: 4, willRetry: false, waitMs: 0 });
  });

  it('uses the injected randomness for the jitter', async () => {
    // Prepare
    const draws = [0, 1];
    const { directory, waits, events } = setup({
      random: () => draws.shift() ?? 0.25,
      maxAttempts: 4,
    });
    answer(json(503, {}));
    // Act
    await get(directory);
    // Assess: 0 × 200 (no wait at all), 1 × 400, 0.25 × 800.
    expect(events.map((event) => event.waitMs)).toEqual([0, 400, 200, 0]);
    expect(waits).toEqual([400, 200]);
  });

  it('passes a non-JSON gateway page on as the body of a 502', async () => {
    // Prepare
    const page = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    const { directory } = setup({ maxAttempts: 2 });
    answer(text(502, page));
    // Act
    const result = await get(directory);
    const row = await lookupRow(directory);
    // Assess
    expect(failureOf(result)).toEqual({ kind: 'http', status: 502, body: page });
    expect(row.row).toMatchObject({
      StatusCode: 502,
      Message: 'respond.io answered with HTTP 502',
    });
  });

  it('treats a 200 whose body is not a JSON object as a retryable bad gateway answer', async () => {
    // Prepare
    const { directory, waits } = setup({ maxAttempts: 3 });
    answer(
      text(200, '<html>maintenance</html>'),
      text(200, '[1,2]', 'application/json'),
      json(200, CONTACT),
    );
    // Act
    const retried = await get(directory);
    answer(text(200, 'not json'));
    const failed = await get(directory);
    // Assess
    expect(retried).toEqual({ ok: true, body: CONTACT, attempts: 3, trail: expect.any(Array) });
    expect(waits.slice(0, 2)).toEqual([100, 200]);
    expect(failureOf(failed)).toEqual({ kind: 'http', status: 502, body: 'not json' });
  });

  it('times out a request that gets no answer and retries it', async () => {
    // Prepare: a timeout long enough for the second attempt's answer however busy the machine.
    const { directory, events } = setup({ requestTimeoutMs: 1000, maxAttempts: 2 });
    answer(hang, json(200, CONTACT));
    // Act
    const result = await get(directory);
    // Assess: the first attempt waited for its timeout (a timer fires no earlier, give or take
    // a millisecond of rounding), then the retry was answered.
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(events[0]).toMatchObject({ status: 'timeout', willRetry: true, waitMs: 100 });
    expect(events[0]?.latencyMs).toBeGreaterThanOrEqual(990);
  });

  it('returns a timeout failure when every attempt hangs, also inside the body', async () => {
    // Prepare: long enough for each request to reach the server before it is given up.
    const { directory } = setup({ requestTimeoutMs: 1000, maxAttempts: 2 });
    answer(hang, hangInBody);
    // Act
    const result = await lookupRow(directory);
    // Assess
    expect(received).toHaveLength(2);
    expect(result.attempts).toBe(2);
    expect(result.row).toMatchObject({
      StatusCode: 504,
      Message: 'respond.io did not answer within 1000 ms',
    });
  });

  it('shortens the attempt timeout to the time left before the deadline', async () => {
    // Prepare
    // Prepare: a deadline far enough that a stalled machine still leaves an attempt's minimum.
    const { directory } = setup({ requestTimeoutMs: 10_000, maxAttempts: 1 });
    answer(hang);
    // Act
    const result = await get(directory, 'id:123', 1500);
    // Assess
    const failure = failureOf(result);
    expect(failure.kind).toBe('timeout');
    expect(failure.kind === 'timeout' && failure.afterMs).toBeLessThanOrEqual(1500);
  });

  it('retries after a connection reset and reports it as a network failure', async () => {
    // Prepare
    const { directory, events } = setup({ maxAttempts: 2 });
    answer(reset, json(200, CONTACT));
    // Act
    const recovered = await get(directory);
    answer(reset);
    const failed = await lookupRow(directory);
    // Assess
    expect(recovered).toMatchObject({ ok: true, attempts: 2 });
    expect(events[0]).toMatchObject({ status: 'network', willRetry: true });
    expect(failed.row.StatusCode).toBe(502);
    expect(failed.row.Message).toMatch(/^Could not reach respond\.io/);
    expect(failed).toMatchObject({ kind: 'failed', failure: { retryable: true } });
  });

  it('reports a refused connection as a network failure with its code', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { directory } = setup({ baseUrl: `http://127.0.0.1:${port}/v2`, maxAttempts: 1 });
    // Act
    const result = await get(directory);
    // Assess
    expect(failureOf(result)).toEqual({ kind: 'network', code: 'ECONNREFUSED' });
  });

  it('does not follow a redirect (the token stays with respond.io)', async () => {
    // Prepare
    const { directory } = setup({ maxAttempts: 1 });
    answer((_req, res) => {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
    });
    // Act
    const result = await lookupRow(directory);
    // Assess
    expect(received).toHaveLength(1);
    expect(result.row.StatusCode).toBe(502);
  });
});

describe('respond.io directory: the deadline', () => {
  it('sends nothing when too little time is left', async () => {
    // Prepare
    const { directory, limiter } = setup();
    // Act
    const result = await get(directory, 'id:123', 50);
    // Assess
    expect(received).toHaveLength(0);
    expect(limiter.acquired).toHaveLength(0);
    expect(result).toEqual({ ok: false, attempts: 0, failure: { kind: 'deadline' } });
  });

  it('sends nothing when the limiter has no slot before the deadline', async () => {
    // Prepare
    const { limiter } = recordingLimiter(false);
    const { directory } = setup({ limiter });
    // Act
    const result = await get(directory);
    // Assess
    expect(received).toHaveLength(0);
    expect(result).toEqual({ ok: false, attempts: 0, failure: { kind: 'deadline' } });
  });

  it('asks the limiter for a slot that leaves time for the request', async () => {
    // Prepare
    const { directory, limiter } = setup({ minAttemptMs: 300 });
    const deadlineAt = Date.now() + 5000;
    // Act
    await directory.getContact(identifier('id:1'), { deadlineAt });
    // Assess
    expect(limiter.acquired).toEqual([deadlineAt - 300]);
  });

  it('does not begin a wait that would pass the deadline and returns the last failure', async () => {
    // Prepare
    const { directory, waits, events } = setup();
    answer(json(503, { code: 503, message: 'busy' }, { 'Retry-After': '5' }));
    // Act
    const result = await get(directory, 'id:123', 1500);
    // Assess
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(events).toEqual([
      { attempt: 1, status: 503, latencyMs: expect.any(Number), willRetry: false, waitMs: 0 },
    ]);
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      failure: { kind: 'http', status: 503 },
    });
  });
});

describe('respond.io directory: identifiers cannot change the path', () => {
  it('never builds a request from an identifier the core rejects', () => {
    for (const input of [
      'id:1/message',
      'email:a@b.c?x=1',
      'id:../..',
      'id:1%2Fmessage',
      'id:1#x',
    ]) {
      expect(identifiers.parse(input).ok).toBe(false);
    }
  });

  it.each([...CRAFTED_PATH_SEGMENTS])(
    'refuses a hand-made identifier with pathSegment %j without any request',
    async (pathSegment) => {
      // Prepare
      const { directory, limiter, tokenCalls } = setup();
      const crafted: Identifier = {
        kind: 'id',
        value: '1',
        canonical: 'id:1',
        pathSegment,
        masked: 'id:1',
      };
      // Act
      const result = await directory.getContact(crafted, { deadlineAt: Date.now() + 5000 });
      everythingSeen.push(JSON.stringify(result));
      // Assess
      expect(received).toHaveLength(0);
      expect(limiter.acquired).toHaveLength(0);
      expect(tokenCalls.getToken).toBe(0);
      expect(result).toEqual({
        ok: false,
        attempts: 0,
        failure: {
          kind: 'internal',
          detail: 'the identifier does not form a single URL path segment',
        },
      });
    },
  );

  it('keeps a base URL with a trailing slash on the same path', async () => {
    // Prepare
    const { directory } = setup({ baseUrl: `${origin}/v2/` });
    // Act
    await get(directory, 'id:5');
    // Assess
    expect(received[0]?.path).toBe('/v2/contact/id:5');
  });
});

describe('respond.io directory: the token stays secret', () => {
  it('redacts the token when a server echoes it in an error body', async () => {
    // Prepare
    const { directory } = setup({ maxAttempts: 1 });
    answer((req, res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 400, message: `bad header ${req.headers.authorization}` }));
    });
    // Act
    const result = await get(directory);
    // Assess
    const failure = failureOf(result);
    expect(failure).toMatchObject({ kind: 'http', status: 400 });
    expect(failure.kind === 'http' && failure.body).toBe(
      '{"code":400,"message":"bad header Bearer [REDACTED]"}',
    );
  });

  it('logs status codes, timings and the masked identifier, never the token', async () => {
    // Prepare
    const { directory } = setup();
    answer(json(500, { code: 500, message: 'Internal error' }), reset, json(200, CONTACT));
    // Act
    await get(directory, 'email:jane@example.com');
    // Assess
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: 'respond.io attempt failed',
          identifier: 'email:j***@example.com',
          correlationId: 'test-correlation',
          status: 500,
          willRetry: true,
        }),
        expect.objectContaining({ message: 'respond.io attempt failed', status: 'network' }),
        expect.objectContaining({ message: 'respond.io answered', status: 200 }),
      ]),
    );
    const joined = logLines.join('\n');
    expect(joined).not.toContain(TOKEN);
    expect(joined).not.toContain('jane@example.com');
    expect(joined).not.toContain('Jane');
  });
});

describe('respond.io directory with the real rate limiter', () => {
  it('starts at most the limit in any sliding second, however many lookups wait', async () => {
    // Prepare
    const starts: number[] = [];
    const limiter = createRateLimiter({
      requestsPerSecond: 5,
      onStart: ({ at }) => starts.push(at),
    });
    const { directory } = setup({ limiter });
    const count = 12;
    // Act
    const results = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        directory.getContact(identifier(`id:${index + 1}`), { deadlineAt: Date.now() + 20_000 }),
      ),
    );
    // Assess
    expect(results.every((result) => result.ok)).toBe(true);
    expect(received).toHaveLength(count);
    // The design's spacing, exactly: any 6 starts span 5 × 206 ms less the 10 ms of timer
    // lateness carried over. (Arrivals at a server in this busy process may bunch; how close
    // the rate comes to the limit is the sqs-throughput benchmark's figure.)
    expect(starts).toHaveLength(count);
    for (let index = 5; index < starts.length; index += 1) {
      expect((starts[index] ?? 0) - (starts[index - 5] ?? 0)).toBeGreaterThanOrEqual(
        5 * 200 * (1 + DEFAULT_RATE_LIMIT_GUARD) - 10,
      );
    }
  });
});
