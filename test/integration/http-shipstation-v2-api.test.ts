// HttpShipStationV2Api against the ShipStation simulator's V2 API on a fake clock: webhooks listed and created with the
// account's V2 key, a bad key refused once (401, not retried), a 429 waited out by its Retry-After, 5xx retried then
// transient, V2's own error message carried (without the webhook token), an account without a V2 key refused before
// any request, and a redirect never followed with the key.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpShipStationV2Api } from '../../lib/adapters/http-shipstation-v2-api.js';
import { loadConfig } from '../../lib/config.js';
import { BadInputError, ShipStationCredentialsError, TransientError } from '../../lib/domain/errors.js';
import { ShipStationSimulator, type RecordedRequest, type ShipStationFault } from '../../lib/local/simulators/shipstation-simulator.js';
import type { Clock } from '../../lib/ports.js';
import { InMemoryRateBudget } from '../fakes/in-memory-ports.js';

const V2_KEY = 'v2-adapter-test-key-0123456789';
const TOKEN = 'v2-adapter-test-webhook-token-0123';
const TRACKING_URL = `https://api.example.invalid/webhooks/tracking/default?token=${TOKEN}`;

let fakeNow = Date.parse('2026-11-25T16:00:00.000Z');
let sleeps: number[] = [];

/** Time stands still until the adapter sleeps; a sleep moves it forward at once (the simulator's rate window too). */
const clock: Clock = {
  now: () => new Date(fakeNow),
  sleep: async (ms) => {
    sleeps.push(ms);
    fakeNow += ms;
  },
};

/** The environment of one account; `v2Key` null leaves the account without a V2 key. */
const env = (v2BaseUrl: string, v2Key: string | null): Record<string, string> => ({
  SHIPSTATION_API_KEY: 'v1-key',
  SHIPSTATION_API_SECRET: 'v1-secret',
  SHIPSTATION_KEY_EXPIRES_ON: '2027-05-01',
  SHIPSTATION_BASE_URL: 'http://127.0.0.1:9',
  KLAVIYO_PRIVATE_KEY: 'adapter-test-klaviyo-key',
  WEBHOOK_TOKEN: TOKEN,
  TABLE_NAME: 'unused',
  NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:1/notifications',
  UPDATES_QUEUE_URL: 'http://127.0.0.1:1/updates',
  HISTORY_QUEUE_URL: 'http://127.0.0.1:1/history',
  POLLS_QUEUE_URL: 'http://127.0.0.1:1/polls',
  SHIPSTATION_V2_BASE_URL: v2BaseUrl,
  ...(v2Key === null ? {} : { SHIPSTATION_V2_API_KEY: v2Key }),
});

const adapterFor = (v2BaseUrl: string, v2Key: string | null = V2_KEY): HttpShipStationV2Api =>
  new HttpShipStationV2Api(loadConfig(env(v2BaseUrl, v2Key)).accounts, clock, { timeoutMs: 2000 });

const started: ShipStationSimulator[] = [];

