import { describeKlaviyoErrors } from '../../lib/adapters/http-klaviyo-api.js';
import {
  fulfillmentShippedEvent,
  fulfillmentVoidedEvent,
  orderDelayedEvent,
  orderStatusEvent,
  shipmentStalledEvent,
  trackingEvent,
  shipmentShippedEvent,
  shipmentVoidedEvent,
} from '../../lib/domain/event-mapping.js';
import { createEventBody, hasProfileIdentifier, profileAttributes, type KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import { recordFromSnapshot, type Milestone, type TrackingProgress } from '../../lib/domain/shipment-tracking.js';
import { ORDER_STATUSES } from '../../lib/domain/shipstation.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { buyer, fulfillmentSnapshot, mappingContext as context, orderSnapshot, shipmentSnapshot } from '../helpers/factories.js';

const ORDER = {
  orderNumber: 'A-1001',
  total: 34.97,
  buyer: buyer(),
  items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99 }],
  gift: false,
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bodies are mutated freely per case

const required = (event: KlaviyoEvent | undefined): KlaviyoEvent => {
  if (event === undefined) throw new Error('expected an event');
  return event;
};

const statusEvents: [string, KlaviyoEvent][] = ORDER_STATUSES.flatMap((status) => {
  const snapshot = orderSnapshot({ status, holdUntilDate: '2026-07-10' });
  const event = orderStatusEvent(snapshot, snapshot.modifiedAt, context());
  return event === undefined ? [] : [[`the ${status} status event`, event] as [string, KlaviyoEvent]];
});

const otherEvents: [string, KlaviyoEvent][] = [
  ['Order Shipped for a label', shipmentShippedEvent(shipmentSnapshot(), ORDER, context(), 'UPS® Ground')],
  [
    'Order Shipped for a gift, bought by a buyer known by email only',
    shipmentShippedEvent(shipmentSnapshot({ shipTo: { city: 'London', country: 'GB' } }), { buyer: { email: 'alex@example.com' }, gift: true }, context()),
  ],
  ['Order Shipped for a label without order details', shipmentShippedEvent(shipmentSnapshot({ orderNumber: undefined }), { buyer: buyer() }, context())],
  ['Shipment Voided for a label', shipmentVoidedEvent(shipmentSnapshot({ voided: true, voidedAt: '2026-07-05T17:30:00.000Z' }), ORDER, context())],
  ['Return Label Created', shipmentShippedEvent(shipmentSnapshot({ isReturnLabel: true }), ORDER, context())],
  ['Order Shipped for a fulfilment', fulfillmentShippedEvent(fulfillmentSnapshot(), ORDER, context())],
  ['Shipment Voided for a fulfilment', fulfillmentVoidedEvent(fulfillmentSnapshot({ voided: true, voidedAt: '2026-07-05T19:00:00.000Z' }), ORDER, context())],
  [
    'an event for a profile with only a phone',
    required(orderStatusEvent(orderSnapshot({ customer: { phone: '+14155550132' }, shipTo: {} }), '2026-07-05T17:00:00.000Z', context())),
  ],
  [
    'an event for a profile with only an email',
    shipmentShippedEvent(shipmentSnapshot({ shipTo: { country: 'US' } }), { ...ORDER, buyer: { email: 'jane.doe@example.com' } }, context()),
  ],
  ['a backfilled event', required(orderStatusEvent(orderSnapshot(), '2026-04-01T12:00:00.000Z', context()))],
  ['an event with a metric prefix', shipmentShippedEvent(shipmentSnapshot(), ORDER, context({ metricPrefix: 'ShipStation Sync: ' }))],
  [
    'an event for an order without items, total or destination',
    required(orderStatusEvent(orderSnapshot({ items: [], total: undefined, shipTo: {} }), '2026-07-05T17:00:00.000Z', context())),
  ],
];

