/**
 * The local run (`npm start`): simulator + Secrets Manager stand-in + the real
 * functions/api/handler.ts behind the local API Gateway front, over real loopback HTTP.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BUDGET_ITEM_KEY } from '../../functions/budget/budget-table.js';
import { OUTPUT_COLUMNS } from '../../functions/lookup/row.js';
import { exitStatusOf, runBatch, type ViaFilesSummary } from '../../local/batch.js';
import { LOCAL_BUDGET_TABLE, localDynamoDbClient } from '../../local/dynamodb-stand-in.js';
import { DEMO_TOKEN, startSimulator } from '../../local/simulator/server.js';
import { type LocalRun, startLocal } from '../../local/start.js';
import { captureOutput } from '../support/api.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX_CLI = `${ROOT}node_modules/tsx/dist/cli.mjs`;

describe('startLocal (in process)', () => {
  const savedEnv = { ...process.env };
  let run: LocalRun;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    delete process.env.ERROR_BEHAVIOR;
    delete process.env.POWERTOOLS_DEV;
    output = captureOutput();
    run = await startLocal({ port: 0, sqsPort: 0 });
  });
  afterAll(async () => {
    await run.close();
    output.restore();
    process.env = savedEnv;
  });

  it('answers GET /contacts/id:1 with a complete success row', async () => {
    // Act
    const response = await fetch(`${run.url}/contacts/id:1`);
    const body = (await response.json()) as Record<string, unknown>;
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(body)).toEqual([...OUTPUT_COLUMNS]);
    for (const column of OUTPUT_COLUMNS) {
      if (column !== 'Message') expect(body[column]).not.toBeNull();
    }
    expect(body).toMatchObject({
      StatusCode: 200,
      Message: null,
      ID: 1,
      FirstName: 'Jane',
      CreatedAt: '2023-11-14T22:13:20.000Z',
    });
  });

  it('answers an unknown id with the 404 row (default FailAndReturnResponse)', async () => {
    // Act
    const response = await fetch(`${run.url}/contacts/id:999999`);
    const body = (await response.json()) as Record<string, unknown>;
    // Assess
    expect(response.status).toBe(404);
    expect(body).toMatchObject({ StatusCode: 404, Message: 'Contact not found', ID: null });
  });

  it('serves the e-mail and POST lookups of the printed curl lines', async () => {
    // Act
    const email = await fetch(`${run.url}/contacts/email:jane.tan@example.com`);
    const post = await fetch(`${run.url}/contacts/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Identifier: 'phone:+60121233112' }),
    });
    // Assess
    expect(email.status).toBe(200);
    expect(post.status).toBe(200);
    expect(((await post.json()) as { ID: number }).ID).toBe(1);
    expect(run.curlLines).toEqual([
      `curl -s ${run.url}/contacts/id:1`,
      `curl -s -i ${run.url}/contacts/id:999999`,
      `curl -s ${run.url}/contacts/email:jane.tan@example.com`,
      `curl -s -X POST ${run.url}/contacts/lookup -H 'content-type: application/json' -d '{"Identifier": "phone:+60121233112"}'`,
    ]);
    expect(run.backend).toBe('simulator');
  });

  it('runs the sample CSV through the local SQS pipeline: found and not-found rows', async () => {
    // Prepare
    const out = join(await mkdtemp(join(tmpdir(), 'local-run-')), 'results.jsonl');
    const printed: string[] = [];
    if (run.queues === null) throw new Error('the queue pipeline did not start');
    // Act
    const summary = await runBatch({
      file: join(ROOT, 'local/sample-rows.csv'),
      out,
      sqsEndpoint: run.queues.endpoint,
      timeoutMs: 20_000,
      progress: 'none',
      print: (line) => printed.push(line),
    });
    // Assess
    const results = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(summary).toMatchObject({ rows: 8, missing: 0 });
    expect(summary.found).toBeGreaterThan(0);
    expect(summary.notFound).toBeGreaterThan(0);
    expect(results).toHaveLength(8);
    expect(results[0]).toMatchObject({ Identifier: 'id:1', StatusCode: 200, ID: 1 });
    expect(results.some((row) => row.StatusCode === 404)).toBe(true);
    expect(printed.join('\n')).toMatch(/found\s+\d+/);
  });

  it('runs the sample CSV through the local file workflow: every row, the run failed for its 404s', async () => {
    // Prepare
    const out = join(await mkdtemp(join(tmpdir(), 'local-run-')), 'results.csv');
    const printed: string[] = [];
    if (run.files === null) throw new Error('the file workflow did not start');
    // Act
    const summary = (await runBatch({
      file: join(ROOT, 'local/sample-rows.csv'),
      out,
      viaFiles: true,
      s3Endpoint: run.files.endpoint,
      timeoutMs: 20_000,
      print: (line) => printed.push(line),
    })) as ViaFilesSummary;
    // Assess: FailAndReturnResponse (the default) fails the run for its not-found and bad rows.
    expect(summary).toMatchObject({ rows: 8, found: 5, notFound: 2, otherErrors: 1, missing: 0 });
    expect(summary.run).toMatchObject({ status: 'rows-failed', error: 'RowsFailed' });
    expect(exitStatusOf(summary)).toBe(1);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(9);
    expect(run.files.plan).toMatchObject({ batchSize: 100, maxConcurrency: 2 });
  });

  it('lets both functions draw from one shared budget on the local DynamoDB', async () => {
    // Prepare
    if (run.budgetTable === null) throw new Error('the local budget table did not start');
    const client = localDynamoDbClient(run.budgetTable.endpoint);
    const read = async () => {
      const answer = await client.send(
        new GetItemCommand({
          TableName: run.budgetTable?.table,
          Key: { pk: { S: BUDGET_ITEM_KEY } },
          ConsistentRead: true,
        }),
      );
      return Number(answer.Item?.nxt?.N ?? Number.NaN);
    };
    // Act
    const before = Date.now();
    const response = await fetch(`${run.url}/contacts/id:3`);
    await response.text();
    const next = await read();
    client.destroy();
    // Assess: the lookup took a slot of the shared budget, 210 ms long at the default 5/s.
    expect(response.status).toBe(200);
    expect(run.budgetTable.table).toBe(LOCAL_BUDGET_TABLE);
    expect(next).toBeGreaterThan(before);
    expect(process.env.RATE_BUDGET_TABLE).toBe(LOCAL_BUDGET_TABLE);
  });

  it('logs one JSON line per request with the response correlation id, never the token', async () => {
    // Act
    const response = await fetch(`${run.url}/contacts/id:2`);
    await response.text();
    // Assess
    const correlationId = response.headers.get('x-correlation-id');
    const lines = output.lines().filter((line) => line.correlation_id === correlationId);
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'API request answered',
        route: 'GET /contacts/{identifier}',
        identifier: 'id:2',
        StatusCode: 200,
        cold_start: expect.any(Boolean),
      }),
    ]);
    expect(output.text()).not.toContain(DEMO_TOKEN);
  });
});

interface Child {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

function startCli(env: Record<string, string>): Child {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...env };
  delete childEnv.NODE_OPTIONS;
  if (!('ERROR_BEHAVIOR' in env)) delete childEnv.ERROR_BEHAVIOR;
  if (!('RESPONDIO_TOKEN' in env)) delete childEnv.RESPONDIO_TOKEN;
  const child = spawn(process.execPath, [TSX_CLI, 'local/start.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { process: child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** Resolves with the URL once the CLI prints it; rejects if the CLI exits first. */
