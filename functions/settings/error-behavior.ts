/**
 * The ERROR_BEHAVIOR setting of the original connector: its values and how it is read. In short:
 * FailAndReturnResponse fails with the error row; FailWithoutResponse fails, details in the log
 * only; DoNotFailAndReturnResponse fails nothing, the error row returned like any other row. The
 * details are decided where each applies: api/responses.ts, queue/settlement.ts, files/rows.ts.
 */

export const ERROR_BEHAVIORS = [
  'FailAndReturnResponse',
  'FailWithoutResponse',
  'DoNotFailAndReturnResponse',
] as const;

export type ErrorBehavior = (typeof ERROR_BEHAVIORS)[number];

export const DEFAULT_ERROR_BEHAVIOR: ErrorBehavior = 'FailAndReturnResponse';

const squash = (text: string) => text.replace(/[\s_-]+/g, '').toLowerCase();

/**
 * Reads the setting. Also accepts the connector page's wording ("Fail and return response").
 * Returns null for an unknown value so the caller can fail at start-up with its own message.
 */
export function parseErrorBehavior(value: string | undefined): ErrorBehavior | null {
  if (value === undefined || value.trim() === '') return DEFAULT_ERROR_BEHAVIOR;
  return ERROR_BEHAVIORS.find((behavior) => squash(behavior) === squash(value)) ?? null;
}

/** True when final failures are moved to a dead-letter queue (the two Fail behaviors). */
export function needsDeadLetterQueue(behavior: ErrorBehavior): boolean {
  return behavior !== 'DoNotFailAndReturnResponse';
}
