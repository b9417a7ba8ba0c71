import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createApiHandler } from '../../functions/api/app.js';
import type { DirectoryAnswer } from '../../functions/lookup/lookup.js';
import { OUTPUT_COLUMNS } from '../../functions/lookup/row.js';
import { ERROR_BEHAVIORS, type ErrorBehavior } from '../../functions/settings/error-behavior.js';
import type { ProxyEvent } from '../../local/api-gateway-server.js';
import {
  apiEvent,
  captureOutput,
  directoryAnswering,
  type FakeDirectory,
  getEvent,
  JANE,
  lambdaContext,
  postEvent,
  testLogger,
} from '../support/api.js';
import { identifiers } from '../support/identifiers.js';

type Capture = ReturnType<typeof captureOutput>;
let output: Capture;

beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
});

function handlerWith(
  directory: FakeDirectory,
  errorBehavior: ErrorBehavior = 'FailAndReturnResponse',
) {
  return createApiHandler({
    directory,
    identifiers,
    config: { errorBehavior },
    logger: testLogger(),
  });
}

async function invoke(
  directory: FakeDirectory,
  event: unknown,
  errorBehavior: ErrorBehavior = 'FailAndReturnResponse',
  context = lambdaContext(),
) {
  const result = await handlerWith(directory, errorBehavior)(event as ProxyEvent, context);
  return { result, body: JSON.parse(result.body) as Record<string, unknown> };
}

const found: DirectoryAnswer = { ok: true, attempts: 1, body: JANE };

function answerLines() {
  return output.lines().filter((line) => line.message === 'API request answered');
}

describe('API function: each error behavior on both routes', () => {
  const routes = [
    { route: 'GET', event: (id: string) => getEvent('2.0', id) },
    { route: 'POST', event: (id: string) => postEvent('2.0', JSON.stringify({ Identifier: id })) },
  ];
  const outcomes: {
    name: string;
    identifier: string;
    answer: DirectoryAnswer;
    statusCode: number;
    message: string;
    /** The Message as logged, when it differs (the raw input is withheld from the log). */
    logged?: string;
    short: string;
    called: boolean;
  }[] = [
    {
      name: 'contact not found',
      identifier: 'id:999999',
      answer: {
        ok: false,
        attempts: 1,
        failure: { kind: 'http', status: 404, body: '{"code":404,"message":"Contact not found"}' },
      },
      statusCode: 404,
      message: 'Contact not found',
      short: 'Not found',
      called: true,
    },
    {
      name: 'invalid identifier',
      identifier: 'name:jane',
      answer: found,
      statusCode: 400,
      message: 'Invalid Identifier: "name:jane" has no known prefix',
      logged: 'Invalid Identifier: <input> has no known prefix',
      short: 'Bad request',
      called: false,
    },
    {
      name: 'respond.io unavailable',
      identifier: 'email:jane.tan@example.com',
      answer: { ok: false, attempts: 4, failure: { kind: 'http', status: 503, body: '<html>' } },
      statusCode: 503,
      message: 'respond.io answered with HTTP 503',
      short: 'Lookup failed',
      called: true,
    },
    {
      name: 'token unreadable',
      identifier: 'phone:+60121233112',
      answer: {
        ok: false,
        attempts: 0,
        failure: { kind: 'token', reason: 'invalid', detail: 'the secret is empty' },
      },
      statusCode: 500,
      message: 'The respond.io API token secret is not usable: the secret is empty',
      short: 'Lookup failed',
      called: true,
    },
  ];
  const cases = ERROR_BEHAVIORS.flatMap((behavior) =>
    routes.flatMap(({ route, event }) =>
      outcomes.map((outcome) => ({ behavior, route, event, ...outcome })),
    ),
  );

  it.each(cases)(
    '$behavior, $route: $name',
    async ({ behavior, event, identifier, answer, statusCode, message, logged, short, called }) => {
      // Prepare
      const directory = directoryAnswering(answer);
      // Act
      const { result, body } = await invoke(directory, event(identifier), behavior);
      // Assess
      expect(directory.calls.length).toBe(called ? 1 : 0);
      expect(result.headers).toMatchObject({
        'content-type': 'application/json',
        'x-correlation-id': 'req-test-1',
      });
      if (behavior === 'FailAndReturnResponse') {
        expect(result.statusCode).toBe(statusCode);
        expect(Object.keys(body)).toEqual([...OUTPUT_COLUMNS]);
        expect(body).toMatchObject({ StatusCode: statusCode, ID: null, FirstName: null });
        expect(body.Message).toContain(message);
      } else if (behavior === 'FailWithoutResponse') {
        expect(result.statusCode).toBe(statusCode);
        expect(body).toEqual({ StatusCode: statusCode, Message: short });
      } else {
        expect(result.statusCode).toBe(200);
        expect(Object.keys(body)).toEqual([...OUTPUT_COLUMNS]);
        expect(body).toMatchObject({ StatusCode: statusCode, ID: null });
        expect(body.Message).toContain(message);
      }
      // The details are always in the log, whatever the client is told.
      const [line, ...others] = answerLines();
      expect(others).toEqual([]);
      expect(line).toMatchObject({ StatusCode: statusCode, errorBehavior: behavior });
      expect(String(line?.Message)).toContain(logged ?? message);
      // Ids are logged as they are; anything else only masked (or withheld when invalid).
      if (!identifier.startsWith('id:')) expect(output.text()).not.toContain(identifier);
    },
  );

  it.each(
    ERROR_BEHAVIORS.flatMap((behavior) =>
      routes.map(({ route, event }) => ({ behavior, route, event })),
    ),
  )('$behavior, $route: a found contact is a 200 row', async ({ behavior, event }) => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    const { result, body } = await invoke(directory, event('id:1'), behavior);
    // Assess
    expect(result.statusCode).toBe(200);
    expect(body).toMatchObject({
      StatusCode: 200,
      Message: null,
      ID: 1,
      FirstName: 'Jane',
      Email: 'jane.tan@example.com',
      Tags: ['vip'],
      CreatedAt: '2023-11-14T22:13:20.000Z',
      CustomFields: [{ name: 'plan', value: 'gold' }],
    });
    expect(directory.calls[0]?.identifier.pathSegment).toBe('id:1');
  });
});

