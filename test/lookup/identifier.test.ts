import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import examples from 'libphonenumber-js/examples.mobile';
import { type CountryCode, getExampleNumber } from 'libphonenumber-js/min';
import {
  encodePathSegment,
  type IdentifierParser,
  loggableMessage,
  MAX_IDENTIFIER_LENGTH,
} from '../../functions/lookup/identifier.js';
import { PHONE_COUNTRIES } from '../../functions/settings/phone-countries.js';
import { identifiers, identifiersFor } from '../support/identifiers.js';

const SEED = 20261125;

/** The parser of a deployment with DEFAULT_PHONE_COUNTRY=MY. */
const malaysian = identifiersFor('MY');

function accepted(input: unknown, parser: IdentifierParser = identifiers) {
  const parsed = parser.parse(input);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to be accepted`);
  return parsed.identifier;
}

function rejection(input: unknown, parser: IdentifierParser = identifiers): string {
  const parsed = parser.parse(input);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return parsed.message;
}

/** The path a request would take for this segment under a base URL. */
function pathFor(segment: string): URL {
  return new URL(`https://api.respond.io/v2/contact/${segment}`);
}

/** Every country's example mobile number, as E.164 and in its national format. */
const EXAMPLES = PHONE_COUNTRIES.flatMap((country) => {
  const example = getExampleNumber(country as CountryCode, examples);
  return example === undefined
    ? []
    : [{ country, e164: example.number as string, national: example.formatNational() }];
});

describe('the forms of the issue, with DEFAULT_PHONE_COUNTRY unset and set (MY)', () => {
  it.each([
    ['ID:1', 'id:1'],
    ['Email:jane@example.com', 'email:jane@example.com'],
    ['phone:+60 12-123 3112', 'phone:+60121233112'],
    ['phone:(+60) 12 123 3112', 'phone:+60121233112'],
    ['phone:0060121233112', 'phone:+60121233112'],
    ['id: 1', 'id:1'],
  ])('%j is %j', (input, canonical) => {
    // Act
    const unset = accepted(input);
    const set = accepted(input, malaysian);
    // Assess
    expect(unset.canonical).toBe(canonical);
    expect(set.canonical).toBe(canonical);
    expect(unset.pathSegment).toBe(canonical);
  });

  it('reads a national number as one of DEFAULT_PHONE_COUNTRY', () => {
    // Act
    const identifier = accepted('phone:0121233112', malaysian);
    // Assess
    expect(identifier).toEqual({
      kind: 'phone',
      value: '+60121233112',
      canonical: 'phone:+60121233112',
      pathSegment: 'phone:+60121233112',
      masked: 'phone:+60******112',
    });
  });

  it('refuses a national number without DEFAULT_PHONE_COUNTRY, saying how to fix it', () => {
    // Act
    const message = rejection('phone:0121233112');
    // Assess
    expect(message).toMatch(/^Invalid Identifier: "phone:0121233112" is a national phone number/);
    expect(message).toContain('add the country code');
    expect(message).toContain('set DEFAULT_PHONE_COUNTRY');
  });
});

describe('parsing accepts the documented forms', () => {
  it.each([
    ['id:123', 'id', '123', 'id:123'],
    ['email:jane@example.com', 'email', 'jane@example.com', 'email:jane@example.com'],
    ['phone:+60121233112', 'phone', '+60121233112', 'phone:+60121233112'],
    ['  id:7\n', 'id', '7', 'id:7'],
    ['iD :\t7', 'id', '7', 'id:7'],
    ['PHONE : +60 12 123 3112 ', 'phone', '+60121233112', 'phone:+60121233112'],
    ['phone:+60.12.123.3112', 'phone', '+60121233112', 'phone:+60121233112'],
    ['phone:+1 (213) 373-4253', 'phone', '+12133734253', 'phone:+12133734253'],
    ['phone:00 44 20 7946 0958', 'phone', '+442079460958', 'phone:+442079460958'],
    ['email: Jane.Tan@Example.COM ', 'email', 'Jane.Tan@example.com', 'email:Jane.Tan@example.com'],
    ["email:o'neil+tag@mail.example.co.uk", 'email', "o'neil+tag@mail.example.co.uk", null],
  ])('%j', (input, kind, value, segment) => {
    // Act
    const identifier = accepted(input);
    // Assess
    expect(identifier.kind).toBe(kind);
    expect(identifier.value).toBe(value);
    expect(identifier.canonical).toBe(`${kind}:${value}`);
    if (segment) expect(identifier.pathSegment).toBe(segment);
  });

  it('percent-encodes characters outside the path-safe set', () => {
    // Act
    const identifier = accepted('email:a{b}|c@example.com');
    // Assess
    expect(identifier.pathSegment).toBe('email:a%7Bb%7D%7Cc@example.com');
    expect(identifier.canonical).toBe('email:a{b}|c@example.com');
  });
});