async function listeningUrl(child: Child): Promise<string> {
  const pattern = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(child.stdout());
      if (match?.[1]) {
        child.process.stdout?.off('data', check);
        resolve(match[1]);
      }
    };
    child.process.stdout?.on('data', check);
    child.exit.then((code) => reject(new Error(`exited with ${code}: ${child.stderr()}`)));
    check();
  });
}

/** A child process compiles and starts every stand-in first: seconds idle, more on a busy machine. */
const CHILD_TEST_TIMEOUT_MS = 120_000;

describe('npm start (the CLI, as a child process)', () => {
  it(
    'serves the simulator, prints curl lines and exits 0 on SIGTERM',
    async () => {
      // Prepare
      const child = startCli({});
      const url = await listeningUrl(child);
      // Act
      const response = await fetch(`${url}/contacts/id:1`);
      const body = (await response.json()) as { StatusCode: number };
      child.process.kill('SIGTERM');
      const code = await child.exit;
      // Assess
      expect(response.status).toBe(200);
      expect(body.StatusCode).toBe(200);
      expect(child.stdout()).toContain(`curl -s ${url}/contacts/id:1`);
      expect(child.stdout()).toContain('npm run batch -- local/sample-rows.csv --via-files');
      expect(child.stdout()).toContain('SIGTERM: stopping');
      expect(code).toBe(0);
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    'with RESPONDIO_TOKEN calls the configured respond.io base URL and never prints the token',
    async () => {
      // Prepare: a stand-in for the real API that accepts only this token
      const realToken = 'tok-REAL-4d8e2a61c0';
      const upstream = await startSimulator({ tokens: [realToken] });
      const child = startCli({ RESPONDIO_TOKEN: realToken, RESPONDIO_BASE_URL: upstream.url });
      try {
        const url = await listeningUrl(child);
        // Act
        const response = await fetch(`${url}/contacts/id:3`);
        const body = (await response.json()) as { ID: number };
        child.process.kill('SIGINT');
        const code = await child.exit;
        // Assess
        expect(response.status).toBe(200);
        expect(body.ID).toBe(3);
        expect(upstream.stats().byStatus).toEqual({ 200: 1 });
        expect(child.stdout()).toContain(`respond.io at ${upstream.url}`);
        expect(`${child.stdout()}${child.stderr()}`).not.toContain(realToken);
        expect(code).toBe(0);
      } finally {
        child.process.kill('SIGKILL');
        await upstream.close();
      }
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    'fails at start-up with a clear message on an unknown ERROR_BEHAVIOR',
    async () => {
      // Act
      const child = startCli({ ERROR_BEHAVIOR: 'FailLoudly' });
      const code = await child.exit;
      // Assess
      expect(code).toBe(1);
      expect(child.stderr()).toContain(
        'Could not start: Invalid configuration: ERROR_BEHAVIOR must be one of FailAndReturnResponse, FailWithoutResponse, DoNotFailAndReturnResponse, got "FailLoudly"',
      );
      expect(child.stderr()).not.toMatch(/\n\s+at /);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
