/**
 * How an event-driven entry point is built once per container: on its first event, from the
 * environment. A build that fails (invalid configuration, a library that cannot load) is
 * logged once with its class name and, for a ConfigError, its message (which names settings,
 * never a value that could be the token), then thrown so that the caller retries the whole
 * event (SQS redelivers the batch; Step Functions retries the task); the next event tries the
 * build again.
 */

import { ConfigError, loadLogSettings } from '../settings/config.js';
import { errorName } from './errors.js';
import { createLogger } from './logger.js';

export type EventHandler<E, C, R> = (event: E, context: C) => Promise<R>;

/**
 * The handler `build` makes, built on the first event. `what` names the function in the log
 * line ("The SQS function cannot start").
 */
export function builtOnFirstEvent<E, C, R>(
  what: string,
  serviceName: string,
  build: () => Promise<EventHandler<E, C, R>>,
): EventHandler<E, C, R> {
  let built: EventHandler<E, C, R> | undefined;
  return async (event, context) => {
    if (built === undefined) {
      try {
        built = await build();
      } catch (error) {
        createLogger(loadLogSettings(process.env, serviceName)).error(`${what} cannot start`, {
          errorName: errorName(error),
          errorMessage: error instanceof ConfigError ? error.message : undefined,
        });
        throw error;
      }
    }
    return built(event, context);
  };
}
