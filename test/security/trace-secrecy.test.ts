/**
 * Security check: with tracing on, what reaches X-Ray carries status codes, counts and timings,
 * and never an identifier (raw, percent-encoded or masked), contact data or the token.
 *
 * Both real handler modules run in a child process (test/support/traced-invocations.ts) that
 * looks like Lambda to the real Powertools Tracer and X-Ray SDK; this test is their X-Ray daemon
 * (UDP on 127.0.0.1) and reads every segment document they send. Behind them: the respond.io
 * simulator, the Secrets Manager stand-in (a real SDK client records its call) and a small
 * SendMessageBatch stand-in for the results and dead-letter queues.
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../local/secrets-manager-stand-in.js';
import { type Simulator, startSimulator } from '../../local/simulator/server.js';
import type { TracedPlan } from '../support/traced-invocations.js';

const TOKEN = 'tok_TRACE_SECRECY_Qm4Zt8Wk2Rb6';
const SECRET_ID = 'security/trace-token';
const PLAN: TracedPlan = {
  api: ['email:jane.tan@example.com', 'phone:+60121233112', 'id:999999', 'nonsense'],
  sqs: ['id:1', 'email:nobody@example.com', 'id:2'],
  doneDatagram: 'traced-invocations: done',
};
/** Contact 1 of the simulator, as respond.io returns it: none of it may reach a trace. */
const CONTACT_DATA = [
  'Jane',
  'Tan',
  '60121233112',
  'jane.tan',
  'example.com',
  'Aisha',
  'Rahman',
  'agency.example',
  'kuala-lumpur',
  'newsletter',
  'gold',
  'avatars',
  'C-9', // a field carried through from the input row
];

interface SegmentDocument {
  readonly name: string;
  readonly annotations?: Record<string, unknown>;
  readonly http?: { readonly response?: { readonly status?: number } };
  readonly parent_id?: string;
  readonly id: string;
  readonly namespace?: string;
  readonly aws?: Record<string, unknown>;
}

