// HttpShipStationApi against the ShipStation simulator on a fake clock: the X-Rate-Limit-* headers are honoured before
// a 429 is provoked, a 429 caused by another client waits the reset, 401 is told apart from transient failures, pages
// of 500 are followed up to the resource type's cap, and a redirect is never followed with the Authorization header.
// What ShipStation's edge sends is not trusted: a 200 that is not a page is a TransientError, a reset longer than V1's
// minute closes the budget (dynalite) for a minute at most. List pages and webhook subscriptions go through the same
// rules, and two "Lambdas" sharing the DynamoDB budget (dynalite) never provoke a 429.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbRateBudget } from '../../lib/adapters/dynamodb-rate-budget.js';
import { HttpShipStationApi } from '../../lib/adapters/http-shipstation-api.js';
import { loadConfig } from '../../lib/config.js';
import { BadInputError, ResourceTooLargeError, ShipStationCredentialsError, TransientError } from '../../lib/domain/errors.js';
import type { OrderSnapshot, ShipmentSnapshot } from '../../lib/domain/snapshot.js';
import { startLocalAws } from '../../lib/local/aws-stand-ins.js';
import { ShipStationSimulator, type SimOrder } from '../../lib/local/simulators/shipstation-simulator.js';
import { toPacificQuery } from '../../lib/normalise/pacific-time.js';
import type { Clock } from '../../lib/ports.js';
import { InMemoryRateBudget } from '../fakes/in-memory-ports.js';
import { busiestMinute, SimulatedTime } from '../../lib/local/simulated-time.js';

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
  HISTORY_QUEUE_URL: 'http://127.0.0.1:1/history',
  POLLS_QUEUE_URL: 'http://127.0.0.1:1/polls',
  ...overrides,
});
/** A fresh adapter with a fresh budget (40/min, as in production: the simulator's lower limit is learnt from its headers). */
const adapter = (overrides: Record<string, string> = {}): HttpShipStationApi =>
  new HttpShipStationApi(loadConfig(env(overrides)).accounts, clock, { timeoutMs: 2000, budget: new InMemoryRateBudget() });
/** The ORDER_NOTIFY resource_url of the import batch that brought the order. */
const batchUrl = (orderId: number): URL => new URL(simulator.importBatchUrl(orderId));
/** Orders imported one batch each (one webhook resource each). */
const importEach = (count: number): SimOrder[] => Array.from({ length: count }, () => simulator.importOrder());

