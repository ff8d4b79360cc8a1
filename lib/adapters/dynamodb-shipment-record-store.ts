// ShipmentRecordStore on DynamoDB: one item per label or fulfilment in its order's partition (versioned, single-item
// conditional writes), and a pointer item per tracking number and per label id. The record is JSON in one attribute:
// it is read whole.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { ShipmentRecord } from '../domain/shipment-tracking.js';
import { normaliseTrackingNumber } from '../domain/tracking.js';
import type { ShipmentRecordStore } from '../ports.js';
import { expiresAt, keyOf, keys, type ItemKey } from './dynamodb-keys.js';

/** Tracking ends within weeks; a year covers returns and late questions. */
const RETENTION_DAYS = 400;

/** The record a shipment item holds (the order state store reads it beside the state). */
export const recordFrom = (item: Record<string, AttributeValue>): ShipmentRecord | undefined =>
  item.data?.S === undefined ? undefined : { ...(JSON.parse(item.data.S) as ShipmentRecord), version: Number(item.version?.N ?? '0') };

export class DynamoDbShipmentRecordStore implements ShipmentRecordStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(accountId: string, orderId: number, shipmentKey: string): Promise<ShipmentRecord | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.shipment(accountId, orderId, shipmentKey)), ConsistentRead: true }),
    );
    return item === undefined ? undefined : recordFrom(item);
  }

  async listForOrder(accountId: string, orderId: number): Promise<ShipmentRecord[]> {
    const records: ShipmentRecord[] = [];
    let start: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': { S: keys.shipment(accountId, orderId, '').pk }, ':prefix': { S: keys.shipmentPrefix } },
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        const record = recordFrom(item);
        if (record !== undefined) records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return records;
  }

  async put(record: ShipmentRecord): Promise<boolean> {
    const { version, ...data } = record;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.shipment(record.accountId, record.orderId, record.shipmentKey)),
            accountId: { S: record.accountId },
            data: { S: JSON.stringify(data) },
            version: { N: String(version + 1) },
            expiresAt: expiresAt(this.now(), RETENTION_DAYS),
          },
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': { N: String(version) } } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async link(accountId: string, target: { orderId: number; shipmentKey: string; trackingNumber?: string | undefined }): Promise<void> {
    const pointer = (key: ItemKey): Promise<unknown> =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(key),
            accountId: { S: accountId },
            orderId: { N: String(target.orderId) },
            shipmentKey: { S: target.shipmentKey },
            expiresAt: expiresAt(this.now(), RETENTION_DAYS),
          },
        }),
      );
    const label = /^label:(\d+)$/.exec(target.shipmentKey)?.[1];
    await Promise.all([
      ...(target.trackingNumber === undefined ? [] : [pointer(keys.trackingNumber(accountId, normaliseTrackingNumber(target.trackingNumber)))]),
      ...(label === undefined ? [] : [pointer(keys.label(accountId, Number(label)))]),
    ]);
  }

  async findByTracking(accountId: string, trackingNumber: string): Promise<ShipmentRecord | undefined> {
    return this.follow(accountId, keys.trackingNumber(accountId, normaliseTrackingNumber(trackingNumber)));
  }

  async findByLabel(accountId: string, shipmentId: number): Promise<ShipmentRecord | undefined> {
    return this.follow(accountId, keys.label(accountId, shipmentId));
  }

  /** Reads a pointer item, then the record it names. */
  private async follow(accountId: string, key: ItemKey): Promise<ShipmentRecord | undefined> {
    const { Item: pointer } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }));
    const orderId = pointer?.orderId?.N;
    const shipmentKey = pointer?.shipmentKey?.S;
    if (orderId === undefined || shipmentKey === undefined) return undefined;
    return this.get(accountId, Number(orderId), shipmentKey);
  }
}
