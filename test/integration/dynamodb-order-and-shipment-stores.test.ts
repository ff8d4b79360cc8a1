// The order-state, shipment-record, carrier-service and due-check stores on a real DynamoDB-compatible server
// (dynalite): the buyer, items and gift flag read back as written, a label found by its V2 label id and by its tracking
// number, a carrier's service list shared between containers, and a due check an earlier version wrote read in today's
// shape.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbCarrierServiceCache } from '../../lib/adapters/dynamodb-carrier-service-cache.js';
import { DynamoDbDueCheckStore } from '../../lib/adapters/dynamodb-due-check-store.js';
import { keyOf, keys } from '../../lib/adapters/dynamodb-keys.js';
import { DynamoDbOrderStateStore } from '../../lib/adapters/dynamodb-order-state-store.js';
import { DynamoDbShipmentRecordStore } from '../../lib/adapters/dynamodb-shipment-record-store.js';
import { recordFromSnapshot } from '../../lib/domain/shipment-tracking.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { buyer, orderSnapshot, orderState, shipmentSnapshot } from '../helpers/factories.js';

let aws: LocalAws;
let n = 0;
/** A fresh account per test, so tests never share items. */
const newAccount = (): string => `acct-${(n += 1)}`;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbOrderStateStore', () => {
  it('reads back the buyer, the items and the gift flag exactly as written', async () => {
    // Prepare
    const store = new DynamoDbOrderStateStore(aws.dynamodb, aws.tableName);
    const accountId = newAccount();
    const state = orderState({
      accountId,
      version: 0,
      gift: true,
      buyer: buyer({ invalidEmail: true, email: undefined }),
      items: [{ sku: 'A', name: 'Åsa\'s "mug"', quantity: 1 }],
    });

    // Act
    const written = await store.put(state);
    const read = await store.get(accountId, state.orderId);

    // Assess
    expect(written).toBe(true);
    expect(read).toEqual({ ...JSON.parse(JSON.stringify(state)), version: 1, statusSince: state.statusSince, shippedAt: undefined, storeId: undefined });
  });

  it('reads a state written before buyers were kept as one without a buyer (its next label reads the order)', async () => {
    // Prepare
    const store = new DynamoDbOrderStateStore(aws.dynamodb, aws.tableName);
    const accountId = newAccount();
    await aws.dynamodb.send(
      new PutItemCommand({
        TableName: aws.tableName,
        Item: {
          ...keyOf(keys.orderState(accountId, 7)),
          accountId: { S: accountId },
          orderId: { N: '7' },
          status: { S: 'awaiting_shipment' },
          version: { N: '3' },
        },
      }),
    );

    // Act
    const read = await store.get(accountId, 7);

    // Assess
    expect(read).toMatchObject({ status: 'awaiting_shipment', version: 3 });
    expect(read?.buyer).toBeUndefined();
    expect(read?.items).toBeUndefined();
  });
});

describe('DynamoDbOrderStateStore.getWithShipment', () => {
  it("reads the order's state and one of its shipment records in one request, and nothing of another shipment", async () => {
    // Prepare: the order's state, its label 987654, and a second label of the same order
    const states = new DynamoDbOrderStateStore(aws.dynamodb, aws.tableName);
    const records = new DynamoDbShipmentRecordStore(aws.dynamodb, aws.tableName);
    const accountId = newAccount();
    const state = orderState({ accountId, buyer: buyer(), items: [{ sku: 'MUG-BLUE', quantity: 2 }] });
    await states.put(state);
    const facts = { buyer: buyer(), total: 34.97 };
    const label = { ...recordFromSnapshot(shipmentSnapshot({ accountId, orderId: state.orderId }), undefined, facts, 'UPS® Ground'), version: 0 };
    await records.put(label);
    const other = { ...recordFromSnapshot(shipmentSnapshot({ accountId, orderId: state.orderId, shipmentId: 555 }), undefined, facts, undefined), version: 0 };
    await records.put(other);

    // Act
    const both = await states.getWithShipment(accountId, state.orderId, label.shipmentKey);
    const noRecord = await states.getWithShipment(accountId, state.orderId, 'label:1');
    const nothing = await states.getWithShipment(accountId, 424242, label.shipmentKey);

    // Assess: as the two stores read them apart
    expect(both).toEqual({ state: await states.get(accountId, state.orderId), record: await records.get(accountId, state.orderId, label.shipmentKey) });
    expect(both.record?.version).toBe(1);
    expect(noRecord).toEqual({ state: await states.get(accountId, state.orderId) });
    expect(nothing).toEqual({});
  });
});

