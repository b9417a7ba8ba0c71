/**
 * The settings feature's entry: the one configuration every function reads, the check of the
 * settings a function requires, and the error behavior. Pure: infra and the local run read the
 * same table.
 */

export {
  type CachePolicy,
  type Config,
  ConfigError,
  containerCeilingRps,
  containerRateLimit,
  type LogSettings,
  loadConfig,
  loadLogSettings,
  logSettingsOf,
  requireSettings,
} from './config.js';
export { type ErrorBehavior, needsDeadLetterQueue } from './error-behavior.js';
export { API_SERVICE_NAME, FILES_SERVICE_NAME, SQS_SERVICE_NAME } from './table.js';
