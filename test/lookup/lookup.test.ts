import { describe, expect, it } from '@jest/globals';
import type { ContactDirectory, DirectoryAnswer } from '../../functions/lookup/lookup.js';
import { failedLookup, lookupContact } from '../../functions/lookup/lookup.js';
import { identifiers } from '../support/identifiers.js';

function directoryAnswering(answer: DirectoryAnswer) {
  const seen: string[] = [];
  const directory: ContactDirectory = {
    async getContact(identifier) {
      seen.push(identifier.pathSegment);
      return answer;
    },
  };
  return { directory, seen };
}

const options = { deadlineAt: Date.now() + 10_000 };

describe('lookupContact', () => {
  it('maps a found contact to a 200 row', async () => {
    // Prepare
    const { directory, seen } = directoryAnswering({
      ok: true,
      attempts: 1,
      body: { id: 7, firstName: 'Jane' },
    });
    // Act
    const result = await lookupContact(' id:7 ', { identifiers, directory }, options);
    // Assess
    expect(seen).toEqual(['id:7']);
    expect(result.row).toMatchObject({ StatusCode: 200, Message: null, ID: 7, FirstName: 'Jane' });
    expect(result.kind).toBe('found');
    expect(result).not.toHaveProperty('failure');
    expect(result.identifier?.pathSegment).toBe('id:7');
  });

  it('rejects an invalid identifier with a 400 row without calling the directory', async () => {
    // Prepare
    const { directory, seen } = directoryAnswering({ ok: true, attempts: 1, body: {} });
    // Act
    const result = await lookupContact('id:1/message', { identifiers, directory }, options);
    // Assess
    expect(seen).toEqual([]);
    expect(result.row.StatusCode).toBe(400);
    expect(result.row.Message).toMatch(/id:<digits>/);
    expect(result.attempts).toBe(0);
    expect(result).toMatchObject({
      kind: 'failed',
      failure: { statusCode: 400, message: result.row.Message, retryable: false },
      identifier: null,
    });
  });

  it.each([
    [undefined, 'request'],
    ['request', 'request'],
    ['shared', 'shared'],
    ['cache', 'cache'],
  ] as const)('tells how the directory answered (source %s: %s)', async (source, expected) => {
    // Prepare
    const { directory } = directoryAnswering({
      ok: true,
      attempts: source === undefined || source === 'request' ? 1 : 0,
      body: { id: 7 },
      ...(source === undefined ? {} : { source }),
    });
    // Act
    const result = await lookupContact('id:7', { identifiers, directory }, options);
    const rejected = await lookupContact('id:x', { identifiers, directory }, options);
    // Assess
    expect(result.source).toBe(expected);
    expect(rejected.source).toBeNull();
  });

  it('turns a retryable upstream failure into a retryable error row', async () => {
    // Prepare
    const { directory } = directoryAnswering({
      ok: false,
      attempts: 3,
      failure: { kind: 'http', status: 503, body: '<html>busy</html>' },
    });
    // Act
    const result = await lookupContact(
      'email:jane@example.com',
      { identifiers, directory },
      options,
    );
    // Assess
    expect(result.row).toMatchObject({ StatusCode: 503, ID: null });
    expect(result.row.Message).toBe('respond.io answered with HTTP 503');
    expect(result).toMatchObject({
      kind: 'failed',
      failure: { statusCode: 503, message: 'respond.io answered with HTTP 503', retryable: true },
      attempts: 3,
    });
  });

  it('reports a 2xx body that is no contact as a final 502 failure, not as found', async () => {
    // Prepare
    const { directory } = directoryAnswering({ ok: true, attempts: 1, body: 'not a contact' });
    // Act
    const result = await lookupContact('id:7', { identifiers, directory }, options);
    // Assess
    expect(result).toMatchObject({
      kind: 'failed',
      failure: { statusCode: 502, retryable: false },
      row: { StatusCode: 502, ID: null },
    });
    expect(result.kind === 'failed' && result.failure.message).toBe(result.row.Message);
  });
});

describe('failedLookup', () => {
  it('carries the same message as its row, trimmed once when it is too long', () => {
    // Prepare
    const long = 'x'.repeat(2000);
    // Act
    const failed = failedLookup({ statusCode: 500, message: long, retryable: false });
    // Assess
    expect(failed.kind).toBe('failed');
    expect(failed.row.StatusCode).toBe(500);
    expect(failed.row.Message?.length).toBeLessThan(long.length);
    expect(failed.failure.message).toBe(failed.row.Message);
  });
});
