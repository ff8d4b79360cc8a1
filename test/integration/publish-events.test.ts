// publish-events against dynalite + local-aws-sqs + the Klaviyo simulator: dedupe, stale rule, voids, retries and
// dead-letter records. Snapshots are built from the ShipStation simulator's records through the real normaliser.
import { readFileSync } from 'node:fs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbHeldEventStore } from '../../lib/adapters/dynamodb-held-event-store.js';
import { fulfillmentSchema, orderSchema, shipmentSchema } from '../../lib/domain/shipstation.js';
import type { OrderSnapshot, ShipmentSnapshot, Snapshot } from '../../lib/domain/snapshot.js';
import { fulfillmentSnapshot, orderSnapshot, shipmentSnapshot } from '../../lib/normalise/snapshots.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { toSqsEvent } from '../../lib/local/lambda-runtime.js';
import { context, credentialMarks, deadLetters, KLAVIYO_KEY, ledgerStatus, sqsEvent, startHarness, type Harness } from '../helpers/handler-env.js';

let harness: Harness;
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const publish = (...snapshots: (Snapshot | string)[]): Promise<SQSBatchResponse> => handler(sqsEvent(snapshots), context('publish-events'));
const metrics = (): string[] => harness.klaviyo.events.map((e) => e.metric);

/** The account as the normaliser sees it. */
const ACCOUNT = { id: 'default', defaultCountry: 'US' };

const newOrder = (overrides: Partial<OrderSnapshot> = {}): OrderSnapshot => ({
  ...orderSnapshot(ACCOUNT, orderSchema.parse(harness.shipStation.importOrder())),
  ...overrides,
});
/** A label as fetch-resource enqueues it from a SHIP_NOTIFY: an order never seen is read from ShipStation at once. */
const labelFor = (orderId: number, overrides: Partial<ShipmentSnapshot> = {}): ShipmentSnapshot => ({
  ...shipmentSnapshot(
    ACCOUNT,
    shipmentSchema.parse({
      ...harness.shipStation.createLabel(orderId, { carrierCode: 'ups', serviceCode: 'ups_ground' }),
      shipmentItems: harness.shipStation.getOrder(orderId).items,
    }),
  ),
  waitedForOrder: true,
  ...overrides,
});

let pollHandler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  harness = await startHarness({ BACKFILL_AFTER_HOURS: '24' });
  ({ handler } = await import('../../functions/publish-events.js'));
  ({ handler: pollHandler } = await import('../../functions/poll-shipstation.js'));
});

afterAll(async () => {
  await harness.close();
});

afterEach(() => {
  // Every body we sent in this file must match Klaviyo's official schema.
  for (const request of harness.klaviyo.requests) {
    expect(request.schemaErrors).toEqual([]);
    expect(validateKlaviyoBody(request.path === '/api/events' ? 'create-event' : 'bulk-create-events', request.body)).toEqual([]);
  }
});