/** A plain HTTP server that records each request (headers, and bodies as text) and answers with `respond`. */
async function startServer(
  respond: (res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ url: string; seen: IncomingHttpHeaders[]; bodies: string[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      respond(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    bodies,
    close: () =>
      new Promise((resolve) => {
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
    const orders = importEach(RATE_LIMIT + 1);
    const api = adapter();

    // Act
    const fetched = [];
    for (const order of orders) fetched.push(await api.fetchResource('default', batchUrl(order.orderId), 'ORDER_NOTIFY'));

    // Assess
    expect(fetched.map((f) => (f.snapshots[0] as OrderSnapshot | undefined)?.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(simulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // The third response said Remaining 0, Reset 60 (the fake clock had not moved): the fourth waited exactly that.
    expect(sleeps).toEqual([60_000]);
  });

  it('waits only what is left of the window when time has passed since the spent window was reported', async () => {
    // Prepare
    const orders = importEach(RATE_LIMIT + 1);
    const api = adapter();
    for (const order of orders.slice(0, RATE_LIMIT)) await api.fetchResource('default', batchUrl(order.orderId), 'ORDER_NOTIFY');
    fakeNow += 45_000;

    // Act
    await api.fetchResource('default', batchUrl(orders[RATE_LIMIT]?.orderId ?? 0), 'ORDER_NOTIFY');

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
    const fetched = await api.fetchResource('default', batchUrl(order?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    expect(fetched.snapshots).toHaveLength(1);
    expect(simulator.requests.map((r) => [r.path, r.status])).toEqual([
      ['/stores', 200],
      ['/stores', 200],
      ['/stores', 200],
      ['/orders', 429],
      ['/orders', 200],
    ]);
    expect(sleeps).toEqual([40_000]);
  });

  it('hands a rate-limit wait longer than it may sleep back to the caller as a TransientError', async () => {
    // Prepare
    const [order] = simulator.importOrders([{}]);
    const authorization = `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`;
    for (let i = 0; i < RATE_LIMIT; i += 1) await (await fetch(`${simulator.baseUrl}/stores`, { headers: { Authorization: authorization } })).arrayBuffer();
    const api = new HttpShipStationApi(loadConfig(env()).accounts, clock, { timeoutMs: 2000, maxRateLimitWaitMs: 30_000, budget: new InMemoryRateBudget() });

    // Act
    const outcome = api.fetchResource('default', batchUrl(order?.orderId ?? 0), 'ORDER_NOTIFY');

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
    const outcome = api.fetchResource('default', batchUrl(order?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ShipStationCredentialsError);
    expect(simulator.requests.map((r) => [r.status, r.authorized])).toEqual([[401, false]]);
  });

  it.each([
    ['one order by id', 'ORDER_NOTIFY', '/orders/999999', 'not another path'],
    ['a whole list, a page at a time', 'ORDER_NOTIFY', '/orders?pageSize=1', 'not pageSize'],
    ['an import batch read 500 at a time from page 2', 'ORDER_NOTIFY', '/orders?importBatch=abc&pageSize=500&page=2', 'not pageSize'],
    ['labels by order', 'SHIP_NOTIFY', '/shipments?orderId=1', 'not orderId'],
    ['a label batch named twice', 'SHIP_NOTIFY', '/shipments?batchId=1&batchId=2', 'repeats batchId'],
  ])('refuses %s (not what ShipStation sends for its type) with a BadInputError, without a request', async (_case, type, path, reason) => {
    // Prepare
    const api = adapter();

    // Act
    const outcome = api.fetchResource('default', new URL(`${simulator.baseUrl}${path}`), type);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(BadInputError);
    await expect(outcome).rejects.toThrow(reason);
    expect(simulator.requests).toEqual([]);
  });

  it('reads an import batch in pages of 500, whatever page size the webhook asked for', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: 1_001 }, () => ({ storeId: 390005 })));
    const api = adapter();

    // Act
    const fetched = await api.fetchResource('default', batchUrl(orders[0]?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    expect(fetched.snapshots.map((s) => s.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(fetched.requests).toBe(3);
    expect(fetched.unreadable).toEqual([]);
    expect(simulator.requests.map((r) => [r.query.page ?? '1', r.query.pageSize, r.status])).toEqual([
      ['1', '500', 200],
      ['2', '500', 200],
      ['3', '500', 200],
    ]);
  });

  it('follows pages across a spent rate-limit window', async () => {
    // Prepare: one request of the window spent on another webhook; the 1,001-order batch needs the other two and one more
    const [first] = importEach(1);
    const orders = simulator.importOrders(Array.from({ length: 1_001 }, () => ({ storeId: 390006 })));
    const api = adapter();
    await api.fetchResource('default', batchUrl(first?.orderId ?? 0), 'ORDER_NOTIFY');

    // Act
    const fetched = await api.fetchResource('default', batchUrl(orders[0]?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    expect(fetched.snapshots.map((s) => s.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(simulator.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(sleeps).toEqual([60_000]);
  });

  it('stops at the first page of an import batch over its cap of 2,500 orders with a ResourceTooLargeError', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: 2_501 }, () => ({})));
    const api = adapter();

    // Act
    const outcome = api.fetchResource('default', batchUrl(orders[0]?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ResourceTooLargeError);
    await expect(outcome).rejects.toMatchObject({ records: 2_501, maxRecords: 2_500, requests: 1 });
    expect(simulator.requests.map((r) => [r.path, r.query.pageSize, r.status])).toEqual([['/orders', '500', 200]]);
  });

  it('reads an import batch of exactly 2,500 orders, its cap, in five requests', async () => {
    // Prepare
    const orders = simulator.importOrders(Array.from({ length: 2_500 }, () => ({})));
    const api = new HttpShipStationApi(loadConfig(env()).accounts, clock, {
      timeoutMs: 2000,
      maxRateLimitWaitMs: 10 * 60_000,
      budget: new InMemoryRateBudget(),
    });

    // Act
    const fetched = await api.fetchResource('default', batchUrl(orders[0]?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    expect(fetched.snapshots).toHaveLength(2_500);
    expect(fetched.requests).toBe(5);
  });

  it.each([
    ['a label batch over 1,000', 'SHIP_NOTIFY', '/shipments?batchId=7', { shipments: [], total: 1_001, page: 1, pages: 3 }, 1_001],
    ['a fulfilment batch saying it has two pages', 'FULFILLMENT_SHIPPED', '/fulfillments?batchId=7', { fulfillments: [], page: 1, pages: 2 }, 501],
  ])("caps %s at its type's size after one request", async (_case, type, path, page, records) => {
    // Prepare
    const server = await startServer((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(page)));
    const api = adapter({ SHIPSTATION_BASE_URL: server.url });

    try {
      // Act
      const outcome = api.fetchResource('default', new URL(`${server.url}${path}`), type);

      // Assess
      await expect(outcome).rejects.toMatchObject({ name: 'ResourceTooLargeError', records, requests: 1 });
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('reads a 200 whose JSON is not a page (an error object at the edge) as a TransientError, never as an empty page', async () => {
    // Prepare: the simulator answers the next request 200 with the .NET error body, then normally
    const [order] = importEach(1);
    const api = adapter();
    simulator.failNext(1, 200);

    // Act
    const first = await api.fetchResource('default', batchUrl(order?.orderId ?? 0), 'ORDER_NOTIFY').then(
      () => undefined,
      (e: unknown) => e,
    );
    const retried = await api.fetchResource('default', batchUrl(order?.orderId ?? 0), 'ORDER_NOTIFY');

    // Assess
    expect(first).toBeInstanceOf(TransientError);
    expect((first as Error).message).toBe(
      'ShipStation answered /orders with 200 but not a page of orders (orders: Invalid input: expected array, received undefined)',
    );
    expect(retried.snapshots.map((s) => s.orderId)).toEqual([order?.orderId]);
    expect(simulator.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it.each([
    ['an HTML page', 'text/html', '<html><body>Service Unavailable</body></html>', /failed after 4 attempts: 200 with a body that is not JSON/],
    [
      'a list of the wrong type',
      'application/json',
      '{"orders":"none","total":0,"page":1,"pages":1}',
      /not a page of orders \(orders: Invalid input: expected array, received string\)/,
    ],
    ['counts of the wrong type', 'application/json', '{"orders":[],"total":"0","page":1,"pages":1}', /not a page of orders \(total: /],
    ['another list', 'application/json', '{"shipments":[],"total":0,"page":1,"pages":1}', /not a page of orders \(orders: /],
    ['a bare array', 'application/json', '[]', /not a page of orders \(body: /],
  ])('reads a 200 with %s as a TransientError with the reason', async (_case, contentType, body, reason) => {
    // Prepare
    const server = await startServer((res) => res.writeHead(200, { 'Content-Type': contentType }).end(body));
    const api = adapter({ SHIPSTATION_BASE_URL: server.url });

    try {
      // Act
      const outcome = api.fetchResource('default', new URL(`${server.url}/orders?importBatch=abc`), 'ORDER_NOTIFY');

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(TransientError);
      await expect(outcome).rejects.toThrow(reason);
    } finally {
      await server.close();
    }
  });

  it('never follows a redirect, so the Authorization header cannot reach another host', async () => {
    // Prepare
    const target = await startServer((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"orders":[],"pages":1}'));
    const redirector = await startServer((res) => res.writeHead(302, { Location: `${target.url}/orders?importBatch=stolen` }).end());
    const api = adapter({ SHIPSTATION_BASE_URL: redirector.url });

    try {
      // Act
      const outcome = api.fetchResource('default', new URL(`${redirector.url}/orders?importBatch=abc`), 'ORDER_NOTIFY');

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(BadInputError);
      expect(redirector.seen).toHaveLength(1);
      expect(redirector.seen[0]?.authorization).toMatch(/^Basic /);
      expect(target.seen).toEqual([]);
    } finally {
      await Promise.all([target.close(), redirector.close()]);
    }
  });

  it("refuses a resource URL off the account's ShipStation origin without sending anything", async () => {
    // Prepare
    const elsewhere = await startServer((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"orders":[],"pages":1}'));
    const api = adapter();

    try {
      // Act
      const outcome = api.fetchResource('default', new URL(`${elsewhere.url}/orders?importBatch=abc`), 'ORDER_NOTIFY');

      // Assess
      await expect(outcome).rejects.toThrow(/not on/);
      await expect(outcome).rejects.toBeInstanceOf(BadInputError);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('http-shipstation-api list pages', () => {
  it('reads one page of the orders modified in a window given in Pacific time, sorted by modifyDate', async () => {
    // Prepare: four orders a minute apart; the window holds the second and the third
    const start = fakeNow;
    const orders = [];
    for (let i = 0; i < 4; i += 1) {
      fakeNow = start + i * 60_000;
      orders.push(simulator.importOrder({ storeId: 390020 }));
    }
    const query = {
      modifyDateStart: toPacificQuery(new Date(start + 30_000)),
      modifyDateEnd: toPacificQuery(new Date(start + 150_000)),
      sortBy: 'ModifyDate',
      sortDir: 'ASC',
      pageSize: '1',
      page: '2',
    };
    const api = adapter();

    // Act
    const listed = await api.listPage('default', { resource: 'orders', query });

    // Assess
    expect(listed).toMatchObject({ rows: 1, page: 2, pages: 2, total: 2, requests: 1, unreadable: [] });
    expect(listed.snapshots.map((s) => [s.orderId, (s as OrderSnapshot).modifiedAt])).toEqual([[orders[2]?.orderId, new Date(start + 120_000).toISOString()]]);
    expect(simulator.requests.map((r) => [r.method, r.path, r.query])).toEqual([['GET', '/orders', query]]);
    expect(query.modifyDateStart).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('always asks for shipment items when listing shipments', async () => {
    // Prepare
    const order = simulator.importOrder({ storeId: 390021 });
    const label = simulator.createLabel(order.orderId);
    const api = adapter();

    // Act
    const listed = await api.listPage('default', { resource: 'shipments', query: { orderId: String(order.orderId), includeShipmentItems: 'false' } });

    // Assess
    expect(simulator.requests.map((r) => r.query.includeShipmentItems)).toEqual(['true']);
    const [shipment] = listed.snapshots as ShipmentSnapshot[];
    expect(shipment?.shipmentId).toBe(label.shipmentId);
    expect(shipment?.items.length).toBeGreaterThan(0);
  });

  it('counts every row of a page, readable or not, and says which could not be read', async () => {
    // Prepare
    const good = simulator.importOrder({ storeId: 390022 });
    const page = { orders: [good, { orderId: 'not-a-number' }], total: 2, page: 1, pages: 1 };
    const server = await startServer((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(page)));
    try {
      const api = adapter({ SHIPSTATION_BASE_URL: server.url });

      // Act
      const listed = await api.listPage('default', { resource: 'orders', query: {} });

      // Assess
      expect(listed).toMatchObject({ rows: 2, page: 1, pages: 1, total: 2 });
      expect(listed.snapshots.map((s) => s.orderId)).toEqual([good.orderId]);
      expect(listed.unreadable).toMatchObject([{ kind: 'order', index: 1 }]);
    } finally {
      await server.close();
    }
  });

  it('reports a 401 on a list page as a ShipStationCredentialsError', async () => {
    // Prepare
    const api = adapter({ SHIPSTATION_API_KEY: 'wrong-key' });

    // Act
    const outcome = api.listPage('default', { resource: 'fulfillments', query: {} });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ShipStationCredentialsError);
    expect(simulator.requests.map((r) => [r.path, r.status])).toEqual([['/fulfillments', 401]]);
  });
});

describe('http-shipstation-api webhooks', () => {
  const basicAuth = `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`;

  it('subscribes a target URL and lists it back', async () => {
    // Prepare: port 1 refuses connections, so deliveries from other tests fail at once
    const targetUrl = 'http://127.0.0.1:1/webhooks/shipstation/default?token=adapter-test-webhook-token-0123';
    const api = adapter();

    try {
      // Act
      const id = await api.subscribeWebhook('default', { event: 'SHIP_NOTIFY', targetUrl, storeId: 310001, friendlyName: 'klaviyo sync' });
      const listed = await api.listWebhooks('default');

      // Assess
      expect(listed).toContainEqual({ id, event: 'SHIP_NOTIFY', targetUrl, storeId: 310001 });
      expect(simulator.requests.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', '/webhooks/subscribe', 201],
        ['GET', '/webhooks', 200],
      ]);
      expect(simulator.webhookTargets()).toContain(targetUrl);
    } finally {
      for (const hook of await adapter().listWebhooks('default')) {
        await (await fetch(`${simulator.baseUrl}/webhooks/${hook.id}`, { method: 'DELETE', headers: { Authorization: basicAuth } })).arrayBuffer();
      }
    }
  });

  it('reads a bare array of subscriptions and a {WebHookID} answer, and sends store_id only when given', async () => {
    // Prepare
    const server = await startServer((res, req) => {
      const body =
        req.method === 'POST'
          ? { WebHookID: 20077 }
          : [
              {
                IsLabelAPIHook: false,
                WebHookID: 20076,
                SellerID: 1,
                StoreID: null,
                HookType: 'ORDER_NOTIFY',
                Url: 'https://example.test/hook',
                Name: 'orders',
              },
            ];
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    });
    try {
      const api = adapter({ SHIPSTATION_BASE_URL: server.url });

      // Act
      const id = await api.subscribeWebhook('default', { event: 'ORDER_NOTIFY', targetUrl: 'https://example.test/hook2', friendlyName: 'orders 2' });
      const listed = await api.listWebhooks('default');

      // Assess
      expect(id).toBe('20077');
      expect(listed).toEqual([{ id: '20076', event: 'ORDER_NOTIFY', targetUrl: 'https://example.test/hook' }]);
      expect(JSON.parse(server.bodies[0] ?? '')).toEqual({ target_url: 'https://example.test/hook2', event: 'ORDER_NOTIFY', friendly_name: 'orders 2' });
      expect(server.seen[0]?.['content-type']).toBe('application/json');
      expect(server.seen.map((h) => h.authorization)).toEqual([basicAuth, basicAuth]);
    } finally {
      await server.close();
    }
  });

  it('never puts the target URL, which carries the webhook token, into an error', async () => {
    // Prepare
    const token = 'adapter-test-webhook-token-0123';
    const api = adapter();

    // Act
    const outcome = api.subscribeWebhook('default', { event: 'NOT_AN_EVENT', targetUrl: `http://127.0.0.1:1/hook?token=${token}`, friendlyName: 'bad' });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(BadInputError);
    await expect(outcome).rejects.not.toThrow(token);
  });
});

describe("http-shipstation-api with a reset longer than V1's one-minute window", () => {
  it('waits 60 s, not 27.8 hours, after a 429 that says X-Rate-Limit-Reset: 100000, and leaves the shared budget open after it', async () => {
    // Prepare: the first request is refused with an absurd reset; the DynamoDB budget is the one every Lambda shares
    const aws = await startLocalAws();
    let calls = 0;
    const odd = await ShipStationSimulator.start({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      now: () => new Date(fakeNow),
      faults: () => (calls++ === 0 ? { status: 429, resetSeconds: 100_000 } : undefined),
    });
    try {
      const { accounts } = loadConfig(env({ SHIPSTATION_BASE_URL: odd.baseUrl }));
      const budget = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 40 });
      const api = new HttpShipStationApi(accounts, clock, { timeoutMs: 2000, budget });
      const order = odd.importOrder();

      // Act
      const fetched = await api.fetchResource('default', new URL(odd.importBatchUrl(order.orderId)), 'ORDER_NOTIFY');
      const next = await budget.take(accounts.get('default')?.shipStation?.fingerprint ?? '', clock.now());

      // Assess
      expect(fetched.snapshots.map((s) => s.orderId)).toEqual([order.orderId]);
      expect(sleeps).toEqual([60_000]);
      expect(odd.requests.map((r) => r.status)).toEqual([429, 200]);
      expect(next).toEqual({ granted: true });
    } finally {
      await odd.close();
      await aws.close();
    }
  });

  it('closes the shared budget for at most 60 s after a 200 that says nothing is left until X-Rate-Limit-Reset: 100000', async () => {
    // Prepare
    const aws = await startLocalAws();
    const server = await startServer((res) =>
      res
        .writeHead(200, {
          'Content-Type': 'application/json',
          'X-Rate-Limit-Limit': '40',
          'X-Rate-Limit-Remaining': '0',
          'X-Rate-Limit-Reset': '100000',
        })
        .end('{"orders":[],"total":0,"page":1,"pages":1}'),
    );
    try {
      const { accounts } = loadConfig(env({ SHIPSTATION_BASE_URL: server.url }));
      const fingerprint = accounts.get('default')?.shipStation?.fingerprint ?? '';
      const budget = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 40 });
      const api = new HttpShipStationApi(accounts, clock, { timeoutMs: 2000, budget });
      const answeredAt = fakeNow;

      // Act
      await api.fetchResource('default', new URL(`${server.url}/orders?importBatch=abc`), 'ORDER_NOTIFY');
      const justBefore = await budget.take(fingerprint, new Date(answeredAt + 59_000));
      const aMinuteLater = await budget.take(fingerprint, new Date(answeredAt + 60_000));

      // Assess
      expect(justBefore).toEqual({ granted: false, waitMs: 1_000 });
      expect(aMinuteLater).toEqual({ granted: true });
    } finally {
      await server.close();
      await aws.close();
    }
  });
});

describe('http-shipstation-api sharing the DynamoDB rate budget', () => {
  it("keeps two Lambdas firing 120 requests at once within the key's limit per minute, without a single 429", async () => {
    // Prepare: ShipStation allows 10 a minute here, so 120 requests take twelve (simulated) minutes
    const time = new SimulatedTime(Date.parse('2026-11-26T09:00:00.000Z'));
    const aws = await startLocalAws();
    const shared = await ShipStationSimulator.start({ apiKey: API_KEY, apiSecret: API_SECRET, now: () => time.now(), rateLimitPerMinute: 10 });
    try {
      shared.importOrders(Array.from({ length: 3 }, () => ({ storeId: 390030 })));
      const { accounts } = loadConfig(env({ SHIPSTATION_BASE_URL: shared.baseUrl }));
      const lambda = (): HttpShipStationApi =>
        new HttpShipStationApi(accounts, time, {
          timeoutMs: 10_000,
          maxRateLimitWaitMs: 60 * 60_000,
          budget: new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 10 }),
        });
      const lambdas = [lambda(), lambda()];

      // Act
      const pages = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          time.run(() =>
            (lambdas[i % 2] as HttpShipStationApi).listPage('default', {
              resource: 'orders',
              query: { storeId: '390030', pageSize: '1', page: String(1 + (i % 3)) },
            }),
          ),
        ),
      );

      // Assess
      expect(pages.map((p) => p.rows)).toEqual(Array.from({ length: 120 }, () => 1));
      expect(pages.every((p) => p.requests === 1)).toBe(true);
      expect(shared.requests).toHaveLength(120);
      expect(shared.requests.filter((r) => r.status !== 200)).toEqual([]);
      expect(busiestMinute(shared.requests)).toBe(10);
    } finally {
      await shared.close();
      await aws.close();
    }
  }, 60_000);
});
