/**
 * The platform feature's entry: what every function gets from its Lambda runtime, built from its
 * settings. Structured logs and metrics through Powertools, tracing (X-Ray, loaded only when it
 * is on), the one start-up path of the entry points, the deadline of an invocation, waiting, and
 * error names that are safe to log.
 */

export { sleep } from './clock.js';
export { type BatchContext, DEADLINE_MARGIN_MS, deadlineFrom } from './deadline.js';
export { errorName } from './errors.js';
export { createLogger, type LogFields, type Logger } from './logger.js';
export { createFunctionMetrics } from './metrics.js';
export { type EventHandler, startFunction } from './start.js';
export {
  NO_TRACER,
  NO_TRACING,
  type TraceAnnotations,
  type Tracer,
  type Tracing,
} from './tracing.js';
