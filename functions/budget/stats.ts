/**
 * Counts what the shared budget did between two `take()` calls (one SQS batch, or one minute of
 * the API function), from the shared limiter's observer events. Pure bookkeeping: the metrics
 * adapter publishes what it took.
 */

import type { BudgetObserver } from './limiter.js';

export interface BudgetSummary {
  /** Requests allowed to start, and of those, on the static share (the fallback). */
  readonly starts: number;
  readonly fallbackStarts: number;
  /** How long each start waited for its slot, ms. */
  readonly waitsMs: readonly number[];
  /** Requests to the coordinator: conditional writes and reads. */
  readonly coordinatorWrites: number;
  readonly coordinatorReads: number;
  /** Calls to the coordinator that found it unreachable. */
  readonly coordinatorFailures: number;
  /** Round trip of each call to the coordinator, ms. */
  readonly coordinatorLatenciesMs: readonly number[];
  /** Granted slots given up (too late to start). */
  readonly forfeited: number;
  /** Switches onto the fallback. */
  readonly fallbacks: number;
  /** Changes of the learned rate this container made. */
  readonly rateChanges: number;
}

export interface BudgetStats {
  readonly observer: Required<BudgetObserver>;
  /** Returns what was collected since the last call and starts afresh. */
  take(): BudgetSummary;
}

const MAX_SAMPLES = 1000;

export function createBudgetStats(): BudgetStats {
  let summary = empty();
  function empty() {
    return {
      starts: 0,
      fallbackStarts: 0,
      waitsMs: [] as number[],
      coordinatorWrites: 0,
      coordinatorReads: 0,
      coordinatorFailures: 0,
      coordinatorLatenciesMs: [] as number[],
      forfeited: 0,
      fallbacks: 0,
      rateChanges: 0,
    };
  }
  return {
    observer: {
      onStart(event) {
        summary.starts += 1;
        if (!event.coordinated) summary.fallbackStarts += 1;
        if (summary.waitsMs.length < MAX_SAMPLES) summary.waitsMs.push(Math.round(event.waitMs));
      },
      onCoordinatorCall(event) {
        summary.coordinatorWrites += event.writes;
        summary.coordinatorReads += event.reads;
        if (event.outcome === 'unreachable') summary.coordinatorFailures += 1;
        if (summary.coordinatorLatenciesMs.length < MAX_SAMPLES) {
          summary.coordinatorLatenciesMs.push(Math.round(event.latencyMs));
        }
      },
      onForfeit(slots) {
        summary.forfeited += slots;
      },
      onModeChange(mode) {
        if (mode === 'fallback') summary.fallbacks += 1;
      },
      onRateChange() {
        summary.rateChanges += 1;
      },
    },
    take() {
      const taken = summary;
      summary = empty();
      return taken;
    },
  };
}
