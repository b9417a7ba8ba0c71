import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { toE164 } from '../../functions/lookup/phone-numbers.js';
import { seededRandom } from '../../local/seeded-random.js';
import { TimeWindow } from '../../local/simulator/rate-window.js';
import {
  DEMO_CONTACTS,
  DEMO_TOKEN,
  demoContacts,
  type FaultRates,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../local/simulator/server.js';

const AUTH = { authorization: `Bearer ${DEMO_TOKEN}` };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(
  simulator: Simulator,
  path: string,
  init: RequestInit = { headers: AUTH },
): Promise<Answer> {
  const response = await fetch(`${simulator.url}${path}`, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A clock the test moves by hand, so time windows are exact and nothing sleeps. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    set(ms: number) {
      now = start + ms;
    },
  };
}

const started: Simulator[] = [];
async function simulatorWith(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = await startSimulator(options);
  started.push(simulator);
  return simulator;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((simulator) => simulator.close()));
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    // Prepare
    const first = seededRandom(7);
    const second = seededRandom(7);
    const other = seededRandom(8);
    // Act
    const a = Array.from({ length: 1000 }, first);
    const b = Array.from({ length: 1000 }, second);
    const c = Array.from({ length: 1000 }, other);
    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = a.reduce((sum, value) => sum + value, 0) / a.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('demo contacts', () => {
  it('has ids 1..50 covering the complete, sparse, many-tag and extra-field cases', () => {
    // Prepare
    const byId = new Map(DEMO_CONTACTS.map((contact) => [contact.id, contact]));
    // Act
    const complete = byId.get(1);
    // Assess
    expect(DEMO_CONTACTS.map((contact) => contact.id)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(complete?.assignee).not.toBeNull();
    expect(complete?.custom_fields.length).toBeGreaterThan(1);
    expect(complete?.tags.length).toBeGreaterThan(1);
    expect(Object.values(complete ?? {}).includes(null)).toBe(false);
    expect(DEMO_CONTACTS.some((contact) => contact.tags.length === 10)).toBe(true);
    expect(DEMO_CONTACTS.some((contact) => contact.email === null && contact.phone === null)).toBe(
      true,
    );
    expect(DEMO_CONTACTS.some((contact) => 'isBlocked' in contact && 'locale' in contact)).toBe(
      true,
    );
  });

  it('generates the same contacts for a seed, other ones for another seed, unique keys', () => {
    // Act
    const first = demoContacts(1000, 11);
    const again = demoContacts(1000, 11);
    const other = demoContacts(1000, 12);
    // Assess
    expect(first).toEqual(again);
    expect(first).not.toEqual(other);
    expect(first.slice(0, 4)).toEqual(other.slice(0, 4));
    const emails = first.flatMap((contact) => (contact.email ? [contact.email.toLowerCase()] : []));
    const phones = first.flatMap((contact) => (contact.phone ? [contact.phone] : []));
    expect(new Set(emails).size).toBe(emails.length);
    expect(new Set(phones).size).toBe(phones.length);
    expect(phones.every((phone) => /^\+[1-9][0-9]{6,14}$/.test(phone))).toBe(true);
    // Each is a number the connector accepts (libphonenumber-js), so each can be looked up.
    const phoneNumbers = { toE164 };
    expect(phones.filter((phone) => !phoneNumbers.toE164(phone, null).ok)).toEqual([]);
  });
});

describe('TimeWindow', () => {
  it('counts events in the half-open window (now - span, now] across growth', () => {
    // Prepare
    const window = new TimeWindow(1000);
    // Act
    for (let t = 0; t < 200; t += 1) window.add(t);
    const atEnd = window.count(199);
    const afterFirstExpires = window.count(1000);
    const later = window.count(1150);
    // Assess
    expect(atEnd).toBe(200);
    expect(afterFirstExpires).toBe(199);
    expect(later).toBe(49);
    expect(window.oldest(1150)).toBe(151);
  });
});

describe('respond.io simulator: GET /v2/contact/{identifier}', () => {
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator();
  });

  afterAll(async () => {
    await simulator.close();
  });

  it('serves a flat contact body for id, email (any case) and phone (raw + or %2B)', async () => {
    // Act
    const byId = await get(simulator, '/contact/id:1');
    const byEmail = await get(simulator, '/contact/email:JANE.TAN@Example.com');
    const byRawPhone = await get(simulator, '/contact/phone:+60121233112');
    const byEncodedPhone = await get(simulator, '/contact/phone:%2B60121233112');
    const byEncodedColon = await get(simulator, '/contact/id%3A1');
    // Assess
    expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(byId.status).toBe(200);
    expect(byId.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(byId.text) as Record<string, unknown>;
    expect(body).toEqual(DEMO_CONTACTS[0]);
    expect(body).not.toHaveProperty('data');
    expect(body).toMatchObject({
      id: 1,
      firstName: expect.any(String),
      tags: expect.any(Array),
      assignee: { id: expect.any(Number), email: expect.any(String) },
      created_at: expect.any(Number),
      custom_fields: expect.arrayContaining([{ name: expect.any(String), value: 12 }]),
    });
    for (const answer of [byEmail, byRawPhone, byEncodedPhone, byEncodedColon]) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ id: 1 });
    }
    expect(byId.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers 401 without a valid Bearer token', async () => {
    // Act
    const missing = await get(simulator, '/contact/id:1', {});
    const wrong = await get(simulator, '/contact/id:1', {
      headers: { authorization: 'Bearer not-the-token' },
    });
    const basic = await get(simulator, '/contact/id:1', {
      headers: { authorization: `Basic ${DEMO_TOKEN}` },
    });
    // Assess
    for (const answer of [missing, wrong, basic]) {
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toEqual({ code: 401, message: 'UN_AUTHORIZED' });
    }
  });

  it.each([
    'id:abc',
    'id:',
    'nope:1',
    'email:not-an-address',
    'phone:60121233112',
    'phone:+12ab',
    'id:1%2Fmessage',
    'email:a%40b.c%3Fx%3D1',
    '%E0%A4%A',
    'id:1%00',
  ])('answers 400 Validation error for the malformed identifier %s', async (segment) => {
    // Act
    const answer = await get(simulator, `/contact/${segment}`);
    // Assess
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ code: 400, message: 'Validation error.' });
  });

  it('answers 404 Contact not found for unknown contacts', async () => {
    // Act
    const answers = await Promise.all([
      get(simulator, '/contact/id:99999'),
      get(simulator, '/contact/email:nobody@example.com'),
      get(simulator, '/contact/phone:+10000000000'),
    ]);
    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({ code: 404, message: 'Contact not found' });
    }
  });

  it('answers 404 Not found off the contact route and logs every request it received', async () => {
    // Prepare
    simulator.resetStats();
    // Act
    const answers = await Promise.all([
      get(simulator, '/contact/id:1/message'),
      get(simulator, '/contact'),
      get(simulator, '/contact/'),
      get(simulator, '/messages'),
      get(simulator, '/contact/id:1', { method: 'POST', headers: AUTH, body: '{}' }),
      get(simulator, '/contact/id:1', { method: 'DELETE', headers: AUTH }),
    ]);
    const found = await get(simulator, '/contact/id:2?fields=all');
    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({ code: 404, message: 'Not found' });
    }
    expect(found.status).toBe(200);
    const log = simulator.requestLog();
    expect(log).toHaveLength(7);
    expect(log.filter((entry) => entry.status === 404).map((entry) => entry.path)).toEqual(
      expect.arrayContaining(['/v2/contact/id:1/message', '/v2/messages', '/v2/contact']),
    );
    expect(log.filter((entry) => entry.method === 'POST')).toHaveLength(1);
    expect(log.at(-1)).toMatchObject({ method: 'GET', path: '/v2/contact/id:2?fields=all' });
    const stats = simulator.stats();
    expect(stats.requests).toBe(7);
    expect(stats.byStatus).toEqual({ '200': 1, '404': 6 });
    expect(stats.perPath['GET /v2/contact/{identifier}']).toBe(1);
    expect(stats.perPath['DELETE /v2/contact/id:1']).toBe(1);
  });

  it('accepts a rotated token after setTokens and rejects the old one', async () => {
    // Prepare
    simulator.setTokens(['rotated-token']);
    // Act
    const old = await get(simulator, '/contact/id:1');
    const rotated = await get(simulator, '/contact/id:1', {
      headers: { authorization: 'Bearer rotated-token' },
    });
    simulator.setTokens([DEMO_TOKEN]);
    const restored = await get(simulator, '/contact/id:1');
    // Assess
    expect(old.status).toBe(401);
    expect(rotated.status).toBe(200);
    expect(restored.status).toBe(200);
  });

  it('adds the configured latency to answers', async () => {
    // Prepare
    simulator.setLatency(120);
    const before = performance.now();
    // Act
    const answer = await get(simulator, '/contact/id:1');
    const elapsed = performance.now() - before;
    simulator.setLatency(0);
    // Assess
    expect(answer.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(115);
  });
});

