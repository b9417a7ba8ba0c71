/**
 * The SigV4 helper the deploy guide names (infra/scripts/call-api.ts), run as users run it,
 * against a loopback stand-in of the deployed API that records what arrives.
 */

import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('infra/scripts/call-api.ts', () => {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"StatusCode":200,"ID":1}');
    });
  });
  let apiUrl = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_PROFILE: '',
  };

  async function callApi(...args: string[]) {
    return run(`${ROOT}node_modules/.bin/tsx`, ['infra/scripts/call-api.ts', apiUrl, ...args], {
      cwd: ROOT,
      env,
    });
  }

  it('signs a GET with SigV4 for execute-api and encodes the identifier as one segment', async () => {
    // Act
    const { stdout } = await callApi('email:jane@example.com');
    // Assess
    const request = seen.at(-1);
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('/contacts/email%3Ajane%40example.com');
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(stdout).toContain('HTTP 200');
    expect(stdout).not.toContain('wJalrXUtnFEMI');
  });

  it('signs a POST /contacts/lookup with the JSON body', async () => {
    // Act
    await callApi('phone:+60121233112', '--post');
    // Assess
    const request = seen.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/contacts/lookup');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ Identifier: 'phone:+60121233112' });
    expect(request?.headers.authorization).toMatch(/content-type/);
  });
});
