/**
 * The identifier parser of a container: core's parsing rules with the phone number adapter
 * (libphonenumber-js) and the configured DEFAULT_PHONE_COUNTRY. Built once per container
 * (createConnector), and the same way by tests and the local run.
 */

import { createPhoneNumbers } from '../adapters/phone-numbers.js';
import type { Config } from '../core/config.js';
import { createIdentifierParser, type IdentifierParser } from '../core/identifier.js';

export function createIdentifiers(config: Pick<Config, 'defaultPhoneCountry'>): IdentifierParser {
  return createIdentifierParser({
    phoneNumbers: createPhoneNumbers(),
    defaultPhoneCountry: config.defaultPhoneCountry,
  });
}
