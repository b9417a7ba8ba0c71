import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createApiHandler } from '../../functions/api/app.js';
import type { ContactDirectory, DirectoryAnswer } from '../../functions/lookup/lookup.js';
import { ERROR_BEHAVIORS, type ErrorBehavior } from '../../functions/settings/error-behavior.js';
import type { ProxyEvent } from '../../local/api-gateway-server.js';
import { apiAnswerProblems } from '../support/answers.js';
import {
  apiEvent,
  captureOutput,
  directoryAnswering,
  getEvent,
  JANE,
  lambdaContext,
  postEvent,
  testLogger,
} from '../support/api.js';
import { identifiers } from '../support/identifiers.js';
import { loadOpenApiContract, type OpenApiContract } from '../support/openapi-contract.js';

/**
 * Keeps functions/api/openapi.yaml in step with the API function: the real handler is driven
 * through every status it can produce, on both operations and all three error behaviors, and
 * each answer must (a) have a status the operation documents explicitly and
 * (b) carry a body that validates, with Ajv (JSON Schema 2020-12), against the schema documented
 * for that status.
 */

const GET_PATH = '/contacts/{identifier}';
const POST_PATH = '/contacts/lookup';
const SEED = 5_052_029;

let contract: OpenApiContract;
let output: ReturnType<typeof captureOutput>;
/** Statuses the handler produced, per operation. */
const produced = new Map<string, Set<number>>();

beforeAll(() => {
  contract = loadOpenApiContract();
  output = captureOutput();
});
afterAll(() => {
  output.restore();
});

const failure = (f: Extract<DirectoryAnswer, { ok: false }>['failure'], attempts = 1) =>
  ({ ok: false, attempts, failure: f }) as DirectoryAnswer;

type Outcome =
  | { readonly answer: DirectoryAnswer }
  | { readonly throws: Error }
  | {
      readonly request:
        | 'invalid'
        | 'badJson'
        | 'noIdentifier'
        | 'numberIdentifier'
        | 'protoKey'
        | 'tooLarge'
        | 'textPlain';
    };

/** Every way the handler reaches a status; `get: false` where the GET route cannot get there. */
const CASES: readonly (readonly [name: string, outcome: Outcome, status: number, get?: false])[] = [
  ['found', { answer: { ok: true, attempts: 1, body: JANE } }, 200],
  ['found, v1 wrapper', { answer: { ok: true, attempts: 1, body: { data: JANE } } }, 200],
  ['invalid identifier', { request: 'invalid' }, 400],
  ['malformed JSON', { request: 'badJson' }, 400, false],
  ['no Identifier', { request: 'noIdentifier' }, 400, false],
  ['non-string Identifier', { request: 'numberIdentifier' }, 400, false],
  ['__proto__ key', { request: 'protoKey' }, 400, false],
  [
    'respond.io 400',
    {
      answer: failure({
        kind: 'http',
        status: 400,
        body: '{"code":400,"message":"Validation error."}',
      }),
    },
    400,
  ],
  [
    'respond.io 401',
    {
      answer: failure(
        { kind: 'http', status: 401, body: '{"code":401,"message":"UN_AUTHORIZED"}' },
        2,
      ),
    },
    401,
  ],
  ['respond.io 403', { answer: failure({ kind: 'http', status: 403 }) }, 403],
  [
    'respond.io 404',
    {
      answer: failure({
        kind: 'http',
        status: 404,
        body: '{"code":404,"message":"Contact not found"}',
      }),
    },
    404,
  ],
  ['body too large', { request: 'tooLarge' }, 413, false],
  ['not JSON content type', { request: 'textPlain' }, 415, false],
  ['respond.io 429', { answer: failure({ kind: 'http', status: 429 }, 4) }, 429],
  [
    'token secret unusable',
    { answer: failure({ kind: 'token', reason: 'invalid', detail: 'the secret is empty' }, 0) },
    500,
  ],
  ['respond.io 500', { answer: failure({ kind: 'http', status: 500 }, 4) }, 500],
  ['directory threw', { throws: new Error('bug') }, 500],
  ['network failure', { answer: failure({ kind: 'network', code: 'ECONNRESET' }, 4) }, 502],
  ['2xx without a contact', { answer: failure({ kind: 'http', status: 502, body: '[]' }, 4) }, 502],
  ['respond.io timeout', { answer: failure({ kind: 'timeout', afterMs: 8000 }, 4) }, 504],
  ['no time left', { answer: failure({ kind: 'deadline' }, 0) }, 504],
  [
    'function time limit',
    { throws: Object.assign(new Error('late'), { name: 'TimeoutError' }) },
    504,
  ],
  // Passed through from respond.io: documented by `default`.
  ['respond.io 409', { answer: failure({ kind: 'http', status: 409 }) }, 409],
  ['respond.io 449', { answer: failure({ kind: 'http', status: 449 }, 4) }, 449],
  ['respond.io 503', { answer: failure({ kind: 'http', status: 503, body: '<html>' }, 4) }, 503],
];