describe('API function: requests refused before any lookup', () => {
  const refusals: {
    name: string;
    event: () => ProxyEvent;
    status: number;
    message: RegExp;
    allow?: string;
  }[] = [
    {
      name: 'malformed JSON',
      event: () => postEvent('2.0', '{"Identifier": "id:1"'),
      status: 400,
      message: /not valid JSON/,
    },
    {
      name: 'wrong content type',
      event: () => postEvent('2.0', '{"Identifier": "id:1"}', 'text/plain'),
      status: 415,
      message: /Content-Type must be application\/json/,
    },
    {
      name: 'no content type',
      event: () =>
        apiEvent({
          method: 'POST',
          url: '/contacts/lookup',
          body: '{"Identifier":"id:1"}',
          payloadVersion: '2.0',
        }),
      status: 415,
      message: /Content-Type must be application\/json/,
    },
    {
      name: 'missing Identifier',
      event: () => postEvent('2.0', '{"identifier": "id:1"}'),
      status: 400,
      message: /Identifier is required.*\{"Identifier": "id:123"\}/,
    },
    {
      name: 'non-string Identifier',
      event: () => postEvent('2.0', '{"Identifier": 1}'),
      status: 400,
      message: /Identifier must be a string, got number/,
    },
    {
      name: 'null Identifier',
      event: () => postEvent('2.0', '{"Identifier": null}'),
      status: 400,
      message: /Identifier is required/,
    },
    {
      name: 'a JSON array body',
      event: () => postEvent('2.0', '[{"Identifier": "id:1"}]'),
      status: 400,
      message: /must be a JSON object/,
    },
    {
      name: 'a JSON null body',
      event: () => postEvent('2.0', 'null'),
      status: 400,
      message: /must be a JSON object/,
    },
    {
      name: 'an empty body',
      event: () => postEvent('2.0', ''),
      status: 400,
      message: /./,
    },
    {
      name: 'a __proto__ key',
      event: () => postEvent('2.0', '{"Identifier": "id:1", "__proto__": {"x": 1}}'),
      status: 400,
      message: /forbidden key/,
    },
    {
      name: 'a body over 8 KiB',
      event: () => postEvent('2.0', JSON.stringify({ Identifier: 'id:1', pad: 'x'.repeat(8200) })),
      status: 413,
      message: /larger than 8192 bytes/,
    },
    {
      name: 'an unknown route',
      event: () => apiEvent({ method: 'GET', url: '/customers/id:1', payloadVersion: '2.0' }),
      status: 404,
      message: /No such route/,
    },
    {
      name: 'a path with a raw slash in the identifier',
      event: () =>
        apiEvent({ method: 'GET', url: '/contacts/id:1/message', payloadVersion: '2.0' }),
      status: 404,
      message: /No such route/,
    },
    {
      name: 'the collection itself',
      event: () => apiEvent({ method: 'GET', url: '/contacts', payloadVersion: '2.0' }),
      status: 404,
      message: /No such route/,
    },
    {
      name: 'DELETE on a contact',
      event: () => apiEvent({ method: 'DELETE', url: '/contacts/id:1', payloadVersion: '2.0' }),
      status: 405,
      message: /use GET/,
      allow: 'GET',
    },
    {
      name: 'GET on the lookup route',
      event: () => apiEvent({ method: 'GET', url: '/contacts/lookup', payloadVersion: '2.0' }),
      status: 405,
      message: /use POST/,
      allow: 'POST',
    },
    {
      name: 'PUT on the lookup route',
      event: () =>
        apiEvent({
          method: 'PUT',
          url: '/contacts/lookup',
          headers: { 'content-type': 'application/json' },
          body: '{"Identifier": "id:1"}',
          payloadVersion: '2.0',
        }),
      status: 405,
      message: /use POST/,
      allow: 'POST',
    },
  ];

  it.each(
    refusals.flatMap((refusal) => ERROR_BEHAVIORS.map((behavior) => ({ ...refusal, behavior }))),
  )('$name, $behavior → $status', async ({ event, behavior, status, message, allow }) => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    const { result, body } = await invoke(directory, event(), behavior);
    // Assess
    expect(result.statusCode).toBe(status);
    expect(body).toEqual({ StatusCode: status, Message: expect.stringMatching(message) });
    expect(result.headers).toMatchObject({
      'content-type': 'application/json',
      'x-correlation-id': 'req-test-1',
    });
    if (allow) expect(result.headers?.allow).toBe(allow);
    expect(result.body).not.toMatch(/\n\s+at |Error:/);
    expect(directory.calls).toEqual([]);
    const lines = answerLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ StatusCode: status, httpStatus: status, attempts: 0 });
  });
});

