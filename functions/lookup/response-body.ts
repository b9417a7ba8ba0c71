/**
 * Reads a respond.io response body as text, up to a size cap, so that a huge or endless answer
 * cannot exhaust the function's memory.
 */

/** Largest response body read; a larger one is treated as a bad gateway answer. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Thrown by readBody when the body passes MAX_RESPONSE_BYTES (the stream is cancelled). */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** The body as UTF-8 text; rejects with BodyTooLarge past the cap, or with the stream's error. */
export async function readBody(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
