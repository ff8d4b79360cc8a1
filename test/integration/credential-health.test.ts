// Credential health end to end on the local stand-ins (dynalite, local-aws-sqs, the SNS stand-in) with the ShipStation
// and Klaviyo simulators, through the deployed handlers: webhooks over HTTP → receive-webhook → fetch-resource →
// publish-events, the scheduled poll → poll-shipstation → publish-history, and check-key-expiry. Keys are rotated the
// way an operator does it: the accounts document is rewritten (ACCOUNTS_CACHE_SECONDS=0 here, so the next invocation
// reads it) and the old key stops working.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbHeldEventStore } from '../../lib/adapters/dynamodb-held-event-store.js';
import { DynamoDbPollCursorStore } from '../../lib/adapters/dynamodb-poll-cursor-store.js';
import { uniqueIds } from '../../lib/domain/event-mapping.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { lambdaContext, serveHttpApi } from '../../lib/local/lambda-runtime.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator, type SimOrder } from '../../lib/local/simulators/shipstation-simulator.js';
import { pacificToUtc } from '../../lib/normalise/pacific-time.js';
import { SUBSCRIBED_WEBHOOK_EVENTS } from '../../lib/use-cases/register-webhooks.js';
import { deadLetters, queueDepth, runUntilIdle } from '../helpers/handler-env.js';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type ScheduledHandler = (event: never, context: Context) => Promise<unknown>;

const ACCOUNTS = ['acme', 'bloom'] as const;
type AccountId = (typeof ACCOUNTS)[number];

interface AccountKeys {
  apiKey: string;
  apiSecret: string;
  keyExpiresOn: string;
  klaviyoKey: string;
}

const secret = (id: string, what: string): string => `${id}-${what}-0123456789abcdef`;
const token = (id: AccountId): string => secret(id, 'token');

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
let endpoint: { url: string; close(): Promise<void> };
let accountsFile: string;
const shops = {} as Record<AccountId, ShipStationSimulator>;
const keys = {} as Record<AccountId, AccountKeys>;
let handlers: { fetch: SqsHandler; updates: SqsHandler; poll: SqsHandler; history: SqsHandler; schedule: ScheduledHandler; checkKeys: ScheduledHandler };

