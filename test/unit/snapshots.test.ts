import { fulfillmentSchema, orderSchema, shipmentSchema } from '../../lib/domain/shipstation.js';
import { snapshotSchema } from '../../lib/domain/snapshot.js';
import { buyerOf, fulfillmentSnapshot, orderSnapshot, shipmentSnapshot, snapshotsFromPage } from '../../lib/normalise/snapshots.js';
import * as factories from '../helpers/factories.js';
import { rawAddress, rawFulfillment, rawOrder, rawOrderItem, rawShipment } from '../helpers/factories.js';

/** The account as the normaliser sees it: phones without a country code are read as US numbers. */
const ACCOUNT = { id: 'default', defaultCountry: 'US' };
const SAN_FRANCISCO = { city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' };
/** A bill-to that names the buyer and nothing else, as V1 orders usually carry it. */
const nameOnly = (name: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  rawAddress({
    name,
    street1: null,
    street2: null,
    city: null,
    state: null,
    postalCode: null,
    country: null,
    phone: null,
    residential: null,
    addressVerified: null,
    ...extra,
  });

describe('orderSnapshot', () => {
  it('turns a raw order into a snapshot with UTC instants, the customer and the items', () => {
    // Prepare
    const order = orderSchema.parse(rawOrder());

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot).toEqual(factories.orderSnapshot());
    expect(snapshotSchema.parse(snapshot)).toEqual(snapshot);
  });

  it('converts winter Pacific timestamps with the PST offset', () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({ createDate: '2026-01-15T10:15:00.0000000', modifyDate: '2026-01-15 10:20:00', holdUntilDate: '2026-01-20', orderStatus: 'on_hold' }),
    );

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot).toMatchObject({
      status: 'on_hold',
      createdAt: '2026-01-15T18:15:00.000Z',
      modifiedAt: '2026-01-15T18:20:00.000Z',
      holdUntilDate: '2026-01-20',
    });
  });

  it("takes the name from billTo, splits off the last word as the last name, and never lends it the ship-to person's phone", () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({ billTo: rawAddress({ name: 'Mary Ann van Dyke', phone: null }), shipTo: rawAddress({ name: 'Gift Recipient' }) }),
    );

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot.customer).toEqual({ email: 'jane.doe@example.com', firstName: 'Mary Ann van', lastName: 'Dyke', location: SAN_FRANCISCO });
  });

  it('falls back to the shipTo name when billTo has none, and keeps a single name as the first name', () => {
    // Prepare
    const order = orderSchema.parse(rawOrder({ billTo: rawAddress({ name: '   ', phone: null }), shipTo: rawAddress({ name: 'Cher' }) }));

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot.customer.firstName).toBe('Cher');
    expect(snapshot.customer).not.toHaveProperty('lastName');
  });

  it('takes the billTo phone before the shipTo phone, in E.164 for the billTo country', () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({
        billTo: rawAddress({ phone: '020 7946 0958', country: 'GB' }),
        shipTo: rawAddress({ phone: '(415) 555-0132', country: 'US' }),
      }),
    );

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot.customer.phone).toBe('+442079460958');
  });

  it('leaves out a phone that is not a valid number', () => {
    // Prepare
    const order = orderSchema.parse(rawOrder({ billTo: rawAddress({ phone: '12' }), shipTo: rawAddress({ phone: 'n/a' }) }));

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot.customer.phone).toBeUndefined();
  });

  it.each(['marketplace-buyer', '1@1', 'a@b', 'name@localhost', 'two words@example.com', 'a@@example.com'])(
    'leaves out the customer email %s, which no one can receive mail at, and says so',
    (email) => {
      // Prepare
      const order = orderSchema.parse(rawOrder({ customerEmail: email }));

      // Act
      const snapshot = orderSnapshot(ACCOUNT, order);

      // Assess
      expect(snapshot.customer.email).toBeUndefined();
      expect(snapshot.customer.invalidEmail).toBe(true);
      expect(snapshot.customer.phone).toBe('+14155550132');
    },
  );

  it('drops adjustment lines and keeps the real items', () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({
        items: [
          rawOrderItem(),
          rawOrderItem({ orderItemId: 502, sku: null, name: 'Discount SUMMER10', quantity: 1, unitPrice: -3.5, adjustment: true }),
          rawOrderItem({ orderItemId: 503, sku: 'TEE-M', name: 'T-Shirt (M)', quantity: 1, unitPrice: 20, imageUrl: null }),
        ],
      }),
    );

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot.items).toEqual([
      { sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99, imageUrl: 'https://cdn.example.com/mug-blue.png' },
      { sku: 'TEE-M', name: 'T-Shirt (M)', quantity: 1, unitPrice: 20, imageUrl: undefined },
    ]);
  });

  it('removes blank strings instead of keeping them as values', () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({
        orderNumber: '  ',
        requestedShippingService: '',
        shipTo: rawAddress({ city: ' ', state: '', postalCode: '  94105 ', country: 'US' }),
        items: [rawOrderItem({ sku: '', imageUrl: '  ' })],
      }),
    );

    // Act
    const snapshot = orderSnapshot(ACCOUNT, order);

    // Assess
    expect(snapshot.orderNumber).toBeUndefined();
    expect(snapshot.requestedShippingService).toBeUndefined();
    expect(snapshot.shipTo).toEqual({ city: undefined, region: undefined, postalCode: '94105', country: 'US' });
    expect(snapshot.items[0]).toMatchObject({ sku: undefined, imageUrl: undefined, name: 'Blue Mug' });
  });

  it('reads the store id from advancedOptions', () => {
    // Prepare
    const order = orderSchema.parse(rawOrder({ advancedOptions: { storeId: 31337 } }));

    // Act
    const snapshot = orderSnapshot({ id: 'acme', defaultCountry: 'US' }, order);

    // Assess
    expect(snapshot.storeId).toBe(31337);
    expect(snapshot.accountId).toBe('acme');
  });

  it('throws when modifyDate cannot be read', () => {
    // Prepare
    const order = orderSchema.parse(rawOrder({ modifyDate: 'yesterday' }));

    // Act
    const act = (): unknown => orderSnapshot(ACCOUNT, order);

    // Assess
    expect(act).toThrow('unreadable modifyDate "yesterday"');
  });
});

