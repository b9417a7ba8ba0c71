/**
 * Test support for the API function: log capture, fake directories, events and contexts.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { Identifier } from '../../functions/lookup/identifier.js';
import type {
  ContactDirectory,
  DirectoryAnswer,
  LookupOptions,
} from '../../functions/lookup/lookup.js';
import { createLogger } from '../../functions/platform/logger.js';
import { loadLogSettings } from '../../functions/settings/config.js';
import {
  createLambdaContext,
  type PayloadVersion,
  type ProxyEvent,
  toApiGatewayEvent,
} from '../../local/api-gateway-server.js';

/**
 * Captures what is written to stdout and stderr. The Powertools Logger writes through its own
 * `Console` bound to process.stdout / process.stderr (unless POWERTOOLS_DEV is set, which makes
 * it use the global console), so spying on the streams' `write` sees every log line.
 */
export function captureOutput() {
  const chunks: string[] = [];
  const keep = ((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  }) as never;
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(keep);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(keep);
  return {
    /** Everything written so far. */
    text: () => chunks.join(''),
    /** Every JSON log line written so far. */
    lines: (): Record<string, unknown>[] =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

/** A Powertools logger writing JSON to stdout (never to the global console), at POWERTOOLS_LOG_LEVEL. */
export function testLogger(): Logger {
  delete process.env.POWERTOOLS_DEV;
  return createLogger(loadLogSettings(process.env, 'api-test'));
}

export const JANE = {
  id: 1,
  firstName: 'Jane',
  lastName: 'Tan',
  phone: '+60121233112',
  email: 'jane.tan@example.com',
  language: 'en',
  profilePic: 'https://cdn.example.com/avatars/1.png',
  countryCode: 'MY',
  status: 'open',
  tags: ['vip'],
  assignee: null,
  created_at: 1_700_000_000,
  custom_fields: [{ name: 'plan', value: 'gold' }],
};

export interface FakeDirectory extends ContactDirectory {
  readonly calls: { identifier: Identifier; options: LookupOptions }[];
}

/** A directory that answers every lookup with `answer` and records the calls. */
export function directoryAnswering(
  answer:
    | DirectoryAnswer
    | ((identifier: Identifier) => DirectoryAnswer | Promise<DirectoryAnswer>),
): FakeDirectory {
  const calls: FakeDirectory['calls'] = [];
  return {
    calls,
    async getContact(identifier, options) {
      calls.push({ identifier, options });
      return typeof answer === 'function' ? answer(identifier) : answer;
    },
  };
}

export interface EventSpec {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly payloadVersion: PayloadVersion;
  readonly requestId?: string;
  /** Payload 1.0: path parameters still percent-encoded, as some REST APIs deliver them. */
  readonly encodedPathParameters?: boolean;
}

/** An API Gateway event as the deployed API would send it (via the local adapter). */
export function apiEvent(spec: EventSpec): ProxyEvent {
  return toApiGatewayEvent(
    {
      method: spec.method,
      url: spec.url,
      headers: spec.headers ?? {},
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    },
    {
      payloadVersion: spec.payloadVersion,
      requestId: spec.requestId ?? 'req-test-1',
      ...(spec.encodedPathParameters ? { encodedPathParameters: true } : {}),
    },
  );
}

export function getEvent(version: PayloadVersion, identifierPath: string): ProxyEvent {
  return apiEvent({ method: 'GET', url: `/contacts/${identifierPath}`, payloadVersion: version });
}

export function postEvent(
  version: PayloadVersion,
  body: string | Buffer,
  contentType = 'application/json',
): ProxyEvent {
  return apiEvent({
    method: 'POST',
    url: '/contacts/lookup',
    headers: { 'Content-Type': contentType },
    body,
    payloadVersion: version,
  });
}

export function lambdaContext(requestId = 'lambda-req-1', timeoutMs = 29_000): Context {
  return createLambdaContext({ requestId, timeoutMs });
}
