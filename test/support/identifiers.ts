/**
 * Test support: identifier parsers built the way the runtime builds them (the real phone number
 * adapter), without and with a default country for national numbers.
 */

import type { Identifier, IdentifierParser } from '../../functions/lookup/identifier.js';
import { createIdentifierParser } from '../../functions/lookup/identifier.js';

/** The parser of a deployment without DEFAULT_PHONE_COUNTRY. */
export const identifiers: IdentifierParser = createIdentifierParser({ defaultPhoneCountry: null });

/** The parser of a deployment with DEFAULT_PHONE_COUNTRY set to `country`. */
export function identifiersFor(country: string | null): IdentifierParser {
  return createIdentifierParser({ defaultPhoneCountry: country });
}

/** The identifier `text` parses to; throws when it is rejected. */
export function identifierOf(text: string, parser: IdentifierParser = identifiers): Identifier {
  const parsed = parser.parse(text);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(text)} to be accepted`);
  return parsed.identifier;
}
