// What a holder of a leaked webhook token can make us fetch (issue 14 item 3): receive-webhook and fetch-resource, the
// real handlers, against local-aws-sqs, dynalite and the ShipStation simulator (the account's base URL, so a queued URL
// would really be fetched). Every resource_url that is not what ShipStation sends for its type is a 400 with the reason,
// is never queued and costs no ShipStation request; a genuine webhook of the same minute then takes the only request
// the key's budget has spent (the budget allows two a minute here, so any leaked fetch would have made it wait).
import { readFileSync } from 'node:fs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { keyOf, keys } from '../../lib/adapters/dynamodb-keys.js';
import { fingerprint } from '../../lib/config.js';
import type { Snapshot } from '../../lib/domain/snapshot.js';
import {
  context,
  drainQueue,
  queueDepth,
  runUntilIdle,
  SHIPSTATION_KEY,
  SHIPSTATION_SECRET,
  sqsEvent,
  startHarness,
  type Harness,
} from '../helpers/handler-env.js';

let harness: Harness;
let receiveHandler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let fetchHandler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const FIXTURE = JSON.parse(readFileSync(new URL('../../events/receive-webhook/order-notify.json', import.meta.url), 'utf8')) as APIGatewayProxyEventV2;

/** The ORDER_NOTIFY fixture (the harness's account and token) with another body. */
const webhook = (resourceUrl: string, resourceType: string): APIGatewayProxyEventV2 => ({
  ...structuredClone(FIXTURE),
  body: JSON.stringify({ resource_url: resourceUrl, resource_type: resourceType }),
});
const receive = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => receiveHandler(event, context('receive-webhook'));
const errorOf = (response: APIGatewayProxyStructuredResultV2): unknown => (JSON.parse(response.body ?? 'null') as { error?: unknown }).error;

/** The key pair's shared budget as DynamoDB holds it: requests counted in the current window. */
async function budgetUsed(): Promise<number | undefined> {
  const { Item } = await harness.aws.dynamodb.send(
    new GetItemCommand({
      TableName: harness.aws.tableName,
      Key: keyOf(keys.rateBudget(fingerprint(SHIPSTATION_KEY, SHIPSTATION_SECRET))),
      ConsistentRead: true,
    }),
  );
  return Item?.used?.N === undefined ? undefined : Number(Item.used.N);
}

beforeAll(async () => {
  harness = await startHarness({ SHIPSTATION_REQUESTS_PER_MINUTE: '2' });
  ({ handler: receiveHandler } = await import('../../functions/receive-webhook.js'));
  ({ handler: fetchHandler } = await import('../../functions/fetch-resource.js'));
});

afterAll(async () => {
  await harness.close();
});

