/**
 * Phone numbering plans over libphonenumber-js: a cleaned number (ASCII digits, a leading `+`
 * when international) to E.164, with the number's length and its country's number pattern
 * checked against the library's metadata.
 *
 * The `min` metadata, on purpose: it checks each country's possible lengths and general number
 * pattern (a digit missing or extra, a national number of the wrong country), while `max` also
 * checks every number type's exact digit ranges. That exactness costs a connector that only
 * looks contacts up more than it gives: a number allocated after the bundled metadata (numbering
 * plans change) would be refused with a 400 although respond.io holds the contact, where a
 * well-formed number that does not exist merely gets respond.io's 404. `min` is also about 65 KB
 * smaller in every bundle (see BENCHMARKS.md for the cold start).
 *
 * Strict parsing (`extract: false`): the whole input must be the number. The written-phone
 * rules (written-phone.ts) have already refused every other character, so the library's lenient extraction never
 * sees raw input; the shape is checked again here all the same.
 */

import {
  type CountryCode,
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/min';

/** What core hands over: digits, with a `+` first when the number carries its country code. */
const CLEANED = /^\+?[0-9]{1,40}$/;

function problem(reason: PhoneNumberProblem): PhoneNumberReading {
  return { ok: false, problem: reason };
}

/** The port's problem for a rejection reason of libphonenumber-js. */
function problemOf(reason: string | undefined): PhoneNumberProblem {
  if (reason === 'TOO_SHORT' || reason === 'NOT_A_NUMBER') return 'too-short';
  if (reason === 'TOO_LONG') return 'too-long';
  if (reason === 'INVALID_COUNTRY') return 'unknown-country-code';
  return 'invalid';
}

/**
 * Reads `number`, ASCII digits with a leading `+` when it carries its country code, as E.164.
 * `defaultCountry` (ISO 3166-1 alpha-2) is the country of a national number; null when the
 * number must be international. Never throws.
 */
export function toE164(number: string, defaultCountry: string | null): PhoneNumberReading {
  if (!CLEANED.test(number)) return problem('invalid');
  const international = number.startsWith('+');
  if (!international && (defaultCountry === null || !isSupportedCountry(defaultCountry))) {
    return problem('unknown-country-code');
  }
  const options = {
    extract: false,
    ...(international ? {} : { defaultCountry: defaultCountry as CountryCode }),
  };
  try {
    const parsed = parsePhoneNumberWithError(number, options);
    if (parsed.isValid()) return { ok: true, e164: parsed.number };
    return problem(problemOf(validatePhoneNumberLength(number, options)));
  } catch (error) {
    return problem(problemOf(error instanceof ParseError ? error.message : undefined));
  }
}

/** Why a phone number was not read: what the phone number library found wrong with it. */
export type PhoneNumberProblem =
  /** Too few digits for its country. */
  | 'too-short'
  /** Too many digits for its country. */
  | 'too-long'
  /** No country has this country calling code. */
  | 'unknown-country-code'
  /** The right length, yet not a number of its country's numbering plan. */
  | 'invalid';

export type PhoneNumberReading =
  | { readonly ok: true; readonly e164: string }
  | { readonly ok: false; readonly problem: PhoneNumberProblem };