describe('parsing rejects everything else with a message naming the accepted forms', () => {
  it.each([
    [undefined, /required/],
    [null, /required/],
    [123, /must be a string, got number/],
    [{ id: 1 }, /must be a string, got object/],
    ['', /empty/],
    ['   ', /empty/],
    ['123', /no known prefix/],
    ['user:1', /no known prefix/],
    ['i d:1', /no known prefix/],
    [':1', /no known prefix/],
    ['id:', /not a valid id/],
    ['id:abc', /not a valid id/],
    ['id:-1', /not a valid id/],
    ['id:1.5', /not a valid id/],
    ['id:1/message', /not a valid id/],
    ['id:../..', /not a valid id/],
    ['id:1%2F..', /not a valid id/],
    ['id:1?x=1', /not a valid id/],
    ['id:1#frag', /not a valid id/],
    ['id:1 2', /not a valid id/],
    ['id:1234567890123456789', /not a valid id/],
    ['email:a@b.c?x=1', /not a valid email/],
    ['email:a/b@example.com', /not a valid email/],
    ['email:a%2Fb@example.com', /not a valid email/],
    ['email:a@example.com/../x', /not a valid email/],
    ['email:jane@localhost', /not a valid email/],
    ['email:@example.com', /not a valid email/],
    ['email:a@@example.com', /not a valid email/],
    ['email:a..b@example.com', /not a valid email/],
    ['email:jane@exa mple.com', /not a valid email/],
    ['email:jane\u0000@example.com', /not a valid email/],
    ['phone:60121233112', /is a national phone number/],
    ['phone:+0121233112', /not a valid phone: no country has that country code/],
    ['phone:+60 12 123', /not a valid phone: too short for its country/],
    ['phone:+1234567890123456', /not a valid phone/],
    ['phone:+60121233112345', /not a valid phone: too long for its country/],
    ['phone:+6012%2F1', /not a valid phone: a phone number may hold only digits/],
    ['phone:+60 12 123 3112/tag', /not a valid phone: a phone number may hold only digits/],
    ['phone:+60 12 123 3112?x=1', /not a valid phone/],
    ['phone:+60 12 123 3112#x', /not a valid phone/],
    ['phone:+60 12 123 3112 ext. 5', /not a valid phone/],
    ['phone:tel:+60121233112', /not a valid phone/],
    ['phone:60+121233112', /not a valid phone: a \+ may only lead the number/],
    ['phone:++60121233112', /not a valid phone: a \+ may only lead the number/],
    ['phone:+', /not a valid phone: it has no digits/],
    ['phone:00', /not a valid phone: it has no digits/],
    ['phone:( ) -', /not a valid phone: it has no digits/],
    ['phone:', /not a valid phone: it has no digits/],
    [`email:${'a'.repeat(300)}@example.com`, /longer than/],
  ])('%j', (input, reason) => {
    // Act
    const message = rejection(input);
    // Assess
    expect(message).toMatch(/^Invalid Identifier: /);
    expect(message).toMatch(reason);
    expect(message).toContain('id:<digits>');
    expect(message).toContain('email:<address>');
    expect(message).toContain('phone:<number with its country code>');
  });

  it('names the default country when a national number does not fit it', () => {
    // Act
    const message = rejection('phone:012123', malaysian);
    // Assess
    expect(message).toMatch(/too short for its country \(national numbers: MY\)/);
  });

  it('quotes at most 40 characters of a rejected input', () => {
    // Act
    const message = rejection(`id:${'x'.repeat(200)}`);
    // Assess
    expect(message.length).toBeLessThan(400);
    expect(message).toContain('…');
  });
});

