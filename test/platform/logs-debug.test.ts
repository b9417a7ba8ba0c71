/**
 * logsDebug: whether a debug line would be written, so that a per-row debug line's fields are
 * built only then. It follows the level in force, a level changed at run time included.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from '@jest/globals';
import { type Logger as LoggerPort, logsDebug } from '../../functions/platform/logger.js';

describe('logsDebug', () => {
  it.each([
    ['TRACE', true],
    ['DEBUG', true],
    ['INFO', false],
    ['WARN', false],
    ['SILENT', false],
  ] as const)('tells a Powertools logger at %s: %s', (logLevel, expected) => {
    // Prepare
    const logger = new Logger({ serviceName: 'logs-debug-test', logLevel });
    // Act
    const answer = logsDebug(logger);
    // Assess
    expect(answer).toBe(expected);
  });

  it('follows a level changed after the logger was made', () => {
    // Prepare
    const logger = new Logger({ serviceName: 'logs-debug-test', logLevel: 'INFO' });
    // Act
    logger.setLogLevel('DEBUG');
    // Assess
    expect(logsDebug(logger)).toBe(true);
  });

  it('takes a logger without a level for one that writes every line', () => {
    // Prepare
    const lines: string[] = [];
    const logger: LoggerPort = {
      debug: (message) => lines.push(message),
      info: (message) => lines.push(message),
      warn: (message) => lines.push(message),
      error: (message) => lines.push(message),
    };
    // Act
    const answer = logsDebug(logger);
    // Assess
    expect(answer).toBe(true);
  });
});
