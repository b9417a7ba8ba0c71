/**
 * The short soak (the long one is `npm run soak`): a few hundred rows through the local SQS
 * pipeline and the real SQS function while every fault kind is injected with fixed seeds.
 */

import { describe, expect, it } from '@jest/globals';
import { runSoak, type SoakReport } from '../../bench/soak/run.js';
import {
  DEFAULT_SOAK_SETTINGS,
  SHORT_SOAK_SETTINGS,
  scaledFaultRates,
  soakSettingsFromEnv,
} from '../../bench/soak/settings.js';

/**
 * The short soak gives up after SHORT_SOAK_SETTINGS.giveUpMs (its rows then count as lost);
 * a test waits a little longer than that, so that a slow run fails as lost rows, not a timeout.
 */
const SOAK_TIMEOUT_MS = SHORT_SOAK_SETTINGS.giveUpMs + 30_000;

/** Set by the one soak run below; the other tests read it. */
let report: SoakReport | undefined;

async function soak(): Promise<SoakReport> {
  report ??= await runSoak(SHORT_SOAK_SETTINGS);
  return report;
}

describe('the short soak with faults (FailAndReturnResponse)', () => {
  it(
    'accounts for every input row exactly once, de-duplicated by source message id',
    async () => {
      // Prepare
      const settings = SHORT_SOAK_SETTINGS;
      // Act
      const result = await soak();
      // Assess
      expect(result.lost).toBe(0);
      expect(result.unknown).toBe(0);
      expect(result.ledger.size).toBe(settings.rows);
      for (const entry of result.ledger.values()) {
        expect(entry.resultStatuses.length + entry.deadLetterCopies).toBeGreaterThan(0);
      }
      expect(result.results + result.redrivenBySqs).toBeGreaterThanOrEqual(settings.rows);
      expect(result.passed).toBe(true);
    },
    SOAK_TIMEOUT_MS,
  );

  it(
    'gives each row a result row, and dead-letters every row that never got a 200',
    async () => {
      // Act
      const result = await soak();
      // Assess
      const entries = [...result.ledger.values()];
      for (const entry of entries) {
        if (!entry.redrivenBySqs) expect(entry.resultStatuses.length).toBeGreaterThan(0);
        if (!entry.resultStatuses.includes(200)) expect(entry.deadLetterCopies).toBeGreaterThan(0);
        // Poison messages never reach respond.io; unknown contacts are never found.
        if (entry.kind === 'poison') expect(new Set(entry.resultStatuses)).toEqual(new Set([400]));
        if (entry.kind === 'notFound') expect(entry.resultStatuses).not.toContain(200);
      }
      const found = entries.filter((entry) => entry.kind === 'found');
      const answered = found.filter((entry) => entry.resultStatuses.includes(200));
      expect(answered.length).toBeGreaterThan(found.length * 0.9);
      expect(entries.filter((entry) => entry.kind === 'poison').length).toBeGreaterThan(0);
      expect(result.resultsByStatus['404']).toBeGreaterThan(0);
      expect(result.deadLettered).toBeGreaterThan(0);
    },
    SOAK_TIMEOUT_MS,
  );

  it(
    'never starts more requests than the limit in any one-second window',
    async () => {
      // Act
      const result = await soak();
      // Assess: starts on the limiters' clocks, as the budget guarantees them (arrivals at the
      // simulator share this busy event loop and may bunch: the report shows them beside).
      // Enough requests started that a second could have held more than the limit.
      expect(result.requests).toBeGreaterThan(2 * result.settings.limitRps);
      expect(result.maxStartsInAnySecond).toBeLessThanOrEqual(result.settings.limitRps);
    },
    SOAK_TIMEOUT_MS,
  );

  it(
    'really injected every fault kind, and the function recovered from each',
    async () => {
      // Act
      const { faults, ...result } = await soak();
      // Assess: the simulator's faults, each counted by the simulator as it answered.
      const kinds = [
        'status429',
        'status449',
        'status500',
        'status502',
        'status503',
        'status504',
        'nonJson',
        'reset',
        'hang',
        'slow',
      ];
      expect(kinds.filter((kind) => !((faults.simulator[kind] ?? 0) > 0))).toEqual([]);
      // The limit dropped behind unchanged headers: its 429s taught the budget a lower rate.
      expect(faults.rateLimited).toBeGreaterThan(0);
      expect(faults.budget.rateChanges).toBeGreaterThan(0);
      expect(faults.budget.lowestRate).toBeLessThan(result.settings.limitRps);
      expect(result.throttled).toBeGreaterThan(0);
      expect(result.retries).toBeGreaterThan(0);
      // Token rotation: 401s, then a re-read of the secret (more reads than the start-up ones)
      // that found the new token, and no row ended as a 401: one still refused went back.
      expect(faults.unauthorized).toBeGreaterThan(0);
      expect(faults.secretReads).toBeGreaterThan(result.settings.containers + 2);
      expect(faults.rotationRereads).toBeGreaterThan(0);
      expect(result.finalUnauthorized).toBe(0);
      expect(result.resultsByStatus['401']).toBeUndefined();
      expect(result.resultsByStatus['200']).toBeGreaterThan(0);
      // A Secrets Manager outage longer than the TTL: the last good token served the lookups.
      expect(result.settings.secretsOutageMs).toBeGreaterThan(
        result.settings.tokenTtlSeconds * 1000,
      );
      expect(faults.secretsOutageRequests).toBeGreaterThan(0);
      expect(faults.staleTokenWarnings).toBeGreaterThan(0);
      expect(faults.staleTokenServed).toBeGreaterThan(0);
      expect(result.resultsByStatus['500']).toBeUndefined();
      // Secrets Manager errors, served by the stand-in.
      expect(faults.secretsManagerErrors).toBeGreaterThan(0);
      // SendMessageBatch faults on the results and dead-letter queues.
      expect(faults.sendBatch.failedEntries).toBeGreaterThan(0);
      expect(faults.sendBatch.failedCalls).toBeGreaterThan(0);
      expect(faults.sendBatch.lostAnswers).toBeGreaterThan(0);
      // Deadlines running out mid-batch: a batch bigger than what its time limit allows hands
      // the rest back unfinished (and those rows are answered later: nothing is lost).
      expect(faults.batchesCutByDeadline).toBeGreaterThan(0);
      const cut = faults.shortDeadlineInvocations.filter(
        ({ records, handedBack }) =>
          records > faults.shortDeadlineCapacity &&
          handedBack >= records - faults.shortDeadlineCapacity,
      );
      expect(cut.length).toBeGreaterThan(0);
      expect(result.redeliveries).toBeGreaterThan(0);
      // Duplicate deliveries, seen as duplicate output rows and removed by the accounting.
      expect(faults.duplicateDeliveries).toBeGreaterThan(0);
      expect(result.duplicatesSeen).toBeGreaterThan(0);
    },
    SOAK_TIMEOUT_MS,
  );

  it(
    'rides out the budget table’s faults: throttling, errors, slow answers and an outage',
    async () => {
      // Act
      const { faults, ...result } = await soak();
      // Assess: each fault kind was served by the faulty front in front of dynalite...
      expect(faults.coordinator.throttled).toBeGreaterThan(0);
      expect(faults.coordinator.errors).toBeGreaterThan(0);
      expect(faults.coordinator.slow).toBeGreaterThan(0);
      expect(faults.coordinator.duringOutage).toBeGreaterThan(0);
      expect(faults.budget.unreachableCalls).toBeGreaterThan(0);
      // ...the outage put the containers on their static shares, and they came back by themselves...
      expect(faults.budget.fallbacks).toBeGreaterThanOrEqual(1);
      expect(faults.budget.fallbackStarts).toBeGreaterThan(0);
      expect(faults.budget.recoveries).toBe(faults.budget.fallbacks);
      // ...without a row lost or a second over the limit.
      expect(result.lost).toBe(0);
      expect(result.maxStartsInAnySecond).toBeLessThanOrEqual(result.settings.limitRps);
      expect(faults.budget.requestsPerRequest).toBeGreaterThan(0);
    },
    SOAK_TIMEOUT_MS,
  );
});

