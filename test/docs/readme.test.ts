/**
 * README.md stays a short front page: the two set-up commands a newcomer needs, at most 250
 * lines, and the way into docs/.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('gives the two set-up commands', () => {
    // Assess
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it('stays at most 250 lines, the rest living in docs/', () => {
    // Prepare
    const lines = readme.split('\n').length;
    // Assess
    expect(lines).toBeLessThanOrEqual(250);
    expect(readme).toContain('](docs/README.md)');
  });
});