const TRACKED = recordFromSnapshot(shipmentSnapshot(), undefined, ORDER, 'UPS® Ground');
const progress = (category: TrackingProgress['category'], extra: Partial<TrackingProgress> = {}): TrackingProgress => ({
  category,
  categorySince: '2026-07-06T14:00:00.000Z',
  lastScanAt: '2026-07-06T14:00:00.000Z',
  statusCode: category === 'delivered' ? 'DE' : category === 'exception' ? 'EX' : category === 'attempted' ? 'AT' : 'IT',
  statusDescription: 'In Transit',
  trackingUrl: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
  estimatedDeliveryDate: '2026-07-08',
  lastLocation: { city: 'Oakland', region: 'CA', country: 'US' },
  passedInTransit: category !== 'in_transit',
  ...extra,
});
const at = (category: Milestone['category']): Milestone => ({ category, since: '2026-07-06T14:00:00.000Z' });

const trackingEvents: [string, KlaviyoEvent][] = [
  ['Shipment In Transit', trackingEvent(TRACKED, progress('in_transit'), at('in_transit'), context())],
  [
    'Shipment Out For Delivery',
    trackingEvent(TRACKED, progress('out_for_delivery', { statusDetailCode: 'OUT_FOR_DELIVERY' }), at('out_for_delivery'), context()),
  ],
  ['Delivery Attempted', trackingEvent(TRACKED, progress('attempted', { exceptionDescription: 'No one available to sign' }), at('attempted'), context())],
  ['Shipment Exception', trackingEvent(TRACKED, progress('exception', { exceptionDescription: 'Address information incomplete' }), at('exception'), context())],
  [
    'Order Delivered (one of two shipments)',
    trackingEvent(TRACKED, progress('delivered', { actualDeliveryAt: '2026-07-06T14:00:00.000Z' }), at('delivered'), context(), {
      allShipmentsDelivered: false,
      shipmentCount: 2,
      deliveredShipmentCount: 1,
    }),
  ],
  [
    'Order Delivered to a service point',
    trackingEvent(TRACKED, progress('delivered', { statusCode: 'SP' }), at('delivered'), context(), {
      allShipmentsDelivered: true,
      shipmentCount: 1,
      deliveredShipmentCount: 1,
    }),
  ],
  [
    'Order Delivered for a fulfilment',
    trackingEvent(recordFromSnapshot(fulfillmentSnapshot(), undefined, ORDER), progress('delivered'), at('delivered'), context()),
  ],
  ['Shipment Stalled', shipmentStalledEvent(TRACKED, progress('in_transit'), '2026-07-11T14:00:00.000Z', context())],
  ['Order Delayed past its ship-by date', orderDelayedEvent(orderSnapshot(), '2026-07-09T07:00:00.000Z', 'past_ship_by_date', context())],
  [
    'Order Delayed with no label in time',
    orderDelayedEvent(
      orderSnapshot({ shipByDate: undefined, status: 'on_hold', holdUntilDate: '2026-07-09' }),
      '2026-07-07T17:00:00.000Z',
      'no_label_in_time',
      context(),
    ),
  ],
];

