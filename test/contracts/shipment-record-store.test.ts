// The ShipmentRecordStore contract: versioned records in the order's partition, and the pointers from a tracking number
// (normalised) and a V2 label id to them, held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbShipmentRecordStore } from '../../lib/adapters/dynamodb-shipment-record-store.js';
import { recordFromSnapshot, type ShipmentRecord } from '../../lib/domain/shipment-tracking.js';
import type { ShipmentRecordStore } from '../../lib/ports.js';
import { InMemoryShipmentRecordStore } from '../fakes/in-memory-ports.js';
import { buyer, fulfillmentSnapshot, shipmentSnapshot } from '../helpers/factories.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const facts = { buyer: buyer(), total: 34.97, orderNumber: 'A-1001', items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2 }] };

function label(accountId: string, overrides: Partial<Parameters<typeof shipmentSnapshot>[0]> = {}): ShipmentRecord {
  return { ...recordFromSnapshot(shipmentSnapshot({ accountId, ...overrides }), undefined, facts, 'UPS® Ground'), version: 0 };
}

function fulfilment(accountId: string): ShipmentRecord {
  return { ...recordFromSnapshot(fulfillmentSnapshot({ accountId }), undefined, facts), version: 0 };
}

const byKey = (records: ShipmentRecord[]): ShipmentRecord[] => [...records].sort((a, b) => a.shipmentKey.localeCompare(b.shipmentKey));

function shipmentRecordStoreContract(make: () => ShipmentRecordStore): void {
  it('writes a first record only when none is stored, and reads it back as written with version 1', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const record: ShipmentRecord = {
      ...label(accountId),
      tracking: {
        category: 'in_transit',
        categorySince: '2026-07-06T10:00:00.000Z',
        lastScanAt: '2026-07-06T10:00:00.000Z',
        statusCode: 'IT',
        passedInTransit: false,
        lastLocation: { city: 'Oakland', region: 'CA' },
      },
    };

    // Act
    const first = await store.put(record);
    const second = await store.put({ ...record, voided: true });

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(await store.get(accountId, record.orderId, record.shipmentKey)).toEqual({ ...JSON.parse(JSON.stringify(record)), version: 1 });
    expect(await store.get(accountId, record.orderId, 'label:1')).toBeUndefined();
  });

  it('writes over the stored version only, and refuses a versioned write with nothing stored', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const record = label(accountId);
    await store.put(record);

    // Act
    const current = await store.put({ ...record, version: 1, voided: true });
    const stale = await store.put({ ...record, version: 1, voided: false });
    const nothingStored = await store.put({ ...label(accountId, { shipmentId: 5 }), version: 2 });

    // Assess
    expect([current, stale, nothingStored]).toEqual([true, false, false]);
    expect(await store.get(accountId, record.orderId, record.shipmentKey)).toMatchObject({ voided: true, version: 2 });
    expect(await store.get(accountId, record.orderId, 'label:5')).toBeUndefined();
  });

  it('lists every shipment of the order, and none of another order or account', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const records = [label(accountId), label(accountId, { shipmentId: 987655 }), fulfilment(accountId)];
    for (const record of records) await store.put(record);
    await store.put(label(accountId, { orderId: 7, shipmentId: 1 }));
    await store.put(label(newAccount()));

    // Act
    const listed = await store.listForOrder(accountId, 123456);

    // Assess
    expect(byKey(listed)).toEqual(byKey(records.map((r) => ({ ...JSON.parse(JSON.stringify(r)), version: 1 }))));
    expect(await store.listForOrder(accountId, 99)).toEqual([]);
  });

  it('finds a label by its V2 label id and by its tracking number however written, and a fulfilment by tracking number only', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const shipped = label(accountId);
    const fulfilled = fulfilment(accountId);
    await store.put(shipped);
    await store.put(fulfilled);

    // Act
    await store.link(accountId, { orderId: shipped.orderId, shipmentKey: shipped.shipmentKey, trackingNumber: '1z999aa1 0123456784' });
    await store.link(accountId, { orderId: fulfilled.orderId, shipmentKey: fulfilled.shipmentKey, trackingNumber: '9400111899223197428490' });

    // Assess
    expect((await store.findByLabel(accountId, 987654))?.shipmentKey).toBe('label:987654');
    expect((await store.findByTracking(accountId, '1Z999AA10123456784'))?.shipmentKey).toBe('label:987654');
    expect((await store.findByTracking(accountId, '9400111899223197428490'))?.shipmentKey).toBe('fulfillment:33001');
    expect(await store.findByLabel(accountId, 33001)).toBeUndefined();
    expect(await store.findByTracking(newAccount(), '1Z999AA10123456784')).toBeUndefined();
    expect(await store.findByLabel(newAccount(), 987654)).toBeUndefined();
  });

  it('finds a label without a tracking number by its label id, and the newest version of a record through its pointer', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const record = label(accountId);
    await store.put(record);
    await store.link(accountId, { orderId: record.orderId, shipmentKey: record.shipmentKey });
    await store.link(accountId, { orderId: record.orderId, shipmentKey: record.shipmentKey });

    // Act
    await store.put({ ...record, version: 1, voided: true });
    const found = await store.findByLabel(accountId, 987654);

    // Assess
    expect(found).toMatchObject({ voided: true, version: 2 });
    expect(await store.findByTracking(accountId, '1Z999AA10123456784')).toBeUndefined();
  });

  it('finds nothing through a pointer whose record is not stored, and follows a tracking number moved to another shipment', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const second = label(accountId, { shipmentId: 987655 });
    await store.put(second);

    // Act
    await store.link(accountId, { orderId: 123456, shipmentKey: 'label:987654', trackingNumber: '1Z999AA10123456784' });
    const dangling = await store.findByTracking(accountId, '1Z999AA10123456784');
    await store.link(accountId, { orderId: 123456, shipmentKey: second.shipmentKey, trackingNumber: '1Z999AA10123456784' });
    const moved = await store.findByTracking(accountId, '1Z999AA10123456784');

    // Assess
    expect(dangling).toBeUndefined();
    expect(await store.findByLabel(accountId, 987654)).toBeUndefined();
    expect(moved?.shipmentKey).toBe('label:987655');
  });
}

describeContract<ShipmentRecordStore>(
  'ShipmentRecordStore',
  [
    inMemory('InMemoryShipmentRecordStore', () => new InMemoryShipmentRecordStore()),
    onLocalDynamoDb('DynamoDbShipmentRecordStore', (aws) => new DynamoDbShipmentRecordStore(aws.dynamodb, aws.tableName)),
  ],
  shipmentRecordStoreContract,
);
