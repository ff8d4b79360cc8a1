// End to end through the local stack (the one `npm start` runs), tracking: ShipStation simulator → signed V2
// TRACK_EVENT_V2 over HTTP → receive-tracking (signature against the simulator's JWKS) → SQS updates →
// publish-events (joined to the label seen through the V1 webhook) → Klaviyo simulator. A tampered webhook is refused
// and changes nothing.
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import { eventually, queueDepth } from '../helpers/handler-env.js';

let stack: LocalStack;
const runtimeErrors: unknown[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    env: {},
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

describe('tracking path (local stack)', () => {
  it('turns signed tracking webhooks for two packages of one order into In Transit, Out For Delivery, an exception and two Order Delivered, refusing a tampered one', async () => {
    // Prepare
    const shop = stack.shipStation;
    const klaviyo = stack.klaviyo;
    if (shop === undefined || klaviyo === undefined) throw new Error('the local stack should run on simulators without credentials');
    const order = shop.importOrder({ customerEmail: 'jane.doe@example.com' });
    const first = shop.createLabel(order.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1Z999AA10123456784' });
    const second = shop.createLabel(order.orderId, { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail', trackingNumber: '9400111899223197428490' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.filter((e) => e.metric === 'Order Shipped').length === 2, 'both labels announced');
    await eventually(settled, 'queues drained');
    const before = klaviyo.events.length;
    const statusesBefore = stack.webhookStatuses.length;

    // Act
    shop.track('1Z999AA10123456784', { statusCode: 'IT', description: 'Departed facility', city: 'Oakland', state: 'CA' });
    shop.track('1Z999AA10123456784', { statusCode: 'DE', description: 'Forged delivery', tamper: 'body' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.length >= before + 1, 'In Transit accepted');
    shop.track('9400111899223197428490', {
      statusCode: 'EX',
      description: 'Address information incomplete',
      exceptionDescription: 'Address information incomplete',
    });
    shop.track('1Z999AA10123456784', { statusCode: 'IT', statusDetailCode: 'OUT_FOR_DELIVERY', description: 'Out for delivery' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.length >= before + 3, 'exception and out for delivery accepted');
    shop.track('1Z999AA10123456784', { statusCode: 'DE', description: 'Delivered' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.length >= before + 4, 'first delivery accepted');
    shop.track('9400111899223197428490', { statusCode: 'DE', description: 'Delivered' });
    await shop.flushWebhooks();
    await eventually(() => klaviyo.events.length >= before + 5, 'second delivery accepted');
    await eventually(settled, 'queues drained again');

    // Assess
    // The simulator reports the refused delivery (ShipStation would retry it); nothing else went wrong.
    expect(runtimeErrors.map((e) => (e instanceof Error ? e.message.replace(/\?token=[^ ]+/, '') : String(e)))).toEqual([
      expect.stringMatching(/webhooks\/tracking\/default answered 401$/),
    ]);
    const tracked = klaviyo.events.slice(before);
    expect(tracked.map((e) => [e.metric, e.properties.TrackingNumber])).toEqual([
      ['Shipment In Transit', '1Z999AA10123456784'],
      ['Shipment Exception', '9400111899223197428490'],
      ['Shipment Out For Delivery', '1Z999AA10123456784'],
      ['Order Delivered', '1Z999AA10123456784'],
      ['Order Delivered', '9400111899223197428490'],
    ]);
    expect(tracked[3]?.properties).toMatchObject({ AllShipmentsDelivered: false, ShipmentId: String(first.shipmentId), OrderNumber: order.orderNumber });
    expect(tracked[4]?.properties).toMatchObject({ AllShipmentsDelivered: true, ShipmentId: String(second.shipmentId), DeliveredShipmentCount: 2 });
    expect(tracked[1]?.properties.ExceptionDescription).toBe('Address information incomplete');
    expect(tracked.every((e) => e.profile.email === 'jane.doe@example.com' && e.backfill === false)).toBe(true);
    // The tampered delivery was refused at the edge (401) and queued nothing; every other webhook was accepted.
    expect(stack.webhookStatuses.slice(statusesBefore).sort()).toEqual([200, 200, 200, 200, 200, 401]);
    for (const request of klaviyo.requests.slice(1)) expect(validateKlaviyoBody('create-event', request.body)).toEqual([]);
    expect(await queueDepth(stack.aws, stack.aws.queues.updatesDlq)).toBe(0);
  });
});