describe('createEventBody', () => {
  it('builds one status event for each status but shipped', () => {
    // Prepare: the events above

    // Act
    const names = statusEvents.map(([name]) => name);

    // Assess
    expect(names).toHaveLength(ORDER_STATUSES.length - 1);
  });

  it.each([...statusEvents, ...otherEvents, ...trackingEvents])("builds a body Klaviyo's schema accepts for %s", (_case, event) => {
    // Prepare: the event, above

    // Act
    const errors = validateKlaviyoBody('create-event', createEventBody(event));

    // Assess
    expect(errors).toEqual([]);
  });

  it('sends backfill true only for a backfilled event', () => {
    // Prepare
    const old = required(orderStatusEvent(orderSnapshot(), '2026-04-01T12:00:00.000Z', context()));
    const recent = required(orderStatusEvent(orderSnapshot(), '2026-07-05T17:00:00.000Z', context()));

    // Act
    const oldBody = createEventBody(old);
    const recentBody = createEventBody(recent);

    // Assess
    expect(oldBody.data.attributes.backfill).toBe(true);
    expect(recentBody.data.attributes).not.toHaveProperty('backfill');
  });

  it('puts metric, time, value, unique id and profile where Klaviyo expects them', () => {
    // Prepare
    const event = shipmentShippedEvent(shipmentSnapshot(), ORDER, context());

    // Act
    const body = createEventBody(event);

    // Assess
    expect(body).toMatchObject({
      data: {
        type: 'event',
        attributes: {
          time: '2026-07-05T16:00:00.000Z',
          value: 34.97,
          unique_id: 'ss:default:shipment:987654:shipped',
          metric: { data: { type: 'metric', attributes: { name: 'Order Shipped' } } },
          profile: {
            data: {
              type: 'profile',
              attributes: {
                email: 'jane.doe@example.com',
                phone_number: '+14155550132',
                first_name: 'Jane',
                last_name: 'Doe',
                location: { city: 'San Francisco', region: 'CA', zip: '94105', country: 'US' },
              },
            },
          },
        },
      },
    });
  });

  it('leaves an empty location out of the profile', () => {
    // Prepare
    const profile = { phoneNumber: '+14155550132', location: { city: '', region: undefined } };

    // Act
    const attributes = profileAttributes(profile);

    // Assess
    expect(attributes).toEqual({ phone_number: '+14155550132' });
  });

  it.each([
    [
      'a profile whose data type is not profile',
      (body: Json): void => {
        body.data.attributes.profile.data.type = 'customer';
      },
      '/data/attributes/profile/data/type',
    ],
    [
      'no metric',
      (body: Json): void => {
        delete body.data.attributes.metric;
      },
      '/data/attributes/metric',
    ],
    [
      'a time that is not a date-time',
      (body: Json): void => {
        body.data.attributes.time = 'yesterday';
      },
      '/data/attributes/time',
    ],
  ])('is checked by a validator that refuses a body with %s', (_case, breakIt, pointer) => {
    // Prepare
    const body = structuredClone(createEventBody(shipmentShippedEvent(shipmentSnapshot(), ORDER, context())));
    breakIt(body);

    // Act
    const errors = validateKlaviyoBody('create-event', body);

    // Assess
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(pointer);
  });
});

describe('hasProfileIdentifier', () => {
  it.each([
    ['an email', { email: 'jane.doe@example.com' }, true],
    ['a phone number', { phoneNumber: '+14155550132' }, true],
    ['only names and location', { firstName: 'Jane', location: { country: 'US' } }, false],
    ['empty strings', { email: '', phoneNumber: '' }, false],
  ])('tells whether a profile with %s can be attached to someone', (_case, profile, expected) => {
    // Prepare: the profile, above

    // Act
    const result = hasProfileIdentifier(profile);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('describeKlaviyoErrors', () => {
  it('reads code, detail and pointer of each error into one line', () => {
    // Prepare
    const body = {
      errors: [
        {
          id: 'e1',
          status: 400,
          code: 'invalid',
          title: 'Invalid input.',
          detail: 'phone_number is not a valid phone number',
          source: { pointer: '/data/attributes/profile/data/attributes/phone_number' },
        },
        { id: 'e2', status: 400, code: 'invalid', title: 'Invalid input.', source: { parameter: 'revision' } },
      ],
    };

    // Act
    const line = describeKlaviyoErrors(body);

    // Assess
    expect(line).toBe(
      'invalid: phone_number is not a valid phone number: /data/attributes/profile/data/attributes/phone_number; invalid: Invalid input.: revision',
    );
  });

  it.each([
    ['null', null],
    ['a string', 'Bad Request'],
    ['an object without errors', { message: 'nope' }],
    ['errors that are not a list', { errors: 'nope' }],
  ])('returns undefined for %s', (_case, body) => {
    // Prepare: the body, above

    // Act
    const line = describeKlaviyoErrors(body);

    // Assess
    expect(line).toBeUndefined();
  });
});
