// AlertLedger on DynamoDB: one item per alert that must go out once (a key-expiry threshold of one key), claimed with
// a conditional put, so a re-run or a retried invocation of the check never sends it twice.
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AlertLedger } from '../ports.js';
import { expiresAt, keyOf, keys } from './dynamodb-keys.js';

/** Claims outlive any key (ShipStation keys last at most 12 months). */
const RETENTION_DAYS = 400;

export class DynamoDbAlertLedger implements AlertLedger {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async claim(accountId: string, alertId: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: { ...keyOf(keys.alert(accountId, alertId)), accountId: { S: accountId }, claimedAt: { S: now.toISOString() }, expiresAt: expiresAt(now, RETENTION_DAYS) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(accountId: string, alertId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(keys.alert(accountId, alertId)) }));
  }
}
