// V2 records → snapshots, on real recorded V2 responses (test/fixtures/shipstation/v2 and pmcgee-personal, sources in
// ../fixtures/shipstation/SOURCES.md): the ids V1 uses, the buyer rules without a bill-to, V2's UTC times and the
// status table (an unknown status sends nothing and is counted).
import { parseListPage } from '../../lib/domain/shipstation.js';
import { v1IdOf, V2_SHIPMENT_STATUSES } from '../../lib/domain/shipstation-v2.js';
import { snapshotSchema, type FulfillmentSnapshot, type OrderSnapshot, type ShipmentSnapshot } from '../../lib/domain/snapshot.js';
import { snapshotsFromV2Page } from '../../lib/normalise/v2-snapshots.js';
import { fixture } from '../helpers/fixture-server.js';

const ACCOUNT = { id: 'default', defaultCountry: 'US' };

type Page = Record<string, unknown>;
const recordsOf = (page: Page, resource: 'shipments' | 'labels' | 'fulfillments'): unknown[] => {
  const parsed = parseListPage(resource, page);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.page.records;
};

describe('v1IdOf', () => {
  it('reads se-<n> as the V1 id n (shipment_id ↔ orderId, label_id ↔ shipmentId)', () => {
    expect(v1IdOf('se-394496923')).toBe(394496923);
    expect(v1IdOf('se-184976210')).toBe(184976210);
  });

  it('gives an id without a number a stable negative id that no V1 id can take', () => {
    // Prepare: an id form we have not seen (a V2-only record)
    const id = 'f08a8196-c760-4327-9379-42984c92022b';

    // Act
    const first = v1IdOf(id);

    // Assert: the same on every sighting, negative, exact as a double, and another text gets another id
    expect(first).toBe(v1IdOf(id));
    expect(first).toBeLessThan(0);
    expect(Number.isSafeInteger(first)).toBe(true);
    expect(v1IdOf('se-394477XXX')).toBeLessThan(0);
    expect(v1IdOf('se-394477XXX')).not.toBe(first);
  });
});