describe('respond.io simulator: rate limit', () => {
  it('answers 429 with Retry-After above the limit and X-RateLimit-* on every answer', async () => {
    // Prepare
    const time = manualClock();
    const simulator = await simulatorWith({ rateLimitRps: 2, clock: time.clock });
    // Act
    const first = await get(simulator, '/contact/id:1');
    time.set(400);
    const second = await get(simulator, '/contact/id:99999');
    time.set(600);
    const third = await get(simulator, '/contact/id:1');
    time.set(999);
    const fourth = await get(simulator, '/contact/id:1');
    time.set(1000);
    const afterFirstLeft = await get(simulator, '/contact/id:1');
    const unauthorized = await get(simulator, '/contact/id:1', {});
    // Assess
    expect([first.status, second.status, third.status, fourth.status]).toEqual([
      200, 404, 429, 429,
    ]);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(JSON.parse(third.text)).toEqual({ code: 429, message: 'Too many requests' });
    expect(afterFirstLeft.status).toBe(200);
    expect(afterFirstLeft.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-ratelimit-limit')).toBe('2');
    expect(simulator.stats().rateLimited).toBe(2);
  });

  it('can be set, and lifted, while running', async () => {
    // Prepare
    const time = manualClock();
    const simulator = await simulatorWith({ clock: time.clock });
    // Act
    const unlimited = await get(simulator, '/contact/id:1');
    simulator.setRateLimit(1);
    const admitted = await get(simulator, '/contact/id:1');
    time.set(10);
    const limited = await get(simulator, '/contact/id:1');
    simulator.setRateLimit(undefined);
    const lifted = await get(simulator, '/contact/id:1');
    // Assess
    expect(unlimited.headers.get('x-ratelimit-limit')).toBeNull();
    expect(admitted.status).toBe(200);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(lifted.status).toBe(200);
    expect(lifted.headers.get('x-ratelimit-remaining')).toBeNull();
  });

  it('can lower its limit behind unchanged X-RateLimit headers (headers that cannot be trusted)', async () => {
    // Prepare
    const time = manualClock();
    const simulator = await simulatorWith({ clock: time.clock, rateLimitRps: 10 });
    // Act: the limit drops to 1 while the headers still say 10.
    simulator.setRateLimit(1, 10);
    const admitted = await get(simulator, '/contact/id:1');
    time.set(10);
    const refused = await get(simulator, '/contact/id:1');
    // Assess
    expect(admitted.status).toBe(200);
    expect(admitted.headers.get('x-ratelimit-limit')).toBe('10');
    expect(admitted.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('10');
  });

  it('computes maxInAnySecond over all requests, rejected ones and other paths included', async () => {
    // Prepare
    const time = manualClock();
    const simulator = await simulatorWith({ rateLimitRps: 100, clock: time.clock });
    // Act: 3 at 0 ms, 2 at 500 ms (one 401, one off-route), 3 at 1000 ms, 1 at 2600 ms.
    for (let i = 0; i < 3; i += 1) await get(simulator, '/contact/id:1');
    time.set(500);
    await get(simulator, '/contact/id:1', {});
    await get(simulator, '/nowhere');
    const atHalfSecond = simulator.stats().maxInAnySecond;
    time.set(1000);
    for (let i = 0; i < 3; i += 1) await get(simulator, '/contact/id:1');
    time.set(2600);
    await get(simulator, '/contact/id:1');
    const stats = simulator.stats();
    simulator.resetStats();
    // Assess: the window (now - 1000, now] at 1000 ms holds the 2 at 500 and the 3 at 1000.
    expect(atHalfSecond).toBe(5);
    expect(stats.requests).toBe(9);
    expect(stats.maxInAnySecond).toBe(5);
    expect(simulator.stats()).toMatchObject({ requests: 0, maxInAnySecond: 0, byStatus: {} });
    expect(simulator.requestLog()).toEqual([]);
  });
});

describe('respond.io simulator: seeded faults', () => {
  const rates: FaultRates = {
    status500: 0.1,
    status502: 0.1,
    status503: 0.1,
    status504: 0.1,
    status449: 0.1,
    status429: 0.1,
    nonJson: 0.1,
  };

  async function statusSequence(simulator: Simulator, count: number): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 0; i < count; i += 1) answers.push(await get(simulator, '/contact/id:1'));
    return answers;
  }

  it('injects the same faults for the same seed and other faults for another seed', async () => {
    // Prepare
    const first = await simulatorWith({ faults: { seed: 42, rates }, retryAfterSeconds: 3 });
    const second = await simulatorWith({ faults: { seed: 42, rates } });
    const third = await simulatorWith({ faults: { seed: 43, rates } });
    // Act
    const a = await statusSequence(first, 60);
    const b = await statusSequence(second, 60);
    const c = await statusSequence(third, 60);
    first.setFaults({ seed: 42, rates });
    const restarted = await statusSequence(first, 60);
    // Assess
    const statuses = (answers: Answer[]) => answers.map((answer) => answer.status);
    expect(statuses(a)).toEqual(statuses(b));
    expect(statuses(restarted)).toEqual(statuses(a));
    expect(statuses(c)).not.toEqual(statuses(a));
    expect(new Set(statuses(a))).toEqual(new Set([200, 429, 449, 500, 502, 503, 504]));
    const injected = second.stats().injected;
    const faultCount = b.filter((answer) => answer.status !== 200).length;
    expect(Object.values(injected).reduce((sum, n) => sum + n, 0)).toBe(faultCount);
    const queued = a.find((answer) => answer.status === 449);
    expect(queued?.headers.get('retry-after')).toBe('3');
    const gatewayTimeout = a.find((answer) => answer.status === 504);
    expect(gatewayTimeout?.text).toBe('');
    const html = a.find((answer) => answer.status === 502 && answer.text.startsWith('<html'));
    expect(html?.headers.get('content-type')).toMatch(/^text\/html/);
    const json502 = a.find((answer) => answer.status === 502 && answer.text.startsWith('{'));
    expect(JSON.parse(json502?.text ?? 'null')).toEqual({ code: 502, message: 'Bad gateway' });
  });

  it('applies edge faults before authentication and app faults only after it', async () => {
    // Prepare
    const edge = await simulatorWith({ faults: { seed: 1, rates: { status503: 1 } } });
    const app = await simulatorWith({ faults: { seed: 1, rates: { status500: 1 } } });
    // Act
    const edgeAnswer = await get(edge, '/contact/id:1', {});
    const appAnswer = await get(app, '/contact/id:1', {});
    const appAuthorized = await get(app, '/contact/id:1');
    // Assess
    expect(edgeAnswer.status).toBe(503);
    expect(appAnswer.status).toBe(401);
    expect(appAuthorized.status).toBe(500);
    expect(JSON.parse(appAuthorized.text)).toEqual({
      code: 500,
      message: 'Internal server error',
    });
  });

  it('resets the connection without an answer', async () => {
    // Prepare
    const simulator = await simulatorWith({ faults: { seed: 5, rates: { reset: 1 } } });
    // Act
    const outcome = await fetch(`${simulator.url}/contact/id:1`, { headers: AUTH }).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    simulator.setFaults(undefined);
    const recovered = await get(simulator, '/contact/id:1');
    // Assess
    expect(outcome).toBe('ECONNRESET');
    expect(recovered.status).toBe(200);
    expect(simulator.requestLog().map((entry) => entry.status)).toEqual(['reset', 200]);
    expect(simulator.stats().byStatus).toEqual({ reset: 1, '200': 1 });
  });

  it('hangs until hangMs, then closes the socket', async () => {
    // Prepare
    const simulator = await simulatorWith({ faults: { seed: 5, rates: { hang: 1 }, hangMs: 50 } });
    // Act
    const outcome = await fetch(`${simulator.url}/contact/id:1`, { headers: AUTH }).then(
      () => 'answered',
      () => 'failed',
    );
    // Assess
    expect(outcome).toBe('failed');
    expect(simulator.requestLog()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v2/contact/id:1', status: 'hang' }),
    ]);
  });

  it('lets a client give up on a hanging request and closes without waiting for it', async () => {
    // Prepare: the client gives up once its request has arrived (whenever that is).
    let arrived: () => void = () => undefined;
    const secondArrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const giveUp = new AbortController();
    let arrivals = 0;
    const hangMs = 600_000;
    const simulator = await simulatorWith({
      faults: { seed: 5, rates: { hang: 1 }, hangMs },
      clock: () => {
        arrivals += 1;
        if (arrivals === 1) setImmediate(() => giveUp.abort());
        if (arrivals === 2) arrived();
        return Date.now();
      },
    });
    const givenUp = await fetch(`${simulator.url}/contact/id:1`, {
      headers: AUTH,
      signal: giveUp.signal,
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const pending = fetch(`${simulator.url}/contact/id:2`, { headers: AUTH }).then(
      () => 'answered',
      () => 'failed',
    );
    await secondArrival;
    const before = performance.now();
    // Act
    await simulator.close();
    const closeMs = performance.now() - before;
    // Assess
    // Closed without waiting for the hang (ten minutes), however busy the machine.
    expect(givenUp).toBe('AbortError');
    expect(await pending).toBe('failed');
    expect(closeMs).toBeLessThan(hangMs / 30);
  });

  it('adds slowMs to requests drawn as slow', async () => {
    // Prepare
    const simulator = await simulatorWith({ faults: { seed: 9, rates: { slow: 1 }, slowMs: 150 } });
    const before = performance.now();
    // Act
    const answer = await get(simulator, '/contact/id:1');
    const elapsed = performance.now() - before;
    // Assess
    expect(answer.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(simulator.stats().injected).toEqual({ slow: 1 });
  });

  it('refuses fault rates that add up to more than 1', async () => {
    // Act
    const start = startSimulator({ faults: { seed: 1, rates: { status500: 0.6, reset: 0.6 } } });
    // Assess
    await expect(start).rejects.toThrow(/more than 1/);
  });
});