describe('Unicode look-alikes: what each becomes', () => {
  it.each([
    ['fullwidth digits', 'phone:+６０１２１２３３１１２', 'phone:+60121233112'],
    [
      'fullwidth plus, dashes, dots and parentheses',
      'phone:（＋６０）１２－１２３．３１１２',
      'phone:+60121233112',
    ],
    ['Arabic-Indic digits', 'phone:+٦٠١٢١٢٣٣١١٢', 'phone:+60121233112'],
    ['Extended Arabic-Indic (Persian) digits', 'phone:+۶۰۱۲۱۲۳۳۱۱۲', 'phone:+60121233112'],
    ['no-break spaces', 'phone:+60\u00a012\u00a0123\u00a03112', 'phone:+60121233112'],
    [
      'narrow no-break and ideographic spaces',
      'phone:+60\u202f12\u3000123 3112',
      'phone:+60121233112',
    ],
  ])('%s are read as ASCII: %j', (_name, input, canonical) => {
    // Act
    const identifier = accepted(input);
    // Assess
    expect(identifier.canonical).toBe(canonical);
    expect(identifier.pathSegment).toBe(canonical);
  });

  it.each([
    ['a fullwidth colon', 'id\uff1a1', /no known prefix/],
    ['a ratio sign as colon', 'id\u22361', /no known prefix/],
    ['a modifier-letter colon', 'phone\ua789+60121233112', /no known prefix/],
    ['a fullwidth prefix', '\uff49\uff44:1', /no known prefix/],
    ['a Kelvin sign in the prefix', 'email\u212a:jane@example.com', /no known prefix/],
    ['a Cyrillic letter in the prefix', 'phon\u0435:+60121233112', /no known prefix/],
    ['fullwidth digits in an id', 'id:\uff11\uff12', /not a valid id/],
    ['Arabic-Indic digits in an id', 'id:\u0661\u0662', /not a valid id/],
    ['a small plus sign', 'phone:\ufe6260121233112', /may hold only digits/],
    ['a superscript plus sign', 'phone:\u207a60121233112', /may hold only digits/],
    ['a heavy plus sign', 'phone:\u279560121233112', /may hold only digits/],
    ['an en dash', 'phone:+60 12\u2013123 3112', /may hold only digits/],
    ['a minus sign', 'phone:+60 12\u2212123 3112', /may hold only digits/],
    ['a tab', 'phone:+60\t12 123 3112', /may hold only digits/],
    ['a line break', 'phone:+60\n12 123 3112', /may hold only digits/],
    ['Devanagari digits', 'phone:+\u096c\u0966121233112', /may hold only digits/],
    ['mathematical bold digits', 'phone:+\u{1d7d4}\u{1d7ce}121233112', /may hold only digits/],
    ['a zero-width space', 'phone:+60\u200b121233112', /may hold only digits/],
    ['a fullwidth slash', 'phone:+60\uff0f121233112', /may hold only digits/],
    ['a percent-encoded plus', 'phone:%2B60121233112', /may hold only digits/],
  ])('%s is refused: %j', (_name, input, reason) => {
    // Act
    const message = rejection(input);
    // Assess
    expect(message).toMatch(reason);
  });
});

