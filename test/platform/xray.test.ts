/**
 * The X-Ray adapter of the Tracer port, with a recording stand-in for the Powertools Tracer:
 * which subsegments it opens and closes, what it writes to them, and what it refuses to write.
 */

import { describe, expect, it } from '@jest/globals';
import {
  loadTracing,
  NO_TRACER,
  NO_TRACING,
  type TraceAnnotations,
} from '../../functions/platform/tracing.js';
import {
  createXrayTracing,
  type PowertoolsTracerLike,
  type XraySubsegment,
} from '../../functions/platform/xray.js';

interface RecordedSubsegment extends XraySubsegment {
  readonly name: string;
  readonly annotations: Record<string, unknown>;
  readonly flags: string[];
  closed: number;
}

function powertools(options: { enabled?: boolean; parent?: boolean } = {}) {
  const subsegments: RecordedSubsegment[] = [];
  const captured: object[] = [];
  const stand: PowertoolsTracerLike = {
    isTracingEnabled: () => options.enabled ?? true,
    captureAWSv3Client<T>(client: T): T {
      captured.push(client as object);
      return client;
    },
    provider: {
      captureAsyncFunc(name, work) {
        if (options.parent === false) return work(undefined);
        const subsegment: RecordedSubsegment = {
          name,
          annotations: {},
          flags: [],
          closed: 0,
          addAnnotation(key, value) {
            this.annotations[key] = value;
          },
          addErrorFlag() {
            this.flags.push('error');
          },
          addThrottleFlag() {
            this.flags.push('throttle');
          },
          addFaultFlag() {
            this.flags.push('fault');
          },
          close() {
            this.closed += 1;
          },
        };
        subsegments.push(subsegment);
        return work(subsegment);
      },
    },
  };
  return { stand, subsegments, captured };
}

describe('the X-Ray tracer adapter', () => {
  it('runs each span as a subsegment, closed once it settles, the remote call in the remote namespace', async () => {
    // Prepare
    const { stand, subsegments } = powertools();
    const { tracer } = createXrayTracing({ serviceName: 'test', powertools: stand });
    // Act
    const result = await tracer.span('respond.io lookup', async (span) => {
      span.annotate({ outcome: 'found', attempts: 1 });
      return tracer.span('respond.io GET contact', async (attempt) => {
        attempt.httpStatus(200);
        return 'contact';
      });
    });
    // Assess
    expect(result).toBe('contact');
    expect(subsegments.map((s) => [s.name, s.closed, s.namespace])).toEqual([
      ['respond.io lookup', 1, undefined],
      ['respond.io GET contact', 1, 'remote'],
    ]);
    expect(subsegments[0]?.annotations).toEqual({ outcome: 'found', attempts: 1 });
    expect(subsegments[1]?.http).toEqual({ response: { status: 200 } });
    expect(subsegments[1]?.flags).toEqual([]);
  });

  it('marks 429 throttled, other 4xx errors and 5xx faults', async () => {
    // Prepare
    const { stand, subsegments } = powertools();
    const { tracer } = createXrayTracing({ serviceName: 'test', powertools: stand });
    // Act
    for (const status of [429, 404, 503]) {
      await tracer.span('respond.io GET contact', async (span) => span.httpStatus(status));
    }
    // Assess
    expect(subsegments.map((s) => s.flags)).toEqual([['throttle', 'error'], ['error'], ['fault']]);
  });

  it('writes numbers, flags and the fixed labels only; text and bad keys are dropped', async () => {
    // Prepare
    const { stand, subsegments } = powertools();
    const { tracer } = createXrayTracing({ serviceName: 'test', powertools: stand });
    const smuggled = {
      status_code: 404,
      cold: true,
      outcome: 'timeout',
      identifier: 'email:jane@example.com',
      token: 'tok_secret',
      not_finite: Number.NaN,
      'bad key': 1,
      nested: { a: 1 },
    } as unknown as TraceAnnotations;
    // Act
    await tracer.span('respond.io lookup', async (span) => span.annotate(smuggled));
    // Assess
    expect(subsegments[0]?.annotations).toEqual({
      status_code: 404,
      cold: true,
      outcome: 'timeout',
    });
  });

  it('flags a span whose work throws, closes it, and rethrows without recording the error', async () => {
    // Prepare
    const { stand, subsegments } = powertools();
    const { tracer } = createXrayTracing({ serviceName: 'test', powertools: stand });
    // Act
    const run = tracer.span('respond.io lookup', async () => {
      throw new Error('respond.io said: jane@example.com');
    });
    // Assess
    await expect(run).rejects.toThrow('respond.io said');
    expect(subsegments[0]).toMatchObject({ flags: ['error'], closed: 1, annotations: {} });
    expect(JSON.stringify(subsegments[0])).not.toContain('jane');
  });

  it('runs the work untraced when tracing is off or there is no trace to attach to', async () => {
    for (const options of [{ enabled: false }, { parent: false }]) {
      // Prepare
      const { stand, subsegments } = powertools(options);
      const { tracer } = createXrayTracing({ serviceName: 'test', powertools: stand });
      // Act
      const result = await tracer.span('respond.io lookup', async (span) => {
        span.annotate({ attempts: 1 });
        span.httpStatus(200);
        return 42;
      });
      // Assess
      expect(result).toBe(42);
      expect(subsegments).toEqual([]);
    }
  });

  it('hands AWS SDK clients to Powertools to record their calls', () => {
    // Prepare
    const { stand, captured } = powertools();
    const tracing = createXrayTracing({ serviceName: 'test', powertools: stand });
    const client = { send: async () => ({}) };
    // Act
    const traced = tracing.captureAwsClient(client);
    // Assess
    expect(traced).toBe(client);
    expect(captured).toEqual([client]);
  });
});

describe('loadTracing', () => {
  it('gives no tracing when tracing is off', async () => {
    // Act
    const tracing = await loadTracing({ tracing: false }, 'test');
    // Assess
    expect(tracing).toBe(NO_TRACING);
    expect(tracing.tracer).toBe(NO_TRACER);
    const client = {};
    expect(tracing.captureAwsClient(client)).toBe(client);
  });
});
