// fetch-resource against dynalite + local-aws-sqs + the ShipStation simulator: the resource_url of a real simulator
// webhook is fetched (pages of 500, items, retries, timeouts) and every record lands on the updates queue as a UTC
// snapshot; a rejected key is marked once in DynamoDB, alerted once on SNS, and no further request is made with it. A
// resource over its type's cap is dead-lettered once and not retried, a 200 that is not a page is retried until
// ShipStation answers properly, and a record too large for a queue message is dead-lettered alone.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DateTime } from 'luxon';
import { fingerprint, loadConfig } from '../../lib/config.js';
import type { FulfillmentSnapshot, NotificationMessage, OrderSnapshot, ShipmentSnapshot, Snapshot } from '../../lib/domain/snapshot.js';
import { buildWiring } from '../../lib/wiring.js';
import {
  context,
  credentialMarks,
  deadLetters,
  drainQueue,
  queueDepth,
  runUntilIdle,
  SHIPSTATION_KEY,
  SHIPSTATION_SECRET,
  sqsEvent,
  startHarness,
  type Harness,
} from '../helpers/handler-env.js';

type WebhookType = 'ORDER_NOTIFY' | 'SHIP_NOTIFY' | 'FULFILLMENT_SHIPPED';

let harness: Harness;
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let webhookReceiver: Server;
const webhooks: { resource_url: string; resource_type: string }[] = [];

const fetchResources = (event: SQSEvent): Promise<SQSBatchResponse> => handler(event, context('fetch-resource'));
const message = (resourceUrl: string, resourceType: WebhookType, accountId = 'default'): NotificationMessage => ({
  accountId,
  resourceUrl,
  resourceType,
  receivedAt: new Date().toISOString(),
});

/** The resource_url of the latest webhook of that type the simulator delivered. */
async function lastWebhook(type: WebhookType): Promise<string> {
  await harness.shipStation.flushWebhooks();
  const found = webhooks.filter((w) => w.resource_type === type).at(-1);
  if (found === undefined) throw new Error(`no ${type} webhook was delivered`);
  return found.resource_url;
}

/** Receives and deletes everything on the updates queue, so each test sees only its own snapshots. */
async function takeUpdates(): Promise<Snapshot[]> {
  const { bodies, messages } = await drainQueue(harness.aws, harness.aws.queues.updates);
  for (const m of messages) await harness.aws.sqs.send(new DeleteMessageCommand({ QueueUrl: harness.aws.queues.updates, ReceiptHandle: m.ReceiptHandle }));
  return bodies as Snapshot[];
}

/** Subscribes a local receiver to a webhook event, as a merchant's ShipStation account would be. */
async function subscribe(targetUrl: string, event: WebhookType): Promise<void> {
  const response = await fetch(`${harness.shipStation.baseUrl}/webhooks/subscribe`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${SHIPSTATION_KEY}:${SHIPSTATION_SECRET}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ target_url: targetUrl, event, store_id: null, friendly_name: `test ${event}` }),
  });
  if (response.status !== 201) throw new Error(`subscribe ${event} answered ${response.status}`);
}

