/**
 * The respond.io simulator: a real HTTP server answering `GET /v2/contact/{identifier}` the way
 * respond.io's Developer API v2 does (see ../../docs/local-stand-ins.md), with Bearer auth, a
 * sliding-window rate limit with `X-RateLimit-*` and `Retry-After` headers, and seeded fault
 * injection. Used by the integration tests, the local run and the benchmarks; it logs nothing.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../listen.js';
import { ContactIndex, DEMO_CONTACTS, type SimContact } from './contacts.js';
import { type FaultDecision, FaultInjector, type FaultOptions, isEdgeFault } from './faults.js';
import { RateLimit, TimeWindow } from './rate-window.js';

export type { SimAssignee, SimContact, SimCustomField } from './contacts.js';
export { DEMO_CONTACTS, DEMO_SEED, demoContacts } from './contacts.js';
export type { FaultKind, FaultOptions, FaultRates } from './faults.js';

/** The token the simulator accepts unless told otherwise. Not a secret. */
export const DEMO_TOKEN = 'local-demo-token';

export interface SimulatorOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Accepted Bearer tokens. Default [DEMO_TOKEN]. */
  tokens?: string[];
  /** The contacts it knows. Default DEMO_CONTACTS (ids 1..50). */
  contacts?: readonly SimContact[];
  /** Accepted requests per sliding second; above it, 429. Default: no limit. */
  rateLimitRps?: number;
  /** Latency added to every answer, in ms. Default 0. */
  latencyMs?: number;
  /** Seeded fault injection. Default: none. */
  faults?: FaultOptions;
  /** `Retry-After` of injected 429 and 449 answers, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /**
   * Milliseconds clock for the rate limit, `maxInAnySecond` and the request log. Default: epoch
   * milliseconds with sub-millisecond precision. Tests may pass a fake clock.
   */
  clock?: () => number;
  /** Most recent requests kept in the request log. Default 100000. */
  requestLogLimit?: number;
}

export type RequestOutcome = number | 'reset' | 'hang';

export interface RequestLogEntry {
  /** When the request arrived (the simulator's clock, ms). */
  at: number;
  method: string;
  /** The raw request target, query included, exactly as received. */
  path: string;
  status: RequestOutcome;
}

export interface SimulatorStats {
  /** Every request that reached the server, on any path. */
  requests: number;
  /** Answers by status code, plus `reset` and `hang`. */
  byStatus: Record<string, number>;
  /** 429 answers of the rate limit (not injected ones). */
  rateLimited: number;
  /** Most requests (all of them, rejected included) received in any sliding 1000 ms window. */
  maxInAnySecond: number;
  /** Requests by route: `GET /v2/contact/{identifier}` or `<METHOD> <path>` for anything else. */
  perPath: Record<string, number>;
  /** Faults injected, by kind (`slow` included). */
  injected: Record<string, number>;
}

export interface Simulator {
  /** Base URL ending in /v2, e.g. http://127.0.0.1:4010/v2. */
  url: string;
  port: number;
  stats(): SimulatorStats;
  /** Zeroes the statistics and the request log; the rate limit's window is kept. */
  resetStats(): void;
  /** Replaces the accepted tokens (token rotation). */
  setTokens(tokens: string[]): void;
  /** Replaces fault injection (restarting the generator from the seed), or turns it off. */
  setFaults(faults: FaultOptions | undefined): void;
  /**
   * Sets the limit in accepted requests per sliding second, or removes it. `advertisedRps`
   * (default: the limit) is what X-RateLimit-Limit says, and X-RateLimit-Remaining counts down
   * from it: a limit lowered behind unchanged headers, as when headers cannot be trusted.
   */
  setRateLimit(rps: number | undefined, advertisedRps?: number): void;
  setLatency(ms: number): void;
  requestLog(): readonly RequestLogEntry[];
  close(): Promise<void>;
}

export const CONTACT_ROUTE = 'GET /v2/contact/{identifier}';
const CONTACT_PREFIX = '/v2/contact/';
const MAX_PATH_KEYS = 1000;