describe('API function: reading bodies and paths', () => {
  function base64Post(json: string): ProxyEvent {
    const event = postEvent('2.0', json);
    return { ...event, body: Buffer.from(json).toString('base64'), isBase64Encoded: true };
  }

  it('decodes a base64 body', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    const { result } = await invoke(directory, base64Post('{"Identifier":"id:1"}'));
    // Assess
    expect(result.statusCode).toBe(200);
    expect(directory.calls[0]?.identifier.pathSegment).toBe('id:1');
  });

  it('measures the size limit after base64 decoding', async () => {
    // Prepare: 8192 bytes decoded (about 10.9 KiB encoded) is accepted, 8193 is not
    const directory = directoryAnswering(found);
    const atLimit = `{"Identifier":"id:1","pad":"${'x'.repeat(8192 - 30)}"}`;
    const overLimit = `{"Identifier":"id:1","pad":"${'x'.repeat(8192 - 29)}"}`;
    // Act
    const accepted = await invoke(directory, base64Post(atLimit));
    const refused = await invoke(directory, base64Post(overLimit));
    // Assess
    expect(Buffer.byteLength(atLimit)).toBe(8192);
    expect(accepted.result.statusCode).toBe(200);
    expect(refused.result.statusCode).toBe(413);
  });

  it('finds Content-Type in any spelling of its name and value', async () => {
    // Prepare: HTTP APIs lower-case header names; an event that does not is read the same.
    const directory = directoryAnswering(found);
    const event = {
      ...postEvent('2.0', '{"Identifier":"id:1"}'),
      headers: { 'CONTENT-TYPE': 'Application/JSON; charset=utf-8' },
    };
    // Act
    const { result } = await invoke(directory, event);
    // Assess
    expect(result.statusCode).toBe(200);
  });

  it('percent-decodes the path identifier exactly once', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    const email = await invoke(directory, getEvent('2.0', 'email%3Ajane.tan%40example.com'));
    const phone = await invoke(directory, getEvent('2.0', 'phone:%2B60121233112'));
    const twice = await invoke(directory, getEvent('2.0', 'id:1%252Fmessage'));
    const slash = await invoke(directory, getEvent('2.0', 'id:1%2Fmessage'));
    // Assess
    expect(email.result.statusCode).toBe(200);
    expect(phone.result.statusCode).toBe(200);
    expect(directory.calls.map((call) => call.identifier.pathSegment)).toEqual([
      'email:jane.tan@example.com',
      'phone:+60121233112',
    ]);
    expect(twice.result.statusCode).toBe(400);
    expect(twice.body.Message).toContain('"id:1%2Fmessage" is not a valid id');
    expect(slash.result.statusCode).toBe(400);
    expect(slash.body.Message).toContain('"id:1/message" is not a valid id');
  });

  it('routes a payload 2.0 catch-all event by its raw path, named stage included', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    const base = getEvent('2.0', 'id:1') as Extract<ProxyEvent, { version: string }>;
    const event = {
      ...base,
      routeKey: '$default',
      rawPath: '/prod/contacts/email:jane.tan%40example.com',
      pathParameters: undefined,
      requestContext: { ...base.requestContext, stage: 'prod', routeKey: '$default' },
    };
    // Act
    const { result } = await invoke(directory, event);
    // Assess
    expect(result.statusCode).toBe(200);
    expect(directory.calls[0]?.identifier.pathSegment).toBe('email:jane.tan@example.com');
  });

  it('refuses a REST API (payload 1.0) event with a 400 naming the event it reads', async () => {
    // Prepare: a lookup first, so that its correlation id could leak into the refusal's log line.
    const directory = directoryAnswering(found);
    const handler = handlerWith(directory);
    const restEvent = {
      resource: '/contacts/{identifier}',
      path: '/contacts/phone:+60121233112',
      httpMethod: 'GET',
      headers: { 'Content-Type': 'application/json' },
      multiValueHeaders: null,
      pathParameters: { identifier: 'phone:+60121233112' },
      queryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'rest-req-9', stage: 'prod' },
    };
    await handler(getEvent('2.0', 'id:1'), lambdaContext('l-1'));
    // Act
    const result = await handler(restEvent as unknown as ProxyEvent, lambdaContext('l-2'));
    // Assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({
      StatusCode: 400,
      Message:
        'The event is not an API Gateway HTTP API proxy event with payload format version 2.0',
    });
    expect(result.headers).toMatchObject({
      'content-type': 'application/json',
      'x-correlation-id': 'l-2',
    });
    expect(directory.calls).toHaveLength(1);
    const refusal = answerLines()[1];
    expect(refusal).toMatchObject({
      level: 'INFO',
      function_request_id: 'l-2',
      route: 'unknown',
      StatusCode: 400,
      httpStatus: 400,
      attempts: 0,
    });
    expect(refusal).not.toHaveProperty('correlation_id');
    expect(output.text()).not.toContain('60121233112');
  });

  it('refuses anything else that is not an HTTP API event with a clean 400', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    const notObject = await invoke(directory, 'hello');
    const noVersion = await invoke(directory, {});
    const noMethod = await invoke(directory, { version: '2.0' });
    // Assess
    expect(notObject.result.statusCode).toBe(400);
    expect(notObject.result.headers?.['x-correlation-id']).toBe('lambda-req-1');
    expect(noVersion.result.statusCode).toBe(400);
    expect(noVersion.body.Message).toMatch(/HTTP API proxy event with payload format version 2\.0/);
    expect(noMethod.result.statusCode).toBe(404);
    expect(noMethod.result.headers?.['x-correlation-id']).toBe('lambda-req-1');
    expect(directory.calls).toEqual([]);
  });
});

