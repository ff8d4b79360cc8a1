import {
  fulfillmentShippedEvent,
  fulfillmentVoidedEvent,
  orderStatusEvent,
  shipmentShippedEvent,
  shipmentVoidedEvent,
  STATUS_METRICS,
  uniqueIds,
} from '../../lib/domain/event-mapping.js';
import { ORDER_STATUSES, type OrderStatus } from '../../lib/domain/shipstation.js';
import { buyer, fulfillmentSnapshot, mappingContext as context, orderSnapshot, shipmentSnapshot } from '../helpers/factories.js';

/** What the order's state gives its shipment events: the buyer, its total and its items. */
const ORDER = {
  orderNumber: 'A-1001',
  total: 34.97,
  buyer: buyer(),
  items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99 }],
  gift: false,
};

describe('orderStatusEvent', () => {
  it.each<[OrderStatus, string]>([
    ['awaiting_payment', 'Order Awaiting Payment'],
    ['awaiting_shipment', 'Order Awaiting Shipment'],
    ['pending_fulfillment', 'Order Pending Fulfillment'],
    ['on_hold', 'Order On Hold'],
    ['cancelled', 'Order Cancelled'],
    ['rejected_fulfillment', 'Order Fulfillment Rejected'],
  ])('sends %s as %s', (status, metric) => {
    // Prepare
    const snapshot = orderSnapshot({ status });

    // Act
    const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context());

    // Assess
    expect(event?.metric).toBe(metric);
    expect(event?.properties.Status).toBe(status);
  });

  it('sends no order-level event for shipped, as each label sends its own Order Shipped', () => {
    // Prepare
    const snapshot = orderSnapshot({ status: 'shipped' });

    // Act
    const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context());

    // Assess
    expect(event).toBeUndefined();
  });

  it('maps every ShipStation status', () => {
    // Prepare
    const statuses = [...ORDER_STATUSES];

    // Act
    const mapped = statuses.filter((status) => status in STATUS_METRICS);

    // Assess
    expect(mapped).toEqual(statuses);
  });

  it('puts the account metric prefix in front of the metric name', () => {
    // Prepare
    const snapshot = orderSnapshot({ status: 'on_hold' });

    // Act
    const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context({ metricPrefix: 'SS ' }));

    // Assess
    expect(event?.metric).toBe('SS Order On Hold');
  });

  it('sends the order, its items and its destination as properties, with the total as value', () => {
    // Prepare
    const snapshot = orderSnapshot({
      items: [
        { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99, imageUrl: 'https://cdn.example.com/mug-blue.png' },
        { name: 'Gift wrap', quantity: 1 },
      ],
    });

    // Act
    const event = orderStatusEvent(snapshot, '2026-07-04T17:20:00.000Z', context({ now: new Date('2026-07-04T18:00:00.000Z') }));

    // Assess
    expect(event).toEqual({
      accountId: 'default',
      metric: 'Order Awaiting Shipment',
      time: '2026-07-04T17:20:00.000Z',
      uniqueId: 'ss:default:order:123456:awaiting_shipment:20260704T172000Z',
      value: 34.97,
      orderId: 123456,
      backfill: false,
      profile: {
        email: 'jane.doe@example.com',
        phoneNumber: '+14155550132',
        firstName: 'Jane',
        lastName: 'Doe',
        location: { city: 'San Francisco', region: 'CA', zip: '94105', country: 'US' },
      },
      properties: {
        OrderId: '123456',
        OrderNumber: 'A-1001',
        Status: 'awaiting_shipment',
        OrderDate: '2026-07-04T17:00:00.000Z',
        ShipByDate: '2026-07-08',
        RequestedShippingService: 'USPS Priority Mail',
        StoreId: 9001,
        Source: 'ShipStation',
        Items: [
          { SKU: 'MUG-BLUE', ProductName: 'Blue Mug', Quantity: 2, ItemPrice: 14.99, ImageURL: 'https://cdn.example.com/mug-blue.png' },
          { ProductName: 'Gift wrap', Quantity: 1 },
        ],
        ItemNames: ['Blue Mug', 'Gift wrap'],
        SKUs: ['MUG-BLUE'],
        ItemCount: 3,
        ShipToCity: 'San Francisco',
        ShipToRegion: 'CA',
        ShipToPostalCode: '94105',
        ShipToCountry: 'US',
        IsGift: false,
      },
    });
  });

  it('sends HoldUntilDate only for an order on hold', () => {
    // Prepare
    const held = orderSnapshot({ status: 'on_hold', holdUntilDate: '2026-07-10' });
    const waiting = orderSnapshot({ status: 'awaiting_shipment', holdUntilDate: '2026-07-10' });

    // Act
    const heldEvent = orderStatusEvent(held, held.modifiedAt, context());
    const waitingEvent = orderStatusEvent(waiting, waiting.modifiedAt, context());

    // Assess
    expect(heldEvent?.properties.HoldUntilDate).toBe('2026-07-10');
    expect(waitingEvent?.properties).not.toHaveProperty('HoldUntilDate');
  });

  it('leaves out value and empty properties when the order lacks them', () => {
    // Prepare
    const snapshot = orderSnapshot({ total: undefined, orderNumber: undefined, shipTo: {}, items: [] });

    // Act
    const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context());

    // Assess
    expect(event?.value).toBeUndefined();
    expect(event?.properties).not.toHaveProperty('OrderNumber');
    expect(event?.properties).not.toHaveProperty('ShipToCity');
    expect(event?.properties).toMatchObject({ Items: [], ItemNames: [], SKUs: [], ItemCount: 0 });
  });
});

