/**
 * The countries a national phone number may belong to (DEFAULT_PHONE_COUNTRY): the ISO 3166-1
 * alpha-2 codes libphonenumber-js has metadata for, as data, so the settings table checks the
 * setting without the library and the CDK synth refuses an unknown country. A unit test keeps
 * this list equal to the library's own and names a country a library update adds.
 */

import type { ValueReader } from './readers.js';

export const PHONE_COUNTRIES: readonly string[] = (
  'AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR ' +
  'BS BT BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC ' +
  'EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK ' +
  'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB ' +
  'LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY ' +
  'MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT PW PY QA RE RO RS ' +
  'RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TG TH TJ TK TL ' +
  'TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
).split(' ');

const KNOWN = new Set(PHONE_COUNTRIES);

/** The setting's reader: a known country code in any case, given back in upper case. */
export function phoneCountry(): ValueReader<string> {
  return {
    read(value, name) {
      const code = value.toUpperCase();
      if (/^[A-Z]{2}$/.test(code) && KNOWN.has(code)) return { ok: true, value: code };
      return {
        ok: false,
        problem:
          `${name} must be an ISO 3166-1 alpha-2 country code with phone numbering metadata ` +
          `(e.g. MY, SG, US, GB), got ${JSON.stringify(value)}`,
      };
    },
    accepts: 'ISO 3166-1 alpha-2 country code (e.g. `MY`)',
  };
}
