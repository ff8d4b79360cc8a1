// The first poll of an account on API V2 only, end to end on the local stand-ins: schedule-polls / poll-shipstation →
// the ShipStation simulator's V2 lists (200 requests/minute, Retry-After on 429) → SQS history → publish-history →
// Klaviyo simulator. 2,000 orders in 85 days: one backfill event per logical change under the ids V1 would give them
// (a gift's events, whose buyer V2 does not name, as dead-letter records saying so), in the minimum number of V2
// requests, with no 429 provoked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { uniqueIds } from '../../lib/domain/event-mapping.js';
import type { OrderStatus } from '../../lib/domain/shipstation.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { lambdaContext } from '../../lib/local/lambda-runtime.js';
import { buildShopHistory, type ShopHistory } from '../../lib/local/simulators/shop-history.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { deadLetters, runUntilIdle, sqsEvent } from '../helpers/handler-env.js';
import { ShopClock } from '../helpers/shop-clock.js';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const ACCOUNT = 'v2shop';
const V2_KEY = 'v2shop-v2-key-0123456789abcdef';
const KLAVIYO_KEY = 'pk_FAKE_v2shop_0123456789';

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
let shop: { sim: ShipStationSimulator; clock: ShopClock };
let handlers: { poll: SqsHandler; history: SqsHandler; updates: SqsHandler };

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: [KLAVIYO_KEY] });
  const clock = new ShopClock();
  // A V1 pair the service is never given: the merchant's plan has no V1 API.
  const sim = await ShipStationSimulator.start({
    apiKey: 'unused-v1-key',
    apiSecret: 'unused-v1-secret',
    v2ApiKey: V2_KEY,
    v2RateLimitPerMinute: 200,
    now: () => clock.now(),
  });
  shop = { sim, clock };
  const dir = mkdtempSync(join(tmpdir(), 'v2-import-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: [
        {
          id: ACCOUNT,
          shipStationV2: { apiKey: V2_KEY, baseUrl: sim.baseUrl },
          klaviyo: { privateKey: KLAVIYO_KEY, baseUrl: klaviyo.baseUrl },
          webhookToken: 'v2shop-webhook-token-0123456789',
        },
      ],
    }),
  );
  Object.assign(process.env, aws.env, { ACCOUNTS_FILE: accountsFile, HTTP_TIMEOUT_MS: '5000', POLL_LAG_MINUTES: '0' });
  // One at a time: jest's ESM loader fails on concurrent imports that share modules.
  const poll = await import('../../functions/poll-shipstation.js');
  const history = await import('../../functions/publish-history.js');
  const updates = await import('../../functions/publish-events.js');
  handlers = { poll: poll.handler, history: history.handler, updates: updates.handler };
});

afterAll(async () => {
  await Promise.all([shop.sim.close(), klaviyo.close()]);
  await aws.close();
});

/**
 * What V2 tells of each status: no awaiting payment or pending fulfilment (its `pending` is read as awaiting shipment),
 * on hold and cancelled as they are, shipped (label purchased) without an order-level event.
 */
const V2_STATUS: Record<OrderStatus, OrderStatus | undefined> = {
  awaiting_payment: 'awaiting_shipment',
  awaiting_shipment: 'awaiting_shipment',
  pending_fulfillment: 'awaiting_shipment',
  rejected_fulfillment: 'awaiting_shipment',
  on_hold: 'on_hold',
  cancelled: 'cancelled',
  shipped: undefined,
};

/**
 * The unique ids the V2 import of this history must produce, under V1's ids: `sent`, and `unaddressed`, the events of
 * gift orders, whose buyer V2 does not name (dead-letter records saying so, never the recipient's profile).
 */
function expectedImport(history: ShopHistory): { sent: string[]; unaddressed: string[] } {
  const gifts = new Set(history.orders.filter((o) => shop.sim.getOrder(o.orderId).gift).map((o) => o.orderId));
  const sent: string[] = [];
  const unaddressed: string[] = [];
  const add = (orderId: number, id: string): number => (gifts.has(orderId) ? unaddressed : sent).push(id);
  for (const order of history.orders) {
    const status = V2_STATUS[order.status];
    // V2's own instant (V1's Pacific text is ambiguous in the hour clocks go back: 1 November 2026, 01:00–02:00).
    const modifiedAt = new Date(shop.sim.getV2Shipment(order.orderId).modified_at).toISOString();
    if (status !== undefined) add(order.orderId, uniqueIds.orderStatus(ACCOUNT, order.orderId, status, modifiedAt));
  }
  for (const shipment of history.shipments) {
    if (!shipment.voided) add(shipment.orderId, uniqueIds.shipment(ACCOUNT, shipment.shipmentId, shipment.isReturnLabel ? 'return' : 'shipped'));
  }
  for (const fulfillment of history.fulfillments) {
    if (!fulfillment.voided) add(fulfillment.orderId, uniqueIds.fulfillment(ACCOUNT, fulfillment.fulfillmentId, 'shipped'));
  }
  return { sent: sent.sort(), unaddressed: unaddressed.sort() };
}

const pagesFor = (rows: number): number => Math.max(1, Math.ceil(rows / 500));

describe('the V2 import', () => {
  it('imports 2,000 orders as one backfill event per logical change, in the minimum number of V2 requests, provoking no 429', async () => {
    // Prepare
    const history = buildShopHistory(shop.sim, shop.clock, { orders: 2000, days: 85, end: new Date(Date.now() - 10 * 60_000), seed: 11 });
    shop.clock.release();
    const expected = expectedImport(history);

    // Act
    await handlers.poll(sqsEvent([{ accountId: ACCOUNT, reason: 'schedule' }], ACCOUNT), lambdaContext('poll-shipstation', 900_000));
    await runUntilIdle(aws, [
      { queueUrl: aws.queues.polls, functionName: 'poll-shipstation', handler: handlers.poll, batchSize: 1, timeoutMs: 900_000 },
      { queueUrl: aws.queues.history, functionName: 'publish-history', handler: handlers.history, batchSize: 10 },
      { queueUrl: aws.queues.updates, functionName: 'publish-events', handler: handlers.updates, batchSize: 10 },
    ]);

    // Assess
    const events = klaviyo.events;
    expect(events.map((e) => e.uniqueId).sort()).toEqual(expected.sent);
    const unaddressed = await deadLetters(aws, ACCOUNT);
    expect(unaddressed.map((d) => d.uniqueId).sort()).toEqual(expected.unaddressed);
    expect(expected.unaddressed.length).toBeGreaterThan(0);
    expect(new Set(unaddressed.map((d) => d.reason?.split(' (')[0]))).toEqual(
      new Set(['a gift order read through ShipStation API V2, which does not name the buyer']),
    );
    expect(events.every((e) => e.backfill)).toBe(true);
    expect(klaviyo.duplicatesDropped).toBe(0);
    const lists = shop.sim.requests.filter((r) => ['/v2/shipments', '/v2/labels', '/v2/fulfillments'].includes(r.path));
    const minimum = pagesFor(history.orders.length) + pagesFor(history.shipments.length) + pagesFor(history.fulfillments.length);
    expect(lists).toHaveLength(minimum);
    expect(shop.sim.requests.filter((r) => r.status === 429)).toEqual([]);
    // Nothing but V2 was asked, and no order was read by id: the import brought every order before its labels.
    expect(shop.sim.requests.filter((r) => r.api !== 'v2' || r.path.startsWith('/v2/shipments/'))).toEqual([]);
  });
});