describe('shipmentShippedEvent', () => {
  it('sends Order Shipped with carrier, service name, tracking, ship date, items and destination', () => {
    // Prepare
    const snapshot = shipmentSnapshot();

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context(), 'UPS® Ground');

    // Assess
    expect(event.metric).toBe('Order Shipped');
    expect(event.time).toBe('2026-07-05T16:00:00.000Z');
    expect(event.value).toBe(34.97);
    expect(event.uniqueId).toBe('ss:default:shipment:987654:shipped');
    expect(event.properties).toEqual({
      OrderId: '123456',
      OrderNumber: 'A-1001',
      ShipmentId: '987654',
      FulfillmentType: 'label',
      Carrier: 'UPS',
      CarrierCode: 'ups',
      Service: 'UPS® Ground',
      ServiceCode: 'ups_ground',
      TrackingNumber: '1Z999AA10123456784',
      TrackingURL: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      ShipDate: '2026-07-05',
      StoreId: 9001,
      Source: 'ShipStation',
      Items: [{ SKU: 'MUG-BLUE', ProductName: 'Blue Mug', Quantity: 2, ItemPrice: 14.99, ImageURL: 'https://cdn.example.com/mug-blue.png' }],
      ItemNames: ['Blue Mug'],
      SKUs: ['MUG-BLUE'],
      ItemCount: 2,
      ShipToCity: 'San Francisco',
      ShipToRegion: 'CA',
      ShipToPostalCode: '94105',
      ShipToCountry: 'US',
      IsGift: false,
    });
  });

  it('keeps the raw service code and sends no Service when the service has no known name', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ serviceCode: 'acme_next_day' });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.properties.ServiceCode).toBe('acme_next_day');
    expect(event.properties).not.toHaveProperty('Service');
  });

  it('has no value when the order total is unknown', () => {
    // Prepare
    const snapshot = shipmentSnapshot();

    // Act
    const event = shipmentShippedEvent(snapshot, { buyer: buyer() }, context());

    // Assess
    expect(event.value).toBeUndefined();
  });

  it('takes the order number from the order when the shipment lacks it', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ orderNumber: undefined });

    // Act
    const event = shipmentShippedEvent(snapshot, { orderNumber: 'A-1001-B', buyer: buyer() }, context());

    // Assess
    expect(event.properties.OrderNumber).toBe('A-1001-B');
  });

  it.each([
    ['ups', '1Z999AA10123456784', 'UPS', 'https://www.ups.com/track?tracknum=1Z999AA10123456784'],
    ['stamps_com', '9400111899223197428490', 'USPS', 'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490'],
    ['fedex', '794644790138', 'FedEx', 'https://www.fedex.com/fedextrack/?trknbr=794644790138'],
    ['dhl_express', '1234567890', 'DHL Express', 'https://www.dhl.com/us-en/home/tracking/tracking-express.html?tracking-id=1234567890'],
    ['UPS', '1Z999AA10123456784', 'UPS', 'https://www.ups.com/track?tracknum=1Z999AA10123456784'],
  ])('links %s tracking to the carrier page', (carrierCode, trackingNumber, carrier, trackingUrl) => {
    // Prepare
    const snapshot = shipmentSnapshot({ carrierCode, trackingNumber });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.properties).toMatchObject({ Carrier: carrier, CarrierCode: carrierCode, TrackingURL: trackingUrl });
  });

  it('sends no TrackingURL for an unknown carrier and names it by its code', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ carrierCode: 'acme_freight', trackingNumber: 'AF123' });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.properties.Carrier).toBe('acme_freight');
    expect(event.properties.TrackingNumber).toBe('AF123');
    expect(event.properties).not.toHaveProperty('TrackingURL');
  });

  it('sends no TrackingURL without a tracking number', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ trackingNumber: undefined });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.properties.Carrier).toBe('UPS');
    expect(event.properties).not.toHaveProperty('TrackingURL');
  });

  it('removes the spaces of a tracking number from its URL', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ carrierCode: 'usps', trackingNumber: '9400 1118 9922 3197 4284 90' });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.properties.TrackingNumber).toBe('9400 1118 9922 3197 4284 90');
    expect(event.properties.TrackingURL).toBe('https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490');
  });

  it('escapes a tracking number that would break out of the URL query', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ carrierCode: 'ups', trackingNumber: '1Z&redirect=https://evil.test' });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.properties.TrackingURL).toBe('https://www.ups.com/track?tracknum=1Z%26redirect%3Dhttps%3A%2F%2Fevil.test');
  });

  it('sends a return label as Return Label Created with its own unique id', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ isReturnLabel: true });

    // Act
    const event = shipmentShippedEvent(snapshot, ORDER, context({ metricPrefix: 'SS ' }));

    // Assess
    expect(event.metric).toBe('SS Return Label Created');
    expect(event.uniqueId).toBe('ss:default:shipment:987654:return');
  });
});