describe('API function: deadline, faults and logs', () => {
  it('gives the directory a deadline from the remaining time and the correlation id', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    const before = Date.now();
    // Act
    await invoke(
      directory,
      getEvent('2.0', 'id:1'),
      'FailAndReturnResponse',
      lambdaContext('x', 10_000),
    );
    // Assess
    const options = directory.calls[0]?.options;
    expect(options?.correlationId).toBe('req-test-1');
    expect(options?.deadlineAt).toBeGreaterThanOrEqual(before + 10_000 - 500 - 50);
    expect(options?.deadlineAt).toBeLessThanOrEqual(Date.now() + 10_000 - 500);
  });

  it.each([
    ['FailAndReturnResponse', 500, 500],
    ['FailWithoutResponse', 500, 500],
    ['DoNotFailAndReturnResponse', 200, 500],
  ] as const)(
    'turns an unexpected fault into a 500 row (%s → HTTP %i), no stack',
    async (behavior, httpStatus, rowStatus) => {
      // Prepare
      const directory = directoryAnswering(() => {
        throw new TypeError('boom at secret place');
      });
      // Act
      const { result, body } = await invoke(directory, getEvent('2.0', 'id:1'), behavior);
      // Assess
      expect(result.statusCode).toBe(httpStatus);
      expect(body.StatusCode).toBe(rowStatus);
      expect(result.body).not.toMatch(/boom|TypeError|\n\s+at /);
      expect(output.lines().some((line) => line.errorName === 'TypeError')).toBe(true);
    },
  );

  it('answers a 504 row when the function runs out of time', async () => {
    // Prepare: the directory never answers; only middy's early timeout can end the request
    const directory = directoryAnswering(() => new Promise<DirectoryAnswer>(() => {}));
    // Act
    const { result, body } = await invoke(
      directory,
      getEvent('2.0', 'id:1'),
      'FailAndReturnResponse',
      lambdaContext('x', 60),
    );
    // Assess
    expect(result.statusCode).toBe(504);
    expect(body).toMatchObject({ StatusCode: 504, ID: null });
  });

  it('logs one line per request: correlation id, route, masked identifier, statuses, timing', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    const handler = handlerWith(directory);
    const first = apiEvent({
      method: 'GET',
      url: '/contacts/email:jane.tan@example.com',
      payloadVersion: '2.0',
      requestId: 'corr-1',
    });
    const second = apiEvent({
      method: 'POST',
      url: '/contacts/lookup',
      headers: { 'content-type': 'application/json' },
      body: '{"Identifier":"phone:+60121233112"}',
      payloadVersion: '2.0',
      requestId: 'corr-2',
    });
    // Act
    await handler(first, lambdaContext('l-1'));
    await handler(second, lambdaContext('l-2'));
    // Assess
    const lines = answerLines();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        correlation_id: 'corr-1',
        function_request_id: 'l-1',
        route: 'GET /contacts/{identifier}',
        identifier: 'email:j***@example.com',
        StatusCode: 200,
        httpStatus: 200,
        attempts: 1,
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({
        correlation_id: 'corr-2',
        route: 'POST /contacts/lookup',
        identifier: 'phone:+60******112',
      }),
    ]);
    // No contact data and no unmasked identifier anywhere in the output.
    const text = output.text();
    for (const secret of ['jane.tan@', 'Jane', 'Tan', '+60121233112', 'gold', 'avatars']) {
      expect(text).not.toContain(secret);
    }
  });

  it('never logs the event, even when POWERTOOLS_LOGGER_LOG_EVENT asks for it', async () => {
    // Prepare: the Powertools Logger reads the variable when it is built.
    const previous = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    const logger = testLogger();
    if (previous === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    else process.env.POWERTOOLS_LOGGER_LOG_EVENT = previous;
    const handler = createApiHandler({
      directory: directoryAnswering(found),
      identifiers,
      config: { errorBehavior: 'FailAndReturnResponse' },
      logger,
    });
    // Act
    const result = await handler(getEvent('2.0', 'email:jane.tan@example.com'), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(200);
    expect(output.lines()).toEqual([
      expect.objectContaining({
        message: 'API request answered',
        identifier: 'email:j***@example.com',
      }),
    ]);
    expect(output.text()).not.toContain('jane.tan@');
  });

  it('withholds a rejected identifier from the log while telling the caller', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    const { body } = await invoke(
      directory,
      postEvent('2.0', '{"Identifier":"email:jane@intranet"}'),
    );
    // Assess
    expect(body.Message).toContain('"email:jane@intranet" is not a valid email');
    expect(answerLines()).toEqual([
      expect.objectContaining({
        identifier: '<invalid, 19 chars>',
        Message: expect.stringContaining('Invalid Identifier: <input> is not a valid email'),
      }),
    ]);
    expect(output.text()).not.toContain('jane@intranet');
  });

  it('logs 5xx answers at error level with their message', async () => {
    // Prepare
    const directory = directoryAnswering({
      ok: false,
      attempts: 3,
      failure: { kind: 'timeout', afterMs: 8000 },
    });
    // Act
    await invoke(directory, getEvent('2.0', 'id:1'), 'FailWithoutResponse');
    // Assess
    expect(answerLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        StatusCode: 504,
        attempts: 3,
        Message: 'respond.io did not answer within 8000 ms',
      }),
    ]);
  });
});

