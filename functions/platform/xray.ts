/**
 * The Tracer over the Powertools Tracer (AWS X-Ray): each span is a subsegment, and so is each
 * call of the AWS SDK clients it captures. What reaches X-Ray is kept to status codes, counts and
 * timings: fetch/http auto-capture is off (it would record the respond.io URL, identifier and
 * all); an annotation is written only when its value is a number, a flag or a TRACE_LABEL
 * (re-checked at run time); a failed span is flagged, never given the error (its message could
 * quote a response); handler responses (the contact) are never captured.
 */

import { Tracer as PowertoolsTracer } from '@aws-lambda-powertools/tracer';
import {
  SILENT_SPAN,
  TRACE_LABELS,
  type TraceAnnotations,
  type TraceName,
  type Tracer,
  type TraceSpan,
  type Tracing,
} from './tracing.js';

/** The part of an X-Ray subsegment a span writes to. */
export interface XraySubsegment {
  addAnnotation(key: string, value: string | number | boolean): void;
  addErrorFlag(): void;
  addThrottleFlag(): void;
  addFaultFlag(): void;
  close(): void;
  namespace?: string;
  http?: unknown;
}

/** The part of the Powertools Tracer this adapter uses (tests hand in a recording one). */
export interface PowertoolsTracerLike {
  isTracingEnabled(): boolean;
  captureAWSv3Client<T>(client: T): T;
  readonly provider: {
    captureAsyncFunc(
      name: string,
      work: (subsegment?: XraySubsegment) => Promise<unknown>,
    ): Promise<unknown>;
  };
}

/** Spans that stand for a call to another service (shown as its own node on the service map). */
const REMOTE_SPANS: ReadonlySet<TraceName> = new Set(['respond.io GET contact']);

/** X-Ray annotation keys: letters, digits and underscores. */
const ANNOTATION_KEY = /^[A-Za-z0-9_]{1,64}$/;
const LABELS: ReadonlySet<unknown> = new Set(TRACE_LABELS);

function traceable(value: unknown): value is string | number | boolean {
  return (
    (typeof value === 'number' && Number.isFinite(value)) ||
    typeof value === 'boolean' ||
    LABELS.has(value)
  );
}

function spanOn(subsegment: XraySubsegment): TraceSpan {
  return {
    annotate(annotations: TraceAnnotations) {
      for (const [key, value] of Object.entries(annotations)) {
        if (ANNOTATION_KEY.test(key) && traceable(value)) subsegment.addAnnotation(key, value);
      }
    },
    httpStatus(status: number) {
      if (!Number.isInteger(status)) return;
      subsegment.http = { response: { status } };
      if (status === 429) subsegment.addThrottleFlag();
      if (status >= 400 && status < 500) subsegment.addErrorFlag();
      else if (status >= 500) subsegment.addFaultFlag();
    },
  };
}

export function createXrayTracing(options: {
  readonly serviceName: string;
  /** Default: a Powertools Tracer for `serviceName` (enabled only inside Lambda). */
  readonly powertools?: PowertoolsTracerLike;
}): Tracing {
  const powertools =
    options.powertools ??
    (new PowertoolsTracer({
      serviceName: options.serviceName,
      captureHTTPsRequests: false,
    }) as unknown as PowertoolsTracerLike);

  const tracer: Tracer = {
    span<T>(name: TraceName, work: (span: TraceSpan) => Promise<T>): Promise<T> {
      if (!powertools.isTracingEnabled()) return work(SILENT_SPAN);
      return powertools.provider.captureAsyncFunc(name, async (subsegment) => {
        // No trace to attach to (e.g. outside an invocation): run the work untraced.
        if (subsegment === undefined) return work(SILENT_SPAN);
        if (REMOTE_SPANS.has(name)) subsegment.namespace = 'remote';
        try {
          return await work(spanOn(subsegment));
        } catch (error) {
          subsegment.addErrorFlag();
          throw error;
        } finally {
          subsegment.close();
        }
      }) as Promise<T>;
    },
  };
  return {
    tracer,
    captureAwsClient: <C>(client: C): C => powertools.captureAWSv3Client(client),
  };
}
