import { describe, expect, it } from '@jest/globals';
import { contactUrl } from '../../functions/lookup/contact-url.js';
import { EXAMPLE_PHONES } from '../support/identifier-forms.js';
import { identifierOf } from '../support/identifiers.js';
import { CRAFTED_PATH_SEGMENTS } from '../support/path-segments.js';

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

  it('accepts the canonical phone segment of every country, with its + raw', () => {
    // Prepare
    const segments = EXAMPLE_PHONES.map((phone) => identifierOf(`phone:${phone}`).pathSegment);
    // Act
    const paths = segments.map((segment) => contactUrl(BASE, segment)?.pathname);
    // Assess
    expect(segments.length).toBeGreaterThan(200);
    expect(paths).toEqual(segments.map((segment) => `/v2/contact/${segment}`));
    expect(segments.every((segment) => /^phone:\+[0-9]+$/.test(segment))).toBe(true);
  });

  it('ignores a trailing slash on the base', () => {
    // Act
    const url = contactUrl(`${BASE}//`, 'id:5');
    // Assess
    expect(url?.pathname).toBe('/v2/contact/id:5');
  });

  it.each([
    ...CRAFTED_PATH_SEGMENTS,
    'id:1%0A',
    'id:1%7F',
    'id:1%zz',
    'id:',
    'phone:+60 12 123 3112',
    'phone:(+60)121233112',
    'Phone:+60121233112',
  ])('refuses the segment %j', (segment) => {
    // Act & Assess
    expect(contactUrl(BASE, segment)).toBeNull();
  });

  it('refuses a base that is not a URL', () => {
    // Act & Assess
    expect(contactUrl('api.respond.io/v2', 'id:1')).toBeNull();
  });
});