describe("receive-webhook and fetch-resource with a token holder's resource_urls", () => {
  it('refuses every resource_url that is not what ShipStation sends, with the reason, at no ShipStation request, and fetches a genuine webhook of the same minute at once', async () => {
    // Prepare: a real import batch (its URL is what ShipStation would post), and what a token holder could post
    const [order] = harness.shipStation.importOrders([{}]);
    const genuine = harness.shipStation.importBatchUrl(order?.orderId ?? 0);
    const batch = new URL(genuine).searchParams.get('importBatch') ?? '';
    const base = harness.shipStation.baseUrl;
    const refused: [string, string, string][] = [
      ['ORDER_NOTIFY', `${base}/orders?pageSize=1`, 'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not pageSize'],
      ['ORDER_NOTIFY', `${base}/orders?pageSize=500`, 'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not pageSize'],
      ['ORDER_NOTIFY', `${base}/orders`, 'resource_url of ORDER_NOTIFY must name its batch: /orders?importBatch=…'],
      ['ORDER_NOTIFY', `${base}/orders?storeID=310001`, 'resource_url of ORDER_NOTIFY must name its batch: /orders?importBatch=…'],
      ['ORDER_NOTIFY', `${base}/orders?importBatch=`, 'resource_url of ORDER_NOTIFY has an invalid importBatch'],
      ['ORDER_NOTIFY', `${genuine}&pageSize=1`, 'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not pageSize'],
      ['ORDER_NOTIFY', `${genuine}&page=2`, 'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not page'],
      ['ORDER_NOTIFY', `${genuine}&importBatch=${batch}`, 'resource_url of ORDER_NOTIFY repeats importBatch'],
      ['ORDER_NOTIFY', `${genuine}&orderStatus=awaiting_shipment`, 'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not orderStatus'],
      [
        'ITEM_ORDER_NOTIFY',
        `${base}/orders?modifyDateStart=2020-01-01`,
        'resource_url of ITEM_ORDER_NOTIFY may carry only importBatch and storeID, not modifyDateStart',
      ],
      ['FULFILLMENT_REJECTED', `${base}/orders/${order?.orderId ?? 0}`, 'resource_url of FULFILLMENT_REJECTED must be /orders?importBatch=…, not another path'],
      ['ORDER_NOTIFY', `${base}/stores`, 'resource_url of ORDER_NOTIFY must be /orders?importBatch=…, not another path'],
      ['SHIP_NOTIFY', `${base}/shipments?includeShipmentItems=True`, 'resource_url of SHIP_NOTIFY must name its batch: /shipments?batchId=…'],
      [
        'SHIP_NOTIFY',
        `${base}/shipments?batchId=1&sortBy=ShipDate`,
        'resource_url of SHIP_NOTIFY may carry only batchId, storeID and includeShipmentItems, not sortBy',
      ],
      ['ITEM_SHIP_NOTIFY', `${base}/orders?importBatch=${batch}`, 'resource_url of ITEM_SHIP_NOTIFY must be /shipments?batchId=…, not another path'],
      ['FULFILLMENT_SHIPPED', `${base}/fulfillments`, 'resource_url of FULFILLMENT_SHIPPED must name its batch: /fulfillments?batchId=…'],
      ['FULFILLMENT_SHIPPED', `${base}/fulfillments?batchId=1&pageSize=500`, 'resource_url of FULFILLMENT_SHIPPED may carry only batchId, not pageSize'],
      ['FULFILLMENT_SHIPPED', `${base}/webhooks`, 'resource_url of FULFILLMENT_SHIPPED must be /fulfillments?batchId=…, not another path'],
    ];

    // Act
    const answers = [];
    for (const [type, url] of refused) answers.push(await receive(webhook(url, type)));
    const queuedByRefused = await queueDepth(harness.aws, harness.aws.queues.notifications);
    const requestsByRefused = harness.shipStation.requests.length;
    const accepted = await receive(webhook(genuine, 'ORDER_NOTIFY'));
    await runUntilIdle(harness.aws, [{ queueUrl: harness.aws.queues.notifications, functionName: 'fetch-resource', handler: fetchHandler, batchSize: 5 }]);

    // Assess: each refused one said why, was not queued and cost nothing
    expect(answers.map((a) => [a.statusCode, errorOf(a)])).toEqual(refused.map(([, , reason]) => [400, reason]));
    expect(queuedByRefused).toBe(0);
    expect(requestsByRefused).toBe(0);
    // ... so the genuine one was fetched on its first try with the budget's first request of the minute
    expect(accepted.statusCode).toBe(200);
    expect(harness.shipStation.requests.map((r) => [r.path, r.query.importBatch, r.query.pageSize, r.status])).toEqual([['/orders', batch, '500', 200]]);
    expect(await budgetUsed()).toBe(1);
    const { bodies, messages } = await drainQueue(harness.aws, harness.aws.queues.updates);
    for (const m of messages) await harness.aws.sqs.send(new DeleteMessageCommand({ QueueUrl: harness.aws.queues.updates, ReceiptHandle: m.ReceiptHandle }));
    expect((bodies as Snapshot[]).map((s) => s.orderId)).toEqual([order?.orderId]);
    expect(await queueDepth(harness.aws, harness.aws.queues.notificationsDlq)).toBe(0);
  });

  it('refuses in fetch-resource too a queued message whose resource_url is not what ShipStation sends (a replay), without a request', async () => {
    // Prepare: as if put on the queue by something other than receive-webhook
    const before = harness.shipStation.requests.length;
    const event = sqsEvent([
      {
        accountId: 'default',
        resourceUrl: `${harness.shipStation.baseUrl}/orders?pageSize=500`,
        resourceType: 'ORDER_NOTIFY',
        receivedAt: new Date().toISOString(),
      },
    ]);

    // Act
    const result = await fetchHandler(event, context('fetch-resource'));

    // Assess: failed (its DLQ keeps it for an operator), and ShipStation never asked
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(harness.shipStation.requests.length).toBe(before);
  });
});
