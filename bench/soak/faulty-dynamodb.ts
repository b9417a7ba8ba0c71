/**
 * Coordinator faults for the soak and the tests: a loopback HTTP front in front of the local
 * DynamoDB stand-in (dynalite) that, with seeded decisions per request, answers throttling
 * (400 ThrottlingException), internal errors (500), or answers slower than the functions'
 * coordinator timeout, and that can be switched into an outage (every request hangs until the
 * caller gives up) for a while. Requests that pass are forwarded unchanged, over the real
 * DynamoDB JSON protocol, so the adapter meets these faults exactly as it would meet DynamoDB's.
 */

import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { listen, readBody } from '../../local/listen.js';
import { seededRandom } from '../../local/seeded-random.js';

export interface CoordinatorFaultRates {
  /** Probability that a request is answered 400 ThrottlingException. */
  readonly throttle: number;
  /** Probability that a request is answered 500 InternalServerError. */
  readonly error: number;
  /** Probability that a request is forwarded but answered only after `slowMs`. */
  readonly slow: number;
}

export interface CoordinatorFaultCounts {
  requests: number;
  throttled: number;
  errors: number;
  slow: number;
  /** Requests that arrived during an outage (never answered). */
  duringOutage: number;
}

export interface FaultyDynamoDb {
  /** Endpoint URL of the front. */
  readonly url: string;
  setRates(rates: CoordinatorFaultRates): void;
  /** While on, every request hangs (its connection is closed after `hangMs`). */
  setOutage(on: boolean): void;
  counts(): CoordinatorFaultCounts;
  close(): Promise<void>;
}

export interface FaultyDynamoDbOptions {
  /** The stand-in's endpoint, e.g. http://127.0.0.1:4567. */
  readonly upstream: string;
  readonly seed: number;
  readonly rates?: CoordinatorFaultRates;
  /** How late a slow answer comes, ms (above the functions' coordinator timeout). */
  readonly slowMs?: number;
  /** How long a request during an outage is held before its connection is closed, ms. */
  readonly hangMs?: number;
}

export const NO_COORDINATOR_FAULTS: CoordinatorFaultRates = { throttle: 0, error: 0, slow: 0 };

const AMZ_JSON = 'application/x-amz-json-1.0';

function fault(type: string, message: string): string {
  return JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
}

export async function startFaultyDynamoDb(options: FaultyDynamoDbOptions): Promise<FaultyDynamoDb> {
  const random = seededRandom(options.seed);
  let rates = options.rates ?? NO_COORDINATOR_FAULTS;
  let outage = false;
  const slowMs = options.slowMs ?? 500;
  const hangMs = options.hangMs ?? 2000;
  const counts: CoordinatorFaultCounts = {
    requests: 0,
    throttled: 0,
    errors: 0,
    slow: 0,
    duringOutage: 0,
  };
  const upstream = new URL(options.upstream);
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  function forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = {
        ...req.headers,
        host: upstream.host,
        'content-length': String(body.length),
      };
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === 'string') out[name] = value;
            }
            resolve({ status: res.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  const server: Server = createServer(async (req, res) => {
    counts.requests += 1;
    const body = (await readBody(req, 1024 * 1024)) ?? Buffer.alloc(0);
    if (outage) {
      counts.duringOutage += 1;
      later(hangMs, () => res.destroy());
      return;
    }
    const draw = random();
    if (draw < rates.throttle) {
      counts.throttled += 1;
      res.writeHead(400, { 'content-type': AMZ_JSON });
      res.end(fault('ThrottlingException', 'Rate of requests exceeds the allowed throughput.'));
      return;
    }
    if (draw < rates.throttle + rates.error) {
      counts.errors += 1;
      res.writeHead(500, { 'content-type': AMZ_JSON });
      res.end(fault('InternalServerError', 'Internal server error'));
      return;
    }
    const slow = draw < rates.throttle + rates.error + rates.slow;
    if (slow) counts.slow += 1;
    try {
      const answer = await forward(req, body);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      };
      if (slow) later(slowMs, send);
      else send();
    } catch {
      res.destroy();
    }
  });
  const { url } = await listen(server, '127.0.0.1', 0);
  return {
    url,
    setRates(next) {
      rates = next;
    },
    setOutage(on) {
      outage = on;
    },
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
