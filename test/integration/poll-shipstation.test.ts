// The scheduled poll and the 90-day import, end to end on the local stand-ins: schedule-polls / poll-shipstation →
// SQS (polls, updates, history) → publish-events / publish-history → Klaviyo simulator, with one ShipStation
// simulator per account holding a generated shop history. Checked at the Klaviyo fake: one event per logical change.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbPollCursorStore } from '../../lib/adapters/dynamodb-poll-cursor-store.js';
import { uniqueIds } from '../../lib/domain/event-mapping.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { lambdaContext } from '../../lib/local/lambda-runtime.js';
import { buildShopHistory, type ShopHistory } from '../../lib/local/simulators/shop-history.js';
import { KlaviyoSimulator, type AcceptedEvent } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator, type OrderStatus } from '../../lib/local/simulators/shipstation-simulator.js';
import { pacificToUtc } from '../../lib/normalise/pacific-time.js';
import { credentialMarks, queueDepth, runUntilIdle, sqsEvent } from '../helpers/handler-env.js';
import { ShopClock } from '../helpers/shop-clock.js';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const ACCOUNTS = ['acme', 'crashy', 'shifty', 'broken', 'healthy'] as const;
type AccountId = (typeof ACCOUNTS)[number];

interface Shop {
  sim: ShipStationSimulator;
  clock: ShopClock;
  history?: ShopHistory;
}

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
const shops = {} as Record<AccountId, Shop>;
let handlers: { poll: SqsHandler; history: SqsHandler; updates: SqsHandler; schedule: (event: never, context: Context) => Promise<unknown> };

const key = (id: string, what: string): string => `${id}-${what}-0123456789abcdef`;

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: ACCOUNTS.map((id) => key(id, 'klaviyo')) });
  for (const id of ACCOUNTS) {
    const clock = new ShopClock();
    const sim = await ShipStationSimulator.start({ apiKey: key(id, 'key'), apiSecret: key(id, 'secret'), now: () => clock.now() });
    shops[id] = { sim, clock };
  }
  const dir = mkdtempSync(join(tmpdir(), 'poll-test-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ACCOUNTS.map((id) => ({
        id,
        shipStation: { apiKey: key(id, 'key'), apiSecret: key(id, 'secret'), keyExpiresOn: '2027-06-30', baseUrl: shops[id].sim.baseUrl },
        klaviyo: { privateKey: key(id, 'klaviyo'), baseUrl: klaviyo.baseUrl },
        webhookToken: key(id, 'token'),
      })),
    }),
  );
  Object.assign(process.env, aws.env, { ACCOUNTS_FILE: accountsFile, HTTP_TIMEOUT_MS: '5000', POLL_LAG_MINUTES: '0' });
  // One at a time: jest's ESM loader fails on concurrent imports that share modules.
  const poll = await import('../../functions/poll-shipstation.js');
  const history = await import('../../functions/publish-history.js');
  const updates = await import('../../functions/publish-events.js');
  const schedule = await import('../../functions/schedule-polls.js');
  handlers = { poll: poll.handler, history: history.handler, updates: updates.handler, schedule: schedule.handler as never };
});

afterAll(async () => {
  await Promise.all([...Object.values(shops).map((s) => s.sim.close()), klaviyo.close()]);
  await aws.close();
});

/** Builds a shop's past in its simulator (clock parked in the past), then lets its clock follow real time again. */
function buildHistory(id: AccountId, orders: number, seed: number): ShopHistory {
  const shop = shops[id];
  const history = buildShopHistory(shop.sim, shop.clock, { orders, days: 85, end: new Date(Date.now() - 10 * 60_000), seed });
  shop.clock.release();
  shop.history = history;
  return history;
}

/** Runs every consumer until all queues are empty, as the deployed event source mappings would. */
async function drain(): Promise<void> {
  await runUntilIdle(aws, [
    { queueUrl: aws.queues.polls, functionName: 'poll-shipstation', handler: handlers.poll, batchSize: 1, timeoutMs: 900_000 },
    { queueUrl: aws.queues.history, functionName: 'publish-history', handler: handlers.history, batchSize: 10 },
    { queueUrl: aws.queues.updates, functionName: 'publish-events', handler: handlers.updates, batchSize: 10 },
  ]);
}

/** Runs one poll job for an account, as the polls queue would hand it over. */
async function pollJob(accountId: AccountId, context: Context = lambdaContext('poll-shipstation', 900_000)): Promise<SQSBatchResponse> {
  return handlers.poll(sqsEvent([{ accountId, reason: 'schedule' }], accountId), context);
}

