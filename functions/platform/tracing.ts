/**
 * Tracing for one container: AWS X-Ray when the settings turn it on, nothing otherwise. The X-Ray
 * adapter (and the X-Ray SDK) is imported only then, so an untraced function neither loads it at
 * cold start nor pays for its async-context tracking.
 */

import type { Config } from '../settings/index.js';

export interface Tracing {
  /** For the respond.io directory's spans. */
  readonly tracer: Tracer;
  /** An AWS SDK client that records its calls as subsegments (the same client when off). */
  captureAwsClient<C>(client: C): C;
}

export async function loadTracing(
  config: Pick<Config, 'tracing'>,
  serviceName: string,
): Promise<Tracing> {
  if (!config.tracing) return NO_TRACING;
  const { createXrayTracing } = await import('./xray.js');
  return createXrayTracing({ serviceName });
}

/**
 * The fixed words a trace may carry besides numbers and flags: how a lookup ended when it did
 * not end with an HTTP status of respond.io's.
 */
export const TRACE_LABELS = [
  'found',
  'http',
  'timeout',
  'network',
  'token',
  'deadline',
  'internal',
] as const;

type TraceLabel = (typeof TRACE_LABELS)[number];

/**
 * A value a trace annotation may hold: a number, a flag or one of the fixed labels. Never free
 * text, so identifiers, contact data and the token have no way into a trace.
 */
type TraceValue = number | boolean | TraceLabel;

export type TraceAnnotations = Readonly<Record<string, TraceValue>>;

/** The operations that are traced; fixed names, never data. */
export type TraceName = 'respond.io lookup' | 'respond.io GET contact';

/** One traced operation (an X-Ray subsegment while it runs). */
export interface TraceSpan {
  /** Indexed, searchable annotations: status codes, counts and timings. */
  annotate(annotations: TraceAnnotations): void;
  /** The HTTP status the operation received: 429 marks it throttled, 4xx an error, 5xx a fault. */
  httpStatus(status: number): void;
}

/** Traces operations: X-Ray in Lambda (xray.ts), nothing elsewhere. */
export interface Tracer {
  /** Runs `work` as the operation `name`, which ends when `work` settles. */
  span<T>(name: TraceName, work: (span: TraceSpan) => Promise<T>): Promise<T>;
}

/** A span that records nothing. */
export const SILENT_SPAN: TraceSpan = { annotate() {}, httpStatus() {} };

/** The tracer when tracing is off: runs the work, records nothing. */
export const NO_TRACER: Tracer = { span: (_name, work) => work(SILENT_SPAN) };

export const NO_TRACING: Tracing = { tracer: NO_TRACER, captureAwsClient: (client) => client };