/** Statuses that reach the client only through `default` (respond.io pass-through). */
const PASSED_THROUGH = new Set([409, 449, 503]);
/** Statuses an operation documents that only API Gateway itself answers for it. */
const GATEWAY_ONLY: Record<string, readonly string[]> = {
  [`GET ${GET_PATH}`]: ['413', '415'],
  [`POST ${POST_PATH}`]: [],
};

function directoryFor(outcome: Outcome): ContactDirectory {
  if ('throws' in outcome) {
    const error = outcome.throws;
    return {
      getContact: async () => {
        throw error;
      },
    };
  }
  return directoryAnswering(
    'answer' in outcome ? outcome.answer : { ok: true, attempts: 1, body: JANE },
  );
}

function eventFor(outcome: Outcome, route: 'GET' | 'POST'): ProxyEvent {
  const request = 'request' in outcome ? outcome.request : null;
  if (route === 'GET') return getEvent('2.0', request === 'invalid' ? 'name%3Ajane' : 'id%3A123');
  switch (request) {
    case 'invalid':
      return postEvent('2.0', '{"Identifier":"name:jane"}');
    case 'badJson':
      return postEvent('2.0', '{"Identifier":');
    case 'noIdentifier':
      return postEvent('2.0', '{"identifier":"id:1"}');
    case 'numberIdentifier':
      return postEvent('2.0', '{"Identifier":123}');
    case 'protoKey':
      return postEvent('2.0', '{"Identifier":"id:1","__proto__":{"x":1}}');
    case 'tooLarge':
      return postEvent('2.0', JSON.stringify({ Identifier: 'id:1', pad: 'x'.repeat(9000) }));
    case 'textPlain':
      return postEvent('2.0', '{"Identifier":"id:1"}', 'text/plain');
    default:
      return postEvent('2.0', '{"Identifier":"id:123"}');
  }
}

function record(operation: string, status: number) {
  const seen = produced.get(operation) ?? new Set<number>();
  seen.add(status);
  produced.set(operation, seen);
}

