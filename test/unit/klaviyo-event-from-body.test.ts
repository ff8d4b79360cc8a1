// eventFromCreateEventBody, the inverse of createEventBody: a dead-letter record's stored body gives back the event it
// was built from, so the replay sends exactly what was refused; anything else is refused with a reason.
import { BadInputError } from '../../lib/domain/errors.js';
import { fulfillmentShippedEvent, orderStatusEvent, shipmentShippedEvent, shipmentVoidedEvent } from '../../lib/domain/event-mapping.js';
import { createEventBody, eventFromCreateEventBody, type KlaviyoEvent, type KlaviyoProfile } from '../../lib/domain/klaviyo-event.js';
import { buyer, fulfillmentSnapshot, mappingContext as context, orderSnapshot, shipmentSnapshot } from '../helpers/factories.js';

const ORDER = { orderNumber: 'A-1001', total: 34.97, buyer: buyer() };

const required = (event: KlaviyoEvent | undefined): KlaviyoEvent => {
  if (event === undefined) throw new Error('expected an event');
  return event;
};

/** The profile as the body carries it: a location none of whose fields is set is left out. */
const withoutEmptyLocation = ({ location, ...profile }: KlaviyoProfile): KlaviyoProfile =>
  location !== undefined && Object.values(location).some((v) => v !== undefined && v !== '') ? { ...profile, location } : profile;

const events: [string, KlaviyoEvent][] = [
  ['an order status event with items, location and phone', required(orderStatusEvent(orderSnapshot(), '2026-07-05T17:00:00.000Z', context()))],
  ['a backfilled order status event', required(orderStatusEvent(orderSnapshot(), '2026-04-01T12:00:00.000Z', context()))],
  ['Order Shipped for a label', shipmentShippedEvent(shipmentSnapshot(), ORDER, context())],
  ['Shipment Voided for a label', shipmentVoidedEvent(shipmentSnapshot({ voided: true, voidedAt: '2026-07-05T17:30:00.000Z' }), ORDER, context())],
  ['Order Shipped for a fulfilment with a metric prefix', fulfillmentShippedEvent(fulfillmentSnapshot(), ORDER, context({ metricPrefix: 'SS ' }))],
  [
    'an event for a profile with only a phone',
    required(orderStatusEvent(orderSnapshot({ customer: { phone: '+14155550132' }, shipTo: {} }), '2026-07-05T17:00:00.000Z', context())),
  ],
  [
    'an event without items, total or destination',
    required(orderStatusEvent(orderSnapshot({ items: [], total: undefined, shipTo: {} }), '2026-07-05T17:00:00.000Z', context())),
  ],
];

describe('eventFromCreateEventBody', () => {
  it.each(events)('gives back %s from its body', (_case, event) => {
    // Prepare
    const body = JSON.parse(JSON.stringify(createEventBody(event))) as unknown;

    // Act
    const rebuilt = eventFromCreateEventBody(body, { accountId: event.accountId, orderId: event.orderId });

    // Assess: the same event, but for a location without any field, which the body never had
    expect(rebuilt).toEqual({ ...event, profile: withoutEmptyLocation(event.profile) });
    expect(createEventBody(rebuilt)).toEqual(createEventBody(event));
  });

  it('leaves out the profile fields createEventBody left out (empty ones)', () => {
    // Prepare
    const event = required(
      orderStatusEvent(orderSnapshot({ customer: { email: 'jane.doe@example.com', firstName: '' } }), '2026-07-05T17:00:00.000Z', context()),
    );

    // Act
    const rebuilt = eventFromCreateEventBody(createEventBody(event), { accountId: 'default', orderId: event.orderId });

    // Assess
    expect(rebuilt.profile.firstName).toBeUndefined();
    expect(createEventBody(rebuilt)).toEqual(createEventBody(event));
  });

  it.each([
    ['a string', 'not json', /^not a Create Event body: \(body\): /],
    [
      'a body without a unique_id',
      {
        data: {
          type: 'event',
          attributes: {
            properties: {},
            time: '2026-07-05T17:00:00Z',
            metric: { data: { type: 'metric', attributes: { name: 'Order Shipped' } } },
            profile: { data: { type: 'profile', attributes: {} } },
          },
        },
      },
      /data\.attributes\.unique_id/,
    ],
    ['a bulk body', { data: { type: 'event-bulk-create-job', attributes: {} } }, /data\.type/],
  ])('refuses %s with a reason', (_case, body, reason) => {
    // Act
    const read = (): KlaviyoEvent => eventFromCreateEventBody(body, { accountId: 'default', orderId: 1 });

    // Assess
    expect(read).toThrow(BadInputError);
    expect(read).toThrow(reason);
  });
});
