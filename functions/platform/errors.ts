/**
 * What a caught error may say about itself in a log line or a failure: its class name only.
 * Never its message or its fields, which can carry request headers (the token) or input.
 */

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
