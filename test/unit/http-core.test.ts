// The HTTP core the ShipStation V1, V2 and Klaviyo adapters share, against a stubbed fetch on a fake clock: what is
// retried and how long it waits, what ends a request at once, and what reaches fetch.
import { backoffMs, readJson, requestWithRetries, urlOnOrigin, type HttpRequest } from '../../lib/adapters/http-core.js';
import { BadInputError, TransientError } from '../../lib/domain/errors.js';
import { FakeClock } from '../fakes/in-memory-ports.js';

type Answer = Response | Error;

const realFetch = globalThis.fetch;
let answers: Answer[];
let calls: { url: string; init: RequestInit | undefined }[];
let clock: FakeClock;

beforeEach(() => {
  answers = [];
  calls = [];
  clock = new FakeClock();
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no answer queued');
    if (answer instanceof Error) throw answer;
    return answer;
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
});

const timeout = (): Error => Object.assign(new Error('timed out'), { name: 'TimeoutError' });

const request = (overrides: Partial<HttpRequest<unknown>> = {}): HttpRequest<unknown> => ({
  name: 'Example /things',
  method: 'GET',
  url: new URL('https://api.example.com/things'),
  headers: { Authorization: 'secret' },
  timeoutMs: 1000,
  maxAttempts: 4,
  rateLimit: { message: 'Example rate limit', maxWaitMs: 10_000, waitMs: (response) => Number(response.headers.get('retry-after')) * 1000 || undefined },
  redirected: (status) => new BadInputError(`redirected (${status})`),
  read: (response) => readJson(response, 'not JSON'),
  ...overrides,
});

describe('requestWithRetries', () => {
  it('returns the body read and how many requests it took, retrying timeouts, network errors and 5xx with backoff', async () => {
    // Prepare
    answers = [timeout(), new TypeError('fetch failed'), new Response('down', { status: 503 }), Response.json({ id: 1 })];

    // Act
    const result = await requestWithRetries(clock, request());

    // Assess
    expect(result).toEqual({ value: { id: 1 }, requests: 4 });
    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(250 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(500 * 2 ** i);
    });
  });

  it('ends in a TransientError naming the request and the last problem when every attempt failed', async () => {
    // Prepare
    answers = [timeout(), timeout(), timeout(), new Response('not json', { status: 200 })];

    // Act / Assess
    await expect(requestWithRetries(clock, request())).rejects.toThrow(new TransientError('Example /things failed after 4 attempts: not JSON'));
    expect(clock.sleeps).toHaveLength(3);
  });

  it('sends the method, headers and body with a timeout and never follows a redirect', async () => {
    // Prepare
    answers = [Response.json({})];

    // Act
    await requestWithRetries(clock, request({ method: 'POST', body: '{"a":1}' }));

    // Assess
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://api.example.com/things');
    expect(calls[0]?.init).toMatchObject({ method: 'POST', headers: { Authorization: 'secret' }, body: '{"a":1}', redirect: 'manual' });
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it("ends at once with the adapter's error on a redirect, after the adapter saw the answer", async () => {
    // Prepare
    const seen: number[] = [];
    answers = [new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } })];

    // Act / Assess
    await expect(requestWithRetries(clock, request({ onResponse: async (response) => void seen.push(response.status) }))).rejects.toThrow(
      new BadInputError('redirected (302)'),
    );
    expect(seen).toEqual([302]);
    expect(calls).toHaveLength(1);
  });

  it('waits what a 429 asks, tells the adapter, and tries again', async () => {
    // Prepare
    const throttled: number[] = [];
    answers = [new Response(null, { status: 429, headers: { 'retry-after': '3' } }), Response.json({ ok: true })];
    const base = request();

    // Act
    const result = await requestWithRetries(
      clock,
      request({ rateLimit: { ...base.rateLimit, onThrottled: (_response, waitMs) => void throttled.push(waitMs) } }),
    );

    // Assess
    expect(result).toEqual({ value: { ok: true }, requests: 2 });
    expect(clock.sleeps).toEqual([3000]);
    expect(throttled).toEqual([3000]);
  });

  it('ends a 429 longer than the request may wait in a TransientError carrying the wait, without waiting', async () => {
    // Prepare
    answers = [new Response(null, { status: 429, headers: { 'retry-after': '30' } })];

    // Act
    const failure = await requestWithRetries(clock, request()).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ message: 'Example rate limit', retryAfterSeconds: 30 });
    expect(clock.sleeps).toEqual([]);
  });

  it('backs off on a 429 that asks for nothing, and gives up on the last attempt with that wait', async () => {
    // Prepare
    answers = [1, 2].map(() => new Response(null, { status: 429 }));

    // Act
    const failure = await requestWithRetries(clock, request({ maxAttempts: 2 })).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ message: 'Example rate limit' });
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(500);
  });

  it("runs the adapter's hook before every attempt and stops when it throws", async () => {
    // Prepare
    let before = 0;
    answers = [new Response('down', { status: 500 })];
    const beforeAttempt = async (): Promise<void> => {
      before += 1;
      if (before === 2) throw new TransientError('budget spent');
    };

    // Act / Assess
    await expect(requestWithRetries(clock, request({ beforeAttempt }))).rejects.toThrow('budget spent');
    expect(calls).toHaveLength(1);
  });

  it('passes a permanent error the adapter throws while reading straight through', async () => {
    // Prepare
    answers = [new Response('nope', { status: 400 })];
    const read = async (response: Response): Promise<never> => {
      throw new BadInputError(`answered ${response.status}`);
    };

    // Act / Assess
    await expect(requestWithRetries(clock, request({ read }))).rejects.toThrow(new BadInputError('answered 400'));
    expect(calls).toHaveLength(1);
  });
});

describe('urlOnOrigin', () => {
  it("puts the path on the base URL's origin", () => {
    // Act / Assess
    expect(urlOnOrigin('https://ssapi.shipstation.com', '/orders/1', 'ShipStation').toString()).toBe('https://ssapi.shipstation.com/orders/1');
  });

  it('refuses a path that would carry the credentials to another host', () => {
    // Act / Assess
    expect(() => urlOnOrigin('https://ssapi.shipstation.com', '.evil.example/orders', 'ShipStation')).toThrow(
      new BadInputError(".evil.example/orders is not on the account's ShipStation origin"),
    );
  });
});

describe('backoffMs', () => {
  it('doubles from half a second to at most eight, drawing the upper half at random', () => {
    // Act / Assess
    expect([1, 2, 3, 4, 5, 9].map((attempt) => backoffMs(attempt, () => 0.999999))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(3, () => 0)).toBe(1000);
  });
});
