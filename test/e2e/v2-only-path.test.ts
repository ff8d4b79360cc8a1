// An account on ShipStation API V2 only (a Standard or Premium plan: no V1 key), end to end through the local stack
// (`SHIPSTATION_API=v2 npm start`): signed V2 pointer webhooks → receive-tracking → fetch-resource (V2 key, V2 origin)
// → publish-events; holds, releases and cancellations (no V2 webhook tells them) through the V2 poll; tracking to
// delivery. Each event once, with the buyer's profile, every body valid against Klaviyo's schema, and no V1 request.
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import { eventually, queueDepth } from '../helpers/handler-env.js';
import { JANE, stackSession } from '../helpers/stack-session.js';

let stack: LocalStack;
const runtimeErrors: unknown[] = [];

beforeAll(async () => {
  // No schedule: the test runs the polls it wants, with no lag so a change made now is in the next poll's window.
  stack = await startLocalStack({
    env: { POLL_LAG_MINUTES: '0', POLL_OVERLAP_MINUTES: '0' },
    api: 'v2',
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 5,
    pollIntervalSeconds: 0,
    onError: (error) => runtimeErrors.push(error),
  });
});

afterAll(async () => {
  await stack.close();
});

const { shop, accepted, settled, metricsOf, poll } = stackSession(() => stack);

describe('an account on API V2 only (local stack)', () => {
  it('sends a new order, a hold, its release, its label, a split order and its second label, a cancellation, and tracking to delivery, each once', async () => {
    // Prepare: the first poll imports the (empty) history and sets the cursor
    await stack.schedulePolls();
    await eventually(settled, 'the first import done');

    // Act
    const order = shop().importOrder(JANE);
    const received = await metricsOf(order.orderId, 1);
    shop().holdOrderUntil(order.orderId, '2030-01-15');
    await poll();
    const held = await metricsOf(order.orderId, 2);
    shop().setOrderStatus(order.orderId, 'awaiting_shipment');
    await poll();
    const released = await metricsOf(order.orderId, 3);
    const label = shop().createLabel(order.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1Z999AA10123456784' });
    const shipped = await metricsOf(order.orderId, 4);
    const [first, second] = shop().importOrders([
      { ...JANE, customerEmail: 'sam.lee@example.com', orderNumber: 'SPLIT-1' },
      { ...JANE, customerEmail: 'sam.lee@example.com', orderNumber: 'SPLIT-1' },
    ]);
    if (first === undefined || second === undefined) throw new Error('expected a split order of two');
    await metricsOf(second.orderId, 1);
    shop().createLabel(first.orderId, { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail', trackingNumber: '9400111899223197428490' });
    shop().createLabel(second.orderId, { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail', trackingNumber: '9400111899223197428506' });
    const splitSecond = await metricsOf(second.orderId, 2);
    const other = shop().importOrder({ ...JANE, customerEmail: 'kim.park@example.com' });
    await metricsOf(other.orderId, 1);
    shop().setOrderStatus(other.orderId, 'cancelled');
    await poll();
    const cancelled = await metricsOf(other.orderId, 2);
    shop().track('1Z999AA10123456784', { statusCode: 'IT', description: 'Departed facility', city: 'Oakland', state: 'CA' });
    shop().track('1Z999AA10123456784', { statusCode: 'DE', description: 'Delivered' });
    const tracked = await metricsOf(order.orderId, 6);
    // One more poll over everything: nothing is sent again.
    const before = accepted().length;
    await poll();

    // Assess
    expect(received).toEqual(['Order Awaiting Shipment']);
    expect(held).toEqual(['Order Awaiting Shipment', 'Order On Hold']);
    expect(released).toEqual(['Order Awaiting Shipment', 'Order On Hold', 'Order Awaiting Shipment']);
    expect(shipped.at(-1)).toBe('Order Shipped');
    expect(splitSecond).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    expect(await metricsOf(first.orderId, 2)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    expect(cancelled).toEqual(['Order Awaiting Shipment', 'Order Cancelled']);
    expect(tracked).toEqual(['Order Awaiting Shipment', 'Order On Hold', 'Order Awaiting Shipment', 'Order Shipped', 'Shipment In Transit', 'Order Delivered']);
    expect(accepted().length).toBe(before);
    const events = accepted();
    expect(events).toHaveLength(6 + 2 + 2 + 2);
    // The buyer (the ship-to person of an order that is not a gift) on every event, the ids V1 would use.
    const janes = events.filter((e) => e.properties.OrderId === String(order.orderId));
    for (const event of janes) expect(event.profile).toMatchObject({ email: 'jane.doe@example.com', phone_number: '+14155550142', first_name: 'Jane' });
    expect(janes.find((e) => e.metric === 'Order On Hold')?.properties.HoldUntilDate).toBe('2030-01-15');
    expect(janes.find((e) => e.metric === 'Order Shipped')?.properties).toMatchObject({
      ShipmentId: String(label.shipmentId),
      TrackingNumber: '1Z999AA10123456784',
    });
    expect(janes.find((e) => e.metric === 'Order Delivered')?.properties).toMatchObject({ AllShipmentsDelivered: true });
    expect(events.every((e) => e.backfill === false)).toBe(true);
    for (const request of stack.klaviyo?.requests.slice(1) ?? []) expect(validateKlaviyoBody('create-event', request.body)).toEqual([]);
    // Only API V2 was asked: the account has no V1 key.
    expect(shop().requests.filter((r) => r.api !== 'v2')).toEqual([]);
    expect(runtimeErrors).toEqual([]);
    expect(await queueDepth(stack.aws, stack.aws.queues.updatesDlq)).toBe(0);
    expect(await queueDepth(stack.aws, stack.aws.queues.notificationsDlq)).toBe(0);
  });
});
