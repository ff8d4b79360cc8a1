// BulkOutbox on DynamoDB: one item per waiting history event under the account's OUTBOX partition, keyed by unique_id,
// with the instant it was first put (a second put of the same event keeps it, so a redelivery never extends a wait),
// the event gzipped (half the write units of its put and of its delete).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { BulkOutbox, WaitingEvent } from '../ports.js';
import { EventPartition, eventOf } from './dynamodb-held-event-store.js';
import { keys } from './dynamodb-keys.js';

export class DynamoDbBulkOutbox implements BulkOutbox {
  private readonly partition: EventPartition;

  constructor(client: DynamoDBClient, tableName: string) {
    this.partition = new EventPartition(client, tableName, keys.outboxEvent);
  }

  async put(events: KlaviyoEvent[], now: Date): Promise<void> {
    await this.partition.put(events, { since: { S: now.toISOString() } }, { keepFirst: true, compress: true });
  }

  async list(accountId: string, limit: number, after?: string): Promise<{ entries: WaitingEvent[]; next?: string }> {
    const { items, next } = await this.partition.page(accountId, limit, after);
    const entries = items.map((item) => ({ event: eventOf(item), since: item.since?.S ?? '' }));
    return next === undefined ? { entries } : { entries, next };
  }

  async remove(accountId: string, uniqueIds: string[]): Promise<void> {
    await this.partition.remove(accountId, uniqueIds);
  }

  async count(accountId: string): Promise<number> {
    return this.partition.count(accountId);
  }
}
