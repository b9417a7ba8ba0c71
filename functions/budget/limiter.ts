/** The budget as a respond.io client sees it: a rate limiter that learns from the answers. */

import type { CoordinatorRequests, HoldAnswer, RateAnswer, SlotAnswer } from './dispenser.js';
import type { RateChange } from './learned-rate.js';

/** One answer of respond.io to a request, as the rate limiter learns from it. */
export interface AnswerFeedback {
  /** When the answered request started (epoch ms). */
  readonly startedAt: number;
  /** The HTTP status. */
  readonly status: number;
  /** X-RateLimit-Limit and X-RateLimit-Remaining, when present and numeric. */
  readonly limit: number | null;
  readonly remaining: number | null;
  /** A 429's hold: what respond.io asked to wait (Retry-After, capped; a backoff without one), ms. */
  readonly holdMs: number;
}

/** Paces the requests of one container to respond.io. */
export interface RateLimiter {
  /** Waits for a request slot. Resolves false (without taking a slot) if no slot can start before deadlineAt (epoch ms). */
  acquire(deadlineAt: number): Promise<boolean>;
  /**
   * What respond.io answered (every answer that came with headers): a 429 holds every caller for
   * its `holdMs`; with learning on, the answer may change the learned rate.
   */
  feedback(answer: AnswerFeedback): void;
  /** The requests per second it allows now: the learned rate, at most the configured one. */
  rate(): number;
}

/** Which function a container serves, as the shared budget sees it: API lookups go first. */
export type BudgetLane = 'api' | 'batch';

/** What the shared budget reports, for metrics. */
export interface BudgetObserver {
  /** A request was allowed to start after waiting `waitMs`. */
  onStart?(event: {
    readonly lane: BudgetLane;
    /** When it started, on the limiter's clock (epoch ms): what the budget's guarantee counts. */
    readonly at: number;
    readonly waitMs: number;
    readonly coordinated: boolean;
  }): void;
  /** One call to the coordinator (a claim, a resume announcement, a rate change, a hold) and what it cost. */
  onCoordinatorCall?(
    event: CoordinatorRequests & {
      readonly outcome: SlotAnswer['kind'] | 'resume' | RateAnswer['kind'] | HoldAnswer['kind'];
      readonly latencyMs: number;
    },
  ): void;
  /** Granted slots given up (started too late, e.g. after a pause or a frozen container). */
  onForfeit?(slots: number): void;
  /** The container switched to (`fallback`) or back from (`coordinated`) the static share. */
  onModeChange?(mode: 'coordinated' | 'fallback'): void;
  /** This container changed the learned rate (in the budget table, or its own on the fallback). */
  onRateChange?(event: RateChange & { readonly lane: BudgetLane }): void;
}
