/**
 * The file functions' own settings (core/config.ts `loadFileSettings`), read from the
 * environment through the settings table.
 */

import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadFileSettings } from '../../functions/settings/config.js';

describe('loadFileSettings', () => {
  it('reads the bucket and the limits, with their defaults', () => {
    // Act
    const settings = loadFileSettings({ FILES_BUCKET: 'files-bucket' });
    // Assess
    expect(settings).toEqual({ bucket: 'files-bucket', maxBytes: 104_857_600, maxRows: 1_000_000 });
  });

  it('reads limits set in the environment', () => {
    // Act
    const settings = loadFileSettings({
      FILES_BUCKET: 'b',
      FILE_MAX_BYTES: '2048',
      FILE_MAX_ROWS: '10',
    });
    // Assess
    expect(settings).toEqual({ bucket: 'b', maxBytes: 2048, maxRows: 10 });
  });

  it('names every problem at once', () => {
    // Act
    const load = () => loadFileSettings({ FILE_MAX_ROWS: '0' });
    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'Invalid configuration: FILE_MAX_ROWS must be a number from 1 to 10000000, got "0"; FILES_BUCKET is required',
    );
  });
});
