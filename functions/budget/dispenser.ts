/** The shared budget's coordinator (a port: DynamoDB in production, in memory in tests). */

import type { RateState } from './learned-rate.js';

/** A claim for consecutive slots: absolute epoch ms on the shared timeline, `intervalMs` apart. */
export interface SlotClaim {
  /** The claimer's clock, epoch ms. */
  readonly now: number;
  /** At least 1. */
  readonly slots: number;
  readonly intervalMs: number;
  /** Refuse the claim when the first free slot is later than this (epoch ms). */
  readonly latestStartAt: number;
  /**
   * Start afresh at `now` only when the next free slot is at least this long past (a container
   * whose clock is behind may still be about to claim it); in between, the claim is refused.
   */
  readonly idleGraceMs: number;
  /** The next free slot is known to be at or after `now` (so the dispenser is not idle). */
  readonly knownBusy: boolean;
  /** The dispenser was idle at this container's last claim: try that case first. */
  readonly idleFirst: boolean;
  /** The learned rate's version `intervalMs` is for: another than the item's is `stale`. */
  readonly rateVersion: number;
}

/** The learned rate as the budget item holds it, with its version (0: never written). */
export interface SharedRate extends RateState {
  readonly version: number;
}

/** Requests one call made to the coordinator (writes and reads are priced differently). */
export interface CoordinatorRequests {
  readonly writes: number;
  readonly reads: number;
}

export type SlotAnswer =
  | (CoordinatorRequests & {
      readonly kind: 'granted';
      /** The first granted slot; the others follow `intervalMs` apart. */
      readonly firstSlotAt: number;
      readonly slots: number;
      /** The next free slot after this grant. */
      readonly next: number;
      readonly rate: SharedRate;
    })
  | (CoordinatorRequests & {
      readonly kind: 'refused';
      /** The next free slot, when known: beyond `latestStartAt`. */
      readonly next: number | null;
      readonly rate: SharedRate;
    })
  /** The learned rate changed since the claimer read it: claim again at this one. */
  | (CoordinatorRequests & { readonly kind: 'stale'; readonly rate: SharedRate })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

export type RateAnswer =
  /** Written: the item now holds `rate`. */
  | (CoordinatorRequests & { readonly kind: 'changed'; readonly rate: SharedRate })
  /** Another container changed it first: the item holds `rate`. */
  | (CoordinatorRequests & { readonly kind: 'stale'; readonly rate: SharedRate })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

export type HoldAnswer =
  /** `held`: no slot is given out before the hold's end; `later`: the next free slot already was. */
  | (CoordinatorRequests & { readonly kind: 'held' | 'later' })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

export type ResumeAnswer =
  | (CoordinatorRequests & {
      readonly kind: 'resume';
      /** Coordinated starts resume at this epoch ms (no slot is granted before it). */
      readonly resumeAt: number;
      /** True when this call set it; false when another container's announcement stands. */
      readonly announced: boolean;
    })
  | (CoordinatorRequests & { readonly kind: 'unreachable'; readonly reason: string });

/** The organisation budget's coordinator: one next-free-slot shared by every container. */
export interface SlotDispenser {
  /** Never throws: an error or a timeout is `unreachable`. */
  claim(claim: SlotClaim): Promise<SlotAnswer>;
  /**
   * After running on the fallback: asks every container to resume coordinated starts at
   * `resumeAt` (or learns the resume time another container already announced). Never throws.
   */
  announceResume(now: number, resumeAt: number): Promise<ResumeAnswer>;
  /** Writes `next` as the learned rate, if the item still holds `version`. Never throws. */
  changeRate(now: number, version: number, next: RateState): Promise<RateAnswer>;
  /** Gives out no slot before `until` (a 429's hold): moves the next free slot there. Never throws. */
  hold(now: number, until: number): Promise<HoldAnswer>;
}
