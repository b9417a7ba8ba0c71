/**
 * Test support: a contact directory whose answers the test gives by hand. Each call waits until
 * the test answers it (`answer(i, ...)`, or `answerAll`), so a test decides exactly which lookups
 * are in flight together.
 */

import type { Identifier } from '../../functions/lookup/identifier.js';
import type {
  ContactDirectory,
  DirectoryAnswer,
  LookupOptions,
} from '../../functions/lookup/lookup.js';

export interface DeferredCall {
  readonly identifier: Identifier;
  readonly options: LookupOptions;
  readonly settle: (answer: DirectoryAnswer) => void;
  readonly fail: (error: Error) => void;
}

export interface DeferredDirectory extends ContactDirectory {
  readonly calls: DeferredCall[];
  /** Answers call `index` (0 for the first). */
  answer(index: number, answer: DirectoryAnswer): void;
  /** Resolves once call `index` has been made. */
  called(index: number): Promise<DeferredCall>;
}

export function deferredDirectory(): DeferredDirectory {
  const calls: DeferredCall[] = [];
  const waiting: { index: number; resolve: (call: DeferredCall) => void }[] = [];
  return {
    calls,
    getContact(identifier, options) {
      return new Promise<DirectoryAnswer>((resolve, reject) => {
        const call = { identifier, options, settle: resolve, fail: reject };
        calls.push(call);
        for (const waiter of waiting.filter((w) => w.index === calls.length - 1)) {
          waiter.resolve(call);
        }
      });
    },
    called(index) {
      const made = calls[index];
      if (made !== undefined) return Promise.resolve(made);
      return new Promise((resolve) => waiting.push({ index, resolve }));
    },
    answer(index, answer) {
      const call = calls[index];
      if (call === undefined) throw new Error(`no call ${index} (${calls.length} made)`);
      call.settle(answer);
    },
  };
}

/** A respond.io contact body named after `name`, so tests can tell answers apart. */
export function contactBody(id: number, name: string): Record<string, unknown> {
  return { id, firstName: name, lastName: 'Tan', status: 'open', tags: [] };
}

export const found = (id: number, name: string, attempts = 1): DirectoryAnswer => ({
  ok: true,
  attempts,
  body: contactBody(id, name),
});

export const NOT_FOUND: DirectoryAnswer = {
  ok: false,
  attempts: 1,
  failure: { kind: 'http', status: 404, body: '{"code":404,"message":"Contact not found"}' },
};

/** One answer of every kind that must never be cached. */
export const FAILURES: Readonly<Record<string, DirectoryAnswer>> = {
  '400': { ok: false, attempts: 1, failure: { kind: 'http', status: 400 } },
  '401': { ok: false, attempts: 2, failure: { kind: 'http', status: 401 } },
  '403': { ok: false, attempts: 1, failure: { kind: 'http', status: 403 } },
  '429': { ok: false, attempts: 3, failure: { kind: 'http', status: 429 } },
  '449': { ok: false, attempts: 3, failure: { kind: 'http', status: 449 } },
  '500': { ok: false, attempts: 3, failure: { kind: 'http', status: 500 } },
  '503': { ok: false, attempts: 3, failure: { kind: 'http', status: 503 } },
  timeout: { ok: false, attempts: 3, failure: { kind: 'timeout', afterMs: 5000 } },
  network: { ok: false, attempts: 3, failure: { kind: 'network', code: 'ECONNRESET' } },
  'token unavailable': {
    ok: false,
    attempts: 0,
    failure: { kind: 'token', reason: 'unavailable', detail: 'throttled' },
  },
  'token invalid': {
    ok: false,
    attempts: 0,
    failure: { kind: 'token', reason: 'invalid', detail: 'empty secret' },
  },
  deadline: { ok: false, attempts: 0, failure: { kind: 'deadline' } },
  internal: { ok: false, attempts: 0, failure: { kind: 'internal', detail: 'bug' } },
  'not a contact': { ok: true, attempts: 1, body: '<html>ok</html>' },
};
