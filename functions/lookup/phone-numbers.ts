/**
 * Phone numbers as people write them (docs/identifiers.md), to E.164. First the written form is
 * reduced to ASCII digits with a leading `+` when it carries its country code: separators go,
 * look-alike digits and spaces (fullwidth, Arabic-Indic, Unicode spaces) read as ASCII, every
 * other character is refused. Only that reaches libphonenumber-js, parsed strictly, so its
 * lenient extraction never turns `+60 12 123 3112/tag` into a valid number. Its `min` metadata on
 * purpose: lengths and number patterns, not exact ranges, so a newly allocated number is not a
 * 400 while respond.io holds the contact (and `min` is about 65 KB smaller). The library and its
 * metadata are required on the first phone number, not evaluated at every cold start.
 */

import type * as PhoneCore from 'libphonenumber-js/core';
import { requireOnDemand } from '../platform/index.js';

type CountryCode = PhoneCore.CountryCode;
type MetadataJson = PhoneCore.MetadataJson;

/**
 * What this file uses of libphonenumber-js/core, and all that a bundle's copy of it exports
 * (LAMBDA_SIDE_FILES, infra/bundling.ts; test/infra/bundle-size.test.ts keeps the two
 * lists equal).
 */
export type PhoneFunctions = Pick<
  typeof PhoneCore,
  'isSupportedCountry' | 'ParseError' | 'parsePhoneNumberWithError' | 'validatePhoneNumberLength'
>;

let library: { readonly core: PhoneFunctions; readonly metadata: MetadataJson } | undefined;

/** libphonenumber-js's functions and its `min` metadata, required once per container. */
function phoneLibrary() {
  library ??= {
    core: requireOnDemand<PhoneFunctions>('libphonenumber-js/core'),
    metadata: requireOnDemand<MetadataJson>('libphonenumber-js/metadata.min.json'),
  };
  return library;
}

type WrittenPhone =
  /** `+` and digits: the number carries its country code. */
  | { readonly ok: true; readonly international: true; readonly number: string }
  /** Digits only: a national number, which needs a default country. */
  | { readonly ok: true; readonly international: false; readonly number: string }
  | { readonly ok: false; readonly problem: 'character' | 'plus' | 'empty' };

/** The characters a written phone number may hold, besides digits, as what they stand for. */
const SEPARATORS = new Set([' ', '-', '.', '(', ')']);

/** Fullwidth forms (U+FF01..U+FF5E) sit at a fixed offset from their ASCII forms. */
const FULLWIDTH_OFFSET = 0xfee0;
const FULLWIDTH_ALLOWED = new Set(['+', '-', '.', '(', ')']);

/** Decimal digit blocks read as ASCII digits: fullwidth, Arabic-Indic, Extended Arabic-Indic. */
const DIGIT_ZEROS = [0xff10, 0x0660, 0x06f0];

const SPACE_SEPARATOR = /^\p{Zs}$/u;

/** What one character of a written number stands for, or null when it may not be there. */
function readCharacter(char: string): string | null {
  if (char >= '0' && char <= '9') return char;
  if (char === '+' || SEPARATORS.has(char)) return char;
  if (SPACE_SEPARATOR.test(char)) return ' ';
  const code = char.codePointAt(0) ?? 0;
  for (const zero of DIGIT_ZEROS) {
    if (code >= zero && code <= zero + 9) return String(code - zero);
  }
  if (code >= 0xff01 && code <= 0xff5e) {
    const ascii = String.fromCharCode(code - FULLWIDTH_OFFSET);
    if (FULLWIDTH_ALLOWED.has(ascii)) return ascii;
  }
  return null;
}

/**
 * Reads a written phone number (the text after `phone:`, trimmed): digits, spaces, dashes, dots,
 * parentheses and one leading `+` (inside a parenthesis too) or `00` (read as `+`). Never throws.
 */
export function readWrittenPhone(text: string): WrittenPhone {
  let compact = '';
  for (const char of text) {
    const read = readCharacter(char);
    if (read === null) return { ok: false, problem: 'character' };
    if (!SEPARATORS.has(read)) compact += read;
  }
  if (compact === '' || compact === '+') return { ok: false, problem: 'empty' };
  if (!/^\+?[0-9]+$/.test(compact)) return { ok: false, problem: 'plus' };
  if (compact.startsWith('+')) return { ok: true, international: true, number: compact };
  if (compact.startsWith('00')) {
    const rest = compact.slice(2);
    return rest === ''
      ? { ok: false, problem: 'empty' }
      : { ok: true, international: true, number: `+${rest}` };
  }
  return { ok: true, international: false, number: compact };
}

/** What readWrittenPhone hands over (checked again all the same). */
const CLEANED = /^\+?[0-9]{1,40}$/;

function problem(reason: PhoneNumberProblem): PhoneNumberReading {
  return { ok: false, problem: reason };
}

/** Our problem for a rejection reason of libphonenumber-js. */
function problemOf(reason: string | undefined): PhoneNumberProblem {
  if (reason === 'TOO_SHORT' || reason === 'NOT_A_NUMBER') return 'too-short';
  if (reason === 'TOO_LONG') return 'too-long';
  if (reason === 'INVALID_COUNTRY') return 'unknown-country-code';
  return 'invalid';
}

/**
 * `number` (as readWrittenPhone hands it over) as E.164; `defaultCountry` (ISO 3166-1 alpha-2) is
 * the country of a national number, null when it must be international. Never throws.
 */
export function toE164(number: string, defaultCountry: string | null): PhoneNumberReading {
  if (!CLEANED.test(number)) return problem('invalid');
  const { core, metadata } = phoneLibrary();
  const international = number.startsWith('+');
  if (
    !international &&
    (defaultCountry === null || !core.isSupportedCountry(defaultCountry as CountryCode, metadata))
  ) {
    return problem('unknown-country-code');
  }
  const options = {
    extract: false,
    ...(international ? {} : { defaultCountry: defaultCountry as CountryCode }),
  };
  try {
    const parsed = core.parsePhoneNumberWithError(number, options, metadata);
    if (parsed.isValid()) return { ok: true, e164: parsed.number };
    return problem(problemOf(core.validatePhoneNumberLength(number, options, metadata)));
  } catch (error) {
    return problem(problemOf(error instanceof core.ParseError ? error.message : undefined));
  }
}

/** What the library found wrong; `invalid`: the right length, not in the numbering plan. */
export type PhoneNumberProblem = 'too-short' | 'too-long' | 'unknown-country-code' | 'invalid';

type PhoneNumberReading =
  | { readonly ok: true; readonly e164: string }
  | { readonly ok: false; readonly problem: PhoneNumberProblem };