/** Writes the accounts document with each account's current keys, as an operator storing a rotated key does. */
function writeAccounts(): void {
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ACCOUNTS.map((id) => ({
        id,
        shipStation: { apiKey: keys[id].apiKey, apiSecret: keys[id].apiSecret, keyExpiresOn: keys[id].keyExpiresOn, baseUrl: shops[id].baseUrl },
        klaviyo: { privateKey: keys[id].klaviyoKey, baseUrl: klaviyo.baseUrl },
        webhookToken: token(id),
      })),
    }),
  );
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: ACCOUNTS.flatMap((id) => [secret(id, 'klaviyo'), secret(id, 'klaviyo-rotated')]) });
  for (const id of ACCOUNTS) {
    keys[id] = { apiKey: secret(id, 'key'), apiSecret: secret(id, 'secret'), keyExpiresOn: '2027-06-30', klaviyoKey: secret(id, 'klaviyo') };
    // Many polls in a few seconds: a lifted rate limit (the budget follows it) keeps them from waiting out real minutes.
    shops[id] = await ShipStationSimulator.start({ apiKey: keys[id].apiKey, apiSecret: keys[id].apiSecret, rateLimitPerMinute: 600 });
  }
  accountsFile = join(mkdtempSync(join(tmpdir(), 'credential-health-')), 'accounts.json');
  writeAccounts();
  Object.assign(process.env, aws.env, {
    ACCOUNTS_FILE: accountsFile,
    ACCOUNTS_CACHE_SECONDS: '0',
    HTTP_TIMEOUT_MS: '5000',
    POLL_LAG_MINUTES: '0',
    SHIPSTATION_REQUESTS_PER_MINUTE: '600',
  });
  // One at a time: jest's ESM loader fails on concurrent imports that share modules.
  const receive = await import('../../functions/receive-webhook.js');
  const fetch = await import('../../functions/fetch-resource.js');
  const updates = await import('../../functions/publish-events.js');
  const poll = await import('../../functions/poll-shipstation.js');
  const history = await import('../../functions/publish-history.js');
  const schedule = await import('../../functions/schedule-polls.js');
  const checkKeys = await import('../../functions/check-key-expiry.js');
  handlers = {
    fetch: fetch.handler,
    updates: updates.handler,
    poll: poll.handler,
    history: history.handler,
    schedule: schedule.handler as ScheduledHandler,
    checkKeys: checkKeys.handler as ScheduledHandler,
  };
  endpoint = await serveHttpApi({ handler: receive.handler, functionName: 'receive-webhook' });
  // Each shop sends its webhooks to its account's endpoint, as register-webhooks sets them up.
  for (const id of ACCOUNTS) {
    for (const event of SUBSCRIBED_WEBHOOK_EVENTS) {
      const response = await globalThis.fetch(`${shops[id].baseUrl}/webhooks/subscribe`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${keys[id].apiKey}:${keys[id].apiSecret}`).toString('base64')}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ target_url: `${endpoint.url}/webhooks/shipstation/${id}?token=${token(id)}`, event, friendly_name: `test ${event}` }),
      });
      if (response.status !== 201) throw new Error(`subscribing ${event} answered ${response.status}`);
    }
  }
});

afterAll(async () => {
  await endpoint.close();
  await Promise.all([...Object.values(shops).map((s) => s.close()), klaviyo.close()]);
  await aws.close();
});

/** Runs every consumer until all queues are empty, as the deployed event source mappings would. */
async function drain(): Promise<void> {
  await runUntilIdle(aws, [
    { queueUrl: aws.queues.notifications, functionName: 'fetch-resource', handler: handlers.fetch, batchSize: 5 },
    { queueUrl: aws.queues.polls, functionName: 'poll-shipstation', handler: handlers.poll, batchSize: 1, timeoutMs: 900_000 },
    { queueUrl: aws.queues.history, functionName: 'publish-history', handler: handlers.history, batchSize: 10 },
    { queueUrl: aws.queues.updates, functionName: 'publish-events', handler: handlers.updates, batchSize: 10 },
  ]);
}

/** Delivers the shops' pending webhooks, then lets everything settle. */
async function deliverAndDrain(): Promise<void> {
  await Promise.all(ACCOUNTS.map((id) => shops[id].flushWebhooks()));
  await drain();
}

/** One scheduled poll of every account (EventBridge → schedule-polls), run to the end. */
async function scheduledPoll(): Promise<void> {
  await handlers.schedule({} as never, lambdaContext('schedule-polls'));
  await drain();
}

const eventIds = (id: AccountId): string[] => klaviyo.events.filter((e) => e.privateKey.startsWith(`${id}-`)).map((e) => e.uniqueId ?? '');
const alertsFor = (id: AccountId): string[] => aws.sns.published.filter((m) => m.attributes.accountId === id).map((m) => m.subject ?? '');
const dlqDepths = async (): Promise<number[]> =>
  Promise.all([aws.queues.notificationsDlq, aws.queues.updatesDlq, aws.queues.historyDlq, aws.queues.pollsDlq].map((q) => queueDepth(aws, q)));
const statusId = (id: AccountId, order: SimOrder): string =>
  uniqueIds.orderStatus(id, order.orderId, 'awaiting_shipment', pacificToUtc(order.modifyDate) as string);
const customer = (n: number): { customerEmail: string } => ({ customerEmail: `customer.${n}@example.com` });

describe('credential health', () => {
  it('pauses an account whose ShipStation key starts answering 401 with one alert, no retry storm and its cursor kept, then delivers every missed event once after the rotation', async () => {
    // Prepare: a shop in business, imported and live.
    const shop = shops.acme;
    const [first, second] = shop.importOrders([customer(1), customer(2)]);
    if (first === undefined || second === undefined) throw new Error('orders not created');
    await deliverAndDrain();
    await scheduledPoll();
    const cursors = new DynamoDbPollCursorStore(aws.dynamodb, aws.tableName);
    const cursorBefore = await cursors.get('acme');
    const sentBefore = eventIds('acme');
    const requestsBefore = shop.requests.length;

    // Act 1: the key expires mid-stream; the shop goes on (webhooks for new orders and a label; a Mark as Shipped,
    // which sends no webhook); an hour passes: two scheduled polls and the daily key check.
    shop.expireKey();
    const missed = shop.importOrders([customer(3), customer(4)]);
    const label = shop.createLabel(first.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground' });
    const fulfillment = shop.markAsShipped(second.orderId);
    await deliverAndDrain();
    await scheduledPoll();
    await scheduledPoll();
    await handlers.checkKeys({} as never, lambdaContext('check-key-expiry'));
    const duringOutage = shop.requests.slice(requestsBefore);

    // Assess 1
    expect(alertsFor('acme')).toEqual(['ShipStation refused the API key (account acme)']);
    // The two notifications (new orders, new label) are fetched in the same batch, so each may be refused once before
    // the mark lands; none is retried, no poll lists anything, and each scheduled poll and the daily check spend one
    // cheap check: five requests in an hour where retries and redeliveries would have made dozens.
    const refusedFetches = duringOutage.filter((r) => r.path !== '/stores');
    expect(refusedFetches.length).toBeGreaterThanOrEqual(1);
    expect(refusedFetches.length).toBeLessThanOrEqual(2);
    expect(refusedFetches.every((r) => r.status === 401 && r.path === (r === refusedFetches[0] ? r.path : r.path))).toBe(true);
    expect(new Set(refusedFetches.map((r) => `${r.path}?${new URLSearchParams(r.query).toString()}`)).size).toBe(refusedFetches.length);
    expect(refusedFetches.every((r) => !['modifyDateStart', 'createDateStart'].some((q) => q in r.query))).toBe(true);
    expect(duringOutage.filter((r) => r.path === '/stores').map((r) => r.status)).toEqual([401, 401, 401]);
    expect((await cursors.get('acme'))?.through).toBe(cursorBefore?.through);
    expect(eventIds('acme')).toEqual(sentBefore);
    expect(await dlqDepths()).toEqual([0, 0, 0, 0]);
    expect(await deadLetters(aws, 'acme')).toEqual([]);

    // Act 2: the operator generates a new key pair in ShipStation and stores it with its expiry date.
    shop.rotateCredentials(secret('acme', 'key-rotated'), secret('acme', 'secret-rotated'));
    keys.acme = { ...keys.acme, apiKey: secret('acme', 'key-rotated'), apiSecret: secret('acme', 'secret-rotated'), keyExpiresOn: '2027-11-25' };
    writeAccounts();
    await scheduledPoll();
    await scheduledPoll();

    // Assess 2: the catch-up from the kept cursor finds everything ShipStation now shows, each sent once, with the
    // time it happened. (An order created and shipped inside the outage would show only its shipped state: ShipStation
    // keeps no status history, for us as for the native integration. None here.)
    const expected = [
      ...missed.map((order) => statusId('acme', order)),
      uniqueIds.shipment('acme', label.shipmentId, 'shipped'),
      uniqueIds.fulfillment('acme', fulfillment.fulfillmentId, 'shipped'),
    ];
    const caughtUp = eventIds('acme').slice(sentBefore.length);
    expect([...caughtUp].sort()).toEqual([...expected].sort());
    expect(new Set(eventIds('acme')).size).toBe(eventIds('acme').length);
    expect(klaviyo.duplicatesDropped).toBe(0);
    const times = new Map(klaviyo.events.map((e) => [e.uniqueId, e.time]));
    for (const order of missed) expect(times.get(statusId('acme', order))).toBe(pacificToUtc(order.modifyDate));
    expect(times.get(uniqueIds.shipment('acme', label.shipmentId, 'shipped'))).toBe(pacificToUtc(label.createDate));
    expect(alertsFor('acme')).toEqual(['ShipStation refused the API key (account acme)', 'The ShipStation API key works again (account acme)']);
    expect((await cursors.get('acme'))?.through).not.toBe(cursorBefore?.through);
    expect(await dlqDepths()).toEqual([0, 0, 0, 0]);
  });

  it('holds every event while the Klaviyo key is refused for an hour, drops none, and delivers each once after the rotation', async () => {
    // Prepare
    const shop = shops.bloom;
    const [first, second] = shop.importOrders([customer(11), customer(12)]);
    if (first === undefined || second === undefined) throw new Error('orders not created');
    await deliverAndDrain();
    await scheduledPoll();
    const sentBefore = eventIds('bloom');
    const held = new DynamoDbHeldEventStore(aws.dynamodb, aws.tableName);

    // Act 1: the Klaviyo key is deleted; for an hour (two scheduled polls, SQS redeliveries at 1 s with three receives
    // before a DLQ) the shop goes on: new orders, a label, a hold (no webhook: the poll finds it).
    klaviyo.revokeKey(secret('bloom', 'klaviyo'));
    const newOrders = shop.importOrders([customer(13), customer(14), customer(15)]);
    const label = shop.createLabel(first.orderId, { carrierCode: 'fedex', serviceCode: 'fedex_home_delivery' });
    const onHold = shop.setOrderStatus(second.orderId, 'on_hold');
    await deliverAndDrain();
    await scheduledPoll();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await scheduledPoll();
    const expected = [
      ...newOrders.map((order) => statusId('bloom', order)),
      uniqueIds.shipment('bloom', label.shipmentId, 'shipped'),
      uniqueIds.orderStatus('bloom', onHold.orderId, 'on_hold', pacificToUtc(onHold.modifyDate) as string),
    ];

    // Assess 1: nothing sent, nothing dead-lettered or in a DLQ: all of it held, and one alert.
    expect(eventIds('bloom')).toEqual(sentBefore);
    expect(await deadLetters(aws, 'bloom')).toEqual([]);
    expect(await dlqDepths()).toEqual([0, 0, 0, 0]);
    const heldIds = (await held.list('bloom', 100)).events.map((e) => e.uniqueId);
    expect([...heldIds].sort()).toEqual([...expected].sort());
    expect(alertsFor('bloom')).toEqual(['Klaviyo refused the private key (account bloom)']);

    // Act 2: a new private key is stored.
    keys.bloom = { ...keys.bloom, klaviyoKey: secret('bloom', 'klaviyo-rotated') };
    writeAccounts();
    await scheduledPoll();
    const postRotation = shop.importOrder(customer(16));
    await deliverAndDrain();

    // Assess 2
    const delivered = eventIds('bloom').slice(sentBefore.length);
    expect([...delivered].sort()).toEqual([...expected, statusId('bloom', postRotation)].sort());
    expect(new Set(eventIds('bloom')).size).toBe(eventIds('bloom').length);
    expect(klaviyo.events.filter((e) => delivered.includes(e.uniqueId ?? '')).every((e) => e.privateKey === secret('bloom', 'klaviyo-rotated'))).toBe(true);
    const times = new Map(klaviyo.events.map((e) => [e.uniqueId, e.time]));
    for (const order of newOrders) expect(times.get(statusId('bloom', order))).toBe(pacificToUtc(order.modifyDate));
    expect(await held.count('bloom')).toBe(0);
    expect(alertsFor('bloom')).toEqual(['Klaviyo refused the private key (account bloom)', 'The Klaviyo private key works again (account bloom)']);
    expect(await dlqDepths()).toEqual([0, 0, 0, 0]);
  });
});
