// AlertLedger on DynamoDB: one item per alert that must go out once (a key-expiry threshold of one key, a refused key
// on one day). A claim is a conditional put with a lease; `confirm` makes it SENT for good. A sender that died between
// its claim and the publish leaves a PENDING claim the next run may take once the lease has run out (at least once
// rather than never), and a re-run or retry never repeats a SENT alert.
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AlertLedger } from '../ports.js';
import { expiresAt, keyOf, keys } from './dynamodb-keys.js';

/** Claims outlive any key (ShipStation keys last at most 12 months). */
const RETENTION_DAYS = 400;
/** Longer than any sender holds a claim (check-key-expiry's timeout is 15 minutes). */
const LEASE_MS = 20 * 60_000;

export class DynamoDbAlertLedger implements AlertLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(accountId: string, alertId: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.alert(accountId, alertId)),
            accountId: { S: accountId },
            status: { S: 'PENDING' },
            leaseUntil: { N: String(now.getTime() + LEASE_MS) },
            claimedAt: { S: now.toISOString() },
            expiresAt: expiresAt(now, RETENTION_DAYS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :pending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':now': { N: String(now.getTime()) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async confirm(accountId: string, alertId: string, now: Date): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(keys.alert(accountId, alertId)),
        UpdateExpression: 'SET #s = :sent, sentAt = :now REMOVE leaseUntil',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':sent': { S: 'SENT' }, ':now': { S: now.toISOString() } },
      }),
    );
  }

  async release(accountId: string, alertId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(keys.alert(accountId, alertId)) }));
  }
}
