// DueCheckStore on DynamoDB: one partition per account, sort key `<due ISO instant>#<kind>#<ids>`, so "what is due"
// is one key-range Query. Items expire (TTL) a while after they were due, in case no sweep ever removes them.
import { DeleteItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dueCheckKey, type DueCheck } from '../domain/shipment-tracking.js';
import { upgradeLegacySnapshot, type OrderSnapshot } from '../domain/snapshot.js';
import type { DueCheckStore } from '../ports.js';
import { keyOf, keys } from './dynamodb-keys.js';

const KEEP_AFTER_DUE_DAYS = 30;

export class DynamoDbDueCheckStore implements DueCheckStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async schedule(check: DueCheck): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(keys.dueCheck(check.accountId, dueCheckKey(check))),
          accountId: { S: check.accountId },
          data: { S: JSON.stringify(check) },
          expiresAt: { N: String(Math.floor(Date.parse(check.dueAt) / 1000) + KEEP_AFTER_DUE_DAYS * 86_400) },
        },
      }),
    );
  }

  async listDue(accountId: string, until: Date, limit: number): Promise<DueCheck[]> {
    // Keys start with an ISO instant, and every instant is written by toISOString, so string order is time order;
    // `~` sorts after every character a key continues with.
    const { Items: items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk <= :until',
        ExpressionAttributeValues: { ':pk': { S: keys.dueCheck(accountId, '').pk }, ':until': { S: `${until.toISOString()}~` } },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (items ?? []).flatMap((item) => (item.data?.S === undefined ? [] : [readCheck(item.data.S)]));
  }

  async remove(check: DueCheck): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(keys.dueCheck(check.accountId, dueCheckKey(check))) }));
  }
}

/** A stored check; one written by an earlier version keeps its order snapshot in the old shape (shipByAt), upgraded here. */
function readCheck(text: string): DueCheck {
  const check = JSON.parse(text) as DueCheck;
  return check.kind === 'order-delayed' ? { ...check, order: upgradeLegacySnapshot(check.order) as OrderSnapshot } : check;
}
