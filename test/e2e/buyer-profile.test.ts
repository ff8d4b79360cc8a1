// The buyer is the profile, end to end through the local stack (the same one `npm start` runs): a gift, a label row
// without customerEmail, an order the service never saw, and "Mark as Shipped", through webhooks (ShipStation
// simulator → receive-webhook → fetch-resource → publish-events), through signed tracking webhooks, and through the
// poll (poll-shipstation → publish-events). Every event Klaviyo accepts must identify and describe the buyer, never
// the ship-to person, and every body must satisfy Klaviyo's official schema.
import type { AcceptedEvent } from '../../lib/local/simulators/klaviyo-simulator.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { SIMULATED_CREDENTIALS, startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import { eventually } from '../helpers/handler-env.js';
import { stackSession } from '../helpers/stack-session.js';

let stack: LocalStack;
const runtimeErrors: unknown[] = [];

/** Alex Morgan buys; Rosa Diaz in Brooklyn receives. Alex's bill-to has a US phone and no country, as V1 orders do. */
const GIFT = {
  customerEmail: 'alex.morgan@example.com',
  gift: true,
  giftMessage: 'Happy birthday!',
  billTo: { name: 'Alex Morgan', phone: '(717) 455-3765', country: null },
  shipTo: { name: 'Rosa Diaz', phone: '(212) 555-0199', city: 'Brooklyn', state: 'NY', postalCode: '11201', country: 'US' },
};
const ALEX = { email: 'alex.morgan@example.com', phone_number: '+17174553765', first_name: 'Alex', last_name: 'Morgan' };

beforeAll(async () => {
  // No schedule: the test runs the polls it wants, with no lag so a change made now is in the next poll's window.
  stack = await startLocalStack({
    env: { POLL_LAG_MINUTES: '0', POLL_OVERLAP_MINUTES: '0' },
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 5,
    pollIntervalSeconds: 0,
    onError: (error) => runtimeErrors.push(error),
  });
});

afterAll(async () => {
  await stack.close();
});

const { shop, accepted, settled } = stackSession(() => stack);

/** The events of one order, once the pipeline is idle. */
async function eventsOf(orderId: number, count: number): Promise<AcceptedEvent[]> {
  await shop().flushWebhooks();
  await eventually(() => accepted().filter((e) => e.properties.OrderId === String(orderId)).length >= count, `${count} event(s) of order ${orderId}`);
  await eventually(settled, 'every queue drained');
  return accepted().filter((e) => e.properties.OrderId === String(orderId));
}

/** ShipStation stops delivering V1 webhooks (deleted in its UI): what follows reaches the service through the poll only. */
async function unsubscribeV1Webhooks(): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${SIMULATED_CREDENTIALS.shipStationKey}:${SIMULATED_CREDENTIALS.shipStationSecret}`).toString('base64')}`;
  const hooks = (await (await fetch(`${shop().baseUrl}/webhooks`, { headers: { Authorization: authorization } })).json()) as {
    webhooks: { WebHookID: number }[];
  };
  for (const hook of hooks.webhooks)
    await fetch(`${shop().baseUrl}/webhooks/${hook.WebHookID}`, { method: 'DELETE', headers: { Authorization: authorization } });
}

function expectAlexEverywhere(events: AcceptedEvent[]): void {
  for (const event of events) {
    expect(event.profile).toEqual(ALEX);
    expect(JSON.stringify(event.profile)).not.toMatch(/Rosa|Diaz|Brooklyn|212/);
  }
}

afterEach(async () => {
  expect(runtimeErrors).toEqual([]);
  for (const request of stack.klaviyo?.requests ?? []) {
    if (request.path === '/api/events' && request.status === 202) expect(validateKlaviyoBody('create-event', request.body)).toEqual([]);
  }
});

