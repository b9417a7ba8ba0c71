import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createApiHandler } from '../../functions/api/app.js';
import type { Identifier } from '../../functions/lookup/identifier.js';
import {
  type ApiGatewayServer,
  type ProxyHandler,
  startApiGatewayServer,
} from '../../local/api-gateway-server.js';
import { apiEvent, captureOutput, lambdaContext, testLogger } from '../support/api.js';
import { identifiers } from '../support/identifiers.js';
import {
  CONTACT_TARGET,
  fastDirectory,
  fixedTokens,
  type RespondioLoopback,
  startRespondioLoopback,
} from '../support/respondio-loopback.js';

/**
 * Security check: hostile requests at the API, over real loopback HTTP (local API Gateway stand-in
 * → real handler → real respond.io directory → loopback respond.io). Path and query injection is
 * refused and verified at the wire: respond.io sees no request but `/v2/contact/<one segment>`.
 * Oversized bodies and headers are refused cleanly, never with a 5xx.
 */

const TOKEN = 'tok_HOSTILE_Pb6Wz1Mk9Fs3';

let upstream: RespondioLoopback;
let gateway: ApiGatewayServer;
let gatewayV1: ApiGatewayServer;
/** A REST API that delivers path parameters still percent-encoded. */
let gatewayV1Encoded: ApiGatewayServer;
let invocations = 0;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  upstream = await startRespondioLoopback();
  const directory = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN));
  const api = createApiHandler({
    directory,
    identifiers,
    config: { errorBehavior: 'FailAndReturnResponse' },
    logger: testLogger(),
  });
  const handler: ProxyHandler = (event, context) => {
    invocations += 1;
    return api(event, context);
  };
  gateway = await startApiGatewayServer({ handler, payloadVersion: '2.0' });
  gatewayV1 = await startApiGatewayServer({ handler, payloadVersion: '1.0' });
  gatewayV1Encoded = await startApiGatewayServer({
    handler,
    payloadVersion: '1.0',
    encodedPathParameters: true,
  });
  output = captureOutput();
});
afterAll(async () => {
  output.restore();
  await gateway.close();
  await gatewayV1.close();
  await gatewayV1Encoded.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
  invocations = 0;
});

interface RawAnswer {
  status: number;
  body: string;
}

/** Sends a request with the target exactly as given (no URL normalisation by a client). */
function send(
  base: string,
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, method, path: target, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Classic payloads, each meant to reach another endpoint, smuggle a query or break a header. */
const PAYLOADS = [
  'id:1/../../message',
  'id:1/../../../v1/contact/id:1',
  'id:1%2F..%2F..%2Fmessage',
  'id:1%2F..',
  'id:1%252F..%252Fmessage',
  'id:%2e%2e',
  'id:..',
  '..',
  'email:a@b.c?x=1',
  'email:a@b.c#x',
  'id:1?token=x',
  'id:1;x',
  'id:1;/message',
  'id:1／message',
  'id:1∕message',
  'id:1\\..\\message',
  'id:１２３',
  'id:1\r\nX-Injected: 1',
  'id:1%0d%0aX-Injected:%201',
  'id:1\u0000',
  'id:1%00',
  'email:a@b.co%00.evil.com',
  'email:a@b.c/../../message',
  'email:"a/b"@example.com',
  'phone:+6012%2F3456789',
  'phone:+60121233112/x',
  'id:1 OR 1=1',
  // The forms people write, with an injection attempt.
  'ID:1/../../message',
  'Id : 1%2F..%2Fmessage',
  'Phone: +60 12 123 3112/../message',
  'phone:(+60) 12-123 3112?x=1',
  'phone:+60%2012%20123%203112%2F..',
  'phone:0060121233112%252F..',
  'phone:+60 12 123 3112\r\nX-Injected: 1',
  'EMAIL : a@b.c/../x',
  'id\uff1a1/../message',
  'phone:\uff0b60121233112\uff0fmessage',
  'phone:+60121233112\u2215message',
  `id:${'1'.repeat(10_000)}`,
  `email:${'a'.repeat(300)}@example.com`,
];

/** The request target a client would send for an identifier put into the GET path. */
function targets(payload: string): string[] {
  const raw = `/contacts/${payload}`;
  const encoded = `/contacts/${encodeURIComponent(payload)}`;
  // node:http refuses targets with control characters or spaces; those go percent-encoded only.
  const sendable = [...payload].every((char) => char > ' ' && char < '\u007f');
  return sendable ? [raw, encoded] : [encoded];
}

describe('security: path and query injection is refused, verified at the wire', () => {
  it.each(
    PAYLOADS.map((payload) => [
      payload.length > 60 ? `${payload.slice(0, 40)}…` : payload,
      payload,
    ]),
  )('POST {"Identifier": %j} is a 4xx and nothing is sent', async (_label, payload) => {
    // Act
    const answer = await send(gateway.url, 'POST', '/contacts/lookup', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Identifier: payload }),
    });
    // Assess: invalid, or (the 10,000-digit one) too large to read at all
    expect([400, 413]).toContain(answer.status);
    expect(JSON.parse(answer.body).Message).toMatch(/Invalid Identifier|larger than/);
    expect(upstream.seen).toEqual([]);
  });

  it.each(
    PAYLOADS.map((payload) => [
      payload.length > 60 ? `${payload.slice(0, 40)}…` : payload,
      payload,
    ]),
  )(
    'GET /contacts/%s is refused or stays on one contact segment, on both payload versions and still-encoded REST parameters',
    async (_label, payload) => {
      // HTTP itself cuts a query or fragment off the target; what remains may be a valid lookup,
      // sent in its canonical form.
      const remains = identifiers.parse(payload.split(/[?#]/)[0]);
      const cut = remains.ok ? `/v2/contact/${remains.identifier.pathSegment}` : null;
      for (const base of [gateway.url, gatewayV1.url, gatewayV1Encoded.url]) {
        for (const target of targets(payload)) {
          // Act
          const answer = await send(base, 'GET', target);
          // Assess
          expect([target, answer.status < 500]).toEqual([target, true]);
          if (answer.status === 200) expect(upstream.seen.at(-1)?.url).toBe(cut);
          else expect([target, [400, 404].includes(answer.status)]).toEqual([target, true]);
        }
      }
      for (const seen of upstream.seen) expect(seen.url).toMatch(CONTACT_TARGET);
      expect(upstream.seen.every((seen) => seen.url === cut)).toBe(true);
    },
  );

  it('the directory itself refuses a path segment that would leave the contact endpoint', async () => {
    // Prepare: bypass the parser, as a bug elsewhere might.
    const directory = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN));
    const forged = (pathSegment: string): Identifier => ({
      kind: 'id',
      value: '1',
      canonical: 'id:1',
      pathSegment,
      masked: 'id:1',
    });
    const segments = [
      'id:1/../message',
      'id:1%2F..',
      'id:1%2e%2e',
      'id:1?x=1',
      'id:1#x',
      'id:1%0D%0A',
      'id:1%5C..',
      'id:1%zz',
      '../message',
      'id:1 x',
    ];
    // Act
    const answers = await Promise.all(
      segments.map((segment) =>
        directory.getContact(forged(segment), { deadlineAt: Date.now() + 5000 }),
      ),
    );
    // Assess
    for (const answer of answers) {
      expect(answer).toMatchObject({ ok: false, attempts: 0, failure: { kind: 'internal' } });
    }
    expect(upstream.seen).toEqual([]);
  });
});

