/**
 * Identifier parsing: the only gate between user input and the respond.io request path.
 *
 * Accepted forms (surrounding whitespace is trimmed):
 * - `id:<digits>`          respond.io contact id, e.g. `id:123`
 * - `email:<address>`      e.g. `email:jane@example.com`
 * - `phone:<E.164>`        `+` then 7 to 15 digits, e.g. `phone:+60121233112`
 *
 * Everything else is rejected before any request is made. Accepted values are then
 * percent-encoded into exactly one path segment, so no identifier can reach another endpoint.
 */

export type IdentifierKind = 'id' | 'email' | 'phone';

export interface Identifier {
  readonly kind: IdentifierKind;
  /** The value after the `kind:` prefix, validated. */
  readonly value: string;
  /** `kind:value` as one safe URL path segment, e.g. `email:jane@example.com`. */
  readonly pathSegment: string;
  /** A form that is safe to log: personal data partly hidden. */
  readonly masked: string;
}

export type IdentifierParse =
  | { readonly ok: true; readonly identifier: Identifier }
  | { readonly ok: false; readonly message: string };

/** Longest identifier accepted, prefix included (an e-mail address is at most 254 characters). */
export const MAX_IDENTIFIER_LENGTH = 262;

export const ACCEPTED_FORMS =
  'expected one of id:<digits> (e.g. id:123), email:<address> (e.g. email:jane@example.com) ' +
  'or phone:<E.164 number> (e.g. phone:+60121233112)';

const ID = /^[0-9]{1,18}$/;
const PHONE = /^\+[1-9][0-9]{6,14}$/;
const EMAIL_LOCAL = /^[A-Za-z0-9!$&'*+=^_`{|}~-]+(?:\.[A-Za-z0-9!$&'*+=^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^[A-Za-z]{2,63}$/;

function isEmail(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  if (local.length > 64 || !EMAIL_LOCAL.test(local) || labels.length < 2) return false;
  const top = labels[labels.length - 1] ?? '';
  return labels.every((label) => DOMAIN_LABEL.test(label)) && TOP_LEVEL.test(top);
}

/** Characters left as they are in the path; everything else is percent-encoded. */
const PATH_SAFE = /[A-Za-z0-9\-._~@+:]/;

/** Percent-encodes a validated value so that it stays inside one path segment. */
export function encodePathSegment(text: string): string {
  let out = '';
  for (const char of text) {
    // encodeURIComponent leaves !'()* as they are; encode them too (e-mail local parts use ! ' *).
    out += PATH_SAFE.test(char)
      ? char
      : encodeURIComponent(char).replace(
          /[!'()*]/g,
          (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
        );
  }
  return out;
}

function maskEmail(value: string): string {
  const at = value.indexOf('@');
  return `${value.slice(0, 1)}***${value.slice(at)}`;
}

function maskPhone(value: string): string {
  return `${value.slice(0, 3)}${'*'.repeat(Math.max(value.length - 6, 0))}${value.slice(-3)}`;
}

function describe(input: string): string {
  return input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}…` : JSON.stringify(input);
}

function reject(message: string): IdentifierParse {
  return { ok: false, message: `Invalid Identifier: ${message}; ${ACCEPTED_FORMS}` };
}

/** Parses and validates an Identifier from an input row. Never throws. */
export function parseIdentifier(input: unknown): IdentifierParse {
  if (input === undefined || input === null) return reject('Identifier is required');
  if (typeof input !== 'string') return reject(`Identifier must be a string, got ${typeof input}`);
  const text = input.trim();
  if (text.length === 0) return reject('Identifier is empty');
  if (text.length > MAX_IDENTIFIER_LENGTH) {
    return reject(`Identifier is longer than ${MAX_IDENTIFIER_LENGTH} characters`);
  }
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const value = colon < 0 ? '' : text.slice(colon + 1);
  const valid =
    (kind === 'id' && ID.test(value)) ||
    (kind === 'email' && isEmail(value)) ||
    (kind === 'phone' && PHONE.test(value));
  if (!valid) {
    return reject(
      kind === 'id' || kind === 'email' || kind === 'phone'
        ? `${describe(text)} is not a valid ${kind}`
        : `${describe(text)} has no known prefix`,
    );
  }
  const typedKind = kind as IdentifierKind;
  const masked =
    typedKind === 'email' ? maskEmail(value) : typedKind === 'phone' ? maskPhone(value) : value;
  return {
    ok: true,
    identifier: {
      kind: typedKind,
      value,
      pathSegment: `${typedKind}:${encodePathSegment(value)}`,
      masked: `${typedKind}:${masked}`,
    },
  };
}

/** Masks an identifier-like text for logs, whether or not it is valid. */
export function maskIdentifierText(input: unknown): string {
  const parsed = parseIdentifier(input);
  if (parsed.ok) return parsed.identifier.masked;
  return typeof input === 'string' ? `<invalid, ${input.length} chars>` : `<${typeof input}>`;
}

/**
 * A message fit for a log line: any quoted input (the Identifier rejection quotes up to 40
 * characters of what it was given, which may be an e-mail address or a phone number) is
 * replaced by `<input>`. Rows keep the full message; logs get this one.
 */
export function loggableMessage(message: string | null): string | null {
  return message === null ? null : message.replace(/"(?:[^"\\]|\\.)*"…?/g, '<input>');
}
