/**
 * How the event-driven entry points are built (functions/platform/start.ts): once, on the
 * first event; a build that fails is logged with its class name (and a ConfigError's message),
 * thrown, and tried again on the next event.
 */

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { builtOnFirstEvent } from '../../functions/platform/start.js';
import { ConfigError } from '../../functions/settings/config.js';
import { captureOutput } from '../support/api.js';

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  delete process.env.POWERTOOLS_DEV;
  output = captureOutput();
});
afterEach(() => output.restore());

describe('a handler built on its first event', () => {
  it('is built once and then answers every event', async () => {
    // Prepare
    let builds = 0;
    const handler = builtOnFirstEvent('The test function', 'test', async () => {
      builds += 1;
      return async (event: number, context: string) => `${context}:${event * 2}`;
    });
    // Act
    const answers = [await handler(1, 'a'), await handler(2, 'b')];
    // Assess
    expect(answers).toEqual(['a:2', 'b:4']);
    expect(builds).toBe(1);
  });

  it('logs and throws a failed build, and builds again on the next event', async () => {
    // Prepare
    let builds = 0;
    const handler = builtOnFirstEvent('The test function', 'test', async () => {
      builds += 1;
      if (builds === 1) throw new ConfigError('Invalid configuration: FILES_BUCKET is required');
      return async (event: number) => event;
    });
    // Act
    const first = await handler(1, null).then(
      () => null,
      (error: Error) => error,
    );
    const second = await handler(7, null);
    // Assess
    expect(first?.name).toBe('ConfigError');
    expect(second).toBe(7);
    expect(output.lines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'The test function cannot start',
        errorName: 'ConfigError',
        errorMessage: 'Invalid configuration: FILES_BUCKET is required',
        service: 'test',
      }),
    ]);
  });

  it('keeps the message of any other error out of the log line', async () => {
    // Prepare
    const handler = builtOnFirstEvent('The test function', 'test', async () => {
      throw new TypeError('secret-looking text from a library');
    });
    // Act
    await handler(1, null).catch(() => undefined);
    // Assess
    expect(output.lines()[0]).toMatchObject({ errorName: 'TypeError' });
    expect(output.text()).not.toContain('secret-looking text');
  });
});
