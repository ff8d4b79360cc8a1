// HeldEventStore on DynamoDB: one item per held event under the account's HELD partition, keyed by unique_id, so
// holding the same event twice keeps one copy and the account's held events are read back with a Query, page by page.
// The partition of events (EventPartition) is shared with the bulk outbox, which keeps its own under OUTBOX.
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { HeldEventStore } from '../ports.js';
import { countPartition, keyOf, keys, type ItemKey } from './dynamodb-keys.js';

/** Writes run this many at a time (single-item writes only: dynalite-compatible, DESIGN §3.8). */
const WRITE_CONCURRENCY = 25;

/** Klaviyo events of one account kept one item per unique_id in a partition of their own, with when each was stored. */
export class EventPartition {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly keyFor: (accountId: string, uniqueId: string) => ItemKey,
  ) {}

  /**
   * Stores each event with its attributes; `keepFirst` leaves a copy already stored as it is; `compress` stores the
   * event gzipped (a write unit per KB: a history event of ~2 KB of JSON takes one instead of two, and so does its delete).
   */
  async put(events: KlaviyoEvent[], attributes: Record<string, AttributeValue>, options: { keepFirst?: boolean; compress?: boolean } = {}): Promise<void> {
    await this.inBatches(events, async (event) => {
      const json = JSON.stringify(event);
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              ...keyOf(this.keyFor(event.accountId, event.uniqueId)),
              accountId: { S: event.accountId },
              event: options.compress === true ? { B: gzipSync(json) } : { S: json },
              ...attributes,
            },
            ...(options.keepFirst === true ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
          }),
        );
      } catch (error) {
        if (!(options.keepFirst === true && error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  /** A page of the account's items in unique_id order; `next` is the last unique_id when more follow. */
  async page(accountId: string, limit: number, after?: string): Promise<{ items: Record<string, AttributeValue>[]; next?: string }> {
    const pk = this.keyFor(accountId, '').pk;
    const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        Limit: limit,
        ConsistentRead: true,
        ...(after === undefined ? {} : { ExclusiveStartKey: keyOf({ pk, sk: after }) }),
      }),
    );
    return last?.sk?.S === undefined ? { items } : { items, next: last.sk.S };
  }

  async remove(accountId: string, uniqueIds: string[]): Promise<void> {
    await this.inBatches(uniqueIds, (uniqueId) =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(this.keyFor(accountId, uniqueId)) })),
    );
  }

  async count(accountId: string): Promise<number> {
    return countPartition(this.client, this.tableName, this.keyFor(accountId, '').pk);
  }

  private async inBatches<T>(items: T[], write: (item: T) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < items.length; i += WRITE_CONCURRENCY) await Promise.all(items.slice(i, i + WRITE_CONCURRENCY).map(write));
  }
}

/** The event an item of an EventPartition holds (gzipped or not). */
export const eventOf = (item: Record<string, AttributeValue>): KlaviyoEvent =>
  JSON.parse(item.event?.B === undefined ? (item.event?.S ?? '{}') : gunzipSync(item.event.B).toString('utf8')) as KlaviyoEvent;

export class DynamoDbHeldEventStore implements HeldEventStore {
  private readonly partition: EventPartition;

  constructor(client: DynamoDBClient, tableName: string) {
    this.partition = new EventPartition(client, tableName, keys.heldEvent);
  }

  async hold(events: KlaviyoEvent[], reason: string, now: Date): Promise<void> {
    await this.partition.put(events, { reason: { S: reason.slice(0, 500) }, heldAt: { S: now.toISOString() } });
  }

  async list(accountId: string, limit: number, after?: string): Promise<{ events: KlaviyoEvent[]; next?: string }> {
    const { items, next } = await this.partition.page(accountId, limit, after);
    const events = items.map(eventOf);
    return next === undefined ? { events } : { events, next };
  }

  async remove(accountId: string, uniqueIds: string[]): Promise<void> {
    await this.partition.remove(accountId, uniqueIds);
  }

  async count(accountId: string): Promise<number> {
    return this.partition.count(accountId);
  }
}
