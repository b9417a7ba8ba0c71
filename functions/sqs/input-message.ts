/**
 * The body of one input message: a JSON object with an `Identifier` and, optionally, other fields
 * that are carried through to the result for correlation. Anything else is a poison message and
 * becomes a final 400 row; parsing never throws.
 */

/** Largest input body accepted (UTF-8 bytes); bigger bodies are poison messages. */
export const MAX_INPUT_BODY_BYTES = 64 * 1024;

export type InputMessage =
  | {
      readonly ok: true;
      /** The `Identifier` field as sent (validated later by the lookup). */
      readonly identifier: unknown;
      /** Every other field of the body, carried through to the result row. */
      readonly extras: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly message: string };

function poison(message: string): InputMessage {
  return { ok: false, message: `Invalid message: ${message}` };
}

export function parseInputMessage(body: string): InputMessage {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_INPUT_BODY_BYTES) {
    return poison(`the body is ${bytes} bytes, more than the ${MAX_INPUT_BODY_BYTES} accepted`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return poison('the body is not JSON; expected {"Identifier": "..."}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return poison('the body is not a JSON object; expected {"Identifier": "..."}');
  }
  const { Identifier: identifier, ...extras } = parsed as Record<string, unknown>;
  if (identifier === undefined) {
    return poison('the body has no Identifier field; expected {"Identifier": "..."}');
  }
  return { ok: true, identifier, extras };
}