/** A simulator with the V2 key on the fake clock (closed after the test); `faults` decides per request, `rateLimit` is per minute. */
async function startSimulator(
  options: { rateLimit?: number; faults?: (request: RecordedRequest) => ShipStationFault | undefined } = {},
): Promise<ShipStationSimulator> {
  const sim = await ShipStationSimulator.start({
    apiKey: 'v1-key',
    apiSecret: 'v1-secret',
    v2ApiKey: V2_KEY,
    now: () => new Date(fakeNow),
    ...(options.rateLimit === undefined ? {} : { v2RateLimitPerMinute: options.rateLimit }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  started.push(sim);
  return sim;
}

const v2Requests = (sim: ShipStationSimulator): [string, string, number, boolean][] =>
  sim.requests.filter((r) => r.api === 'v2').map((r) => [r.method, r.path, r.status, r.authorized]);

beforeEach(() => {
  sleeps = [];
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

describe('HttpShipStationV2Api', () => {
  it('creates a track webhook with the V2 key and lists it back', async () => {
    // Prepare
    const sim = await startSimulator();
    const api = adapterFor(sim.baseUrl);

    // Act
    const before = await api.listV2Webhooks('default');
    const id = await api.createV2Webhook('default', { name: 'shipstation-klaviyo-sync track', event: 'track', url: TRACKING_URL });
    const after = await api.listV2Webhooks('default');

    // Assess
    expect(before).toEqual([]);
    expect(after).toEqual([{ id, event: 'track', url: TRACKING_URL }]);
    expect(sim.listV2Webhooks()).toEqual([{ webhook_id: id, event: 'track', url: TRACKING_URL, headers: [], store_id: null }]);
    expect(v2Requests(sim)).toEqual([
      ['GET', '/v2/environment/webhooks', 200, true],
      ['POST', '/v2/environment/webhooks', 201, true],
      ['GET', '/v2/environment/webhooks', 200, true],
    ]);
  });

  it('reports a wrong V2 key as a credentials problem after one request, naming the V2 key', async () => {
    // Prepare
    const sim = await startSimulator();
    const api = adapterFor(sim.baseUrl, 'not-the-v2-key');

    // Act
    const error = await api.listV2Webhooks('default').then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ShipStationCredentialsError);
    expect((error as Error).message).toBe('ShipStation rejected the V2 API key (401)');
    expect(v2Requests(sim)).toEqual([['GET', '/v2/environment/webhooks', 401, false]]);
  });

  it('waits out a 429 for its Retry-After and then succeeds', async () => {
    // Prepare
    const sim = await startSimulator({ rateLimit: 2 });
    const api = adapterFor(sim.baseUrl);
    await api.listV2Webhooks('default');
    fakeNow += 20_000;
    await api.listV2Webhooks('default');

    // Act
    const third = await api.listV2Webhooks('default');

    // Assess
    expect(third).toEqual([]);
    expect(sleeps).toEqual([40_000]);
    expect(v2Requests(sim).map(([, , status]) => status)).toEqual([200, 200, 429, 200]);
  });

  it('gives up with a TransientError carrying the wait when Retry-After is longer than it may wait', async () => {
    // Prepare
    const sim = await startSimulator({ faults: () => ({ status: 429, resetSeconds: 30 }) });
    const api = new HttpShipStationV2Api(loadConfig(env(sim.baseUrl, V2_KEY)).accounts, clock, { timeoutMs: 2000, maxRateLimitWaitMs: 10_000 });

    // Act
    const error = await api.listV2Webhooks('default').then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterSeconds).toBe(30);
    expect(sleeps).toEqual([]);
    expect(v2Requests(sim)).toHaveLength(1);
  });

  it("waits 60 s, V2's one-minute window, when a 429 says Retry-After: 100000", async () => {
    // Prepare
    let calls = 0;
    const sim = await startSimulator({
      faults: (request) => (request.path === '/v2/environment/webhooks' && calls++ === 0 ? { status: 429, resetSeconds: 100_000 } : undefined),
    });
    const api = adapterFor(sim.baseUrl);

    // Act
    const webhooks = await api.listV2Webhooks('default');

    // Assess
    expect(webhooks).toEqual([]);
    expect(sleeps).toEqual([60_000]);
    expect(v2Requests(sim).map(([, , status]) => status)).toEqual([429, 200]);
  });

  it('hands back a Retry-After of 100000 as a 60 s wait when it may not wait in-process', async () => {
    // Prepare
    const sim = await startSimulator({ faults: () => ({ status: 429, resetSeconds: 100_000 }) });
    const api = new HttpShipStationV2Api(loadConfig(env(sim.baseUrl, V2_KEY)).accounts, clock, { timeoutMs: 2000, maxRateLimitWaitMs: 10_000 });

    // Act
    const error = await api.listV2Webhooks('default').then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterSeconds).toBe(60);
    expect(sleeps).toEqual([]);
  });

  it('retries a 5xx with backoff and then reports a TransientError', async () => {
    // Prepare
    const sim = await startSimulator({ faults: () => ({ status: 503 }) });
    const api = adapterFor(sim.baseUrl);

    // Act
    const error = await api.listV2Webhooks('default').then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe('ShipStation V2 GET /v2/environment/webhooks failed after 4 attempts: HTTP 503');
    expect(v2Requests(sim).map(([, , status]) => status)).toEqual([503, 503, 503, 503]);
    expect(sleeps).toHaveLength(3);
  });

  it('recovers from one 5xx', async () => {
    // Prepare
    let calls = 0;
    const sim = await startSimulator({ faults: () => (calls++ === 0 ? { status: 502 } : undefined) });
    const api = adapterFor(sim.baseUrl);

    // Act
    const webhooks = await api.listV2Webhooks('default');

    // Assess
    expect(webhooks).toEqual([]);
    expect(v2Requests(sim).map(([, , status]) => status)).toEqual([502, 200]);
  });

  it("carries V2's error message for a refused create, without the webhook token", async () => {
    // Prepare
    const sim = await startSimulator();
    const api = adapterFor(sim.baseUrl);
    await api.createV2Webhook('default', { name: 'first', event: 'track', url: TRACKING_URL });

    // Act
    const error = await api.createV2Webhook('default', { name: 'again', event: 'track', url: TRACKING_URL }).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(BadInputError);
    const text = (error as Error).message;
    expect(text).toMatch(
      /^ShipStation V2 answered 400 for POST \/v2\/environment\/webhooks: url: A webhook for event 'track' and url 'https:\/\/api\.example\.invalid\/webhooks\/tracking\/default\?…' already exists/,
    );
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(V2_KEY);
  });

  it('refuses an account without a V2 key before any request', async () => {
    // Prepare
    const sim = await startSimulator();
    const api = adapterFor(sim.baseUrl, null);

    // Act
    const result = api.listV2Webhooks('default');

    // Assess
    await expect(result).rejects.toThrow(new BadInputError('account default has no ShipStation V2 API key (shipStationV2.apiKey)'));
    expect(v2Requests(sim)).toEqual([]);
  });

  it('never follows a redirect, so the key cannot reach another host', async () => {
    // Prepare
    const sim = await startSimulator();
    const seen: IncomingHttpHeaders[] = [];
    const redirector: Server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(302, { Location: `${sim.baseUrl}/v2/environment/webhooks` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const api = adapterFor(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}`);

    // Act
    const result = api.listV2Webhooks('default');

    // Assess
    await expect(result).rejects.toThrow(/ShipStation V2 redirected GET \/v2\/environment\/webhooks \(302\); redirects are never followed/);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.['api-key']).toBe(V2_KEY);
    expect(v2Requests(sim)).toEqual([]);
    redirector.closeAllConnections();
    await new Promise<void>((resolve) => redirector.close(() => resolve()));
  });
});

describe('HttpShipStationV2Api reading V2 lists', () => {
  const budgeted = (v2BaseUrl: string, budget: InMemoryRateBudget): HttpShipStationV2Api =>
    new HttpShipStationV2Api(loadConfig(env(v2BaseUrl, V2_KEY)).accounts, clock, { timeoutMs: 2000, budget });

  it("reads a split order's SHIPMENT_CREATED_V2 resource as two orders under V1's ids, each request taken from the V2 key's own budget", async () => {
    // Prepare
    const sim = await startSimulator();
    const budget = new InMemoryRateBudget({ requestsPerMinute: 200 });
    const [first, second] = sim.importOrders([{ orderNumber: 'SPLIT-9' }, { orderNumber: 'SPLIT-9' }]);
    const url = new URL(`${sim.baseUrl}/v2/shipments`);
    url.searchParams.set('import_batch_id', new URL(sim.importBatchUrl(first?.orderId ?? 0)).searchParams.get('importBatch') ?? '');

    // Act
    const fetched = await budgeted(sim.baseUrl, budget).fetchV2Resource('default', url, 'SHIPMENT_CREATED_V2');

    // Assess
    expect(fetched.snapshots.map((s) => [s.kind, s.orderId, s.orderNumber])).toEqual([
      ['order', second?.orderId, 'SPLIT-9'],
      ['order', first?.orderId, 'SPLIT-9'],
    ]);
    expect(fetched.requests).toBe(1);
    expect(budget.takes.map((t) => t.keyFingerprint)).toEqual([expect.stringMatching(/^v2:[0-9a-f]{16}$/)]);
    expect(v2Requests(sim)).toEqual([['GET', '/v2/shipments', 200, true]]);
  });

  it('refuses a resource of another shape or origin without a request', async () => {
    // Prepare
    const sim = await startSimulator();
    const api = adapterFor(sim.baseUrl);

    // Act
    const offOrigin = await api
      .fetchV2Resource('default', new URL('https://evil.example.com/v2/labels?batch_id=se-1'), 'LABEL_CREATED_V2')
      .catch((e: unknown) => e);
    const unfiltered = await api.fetchV2Resource('default', new URL(`${sim.baseUrl}/v2/labels`), 'LABEL_CREATED_V2').catch((e: unknown) => e);

    // Assess
    expect(offOrigin).toBeInstanceOf(BadInputError);
    expect((offOrigin as Error).message).toBe(`resource_url is not on ${new URL(sim.baseUrl).origin}`);
    expect((unfiltered as Error).message).toBe('resource_url of LABEL_CREATED_V2 must name its batch: /v2/labels?batch_id=…');
    expect(v2Requests(sim)).toEqual([]);
  });

  it("empties the V2 key's budget on a 429 until Retry-After, then reads the page", async () => {
    // Prepare: the simulator allows 2 V2 requests a minute
    const sim = await startSimulator({ rateLimit: 2 });
    const budget = new InMemoryRateBudget({ requestsPerMinute: 200 });
    const api = budgeted(sim.baseUrl, budget);
    const query = { modified_at_start: '2026-01-01T00:00:00Z', modified_at_end: '2026-12-31T00:00:00Z', page_size: '500', page: '1' };

    // Act
    await api.listV2Page('default', { resource: 'shipments', query });
    await api.listV2Page('default', { resource: 'shipments', query });
    const third = await api.listV2Page('default', { resource: 'shipments', query });

    // Assess: the third was answered 429, the budget emptied for the window, and the retry waited it out
    expect(third.page).toBe(1);
    expect(v2Requests(sim).map(([, , status]) => status)).toEqual([200, 200, 429, 200]);
    expect(budget.observations.map((o) => o.observed.remaining)).toEqual([0]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('reads one order by its V1 id from /v2/shipments/se-<id>, and undefined for one V2 does not have', async () => {
    // Prepare
    const sim = await startSimulator();
    const order = sim.importOrder({ customerEmail: 'jane.doe@example.com' });
    const api = adapterFor(sim.baseUrl);

    // Act
    const found = await api.fetchV2Order('default', order.orderId);
    const missing = await api.fetchV2Order('default', 987654321);

    // Assess
    expect(found).toMatchObject({
      kind: 'order',
      orderId: order.orderId,
      status: 'awaiting_shipment',
      source: 'v2',
      customer: { email: 'jane.doe@example.com' },
    });
    expect(missing).toBeUndefined();
    expect(v2Requests(sim).map(([method, path, status]) => [method, path, status])).toEqual([
      ['GET', `/v2/shipments/se-${order.orderId}`, 200],
      ['GET', '/v2/shipments/se-987654321', 404],
    ]);
  });
});
