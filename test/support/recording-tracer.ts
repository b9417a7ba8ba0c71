/**
 * Test support: a Tracer (the core port) that records every span as a tree, with its
 * annotations and HTTP status, nesting spans the way X-Ray does (by async context).
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceAnnotations, TraceName, Tracer } from '../../functions/platform/tracing.js';

export interface RecordedSpan {
  readonly name: TraceName;
  readonly annotations: Record<string, unknown>;
  httpStatus: number | null;
  readonly children: RecordedSpan[];
  ended: boolean;
}

export interface RecordingTracer extends Tracer {
  /** Spans started outside any other span. */
  readonly roots: RecordedSpan[];
  /** Every span, depth first. */
  all(): RecordedSpan[];
}

export function recordingTracer(): RecordingTracer {
  const current = new AsyncLocalStorage<RecordedSpan>();
  const roots: RecordedSpan[] = [];
  const flatten = (spans: readonly RecordedSpan[]): RecordedSpan[] =>
    spans.flatMap((span) => [span, ...flatten(span.children)]);
  return {
    roots,
    all: () => flatten(roots),
    async span(name, work) {
      const span: RecordedSpan = {
        name,
        annotations: {},
        httpStatus: null,
        children: [],
        ended: false,
      };
      (current.getStore()?.children ?? roots).push(span);
      try {
        return await current.run(span, () =>
          work({
            annotate(annotations: TraceAnnotations) {
              Object.assign(span.annotations, annotations);
            },
            httpStatus(status: number) {
              span.httpStatus = status;
            },
          }),
        );
      } finally {
        span.ended = true;
      }
    },
  };
}
