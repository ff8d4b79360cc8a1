// publish-events with V2 tracking updates against dynalite + local-aws-sqs + the Klaviyo simulator: the join to the
// label through the real tables (also when the update comes first and waits on the real queue), split orders,
// the stale rule, and the due checks as DynamoDB keeps them. Every body sent is checked against Klaviyo's schema.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbDueCheckStore } from '../../lib/adapters/dynamodb-due-check-store.js';
import { DynamoDbShipmentRecordStore } from '../../lib/adapters/dynamodb-shipment-record-store.js';
import { DynamoDbTrackingActivity } from '../../lib/adapters/dynamodb-tracking-activity.js';
import { orderSchema, shipmentSchema } from '../../lib/domain/shipstation.js';
import type { OrderSnapshot, ShipmentSnapshot } from '../../lib/domain/snapshot.js';
import { trackingUpdateSchema, type TrackingUpdate } from '../../lib/domain/tracking.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { orderSnapshot, shipmentSnapshot } from '../../lib/normalise/snapshots.js';
import { context, deadLetters, drainQueue, eventually, sqsEvent, startHarness, type Harness } from '../helpers/handler-env.js';

let harness: Harness;
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const publish = (...bodies: unknown[]): Promise<SQSBatchResponse> => handler(sqsEvent(bodies), context('publish-events'));

/** The account as the normaliser sees it. */
const ACCOUNT = { id: 'default', defaultCountry: 'US' };

const newOrder = (): OrderSnapshot => orderSnapshot(ACCOUNT, orderSchema.parse(harness.shipStation.importOrder({ customerEmail: 'jane.doe@example.com' })));
/** A label as fetch-resource enqueues it from a SHIP_NOTIFY: an order never seen is read from ShipStation at once. */
const labelFor = (orderId: number, trackingNumber: string): ShipmentSnapshot => ({
  ...shipmentSnapshot(
    ACCOUNT,
    shipmentSchema.parse({
      ...harness.shipStation.createLabel(orderId, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber }),
      shipmentItems: harness.shipStation.getOrder(orderId).items,
    }),
  ),
  waitedForOrder: true,
});

function tracking(trackingNumber: string, statusCode: TrackingUpdate['statusCode'], occurredAt: Date, extra: Partial<TrackingUpdate> = {}): TrackingUpdate {
  return trackingUpdateSchema.parse({
    kind: 'tracking',
    accountId: 'default',
    trackingNumber,
    carrierCode: 'ups',
    statusCode,
    scans: [{ occurredAt: occurredAt.toISOString(), statusCode, city: 'Oakland', region: 'CA', country: 'US' }],
    receivedAt: new Date().toISOString(),
    ...extra,
  });
}

const hoursAgo = (hours: number): Date => new Date(Date.now() - hours * 3_600_000);

beforeAll(async () => {
  harness = await startHarness({ BACKFILL_AFTER_HOURS: '24', SHIPSTATION_V2_API_KEY: 'test-v2-key' });
  ({ handler } = await import('../../functions/publish-events.js'));
});

afterAll(async () => {
  await harness.close();
});

beforeEach(() => {
  harness.klaviyo.events.length = 0;
  harness.klaviyo.requests.length = 0;
});

afterEach(() => {
  for (const request of harness.klaviyo.requests) {
    expect(request.schemaErrors).toEqual([]);
    expect(validateKlaviyoBody('create-event', request.body)).toEqual([]);
  }
});

