/**
 * How a lookup rides out a token rotation, where respond.io refuses the old token a moment
 * before the secret holds the new one: the waits before each re-read of the token after a 401,
 * per function. Each re-read comes with one more attempt, on top of RESPONDIO_MAX_ATTEMPTS.
 * - SQS function: one re-read at once. A 401 after it is retryable (failure.ts): the message
 *   comes back on its next receive, and only a 401 on the last allowed receive is final. The
 *   cost: a revoked token costs every row up to MAX_RECEIVE_COUNT receives, each a 401 and one
 *   retry after the re-read, before it is a final 401 row.
 * - API function: the caller is waiting, so one re-read at once and one more after
 *   API_TOKEN_REREAD_WAIT_MS, within the deadline (no wait starts that would run past it).
 */

/** The API function's wait before its second re-read of the token after a 401, in ms. */
export const API_TOKEN_REREAD_WAIT_MS = 1000;

export const API_TOKEN_REREAD_WAITS_MS: readonly number[] = [0, API_TOKEN_REREAD_WAIT_MS];
export const SQS_TOKEN_REREAD_WAITS_MS: readonly number[] = [0];