beforeAll(async () => {
  harness = await startHarness();
  ({ handler } = await import('../../functions/fetch-resource.js'));
  webhookReceiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      webhooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resource_url: string; resource_type: string });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => webhookReceiver.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${(webhookReceiver.address() as AddressInfo).port}/webhooks/shipstation/default`;
  for (const event of ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED'] as const) await subscribe(target, event);
});

afterAll(async () => {
  await harness.close();
  webhookReceiver.closeAllConnections();
  await new Promise((resolve) => webhookReceiver.close(resolve));
});

beforeEach(async () => {
  await takeUpdates();
  harness.shipStation.requests.length = 0;
});

describe('fetch-resource', () => {
  it('enqueues one snapshot per order of an import batch, with UTC times and E.164 phones', async () => {
    // Prepare
    const orders = harness.shipStation.importOrders([{}, {}, {}]);
    const event = structuredClone(JSON.parse(readFileSync(new URL('../../events/fetch-resource/order-notify.json', import.meta.url), 'utf8')) as SQSEvent);
    const record = event.Records[0];
    if (record === undefined) throw new Error('fixture has no record');
    record.body = JSON.stringify(message(await lastWebhook('ORDER_NOTIFY'), 'ORDER_NOTIFY'));

    // Act
    const result = await fetchResources(event);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const snapshots = (await takeUpdates()) as OrderSnapshot[];
    expect(snapshots.map((s) => s.orderId).sort()).toEqual(orders.map((o) => o.orderId).sort());
    for (const snapshot of snapshots) {
      expect(snapshot).toMatchObject({ kind: 'order', accountId: 'default', status: 'awaiting_shipment' });
      expect(snapshot.modifiedAt).toMatch(/(Z|\+00:00)$/);
      expect(snapshot.createdAt).toMatch(/(Z|\+00:00)$/);
    }
    const [order] = orders;
    const snapshot = snapshots.find((s) => s.orderId === order?.orderId);
    const pacific = DateTime.fromISO(order?.modifyDate.slice(0, 23) ?? '', { zone: 'America/Los_Angeles' });
    expect(pacific.isValid).toBe(true);
    expect(new Date(snapshot?.modifiedAt ?? '').getTime()).toBe(pacific.toMillis());
    expect(snapshot?.modifiedAt.slice(0, 19)).not.toBe(order?.modifyDate.slice(0, 19));
    expect(snapshot?.customer.phone).toBe(`+1${order?.shipTo.phone?.replace(/\D/g, '')}`);
    expect(snapshot?.customer.phone).toMatch(/^\+1\d{10}$/);
    expect(snapshot?.customer.email).toBe(order?.customerEmail);
    expect(harness.shipStation.requests.map((r) => [r.method, r.path, r.status])).toEqual([['GET', '/orders', 200]]);
  });

  it('follows every page of a 501-order import batch, 500 a page, and enqueues all 501 snapshots', async () => {
    // Prepare
    const orders = harness.shipStation.importOrders(Array.from({ length: 501 }, () => ({})));
    const event = sqsEvent([message(await lastWebhook('ORDER_NOTIFY'), 'ORDER_NOTIFY')]);

    // Act
    const result = await fetchResources(event);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const snapshots = await takeUpdates();
    expect(snapshots).toHaveLength(501);
    expect(new Set(snapshots.map((s) => s.orderId))).toEqual(new Set(orders.map((o) => o.orderId)));
    const gets = harness.shipStation.requests.filter((r) => r.method === 'GET' && r.path === '/orders');
    expect(gets.map((r) => [r.query.page ?? '1', r.query.pageSize])).toEqual([
      ['1', '500'],
      ['2', '500'],
    ]);
    expect(gets.every((r) => r.status === 200 && r.query.importBatch !== undefined)).toBe(true);
  });

  it('enqueues a shipment snapshot with its items for a SHIP_NOTIFY', async () => {
    // Prepare
    const order = harness.shipStation.importOrder();
    const label = harness.shipStation.createLabel(order.orderId, { carrierCode: 'ups' });
    const resourceUrl = await lastWebhook('SHIP_NOTIFY');
    expect(resourceUrl).toMatch(/includeShipmentItems=False/);

    // Act
    const result = await fetchResources(sqsEvent([message(resourceUrl, 'SHIP_NOTIFY')]));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const snapshots = (await takeUpdates()) as ShipmentSnapshot[];
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({
      kind: 'shipment',
      orderId: order.orderId,
      shipmentId: label.shipmentId,
      trackingNumber: label.trackingNumber,
      carrierCode: 'ups',
      voided: false,
    });
    expect(snapshots[0]?.items).toHaveLength(order.items.length);
    expect(snapshots[0]?.items.map((i) => i.sku)).toEqual(order.items.map((i) => i.sku));
    expect(harness.shipStation.requests.map((r) => [r.path, r.query.includeShipmentItems])).toEqual([['/shipments', 'true']]);
  });

  it('enqueues a fulfillment snapshot for FULFILLMENT_SHIPPED', async () => {
    // Prepare
    const order = harness.shipStation.importOrder();
    const fulfillment = harness.shipStation.fulfillmentProviderShipped(order.orderId, { trackingNumber: '1Z999AA10123456784' });

    // Act
    const result = await fetchResources(sqsEvent([message(await lastWebhook('FULFILLMENT_SHIPPED'), 'FULFILLMENT_SHIPPED')]));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const snapshots = (await takeUpdates()) as FulfillmentSnapshot[];
    expect(snapshots).toEqual([
      expect.objectContaining({
        kind: 'fulfillment',
        orderId: order.orderId,
        fulfillmentId: fulfillment.fulfillmentId,
        trackingNumber: '1Z999AA10123456784',
        provider: 'Amazon FBA',
        voided: false,
      }),
    ]);
  });

  it('retries two 500s and succeeds on the third attempt', async () => {
    // Prepare
    const [order] = harness.shipStation.importOrders([{}]);
    const resourceUrl = await lastWebhook('ORDER_NOTIFY');
    harness.shipStation.failNext(2, 500);

    // Act
    const result = await fetchResources(sqsEvent([message(resourceUrl, 'ORDER_NOTIFY')]));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(harness.shipStation.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect((await takeUpdates()).map((s) => s.orderId)).toEqual([order?.orderId]);
  });

  it('abandons a request that hangs past HTTP_TIMEOUT_MS and succeeds on the retry', async () => {
    // Prepare
    const [order] = harness.shipStation.importOrders([{}]);
    const resourceUrl = await lastWebhook('ORDER_NOTIFY');
    harness.shipStation.hangNext(1);

    // Act
    const result = await fetchResources(sqsEvent([message(resourceUrl, 'ORDER_NOTIFY')]));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(harness.shipStation.requests.map((r) => r.status)).toEqual([0, 200]);
    expect((await takeUpdates()).map((s) => s.orderId)).toEqual([order?.orderId]);
  });

  it('fails only the malformed records of a batch', async () => {
    // Prepare
    const [order] = harness.shipStation.importOrders([{}]);
    const event = sqsEvent(['not json', '{"accountId":"default","resourceType":"ORDER_NOTIFY"}', message(await lastWebhook('ORDER_NOTIFY'), 'ORDER_NOTIFY')]);

    // Act
    const result = await fetchResources(event);

    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0]?.messageId, event.Records[1]?.messageId]);
    expect((await takeUpdates()).map((s) => s.orderId)).toEqual([order?.orderId]);
    expect(harness.shipStation.requests).toHaveLength(1);
  });

  it('fails a record for an unknown account without calling ShipStation', async () => {
    // Prepare
    harness.shipStation.importOrders([{}]);
    const event = sqsEvent([message(await lastWebhook('ORDER_NOTIFY'), 'ORDER_NOTIFY', 'someone-else')], 'someone-else');

    // Act
    const result = await fetchResources(event);

    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0]?.messageId]);
    expect(harness.shipStation.requests).toEqual([]);
    expect(await takeUpdates()).toEqual([]);
  });

  describe('on the real queue (SQS retries what fails)', () => {
    /** Puts a notification on the notifications queue, as receive-webhook does. */
    const notify = async (body: NotificationMessage): Promise<void> => {
      await harness.aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: harness.aws.queues.notifications,
          MessageBody: JSON.stringify(body),
          MessageAttributes: { accountId: { DataType: 'String', StringValue: body.accountId } },
        }),
      );
    };
    const consume = (): Promise<void> =>
      runUntilIdle(harness.aws, [{ queueUrl: harness.aws.queues.notifications, functionName: 'fetch-resource', handler, batchSize: 5 }]);

    it('dead-letters an import batch over its cap of 2,500 orders once, with the reason, and does not retry it', async () => {
      // Prepare
      harness.shipStation.importOrders(Array.from({ length: 2_501 }, () => ({})));
      const resourceUrl = await lastWebhook('ORDER_NOTIFY');
      const batch = new URL(resourceUrl).searchParams.get('importBatch');
      const before = (await deadLetters(harness.aws)).length;

      // Act
      await notify(message(resourceUrl, 'ORDER_NOTIFY'));
      await consume();

      // Assess: one page read (it said 2,501), one record saying why, nothing queued, redelivered or in the DLQ
      expect(harness.shipStation.requests.map((r) => [r.path, r.query.pageSize, r.status])).toEqual([['/orders', '500', 200]]);
      const records = (await deadLetters(harness.aws)).filter((r) => r.uniqueId === `ss:default:resource:ORDER_NOTIFY:${batch}`);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        metric: '(resource over its cap)',
        orderId: '0',
        reason:
          'the ORDER_NOTIFY resource holds 2501 records, more than the 2500 such a batch is read up to; left to the poll (it is not retried: the poll reads these records)',
      });
      expect(JSON.parse(records[0]?.body ?? '{}')).toMatchObject({ resourceType: 'ORDER_NOTIFY', resourceUrl, records: 2_501, maxRecords: 2_500 });
      expect((await deadLetters(harness.aws)).length).toBe(before + 1);
      expect(await takeUpdates()).toEqual([]);
      expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
      expect(await queueDepth(harness.aws, harness.aws.queues.notificationsDlq)).toBe(0);
    });

    it('retries a 200 whose body is not a page (TransientError) and enqueues the order once ShipStation answers properly', async () => {
      // Prepare: the first answer is a 200 with the .NET error object instead of {orders: […]}
      const [order] = harness.shipStation.importOrders([{}]);
      const resourceUrl = await lastWebhook('ORDER_NOTIFY');
      harness.shipStation.failNext(1, 200);

      // Act
      await notify(message(resourceUrl, 'ORDER_NOTIFY'));
      await consume();

      // Assess: nothing read as an empty page; the redelivery read the order
      expect(harness.shipStation.requests.map((r) => [r.path, r.status])).toEqual([
        ['/orders', 200],
        ['/orders', 200],
      ]);
      expect((await takeUpdates()).map((s) => s.orderId)).toEqual([order?.orderId]);
      expect(await queueDepth(harness.aws, harness.aws.queues.notificationsDlq)).toBe(0);
    });

    it('dead-letters a record too large for a queue message alone and queues the rest of its batch', async () => {
      // Prepare: the middle order has 2,000 long lines (its snapshot is over 240 KB)
      const lines = Array.from({ length: 2_000 }, (_, i) => ({
        sku: `SKU-${i}`,
        name: `A very long product name, line ${i} `.repeat(3),
        quantity: 1,
        unitPrice: 1,
      }));
      const [small, huge, other] = harness.shipStation.importOrders([{}, { items: lines }, {}]);
      const resourceUrl = await lastWebhook('ORDER_NOTIFY');

      // Act
      await notify(message(resourceUrl, 'ORDER_NOTIFY'));
      await consume();

      // Assess
      expect((await takeUpdates()).map((s) => s.orderId).sort()).toEqual([small?.orderId, other?.orderId].sort());
      const oversized = (await deadLetters(harness.aws)).filter((r) => r.metric === '(oversized record)');
      expect(oversized.map((r) => [r.orderId, r.reason])).toEqual([
        [String(huge?.orderId), 'the order record is larger than an SQS message allows (240000 bytes)'],
      ]);
      expect(harness.shipStation.requests).toHaveLength(1);
      expect(await queueDepth(harness.aws, harness.aws.queues.notificationsDlq)).toBe(0);
    });
  });

  describe('when ShipStation rejects the key', () => {
    afterEach(async () => {
      // Give the harness key back and clear every mark, so the other tests run against a healthy account.
      harness.shipStation.rotateCredentials(SHIPSTATION_KEY, SHIPSTATION_SECRET);
      const { Items } = await harness.aws.dynamodb.send(
        new QueryCommand({
          TableName: harness.aws.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'ACCOUNT#default#CREDENTIALS' } },
          ConsistentRead: true,
        }),
      );
      for (const item of Items ?? []) {
        await harness.aws.dynamodb.send(
          new DeleteItemCommand({ TableName: harness.aws.tableName, Key: { pk: item.pk ?? { S: '' }, sk: item.sk ?? { S: '' } } }),
        );
      }
    });

    it('acknowledges the record, marks the key invalid, alerts once and makes no further request when notifications keep coming', async () => {
      // Prepare
      harness.shipStation.importOrders([{}]);
      const body = message(await lastWebhook('ORDER_NOTIFY'), 'ORDER_NOTIFY');
      harness.shipStation.expireKey();
      const alertsBefore = harness.aws.sns.published.length;

      // Act
      const first = await fetchResources(sqsEvent([body]));
      const requestsAfterFirst = harness.shipStation.requests.length;
      const redelivered = await fetchResources(sqsEvent([body]));
      const againAndAgain = await fetchResources(sqsEvent([body, body]));

      // Assess
      // Deferred, not failed: the catch-up poll from the (unmoved) cursor reads what they point at once a key works,
      // so SQS has nothing to retry and no dead-letter queue fills up while the key is expired.
      expect([first, redelivered, againAndAgain].map((r) => r.batchItemFailures)).toEqual([[], [], []]);
      expect(requestsAfterFirst).toBe(1);
      expect(harness.shipStation.requests.map((r) => r.status)).toEqual([401]);
      expect(await credentialMarks(harness.aws)).toEqual(['shipstation:INVALID']);
      const alerts = harness.aws.sns.published.slice(alertsBefore);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.subject).toBe('ShipStation refused the API key (account default)');
      expect(alerts[0]?.attributes).toEqual({ accountId: 'default' });
      expect(await takeUpdates()).toEqual([]);
    });

    it('fetches again with a rotated key pair, ends the pause once and queues the catch-up poll', async () => {
      // The handler read its key at cold start, so a rotation is verified with a second wiring built from the same
      // environment plus the new pair, sharing the table: what a re-read accounts document or a redeploy produces.
      // Prepare
      const [order] = harness.shipStation.importOrders([{}]);
      const body = message(await lastWebhook('ORDER_NOTIFY'), 'ORDER_NOTIFY');
      harness.shipStation.expireKey();
      await fetchResources(sqsEvent([body]));
      harness.shipStation.rotateCredentials('rotated-shipstation-key', 'rotated-shipstation-secret');
      const rotated = buildWiring(
        loadConfig({ ...process.env, SHIPSTATION_API_KEY: 'rotated-shipstation-key', SHIPSTATION_API_SECRET: 'rotated-shipstation-secret' }),
      );
      const alertsBefore = harness.aws.sns.published.length;

      // Act
      const stillPaused = await fetchResources(sqsEvent([body]));
      const requestsWhilePaused = harness.shipStation.requests.length;
      const fetched = await rotated.fetchResource(body);
      const fetchedAgain = await rotated.fetchResource(body);

      // Assess
      expect(stillPaused.batchItemFailures).toEqual([]);
      expect(requestsWhilePaused).toBe(1);
      expect([fetched.snapshots, fetchedAgain.snapshots]).toEqual([1, 1]);
      expect(harness.shipStation.requests.map((r) => [r.status, r.authorized])).toEqual([
        [401, false],
        [200, true],
        [200, true],
      ]);
      expect((await takeUpdates()).map((s) => s.orderId)).toEqual([order?.orderId, order?.orderId]);
      const { Items } = await harness.aws.dynamodb.send(
        new QueryCommand({
          TableName: harness.aws.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'ACCOUNT#default#CREDENTIALS' } },
          ConsistentRead: true,
        }),
      );
      expect((Items ?? []).map((item) => [item.sk?.S, item.status?.S, item.fingerprint?.S])).toEqual([
        ['shipstation', 'VALID', fingerprint('rotated-shipstation-key', 'rotated-shipstation-secret')],
      ]);
      expect(harness.aws.sns.published.slice(alertsBefore).map((a) => a.subject)).toEqual(['The ShipStation API key works again (account default)']);
      const { bodies } = await drainQueue(harness.aws, harness.aws.queues.polls);
      expect(bodies).toEqual([{ accountId: 'default', reason: 'resume' }]);
    });
  });
});