describe('publish-events with tracking updates', () => {
  it('joins an update that arrived before its label once the label is seen, through the real queue', async () => {
    // Prepare
    const order = newOrder();
    const number = `1ZEARLY${order.orderId}`;

    // Act: the tracking webhook beats the label; it is put back on the updates queue, delayed
    const early = await publish(tracking(number, 'IT', hoursAgo(0.1)));
    await publish(order, labelFor(order.orderId, number));
    let waiting: unknown[] = [];
    await eventually(
      async () => {
        waiting = (await drainQueue(harness.aws, harness.aws.queues.updates)).bodies;
        return waiting.length > 0;
      },
      'the waiting update is visible again',
      60_000,
    );
    const joined = await publish(...waiting);

    // Assess
    expect(early.batchItemFailures).toEqual([]);
    expect(waiting).toEqual([expect.objectContaining({ kind: 'tracking', trackingNumber: number, joinAttempts: 1 })]);
    expect(joined.batchItemFailures).toEqual([]);
    expect(harness.klaviyo.events.map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped', 'Shipment In Transit']);
    expect(harness.klaviyo.events[2]?.properties).toMatchObject({ OrderNumber: order.orderNumber, TrackingNumber: number, Carrier: 'UPS' });
  });

  it('sends Order Delivered for each of two labels, the second saying all shipments are delivered', async () => {
    // Prepare
    const order = newOrder();
    await publish(order, labelFor(order.orderId, `1ZFIRST${order.orderId}`), labelFor(order.orderId, `1ZSECOND${order.orderId}`));
    harness.klaviyo.events.length = 0;

    // Act
    await publish(tracking(`1ZFIRST${order.orderId}`, 'DE', hoursAgo(2), { actualDeliveryAt: hoursAgo(2).toISOString() }));
    await publish(tracking(`1zsecond${order.orderId}`, 'DE', hoursAgo(1), { actualDeliveryAt: hoursAgo(1).toISOString() }));
    await publish(tracking(`1ZSECOND${order.orderId}`, 'DE', hoursAgo(1), { actualDeliveryAt: hoursAgo(1).toISOString() }));

    // Assess
    expect(
      harness.klaviyo.events.map((e) => [e.metric, e.properties.AllShipmentsDelivered, e.properties.DeliveredShipmentCount, e.properties.ShipmentCount]),
    ).toEqual([
      ['Order Delivered', false, 1, 2],
      ['Order Delivered', true, 2, 2],
    ]);
    expect(harness.klaviyo.duplicatesDropped).toBe(0);
  });

  it('sends nothing for a scan older than what was applied, nor after delivery', async () => {
    // Prepare
    const order = newOrder();
    const number = `1ZSTALE${order.orderId}`;
    await publish(order, labelFor(order.orderId, number));
    await publish(tracking(number, 'DE', hoursAgo(1), { actualDeliveryAt: hoursAgo(1).toISOString() }));
    harness.klaviyo.events.length = 0;

    // Act
    const older = await publish(tracking(number, 'IT', hoursAgo(5), { statusDetailCode: 'OUT_FOR_DELIVERY' }));
    const later = await publish(tracking(number, 'EX', hoursAgo(0.5), { exceptionDescription: 'Returned to sender' }));

    // Assess
    expect(older.batchItemFailures).toEqual([]);
    expect(later.batchItemFailures).toEqual([]);
    expect(harness.klaviyo.events).toEqual([]);
  });

  it('keeps the shipment record, the tracking pointer, the due checks and the activity in DynamoDB', async () => {
    // Prepare
    const { dynamodb, tableName } = harness.aws;
    const shipments = new DynamoDbShipmentRecordStore(dynamodb, tableName);
    const due = new DynamoDbDueCheckStore(dynamodb, tableName);
    const activity = new DynamoDbTrackingActivity(dynamodb, tableName);
    const order = newOrder();
    const number = `1ZSTORE${order.orderId}`;
    const scannedAt = hoursAgo(3);

    // Act (records of one batch are handled concurrently: the order first, so it is not older than its label)
    await publish(order);
    await publish(labelFor(order.orderId, number));
    await publish(tracking(number, 'IT', scannedAt));
    const record = await shipments.findByTracking('default', ` ${number.toLowerCase()} `);
    const checks = await due.listDue('default', new Date(Date.now() + 30 * 86_400_000), 1_000);

    // Assess
    expect(record).toMatchObject({
      orderId: order.orderId,
      trackingNumber: number,
      voided: false,
      tracking: { category: 'in_transit', statusCode: 'IT' },
      version: 3,
    });
    // Written with the label, with the scan (In Transit pending), and once Klaviyo had it (the outbox emptied).
    expect(record?.tracking?.pending).toBeUndefined();
    expect(await shipments.listForOrder('default', order.orderId)).toHaveLength(1);
    const mine = checks.filter((c) => c.orderId === order.orderId);
    // The delay check stays until a sweep finds the order shipped and drops it.
    expect(mine.map((c) => c.kind).sort()).toEqual(['order-delayed', 'shipment-stalled']);
    expect(mine.find((c) => c.kind === 'shipment-stalled')?.dueAt).toBe(new Date(scannedAt.getTime() + 5 * 86_400_000).toISOString());
    expect(await activity.lastReceived('default')).toBeInstanceOf(Date);
    // Due order: earliest first, nothing past `until`.
    expect(await due.listDue('default', new Date(0), 10)).toEqual([]);
    const all = await due.listDue('default', new Date(Date.now() + 60 * 86_400_000), 1_000);
    expect(all.map((c) => c.dueAt)).toEqual([...all.map((c) => c.dueAt)].sort());
  });

  it('dead-letters an update whose label never came, with the reason, and sends nothing', async () => {
    // Prepare: received seven hours ago, past the six-hour wait
    const update = tracking('1ZNOSUCHLABEL', 'DE', hoursAgo(8), { receivedAt: hoursAgo(7).toISOString(), joinAttempts: 30 });

    // Act
    const result = await publish(update);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const record = (await deadLetters(harness.aws)).find((r) => r.sk === 'ss:default:tracking:1ZNOSUCHLABEL:unmatched');
    expect(record?.reason).toMatch(/no label or fulfilment with tracking number \*+ABEL was seen within 6 hours/);
    expect(harness.klaviyo.events).toEqual([]);
  });
});