describe('OpenAPI conformance: every answer of the handler is documented', () => {
  const matrix = CASES.flatMap(([name, outcome, status, get]) =>
    (get === false ? (['POST'] as const) : (['GET', 'POST'] as const)).flatMap((route) =>
      ERROR_BEHAVIORS.map((behavior) => [name, route, behavior, outcome, status] as const),
    ),
  );

  it.each(matrix)('%s via %s under %s', async (_name, route, behavior, outcome, status) => {
    // Prepare
    const handler = createApiHandler({
      directory: directoryFor(outcome),
      identifiers,
      config: { errorBehavior: behavior as ErrorBehavior },
      logger: testLogger(),
    });
    // Act
    const result = await handler(eventFor(outcome, route), lambdaContext());
    // Assess: the status the error behavior promises...
    const rejected = 'request' in outcome && outcome.request !== 'invalid';
    const expected = behavior === 'DoNotFailAndReturnResponse' && !rejected ? 200 : status;
    expect(result.statusCode).toBe(expected);
    expect(apiAnswerProblems(result).problems).toEqual([]);
    // ...is documented for this operation, with this media type and a conforming body.
    const path = route === 'GET' ? GET_PATH : POST_PATH;
    const documented = contract.response(route, path, result.statusCode);
    expect(documented).not.toBeNull();
    expect(documented?.key).toBe(
      PASSED_THROUGH.has(result.statusCode) ? 'default' : String(result.statusCode),
    );
    expect(documented?.mediaTypes).toContain(result.headers?.['content-type']);
    expect(documented?.problems(JSON.parse(result.body))).toEqual([]);
    record(`${route} ${path}`, result.statusCode);
  });

  it('reached every status each operation documents, except those only API Gateway answers', () => {
    for (const [path, methods] of Object.entries(contract.spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        const reached = [...(produced.get(key) ?? [])].map(String);
        const unreached = Object.keys(operation.responses).filter(
          (status) => status !== 'default' && !reached.includes(status),
        );
        // Assess
        expect([key, unreached.sort()]).toEqual([key, [...(GATEWAY_ONLY[key] ?? [])].sort()]);
      }
    }
  });

  it('documents API Gateway’s own answers (authorization, throttling, limits) on every operation', () => {
    for (const [route, path] of [
      ['GET', GET_PATH],
      ['POST', POST_PATH],
    ] as const) {
      for (const status of [401, 403, 413, 429, 500, 503, 504]) {
        // Act
        const documented = contract.response(route, path, status);
        // Assess
        expect([route, status, documented?.problems({ message: 'Forbidden' })]).toEqual([
          route,
          status,
          [],
        ]);
      }
    }
  });

  it('answers routes outside the spec (local run only) with a documented short error body', async () => {
    // Prepare
    const handler = createApiHandler({
      directory: directoryAnswering({ ok: true, attempts: 1, body: JANE }),
      identifiers,
      config: { errorBehavior: 'FailAndReturnResponse' },
      logger: testLogger(),
    });
    const shortError = contract.schema('ShortError');
    // Act
    const answers = await Promise.all([
      handler(
        apiEvent({ method: 'GET', url: '/contacts', payloadVersion: '2.0' }),
        lambdaContext(),
      ),
      handler(
        apiEvent({ method: 'DELETE', url: '/contacts/id:1', payloadVersion: '2.0' }),
        lambdaContext(),
      ),
      handler(
        apiEvent({ method: 'GET', url: '/contacts/lookup', payloadVersion: '2.0' }),
        lambdaContext(),
      ),
    ]);
    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([404, 405, 405]);
    for (const answer of answers) expect(shortError(JSON.parse(answer.body))).toBe(true);
  });
});

describe('OpenAPI conformance: the documented request body', () => {
  it('every body the InputRow schema accepts is looked up (answered with a row, never refused)', async () => {
    const handler = createApiHandler({
      directory: directoryAnswering({ ok: true, attempts: 1, body: JANE }),
      identifiers,
      config: { errorBehavior: 'FailAndReturnResponse' },
      logger: testLogger(),
    });
    const inputRow = contract.schema('InputRow');
    const nested = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
      fc.constantFrom(
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"constructor":"a string is fine"}',
        '[{"__proto__":1}]',
        '{"a":{"b":{"__proto__":null}}}',
      ),
    );
    const text = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .tuple(
          fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()),
          fc.constantFrom('extra', '__proto__', 'constructor', 'Identifier'),
          nested,
        )
        .map(
          ([identifier, key, value]) =>
            `{"Identifier":${JSON.stringify(identifier)},${JSON.stringify(key)}:${value}}`,
        ),
      fc.string({ maxLength: 300 }).map((identifier) => JSON.stringify({ Identifier: identifier })),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(text, async (body) => {
        // Act
        const result = await handler(postEvent('2.0', body), lambdaContext());
        const outcome = apiAnswerProblems(result);
        // Assess
        expect(outcome.problems).toEqual([]);
        const documentedValid = inputRow(JSON.parse(body));
        if (documentedValid) accepted += 1;
        // Documented-valid bodies are looked up; refused bodies are documented-invalid.
        if (documentedValid) expect([body, outcome.kind]).toEqual([body, 'row']);
        if (outcome.kind === 'short') expect([body, documentedValid]).toEqual([body, false]);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(20);
  });
});