describe('snapshotsFromV2Page on recorded shipments (SHIPMENT_CREATED_V2)', () => {
  it('makes a split order two orders under their V1 ids, with money on the first only, and no buyer on a gift', () => {
    // Prepare: the recorded split order (two shipments sharing shipment_number LW-TEST2, is_gift: true)
    const records = recordsOf(fixture<Page>('v2/list_shipments_shipment_created_v2_split_pmcgee.json'), 'shipments');

    // Act
    const { snapshots, unreadable, unknownStatuses } = snapshotsFromV2Page(ACCOUNT, 'shipments', records);

    // Assert
    expect(unreadable).toEqual([]);
    expect(unknownStatuses).toEqual({});
    const orders = snapshots as OrderSnapshot[];
    expect(orders.map((o) => [o.orderId, o.orderNumber, o.status, o.total])).toEqual([
      [394496923, 'LW-TEST2', 'awaiting_shipment', 218.73],
      [394496920, 'LW-TEST2', 'awaiting_shipment', 0],
    ]);
    const [first] = orders;
    expect(first?.createdAt).toBe('2026-08-12T20:01:37.080Z');
    expect(first?.modifiedAt).toBe('2026-08-12T20:01:37.683Z');
    expect(first?.shipByDate).toBe('2026-08-12');
    expect(first?.holdUntilDate).toBeUndefined();
    expect(first?.storeId).toBe(2481946);
    expect(first?.source).toBe('v2');
    // A gift: the ship-to person (The President, headhoncho@whitehouse.gov) is the recipient, never the buyer's profile.
    expect(first?.gift).toBe(true);
    expect(first?.customer).toEqual({});
    expect(first?.shipTo).toEqual({ city: 'LOS ANGELES', region: 'CA', postalCode: '00000-0000', country: 'US' });
    expect(first?.items).toEqual([{ sku: 'TEST-BST', name: 'Blue Silk Tuxedo', quantity: 1, unitPrice: 99.99, imageUrl: undefined }]);
    for (const snapshot of snapshots) expect(snapshotSchema.safeParse(snapshot).success).toBe(true);
  });

  it('takes the ship-to person as the buyer when the order is not a gift', () => {
    // Prepare: the recorded split order with the gift flag cleared (the only change)
    const [record] = recordsOf(fixture<Page>('v2/list_shipments_shipment_created_v2_split_pmcgee.json'), 'shipments') as Record<string, unknown>[];

    // Act
    const { snapshots } = snapshotsFromV2Page(ACCOUNT, 'shipments', [{ ...record, is_gift: false }]);

    // Assert: email from ship_to, the name split, the US phone in E.164 or none, the place
    const order = snapshots[0] as OrderSnapshot;
    expect(order.customer.email).toBe('headhoncho@whitehouse.gov');
    expect(order.customer.firstName).toBe('The');
    expect(order.customer.lastName).toBe('President');
    expect(order.customer.location).toEqual({ city: 'LOS ANGELES', region: 'CA', postalCode: '00000-0000', country: 'US' });
  });

  it('reads the ShipEngine shipment (modified_at before created_at, ship_to without email) without a buyer email', () => {
    // Prepare: ShipEngine's .NET client mock of the object V2 shipments are built on
    const record = fixture<Page>('v2/shipengine_update_shipment_dotnet.json');

    // Act
    const { snapshots, unreadable } = snapshotsFromV2Page(ACCOUNT, 'shipments', [record]);

    // Assert
    expect(unreadable).toEqual([]);
    const order = snapshots[0] as OrderSnapshot;
    expect(order.status).toBe('awaiting_shipment');
    expect(order.customer.email).toBeUndefined();
    expect(Date.parse(order.modifiedAt)).toBeLessThan(Date.parse(order.createdAt));
  });

  it('maps every V2 status to the V1 one and counts a status it does not know, sending nothing for it', () => {
    // Prepare
    const [record] = recordsOf(fixture<Page>('v2/list_shipments_shipment_created_v2_pmcgee.json'), 'shipments') as Record<string, unknown>[];
    const withStatus = (status: string): Record<string, unknown> => ({ ...record, shipment_status: status, hold_until_date: '2026-09-01T00:00:00Z' });

    // Act
    const statuses = ['pending', 'on_hold', 'cancelled', 'label_purchased', 'processing', 'awaiting_pickup', 'awaiting_pickup'];
    const { snapshots, unknownStatuses, unreadable } = snapshotsFromV2Page(ACCOUNT, 'shipments', statuses.map(withStatus));

    // Assert: processing is known and says nothing new; awaiting_pickup is unknown, counted twice
    expect(unreadable).toEqual([]);
    expect((snapshots as OrderSnapshot[]).map((s) => s.status)).toEqual(['awaiting_shipment', 'on_hold', 'cancelled', 'shipped']);
    expect((snapshots[1] as OrderSnapshot).holdUntilDate).toBe('2026-09-01');
    expect(unknownStatuses).toEqual({ awaiting_pickup: 2 });
    expect(Object.keys(V2_SHIPMENT_STATUSES).sort()).toEqual(['cancelled', 'label_purchased', 'on_hold', 'pending', 'processing']);
  });

  it('reports a record without a readable time as unreadable, and keeps the others', () => {
    // Prepare
    const records = recordsOf(fixture<Page>('v2/list_shipments_shipment_created_v2_split_pmcgee.json'), 'shipments') as Record<string, unknown>[];

    // Act
    const { snapshots, unreadable } = snapshotsFromV2Page(ACCOUNT, 'shipments', [{ ...records[0], modified_at: 'yesterday' }, records[1]]);

    // Assert
    expect(snapshots).toHaveLength(1);
    expect(unreadable).toEqual([{ kind: 'order', index: 0, reason: 'unreadable modified_at "yesterday"' }]);
  });
});