describe('security: oversized input is refused cleanly', () => {
  it('refuses a body over the function limit with 413 and a clear message', async () => {
    // Act
    const answer = await send(gateway.url, 'POST', '/contacts/lookup', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Identifier: 'id:1', pad: 'x'.repeat(9 * 1024) }),
    });
    // Assess
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      StatusCode: 413,
      Message: 'The request body is larger than 8192 bytes',
    });
    expect(upstream.seen).toEqual([]);
  });

  it('refuses a base64 body that is over the limit once decoded', async () => {
    // Act
    const answer = await send(gateway.url, 'POST', '/contacts/lookup', {
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(9 * 1024, 0x41),
    });
    // Assess
    expect(answer.status).toBe(413);
  });

  it('refuses a body over the gateway limit (1 MiB) at the gateway, without invoking the function', async () => {
    // Act
    const answer = await send(gateway.url, 'POST', '/contacts/lookup', {
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(1024 * 1024 + 1, 0x20),
    });
    // Assess
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Entity Too Large' });
    expect(invocations).toBe(0);
  });

  it('refuses headers over the HTTP server limit (16 KiB) with 431, without invoking the function', async () => {
    // Act
    const answer = await send(gateway.url, 'GET', '/contacts/id:1', {
      headers: { 'x-padding': 'h'.repeat(20 * 1024) },
    });
    // Assess
    expect(answer.status).toBe(431);
    expect(invocations).toBe(0);
  });

  it('answers normally when an event carries huge headers (API Gateway allows up to 10 KiB per header)', async () => {
    // Prepare
    const api = createApiHandler({
      directory: fastDirectory(upstream.baseUrl, fixedTokens(TOKEN)),
      identifiers,
      config: { errorBehavior: 'FailAndReturnResponse' },
      logger: testLogger(),
    });
    const many = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`x-h${i}`, 'v'.repeat(100)]),
    );
    // Act
    const answers = await Promise.all([
      api(
        apiEvent({
          method: 'GET',
          url: '/contacts/id:1',
          headers: { 'x-big': 'h'.repeat(1024 * 1024) },
          payloadVersion: '2.0',
        }),
        lambdaContext(),
      ),
      api(
        apiEvent({ method: 'GET', url: '/contacts/id:1', headers: many, payloadVersion: '2.0' }),
        lambdaContext(),
      ),
      api(
        apiEvent({
          method: 'GET',
          url: `/contacts/id:${'9'.repeat(100_000)}`,
          payloadVersion: '2.0',
        }),
        lambdaContext(),
      ),
    ]);
    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 400]);
    expect(upstream.seen.map((seen) => seen.url)).toEqual(['/v2/contact/id:1', '/v2/contact/id:1']);
  });

  it('never wrote the token to a log line', () => {
    // Assess
    expect(output.text()).toMatch(/API request answered/);
    expect(output.text().includes(TOKEN)).toBe(false);
  });
});