/** The release job the outage queued on the polls queue (delayed by OUTAGE_RETRY_SECONDS, 1 s in tests), as Lambda would hand it over. */
async function receiveReleaseJob(): Promise<SQSEvent> {
  for (let i = 0; i < 100; i += 1) {
    const { Messages = [] } = await harness.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: harness.aws.queues.polls, MaxNumberOfMessages: 10, AttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    if (Messages.length > 0) {
      await harness.aws.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: harness.aws.queues.polls,
          Entries: Messages.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
      return toSqsEvent(Messages, 'arn:aws:sqs:us-east-1:000000000000:polls');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no release job was queued');
}

describe('publish-events', () => {
  beforeEach(() => {
    harness.klaviyo.events.length = 0;
    harness.klaviyo.requests.length = 0;
  });

  it('sends Order Awaiting Shipment once when the same snapshot is delivered three times', async () => {
    // Prepare
    const order = newOrder();

    // Act
    const first = await publish(order);
    await publish(order);
    await publish(order);

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(metrics()).toEqual(['Order Awaiting Shipment']);
    expect(harness.klaviyo.requests).toHaveLength(1);
    const [event] = harness.klaviyo.events;
    expect(new Date(event?.time ?? '').getTime()).toBe(new Date(order.modifiedAt).getTime());
    expect(event?.uniqueId).toBe(`ss:default:order:${order.orderId}:awaiting_shipment:${order.modifiedAt.replace(/\.\d+/, '').replace(/[-:]/g, '')}`);
    expect(event?.value).toBe(order.total);
    expect(event?.properties.OrderNumber).toBe(order.orderNumber);
  });

  it('publishes the sample event of events/publish-events as Order Awaiting Shipment', async () => {
    // Prepare
    const event = structuredClone(JSON.parse(readFileSync(new URL('../../events/publish-events/order-snapshot.json', import.meta.url), 'utf8')) as SQSEvent);
    const snapshot = JSON.parse(event.Records[0]?.body ?? '{}') as OrderSnapshot;

    // Act
    const result = await handler(event, context('publish-events'));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(metrics()).toEqual(['Order Awaiting Shipment']);
    expect(harness.klaviyo.events[0]?.properties.OrderId).toBe(String(snapshot.orderId));
    expect(harness.klaviyo.events[0]?.profile.email).toBe(snapshot.customer.email);
  });

  it('sends a new status event on a status change but not on an edit that keeps the status', async () => {
    // Prepare
    const order = newOrder({ modifiedAt: '2026-11-24T10:00:00.000Z' });
    await publish(order);

    // Act
    await publish({ ...order, modifiedAt: '2026-11-24T11:00:00.000Z' });
    await publish({ ...order, status: 'on_hold', modifiedAt: '2026-11-24T12:00:00.000Z' });
    await publish({ ...order, status: 'on_hold', modifiedAt: '2026-11-24T12:30:00.000Z' });

    // Assess
    expect(metrics()).toEqual(['Order Awaiting Shipment', 'Order On Hold']);
    expect(harness.klaviyo.events[1]?.time).toBe('2026-11-24T12:00:00.000Z');
  });

  it('suppresses a snapshot older than the one already applied', async () => {
    // Prepare
    const order = newOrder({ status: 'cancelled', modifiedAt: '2026-11-24T15:00:00.000Z' });
    await publish(order);

    // Act
    await publish({ ...order, status: 'awaiting_shipment', modifiedAt: '2026-11-24T14:00:00.000Z' });

    // Assess
    expect(metrics()).toEqual(['Order Cancelled']);
  });

  it('does not announce awaiting shipment after a label when the order snapshot is older than the label', async () => {
    // Prepare
    const order = newOrder({ modifiedAt: '2026-11-24T09:00:00.000Z' });
    const label = labelFor(order.orderId, { createdAt: '2026-11-24T09:30:00.000Z' });

    // Act
    await publish(label);
    await publish(order);

    // Assess
    expect(metrics()).toEqual(['Order Shipped']);
  });

  it('sends Order Shipped with carrier, service, tracking URL, items and the order value', async () => {
    // Prepare
    const order = newOrder();
    await publish(order);
    const label = labelFor(order.orderId);

    // Act
    const result = await publish(label, label);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(metrics()).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    const shipped = harness.klaviyo.events[1];
    expect(shipped?.uniqueId).toBe(`ss:default:shipment:${label.shipmentId}:shipped`);
    expect(shipped?.properties).toMatchObject({
      OrderId: String(order.orderId),
      Carrier: 'UPS',
      CarrierCode: 'ups',
      Service: 'UPS® Ground',
      ServiceCode: 'ups_ground',
      TrackingNumber: label.trackingNumber,
      TrackingURL: `https://www.ups.com/track?tracknum=${label.trackingNumber}`,
      ShipDate: label.shipDate,
    });
    expect((shipped?.properties.Items as unknown[]).length).toBe(order.items.length);
    expect(shipped?.value).toBe(order.total);
  });

  it('sends nothing for a label voided before its Order Shipped went out, even if the unvoided snapshot arrives later', async () => {
    // Prepare
    const order = newOrder();
    const label = labelFor(order.orderId);
    const voided = { ...label, voided: true, voidedAt: new Date().toISOString() };

    // Act
    await publish(voided);
    await publish(label);

    // Assess
    expect(metrics()).toEqual([]);
    expect(await ledgerStatus(harness.aws, `ss:default:shipment:${label.shipmentId}:shipped`)).toBe('SUPPRESSED');
  });

  it('sends Shipment Voided when the label is voided after Order Shipped was sent', async () => {
    // Prepare
    const order = newOrder();
    const label = labelFor(order.orderId);
    await publish(label);

    // Act
    await publish({ ...label, voided: true, voidedAt: new Date().toISOString() });

    // Assess
    expect(metrics()).toEqual(['Order Shipped', 'Shipment Voided']);
  });

  it('sends Order Shipped for an order marked as shipped (a fulfilment, no label)', async () => {
    // Prepare
    const order = newOrder();
    const fulfillment = {
      ...fulfillmentSnapshot(
        ACCOUNT,
        fulfillmentSchema.parse(harness.shipStation.markAsShipped(order.orderId, { carrierCode: 'fedex', trackingNumber: '7700 1234 5678' })),
      ),
      waitedForOrder: true as const,
    };

    // Act
    await publish(fulfillment);

    // Assess
    expect(metrics()).toEqual(['Order Shipped']);
    expect(harness.klaviyo.events[0]?.properties).toMatchObject({
      FulfillmentType: 'fulfillment',
      TrackingURL: 'https://www.fedex.com/fedextrack/?trknbr=770012345678',
    });
  });

  it('retries a 429 after Retry-After and a 503, then sends once', async () => {
    // Prepare
    harness.klaviyo.failNext(1, { status: 429, retryAfterSeconds: 1 });
    harness.klaviyo.failNext(1, { status: 503 });
    const order = newOrder();

    // Act
    const result = await publish(order);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(harness.klaviyo.requests.map((r) => r.status)).toEqual([429, 503, 202]);
    expect(metrics()).toEqual(['Order Awaiting Shipment']);
  });

  it("holds the event when Klaviyo answers Cloudflare's HTML 403 (transient) past its retries, and the next one behind it; the outage's release job sends both in order, live", async () => {
    // Prepare
    harness.klaviyo.failNext(4, { status: 403, html: true });
    const order = newOrder();
    const other = newOrder();
    const held = new DynamoDbHeldEventStore(harness.aws.dynamodb, harness.aws.tableName);

    // Act
    const failed = await publish(order);
    const behind = await publish(other);
    const heldCount = await held.count('default');
    const requestsDuringOutage = harness.klaviyo.requests.length;
    const release = await receiveReleaseJob();
    const released = await pollHandler(release, context('poll-shipstation', 900_000));

    // Assess: no record failed (nothing for SQS to retry), nothing dead-lettered, and the release needed no one
    expect(failed.batchItemFailures).toEqual([]);
    expect(behind.batchItemFailures).toEqual([]);
    expect(heldCount).toBe(2);
    expect(requestsDuringOutage).toBe(4);
    expect(released.batchItemFailures).toEqual([]);
    expect(harness.klaviyo.events.map((e) => [e.metric, e.properties.OrderId, e.backfill])).toEqual([
      ['Order Awaiting Shipment', String(order.orderId), false],
      ['Order Awaiting Shipment', String(other.orderId), false],
    ]);
    expect(await held.count('default')).toBe(0);
    expect(await credentialMarks(harness.aws)).not.toContain('klaviyo:INVALID');
    expect((await deadLetters(harness.aws)).filter((r) => [String(order.orderId), String(other.orderId)].includes(r.orderId ?? ''))).toEqual([]);
  });

  it('writes a dead-letter record with the reason when Klaviyo rejects an event for good', async () => {
    // Prepare
    harness.klaviyo.failNext(1, { status: 400 });
    const order = newOrder();

    // Act
    const result = await publish(order);
    await publish(order);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(metrics()).toEqual([]);
    expect(harness.klaviyo.requests).toHaveLength(1);
    const records = (await deadLetters(harness.aws)).filter((r) => r.orderId === String(order.orderId));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ metric: 'Order Awaiting Shipment', httpStatus: '400' });
    expect(records[0]?.reason).not.toBe('');
    expect(validateKlaviyoBody('create-event', JSON.parse(records[0]?.body ?? '{}'))).toEqual([]);
  });

  it('dead-letters an event whose order has neither an email nor a valid phone, without calling Klaviyo', async () => {
    // Prepare
    const order = newOrder({ customer: { firstName: 'No', lastName: 'Contact' } });

    // Act
    await publish(order);

    // Assess
    expect(harness.klaviyo.requests).toHaveLength(0);
    const record = (await deadLetters(harness.aws)).find((r) => r.orderId === String(order.orderId));
    expect(record?.reason).toMatch(/no customer email/);
  });

  it('fails only the malformed record of a batch', async () => {
    // Prepare
    const order = newOrder();

    // Act
    const result = await publish('{"kind":"order","accountId":"default"}', order);

    // Assess
    expect(result.batchItemFailures).toHaveLength(1);
    expect(metrics()).toEqual(['Order Awaiting Shipment']);
  });

  it('holds the event Klaviyo refused with 401 and every later one, without calling Klaviyo again, dead-lettering or failing any', async () => {
    // Prepare
    harness.klaviyo.revokeKey(KLAVIYO_KEY);
    const first = newOrder();
    const second = newOrder();
    const alertsBefore = harness.aws.sns.published.length;
    const statusId = (order: OrderSnapshot): string =>
      `ss:default:order:${order.orderId}:awaiting_shipment:${order.modifiedAt.replace(/\.\d+/, '').replace(/[-:]/g, '')}`;

    // Act
    const refused = await publish(first);
    const later = await publish(second);

    // Assess
    expect(refused.batchItemFailures).toEqual([]);
    expect(later.batchItemFailures).toEqual([]);
    expect(harness.klaviyo.requests).toHaveLength(1);
    expect(await credentialMarks(harness.aws)).toContain('klaviyo:INVALID');
    expect(harness.aws.sns.published.slice(alertsBefore).map((m) => m.subject)).toEqual(['Klaviyo refused the private key (account default)']);
    expect((await deadLetters(harness.aws)).filter((r) => [String(first.orderId), String(second.orderId)].includes(r.orderId ?? ''))).toEqual([]);
    const held = await new DynamoDbHeldEventStore(harness.aws.dynamodb, harness.aws.tableName).list('default', 10);
    expect(held.events.map((e) => e.uniqueId).sort()).toEqual([statusId(first), statusId(second)].sort());
    // Unclaimed, so the held copy (or a redelivery) can send each once a working key is back.
    expect(await ledgerStatus(harness.aws, statusId(first))).toBeUndefined();
    expect(await ledgerStatus(harness.aws, statusId(second))).toBeUndefined();
  });
});
