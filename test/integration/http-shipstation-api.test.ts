// HttpShipStationApi against the ShipStation simulator on a fake clock: the X-Rate-Limit-* headers are honoured before
// a 429 is provoked, a 429 caused by another client waits the reset, 401 and 404 are told apart from transient
// failures, pages are followed, and a redirect is never followed with the Authorization header.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpShipStationApi } from '../../lib/adapters/http-shipstation-api.js';
import { loadConfig } from '../../lib/config.js';
import { BadInputError, ShipStationCredentialsError, TransientError } from '../../lib/domain/errors.js';
import type { OrderSnapshot } from '../../lib/domain/snapshot.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import type { Clock } from '../../lib/ports.js';

const API_KEY = 'adapter-test-key';
const API_SECRET = 'adapter-test-secret';
const RATE_LIMIT = 3;

let simulator: ShipStationSimulator;
let fakeNow = Date.parse('2026-11-25T16:00:00.000Z');
let sleeps: number[] = [];

/** Time stands still until the adapter sleeps; a sleep moves it forward at once. */
const clock: Clock = {
  now: () => new Date(fakeNow),
  sleep: async (ms) => {
    sleeps.push(ms);
    fakeNow += ms;
  },
};

const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
  SHIPSTATION_API_KEY: API_KEY,
  SHIPSTATION_API_SECRET: API_SECRET,
  SHIPSTATION_KEY_EXPIRES_ON: '2027-05-01',
  SHIPSTATION_BASE_URL: simulator.baseUrl,
  KLAVIYO_PRIVATE_KEY: 'adapter-test-klaviyo-key',
  WEBHOOK_TOKEN: 'adapter-test-webhook-token-0123',
  TABLE_NAME: 'unused',
  NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:1/notifications',
  UPDATES_QUEUE_URL: 'http://127.0.0.1:1/updates',
  ...overrides,
});
const adapter = (overrides: Record<string, string> = {}): HttpShipStationApi => new HttpShipStationApi(loadConfig(env(overrides)).accounts, clock, { timeoutMs: 2000 });
const orderUrl = (orderId: number): URL => new URL(`${simulator.baseUrl}/orders?orderId=${orderId}`);