describe('soak settings', () => {
  it('keeps the defaults without SOAK_* variables and reads the ones given', () => {
    // Act
    const defaults = soakSettingsFromEnv({});
    const custom = soakSettingsFromEnv({
      SOAK_ROWS: '2500',
      SOAK_RPS: '50',
      SOAK_SEED: '7',
      SOAK_ERROR_BEHAVIOR: 'FailWithoutResponse',
      SOAK_GIVE_UP_SECONDS: '60',
    });
    // Assess
    expect(defaults).toEqual(DEFAULT_SOAK_SETTINGS);
    expect(defaults.rows).toBeGreaterThanOrEqual(10_000);
    expect(custom).toEqual({
      ...DEFAULT_SOAK_SETTINGS,
      rows: 2500,
      limitRps: 50,
      seed: 7,
      errorBehavior: 'FailWithoutResponse',
      giveUpMs: 60_000,
    });
  });

  it('names every bad value at once', () => {
    // Act
    const read = () =>
      soakSettingsFromEnv({ SOAK_ROWS: '0', SOAK_RPS: 'fast', SOAK_ERROR_BEHAVIOR: 'Explode' });
    // Assess
    expect(read).toThrow(/SOAK_ROWS must be a whole number/);
    expect(read).toThrow(/SOAK_RPS must be a number/);
    expect(read).toThrow(/SOAK_ERROR_BEHAVIOR is not an error behavior/);
  });

  it('refuses a fault scale that would make almost every request fail', () => {
    // Assess
    expect(scaledFaultRates(3).status500).toBeCloseTo(0.03);
    expect(soakSettingsFromEnv({ SOAK_FAULT_SCALE: '10' }).faultScale).toBe(10);
    expect(() => soakSettingsFromEnv({ SOAK_FAULT_SCALE: '17' })).toThrow(/SOAK_FAULT_SCALE 17/);
  });
});
