import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type ContactRow,
  contactRow,
  errorRow,
  MAX_MESSAGE_LENGTH,
  OUTPUT_COLUMNS,
  readContact,
  unixSecondsToIso,
} from '../../functions/lookup/row.js';

const SEED = 20261125;

const fullContact = {
  id: 1,
  firstName: 'Aisha',
  lastName: 'Rahman',
  phone: '+60121233112',
  email: 'aisha@example.com',
  language: 'ms',
  profilePic: 'https://cdn.example.com/p/1.png',
  countryCode: 'MY',
  status: 'open',
  tags: ['vip', 'newsletter'],
  assignee: { id: 9, firstName: 'Sam', lastName: 'Lee', email: 'sam@example.com', role: 'agent' },
  created_at: 1_700_000_000,
  custom_fields: [
    { name: 'plan', value: 'gold' },
    { name: 'seats', value: 12 },
    { name: 'trial', value: false },
    { name: 'note', value: null },
  ],
  lifecycle: 'customer',
  isBlocked: false,
  somethingNew: { nested: true },
};

function expectAllDataNull(row: ContactRow) {
  for (const column of OUTPUT_COLUMNS) {
    if (column !== 'StatusCode' && column !== 'Message') expect(row[column]).toBeNull();
  }
}

describe('contactRow', () => {
  it('maps every column of a complete contact', () => {
    // Act
    const row = contactRow(fullContact);
    // Assess
    expect(row).toEqual({
      StatusCode: 200,
      Message: null,
      ID: 1,
      Status: 'open',
      Tags: ['vip', 'newsletter'],
      Assignee: { id: 9, firstName: 'Sam', lastName: 'Lee', email: 'sam@example.com' },
      CreatedAt: '2023-11-14T22:13:20.000Z',
      FirstName: 'Aisha',
      LastName: 'Rahman',
      Phone: '+60121233112',
      Email: 'aisha@example.com',
      Language: 'ms',
      ProfilePictureUrl: 'https://cdn.example.com/p/1.png',
      CountryCode: 'MY',
      CustomFields: [
        { name: 'plan', value: 'gold' },
        { name: 'seats', value: 12 },
        { name: 'trial', value: false },
        { name: 'note', value: null },
      ],
    });
  });

  it('has exactly the seed columns, in order', () => {
    // Act
    const row = contactRow(fullContact);
    // Assess
    expect(Object.keys(row)).toEqual([...OUTPUT_COLUMNS]);
  });

  it('turns missing and null fields into null', () => {
    // Act
    const row = contactRow({ id: 2, firstName: 'Bo', lastName: null, assignee: null });
    // Assess
    expect(row).toMatchObject({ StatusCode: 200, ID: 2, FirstName: 'Bo' });
    for (const column of ['LastName', 'Phone', 'Email', 'Tags', 'Assignee', 'CreatedAt'] as const) {
      expect(row[column]).toBeNull();
    }
  });

  it('unwraps a v1-style { data } body', () => {
    // Act & Assess
    expect(contactRow({ data: { id: 3, firstName: 'Cy' } })).toMatchObject({
      ID: 3,
      FirstName: 'Cy',
    });
  });

  it('survives values of the wrong type', () => {
    // Act
    const row = contactRow({
      id: '42',
      firstName: 7,
      tags: ['a', 1, null, { x: 1 }],
      assignee: 'nobody',
      created_at: 'yesterday',
      custom_fields: [{ name: 'ok', value: { deep: 1 } }, { value: 1 }, 'junk'],
    });
    // Assess
    expect(row).toMatchObject({
      StatusCode: 200,
      ID: 42,
      FirstName: '7',
      Tags: ['a', '1'],
      Assignee: null,
      CreatedAt: null,
      CustomFields: [{ name: 'ok', value: null }],
    });
  });

  it.each([null, 'text', 42, [1, 2], true])(
    'maps a non-object body %j to a 502 error row',
    (body) => {
      // Act
      const row = contactRow(body);
      // Assess
      expect(row.StatusCode).toBe(502);
      expect(row.Message).toMatch(/not a contact object/);
      expectAllDataNull(row);
    },
  );

  it.each([null, 'text', 42, [1, 2], true])(
    'reads no contact from a non-object body %j',
    (body) => {
      // Act
      const contact = readContact(body);
      // Assess
      expect(contact).toBeNull();
    },
  );

  it('reads a contact object as its success row, the same row contactRow gives', () => {
    // Prepare
    const body = { id: 7, firstName: 'Ana', tags: ['vip'] };
    // Act
    const contact = readContact(body);
    // Assess
    expect(contact).toEqual(contactRow(body));
    expect(contact?.StatusCode).toBe(200);
  });

  it('never throws and always yields the full column set (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              id: fc.anything(),
              firstName: fc.anything(),
              tags: fc.anything(),
              assignee: fc.anything(),
              created_at: fc.anything(),
              custom_fields: fc.anything(),
              profilePic: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        (body) => {
          // Act
          const row = contactRow(body);
          // Assess
          expect(Object.keys(row)).toEqual([...OUTPUT_COLUMNS]);
          expect(Number.isInteger(row.StatusCode)).toBe(true);
          expect(row.ID === null || Number.isSafeInteger(row.ID)).toBe(true);
          expect(row.Tags === null || row.Tags.every((tag) => typeof tag === 'string')).toBe(true);
          expect(() => JSON.stringify(row)).not.toThrow();
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('unixSecondsToIso', () => {
  it.each([
    [0, '1970-01-01T00:00:00.000Z'],
    [1_700_000_000, '2023-11-14T22:13:20.000Z'],
    ['1700000000', '2023-11-14T22:13:20.000Z'],
    [1_700_000_000.5, '2023-11-14T22:13:20.500Z'],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [1e20, null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%j → %j', (input, expected) => {
    // Act & Assess
    expect(unixSecondsToIso(input)).toBe(expected);
  });
});

describe('errorRow', () => {
  it('sets StatusCode and Message and nulls every data column', () => {
    // Act
    const row = errorRow(404, 'Contact not found');
    // Assess
    expect(row.StatusCode).toBe(404);
    expect(row.Message).toBe('Contact not found');
    expect(Object.keys(row)).toEqual([...OUTPUT_COLUMNS]);
    expectAllDataNull(row);
  });

  it('cuts an over-long message', () => {
    // Act
    const row = errorRow(500, 'x'.repeat(MAX_MESSAGE_LENGTH * 3));
    // Assess
    expect(row.Message).toHaveLength(MAX_MESSAGE_LENGTH);
  });
});

describe('unixSecondsToIso outside the years 0000-9999', () => {
  it.each([253_402_300_800, -62_167_219_201, 1e15])(
    '%j → null (not an RFC 3339 date-time)',
    (s) => {
      // Act & Assess
      expect(unixSecondsToIso(s)).toBeNull();
    },
  );
});
