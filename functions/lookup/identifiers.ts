/**
 * The identifier parser of a container: core's parsing rules with the phone number adapter
 * (libphonenumber-js) and the configured DEFAULT_PHONE_COUNTRY. Built once per container
 * (createConnector), and the same way by tests and the local run.
 */

import type { Config } from '../settings/config.js';
import { createIdentifierParser, type IdentifierParser } from './identifier.js';
import { createPhoneNumbers } from './phone-numbers.js';

export function createIdentifiers(config: Pick<Config, 'defaultPhoneCountry'>): IdentifierParser {
  return createIdentifierParser({
    phoneNumbers: createPhoneNumbers(),
    defaultPhoneCountry: config.defaultPhoneCountry,
  });
}