describe('buyerOf: the profile is the buyer', () => {
  it("describes a gift's buyer with the bill-to only: no recipient name, phone or place", () => {
    // Prepare: Alex buys, Rosa receives
    const order = orderSchema.parse(
      rawOrder({
        customerEmail: 'alex@example.com',
        gift: true,
        billTo: nameOnly('Alex Morgan', { phone: '(717) 455-3765' }),
        shipTo: rawAddress({ name: 'Rosa Diaz', phone: '(212) 555-0199', city: 'Brooklyn', state: 'NY', postalCode: '11201' }),
      }),
    );

    // Act
    const buyer = buyerOf(order, 'US');

    // Assess
    expect(buyer).toEqual({ email: 'alex@example.com', phone: '+17174553765', firstName: 'Alex', lastName: 'Morgan' });
  });

  it('keeps the gift rule when the names agree: a gift flag means someone else receives it', () => {
    // Prepare: as the V1 docs' Get Order example (gift true, bill-to name only, ship-to the same name with a phone)
    const order = orderSchema.parse(
      rawOrder({
        gift: true,
        billTo: nameOnly('The President'),
        shipTo: rawAddress({ name: 'The President', phone: '555-555-5555', city: 'Washington', state: 'DC' }),
      }),
    );

    // Act
    const buyer = buyerOf(order, 'US');

    // Assess
    expect(buyer).toEqual({ email: 'jane.doe@example.com', firstName: 'The', lastName: 'President' });
  });

  it("does not take the ship-to person's phone or place when the bill-to names someone else, gift flag or not", () => {
    // Prepare
    const order = orderSchema.parse(rawOrder({ gift: false, billTo: nameOnly('Alex Morgan'), shipTo: rawAddress({ name: 'Rosa Diaz' }) }));

    // Act
    const buyer = buyerOf(order, 'US');

    // Assess
    expect(buyer).toEqual({ email: 'jane.doe@example.com', firstName: 'Alex', lastName: 'Morgan' });
  });

  it('takes phone and place from the ship-to when the bill-to names the same person (case and punctuation aside)', () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({
        billTo: nameOnly('HOLMES, Sherlock'),
        shipTo: rawAddress({ name: 'Sherlock Holmes', phone: '020 7946 0958', city: 'London', state: '', postalCode: 'NW1 6XE', country: 'GB' }),
      }),
    );

    // Act
    const buyer = buyerOf(order, 'US');

    // Assess
    expect(buyer).toEqual({
      email: 'jane.doe@example.com',
      phone: '+442079460958',
      firstName: 'HOLMES,',
      lastName: 'Sherlock',
      location: { city: 'London', postalCode: 'NW1 6XE', country: 'GB' },
    });
  });

  it.each(['Amazon', 'FBA', 'NA', 'N/A', 'amazon.com'])('never names the buyer "%s" (a marketplace placeholder)', (placeholder) => {
    // Prepare
    const order = orderSchema.parse(rawOrder({ billTo: nameOnly(placeholder), shipTo: rawAddress({ name: placeholder }) }));

    // Act
    const buyer = buyerOf(order, 'US');

    // Assess
    expect(buyer).not.toHaveProperty('firstName');
    expect(buyer).not.toHaveProperty('lastName');
  });

  it('reads a bill-to phone on a US order whose bill-to has no country (V1 orders usually have billTo.country null)', () => {
    // Prepare
    const order = orderSchema.parse(
      rawOrder({ billTo: nameOnly('Alex Morgan', { phone: '(717) 455-3765' }), shipTo: rawAddress({ name: 'Alex Morgan', phone: null, country: 'US' }) }),
    );

    // Act
    const buyer = buyerOf(order, 'US');

    // Assess
    expect(buyer.phone).toBe('+17174553765');
  });

  it("reads a phone in the account's default country when neither address has one, and tries the next country when one does not fit", () => {
    // Prepare
    const noCountry = orderSchema.parse(
      rawOrder({ billTo: nameOnly('Alex Morgan', { phone: '0412 345 678' }), shipTo: rawAddress({ name: 'Alex Morgan', country: null }) }),
    );
    const giftAbroad = orderSchema.parse(
      rawOrder({ gift: true, billTo: nameOnly('Alex Morgan', { phone: '(717) 455-3765' }), shipTo: rawAddress({ name: 'Rosa Diaz', country: 'FR' }) }),
    );

    // Act
    const australian = buyerOf(noCountry, 'AU');
    const american = buyerOf(giftAbroad, 'US');

    // Assess
    expect(australian.phone).toBe('+61412345678');
    expect(american.phone).toBe('+17174553765');
  });
});

