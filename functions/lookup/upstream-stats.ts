/**
 * Counts the requests to respond.io between two `take()` calls (one batch), from the directory's
 * attempt events. Pure bookkeeping: the batch publishes what it took.
 */

import type { DirectoryObserver } from './respondio.js';

export interface UpstreamStats {
  /** Plug into the directory (`createConnector(config, { observer })`). */
  readonly observer: Required<DirectoryObserver>;
  /** Returns what was collected since the last call and starts afresh. */
  take(): UpstreamSummary;
}

export const EMPTY_UPSTREAM: UpstreamSummary = {
  requests: 0,
  retries: 0,
  throttled: 0,
  latenciesMs: [],
};

export function createUpstreamStats(): UpstreamStats {
  let requests = 0;
  let retries = 0;
  let throttled = 0;
  let latenciesMs: number[] = [];
  return {
    observer: {
      onAttempt(event) {
        requests += 1;
        if (event.willRetry) retries += 1;
        if (event.status === 429) throttled += 1;
        latenciesMs.push(Math.max(0, Math.round(event.latencyMs)));
      },
    },
    take() {
      const summary = { requests, retries, throttled, latenciesMs };
      requests = 0;
      retries = 0;
      throttled = 0;
      latenciesMs = [];
      return summary;
    },
  };
}

/** Requests to respond.io during one batch. */
export interface UpstreamSummary {
  /** Requests sent to respond.io. */
  readonly requests: number;
  /** Requests that were followed by another attempt for the same row. */
  readonly retries: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Latency of each request, in milliseconds. */
  readonly latenciesMs: readonly number[];
}
