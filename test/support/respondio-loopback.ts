/**
 * Test support: a scripted stand-in for respond.io on 127.0.0.1 that records every request it
 * sees (method, raw target, Authorization), plus the real respond.io directory wired to it with a
 * fixed token, no rate limit and no waits, so property tests run many cases per second.
 */

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateLimiter } from '../../functions/budget/limiter.js';
import type { ContactDirectory } from '../../functions/lookup/lookup.js';
import {
  createRespondioDirectory,
  type RespondioOptions,
} from '../../functions/lookup/respondio.js';
import type { TokenSource } from '../../functions/lookup/token.js';

export interface SeenRequest {
  readonly method: string;
  /** The request target exactly as received, query included. */
  readonly url: string;
  readonly authorization: string | undefined;
}

export type Reply =
  | {
      readonly status: number;
      readonly body?: string | Buffer;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Drops the connection without an answer. */
  | 'reset'
  /** Never answers (until the server closes). */
  | 'hang';

export type Responder = (request: SeenRequest) => Reply;

export interface RespondioLoopback {
  /** e.g. http://127.0.0.1:41234/v2 */
  readonly baseUrl: string;
  /** Every request received, in order of arrival. */
  readonly seen: SeenRequest[];
  respond(responder: Responder): void;
  /** Requests whose target is not exactly `/v2/contact/<one segment>` without a query. */
  offPath(): SeenRequest[];
  close(): Promise<void>;
}

/** The only request target the connector may ever send: one segment, no query, no fragment. */
export const CONTACT_TARGET = /^\/v2\/contact\/[^/?#\\]+$/;

export const CONTACT_BODY = {
  id: 42,
  firstName: 'Ana',
  lastName: 'Lim',
  phone: '+60121233112',
  email: 'ana.lim@example.com',
  language: 'ms',
  profilePic: null,
  countryCode: 'MY',
  status: 'open',
  tags: ['vip'],
  assignee: { id: 7, firstName: 'Sam', lastName: 'Ong', email: 'sam@example.com' },
  created_at: 1_700_000_000,
  custom_fields: [{ name: 'tier', value: 'gold' }],
};

/** Answers every request with CONTACT_BODY. */
export const answerContact: Responder = () => ({
  status: 200,
  body: JSON.stringify(CONTACT_BODY),
  headers: { 'content-type': 'application/json' },
});

export async function startRespondioLoopback(
  responder: Responder = answerContact,
): Promise<RespondioLoopback> {
  let current = responder;
  const seen: SeenRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const request: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    };
    seen.push(request);
    req.resume();
    const reply = current(request);
    if (reply === 'reset') {
      req.socket.destroy();
      return;
    }
    if (reply === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    try {
      const body = reply.body ?? '';
      res.writeHead(reply.status, {
        ...reply.headers,
        'content-length': String(Buffer.byteLength(body)),
      });
      res.end(body);
    } catch {
      req.socket.destroy();
    }
  });
  // Longer than any pause between cases, so a client never reuses a socket the server closes.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    seen,
    respond(next) {
      current = next;
    },
    offPath: () => seen.filter((request) => !CONTACT_TARGET.test(request.url)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of hanging) res.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A token source that always has `token`. */
export function fixedTokens(token: string): TokenSource {
  return { getToken: async () => token, refresh: async () => token };
}

/** A rate limiter that never waits (the tests measure behaviour, not pacing). */
export const NO_RATE_LIMIT: RateLimiter = {
  acquire: async () => true,
  feedback: () => undefined,
  rate: () => Number.POSITIVE_INFINITY,
};

/** The real respond.io directory against `baseUrl`, fast: no pacing, no waits between attempts. */
export function fastDirectory(
  baseUrl: string,
  tokens: TokenSource,
  overrides: Partial<RespondioOptions> = {},
): ContactDirectory {
  return createRespondioDirectory({
    baseUrl,
    tokens,
    limiter: NO_RATE_LIMIT,
    // The stand-in answers at once: only a busy machine could be slow (hangs give their own).
    requestTimeoutMs: 15_000,
    maxAttempts: 2,
    maxRetryAfterMs: 0,
    random: () => 0,
    sleep: async () => undefined,
    minAttemptMs: 0,
    ...overrides,
  });
}