/** SendMessageBatch over the AWS JSON protocol: every entry accepted, with its body's MD5. */
function startSendMessageBatchStandIn(): Promise<Server> {
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      const { Entries = [] } = JSON.parse(text || '{}') as {
        Entries?: { Id: string; MessageBody: string }[];
      };
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          Successful: Entries.map((entry) => ({
            Id: entry.Id,
            MessageId: `m-${entry.Id}`,
            MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
          })),
          Failed: [],
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let simulator: Simulator;
let secrets: SecretsManagerStandIn;
let queues: Server;
let daemon: Socket;
const datagrams: string[] = [];
let childOutput: { apiStatuses: number[]; batchItemFailures: number };

beforeAll(async () => {
  // Prepare
  simulator = await startSimulator({ tokens: [TOKEN] });
  secrets = await startSecretsManagerStandIn();
  secrets.setSecret(SECRET_ID, JSON.stringify({ token: TOKEN }));
  queues = await startSendMessageBatchStandIn();
  const queuesUrl = `http://127.0.0.1:${(queues.address() as AddressInfo).port}/000000000000`;
  daemon = createSocket('udp4');
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  const done = new Promise<void>((resolve) => {
    daemon.on('message', (message) => {
      const text = message.toString('utf8');
      if (text === PLAN.doneDatagram) resolve();
      else datagrams.push(text);
    });
  });

  // Act
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/traced-invocations.ts', JSON.stringify(PLAN)],
    {
      cwd: new URL('../../', import.meta.url).pathname,
      env: {
        PATH: process.env.PATH,
        // What Lambda with active tracing sets.
        LAMBDA_TASK_ROOT: '/var/task',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_LAMBDA_FUNCTION_NAME: 'trace-secrecy',
        _X_AMZN_TRACE_ID:
          'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDTRACESECRECY',
        AWS_SECRET_ACCESS_KEY: 'trace-secrecy',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        // What the stack sets.
        POWERTOOLS_TRACE_ENABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        RESPONDIO_BASE_URL: `${simulator.url}`,
        RESPONDIO_TOKEN_SECRET_ID: SECRET_ID,
        RESPONDIO_RATE_LIMIT_RPS: '50',
        RESULTS_QUEUE_URL: `${queuesUrl}/results`,
        DEAD_LETTER_QUEUE_URL: `${queuesUrl}/dead-letters`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (exitCode !== 0) throw new Error(`traced invocations failed (${exitCode}): ${stderr}`);
  await done;
  childOutput = JSON.parse(stdout.trim().split('\n').pop() as string);
});

afterAll(async () => {
  daemon?.close();
  await new Promise((resolve) => queues?.close(resolve));
  await secrets?.close();
  await simulator?.close();
});

/** The segment documents received: each datagram is a header line and one document. */
function documents(): SegmentDocument[] {
  return datagrams.map((text) => JSON.parse(text.slice(text.indexOf('\n') + 1)));
}

describe('security: what the functions send to X-Ray', () => {
  it('the functions answered as usual with tracing on', () => {
    // Assess
    expect(childOutput).toEqual({ apiStatuses: [200, 200, 404, 400], batchItemFailures: 0 });
  });

  it('traces each lookup with its attempts, and the Secrets Manager and SQS calls', () => {
    // Act
    const segments = documents();
    const named = (name: string) => segments.filter((segment) => segment.name === name);
    // Assess: three API lookups reach respond.io ('nonsense' is refused first), three in the batch.
    expect(named('respond.io lookup')).toHaveLength(6);
    const attempts = named('respond.io GET contact');
    expect(attempts).toHaveLength(6);
    const lookupIds = new Set(named('respond.io lookup').map((segment) => segment.id));
    for (const attempt of attempts) {
      expect(lookupIds.has(String(attempt.parent_id))).toBe(true);
      expect(attempt.namespace).toBe('remote');
    }
    expect(attempts.map((segment) => segment.http?.response?.status).sort()).toEqual([
      200, 200, 200, 200, 404, 404,
    ]);
    expect(named('respond.io lookup').map((segment) => segment.annotations)).toContainEqual({
      outcome: 'http',
      status_code: 404,
      attempts: 1,
      duration_ms: expect.any(Number),
    });
    expect(attempts[0]?.annotations).toEqual({
      status_code: expect.any(Number),
      latency_ms: expect.any(Number),
      budget_wait_ms: expect.any(Number),
    });
    expect(named('SecretsManager').map((segment) => segment.aws?.operation)).toEqual([
      'GetSecretValue',
      'GetSecretValue',
    ]);
    expect(named('SQS').map((segment) => segment.aws?.operation)).toContain('SendMessageBatch');
  });

  it('annotates with numbers, flags and fixed labels only', () => {
    for (const segment of documents()) {
      for (const value of Object.values(segment.annotations ?? {})) {
        // Assess
        expect(
          typeof value === 'number' ||
            typeof value === 'boolean' ||
            ['found', 'http', 'timeout', 'network', 'token', 'deadline', 'internal'].includes(
              String(value),
            ),
        ).toBe(true);
      }
    }
  });

  it('never carries an identifier, contact data, a respond.io path or the token', () => {
    // Prepare
    // Each identifier whole, percent-encoded, and its value (ids of a digit or two excepted:
    // such digits are in every timestamp).
    const identifiers = [...PLAN.api, ...PLAN.sqs].flatMap((identifier) => [
      identifier,
      encodeURIComponent(identifier),
      ...[identifier.slice(identifier.indexOf(':') + 1)].filter((value) => value.length > 4),
    ]);
    const forbidden = [TOKEN, ...identifiers, ...CONTACT_DATA, '/contact/', '***'];
    // Act
    const everything = datagrams.join('\n');
    // Assess
    expect(datagrams.length).toBeGreaterThan(10);
    expect(forbidden.filter((text) => everything.includes(text))).toEqual([]);
  });
});
