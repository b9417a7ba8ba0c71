/**
 * The respond.io rate budget split between the two functions: how much of the organisation's
 * budget each container of each function may use (the RESPONDIO_RATE_LIMIT_SHARE the stack
 * passes), what all allowed containers together can send, and the message when a split could
 * start more requests in one second than the budget. infra/connector-config.ts checks a
 * deployment with it; infra/lookup-api.ts and infra/queue-pipeline.ts pass the shares to the
 * functions.
 */

import { containerRateLimit, maxStartsPerSecond } from '../functions/settings/config.js';

/** The context values the split depends on. */
export interface BudgetSplit {
  /** The organisation's whole respond.io budget, requests per second. */
  readonly rateLimitRps: number;
  /** Fraction of the budget reserved for the API function (the rest goes to the SQS function). */
  readonly apiBudgetShare: number;
  /** Reserved concurrency of the API function. */
  readonly apiConcurrency: number;
  /** Maximum concurrency of the SQS event source mapping. */
  readonly maxConcurrency: number;
}

/** What each container of each function may use, and what the whole deployment may use. */
export interface RateBudget {
  /** RESPONDIO_RATE_LIMIT_SHARE of one API function container. */
  readonly apiContainerShare: number;
  /** RESPONDIO_RATE_LIMIT_SHARE of one SQS function container. */
  readonly sqsContainerShare: number;
  /** The rate one API container actually keeps (core's `containerRateLimit` of its share). */
  readonly apiContainerRps: number;
  /** The rate one SQS container actually keeps (core's `containerRateLimit` of its share). */
  readonly sqsContainerRps: number;
  /** Long-run worst case, requests/s: every allowed container of both functions at its rate. */
  readonly worstCaseRps: number;
  /**
   * Most requests all allowed containers together can start within any one-second window:
   * apiConcurrency × maxStartsPerSecond(apiContainerRps) + maxConcurrency ×
   * maxStartsPerSecond(sqsContainerRps). `readConnectorConfig` refuses it above the budget.
   */
  readonly worstCaseInAnySecond: number;
}

/** Shares are floored to 6 decimals, so rounding can only keep the sum under the budget. */
function floorShare(value: number): number {
  return Math.floor(value * 1e6) / 1e6;
}

/**
 * The split: the API function gets `apiBudgetShare` of the budget across `apiConcurrency`
 * containers (its reserved concurrency); the SQS function gets the rest across `maxConcurrency`
 * containers (the event source mapping's cap). Each container keeps the rate core's
 * `containerRateLimit` derives from RPS and its share (rounded down to a whole number when ≥ 1),
 * so the long-run total stays within RPS. Within one second a container below 1 request/s can
 * still start one request, so `worstCaseInAnySecond` may exceed RPS; `readConnectorConfig` checks it.
 */
export function rateBudget(config: BudgetSplit): RateBudget {
  const apiContainerShare = floorShare(config.apiBudgetShare / config.apiConcurrency);
  const sqsContainerShare = floorShare((1 - config.apiBudgetShare) / config.maxConcurrency);
  const { rateLimitRps, apiConcurrency, maxConcurrency } = config;
  const apiContainerRps = containerRateLimit({ rateLimitRps, rateLimitShare: apiContainerShare });
  const sqsContainerRps = containerRateLimit({ rateLimitRps, rateLimitShare: sqsContainerShare });
  return {
    apiContainerShare,
    sqsContainerShare,
    apiContainerRps,
    sqsContainerRps,
    worstCaseRps: apiContainerRps * apiConcurrency + sqsContainerRps * maxConcurrency,
    worstCaseInAnySecond:
      apiConcurrency * maxStartsPerSecond(apiContainerRps) +
      maxConcurrency * maxStartsPerSecond(sqsContainerRps),
  };
}

/**
 * The budget problem, with its arithmetic and what to change: the long-run sum (`longRun`, the
 * shared budget's learning fallback) or the one-second worst case (every other deployment).
 */
export function budgetExceeded(
  config: Pick<BudgetSplit, 'rateLimitRps' | 'apiConcurrency' | 'maxConcurrency'>,
  budget: RateBudget,
  longRun = false,
): string {
  if (longRun) {
    return (
      `the containers' static shares add up to more than the respond.io budget: ` +
      `apiConcurrency × ${round(budget.apiContainerRps)} + maxConcurrency × ${round(budget.sqsContainerRps)} = ` +
      `${config.apiConcurrency} × ${round(budget.apiContainerRps)} + ${config.maxConcurrency} × ${round(budget.sqsContainerRps)} = ` +
      `${round(budget.worstCaseRps)} > respondioRateLimitRps=${config.rateLimitRps}; lower apiConcurrency or maxConcurrency, ` +
      `change apiBudgetShare, or raise respondioRateLimitRps`
    );
  }
  const apiStarts = maxStartsPerSecond(budget.apiContainerRps);
  const sqsStarts = maxStartsPerSecond(budget.sqsContainerRps);
  const floor =
    config.rateLimitRps < 3
      ? ' (below 3 requests/s nothing fits: the smallest setup, 1 API and 2 SQS containers, can start 3 requests in one second)'
      : '';
  return (
    `the containers could start more requests in one second than the respond.io budget: ` +
    `apiConcurrency × ${apiStarts} + maxConcurrency × ${sqsStarts} = ` +
    `${config.apiConcurrency} × ${apiStarts} + ${config.maxConcurrency} × ${sqsStarts} = ` +
    `${budget.worstCaseInAnySecond} > respondioRateLimitRps=${config.rateLimitRps} ` +
    `(an API container keeps ${round(budget.apiContainerRps)} requests/s and an SQS container ` +
    `${round(budget.sqsContainerRps)}; within one second a container can start its rate rounded down, ` +
    `or 1 when its rate is below 1); lower apiConcurrency or maxConcurrency, change apiBudgetShare, ` +
    `or raise respondioRateLimitRps${floor}`
  );
}

/** Rounded to 3 decimals, for messages and the stage throttle. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
