import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getCountries } from 'libphonenumber-js/min';
import { readWrittenPhone, toE164 } from '../../functions/lookup/phone-numbers.js';
import { PHONE_COUNTRIES, phoneCountry } from '../../functions/settings/phone-countries.js';

const SEED = 20261202;
const phoneNumbers = { toE164 };

describe('the phone number adapter (libphonenumber-js, min metadata)', () => {
  it.each([
    ['+60121233112', null, { ok: true, e164: '+60121233112' }],
    ['0121233112', 'MY', { ok: true, e164: '+60121233112' }],
    ['60121233112', 'MY', { ok: true, e164: '+60121233112' }],
    ['2133734253', 'US', { ok: true, e164: '+12133734253' }],
    ['+442079460958', 'MY', { ok: true, e164: '+442079460958' }],
    ['+601212', null, { ok: false, problem: 'too-short' }],
    ['+6', null, { ok: false, problem: 'too-short' }],
    ['+60121233112345', null, { ok: false, problem: 'too-long' }],
    ['+999123456789', null, { ok: false, problem: 'unknown-country-code' }],
    ['+0060121233112', null, { ok: false, problem: 'unknown-country-code' }],
    ['+14150000001', null, { ok: false, problem: 'invalid' }],
    ['0121233112', null, { ok: false, problem: 'unknown-country-code' }],
    ['0121233112', 'XX', { ok: false, problem: 'unknown-country-code' }],
  ])('%j with default country %j', (number, country, expected) => {
    // Act
    const reading = phoneNumbers.toE164(number, country);
    // Assess
    expect(reading).toEqual(expected);
  });

  it('refuses anything but a cleaned number, so the lenient extraction never sees raw input', () => {
    // Act
    const readings = ['+60 12 123 3112', '+60121233112/tag', 'tel:+60121233112', ''].map((raw) =>
      phoneNumbers.toE164(raw, 'MY'),
    );
    // Assess
    expect(readings).toEqual(readings.map(() => ({ ok: false, problem: 'invalid' })));
  });
});

describe('DEFAULT_PHONE_COUNTRY', () => {
  it('knows exactly the countries the phone number library has metadata for', () => {
    // Assess
    expect([...PHONE_COUNTRIES]).toEqual([...getCountries()].sort());
  });

  it.each([
    ['MY', { ok: true, value: 'MY' }],
    ['my', { ok: true, value: 'MY' }],
    ['Gb', { ok: true, value: 'GB' }],
  ])('reads %j', (text, expected) => {
    // Act & Assess
    expect(phoneCountry().read(text, 'DEFAULT_PHONE_COUNTRY')).toEqual(expected);
  });

  it.each(['XX', 'UK', 'MYS', 'M', '60', 'Malaysia'])('refuses %j', (text) => {
    // Act
    const reading = phoneCountry().read(text, 'DEFAULT_PHONE_COUNTRY');
    // Assess
    expect(reading).toEqual({
      ok: false,
      problem: expect.stringMatching(/^DEFAULT_PHONE_COUNTRY must be an ISO 3166-1 alpha-2/),
    });
  });
});

describe('readWrittenPhone', () => {
  it.each([
    ['+60 12-123 3112', { ok: true, international: true, number: '+60121233112' }],
    ['(+60) 12 123 3112', { ok: true, international: true, number: '+60121233112' }],
    ['+(60) 12.123.3112', { ok: true, international: true, number: '+60121233112' }],
    ['0060121233112', { ok: true, international: true, number: '+60121233112' }],
    ['00 60 12 123 3112', { ok: true, international: true, number: '+60121233112' }],
    ['012-123 3112', { ok: true, international: false, number: '0121233112' }],
    ['60121233112', { ok: true, international: false, number: '60121233112' }],
    ['+0060121233112', { ok: true, international: true, number: '+0060121233112' }],
    ['+60/12', { ok: false, problem: 'character' }],
    ['+60 12 ext 5', { ok: false, problem: 'character' }],
    ['60+12', { ok: false, problem: 'plus' }],
    ['(60) +12', { ok: false, problem: 'plus' }],
    ['', { ok: false, problem: 'empty' }],
    ['+', { ok: false, problem: 'empty' }],
    ['00', { ok: false, problem: 'empty' }],
    ['( - )', { ok: false, problem: 'empty' }],
  ])('%j', (text, expected) => {
    // Act
    const read = readWrittenPhone(text);
    // Assess
    expect(read).toEqual(expected);
  });

  it('hands over nothing but ASCII digits with at most one leading +', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        // Act
        const read = readWrittenPhone(text);
        // Assess
        if (read.ok) {
          expect(read.number).toMatch(read.international ? /^\+[0-9]+$/ : /^[0-9]+$/);
          expect(read.international).toBe(read.number.startsWith('+'));
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('keeps the digits of a number whatever separators it is written with', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[1-9][0-9]{6,13}$/),
        fc.array(fc.constantFrom('', ' ', '-', '.', '(', ')', '\u00a0', ' - '), {
          minLength: 16,
          maxLength: 16,
        }),
        (digits, separators) => {
          // Prepare
          const written = [...digits].map((digit, i) => `${separators[i]}${digit}`).join('');
          // Act
          const read = readWrittenPhone(`+${written}`);
          // Assess
          expect(read).toEqual({ ok: true, international: true, number: `+${digits}` });
        },
      ),
      { seed: SEED },
    );
  });
});