describe('shipmentSnapshot', () => {
  it('turns a raw shipment into a snapshot with its items', () => {
    // Prepare
    const shipment = shipmentSchema.parse(rawShipment());

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipment);

    // Assess
    expect(snapshot).toEqual(factories.shipmentSnapshot());
    expect(snapshotSchema.parse(snapshot)).toEqual(snapshot);
  });

  it('never takes the ship-to person for the customer: the label keeps its ship-to place and its own email only', () => {
    // Prepare
    const shipment = shipmentSchema.parse(
      rawShipment({ shipTo: rawAddress({ name: 'Sam Lee', phone: '020 7946 0958', city: 'London', state: '', postalCode: 'NW1 6XE', country: 'GB' }) }),
    );

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipment);

    // Assess
    expect(snapshot).not.toHaveProperty('customer');
    expect(snapshot.customerEmail).toBe('jane.doe@example.com');
    expect(snapshot.shipTo).toEqual({ city: 'London', region: undefined, postalCode: 'NW1 6XE', country: 'GB' });
    expect(JSON.stringify(snapshot)).not.toMatch(/Sam|Lee|7946/);
  });

  it.each([
    ['null', null],
    ['absent', undefined],
    ['impossible', '1@1'],
  ])("reads a label whose customerEmail is %s (the V1 docs' List Shipments rows have none)", (_case, customerEmail) => {
    // Prepare
    const raw = rawShipment({ customerEmail });
    if (customerEmail === undefined) delete raw.customerEmail;

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipmentSchema.parse(raw));

    // Assess
    expect(snapshot.customerEmail).toBeUndefined();
  });

  it('reads a voided label with its void time in UTC', () => {
    // Prepare
    const shipment = shipmentSchema.parse(rawShipment({ voided: true, voidDate: '2026-07-05T14:45:30.1230000' }));

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipment);

    // Assess
    expect(snapshot.voided).toBe(true);
    expect(snapshot.voidedAt).toBe('2026-07-05T21:45:30.123Z');
  });

  it('keeps only the calendar date of shipDate', () => {
    // Prepare
    const shipment = shipmentSchema.parse(rawShipment({ shipDate: '2026-07-06T00:00:00.0000000' }));

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipment);

    // Assess
    expect(snapshot.shipDate).toBe('2026-07-06');
  });

  it('marks a return label', () => {
    // Prepare
    const shipment = shipmentSchema.parse(rawShipment({ isReturnLabel: true }));

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipment);

    // Assess
    expect(snapshot.isReturnLabel).toBe(true);
  });

  it('reads null flags and null items as a live outbound label without items', () => {
    // Prepare
    const shipment = shipmentSchema.parse(rawShipment({ isReturnLabel: null, voided: null, shipmentItems: null }));

    // Act
    const snapshot = shipmentSnapshot(ACCOUNT, shipment);

    // Assess
    expect(snapshot).toMatchObject({ isReturnLabel: false, voided: false, items: [] });
  });
});

