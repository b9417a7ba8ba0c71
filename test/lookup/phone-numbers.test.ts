import { describe, expect, it } from '@jest/globals';
import { getCountries } from 'libphonenumber-js/min';
import { toE164 } from '../../functions/lookup/phone-numbers.js';
import { PHONE_COUNTRIES, phoneCountry } from '../../functions/settings/phone-countries.js';

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
