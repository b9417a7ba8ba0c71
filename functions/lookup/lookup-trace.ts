/**
 * What the respond.io directory puts into a trace: one span per lookup and, inside it, one per
 * HTTP attempt, annotated with status codes, attempt counts and timings only. The URL (which
 * holds the identifier), the token and the contact never reach the tracer: nothing here hands
 * it text, and the port's annotation values cannot be free text.
 */

import type { TraceAnnotations, Tracer, TraceSpan } from '../platform/tracing.js';
import type { AttemptOutcome } from './http-attempt.js';
import type { ContactDirectory, DirectoryAnswer } from './lookup.js';

/** How a lookup ended: found, respond.io's failure status, or how it failed without one. */
export function lookupAnnotations(answer: DirectoryAnswer, durationMs: number): TraceAnnotations {
  const ending: TraceAnnotations = answer.ok
    ? { outcome: 'found' }
    : answer.failure.kind === 'http'
      ? { outcome: 'http', status_code: answer.failure.status }
      : { outcome: answer.failure.kind };
  return { ...ending, attempts: answer.attempts, duration_ms: Math.round(durationMs) };
}

/** Records one attempt on its span: the status (or timeout / network), latency, budget wait. */
export function traceAttempt(
  span: TraceSpan,
  outcome: AttemptOutcome,
  timings: { readonly latencyMs: number; readonly budgetWaitMs: number },
): void {
  const status = outcome.status;
  const waited = {
    latency_ms: Math.round(Math.max(timings.latencyMs, 0)),
    budget_wait_ms: Math.round(Math.max(timings.budgetWaitMs, 0)),
  };
  if (typeof status === 'number') {
    span.httpStatus(status);
    span.annotate({ status_code: status, ...waited });
  } else {
    span.annotate({ outcome: status, ...waited });
  }
}

/** The directory with each lookup in a span of its own (its attempts are spans inside it). */
export function traceLookups(
  directory: ContactDirectory,
  tracer: Tracer,
  now: () => number,
): ContactDirectory {
  return {
    getContact: (identifier, options) =>
      tracer.span('respond.io lookup', async (span) => {
        const startedAt = now();
        const answer = await directory.getContact(identifier, options);
        span.annotate(lookupAnnotations(answer, now() - startedAt));
        return answer;
      }),
  };
}
