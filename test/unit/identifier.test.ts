import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  encodePathSegment,
  loggableMessage,
  MAX_IDENTIFIER_LENGTH,
  maskIdentifierText,
  parseIdentifier,
} from '../../functions/core/identifier.js';

const SEED = 20261125;

function accepted(input: unknown) {
  const parsed = parseIdentifier(input);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to be accepted`);
  return parsed.identifier;
}

function rejection(input: unknown): string {
  const parsed = parseIdentifier(input);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return parsed.message;
}

/** The path a request would take for this segment under a base URL. */
function pathFor(segment: string): URL {
  return new URL(`https://api.respond.io/v2/contact/${segment}`);
}

describe('parseIdentifier accepts the three documented forms', () => {
  it.each([
    ['id:123', 'id', '123', 'id:123'],
    ['email:jane@example.com', 'email', 'jane@example.com', 'email:jane@example.com'],
    ['phone:+60121233112', 'phone', '+60121233112', 'phone:+60121233112'],
    ['  id:7\n', 'id', '7', 'id:7'],
    ["email:o'neil+tag@mail.example.co.uk", 'email', "o'neil+tag@mail.example.co.uk", null],
  ])('%j', (input, kind, value, segment) => {
    // Act
    const identifier = accepted(input);
    // Assess
    expect(identifier.kind).toBe(kind);
    expect(identifier.value).toBe(value);
    if (segment) expect(identifier.pathSegment).toBe(segment);
  });

  it('percent-encodes characters outside the path-safe set', () => {
    // Act
    const identifier = accepted('email:a{b}|c@example.com');
    // Assess
    expect(identifier.pathSegment).toBe('email:a%7Bb%7D%7Cc@example.com');
  });
});

describe('parseIdentifier rejects everything else with a message naming the accepted forms', () => {
  it.each([
    [undefined, /required/],
    [null, /required/],
    [123, /must be a string, got number/],
    [{ id: 1 }, /must be a string, got object/],
    ['', /empty/],
    ['   ', /empty/],
    ['123', /no known prefix/],
    ['ID:123', /no known prefix/],
    ['user:1', /no known prefix/],
    ['id:', /not a valid id/],
    ['id:abc', /not a valid id/],
    ['id:-1', /not a valid id/],
    ['id:1.5', /not a valid id/],
    ['id:1/message', /not a valid id/],
    ['id:../..', /not a valid id/],
    ['id:1%2F..', /not a valid id/],
    ['id:1?x=1', /not a valid id/],
    ['id:1#frag', /not a valid id/],
    ['id:1 2', /not a valid id/],
    ['id:1234567890123456789', /not a valid id/],
    ['email:a@b.c?x=1', /not a valid email/],
    ['email:a/b@example.com', /not a valid email/],
    ['email:a%2Fb@example.com', /not a valid email/],
    ['email:a@example.com/../x', /not a valid email/],
    ['email:jane@localhost', /not a valid email/],
    ['email:@example.com', /not a valid email/],
    ['email:a@@example.com', /not a valid email/],
    ['email:a..b@example.com', /not a valid email/],
    ['email:jane@exa mple.com', /not a valid email/],
    ['email:jane\u0000@example.com', /not a valid email/],
    ['phone:60121233112', /not a valid phone/],
    ['phone:+0121233112', /not a valid phone/],
    ['phone:+60 12 123', /not a valid phone/],
    ['phone:+1234567890123456', /not a valid phone/],
    ['phone:+6012%2F1', /not a valid phone/],
    [`email:${'a'.repeat(300)}@example.com`, /longer than/],
  ])('%j', (input, reason) => {
    // Act
    const message = rejection(input);
    // Assess
    expect(message).toMatch(/^Invalid Identifier: /);
    expect(message).toMatch(reason);
    expect(message).toContain('id:<digits>');
    expect(message).toContain('email:<address>');
    expect(message).toContain('phone:<E.164 number>');
  });

  it('quotes at most 40 characters of a rejected input', () => {
    // Act
    const message = rejection(`id:${'x'.repeat(200)}`);
    // Assess
    expect(message.length).toBeLessThan(400);
    expect(message).toContain('…');
  });
});

