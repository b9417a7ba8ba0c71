import { describe, expect, it } from '@jest/globals';
import {
  baseUrl,
  flag,
  integer,
  integerIn,
  list,
  number,
  numberWhere,
  oneOf,
  textWhere,
} from '../../functions/settings/readers.js';
import { readSettings, setting } from '../../functions/settings/setting.js';

describe('the value readers', () => {
  it.each(
    [
      [number(1, 5), '2.5', { ok: true, value: 2.5 }],
      [number(1, 5), '9', { ok: false, problem: 'X must be a number from 1 to 5, got "9"' }],
      [number(1, 5), 'NaN', { ok: false, problem: 'X must be a number from 1 to 5, got "NaN"' }],
      [integer(1, 5), '3', { ok: true, value: 3 }],
      [integer(1, 5), '2.5', { ok: false, problem: 'X must be a whole number, got "2.5"' }],
      [integerIn([1, 3, 7], 'odd'), '3', { ok: true, value: 3 }],
      [integerIn([1, 3, 7], 'odd'), '5', { ok: false, problem: 'X must be one of 1, 3, 7, got 5' }],
      [oneOf(['iam', 'jwt']), 'JWT', { ok: true, value: 'jwt' }],
      [
        oneOf(['iam', 'jwt'], { hint: 'never none' }),
        'none',
        { ok: false, problem: 'X must be iam or jwt, got "none" (never none)' },
      ],
      [oneOf(['a', 'b', 'c']), 'd', { ok: false, problem: 'X must be one of a, b, c, got "d"' }],
      [list(), ' a, ,b ', { ok: true, value: ['a', 'b'] }],
      [flag(), 'False', { ok: true, value: false }],
      [flag(), 'true', { ok: true, value: true }],
      [flag(), 'yes', { ok: false, problem: 'X must be true or false, got "yes"' }],
      [
        baseUrl({ loopbackHttp: true }),
        'http://127.0.0.1:9/v2/',
        { ok: true, value: 'http://127.0.0.1:9/v2' },
      ],
      [
        baseUrl({ loopbackHttp: false }),
        'http://127.0.0.1:9/v2',
        { ok: false, problem: 'X must use https' },
      ],
      [
        numberWhere(
          number(0, 1),
          (value) => value < 1,
          () => 'X must be below 1',
          'below 1',
        ),
        '1',
        { ok: false, problem: 'X must be below 1' },
      ],
      [
        textWhere(
          (value) => value.startsWith('arn:'),
          (name, value) => `${name} is not an ARN: ${value}`,
          'ARN',
        ),
        'topic',
        { ok: false, problem: 'X is not an ARN: topic' },
      ],
    ].map(([reader, text, expected]) => ({ reader, text, expected })),
  )('$reader.accepts reads $text', ({ reader, text, expected }) => {
    // Act & Assess
    expect(
      (reader as { read: (text: string, name: string) => unknown }).read(text as string, 'X'),
    ).toEqual(expected);
  });

  it('say what they accept, for the settings tables of docs/', () => {
    // Assess
    expect(integer(1, 20).accepts).toBe('whole number 1–20');
    expect(number(0.1, 10_000).accepts).toBe('number 0.1–10000');
    expect(oneOf(['iam', 'jwt']).accepts).toBe('`iam`, `jwt`');
  });
});

describe('readSettings', () => {
  const TABLE = {
    count: setting({
      env: 'COUNT',
      context: 'count',
      readBy: 'functions',
      read: integer(1, 10),
      default: 2,
      doc: 'A count.',
      deployed: { read: integer(1, 5), default: 4, why: 'Deployed: at most 5.' },
    }),
    label: setting<string | null>({
      env: 'LABEL',
      readBy: 'local',
      read: textWhere(
        (value) => value !== 'bad',
        () => 'LABEL is bad',
        'text',
      ),
      default: null,
      doc: 'A label.',
    }),
  };

  it('reads trimmed values and gives the default for an absent or empty one', () => {
    // Act
    const { values, problems } = readSettings(TABLE, 'environment', (name) =>
      name === 'COUNT' ? ' 7 ' : '  ',
    );
    // Assess
    expect(problems).toEqual([]);
    expect(values).toEqual({ count: 7, label: null });
  });

  it('reads the context with the deployed reader and default', () => {
    // Act & Assess
    expect(readSettings(TABLE, 'context', () => undefined).values.count).toBe(4);
    expect(readSettings(TABLE, 'context', () => 5).values.count).toBe(5);
    expect(readSettings(TABLE, 'context', () => 7).problems).toEqual([
      'count must be a number from 1 to 5, got "7"',
    ]);
  });

  it('reports every problem at once, refuses a value that is not a single one, and keeps defaults', () => {
    // Act
    const { values, problems } = readSettings(TABLE, 'environment', (name) =>
      name === 'COUNT' ? { many: 1 } : 'bad',
    );
    // Assess
    expect(problems).toEqual(['COUNT must be a single value, got {"many":1}', 'LABEL is bad']);
    expect(values).toEqual({ count: 2, label: null });
  });

  it('reads only the settings `include` accepts', () => {
    // Act
    const { values, problems } = readSettings(
      TABLE,
      'environment',
      () => 'bad',
      (declared) => declared.readBy !== 'local',
    );
    // Assess
    expect(problems).toEqual(['COUNT must be a number from 1 to 10, got "bad"']);
    expect(values.label).toBeNull();
  });
});
