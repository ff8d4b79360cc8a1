// OrderStateStore on DynamoDB: one item per order, optimistic version check, single-item conditional writes.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { OrderState } from '../domain/order-state.js';
import type { ShipmentRecord } from '../domain/shipment-tracking.js';
import type { Customer, LineItem } from '../domain/snapshot.js';
import { ORDER_STATUSES, type OrderStatus } from '../domain/shipstation.js';
import type { OrderStateStore } from '../ports.js';
import { expiresAt, keyOf, keys } from './dynamodb-keys.js';
import { recordFrom } from './dynamodb-shipment-record-store.js';

const RETENTION_DAYS = 400;

const optionalS = (value: string | undefined): AttributeValue | undefined => (value === undefined ? undefined : { S: value });
/** Buyer and items travel as JSON text: one attribute each, compact, read back as written. */
const optionalJson = (value: unknown): AttributeValue | undefined => (value === undefined ? undefined : { S: JSON.stringify(value) });
const parsedJson = <T>(value: AttributeValue | undefined): T | undefined => (value?.S === undefined ? undefined : (JSON.parse(value.S) as T));

/** The state an order's STATE item holds. */
function stateFrom(accountId: string, orderId: number, item: Record<string, AttributeValue>): OrderState {
  const status = item.status?.S;
  return {
    accountId,
    orderId,
    status: status !== undefined && (ORDER_STATUSES as readonly string[]).includes(status) ? (status as OrderStatus) : undefined,
    statusSince: item.statusSince?.S,
    modifiedAt: item.modifiedAt?.S,
    shippedAt: item.shippedAt?.S,
    orderNumber: item.orderNumber?.S,
    total: item.total?.N === undefined ? undefined : Number(item.total.N),
    storeId: item.storeId?.N === undefined ? undefined : Number(item.storeId.N),
    ...(item.buyer === undefined ? {} : { buyer: parsedJson<Customer>(item.buyer) }),
    ...(item.items === undefined ? {} : { items: parsedJson<LineItem[]>(item.items) }),
    ...(item.gift?.BOOL === undefined ? {} : { gift: item.gift.BOOL }),
    ...(item.buyerFromV2?.BOOL === true ? { buyerFromV2: true } : {}),
    ...(item.delayDueAt?.S === undefined ? {} : { delayDueAt: item.delayDueAt.S }),
    version: Number(item.version?.N ?? '0'),
  };
}

export class DynamoDbOrderStateStore implements OrderStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(accountId: string, orderId: number): Promise<OrderState | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.orderState(accountId, orderId)), ConsistentRead: true }),
    );
    return item === undefined ? undefined : stateFrom(accountId, orderId, item);
  }

  /** One Query of the order's partition: its state item and the shipment's (an order has a handful of items at most). */
  async getWithShipment(accountId: string, orderId: number, shipmentKey: string): Promise<{ state?: OrderState; record?: ShipmentRecord }> {
    const stateKey = keys.orderState(accountId, orderId);
    const shipmentSk = keys.shipment(accountId, orderId, shipmentKey).sk;
    const found: { state?: OrderState; record?: ShipmentRecord } = {};
    let start: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: stateKey.pk } },
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk?.S === stateKey.sk) found.state = stateFrom(accountId, orderId, item);
        else if (item.sk?.S === shipmentSk) {
          const record = recordFrom(item);
          if (record !== undefined) found.record = record;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return found;
  }

  async put(state: OrderState): Promise<boolean> {
    const item: Record<string, AttributeValue | undefined> = {
      ...keyOf(keys.orderState(state.accountId, state.orderId)),
      accountId: { S: state.accountId },
      orderId: { N: String(state.orderId) },
      status: optionalS(state.status),
      statusSince: optionalS(state.statusSince),
      modifiedAt: optionalS(state.modifiedAt),
      shippedAt: optionalS(state.shippedAt),
      orderNumber: optionalS(state.orderNumber),
      total: state.total === undefined ? undefined : { N: String(state.total) },
      storeId: state.storeId === undefined ? undefined : { N: String(state.storeId) },
      buyer: optionalJson(state.buyer),
      items: optionalJson(state.items),
      gift: state.gift === undefined ? undefined : { BOOL: state.gift },
      buyerFromV2: state.buyerFromV2 === true ? { BOOL: true } : undefined,
      delayDueAt: optionalS(state.delayDueAt),
      version: { N: String(state.version + 1) },
      expiresAt: expiresAt(this.now(), RETENTION_DAYS),
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as Record<string, AttributeValue>,
          ...(state.version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':v': { N: String(state.version) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
