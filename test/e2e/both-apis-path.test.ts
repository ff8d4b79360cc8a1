// An account with both ShipStation keys, end to end through the local stack (`SHIPSTATION_API=both npm start`): every
// change is reported twice, by a V1 webhook and a V2 pointer webhook, and read again by both polls (V1 and V2 streams
// of one run), under the same ids (V2 `se-<n>` = V1 `<n>`). Each event is sent once; V2's `pending` never turns an
// unpaid order into awaiting shipment; the buyer is V1's (bill-to), never V2's ship-to person.
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
    api: 'both',
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

const GIFT = {
  customerEmail: 'alex.morgan@example.com',
  gift: true,
  billTo: { name: 'Alex Morgan', phone: '(717) 455-3765', country: null },
  shipTo: { name: 'Rosa Diaz', phone: '(212) 555-0199', city: 'Brooklyn', state: 'NY', postalCode: '11201', country: 'US' },
};

describe('an account with both ShipStation keys (local stack)', () => {
  it("sends each event once though both APIs report every change, with V1's buyer and V1's awaiting payment", async () => {
    // Prepare: the first poll imports the (empty) history and sets the cursor
    await stack.schedulePolls();
    await eventually(settled, 'the first import done');

    // Act
    const order = shop().importOrder(JANE);
    await metricsOf(order.orderId, 1);
    shop().holdOrderUntil(order.orderId, '2030-01-15');
    await poll();
    shop().setOrderStatus(order.orderId, 'awaiting_shipment');
    await poll();
    shop().createLabel(order.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1Z999AA10123456784' });
    await metricsOf(order.orderId, 4);
    const gift = shop().importOrder(GIFT);
    await metricsOf(gift.orderId, 1);
    shop().createLabel(gift.orderId, { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail', trackingNumber: '9400111899223197428490' });
    await metricsOf(gift.orderId, 2);
    // Unpaid: V1 says awaiting payment (no webhook fires for it); V2's poll sees "pending".
    const unpaid = shop().importOrder({ ...JANE, customerEmail: 'kim.park@example.com', status: 'awaiting_payment' });
    await poll();
    const unpaidMetrics = await metricsOf(unpaid.orderId, 1);
    shop().track('1Z999AA10123456784', { statusCode: 'DE', description: 'Delivered' });
    const tracked = await metricsOf(order.orderId, 5);
    // Both polls over everything again: nothing is sent twice.
    const before = accepted().length;
    await poll();
    await poll();

    // Assess
    expect(tracked).toEqual(['Order Awaiting Shipment', 'Order On Hold', 'Order Awaiting Shipment', 'Order Shipped', 'Order Delivered']);
    expect(await metricsOf(gift.orderId, 2)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    expect(unpaidMetrics).toEqual(['Order Awaiting Payment']);
    expect(accepted().length).toBe(before);
    expect(accepted()).toHaveLength(5 + 2 + 1);
    // The gift's buyer is V1's bill-to person on both events; V2 only knows the recipient.
    for (const event of accepted().filter((e) => e.properties.OrderId === String(gift.orderId))) {
      expect(event.profile).toMatchObject({ email: 'alex.morgan@example.com', first_name: 'Alex', last_name: 'Morgan', phone_number: '+17174553765' });
    }
    // Both APIs were read: V1 and V2 webhooks were fetched, both polls ran.
    const paths = new Set(shop().requests.map((r) => `${r.api} ${r.path}`));
    expect([...paths].filter((p) => ['v1 /orders', 'v1 /shipments', 'v2 /v2/shipments', 'v2 /v2/labels'].includes(p)).sort()).toEqual([
      'v1 /orders',
      'v1 /shipments',
      'v2 /v2/labels',
      'v2 /v2/shipments',
    ]);
    expect(stack.klaviyo?.duplicatesDropped).toBe(0);
    for (const request of stack.klaviyo?.requests.slice(1) ?? []) expect(validateKlaviyoBody('create-event', request.body)).toEqual([]);
    expect(runtimeErrors).toEqual([]);
    expect(await queueDepth(stack.aws, stack.aws.queues.updatesDlq)).toBe(0);
    expect(await queueDepth(stack.aws, stack.aws.queues.notificationsDlq)).toBe(0);
  });
});