describe('shipmentVoidedEvent', () => {
  it('sends Shipment Voided at the void time with the label details', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ voided: true, voidedAt: '2026-07-05T17:30:00.000Z' });

    // Act
    const event = shipmentVoidedEvent(snapshot, ORDER, context({ metricPrefix: 'SS ' }));

    // Assess
    expect(event).toMatchObject({
      metric: 'SS Shipment Voided',
      time: '2026-07-05T17:30:00.000Z',
      uniqueId: 'ss:default:shipment:987654:voided',
      backfill: false,
      value: 34.97,
    });
    expect(event.properties).toMatchObject({ ShipmentId: '987654', TrackingNumber: '1Z999AA10123456784', Carrier: 'UPS' });
  });

  it('uses the current time when ShipStation gave no void date', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ voided: true, voidedAt: undefined });

    // Act
    const event = shipmentVoidedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.time).toBe('2026-07-05T18:00:00.000Z');
    expect(event.backfill).toBe(false);
  });

  it('decides backfill by the void time, not by the label time', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ createdAt: '2026-06-01T16:00:00.000Z', voided: true, voidedAt: '2026-07-05T17:30:00.000Z' });

    // Act
    const shipped = shipmentShippedEvent(snapshot, ORDER, context());
    const voided = shipmentVoidedEvent(snapshot, ORDER, context());

    // Assess
    expect(shipped.backfill).toBe(true);
    expect(voided.backfill).toBe(false);
  });
});

