// An account moved from ShipStation API V1 to V2 mid-stream, on the local stand-ins: the accounts document loses its V1
// key pair and gains a V2 key while the account is live (the functions pick the change up without a redeploy), the
// poll cursor, the ledger and the order states kept. Through schedule-polls / poll-shipstation → publish-events /
// publish-history → Klaviyo simulator: what V1 sent is not sent again by V2, and what changed around the switch is sent
// once (nothing between the last V1 poll and the first V2 one is skipped).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { lambdaContext } from '../../lib/local/lambda-runtime.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { runUntilIdle, sqsEvent } from '../helpers/handler-env.js';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const ACCOUNT = 'moving';
const KEYS = {
  v1Key: 'moving-v1-key-0123456789',
  v1Secret: 'moving-v1-secret-0123456789',
  v2Key: 'moving-v2-key-0123456789',
  klaviyo: 'pk_FAKE_moving_0123456789',
};

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
let shop: ShipStationSimulator;
let accountsFile: string;
let handlers: { poll: SqsHandler; history: SqsHandler; updates: SqsHandler };

/** Writes the accounts document with the V1 key pair or the V2 key (the functions re-read it: ACCOUNTS_CACHE_SECONDS=0). */
function writeAccounts(api: 'v1' | 'v2'): void {
  const keys =
    api === 'v1'
      ? { shipStation: { apiKey: KEYS.v1Key, apiSecret: KEYS.v1Secret, keyExpiresOn: '2027-06-30', baseUrl: shop.baseUrl } }
      : { shipStationV2: { apiKey: KEYS.v2Key, baseUrl: shop.baseUrl } };
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: [{ id: ACCOUNT, ...keys, klaviyo: { privateKey: KEYS.klaviyo, baseUrl: klaviyo.baseUrl }, webhookToken: 'moving-webhook-token-0123456789' }],
    }),
  );
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: [KEYS.klaviyo] });
  shop = await ShipStationSimulator.start({ apiKey: KEYS.v1Key, apiSecret: KEYS.v1Secret, v2ApiKey: KEYS.v2Key });
  accountsFile = join(mkdtempSync(join(tmpdir(), 'api-switch-')), 'accounts.json');
  writeAccounts('v1');
  Object.assign(process.env, aws.env, {
    ACCOUNTS_FILE: accountsFile,
    ACCOUNTS_CACHE_SECONDS: '0',
    HTTP_TIMEOUT_MS: '5000',
    POLL_LAG_MINUTES: '0',
    POLL_OVERLAP_MINUTES: '10',
  });
  // One at a time: jest's ESM loader fails on concurrent imports that share modules.
  const poll = await import('../../functions/poll-shipstation.js');
  const history = await import('../../functions/publish-history.js');
  const updates = await import('../../functions/publish-events.js');
  handlers = { poll: poll.handler, history: history.handler, updates: updates.handler };
});

afterAll(async () => {
  await Promise.all([shop.close(), klaviyo.close()]);
  await aws.close();
});

/** One scheduled poll of the account and everything it enqueued, a second after the last change (filters are whole seconds). */
async function poll(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await handlers.poll(sqsEvent([{ accountId: ACCOUNT, reason: 'schedule' }], ACCOUNT), lambdaContext('poll-shipstation', 900_000));
  await runUntilIdle(aws, [
    { queueUrl: aws.queues.polls, functionName: 'poll-shipstation', handler: handlers.poll, batchSize: 1, timeoutMs: 900_000 },
    { queueUrl: aws.queues.history, functionName: 'publish-history', handler: handlers.history, batchSize: 10 },
    { queueUrl: aws.queues.updates, functionName: 'publish-events', handler: handlers.updates, batchSize: 10 },
  ]);
}

const JANE = {
  customerEmail: 'jane.doe@example.com',
  billTo: { name: 'Jane Doe', phone: null, country: null },
  shipTo: { name: 'Jane Doe', phone: '(415) 555-0142', city: 'Oakland', state: 'CA', postalCode: '94607', country: 'US' },
};

describe('an account moved from V1 to V2', () => {
  it('sends nothing twice and misses nothing: V1 polls, the switch, then V2 polls over the same cursor and ledger', async () => {
    // Prepare: the first (V1) poll imports nothing and sets the cursor; then live changes, polled through V1
    await poll();
    const shipped = shop.importOrder(JANE);
    const held = shop.importOrder({ ...JANE, customerEmail: 'sam.lee@example.com' });
    await poll();
    shop.createLabel(shipped.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1Z999AA10123456784' });
    shop.holdOrderUntil(held.orderId, '2030-01-15');
    await poll();
    const beforeSwitch = klaviyo.events.map((e) => e.uniqueId);
    const v1Requests = shop.requests.filter((r) => r.api === 'v1').length;

    // Act: changes made just before the switch (no V1 poll sees them), the switch, then V2 polls
    const late = shop.importOrder({ ...JANE, customerEmail: 'kim.park@example.com' });
    shop.setOrderStatus(held.orderId, 'awaiting_shipment');
    writeAccounts('v2');
    await poll();
    shop.createLabel(late.orderId, { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail', trackingNumber: '9400111899223197428490' });
    shop.setOrderStatus(held.orderId, 'cancelled');
    await poll();
    await poll();

    // Assess
    const metricsOf = (orderId: number): string[] => klaviyo.events.filter((e) => e.properties.OrderId === String(orderId)).map((e) => e.metric);
    expect(beforeSwitch).toHaveLength(4);
    expect(metricsOf(shipped.orderId)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    expect(metricsOf(held.orderId)).toEqual(['Order Awaiting Shipment', 'Order On Hold', 'Order Awaiting Shipment', 'Order Cancelled']);
    expect(metricsOf(late.orderId)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    expect(klaviyo.events.slice(0, beforeSwitch.length).map((e) => e.uniqueId)).toEqual(beforeSwitch);
    expect(new Set(klaviyo.events.map((e) => e.uniqueId)).size).toBe(klaviyo.events.length);
    expect(klaviyo.duplicatesDropped).toBe(0);
    // After the switch only V2 was asked, and it was asked.
    expect(shop.requests.filter((r) => r.api === 'v1')).toHaveLength(v1Requests);
    expect(shop.requests.some((r) => r.path === '/v2/shipments')).toBe(true);
    expect(klaviyo.events.filter((e) => e.properties.OrderId === String(late.orderId)).every((e) => e.profile.email === 'kim.park@example.com')).toBe(true);
  });
});
