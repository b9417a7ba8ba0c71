/**
 * Entry point of the file workflow's finishing steps (one Lambda function, two tasks of the state
 * machine): `assemble` merges a run's parts into its results file and summary (assemble.ts);
 * `fail` writes the error summary of a run that ended early (failure-report.ts). Both need the
 * same access (read the parts, write under the output prefix), hence one function. Thin: the
 * runtime builds the files bucket once per container.
 */

import { createLogger } from '../platform/logger.js';
import { builtOnFirstEvent, type EventHandler } from '../platform/start.js';
import { loadTracing } from '../platform/tracing.js';
import { type Config, loadConfig, loadFileSettings, logSettingsOf } from '../settings/config.js';
import { FILES_SERVICE_NAME } from '../settings/table.js';
import { createAssembleHandler } from './assemble.js';
import { createFileStore } from './container.js';
import { createFailureReportHandler } from './failure-report.js';
import type { Assembled, AssembleEvent, FailEvent, Reported } from './steps.js';
import type { FileStore } from './store.js';

export type FinishEvent = AssembleEvent | FailEvent;
export type FinishHandler = {
  (event: AssembleEvent): Promise<Assembled>;
  (event: FailEvent): Promise<Reported>;
  (event: FinishEvent): Promise<Assembled | Reported>;
};

/** Both steps from the configuration (the local runner and the tests give their own store). */
export function createFinishFunction(config: Config, store: FileStore): FinishHandler {
  const logger = createLogger(logSettingsOf(config, FILES_SERVICE_NAME));
  const assemble = createAssembleHandler({ store, errorBehavior: config.errorBehavior, logger });
  const report = createFailureReportHandler({ store, logger });
  return ((event: FinishEvent) => {
    if (event?.step === 'assemble') return assemble(event);
    if (event?.step === 'fail') return report(event);
    return Promise.reject(new Error('The finish event names no step (assemble or fail)'));
  }) as FinishHandler;
}

export const handler: EventHandler<FinishEvent, unknown, Assembled | Reported> = builtOnFirstEvent(
  'The finishing steps',
  FILES_SERVICE_NAME,
  async () => {
    const config = loadConfig(process.env);
    const settings = loadFileSettings(process.env);
    const tracing = await loadTracing(config, FILES_SERVICE_NAME);
    const finish = createFinishFunction(config, createFileStore(settings, { tracing }));
    return (event: FinishEvent) => finish(event);
  },
);