/** A plain HTTP server that records each request and answers with `respond`. */
async function startServer(respond: (res: ServerResponse) => void): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    respond(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

beforeAll(async () => {
  simulator = await ShipStationSimulator.start({ apiKey: API_KEY, apiSecret: API_SECRET, now: () => new Date(fakeNow), rateLimitPerMinute: RATE_LIMIT });
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => {
  // A fresh rate-limit window for every test, and fresh records.
  fakeNow += 10 * 60_000;
  sleeps = [];
  simulator.requests.length = 0;
});

describe('http-shipstation-api', () => {
  it('waits for the reset when a response says the window is spent, without provoking a 429', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: RATE_LIMIT + 1 }, () => ({})));
    const api = adapter();

    // Act
    const fetched = [];
    for (const order of orders) fetched.push(await api.fetchResource('default', orderUrl(order.orderId)));

    // Assess
    expect(fetched.map((f) => (f.snapshots[0] as OrderSnapshot | undefined)?.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(simulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // The third response said Remaining 0, Reset 60 (the fake clock had not moved): the fourth waited exactly that.
    expect(sleeps).toEqual([60_000]);
  });

  it('waits only what is left of the window when time has passed since the spent window was reported', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: RATE_LIMIT + 1 }, () => ({})));
    const api = adapter();
    for (const order of orders.slice(0, RATE_LIMIT)) await api.fetchResource('default', orderUrl(order.orderId));
    fakeNow += 45_000;

    // Act
    await api.fetchResource('default', orderUrl(orders[RATE_LIMIT]?.orderId ?? 0));

    // Assess
    expect(sleeps).toEqual([15_000]);
    expect(simulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('sleeps the X-Rate-Limit-Reset of a 429 caused by another client sharing the key, then succeeds', async () => {
    // Prepare
    const [order] = simulator.importOrders([{}]);
    const authorization = `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`;
    for (let i = 0; i < RATE_LIMIT; i += 1) {
      const response = await fetch(`${simulator.baseUrl}/stores`, { headers: { Authorization: authorization } });
      await response.arrayBuffer();
    }
    fakeNow += 20_000;
    const api = adapter();

    // Act
    const fetched = await api.fetchResource('default', orderUrl(order?.orderId ?? 0));

    // Assess
    expect(fetched.snapshots).toHaveLength(1);
    expect(simulator.requests.map((r) => [r.path, r.status])).toEqual([['/stores', 200], ['/stores', 200], ['/stores', 200], ['/orders', 429], ['/orders', 200]]);
    expect(sleeps).toEqual([40_000]);
  });

  it('hands a rate-limit wait longer than it may sleep back to the caller as a TransientError', async () => {
    // Prepare
    const [order] = simulator.importOrders([{}]);
    const authorization = `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`;
    for (let i = 0; i < RATE_LIMIT; i += 1) await (await fetch(`${simulator.baseUrl}/stores`, { headers: { Authorization: authorization } })).arrayBuffer();
    const api = new HttpShipStationApi(loadConfig(env()).accounts, clock, { timeoutMs: 2000, maxRateLimitWaitMs: 30_000 });

    // Act
    const outcome = api.fetchResource('default', orderUrl(order?.orderId ?? 0));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransientError);
    await expect(outcome).rejects.toMatchObject({ retryAfterSeconds: 60 });
    expect(sleeps).toEqual([]);
  });

  it('reports a 401 as a ShipStationCredentialsError after one request', async () => {
    // Prepare
    const [order] = simulator.importOrders([{}]);
    const api = adapter({ SHIPSTATION_API_KEY: 'wrong-key' });

    // Act
    const outcome = api.fetchResource('default', orderUrl(order?.orderId ?? 0));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ShipStationCredentialsError);
    expect(simulator.requests.map((r) => [r.status, r.authorized])).toEqual([[401, false]]);
  });

  it('reports a 404 for an unknown order as a permanent BadInputError after one request', async () => {
    // Prepare
    const api = adapter();

    // Act
    const outcome = api.fetchResource('default', new URL(`${simulator.baseUrl}/orders/999999`));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(BadInputError);
    expect(simulator.requests.map((r) => [r.path, r.status])).toEqual([['/orders/999999', 404]]);
  });

  it('follows every page of a resource', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: 5 }, () => ({ storeId: 390005 })));
    const api = adapter();

    // Act
    const fetched = await api.fetchResource('default', new URL(`${simulator.baseUrl}/orders?storeId=390005&pageSize=2`));

    // Assess
    expect(fetched.snapshots.map((s) => s.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(fetched.requests).toBe(3);
    expect(fetched.unreadable).toEqual([]);
    expect(simulator.requests.map((r) => [r.query.page ?? '1', r.query.pageSize, r.status])).toEqual([['1', '2', 200], ['2', '2', 200], ['3', '2', 200]]);
  });

  it('follows pages across a spent rate-limit window', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: 5 }, () => ({ storeId: 390006 })));
    const api = adapter();

    // Act
    const fetched = await api.fetchResource('default', new URL(`${simulator.baseUrl}/orders?storeId=390006&pageSize=1`));

    // Assess
    expect(fetched.snapshots.map((s) => s.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(simulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sleeps).toEqual([60_000]);
  });

  it('never follows a redirect, so the Authorization header cannot reach another host', async () => {
    // Prepare
    const target = await startServer((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"orders":[],"pages":1}'));
    const redirector = await startServer((res) => res.writeHead(302, { Location: `${target.url}/orders?importBatch=stolen` }).end());
    const api = adapter({ SHIPSTATION_BASE_URL: redirector.url });

    try {
      // Act
      const outcome = api.fetchResource('default', new URL(`${redirector.url}/orders?importBatch=abc`));

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(BadInputError);
      expect(redirector.seen).toHaveLength(1);
      expect(redirector.seen[0]?.authorization).toMatch(/^Basic /);
      expect(target.seen).toEqual([]);
    } finally {
      await Promise.all([target.close(), redirector.close()]);
    }
  });

  it('refuses a resource URL off the account\'s ShipStation origin without sending anything', async () => {
    // Prepare
    const elsewhere = await startServer((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"orders":[],"pages":1}'));
    const api = adapter();

    try {
      // Act
      const outcome = api.fetchResource('default', new URL(`${elsewhere.url}/orders?importBatch=abc`));

      // Assess
      await expect(outcome).rejects.toThrow(/not on/);
      await expect(outcome).rejects.toBeInstanceOf(BadInputError);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});