const JSON_TYPE = 'application/json; charset=utf-8';
const errorBody = (code: number, message: string) => JSON.stringify({ code, message });
const NOT_FOUND_ROUTE = errorBody(404, 'Not found');
const NOT_FOUND_CONTACT = errorBody(404, 'Contact not found');
const UNAUTHORIZED = errorBody(401, 'UN_AUTHORIZED');
const VALIDATION = errorBody(400, 'Validation error.');
const TOO_MANY = errorBody(429, 'Too many requests');
const QUEUED = errorBody(449, 'Request queued, please retry later');
const INTERNAL = errorBody(500, 'Internal server error');
const BAD_GATEWAY = errorBody(502, 'Bad gateway');
const UNAVAILABLE = errorBody(503, 'Service unavailable');
const GATEWAY_HTML =
  '<html><head><title>502 Bad Gateway</title></head>' +
  '<body><center><h1>502 Bad Gateway</h1></center></body></html>';

const ID = /^id:([0-9]{1,18})$/;
const EMAIL = /^email:([^\s@/?#]+@[^\s@/?#]+\.[^\s@/?#]+)$/;
const PHONE = /^phone:(\+[0-9]{6,15})$/;

type Lookup = { kind: 'id' | 'email' | 'phone'; value: string } | { kind: 'malformed' };

/** Parses the single path segment after /v2/contact/. */
function parseIdentifierSegment(segment: string): Lookup {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return { kind: 'malformed' };
  }
  const id = ID.exec(decoded);
  if (id) return { kind: 'id', value: id[1] as string };
  const email = EMAIL.exec(decoded);
  if (email) return { kind: 'email', value: email[1] as string };
  const phone = PHONE.exec(decoded);
  if (phone) return { kind: 'phone', value: phone[1] as string };
  return { kind: 'malformed' };
}

function emptyStats(): SimulatorStats {
  return {
    requests: 0,
    byStatus: {},
    rateLimited: 0,
    maxInAnySecond: 0,
    perPath: {},
    injected: {},
  };
}

function increment(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

const defaultClock = () => performance.timeOrigin + performance.now();

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? defaultClock;
  const retryAfterSeconds = String(Math.max(1, Math.ceil(options.retryAfterSeconds ?? 1)));
  const logLimit = options.requestLogLimit ?? 100_000;
  const index = new ContactIndex(options.contacts ?? DEMO_CONTACTS);

  let tokens = new Set(options.tokens ?? [DEMO_TOKEN]);
  let rateLimit = rateLimitFor(options.rateLimitRps);
  let advertised: number | undefined;
  let faults = options.faults ? new FaultInjector(options.faults) : undefined;
  let latencyMs = options.latencyMs ?? 0;
  let stats = emptyStats();
  let log: RequestLogEntry[] = [];
  const arrivals = new TimeWindow(1000);
  const timers = new Set<NodeJS.Timeout>();

  function record(entry: RequestLogEntry): void {
    increment(stats.byStatus, String(entry.status));
    log.push(entry);
    if (log.length >= logLimit * 2) log = log.slice(-logLimit);
  }

  function later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, delayMs);
    timers.add(timer);
  }

  function send(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string>,
    delayMs: number,
    contentType = JSON_TYPE,
  ): void {
    const write = () => {
      if (res.destroyed || res.writableEnded) return;
      if (status === 449) res.statusMessage = 'Retry With';
      res.writeHead(status, {
        ...headers,
        'Content-Type': contentType,
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.end(body);
    };
    if (delayMs > 0) later(delayMs, write);
    else write();
  }

  function hang(socket: Socket, hangMs: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      socket.destroy();
    }, hangMs);
    timers.add(timer);
    socket.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  function reset(socket: Socket): void {
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  function isAuthorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    return tokens.has(header.slice('Bearer '.length).trim());
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const now = clock();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    stats.requests += 1;
    stats.maxInAnySecond = Math.max(stats.maxInAnySecond, arrivals.add(now));

    const rateHeaders = (remaining?: number): Record<string, string> =>
      rateLimit
        ? {
            'X-RateLimit-Limit': String(advertised ?? rateLimit.rps),
            'X-RateLimit-Remaining': String(
              advertised === undefined
                ? (remaining ?? rateLimit.remaining(now))
                : Math.max(0, advertised - (rateLimit.rps - rateLimit.remaining(now))),
            ),
          }
        : {};
    const answer = (
      status: number,
      body: string,
      headers: Record<string, string>,
      delayMs: number,
      contentType?: string,
    ) => {
      record({ at: now, method, path: target, status });
      send(res, status, body, headers, delayMs, contentType);
    };

    const end = target.search(/[?#]/);
    const pathname = end < 0 ? target : target.slice(0, end);
    const segment = pathname.startsWith(CONTACT_PREFIX)
      ? pathname.slice(CONTACT_PREFIX.length)
      : '';
    if (method !== 'GET' || segment === '' || segment.includes('/')) {
      const key = `${method} ${pathname}`;
      if (key in stats.perPath || Object.keys(stats.perPath).length < MAX_PATH_KEYS) {
        increment(stats.perPath, key);
      } else {
        increment(stats.perPath, 'other');
      }
      answer(404, NOT_FOUND_ROUTE, rateHeaders(), latencyMs);
      return;
    }
    increment(stats.perPath, CONTACT_ROUTE);

    const decision: FaultDecision = faults ? faults.next() : { fault: null, extraLatencyMs: 0 };
    const delayMs = latencyMs + decision.extraLatencyMs;
    if (decision.extraLatencyMs > 0) increment(stats.injected, 'slow');
    const fault = decision.fault;

    if (fault && isEdgeFault(fault)) {
      increment(stats.injected, fault);
      switch (fault) {
        case 'reset':
          record({ at: now, method, path: target, status: 'reset' });
          reset(req.socket);
          return;
        case 'hang':
          record({ at: now, method, path: target, status: 'hang' });
          hang(req.socket, faults?.hangMs ?? 0);
          return;
        case 'nonJson':
          answer(502, GATEWAY_HTML, rateHeaders(), delayMs, 'text/html; charset=utf-8');
          return;
        case 'status502':
          answer(502, BAD_GATEWAY, rateHeaders(), delayMs);
          return;
        case 'status503':
          answer(503, UNAVAILABLE, rateHeaders(), delayMs);
          return;
        default:
          // A gateway timeout with an empty body, as edges often send.
          answer(504, '', rateHeaders(), delayMs, 'text/plain');
          return;
      }
    }

    if (!isAuthorized(req)) {
      answer(401, UNAUTHORIZED, rateHeaders(), delayMs);
      return;
    }

    let remaining: number | undefined;
    if (rateLimit) {
      const admission = rateLimit.admit(now);
      if (!admission.admitted) {
        stats.rateLimited += 1;
        const headers = {
          ...rateHeaders(0),
          'Retry-After': String(admission.retryAfterSeconds),
        };
        answer(429, TOO_MANY, headers, delayMs);
        return;
      }
      remaining = admission.remaining;
    }

    if (fault) {
      increment(stats.injected, fault);
      const retryable = { ...rateHeaders(remaining), 'Retry-After': retryAfterSeconds };
      if (fault === 'status449') answer(449, QUEUED, retryable, delayMs);
      else if (fault === 'status429') answer(429, TOO_MANY, retryable, delayMs);
      else answer(500, INTERNAL, rateHeaders(remaining), delayMs);
      return;
    }

    const lookup = parseIdentifierSegment(segment);
    if (lookup.kind === 'malformed') {
      answer(400, VALIDATION, rateHeaders(remaining), delayMs);
      return;
    }
    const contact = index.find(lookup.kind, lookup.value);
    if (!contact) {
      answer(404, NOT_FOUND_CONTACT, rateHeaders(remaining), delayMs);
      return;
    }
    answer(200, JSON.stringify(contact), rateHeaders(remaining), delayMs);
  }

  const server = createServer({ keepAliveTimeout: 5000 }, handle);
  const { port, url: baseUrl } = await listen(server, host, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    url: `${baseUrl}/v2`,
    port,
    stats: () => structuredClone(stats),
    resetStats() {
      stats = emptyStats();
      log = [];
      arrivals.clear();
    },
    setTokens(next) {
      tokens = new Set(next);
    },
    setFaults(next) {
      faults = next ? new FaultInjector(next) : undefined;
    },
    setRateLimit(rps, advertisedRps) {
      rateLimit = rateLimitFor(rps);
      advertised = advertisedRps;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    requestLog: () => (log.length > logLimit ? log.slice(-logLimit) : log.slice()),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function rateLimitFor(rps: number | undefined): RateLimit | undefined {
  if (rps === undefined || rps === Number.POSITIVE_INFINITY) return undefined;
  if (!(rps > 0)) throw new RangeError(`rate limit must be a positive number, got ${rps}`);
  return new RateLimit(rps);
}
