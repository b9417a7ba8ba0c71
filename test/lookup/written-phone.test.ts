import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readWrittenPhone } from '../../functions/lookup/written-phone.js';

const SEED = 20261202;

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
