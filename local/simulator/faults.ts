/**
 * Seeded fault injection. Every request on the contact route draws exactly two numbers from
 * the seeded generator (one picks at most one fault, one decides extra latency), whatever it
 * then answers, so a given seed and request sequence always injects the same faults.
 */

import { seededRandom } from '../seeded-random.js';

/** Probability of each fault per request, each in [0, 1]; their sum (without `slow`) ≤ 1. */
export interface FaultRates {
  status500?: number;
  status502?: number;
  status503?: number;
  status504?: number;
  status449?: number;
  status429?: number;
  /** Never answer; the socket is closed after `hangMs`, or earlier by the client. */
  hang?: number;
  /** Destroy the socket (TCP reset) without an answer. */
  reset?: number;
  /** A gateway's 502 with an HTML body. */
  nonJson?: number;
  /** Add `slowMs` of latency (drawn independently of the other faults). */
  slow?: number;
}

export interface FaultOptions {
  seed: number;
  rates: FaultRates;
  /** Extra latency of a `slow` request. Default 1000 ms. */
  slowMs?: number;
  /** How long a `hang` request holds the socket before closing it. Default 30000 ms. */
  hangMs?: number;
}

export type FaultKind = Exclude<keyof FaultRates, 'slow'>;

/**
 * The fixed order in which faults are matched against the draw. Edge faults (the request never
 * reaches respond.io's application) come first; they apply before authentication.
 */
const EDGE_ORDER: readonly FaultKind[] = [
  'reset',
  'hang',
  'nonJson',
  'status502',
  'status503',
  'status504',
];
export const FAULT_ORDER: readonly FaultKind[] = [
  ...EDGE_ORDER,
  'status500',
  'status449',
  'status429',
];

const EDGE_FAULTS: ReadonlySet<FaultKind> = new Set(EDGE_ORDER);

/** Faults that happen at the edge, before authentication and the rate limit. */
export function isEdgeFault(kind: FaultKind): boolean {
  return EDGE_FAULTS.has(kind);
}

export interface FaultDecision {
  fault: FaultKind | null;
  /** Extra latency in ms (0 unless the request is slow). */
  extraLatencyMs: number;
}

export const DEFAULT_SLOW_MS = 1000;
export const DEFAULT_HANG_MS = 30_000;

export class FaultInjector {
  private readonly random: () => number;
  readonly hangMs: number;
  private readonly slowMs: number;

  constructor(readonly options: FaultOptions) {
    this.random = seededRandom(options.seed);
    this.hangMs = options.hangMs ?? DEFAULT_HANG_MS;
    this.slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
    let total = 0;
    for (const kind of FAULT_ORDER) total += checkRate(kind, options.rates[kind]);
    checkRate('slow', options.rates.slow);
    if (total > 1 + 1e-9) throw new RangeError(`fault rates add up to ${total}, more than 1`);
  }

  /** Decides the faults of the next request. */
  next(): FaultDecision {
    const faultDraw = this.random();
    const slowDraw = this.random();
    let fault: FaultKind | null = null;
    let cumulative = 0;
    for (const kind of FAULT_ORDER) {
      cumulative += this.options.rates[kind] ?? 0;
      if (faultDraw < cumulative) {
        fault = kind;
        break;
      }
    }
    const slow = slowDraw < (this.options.rates.slow ?? 0);
    return { fault, extraLatencyMs: slow ? this.slowMs : 0 };
  }
}

function checkRate(name: string, rate: number | undefined): number {
  if (rate === undefined) return 0;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new RangeError(`fault rate ${name} must be between 0 and 1, got ${rate}`);
  }
  return rate;
}
