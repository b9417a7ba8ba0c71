/** The budget as a respond.io client sees it: a rate limiter that learns from the answers. */

/** One answer of respond.io to a request, as the rate limiter learns from it. */
export interface AnswerFeedback {
  /** When the answered request started (epoch ms). */
  readonly startedAt: number;
  readonly status: number;
  /** X-RateLimit-Limit and X-RateLimit-Remaining, when present and numeric. */
  readonly limit: number | null;
  readonly remaining: number | null;
  /** A 429's hold: what respond.io asked to wait (Retry-After, capped; a backoff without one), ms. */
  readonly holdMs: number;
}

/** Paces the requests of one container to respond.io. */
export interface RateLimiter {
  /** Waits for a request slot; false (no slot taken) if none can start before deadlineAt. */
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

/** One request allowed to start: what the budget's guarantee counts (tests, benchmarks, metrics). */
interface BudgetStart {
  readonly lane: BudgetLane;
  /** When it started, on the budget's clock (epoch ms). */
  readonly at: number;
  /** How long it waited for its slot, ms. */
  readonly waitMs: number;
  /** False when it started on the static share (the fallback). */
  readonly coordinated: boolean;
}

export type StartHook = (start: BudgetStart) => void;
