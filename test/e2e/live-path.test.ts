// End to end through the local stack (the same one `npm start` runs): ShipStation simulator → webhook over HTTP →
// receive-webhook → SQS → fetch-resource → SQS → publish-events → Klaviyo simulator. Every webhook is delivered three
// times and both consumers are made to fail once, so SQS redelivers; Klaviyo must still get each event exactly once.
import { CREDENTIALS_PROBE_BODY } from '../../lib/adapters/http-klaviyo-api.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import { eventually, queueDepth } from '../helpers/handler-env.js';

let stack: LocalStack;
const runtimeErrors: unknown[] = [];

beforeAll(async () => {
  // No poll schedule: this test is about the webhook path, and a poll's requests would take the scripted failures.
  stack = await startLocalStack({
    env: {},
    webhookDeliveries: 3,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 5,
    pollIntervalSeconds: 0,
    onError: (error) => runtimeErrors.push(error),
  });
});

afterAll(async () => {
  await stack.close();
});

const settled = async (): Promise<boolean> =>
  (await queueDepth(stack.aws, stack.aws.queues.notifications)) === 0 && (await queueDepth(stack.aws, stack.aws.queues.updates)) === 0;

describe('live path (local stack)', () => {
  it('turns a new-order webhook and a label webhook, each delivered three times and redelivered by SQS, into exactly one Order Awaiting Shipment and one Order Shipped', async () => {
    // Prepare
    const shop = stack.shipStation;
    const klaviyo = stack.klaviyo;
    if (shop === undefined || klaviyo === undefined) throw new Error('the local stack should run on simulators without credentials');
    shop.failNext(4, 500); // the first fetch of the order resource exhausts its retries → SQS redelivers the notification
    klaviyo.failNext(4, { status: 503 }); // the first publish exhausts its retries → held; the outage's release job sends it

    // Act
    const order = shop.importOrder({ customerEmail: 'jane.doe@example.com' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.length >= 1, 'Order Awaiting Shipment accepted');
    const label = shop.createLabel(order.orderId, { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail', trackingNumber: '9400111899223197428490' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.length >= 2, 'Order Shipped accepted');
    await eventually(settled, 'both queues drained');
    // Give any straggling duplicate time to arrive: redeliveries come after the 1 s visibility timeout.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await eventually(settled, 'both queues drained again');

    // Assess
    // Two webhooks (ORDER_NOTIFY, SHIP_NOTIFY), each delivered three times, each accepted.
    expect(stack.webhookStatuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(runtimeErrors).toEqual([]);
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    expect(klaviyo.duplicatesDropped).toBe(0);
    const [received, shipped] = klaviyo.events;
    expect(received?.profile.email).toBe('jane.doe@example.com');
    expect(received?.properties.OrderNumber).toBe(order.orderNumber);
    expect(shipped?.properties).toMatchObject({
      Carrier: 'USPS',
      TrackingNumber: '9400111899223197428490',
      TrackingURL: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490',
      ShipmentId: String(label.shipmentId),
    });
    expect(received?.backfill).toBe(false);
    // Redelivery really happened: the order resource answered 500 four times before a 200.
    const orderFetches = shop.requests.filter((r) => r.path === '/orders');
    expect(orderFetches.filter((r) => r.status === 500)).toHaveLength(4);
    expect(klaviyo.requests.filter((r) => r.status === 503)).toHaveLength(4);
    // Every event body is valid; the key check's probe (at start) is invalid on purpose, so it can never create one.
    const [probe, ...sends] = klaviyo.requests;
    expect(probe?.body).toEqual(CREDENTIALS_PROBE_BODY);
    for (const request of sends) expect(validateKlaviyoBody(request.path === '/api/events' ? 'create-event' : 'bulk-create-events', request.body)).toEqual([]);
    expect(await queueDepth(stack.aws, stack.aws.queues.notificationsDlq)).toBe(0);
    expect(await queueDepth(stack.aws, stack.aws.queues.updatesDlq)).toBe(0);
  });
});
