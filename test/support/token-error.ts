import { TokenError } from '../../functions/lookup/token.js';

/** The TokenError a token read rejects with; fails the test if it resolves or throws another. */
export async function tokenErrorOf(promise: Promise<unknown>): Promise<TokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenError) return error;
    throw error;
  }
  throw new Error('expected a TokenError, got a token');
}
