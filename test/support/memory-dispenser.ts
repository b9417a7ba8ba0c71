/**
 * Test support for the shared budget: an in-memory slot dispenser with the DynamoDB adapter's
 * semantics (one next-free-slot, the busy and idle claims, the horizon refusal, the resume
 * announcement, the learned rate with its version, the hold), a fake network delay on the fake
 * clock, and fault switches per container (requests that never arrive, or arrive and lose their
 * answer).
 */

import type {
  HoldAnswer,
  RateAnswer,
  ResumeAnswer,
  SharedRate,
  SlotAnswer,
  SlotClaim,
  SlotDispenser,
} from '../../functions/budget/dispenser.js';
import { type RateState, UNLEARNED } from '../../functions/budget/learned-rate.js';

/** What happens to one call: it works, never reaches the table, or reaches it and loses its answer. */
export type CallFate = 'ok' | 'lost' | 'answerLost';

export class MemoryDispenser {
  /** The item: the next free slot and a pending resume time (null: no item yet). */
  next: number | null = null;
  resumeAt: number | null = null;
  /** The learned rate and its version (0: never written). */
  rate: SharedRate = { ...UNLEARNED, version: 0 };
  calls = 0;
  granted = 0;
  /** Claims made with another version of the rate than the item's. */
  stale = 0;
  /** Decides each call's fate by container id and the true time; everything works by default. */
  fate: (container: string, at: number) => CallFate = () => 'ok';

  constructor(
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> },
    /** One-way network delay, ms. */
    private readonly delayMs = 1,
    /** How long a call waits for its answer before it counts as unreachable. */
    private readonly timeoutMs = 100,
  ) {}

  /** The dispenser as one container's client sees it. */
  for(container: string): SlotDispenser {
    return {
      claim: (claim) => this.call(container, () => this.applyClaim(claim)),
      announceResume: (now, resumeAt) =>
        this.call(container, () => this.applyResume(now, resumeAt)),
      changeRate: (_now, version, next) =>
        this.call(container, () => this.applyRate(version, next)),
      hold: (_now, until) => this.call(container, () => this.applyHold(until)),
    };
  }

  private async call<T extends SlotAnswer | ResumeAnswer | RateAnswer | HoldAnswer>(
    container: string,
    apply: () => T,
  ): Promise<T | { kind: 'unreachable'; reason: string; writes: number; reads: number }> {
    this.calls += 1;
    const fate = this.fate(container, this.clock.now());
    if (fate === 'lost') {
      await this.clock.sleep(this.timeoutMs);
      return { kind: 'unreachable', reason: 'TimeoutError', writes: 1, reads: 0 };
    }
    await this.clock.sleep(this.delayMs);
    const answer = apply();
    if (fate === 'answerLost') {
      await this.clock.sleep(this.timeoutMs - this.delayMs);
      return { kind: 'unreachable', reason: 'TimeoutError', writes: 1, reads: 0 };
    }
    await this.clock.sleep(this.delayMs);
    return answer;
  }

  private applyClaim(claim: SlotClaim): SlotAnswer {
    const rate = this.rate;
    if (claim.rateVersion !== rate.version) {
      this.stale += 1;
      return { kind: 'stale', rate, writes: 1, reads: 0 };
    }
    const span = claim.slots * claim.intervalMs;
    if (this.next === null || this.next < claim.now - claim.idleGraceMs) {
      this.next = claim.now + span;
      this.granted += claim.slots;
      return {
        kind: 'granted',
        firstSlotAt: claim.now,
        slots: claim.slots,
        next: this.next,
        rate,
        writes: 1,
        reads: 0,
      };
    }
    if (this.next >= claim.now && this.next <= claim.latestStartAt) {
      const firstSlotAt = this.next;
      this.next += span;
      this.granted += claim.slots;
      return {
        kind: 'granted',
        firstSlotAt,
        slots: claim.slots,
        next: this.next,
        rate,
        writes: 1,
        reads: 0,
      };
    }
    return { kind: 'refused', next: this.next, rate, writes: 1, reads: 0 };
  }

  private applyRate(version: number, next: RateState): RateAnswer {
    if (version !== this.rate.version) {
      return { kind: 'stale', rate: this.rate, writes: 1, reads: 0 };
    }
    this.rate = { ...next, version: version + 1 };
    return { kind: 'changed', rate: this.rate, writes: 1, reads: 0 };
  }

  private applyHold(until: number): HoldAnswer {
    if (this.next !== null && this.next >= until) return { kind: 'later', writes: 1, reads: 0 };
    this.next = until;
    return { kind: 'held', writes: 1, reads: 0 };
  }

  private applyResume(now: number, resumeAt: number): ResumeAnswer {
    const pending = this.resumeAt !== null && this.resumeAt >= now;
    if (this.next === null || (this.next < resumeAt && !pending)) {
      this.next = resumeAt;
      this.resumeAt = resumeAt;
      return { kind: 'resume', resumeAt, announced: true, writes: 1, reads: 0 };
    }
    return {
      kind: 'resume',
      resumeAt: Math.max(this.resumeAt ?? Number.NEGATIVE_INFINITY, this.next),
      announced: false,
      writes: 1,
      reads: 0,
    };
  }
}
