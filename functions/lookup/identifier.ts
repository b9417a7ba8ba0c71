/**
 * Identifier parsing (docs/identifiers.md): the only gate between user input and the respond.io
 * request path. `id:<digits>`, `email:<address>` (the domain lowercased, the local part kept)
 * or `phone:<number>` (phone-numbers.ts), the prefix in any case. Each accepted identifier has one
 * canonical form, `kind:value`: what is sent, and the cache key, percent-encoded into exactly one
 * path segment. Everything else is rejected before any request. The parser depends on
 * DEFAULT_PHONE_COUNTRY, so each container builds it once.
 */

import { type PhoneNumberProblem, readWrittenPhone, toE164 } from './phone-numbers.js';

type IdentifierKind = 'id' | 'email' | 'phone';

export interface Identifier {
  readonly kind: IdentifierKind;
  /** Validated, canonical, without the prefix. */
  readonly value: string;
  /** `kind:value`, e.g. `phone:+60121233112`. */
  readonly canonical: string;
  /** The canonical form as one safe URL path segment. */
  readonly pathSegment: string;
  /** The canonical form with personal data partly hidden, safe to log. */
  readonly masked: string;
}

type IdentifierParse =
  | { readonly ok: true; readonly identifier: Identifier }
  | { readonly ok: false; readonly message: string };

export interface IdentifierParser {
  /** Never throws. */
  parse(input: unknown): IdentifierParse;
  /** A form of an identifier-like input that is safe to log, whether or not it is valid. */
  mask(input: unknown): string;
}

interface IdentifierParserOptions {
  /** DEFAULT_PHONE_COUNTRY: the country of national numbers; null refuses them. */
  readonly defaultPhoneCountry: string | null;
}

/** Longest identifier accepted, prefix included (an e-mail address is at most 254 characters). */
export const MAX_IDENTIFIER_LENGTH = 262;

const ACCEPTED_FORMS =
  'expected one of id:<digits> (e.g. id:123), email:<address> (e.g. email:jane@example.com) ' +
  'or phone:<number with its country code> (e.g. phone:+60121233112, phone:+60 12-123 3112)';

const ID = /^[0-9]{1,18}$/;
const PREFIX = /^[A-Za-z]{1,10}$/;
const KINDS: readonly IdentifierKind[] = ['id', 'email', 'phone'];
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

/** A valid address with its domain lowercased; the local part stays as given. */
function canonicalEmail(value: string): string {
  const at = value.indexOf('@');
  return `${value.slice(0, at)}${value.slice(at).toLowerCase()}`;
}

/** Characters left as they are in the path; everything else is percent-encoded. */
const PATH_SAFE = /[A-Za-z0-9\-._~@+:]/;

/** A value made of PATH_SAFE characters only (most identifiers): nothing to encode. */
const ALL_PATH_SAFE = /^[A-Za-z0-9\-._~@+:]*$/;

/** Percent-encodes a validated value so that it stays inside one path segment. */
export function encodePathSegment(text: string): string {
  if (ALL_PATH_SAFE.test(text)) return text;
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

const WRITTEN_PHONE_PROBLEMS = {
  character:
    'a phone number may hold only digits, spaces, dashes, dots, parentheses and a leading + or 00',
  plus: 'a + may only lead the number',
  empty: 'it has no digits',
} as const;

const PHONE_NUMBER_PROBLEMS: Readonly<Record<PhoneNumberProblem, string>> = {
  'too-short': 'too short for its country',
  'too-long': 'too long for its country',
  'unknown-country-code': 'no country has that country code',
  invalid: "not a number of its country's numbering plan",
};

function identifierOf(kind: IdentifierKind, value: string): Identifier {
  const masked = kind === 'email' ? maskEmail(value) : kind === 'phone' ? maskPhone(value) : value;
  return {
    kind,
    value,
    canonical: `${kind}:${value}`,
    pathSegment: `${kind}:${encodePathSegment(value)}`,
    masked: `${kind}:${masked}`,
  };
}

export function createIdentifierParser(options: IdentifierParserOptions): IdentifierParser {
  const { defaultPhoneCountry } = options;

  /** The canonical phone value, or why not (a rejection message without the prefix). */
  function phoneValue(value: string, text: string): { value: string } | { problem: string } {
    const written = readWrittenPhone(value);
    if (!written.ok) {
      const problem = WRITTEN_PHONE_PROBLEMS[written.problem];
      return { problem: `${describe(text)} is not a valid phone: ${problem}` };
    }
    if (!written.international && defaultPhoneCountry === null) {
      return {
        problem:
          `${describe(text)} is a national phone number: add the country code (e.g. ` +
          'phone:+60121233112) or set DEFAULT_PHONE_COUNTRY to the country of national numbers',
      };
    }
    const reading = toE164(written.number, written.international ? null : defaultPhoneCountry);
    if (!reading.ok) {
      const country = written.international ? '' : ` (national numbers: ${defaultPhoneCountry})`;
      const problem = PHONE_NUMBER_PROBLEMS[reading.problem];
      return { problem: `${describe(text)} is not a valid phone: ${problem}${country}` };
    }
    return { value: reading.e164 };
  }

  function parse(input: unknown): IdentifierParse {
    if (input === undefined || input === null) return reject('Identifier is required');
    if (typeof input !== 'string') {
      return reject(`Identifier must be a string, got ${typeof input}`);
    }
    const text = input.trim();
    if (text.length === 0) return reject('Identifier is empty');
    if (text.length > MAX_IDENTIFIER_LENGTH) {
      return reject(`Identifier is longer than ${MAX_IDENTIFIER_LENGTH} characters`);
    }
    const colon = text.indexOf(':');
    const prefix = colon < 0 ? '' : text.slice(0, colon).trim();
    // ASCII letters only: toLowerCase maps some non-ASCII letters (the Kelvin sign) to ASCII.
    const kind = PREFIX.test(prefix)
      ? KINDS.find((known) => known === prefix.toLowerCase())
      : undefined;
    if (kind === undefined) return reject(`${describe(text)} has no known prefix`);
    const value = text.slice(colon + 1).trim();
    if (kind === 'id') {
      return ID.test(value)
        ? { ok: true, identifier: identifierOf('id', value) }
        : reject(`${describe(text)} is not a valid id`);
    }
    if (kind === 'email') {
      return isEmail(value)
        ? { ok: true, identifier: identifierOf('email', canonicalEmail(value)) }
        : reject(`${describe(text)} is not a valid email`);
    }
    const phone = phoneValue(value, text);
    return 'value' in phone
      ? { ok: true, identifier: identifierOf('phone', phone.value) }
      : reject(phone.problem);
  }

  return {
    parse,
    mask(input) {
      const parsed = parse(input);
      if (parsed.ok) return parsed.identifier.masked;
      return typeof input === 'string' ? `<invalid, ${input.length} chars>` : `<${typeof input}>`;
    },
  };
}

/**
 * A message fit for a log line: any quoted input (a rejection quotes up to 40 characters of an
 * address or a number) becomes `<input>`. Rows keep the full message.
 */
export function loggableMessage(message: string | null): string | null {
  return message === null ? null : message.replace(/"(?:[^"\\]|\\.)*"…?/g, '<input>');
}
