/**
 * How the four entry points are built (functions/platform/start.ts): once, as the module loads;
 * a build that fails is logged with its class name (and a ConfigError's message), thrown to the
 * next event (and by ready()), and tried again on the event after.
 */

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startFunction } from '../../functions/platform/start.js';
import { ConfigError } from '../../functions/settings/config.js';
import { captureOutput } from '../support/api.js';

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  delete process.env.POWERTOOLS_DEV;
  output = captureOutput();
});
afterEach(() => output.restore());

describe('a started function', () => {
  it('is built once and then answers every event', async () => {
    // Prepare
    let builds = 0;
    const handler = startFunction('The test function', 'test', ({ config }) => {
      builds += 1;
      return async (event: number, context: string) => `${context}:${event * config.maxAttempts}`;
    });
    // Act
    await handler.ready();
    const builtBeforeAnyEvent = builds;
    const answers = [await handler(1, 'a'), await handler(2, 'b')];
    // Assess: built as it was started, from the settings (RESPONDIO_MAX_ATTEMPTS, default 3).
    expect(builtBeforeAnyEvent).toBe(1);
    expect(answers).toEqual(['a:3', 'b:6']);
    expect(builds).toBe(1);
  });

  it('logs and throws a failed build, and builds again on the next event', async () => {
    // Prepare
    let builds = 0;
    const handler = startFunction('The test function', 'test', () => {
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
    // Assess: the failed build reaches the first event; the next event builds again.
    expect(first?.name).toBe('ConfigError');
    expect(second).toBe(7);
    expect(builds).toBe(2);
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

  it('tells ready() a failed build, so that the local run stops at start-up', async () => {
    // Prepare
    const handler = startFunction('The test function', 'test', () => {
      throw new ConfigError('Invalid configuration: RESULTS_QUEUE_URL is required');
    });
    // Act
    const ready = await handler.ready().then(
      () => null,
      (error: Error) => error,
    );
    // Assess
    expect(ready?.message).toBe('Invalid configuration: RESULTS_QUEUE_URL is required');
    expect(output.lines()).toHaveLength(1);
  });

  it('keeps the message of any other error out of the log line', async () => {
    // Prepare
    const handler = startFunction('The test function', 'test', () => {
      throw new TypeError('secret-looking text from a library');
    });
    // Act
    await handler(1, null).catch(() => undefined);
    // Assess
    expect(output.lines()[0]).toMatchObject({ errorName: 'TypeError' });
    expect(output.text()).not.toContain('secret-looking text');
  });
});