describe('fulfillmentShippedEvent', () => {
  it('sends Order Shipped for a fulfilment with its provider and tracking', () => {
    // Prepare
    const snapshot = fulfillmentSnapshot();

    // Act
    const event = fulfillmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event).toMatchObject({
      metric: 'Order Shipped',
      time: '2026-07-05T18:30:00.000Z',
      uniqueId: 'ss:default:fulfillment:33001:shipped',
      value: 34.97,
    });
    expect(event.properties).toMatchObject({
      FulfillmentId: '33001',
      FulfillmentType: 'fulfillment',
      FulfillmentProvider: 'Amazon FBA',
      Carrier: 'USPS',
      CarrierCode: 'usps',
      TrackingNumber: '9400111899223197428490',
      TrackingURL: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490',
      ShipDate: '2026-07-05',
    });
  });

  it('sends Shipment Voided for a voided fulfilment with its own unique id', () => {
    // Prepare
    const snapshot = fulfillmentSnapshot({ voided: true, voidedAt: '2026-07-05T19:00:00.000Z' });

    // Act
    const event = fulfillmentVoidedEvent(snapshot, ORDER, context());

    // Assess
    expect(event).toMatchObject({ metric: 'Shipment Voided', time: '2026-07-05T19:00:00.000Z', uniqueId: 'ss:default:fulfillment:33001:voided' });
  });
});

describe('uniqueIds', () => {
  it('gives the same status event the same id every time', () => {
    // Prepare
    const snapshot = orderSnapshot({ status: 'on_hold' });

    // Act
    const first = orderStatusEvent(snapshot, '2026-07-04T17:20:00.000Z', context());
    const second = orderStatusEvent(structuredClone(snapshot), '2026-07-04T17:20:00.000Z', context({ now: new Date('2026-08-01T00:00:00Z') }));

    // Assess
    expect(first?.uniqueId).toBe('ss:default:order:123456:on_hold:20260704T172000Z');
    expect(second?.uniqueId).toBe(first?.uniqueId);
  });

  it('ignores the fraction of the entry time', () => {
    // Prepare
    const since = ['2026-07-04T17:20:00.000Z', '2026-07-04T17:20:00Z'];

    // Act
    const ids = since.map((s) => uniqueIds.orderStatus('default', 123456, 'on_hold', s));

    // Assess
    expect(ids[0]).toBe(ids[1]);
  });

  it('differs per status, per entry time, per order and per account', () => {
    // Prepare
    const ids = [
      uniqueIds.orderStatus('default', 123456, 'on_hold', '2026-07-04T17:20:00.000Z'),
      uniqueIds.orderStatus('default', 123456, 'awaiting_shipment', '2026-07-04T17:20:00.000Z'),
      uniqueIds.orderStatus('default', 123456, 'on_hold', '2026-07-06T09:00:00.000Z'),
      uniqueIds.orderStatus('default', 123457, 'on_hold', '2026-07-04T17:20:00.000Z'),
      uniqueIds.orderStatus('acme', 123456, 'on_hold', '2026-07-04T17:20:00.000Z'),
    ];

    // Act
    const distinct = new Set(ids);

    // Assess
    expect(distinct.size).toBe(ids.length);
  });

  it('differs per shipment and per what happened to it', () => {
    // Prepare
    const ids = [
      shipmentShippedEvent(shipmentSnapshot({ shipmentId: 1 }), ORDER, context()).uniqueId,
      shipmentShippedEvent(shipmentSnapshot({ shipmentId: 2 }), ORDER, context()).uniqueId,
      shipmentVoidedEvent(shipmentSnapshot({ shipmentId: 1 }), ORDER, context()).uniqueId,
      shipmentShippedEvent(shipmentSnapshot({ shipmentId: 1, isReturnLabel: true }), ORDER, context()).uniqueId,
      fulfillmentShippedEvent(fulfillmentSnapshot({ fulfillmentId: 1 }), ORDER, context()).uniqueId,
    ];

    // Act
    const distinct = new Set(ids);

    // Assess
    expect(distinct.size).toBe(ids.length);
  });

  it('does not depend on the metric prefix', () => {
    // Prepare
    const order = orderSnapshot({ status: 'cancelled' });
    const shipment = shipmentSnapshot();

    // Act
    const plain = [orderStatusEvent(order, order.modifiedAt, context())?.uniqueId, shipmentShippedEvent(shipment, ORDER, context()).uniqueId];
    const prefixed = [
      orderStatusEvent(order, order.modifiedAt, context({ metricPrefix: 'SS ' }))?.uniqueId,
      shipmentShippedEvent(shipment, ORDER, context({ metricPrefix: 'SS ' })).uniqueId,
    ];

    // Assess
    expect(prefixed).toEqual(plain);
  });
});