describe('parsing properties', () => {
  it('never throws, and whatever it accepts stays one path segment under /contact/', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()),
        fc.constantFrom(identifiers, malaysian),
        (input, parser) => {
          // Act
          const parsed = parser.parse(input);
          // Assess
          if (parsed.ok) {
            const url = pathFor(parsed.identifier.pathSegment);
            expect(url.pathname).toBe(`/v2/contact/${parsed.identifier.pathSegment}`);
            expect(url.search).toBe('');
            expect(url.hash).toBe('');
            expect(parsed.identifier.pathSegment).not.toMatch(/[/?#\\\s]/);
          }
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('gives back the canonical form when given the canonical form', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[0-9]{1,18}$/).map((id) => `id:${id}`),
          fc.emailAddress().map((email) => `email:${email}`),
          fc.constantFrom(...EXAMPLES).map(({ e164 }) => `phone:${e164}`),
        ),
        (input) => {
          // Prepare
          const parsed = identifiers.parse(input);
          fc.pre(parsed.ok);
          if (!parsed.ok) return;
          // Act
          const again = accepted(parsed.identifier.canonical);
          // Assess
          expect(again).toEqual(parsed.identifier);
        },
      ),
      { seed: SEED },
    );
  });

  it('accepts the prefix in any case with any spaces around the colon', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('id:42', 'email:jane@example.com', 'phone:+60121233112'),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.constantFrom('', ' ', '  ', '\t', '\u00a0'),
        fc.constantFrom('', ' ', '  ', '\t', '\u3000'),
        (canonical, upper, before, after) => {
          // Prepare
          const colon = canonical.indexOf(':');
          const prefix = [...canonical.slice(0, colon)]
            .map((char, index) => (upper[index] ? char.toUpperCase() : char))
            .join('');
          const input = `${prefix}${before}:${after}${canonical.slice(colon + 1)}`;
          // Act
          const identifier = accepted(input);
          // Assess
          expect(identifier.canonical).toBe(canonical);
        },
      ),
      { seed: SEED },
    );
  });

  it('accepts every id of 1 to 18 digits, with any surrounding whitespace', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,18}$/),
        fc.constantFrom('', ' ', '\t', '\n '),
        (digits, pad) => {
          // Act
          const identifier = accepted(`${pad}id:${digits}${pad}`);
          // Assess
          expect(identifier.pathSegment).toBe(`id:${digits}`);
        },
      ),
      { seed: SEED },
    );
  });

  it("reads every country's example number in any common written form, with or without a default country", () => {
    const separator = fc.constantFrom(' ', '-', '.', '  ', ' - ');
    fc.assert(
      fc.property(
        fc.constantFrom(...EXAMPLES),
        fc.constantFrom('+', '00', '(+', '+(', '00 '),
        fc.array(separator, { minLength: 20, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        fc.constantFrom(identifiers, malaysian),
        ({ e164 }, lead, separators, splits, parser) => {
          // Prepare: the digits in groups, as people write them; a parenthesis round the first two.
          const digits = e164.slice(1);
          const grouped = (from: number) =>
            [...digits.slice(from)]
              .map((digit, index) => (index > 0 && splits[index] ? separators[index] : '') + digit)
              .join('');
          const input = lead.includes('(')
            ? `phone:${lead}${digits.slice(0, 2)}) ${grouped(2)}`
            : `phone:${lead}${grouped(0)}`;
          // Act
          const identifier = accepted(input, parser);
          // Assess
          expect(identifier.canonical).toBe(`phone:${e164}`);
          expect(identifier.pathSegment).toBe(`phone:${e164}`);
          expect(identifier.masked).not.toContain(e164);
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("reads every country's example number in its national format when DEFAULT_PHONE_COUNTRY is that country, and refuses it when unset", () => {
    // Prepare: every country, not a sample.
    const national = EXAMPLES.filter((example) => !example.national.startsWith('+'));
    // Act
    const read = national.map(({ country, national: written }) => ({
      set: identifiersFor(country).parse(`phone:${written}`),
      unset: identifiers.parse(`phone:${written}`),
    }));
    // Assess
    expect(national.length).toBeGreaterThan(200);
    expect(read.map(({ set }) => (set.ok ? set.identifier.value : set.message))).toEqual(
      national.map(({ e164 }) => e164),
    );
    for (const { unset } of read) {
      expect(unset.ok ? unset.identifier.canonical : unset.message).toMatch(
        /is a national phone number/,
      );
    }
  });

  it('refuses a valid phone number with any character outside the written forms inserted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: '+60 12-123 3112'.length }),
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 3 })
          // Characters of the written forms (and their fullwidth and Arabic-Indic forms) aside.
          .filter(
            (extra) =>
              !/^[0-9 .()+\-\p{Zs}\uff08\uff09\uff0b\uff0d\uff0e\uff10-\uff19\u0660-\u0669\u06f0-\u06f9]+$/u.test(
                extra,
              ),
          )
          .filter((extra) => extra.trim() === extra),
        fc.constantFrom(identifiers, malaysian),
        (at, extra, parser) => {
          // Prepare
          const number = '+60 12-123 3112';
          const input = `phone:${number.slice(0, at)}${extra}${number.slice(at)}`;
          // Act
          const parsed = parser.parse(input);
          // Assess
          expect(parsed.ok).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('lowercases the domain of an e-mail address and keeps the local part as given', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.array(fc.boolean(), { minLength: 254, maxLength: 254 }),
        (email, upper) => {
          // Prepare
          const shouted = [...email].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
          const plain = identifiers.parse(`email:${email}`);
          fc.pre(plain.ok);
          // Act
          const identifier = accepted(`email:${shouted}`);
          // Assess
          const at = shouted.indexOf('@');
          expect(identifier.value).toBe(`${shouted.slice(0, at)}${email.slice(at).toLowerCase()}`);
        },
      ),
      { seed: SEED },
    );
  });

  it('accepts generated e-mail addresses and the segment decodes back to the canonical form', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        // Prepare
        const parsed = identifiers.parse(`email:${email}`);
        fc.pre(parsed.ok && email.length <= 254);
        if (!parsed.ok) return;
        // Assess
        expect(decodeURIComponent(parsed.identifier.pathSegment)).toBe(parsed.identifier.canonical);
      }),
      { seed: SEED },
    );
  });

  it('rejects any value that contains a path, query or fragment delimiter', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('id:', 'email:', 'phone:', 'ID:', 'Phone : '),
        fc.string(),
        fc.constantFrom('/', '?', '#', '\\', '%2F', '%2f', '/..', '%00', '\u0000', '\r\n'),
        fc.string(),
        fc.constantFrom(identifiers, malaysian),
        (prefix, before, delimiter, after, parser) => {
          // Act
          const parsed = parser.parse(`${prefix}${before}${delimiter}${after}x`);
          // Assess
          expect(parsed.ok).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('rejects anything over the length limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_IDENTIFIER_LENGTH + 1, max: 5000 }), (length) => {
        // Act
        const parsed = identifiers.parse(`id:${'1'.repeat(length)}`);
        // Assess
        expect(parsed.ok).toBe(false);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});

describe('masking for logs', () => {
  it.each([
    ['email:jane.doe@example.com', 'email:j***@example.com'],
    ['Email: Jane.Doe@EXAMPLE.com', 'email:J***@example.com'],
    ['phone:+60121233112', 'phone:+60******112'],
    ['phone:(+60) 12-123 3112', 'phone:+60******112'],
    ['id:123', 'id:123'],
    ['not-an-identifier', '<invalid, 17 chars>'],
    [42, '<number>'],
  ])('%j → %j', (input, masked) => {
    // Act & Assess
    expect(identifiers.mask(input)).toBe(masked);
  });

  it('masks a national number in its canonical form when DEFAULT_PHONE_COUNTRY is set', () => {
    // Act & Assess
    expect(malaysian.mask('phone:012-123 3112')).toBe('phone:+60******112');
    expect(identifiers.mask('phone:012-123 3112')).toBe('<invalid, 18 chars>');
  });
});

describe('encodePathSegment', () => {
  it('encodes every path delimiter', () => {
    // Act
    const encoded = encodePathSegment('a/b?c#d%e f');
    // Assess
    expect(encoded).toBe('a%2Fb%3Fc%23d%25e%20f');
  });
});

describe('loggableMessage', () => {
  it('withholds the quoted input of a rejection, keeps the rest', () => {
    // Prepare
    const message = rejection('email:jane.doe@example');
    // Act
    const logged = loggableMessage(message);
    // Assess
    expect(message).toContain('jane.doe@example');
    expect(logged).not.toContain('jane.doe');
    expect(logged).toContain('<input> is not a valid email');
    expect(loggableMessage(null)).toBeNull();
    expect(loggableMessage('Contact not found')).toBe('Contact not found');
  });

  it('withholds the phone number of a national-number rejection', () => {
    // Act
    const logged = loggableMessage(rejection('phone:019-876 5432'));
    // Assess
    expect(logged).not.toContain('876 5432');
    expect(logged).toContain('<input> is a national phone number');
  });
});