describe('fulfillmentSnapshot', () => {
  it('turns a raw fulfilment into a snapshot named after its provider', () => {
    // Prepare
    const fulfillment = fulfillmentSchema.parse(rawFulfillment());

    // Act
    const snapshot = fulfillmentSnapshot(ACCOUNT, fulfillment);

    // Assess
    expect(snapshot).toEqual(factories.fulfillmentSnapshot());
    expect(snapshotSchema.parse(snapshot)).toEqual(snapshot);
  });

  it('falls back to the provider code when the provider has no name', () => {
    // Prepare
    const fulfillment = fulfillmentSchema.parse(rawFulfillment({ sellerFillProviderName: '', fulfillmentProviderCode: 'amazon_fba' }));

    // Act
    const snapshot = fulfillmentSnapshot(ACCOUNT, fulfillment);

    // Assess
    expect(snapshot.provider).toBe('amazon_fba');
  });

  it('has no provider for a "Mark as Shipped" fulfilment', () => {
    // Prepare
    const fulfillment = fulfillmentSchema.parse(rawFulfillment({ sellerFillProviderId: null, sellerFillProviderName: null, fulfillmentProviderCode: null }));

    // Act
    const snapshot = fulfillmentSnapshot(ACCOUNT, fulfillment);

    // Assess
    expect(snapshot.provider).toBeUndefined();
  });

  it('reads a voided fulfilment', () => {
    // Prepare
    const fulfillment = fulfillmentSchema.parse(rawFulfillment({ voided: true, voidDate: '2026-01-15T10:00:00.0000000' }));

    // Act
    const snapshot = fulfillmentSnapshot(ACCOUNT, fulfillment);

    // Assess
    expect(snapshot).toMatchObject({ voided: true, voidedAt: '2026-01-15T18:00:00.000Z' });
  });
});

