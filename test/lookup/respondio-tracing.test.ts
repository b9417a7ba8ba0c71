/**
 * The respond.io directory's trace over real loopback HTTP: one span per lookup, one per HTTP
 * attempt inside it, annotated with status codes, attempts and timings, and never with text.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TokenError } from '../../functions/lookup/token.js';
import { TRACE_LABELS } from '../../functions/platform/tracing.js';
import { identifierOf } from '../support/identifiers.js';
import { type RecordingTracer, recordingTracer } from '../support/recording-tracer.js';
import {
  fastDirectory,
  fixedTokens,
  type RespondioLoopback,
  startRespondioLoopback,
} from '../support/respondio-loopback.js';

const TOKEN = 'tok_TRACED_Lookup_2718';
const identifier = (text: string) => identifierOf(text);
const lookup = { deadlineAt: Date.now() + 60_000 };

let upstream: RespondioLoopback;
let tracer: RecordingTracer;

beforeAll(async () => {
  upstream = await startRespondioLoopback();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  tracer = recordingTracer();
});

describe('the respond.io directory, traced', () => {
  it('puts a found lookup and its one attempt into two nested spans', async () => {
    // Prepare
    const directory = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN), { tracer });
    // Act
    const answer = await directory.getContact(identifier('email:ana.lim@example.com'), lookup);
    // Assess
    expect(answer.ok).toBe(true);
    expect(tracer.roots).toHaveLength(1);
    const [span] = tracer.roots;
    expect(span).toMatchObject({
      name: 'respond.io lookup',
      annotations: { outcome: 'found', attempts: 1, duration_ms: expect.any(Number) },
      ended: true,
    });
    expect(span?.children).toEqual([
      {
        name: 'respond.io GET contact',
        annotations: {
          status_code: 200,
          latency_ms: expect.any(Number),
          budget_wait_ms: expect.any(Number),
        },
        httpStatus: 200,
        children: [],
        ended: true,
      },
    ]);
  });

  it('shows each retried attempt with its status, and the final one on the lookup', async () => {
    // Prepare
    const statuses = [503, 404];
    upstream.respond(() => ({ status: statuses.shift() ?? 500, body: '{"message":"x"}' }));
    const directory = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN), { tracer });
    // Act
    await directory.getContact(identifier('id:77'), lookup);
    // Assess
    const [span] = tracer.roots;
    expect(span?.annotations).toEqual({
      outcome: 'http',
      status_code: 404,
      attempts: 2,
      duration_ms: expect.any(Number),
    });
    expect(span?.children.map((attempt) => attempt.httpStatus)).toEqual([503, 404]);
  });

  it('labels an attempt that got no answer, and a lookup that had no token', async () => {
    // Prepare
    upstream.respond(() => 'reset');
    const reset = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN), { tracer, maxAttempts: 1 });
    const noToken = fastDirectory(
      upstream.baseUrl,
      {
        getToken: async () => {
          throw new TokenError('unavailable', 'Secrets Manager throttled');
        },
        refresh: async () => TOKEN,
      },
      { tracer },
    );
    // Act
    await reset.getContact(identifier('id:78'), lookup);
    await noToken.getContact(identifier('id:79'), lookup);
    // Assess
    const [networkSpan, tokenSpan] = tracer.roots;
    expect(networkSpan?.annotations).toMatchObject({ outcome: 'network', attempts: 1 });
    expect(networkSpan?.children[0]?.annotations).toMatchObject({ outcome: 'network' });
    expect(networkSpan?.children[0]?.httpStatus).toBeNull();
    expect(tokenSpan?.annotations).toMatchObject({ outcome: 'token', attempts: 0 });
    expect(tokenSpan?.children).toEqual([]);
  });

  it('annotates with numbers and fixed labels only, whatever the identifier', async () => {
    // Prepare
    upstream.respond(() => ({ status: 400, body: `{"message":"bad ${TOKEN}"}` }));
    const directory = fastDirectory(upstream.baseUrl, fixedTokens(TOKEN), { tracer });
    // Act
    for (const text of ['email:ana.lim@example.com', 'phone:+60121233112', 'id:5']) {
      await directory.getContact(identifier(text), lookup);
    }
    // Assess
    const values = tracer.all().flatMap((span) => Object.values(span.annotations));
    expect(values.length).toBeGreaterThan(10);
    for (const value of values) {
      expect(typeof value === 'number' || TRACE_LABELS.includes(value as never)).toBe(true);
    }
  });
});
