import { describe, expect, it } from '@jest/globals';
import { contactUrl } from '../../../functions/adapters/respondio/contact-url.js';
import { CRAFTED_PATH_SEGMENTS } from '../../support/path-segments.js';

/**
 * The URL guard on its own: the only URL built is `{base}/contact/{segment}`. The directory's
 * refusal of such identifiers (no request, no token read) is test/integration/respondio/.
 */

const BASE = 'https://api.respond.io/v2';

describe('contactUrl', () => {
  it.each([
    ['id:123', 'https://api.respond.io/v2/contact/id:123'],
    ['email:jane+vip@example.com', 'https://api.respond.io/v2/contact/email:jane+vip@example.com'],
    ['phone:+60121233112', 'https://api.respond.io/v2/contact/phone:+60121233112'],
    ['email:a%40b.c', 'https://api.respond.io/v2/contact/email:a%40b.c'],
  ])('puts %j in one segment under /contact', (segment, expected) => {
    // Act
    const url = contactUrl(BASE, segment);
    // Assess
    expect(url?.href).toBe(expected);
  });

  it('ignores a trailing slash on the base', () => {
    // Act
    const url = contactUrl(`${BASE}//`, 'id:5');
    // Assess
    expect(url?.pathname).toBe('/v2/contact/id:5');
  });

  it.each([...CRAFTED_PATH_SEGMENTS, 'id:1%0A', 'id:1%7F', 'id:1%zz', 'id:'])(
    'refuses the segment %j',
    (segment) => {
      // Act & Assess
      expect(contactUrl(BASE, segment)).toBeNull();
    },
  );

  it('refuses a base that is not a URL', () => {
    // Act & Assess
    expect(contactUrl('api.respond.io/v2', 'id:1')).toBeNull();
  });
});