describe('snapshotsFromPage', () => {
  it('reads every record of an orders page', () => {
    // Prepare
    const page = { orders: [rawOrder(), rawOrder({ orderId: 123457, orderStatus: 'cancelled' })] };

    // Act
    const result = snapshotsFromPage(ACCOUNT, page);

    // Assess
    expect(result.unreadable).toEqual([]);
    expect(result.snapshots.map((s) => [s.kind, s.orderId])).toEqual([
      ['order', 123456],
      ['order', 123457],
    ]);
  });

  it('collects an unreadable record without losing the others', () => {
    // Prepare
    const page = { orders: [rawOrder({ orderId: 1 }), rawOrder({ orderId: 2, orderStatus: 'lost_in_space' }), rawOrder({ orderId: 3 })] };

    // Act
    const result = snapshotsFromPage(ACCOUNT, page);

    // Assess
    expect(result.snapshots.map((s) => s.orderId)).toEqual([1, 3]);
    expect(result.unreadable).toHaveLength(1);
    expect(result.unreadable[0]).toMatchObject({ kind: 'order', index: 1 });
    expect(result.unreadable[0]?.reason).toMatch(/orderStatus/);
  });

  it('collects a record whose timestamp cannot be read, with the field in the reason', () => {
    // Prepare
    const page = { shipments: [rawShipment({ createDate: 'soon' }), rawShipment({ shipmentId: 2 })] };

    // Act
    const result = snapshotsFromPage(ACCOUNT, page);

    // Assess
    expect(result.snapshots).toHaveLength(1);
    expect(result.unreadable).toEqual([{ kind: 'shipment', index: 0, reason: 'unreadable createDate "soon"' }]);
  });

  it('reads shipments and fulfilments of the same page', () => {
    // Prepare
    const page = { shipments: [rawShipment()], fulfillments: [rawFulfillment(), 'not a record'] };

    // Act
    const result = snapshotsFromPage(ACCOUNT, page);

    // Assess
    expect(result.snapshots.map((s) => s.kind)).toEqual(['shipment', 'fulfillment']);
    expect(result.unreadable).toEqual([expect.objectContaining({ kind: 'fulfillment', index: 1 })]);
  });

  it('returns nothing for an empty page', () => {
    // Prepare
    const page = { orders: null, shipments: [] };

    // Act
    const result = snapshotsFromPage(ACCOUNT, page);

    // Assess
    expect(result).toEqual({ snapshots: [], unreadable: [] });
  });
});

describe('snapshots written by an earlier version (still on a queue after an upgrade)', () => {
  it("reads an order's ship-by and hold-until instants as the Pacific dates they named", () => {
    // Prepare
    const legacy: Record<string, unknown> = { ...factories.orderSnapshot(), shipByAt: '2026-07-08T07:00:00.000Z', holdUntilAt: '2026-01-20T08:00:00.000Z' };
    delete legacy.shipByDate;
    delete legacy.holdUntilDate;

    // Act
    const read = snapshotSchema.parse(legacy);

    // Assess
    expect(read).toMatchObject({ shipByDate: '2026-07-08', holdUntilDate: '2026-01-20' });
    expect(read).not.toHaveProperty('shipByAt');
  });

  it("reads a label's customer email as its own customerEmail", () => {
    // Prepare
    const legacy: Record<string, unknown> = { ...factories.shipmentSnapshot(), customer: { email: 'jane.doe@example.com', firstName: 'Rosa' } };
    delete legacy.customerEmail;

    // Act
    const read = snapshotSchema.parse(legacy);

    // Assess
    expect(read).toMatchObject({ kind: 'shipment', customerEmail: 'jane.doe@example.com' });
    expect(read).not.toHaveProperty('customer');
  });
});