describe('API function: the contact cache and shared lookups', () => {
  it.each([
    ['Cache-Control', 'no-cache'],
    ['cache-control', 'No-Store'],
    ['Pragma', 'no-cache'],
  ])('asks for a fresh answer when the caller sends %s: %s', async (name, value) => {
    // Prepare
    const directory = directoryAnswering(found);
    const event = apiEvent({
      method: 'GET',
      url: '/contacts/id:1',
      headers: { [name]: value },
      payloadVersion: '2.0',
    });
    // Act
    await invoke(directory, event);
    await invoke(directory, getEvent('2.0', 'id:1'));
    // Assess
    expect(directory.calls.map((call) => call.options.fresh)).toEqual([true, undefined]);
  });

  it.each([
    ['cache', 0],
    ['shared', 0],
    ['request', 1],
  ] as const)(
    'logs whether the answer came from the cache (lookupSource %s)',
    async (source, attempts) => {
      // Prepare
      const directory = directoryAnswering({ ...found, attempts, source });
      // Act
      const { result } = await invoke(directory, getEvent('2.0', 'id:1'));
      // Assess
      expect(result.statusCode).toBe(200);
      expect(answerLines()).toEqual([expect.objectContaining({ lookupSource: source, attempts })]);
    },
  );

  it('logs no lookupSource when the identifier is rejected without a lookup', async () => {
    // Prepare
    const directory = directoryAnswering(found);
    // Act
    await invoke(directory, getEvent('2.0', 'id:not-digits'));
    // Assess
    expect(answerLines()).toHaveLength(1);
    expect(answerLines()[0]).not.toHaveProperty('lookupSource');
  });
});