describe('parseIdentifier properties', () => {
  it('never throws, and whatever it accepts stays one path segment under /contact/', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (input) => {
        // Act
        const parsed = parseIdentifier(input);
        // Assess
        if (parsed.ok) {
          const url = pathFor(parsed.identifier.pathSegment);
          expect(url.pathname).toBe(`/v2/contact/${parsed.identifier.pathSegment}`);
          expect(url.search).toBe('');
          expect(url.hash).toBe('');
          expect(parsed.identifier.pathSegment).not.toMatch(/[/?#\\\s]/);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('accepts every id of 1 to 18 digits, with any surrounding whitespace', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,18}$/),
        fc.constantFrom('', ' ', '\t', '\n '),
        (digits, pad) => {
          // Act
          const identifier = accepted(`${pad}id:${digits}${pad}`);
          // Assess
          expect(identifier.pathSegment).toBe(`id:${digits}`);
        },
      ),
      { seed: SEED },
    );
  });

  it('accepts every E.164 number and keeps the + raw in the path', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+[1-9][0-9]{6,14}$/), (phone) => {
        // Act
        const identifier = accepted(`phone:${phone}`);
        // Assess
        expect(identifier.pathSegment).toBe(`phone:${phone}`);
        expect(identifier.masked).not.toBe(`phone:${phone}`);
      }),
      { seed: SEED },
    );
  });

  it('accepts generated e-mail addresses and the segment decodes back to the value', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        // Prepare
        const parsed = parseIdentifier(`email:${email}`);
        fc.pre(parsed.ok && email.length <= 254);
        if (!parsed.ok) return;
        // Assess
        expect(decodeURIComponent(parsed.identifier.pathSegment)).toBe(`email:${email}`);
      }),
      { seed: SEED },
    );
  });

  it('rejects any value that contains a path, query or fragment delimiter', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('id:', 'email:', 'phone:'),
        fc.string(),
        fc.constantFrom('/', '?', '#', '\\', '%2F', '%2f', '/..', '%00', '\u0000', '\r\n'),
        fc.string(),
        (prefix, before, delimiter, after) => {
          // Act
          const parsed = parseIdentifier(`${prefix}${before}${delimiter}${after}x`);
          // Assess
          expect(parsed.ok).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('rejects anything over the length limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_IDENTIFIER_LENGTH + 1, max: 5000 }), (length) => {
        // Act
        const parsed = parseIdentifier(`id:${'1'.repeat(length)}`);
        // Assess
        expect(parsed.ok).toBe(false);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});

describe('masking for logs', () => {
  it.each([
    ['email:jane.doe@example.com', 'email:j***@example.com'],
    ['phone:+60121233112', 'phone:+60******112'],
    ['id:123', 'id:123'],
    ['not-an-identifier', '<invalid, 17 chars>'],
    [42, '<number>'],
  ])('%j → %j', (input, masked) => {
    // Act & Assess
    expect(maskIdentifierText(input)).toBe(masked);
  });
});

describe('encodePathSegment', () => {
  it('encodes every path delimiter', () => {
    // Act
    const encoded = encodePathSegment('a/b?c#d%e f');
    // Assess
    expect(encoded).toBe('a%2Fb%3Fc%23d%25e%20f');
  });
});

describe('loggableMessage', () => {
  it('withholds the quoted input of a rejection, keeps the rest', () => {
    // Prepare
    const parsed = parseIdentifier('email:jane.doe@example');
    if (parsed.ok) throw new Error('expected a rejection');
    // Act
    const logged = loggableMessage(parsed.message);
    // Assess
    expect(parsed.message).toContain('jane.doe@example');
    expect(logged).not.toContain('jane.doe');
    expect(logged).toContain('<input> is not a valid email');
    expect(loggableMessage(null)).toBeNull();
    expect(loggableMessage('Contact not found')).toBe('Contact not found');
  });
});
