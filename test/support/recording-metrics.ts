/**
 * Test support: a Powertools Metrics stand-in that keeps every value added (single metrics too,
 * and what was published when), so a test reads which metrics a module wrote where it happened.
 */

import type { Metrics } from '@aws-lambda-powertools/metrics';

export interface RecordingMetrics {
  readonly metrics: Metrics;
  /** Every value added, by metric name, in order. */
  readonly values: Record<string, number[]>;
  /** The metric names of each published line, in order (a single metric is a line of its own). */
  readonly lines: string[][];
  /** The sum of a metric's values (0 when it was never written). */
  sum(name: string): number;
}

export function recordingMetrics(): RecordingMetrics {
  const values: Record<string, number[]> = {};
  const lines: string[][] = [];
  let stored: string[] = [];
  const add = (name: string, value: number) => {
    values[name] = [...(values[name] ?? []), value];
  };
  const metrics = {
    addMetric(name: string, _unit: unknown, value: number) {
      add(name, value);
      stored.push(name);
    },
    addDimension() {},
    singleMetric() {
      return {
        addDimension() {},
        addMetric(name: string, _unit: unknown, value: number) {
          add(name, value);
          lines.push([name]);
        },
      };
    },
    publishStoredMetrics() {
      lines.push(stored);
      stored = [];
    },
  };
  return {
    metrics: metrics as unknown as Metrics,
    values,
    lines,
    sum: (name) => (values[name] ?? []).reduce((total, value) => total + value, 0),
  };
}
