/**
 * Shared pieces of the benchmark sections: settings, a fixed token source, in-memory SQS sinks,
 * SQS records, and the respond.io simulator and the local DynamoDB in child processes (so that
 * their CPU and event loops are not the measured process's).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SQSRecord } from 'aws-lambda';
import type { TokenSource } from '../../functions/lookup/token.js';
import type {
  DeadLetterMove,
  DeadLetterSink,
  ResultMessage,
  ResultSink,
} from '../../functions/queue/sinks.js';
import { resultMessageBody } from '../../functions/queue/sqs-sinks.js';
import { DEMO_TOKEN } from '../../local/simulator/server.js';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The simulator's demo token, as a token source (no Secrets Manager in the benchmark). */
export const demoTokens: TokenSource = {
  getToken: async () => DEMO_TOKEN,
  refresh: async () => DEMO_TOKEN,
};

/** A positive number from the environment, or the fallback. */
export function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** A comma-separated list of positive whole numbers from the environment, or the fallback. */
export function listSetting(name: string, fallback: readonly number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive whole numbers`);
  }
  return values;
}

/** Waits `ms` milliseconds (the adapters' one sleep). */
export { sleep as pause } from '../../functions/platform/clock.js';

/** 90% known contacts (cycling through ids 1..known), 10% unknown ids (404). */
export function identifiers(count: number, known: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 10 === 9 ? `id:${900_000 + i}` : `id:${(i % known) + 1}`,
  );
}

/** SQS records as Lambda hands them over: one `{"Identifier": ...}` message per identifier. */
export function sqsRecords(ids: readonly string[], prefix: string): SQSRecord[] {
  const now = String(Date.now());
  return ids.map((identifier, row) => ({
    messageId: `${prefix}-${row}`,
    receiptHandle: `${prefix}-${row}`,
    body: JSON.stringify({ Identifier: identifier, row }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-input',
    awsRegion: 'us-east-1',
  }));
}

/**
 * Results and dead-letter sinks that keep what they are given. The results sink serialises each
 * row with the real queue sink's `resultMessageBody`, so that cost is counted.
 */
export function memorySinks(): {
  results: ResultSink;
  deadLetters: DeadLetterSink;
  bodies: string[];
  statusCodes: number[];
  moves: DeadLetterMove[];
} {
  const bodies: string[] = [];
  const statusCodes: number[] = [];
  const moves: DeadLetterMove[] = [];
  return {
    bodies,
    statusCodes,
    moves,
    results: {
      async send(results: readonly ResultMessage[]) {
        for (const result of results) {
          bodies.push(resultMessageBody(result));
          statusCodes.push(result.row.StatusCode);
        }
        return { failed: [] };
      },
    },
    deadLetters: {
      async move(batch) {
        moves.push(...batch);
        return { failed: [] };
      },
    },
  };
}

/** The remaining-time part of a Lambda context, counting down from `timeoutMs`. */
export function batchContext(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0) };
}

export interface SimulatorProcess {
  /** Base URL ending in /v2. */
  readonly url: string;
  /** Stops the child and returns the statistics it prints on SIGTERM. */
  stop(): Promise<{
    requests: number;
    byStatus: Record<string, number>;
    maxInAnySecond: number;
    /** With `--log-arrivals`: each request's path, arrival time (the child's epoch ms), status. */
    arrivals?: [path: string, at: number, status: number | string][];
  }>;
  /** With `--control`: sets the limit it enforces (and the one its headers advertise). */
  setRateLimit(rps: number | undefined, advertisedRps?: number): void;
}

/** A loopback service running in a child process of its own. */
export interface ServiceProcess {
  readonly url: string;
  /** Stops the child; resolves to the last JSON line it printed (its statistics), if any. */
  stop(): Promise<string>;
  /** Writes one line to the child's standard input. */
  send(line: string): void;
}

/**
 * Starts `script` (a file under the project root) in a child Node process (through tsx) and
 * resolves once it has printed `listening at <url>`.
 */
export async function startServiceProcess(
  script: string,
  args: readonly string[],
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, script), '--port', '0', ...args],
    { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let jsonLine = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s`)), 30_000);
    lines.on('line', (line) => {
      const match = /listening at (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      } else if (line.startsWith('{')) {
        jsonLine = line;
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before starting: ${stderr}`));
    });
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return jsonLine;
    },
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
  };
}

/**
 * Starts `local/simulator/cli.ts` in a child Node process (through tsx) on a free loopback port
 * and resolves once it has printed its URL.
 */
export async function startSimulatorProcess(args: readonly string[]): Promise<SimulatorProcess> {
  const service = await startServiceProcess('local/simulator/cli.ts', args);
  return {
    url: service.url,
    setRateLimit(rps, advertisedRps) {
      service.send(
        rps === undefined
          ? 'limit none'
          : `limit ${rps}${advertisedRps === undefined ? '' : ` ${advertisedRps}`}`,
      );
    },
    async stop() {
      const statsLine = await service.stop();
      try {
        return JSON.parse(statsLine);
      } catch {
        return { requests: Number.NaN, byStatus: {}, maxInAnySecond: Number.NaN };
      }
    },
  };
}

/** The local DynamoDB stand-in with the budget table, in a child process (local/dynamodb-cli.ts). */
export function startDynamoDbProcess(): Promise<ServiceProcess> {
  return startServiceProcess('local/dynamodb-cli.ts', []);
}
