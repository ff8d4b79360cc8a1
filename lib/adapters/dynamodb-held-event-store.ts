// HeldEventStore on DynamoDB: one item per held event under the account's HELD partition, keyed by unique_id, so
// holding the same event twice keeps one copy and the account's held events are read back with a Query, page by page.
import { DeleteItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { HeldEventStore } from '../ports.js';
import { countPartition, keyOf, keys } from './dynamodb-keys.js';

/** Writes run this many at a time (single-item writes only: dynalite-compatible, DESIGN §3.8). */
const WRITE_CONCURRENCY = 25;

export class DynamoDbHeldEventStore implements HeldEventStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async hold(events: KlaviyoEvent[], reason: string, now: Date): Promise<void> {
    await this.inBatches(events, (event) =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.heldEvent(event.accountId, event.uniqueId)),
            accountId: { S: event.accountId },
            event: { S: JSON.stringify(event) },
            reason: { S: reason.slice(0, 500) },
            heldAt: { S: now.toISOString() },
          },
        }),
      ),
    );
  }

  async list(accountId: string, limit: number, after?: string): Promise<{ events: KlaviyoEvent[]; next?: string }> {
    const pk = keys.heldEvent(accountId, '').pk;
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
    const events = items.map((item) => JSON.parse(item.event?.S ?? '{}') as KlaviyoEvent);
    return last?.sk?.S === undefined ? { events } : { events, next: last.sk.S };
  }

  async remove(accountId: string, uniqueIds: string[]): Promise<void> {
    await this.inBatches(uniqueIds, (uniqueId) =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(keys.heldEvent(accountId, uniqueId)) })),
    );
  }

  async count(accountId: string): Promise<number> {
    return countPartition(this.client, this.tableName, keys.heldEvent(accountId, '').pk);
  }

  private async inBatches<T>(items: T[], write: (item: T) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < items.length; i += WRITE_CONCURRENCY) await Promise.all(items.slice(i, i + WRITE_CONCURRENCY).map(write));
  }
}
