// TrackingActivity on DynamoDB: one item per account with the last time a tracking webhook arrived, rewritten only when
// the stored time is an hour old (a conditional write that fails costs one write unit and changes nothing).
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TrackingActivity } from '../ports.js';
import { keyOf, keys } from './dynamodb-keys.js';

const RESOLUTION_MS = 3_600_000;

export class DynamoDbTrackingActivity implements TrackingActivity {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async noteReceived(accountId: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...keyOf(keys.activity(accountId, 'tracking')), accountId: { S: accountId }, at: { N: String(at.getTime()) } },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :stale',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':stale': { N: String(at.getTime() - RESOLUTION_MS) } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async lastReceived(accountId: string): Promise<Date | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.activity(accountId, 'tracking')), ConsistentRead: true }),
    );
    return item?.at?.N === undefined ? undefined : new Date(Number(item.at.N));
  }
}
