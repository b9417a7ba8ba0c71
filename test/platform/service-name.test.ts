/**
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL take effect on the functions' log lines,
 * through the settings: each function logs under its own name (the constant the stack also sets)
 * unless the variable names another, at the level the variable sets.
 */

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createSqsFunction } from '../../functions/queue/container.js';
import { loadConfig } from '../../functions/settings/config.js';
import { API_SERVICE_NAME, SQS_SERVICE_NAME } from '../../functions/settings/table.js';
import { captureOutput, getEvent, lambdaContext } from '../support/api.js';
import { sqsRecord } from '../support/sqs-record.js';

type LogLine = Record<string, unknown> & { level?: string; service?: string };

const saved = { ...process.env };
let output: ReturnType<typeof captureOutput> | undefined;
beforeEach(() => {
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_SERVICE_NAME;
  delete process.env.POWERTOOLS_LOG_LEVEL;
});
afterEach(() => {
  output?.restore();
  output = undefined;
  process.env = { ...saved };
});

/** The log lines (not the metric lines) of one SQS batch of one poison message. */
async function sqsLogLines(env: Record<string, string>): Promise<LogLine[]> {
  const handler = createSqsFunction(loadConfig(env), {
    tokens: { getToken: async () => 'unused', refresh: async () => 'unused' },
    results: { send: async () => ({ failed: [] }) },
    deadLetters: { move: async () => ({ failed: [] }) },
    metrics: { publish() {} },
  });
  output = captureOutput();
  await handler(
    { Records: [sqsRecord('m-1', 'not json')] },
    { getRemainingTimeInMillis: () => 30_000 },
  );
  return (output.lines() as LogLine[]).filter((line) => line.level !== undefined);
}

describe('the SQS function’s log lines', () => {
  it('carry the function’s own service name by default', async () => {
    // Act
    const lines = await sqsLogLines({});
    // Assess
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.service).toBe(SQS_SERVICE_NAME);
  });

  it('carry the service POWERTOOLS_SERVICE_NAME names', async () => {
    // Act
    const lines = await sqsLogLines({ POWERTOOLS_SERVICE_NAME: 'FromEnvService' });
    // Assess
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.service).toBe('FromEnvService');
  });

  it('are written at the level POWERTOOLS_LOG_LEVEL sets', async () => {
    // Act
    const atInfo = await sqsLogLines({});
    output?.restore();
    const atError = await sqsLogLines({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
    // Assess
    expect(atInfo.map((line) => line.level)).toContain('INFO');
    expect(atError.length).toBeLessThan(atInfo.length);
    expect(atError.filter((line) => line.level !== 'ERROR')).toEqual([]);
  });
});

describe('the API function’s log lines', () => {
  it('carry the function’s own service name (the real handler module, built from the environment)', async () => {
    // Prepare: the handler builds its container at import, from process.env.
    process.env.RESPONDIO_TOKEN_SECRET_ID = 'test/unused';
    process.env.AWS_REGION = 'us-east-1';
    output = captureOutput();
    const { handler } = await import('../../functions/api/handler.js');
    // Act: an identifier that is refused before any token is read or request made.
    const answer = await handler(getEvent('2.0', 'nonsense'), lambdaContext());
    // Assess
    expect(answer.statusCode).toBe(400);
    const lines = (output.lines() as LogLine[]).filter((line) => line.level !== undefined);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.service).toBe(API_SERVICE_NAME);
  });
});
