/**
 * The decorator step of a container's contact directory (createConnector): core's shared
 * lookups around it, with single flight always and the lru-cache contact cache when
 * CONTACT_CACHE_TTL_SECONDS is above 0. The cache lives as long as the container, in its memory.
 */

import type { Timers } from '../platform/clock.js';
import { systemTimers } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Config } from '../settings/config.js';
import { cacheEnabled } from './cache-rules.js';
import { createContactCache } from './contact-cache.js';
import type { ContactDirectory } from './lookup.js';
import { shareLookups } from './shared-lookups.js';

export interface SharedLookupsWiring {
  readonly logger?: Logger;
  /** Clock, epoch ms. Default Date.now (tests give a fake one). */
  readonly now?: () => number;
  /** Default setTimeout. */
  readonly timers?: Timers;
}

export function withSharedLookups(
  directory: ContactDirectory,
  config: Pick<Config, 'contactCache'>,
  wiring: SharedLookupsWiring = {},
): ContactDirectory {
  const policy = config.contactCache;
  const now = wiring.now ?? Date.now;
  return shareLookups(directory, {
    cache: cacheEnabled(policy) ? createContactCache({ maxEntries: policy.maxEntries, now }) : null,
    policy,
    now,
    timers: wiring.timers ?? systemTimers,
    ...(wiring.logger ? { logger: wiring.logger } : {}),
  });
}
