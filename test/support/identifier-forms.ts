/**
 * Test support: identifiers as people write them, for the fuzz and security suites. Each
 * arbitrary gives the text and the canonical form the parser must make of it (null: refused).
 */

import fc from 'fast-check';
import examples from 'libphonenumber-js/examples.mobile';
import { type CountryCode, getExampleNumber } from 'libphonenumber-js/min';
import { PHONE_COUNTRIES } from '../../functions/settings/phone-countries.js';
import { identifiers } from './identifiers.js';

export interface WrittenIdentifier {
  readonly text: string;
  /** What the parser (with or without DEFAULT_PHONE_COUNTRY) makes of it. */
  readonly canonical: string;
}

/** Every country's example mobile number, E.164. */
export const EXAMPLE_PHONES: readonly string[] = PHONE_COUNTRIES.flatMap((country) => {
  const example = getExampleNumber(country as CountryCode, examples);
  return example === undefined ? [] : [example.number as string];
});

/** A prefix in a random mix of cases, with random spaces before and after the colon. */
function prefixed(kind: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(fc.boolean(), { minLength: kind.length, maxLength: kind.length }),
      fc.constantFrom('', ' ', '  '),
      fc.constantFrom('', ' ', '\u00a0'),
    )
    .map(
      ([upper, before, after]) =>
        `${[...kind].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')}${before}:${after}`,
    );
}

/** A phone number written with separators, parentheses, a `+` or `00`. */
const writtenPhone: fc.Arbitrary<WrittenIdentifier> = fc
  .tuple(
    prefixed('phone'),
    fc.constantFrom(...EXAMPLE_PHONES),
    fc.constantFrom('+', '00', '(+', '+ '),
    fc.array(fc.constantFrom('', '', ' ', '-', '.', ' - '), { minLength: 20, maxLength: 20 }),
  )
  .map(([prefix, e164, lead, separators]) => {
    const digits = [...e164.slice(1)].map((digit, i) => `${i > 0 ? separators[i] : ''}${digit}`);
    const body =
      lead === '(+'
        ? `(+${digits.slice(0, 2).join('')})${digits.slice(2).join('')}`
        : `${lead}${digits.join('')}`;
    return { text: `${prefix}${body}`, canonical: `phone:${e164}` };
  });

/** Valid identifiers in the forms people write them. */
export const writtenIdentifier: fc.Arbitrary<WrittenIdentifier> = fc.oneof(
  fc
    .tuple(prefixed('id'), fc.stringMatching(/^[0-9]{1,18}$/))
    .map(([prefix, id]) => ({ text: `${prefix}${id}`, canonical: `id:${id}` })),
  fc
    .tuple(
      prefixed('email'),
      fc.emailAddress().filter((email) => identifiers.parse(`email:${email}`).ok),
    )
    .map(([prefix, email]) => {
      const at = email.indexOf('@');
      const shouted = `${email.slice(0, at)}${email.slice(at).toUpperCase()}`;
      return {
        text: `${prefix}${shouted}`,
        canonical: `email:${email.slice(0, at)}${email.slice(at).toLowerCase()}`,
      };
    }),
  writtenPhone,
);

/**
 * Unicode look-alikes of the characters that matter, and what each becomes in a phone number:
 * `ascii` when the parser reads it as its ASCII form, null when it refuses it (elsewhere every
 * one of them is refused; test/lookup/identifier.test.ts decides each).
 */
export const LOOK_ALIKES: readonly { readonly char: string; readonly ascii: string | null }[] = [
  { char: '\uff10', ascii: '0' }, // fullwidth digit zero
  { char: '\uff15', ascii: '5' }, // fullwidth digit five
  { char: '\u0665', ascii: '5' }, // Arabic-Indic digit five
  { char: '\u06f5', ascii: '5' }, // Extended Arabic-Indic digit five
  { char: '\uff0b', ascii: '+' }, // fullwidth plus
  { char: '\uff0d', ascii: '-' }, // fullwidth hyphen-minus
  { char: '\u00a0', ascii: ' ' }, // no-break space
  { char: '\u3000', ascii: ' ' }, // ideographic space
  { char: '\uff1a', ascii: null }, // fullwidth colon
  { char: '\u2236', ascii: null }, // ratio
  { char: '\ua789', ascii: null }, // modifier letter colon
  { char: '\ufe62', ascii: null }, // small plus
  { char: '\u207a', ascii: null }, // superscript plus
  { char: '\u2212', ascii: null }, // minus sign
  { char: '\u2013', ascii: null }, // en dash
  { char: '\u0966', ascii: null }, // Devanagari digit zero
  { char: '\u200b', ascii: null }, // zero-width space
  { char: '\uff0f', ascii: null }, // fullwidth solidus
  { char: '\u2215', ascii: null }, // division slash
];
