/**
 * The platform feature's entry: what every function gets from its Lambda runtime (logs, metrics,
 * tracing, start-up, deadlines, waiting, error names safe to log, packages required on demand).
 */

export { sleep } from './clock.js';
export { type BatchContext, deadlineFrom } from './deadline.js';
export { errorName } from './errors.js';
export { createLogger, type LogFields, type Logger, logsDebug } from './logger.js';
export { createFunctionMetrics } from './metrics.js';
export { requireOnDemand } from './on-demand.js';
export { startFunction } from './start.js';
export {
  NO_TRACER,
  NO_TRACING,
  type TraceAnnotations,
  type Tracer,
  type TraceSpan,
  type Tracing,
} from './tracing.js';
