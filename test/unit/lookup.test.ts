import { describe, expect, it } from '@jest/globals';
import { lookupContact } from '../../functions/core/lookup.js';
import type { ContactDirectory, DirectoryAnswer } from '../../functions/core/ports.js';

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
    const result = await lookupContact(' id:7 ', directory, options);
    // Assess
    expect(seen).toEqual(['id:7']);
    expect(result.row).toMatchObject({ StatusCode: 200, Message: null, ID: 7, FirstName: 'Jane' });
    expect(result.retryable).toBe(false);
  });

  it('rejects an invalid identifier with a 400 row without calling the directory', async () => {
    // Prepare
    const { directory, seen } = directoryAnswering({ ok: true, attempts: 1, body: {} });
    // Act
    const result = await lookupContact('id:1/message', directory, options);
    // Assess
    expect(seen).toEqual([]);
    expect(result.row.StatusCode).toBe(400);
    expect(result.row.Message).toMatch(/id:<digits>/);
    expect(result.attempts).toBe(0);
  });

  it('turns a retryable upstream failure into a retryable error row', async () => {
    // Prepare
    const { directory } = directoryAnswering({
      ok: false,
      attempts: 3,
      failure: { kind: 'http', status: 503, body: '<html>busy</html>' },
    });
    // Act
    const result = await lookupContact('email:jane@example.com', directory, options);
    // Assess
    expect(result.row).toMatchObject({ StatusCode: 503, ID: null });
    expect(result.row.Message).toBe('respond.io answered with HTTP 503');
    expect(result.retryable).toBe(true);
  });
});