describe('backfill', () => {
  it.each([
    ['an event older than backfillAfterHours', '2026-07-04T17:59:59.000Z', true],
    ['an event exactly backfillAfterHours old', '2026-07-04T18:00:00.000Z', false],
    ['a recent event', '2026-07-05T17:00:00.000Z', false],
    ['an event from the future', '2026-07-05T19:00:00.000Z', false],
  ])('is %s → %s', (_case, since, backfill) => {
    // Prepare
    const snapshot = orderSnapshot();

    // Act
    const event = orderStatusEvent(snapshot, since, context({ backfillAfterHours: 24, now: new Date('2026-07-05T18:00:00.000Z') }));

    // Assess
    expect(event?.backfill).toBe(backfill);
  });

  it('follows the account setting for the age', () => {
    // Prepare
    const snapshot = shipmentSnapshot({ createdAt: '2026-07-05T15:00:00.000Z' });

    // Act
    const strict = shipmentShippedEvent(snapshot, ORDER, context({ backfillAfterHours: 2 }));
    const lenient = shipmentShippedEvent(snapshot, ORDER, context({ backfillAfterHours: 4 }));

    // Assess
    expect(strict.backfill).toBe(true);
    expect(lenient.backfill).toBe(false);
  });
});

describe('event profile', () => {
  it("is the buyer's on a label's event: the ship-to place goes into properties, never onto the profile", () => {
    // Prepare: a gift to London, bought in Pennsylvania
    const snapshot = shipmentSnapshot({ shipTo: { city: 'London', region: 'Greater London', postalCode: 'EC1A 1BB', country: 'GB' } });
    const order = {
      ...ORDER,
      gift: true,
      buyer: buyer({
        email: 'alex@example.com',
        phone: '+17174553765',
        firstName: 'Alex',
        lastName: 'Morgan',
        location: { city: 'Lancaster', region: 'PA', country: 'US' },
      }),
    };

    // Act
    const event = shipmentShippedEvent(snapshot, order, context());

    // Assess
    expect(event.profile).toEqual({
      email: 'alex@example.com',
      phoneNumber: '+17174553765',
      firstName: 'Alex',
      lastName: 'Morgan',
      location: { city: 'Lancaster', region: 'PA', zip: undefined, country: 'US' },
    });
    expect(event.properties).toMatchObject({ ShipToCity: 'London', ShipToCountry: 'GB', IsGift: true });
  });

  it("takes a fulfilment's items and value from its order (Mark as Shipped carries none)", () => {
    // Prepare
    const snapshot = fulfillmentSnapshot({ items: [] });

    // Act
    const event = fulfillmentShippedEvent(snapshot, ORDER, context());

    // Assess
    expect(event.value).toBe(34.97);
    expect(event.properties).toMatchObject({ ItemCount: 2, ItemNames: ['Blue Mug'], SKUs: ['MUG-BLUE'] });
  });

  it('marks a profile whose email was refused as impossible, and leaves it out of the body', () => {
    // Prepare
    const snapshot = orderSnapshot({ customer: { invalidEmail: true, firstName: 'Meme' }, shipTo: {} });

    // Act
    const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context());

    // Assess
    expect(event?.profile).toEqual({ firstName: 'Meme', emailRejected: true });
  });

  it('carries only what the customer has', () => {
    // Prepare
    const snapshot = orderSnapshot({ customer: { phone: '+14155550132' }, shipTo: {} });

    // Act
    const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context());

    // Assess
    expect(event?.profile.phoneNumber).toBe('+14155550132');
    expect(event?.profile.email).toBeUndefined();
    expect(event?.profile.firstName).toBeUndefined();
  });
});