describe('snapshotsFromV2Page on recorded labels (LABEL_CREATED_V2)', () => {
  it('makes each label a shipment under the V1 ids, with the ship date as a day and no buyer of its own', () => {
    // Prepare: the split order's two labels
    const records = recordsOf(fixture<Page>('v2/list_labels_label_created_v2_split_pmcgee.json'), 'labels');

    // Act
    const { snapshots, unreadable } = snapshotsFromV2Page(ACCOUNT, 'labels', records);

    // Assert
    expect(unreadable).toEqual([]);
    const labels = snapshots as ShipmentSnapshot[];
    expect(labels).toHaveLength(2);
    expect(labels.map((l) => l.trackingNumber)).toEqual(['383144914556', '383144913218']);
    for (const label of labels) {
      expect(label.kind).toBe('shipment');
      expect(label.orderId).toBeGreaterThan(0);
      expect(label.voided).toBe(false);
      expect(label.customerEmail).toBeUndefined();
      expect(snapshotSchema.safeParse(label).success).toBe(true);
    }
  });

  it('reads the single label exactly (1 fraction digit, ship date at 07:00Z)', () => {
    // Prepare
    const records = recordsOf(fixture<Page>('v2/list_labels_label_created_v2_pmcgee.json'), 'labels');

    // Act
    const [label] = snapshotsFromV2Page(ACCOUNT, 'labels', records).snapshots as ShipmentSnapshot[];

    // Assert
    expect(label).toMatchObject({
      shipmentId: 184976210,
      orderId: 394477236,
      createdAt: '2026-08-12T19:46:28.800Z',
      shipDate: '2026-08-12',
      carrierCode: 'fedex',
      serviceCode: 'fedex_ground',
      trackingNumber: '383144378470',
      isReturnLabel: false,
      voided: false,
      shipTo: { city: 'LOS ANGELES', region: 'CA', country: 'US' },
    });
  });

  it('reads a voided label and a 7-digit fraction (ShipEngine create-label response)', () => {
    // Prepare: ShipEngine's label, then the same label voided
    const record = fixture<Page>('v2/shipengine_create_label_from_rate_dotnet.json');

    // Act
    const { snapshots } = snapshotsFromV2Page(ACCOUNT, 'labels', [
      record,
      { ...record, voided: true, status: 'voided', voided_at: '2026-08-13T10:00:00.1234567Z' },
    ]);

    // Assert
    const [live, voided] = snapshots as ShipmentSnapshot[];
    expect(live?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(live?.voided).toBe(false);
    expect(voided?.voided).toBe(true);
    expect(voided?.voidedAt).toBe('2026-08-13T10:00:00.123Z');
  });
});

describe('snapshotsFromV2Page on a recorded fulfilment (FULFILLMENT_SHIPPED_V2)', () => {
  it('makes it a fulfilment of its order, with the carrier as typed and the provider', () => {
    // Prepare
    const records = recordsOf(fixture<Page>('pmcgee-personal/fulfillment_shipped_v2_resource_url_response.json'), 'fulfillments');

    // Act
    const { snapshots, unreadable } = snapshotsFromV2Page(ACCOUNT, 'fulfillments', records);

    // Assert: ship_to.email "REDACTED" is never a buyer (a fulfilment has none of its own)
    expect(unreadable).toEqual([]);
    const [fulfilment] = snapshots as FulfillmentSnapshot[];
    expect(fulfilment).toMatchObject({
      kind: 'fulfillment',
      fulfillmentId: 16731019,
      orderId: 412669417,
      orderNumber: '100044',
      createdAt: '2026-09-03T14:50:25.067Z',
      shipDate: '2026-09-03',
      carrierCode: 'FedEx',
      trackingNumber: '3831466XXXX3',
      provider: 'External',
      voided: false,
      items: [],
    });
    expect(fulfilment?.customerEmail).toBeUndefined();
    expect(snapshotSchema.safeParse(fulfilment).success).toBe(true);
  });
});

describe('parseListPage on a V2 page', () => {
  it('refuses a 200 without its list, naming what is wrong', () => {
    expect(parseListPage('labels', { errors: [{ message: 'nope' }] })).toEqual({
      ok: false,
      problem: 'labels: Invalid input: expected array, received undefined',
    });
  });
});
