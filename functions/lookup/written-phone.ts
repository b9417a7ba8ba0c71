/**
 * A phone number as people write it, reduced to what the phone number library may see: ASCII
 * digits with a leading `+` when the number carries its country code. Pure; the library itself
 * sits behind core's PhoneNumbers port and never sees the raw input (its lenient extraction
 * would turn `+60 12 123 3112/tag` into a valid number, and a data error must not pass).
 *
 * A written number may hold digits, spaces, dashes, dots, parentheses and one leading `+`
 * (also inside a parenthesis: `(+60) 12 123 3112`) or a leading `00` (the international
 * prefix, read as `+`). Decisions on look-alikes, each tested:
 * - fullwidth digits and `＋－．（）` (what a CJK input method types) and Arabic-Indic and
 *   Extended Arabic-Indic digits (what Arabic and Persian keyboards type) are read as their
 *   ASCII forms, as Google's libphonenumber reads them;
 * - any Unicode space separator (no-break, thin, ideographic...) is a space;
 * - every other character is refused, including look-alike dashes and plus signs (en dash,
 *   minus sign, superscript or small plus), tabs, line breaks, letters, `/ ? # %`.
 */

export type WrittenPhone =
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

/** Reads a written phone number (the text after `phone:`, trimmed). Never throws. */
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
