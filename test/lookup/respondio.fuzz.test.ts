import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { lookupContact } from '../../functions/lookup/lookup.js';
import { rowProblems, secretLeak } from '../support/answers.js';
import { captureOutput } from '../support/api.js';
import { identifiers } from '../support/identifiers.js';
import { loadOpenApiContract } from '../support/openapi-contract.js';
import {
  CONTACT_TARGET,
  fastDirectory,
  fixedTokens,
  type Reply,
  type RespondioLoopback,
  startRespondioLoopback,
} from '../support/respondio-loopback.js';

/**
 * respond.io answers of random shapes, types and statuses, served over real loopback HTTP to the
 * real directory and mapping. Every lookup must end in a row that is well-formed by the row
 * contract and by the OpenAPI ContactRow schema; redirects are never followed; the token, even
 * when echoed back by the server, never reaches a row or a log line. Fixed seed.
 */

const SEED = 5_052_028;
const TOKEN = 'tok_FUZZ_upstream_Wm5Tj2Yc8Gf3';

let upstream: RespondioLoopback;
let output: ReturnType<typeof captureOutput>;
let contactRowSchema: ValidateFunction;
const statuses = new Map<number, number>();

beforeAll(async () => {
  upstream = await startRespondioLoopback();
  output = captureOutput();
  contactRowSchema = loadOpenApiContract().schema('ContactRow');
});
afterAll(async () => {
  output.restore();
  await upstream.close();
});

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, '', 0, -1, 1.5, 1e300, '1700000000', 'NaN', true, [], {}),
  fc.double(),
  fc.integer({ min: -9e15, max: 9e15 }),
);

/** Contact-like objects whose fields may have any type. */
const contactLike = fc.record(
  {
    id: anyValue,
    firstName: anyValue,
    lastName: anyValue,
    phone: anyValue,
    email: anyValue,
    language: anyValue,
    profilePic: anyValue,
    countryCode: anyValue,
    status: anyValue,
    tags: fc.oneof(fc.array(anyValue, { maxLength: 4 }), anyValue),
    assignee: fc.oneof(
      fc.record(
        { id: anyValue, firstName: anyValue, lastName: anyValue, email: anyValue },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    created_at: fc.oneof(anyValue, fc.integer({ min: -1e13, max: 1e13 })),
    createdAt: anyValue,
    custom_fields: fc.oneof(
      fc.array(fc.record({ name: anyValue, value: anyValue }, { requiredKeys: [] }), {
        maxLength: 4,
      }),
      anyValue,
    ),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 4, arbitrary: contactLike.map((contact) => JSON.stringify(contact)) },
  contactLike.map((contact) => JSON.stringify({ data: contact })),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), fc.string({ maxLength: 30 }))
    .map(([code, message]) => JSON.stringify({ code, message })),
  fc.constantFrom(
    '',
    '{',
    'null',
    '<html><h1>502 Bad Gateway</h1></html>',
    JSON.stringify({ code: 401, message: `Invalid token: ${TOKEN}` }),
    JSON.stringify({ message: `Bearer ${TOKEN} rejected`, headers: { Authorization: TOKEN } }),
    `<html>token=${TOKEN}</html>`,
  ),
);

const status = fc.oneof(
  { weight: 4, arbitrary: fc.constant(200) },
  fc.constantFrom(201, 204, 301, 302, 307, 308, 400, 401, 403, 404, 409, 429, 449, 500, 502, 503),
  fc.integer({ min: 200, max: 599 }),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/html',
      'application/octet-stream',
    ),
    'retry-after': fc.constantFrom(
      '0',
      '1',
      '-5',
      'soon',
      '99999',
      'Wed, 21 Oct 2015 07:28:00 GMT',
    ),
    'x-ratelimit-remaining': fc.constantFrom('0', '5', '-1', 'x'),
    'x-ratelimit-limit': fc.constantFrom('0', '5', 'x'),
    location: fc.constantFrom('/v2/message', 'http://127.0.0.1:1/v2/contact/id:1', '../message'),
  },
  { requiredKeys: [] },
);

const reply: fc.Arbitrary<Reply> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ status, body, headers }) },
  fc.constant<Reply>('reset'),
);

const identifier = fc.oneof(
  fc.integer({ min: 1, max: 1e9 }).map((id) => `id:${id}`),
  fc.constantFrom(
    'email:jane@example.com',
    "email:o'neil@example.com",
    'phone:+60121233112',
    'Phone: (+60) 12-123 3112',
    'EMAIL : Jane@Example.COM',
  ),
);

describe('respond.io answers of any shape, through the real directory and mapping', () => {
  it('always end in a well-formed row that conforms to the ContactRow schema', async () => {
    await fc.assert(
      fc.asyncProperty(
        identifier,
        fc.array(reply, { minLength: 1, maxLength: 3 }),
        async (input, replies) => {
          // Prepare
          let next = 0;
          upstream.respond(() => replies[next++ % replies.length] as Reply);
          const directory = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN), {
            logger: new Logger({ serviceName: 'fuzz-upstream', logLevel: 'DEBUG' }),
          });
          const before = upstream.seen.length;
          // Act
          const result = await lookupContact(
            input,
            { identifiers, directory },
            {
              deadlineAt: Date.now() + 10_000,
            },
          );
          // Assess
          const { row } = result;
          expect(rowProblems(row)).toEqual([]);
          expect([contactRowSchema(row), contactRowSchema.errors]).toEqual([true, null]);
          expect(row.StatusCode).toBeGreaterThanOrEqual(200);
          expect(row.StatusCode).toBeLessThanOrEqual(599);
          if (row.StatusCode === 200) {
            expect(
              replies.some((r) => typeof r === 'object' && r.status >= 200 && r.status < 300),
            ).toBe(true);
          }
          expect(secretLeak(JSON.stringify(row), TOKEN)).toBeNull();
          const sent = upstream.seen.slice(before);
          const parsed = identifiers.parse(input);
          expect(sent.length).toBeGreaterThanOrEqual(1);
          for (const request of sent) {
            expect(request.url).toMatch(CONTACT_TARGET);
            expect(request.url).toBe(
              `/v2/contact/${parsed.ok ? parsed.identifier.pathSegment : ''}`,
            );
          }
          statuses.set(row.StatusCode, (statuses.get(row.StatusCode) ?? 0) + 1);
        },
      ),
      {
        seed: SEED,
        numRuns: 400,
        // Found by this property: years outside 0000-9999 gave a CreatedAt that is no date-time.
        examples: [
          ['id:1', [{ status: 200, body: '{"id":1,"created_at":-62167219201}', headers: {} }]],
          ['id:2', [{ status: 200, body: '{"id":2,"created_at":253402300800}', headers: {} }]],
        ],
      },
    );
  });

  it('covered success and failure rows and kept the token out of every log line', () => {
    // Assess
    expect(statuses.get(200) ?? 0).toBeGreaterThan(30);
    expect([...statuses.keys()].filter((code) => code !== 200).length).toBeGreaterThan(10);
    expect(output.lines().length).toBeGreaterThan(400);
    expect(secretLeak(output.text(), TOKEN)).toBeNull();
    expect(upstream.offPath()).toEqual([]);
  });
});