const STATUS_EVENTS: Partial<Record<OrderStatus, true>> = {
  awaiting_payment: true,
  awaiting_shipment: true,
  pending_fulfillment: true,
  on_hold: true,
  cancelled: true,
  rejected_fulfillment: true,
};

/** The unique ids an import of this history must produce: each order's current status, each live label and fulfilment. */
function expectedImport(id: AccountId, history: ShopHistory): string[] {
  const ids: string[] = [];
  for (const order of history.orders) {
    if (STATUS_EVENTS[order.status]) ids.push(uniqueIds.orderStatus(id, order.orderId, order.status, pacificToUtc(order.modifyDate) as string));
  }
  for (const shipment of history.shipments) {
    if (!shipment.voided) ids.push(uniqueIds.shipment(id, shipment.shipmentId, shipment.isReturnLabel ? 'return' : 'shipped'));
  }
  for (const fulfillment of history.fulfillments) {
    if (!fulfillment.voided) ids.push(uniqueIds.fulfillment(id, fulfillment.fulfillmentId, 'shipped'));
  }
  return ids.sort();
}

const eventsOf = (id: AccountId): AcceptedEvent[] => klaviyo.events.filter((e) => e.privateKey === key(id, 'klaviyo'));
const listRequests = (id: AccountId): { path: string; status: number; query: Record<string, string> }[] =>
  shops[id].sim.requests.filter((r) => ['/orders', '/shipments', '/fulfillments'].includes(r.path));
const pagesFor = (rows: number): number => Math.max(1, Math.ceil(rows / 500));