describe('DynamoDbShipmentRecordStore', () => {
  it('finds a label by its V2 label id and by its tracking number, and a fulfilment by tracking number only', async () => {
    // Prepare
    const store = new DynamoDbShipmentRecordStore(aws.dynamodb, aws.tableName);
    const accountId = newAccount();
    const facts = { buyer: buyer(), total: 34.97 };
    const label = { ...recordFromSnapshot(shipmentSnapshot({ accountId }), undefined, facts, 'UPS® Ground'), version: 0 };
    await store.put(label);

    // Act
    await store.link(accountId, { orderId: label.orderId, shipmentKey: label.shipmentKey, trackingNumber: '1z999aa1 0123456784' });
    await store.link(accountId, { orderId: label.orderId, shipmentKey: 'fulfillment:33001', trackingNumber: '9400111899223197428490' });
    const byLabel = await store.findByLabel(accountId, 987654);
    const byNumber = await store.findByTracking(accountId, '1Z999AA10123456784');
    const fulfilmentLabel = await store.findByLabel(accountId, 33001);

    // Assess
    expect(byLabel).toMatchObject({ shipmentKey: 'label:987654', serviceName: 'UPS® Ground', customer: { email: 'jane.doe@example.com' }, total: 34.97 });
    expect(byNumber?.shipmentKey).toBe('label:987654');
    expect(fulfilmentLabel).toBeUndefined();
    expect(await store.findByLabel(newAccount(), 987654)).toBeUndefined();
  });
});

describe('DynamoDbCarrierServiceCache', () => {
  it("keeps a carrier's services for every container, per account", async () => {
    // Prepare
    const one = new DynamoDbCarrierServiceCache(aws.dynamodb, aws.tableName);
    const other = new DynamoDbCarrierServiceCache(aws.dynamodb, aws.tableName);
    const accountId = newAccount();
    const at = new Date('2026-07-05T18:00:00.000Z');

    // Act
    await one.put(accountId, 'fedex', [{ code: 'fedex_home_delivery', name: 'FedEx Home Delivery®' }], at);
    const read = await other.get(accountId, 'fedex');

    // Assess
    expect(read).toEqual({ services: [{ code: 'fedex_home_delivery', name: 'FedEx Home Delivery®' }], fetchedAt: '2026-07-05T18:00:00.000Z' });
    expect(await other.get(newAccount(), 'fedex')).toBeUndefined();
  });
});

describe('DynamoDbDueCheckStore', () => {
  it('reads an Order Delayed check an earlier version wrote (ship-by as a Pacific-midnight instant) with the ship-by date, its due time as written', async () => {
    // Prepare
    const store = new DynamoDbDueCheckStore(aws.dynamodb, aws.tableName);
    const accountId = newAccount();
    const legacyOrder = { ...orderSnapshot({ accountId }), shipByDate: undefined, shipByAt: '2026-07-08T07:00:00.000Z' };
    await store.schedule({
      kind: 'order-delayed',
      accountId,
      orderId: 123456,
      dueAt: '2026-07-08T07:00:00.000Z',
      reason: 'past_ship_by_date',
      order: legacyOrder as never,
    });

    // Act
    const [check] = await store.listDue(accountId, new Date('2026-07-09T00:00:00.000Z'), 10);

    // Assess
    expect(check?.kind === 'order-delayed' ? check.order.shipByDate : undefined).toBe('2026-07-08');
    // The due time stays as written: the sweep moves such a check to the end of the day (sweep-due-checks tests).
    expect(check?.dueAt).toBe('2026-07-08T07:00:00.000Z');
    expect(check?.kind === 'order-delayed' ? check.order : {}).not.toHaveProperty('shipByAt');
  });
});