describe('the buyer is the profile (local stack)', () => {
  it("through webhooks: a gift's order, label (row without customerEmail) and tracking all go to the buyer", async () => {
    // Prepare
    const order = shop().importOrder(GIFT);
    await eventsOf(order.orderId, 1);

    // Act: a label whose row has no customerEmail, then the carrier's scans (signed V2 webhooks)
    shop().createLabel(order.orderId, {
      carrierCode: 'stamps_com',
      serviceCode: 'usps_priority_mail',
      trackingNumber: '9400111899223197400001',
      customerEmail: null,
    });
    await eventsOf(order.orderId, 2);
    shop().track('9400111899223197400001', { statusCode: 'IT', description: 'Accepted at USPS origin facility', city: 'Lancaster', state: 'PA' });
    await eventsOf(order.orderId, 3);
    shop().track('9400111899223197400001', { statusCode: 'DE', description: 'Delivered, in/at mailbox', city: 'Brooklyn', state: 'NY' });
    const events = await eventsOf(order.orderId, 4);

    // Assess
    expect(events.map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped', 'Shipment In Transit', 'Order Delivered']);
    expect(events.filter((e) => e.metric === 'Order Shipped')).toHaveLength(1);
    expectAlexEverywhere(events);
    for (const event of events) expect(event.properties).toMatchObject({ IsGift: true, ShipToCity: 'Brooklyn', ShipToRegion: 'NY' });
    expect(events.find((e) => e.metric === 'Order Shipped')?.properties).toMatchObject({
      Service: 'USPS Priority Mail',
      ServiceCode: 'usps_priority_mail',
      Carrier: 'USPS',
    });
  });

  it('through webhooks: a label of an order the service never saw reads the order once and reaches its buyer once', async () => {
    // Prepare: awaiting payment fires no ORDER_NOTIFY, so the service never hears of the order
    const order = shop().importOrder({ ...GIFT, customerEmail: 'alex.morgan@example.com', status: 'awaiting_payment' });
    await shop().flushWebhooks();
    const lookupsBefore = shop().requests.filter((r) => r.path === `/orders/${order.orderId}`).length;

    // Act: the label row has no customerEmail key at all, as in the V1 docs
    shop().createLabel(order.orderId, { customerEmail: 'absent' });
    const events = await eventsOf(order.orderId, 1);

    // Assess
    expect(events.map((e) => e.metric)).toEqual(['Order Shipped']);
    expectAlexEverywhere(events);
    expect(shop().requests.filter((r) => r.path === `/orders/${order.orderId}`).length - lookupsBefore).toBe(1);
  });

  it('through the poll: a gift labelled and an order marked as shipped, each to its buyer, "Mark as Shipped" with the order\'s items and value', async () => {
    // Prepare: the first poll imports (nothing of these yet); then the V1 webhooks are gone, so only the poll sees what follows
    await stack.schedulePolls();
    await eventually(settled, 'the first import done');
    await unsubscribeV1Webhooks();
    const gift = shop().importOrder(GIFT);
    shop().createLabel(gift.orderId, { customerEmail: null });
    const marked = shop().importOrder({
      customerEmail: 'sam.lee@example.com',
      billTo: { name: 'Sam Lee', phone: null, country: null },
      shipTo: { name: 'Sam Lee', phone: '(415) 555-0142', city: 'Oakland', state: 'CA', postalCode: '94607' },
    });
    shop().markAsShipped(marked.orderId, { carrierCode: 'FedEx', trackingNumber: '794644790138' });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // Act
    await stack.schedulePolls();
    const giftEvents = await eventsOf(gift.orderId, 1);
    const markedEvents = await eventsOf(marked.orderId, 1);

    // Assess
    expect(giftEvents.map((e) => e.metric)).toEqual(['Order Shipped']);
    expectAlexEverywhere(giftEvents);
    // The poll brought the orders too: a label that beat its order waited for it; none was read by id.
    expect(shop().requests.filter((r) => r.path === `/orders/${gift.orderId}` || r.path === `/orders/${marked.orderId}`)).toEqual([]);
    const shipped = markedEvents.find((e) => e.metric === 'Order Shipped');
    expect(shipped?.profile).toEqual({
      email: 'sam.lee@example.com',
      phone_number: '+14155550142',
      first_name: 'Sam',
      last_name: 'Lee',
      location: { city: 'Oakland', region: 'CA', zip: '94607', country: 'US' },
    });
    const order = shop().getOrder(marked.orderId);
    expect(shipped?.value).toBe(order.orderTotal);
    expect(shipped?.properties).toMatchObject({
      FulfillmentType: 'fulfillment',
      Carrier: 'FedEx',
      TrackingURL: 'https://www.fedex.com/fedextrack/?trknbr=794644790138',
      ItemCount: order.items.reduce((sum, item) => sum + item.quantity, 0),
      SKUs: order.items.map((item) => item.sku),
    });
  });
});
