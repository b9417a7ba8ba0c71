/**
 * The one start-up path of the entry points: each function is built once per container, from
 * its settings, as its module loads (Lambda's init phase). A failed build is logged once with
 * its class name and, for a ConfigError, its message (which names settings, never a value that
 * could be the token); every event then fails with that error and the next one builds again.
 * Stack traces are mapped to the TypeScript source from here on (source-maps.ts).
 */

import { type Config, ConfigError, loadConfig, loadLogSettings } from '../settings/index.js';
import { errorName } from './errors.js';
import { createLogger } from './logger.js';
import { mapStackTracesLazily } from './source-maps.js';
import { loadTracing, type Tracing } from './tracing.js';

type EventHandler<E, C, R> = (event: E, context: C) => Promise<R>;

interface StartedHandler<E, C, R> extends EventHandler<E, C, R> {
  /** Resolves once the function is built; rejects with the error of a build that failed. */
  ready(): Promise<void>;
}

/** What every build gets: the settings, tracing as configured, and the environment. */
interface StartUp {
  readonly config: Config;
  readonly tracing: Tracing;
  readonly env: NodeJS.ProcessEnv;
}

/** The handler `build` makes, started at once; `what` names the function in the log line. */
export function startFunction<E, C, R>(
  what: string,
  serviceName: string,
  build: (startUp: StartUp) => EventHandler<E, C, R>,
): StartedHandler<E, C, R> {
  mapStackTracesLazily();
  const attempt = async (): Promise<EventHandler<E, C, R>> => {
    try {
      const config = loadConfig(process.env);
      const tracing = await loadTracing(config, serviceName);
      return build({ config, tracing, env: process.env });
    } catch (error) {
      createLogger(loadLogSettings(process.env, serviceName)).error(`${what} cannot start`, {
        errorName: errorName(error),
        errorMessage: error instanceof ConfigError ? error.message : undefined,
      });
      throw error;
    }
  };
  let built: Promise<EventHandler<E, C, R>> | undefined = attempt();
  // A failed start is handled by the event that awaits it (or by ready()), not left unhandled.
  built.catch(() => undefined);
  const current = () => {
    const building = built ?? attempt();
    built = building;
    // The next event builds again after a failed build.
    building.catch(() => {
      if (built === building) built = undefined;
    });
    return building;
  };
  const handler = async (event: E, context: C) => (await current())(event, context);
  return Object.assign(handler, { ready: () => current().then(() => undefined) });
}
