/**
 * The settings a function cannot start without, declared in the settings table and checked in
 * one place (functions/settings/config.ts `requireSettings`), and the file functions' settings
 * read with the others by `loadConfig`.
 */

import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, requireSettings } from '../../functions/settings/config.js';

describe('requireSettings', () => {
  it('names every setting a function lacks at once', () => {
    // Prepare
    const config = loadConfig({ ERROR_BEHAVIOR: 'FailWithoutResponse' });
    // Act
    const check = () => requireSettings(config, 'sqs');
    // Assess
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(
      'Invalid configuration: RESPONDIO_TOKEN_SECRET_ID is required (the Secrets Manager secret ' +
        'holding the respond.io API token); RESULTS_QUEUE_URL is required; DEAD_LETTER_QUEUE_URL ' +
        'is required with ERROR_BEHAVIOR=FailWithoutResponse (final failures are moved to the ' +
        'dead-letter queue)',
    );
  });

  it('asks each function only for its own settings', () => {
    // Prepare
    const config = loadConfig({});
    const missing = (fn: Parameters<typeof requireSettings>[1]) => {
      try {
        requireSettings(config, fn);
        return [];
      } catch (error) {
        return [...(error as Error).message.matchAll(/([A-Z_]+) is required/g)].map((m) => m[1]);
      }
    };
    // Act & Assess
    expect(missing('api')).toEqual(['RESPONDIO_TOKEN_SECRET_ID']);
    expect(missing('sqs')).toEqual([
      'RESPONDIO_TOKEN_SECRET_ID',
      'RESULTS_QUEUE_URL',
      'DEAD_LETTER_QUEUE_URL',
    ]);
    expect(missing('file-batch')).toEqual([
      'RESPONDIO_TOKEN_SECRET_ID',
      'RATE_BUDGET_TABLE',
      'FILES_BUCKET',
    ]);
    expect(missing('file-steps')).toEqual(['FILES_BUCKET']);
  });

  it('needs no dead-letter queue when no row is moved, and nothing an adapter replaces', () => {
    // Prepare
    const config = loadConfig({ ERROR_BEHAVIOR: 'DoNotFailAndReturnResponse' });
    const adapters = { tokens: {}, results: {} };
    // Act & Assess
    expect(() => requireSettings(config, 'sqs', adapters)).not.toThrow();
    expect(() => requireSettings(config, 'file-steps', { store: {} })).not.toThrow();
  });
});

describe('loadConfig, the file functions’ settings', () => {
  it('reads the bucket and the limits, with their defaults', () => {
    // Act
    const config = loadConfig({ FILES_BUCKET: 'files-bucket' });
    // Assess
    expect(config).toMatchObject({
      filesBucket: 'files-bucket',
      fileMaxBytes: 104_857_600,
      fileMaxRows: 1_000_000,
    });
  });

  it('names every problem at once', () => {
    // Act
    const load = () => loadConfig({ FILE_MAX_ROWS: '0', FILE_MAX_BYTES: 'x' });
    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /FILE_MAX_BYTES must be .*; FILE_MAX_ROWS must be a number from 1 to 10000000, got "0"/,
    );
  });
});