describe('poll-shipstation', () => {
  it('imports a 90-day history of 3,000 orders as exactly one backfill event per logical change, in the minimum number of ShipStation requests', async () => {
    // Prepare
    const history = buildHistory('acme', 3000, 7);
    const expected = expectedImport('acme', history);

    // Act
    await pollJob('acme');
    await drain();

    // Assess
    const events = eventsOf('acme');
    expect(events.map((e) => e.uniqueId).sort()).toEqual(expected);
    expect(events.every((e) => e.backfill)).toBe(true);
    expect(klaviyo.duplicatesDropped).toBe(0);
    const minimum = pagesFor(history.orders.length) + pagesFor(history.shipments.length) + pagesFor(history.fulfillments.length);
    expect(listRequests('acme')).toHaveLength(minimum);
    expect(listRequests('acme').every((r) => r.status === 200 && r.query.pageSize === '500')).toBe(true);
    // Bulk, not one request per event: ≤ 1,000 events per request.
    const bulk = klaviyo.requests.filter((r) => r.path === '/api/event-bulk-create-jobs' && r.status === 202);
    expect(bulk.length).toBeGreaterThan(0);
    expect(klaviyo.requests.filter((r) => r.path === '/api/events')).toHaveLength(0);
  }, 300_000); // a hang guard, not a timing check: the import takes ~30 s alone and much longer beside other suites on 2 cores

  it('sends what changed since the import on the next scheduled poll, live and not backfilled', async () => {
    // Prepare
    const { sim } = shops.acme;
    const before = eventsOf('acme').length;
    const waiting = shops.acme.history?.orders.find((o) => o.status === 'awaiting_shipment');
    if (waiting === undefined) throw new Error('history has no order awaiting shipment');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // ShipStation's filters have whole seconds
    sim.setOrderStatus(waiting.orderId, 'on_hold');
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // Act
    await pollJob('acme');
    await drain();

    // Assess: the on-hold change, live; and the sweep before the poll found the imported orders that came due in the
    // last day still unshipped (older ones are history and get no check).
    const fresh = eventsOf('acme').slice(before);
    const delayed = fresh.filter((e) => e.metric === 'Order Delayed');
    const changes = fresh.filter((e) => e.metric !== 'Order Delayed');
    expect(changes.map((e) => e.uniqueId)).toEqual([expect.stringMatching(new RegExp(`^ss:acme:order:${waiting.orderId}:on_hold:`))]);
    expect(changes[0]?.backfill).toBe(false);
    const dayAgo = Date.now() - 24 * 3_600_000;
    for (const event of delayed) {
      const orderId = Number(event.properties.OrderId);
      expect(['awaiting_shipment', 'on_hold', 'pending_fulfillment', 'rejected_fulfillment']).toContain(sim.getOrder(orderId).orderStatus);
      expect(Date.parse(event.time ?? '')).toBeGreaterThan(dayAgo);
      expect(event.uniqueId).toBe(`ss:acme:order:${orderId}:delayed`);
      expect(event.backfill).toBe(false);
    }
  });

  it('resumes a run stopped by the time limit from its checkpoint: no gap, no duplicate', async () => {
    // Prepare: 1,200 orders = 3 order pages; the invocation has time for 2 pages only.
    const history = buildHistory('crashy', 1200, 11);
    const context = { ...lambdaContext('poll-shipstation', 900_000), getRemainingTimeInMillis: () => (listRequests('crashy').length >= 2 ? 1_000 : 600_000) };

    // Act
    await pollJob('crashy', context);
    const cursorMidway = await new DynamoDbPollCursorStore(aws.dynamodb, aws.tableName).get('crashy');
    const continuations = await queueDepth(aws, aws.queues.polls);
    await drain();

    // Assess
    expect(cursorMidway?.through).toBeUndefined();
    expect(cursorMidway?.run).toMatchObject({ mode: 'import', stream: 0, position: { page: 3 } });
    expect(continuations).toBe(1);
    expect(
      eventsOf('crashy')
        .map((e) => e.uniqueId)
        .sort(),
    ).toEqual(expectedImport('crashy', history));
    expect(klaviyo.duplicatesDropped).toBe(0);
    expect(listRequests('crashy').filter((r) => r.path === '/orders')).toHaveLength(3);
  });

  it('misses no order when orders edited during the walk leave the window and the rows shift between pages', async () => {
    // Prepare: 1,200 orders; while page 2 is requested, five orders of page 1 are edited (their modifyDate jumps past
    // the window's end), so rows 501–505 slide onto page 1, which was already read.
    const history = buildHistory('shifty', 1200, 23);
    const { sim } = shops.shifty;
    const firstFive = [...history.orders]
      .sort((a, b) => (pacificToUtc(a.modifyDate) as string).localeCompare(pacificToUtc(b.modifyDate) as string) || a.orderId - b.orderId)
      .slice(0, 5);
    let fired = false;
    const unregister = sim.onRequest((request) => {
      if (fired || request.path !== '/orders' || request.query.page !== '2') return;
      fired = true;
      for (const order of firstFive) sim.setOrderStatus(order.orderId, 'on_hold');
    });

    // Act
    await pollJob('shifty');
    unregister();
    await drain();

    // Assess: every event of the history arrived, the slid rows' included (the edited orders' old statuses too: page 1
    // was read before the edit).
    const sent = new Set(eventsOf('shifty').map((e) => e.uniqueId));
    expect(fired).toBe(true);
    expect(expectedImport('shifty', history).filter((id) => !sent.has(id))).toEqual([]);
    expect(klaviyo.duplicatesDropped).toBe(0);
    // The walk restarted once: one more orders request than the 3 pages.
    expect(listRequests('shifty').filter((r) => r.path === '/orders').length).toBeGreaterThan(3);
  });

  it("keeps a healthy account flowing while another account's key is expired (401), and the broken account keeps its cursor", async () => {
    // Prepare: both imported once; then new orders in both, and the broken account's key expires.
    buildHistory('broken', 50, 31);
    buildHistory('healthy', 50, 37);
    await pollJob('broken');
    await pollJob('healthy');
    await drain();
    const cursors = new DynamoDbPollCursorStore(aws.dynamodb, aws.tableName);
    const brokenBefore = await cursors.get('broken');
    const healthyBefore = eventsOf('healthy').length;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = shops.healthy.sim.importOrders([{ customerEmail: 'new.buyer@example.com' }, { customerEmail: 'second.buyer@example.com' }]);
    shops.broken.sim.importOrders([{ customerEmail: 'lost.buyer@example.com' }]);
    shops.broken.sim.expireKey();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const brokenRequestsBefore = listRequests('broken').length;

    // Act
    await handlers.schedule({} as never, lambdaContext('schedule-polls'));
    await drain();

    // Assess
    const healthyNew = eventsOf('healthy')
      .slice(healthyBefore)
      .map((e) => e.uniqueId);
    expect(healthyNew).toEqual(expect.arrayContaining(fresh.map((o) => expect.stringContaining(`:order:${o.orderId}:awaiting_shipment:`))));
    const brokenAfter = await cursors.get('broken');
    expect(brokenAfter?.through).toBe(brokenBefore?.through);
    expect(await credentialMarks(aws, 'broken')).toHaveLength(1);
    expect(listRequests('broken').length - brokenRequestsBefore).toBe(1); // one 401, then the account is paused
  });
});
