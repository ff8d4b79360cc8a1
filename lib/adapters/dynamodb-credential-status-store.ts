// CredentialStatusStore on DynamoDB: one item per (account, service, key fingerprint) found invalid.
// A rotated key has a new fingerprint, so it starts clean without anyone clearing the old mark.
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CredentialService, CredentialStatusStore } from '../ports.js';
import { keyOf, keys } from './dynamodb-keys.js';

export class DynamoDbCredentialStatusStore implements CredentialStatusStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string, private readonly now: () => Date = () => new Date()) {}

  async markInvalid(accountId: string, service: CredentialService, fingerprint: string, reason: string): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(keys.credential(accountId, service, fingerprint)),
          accountId: { S: accountId },
          service: { S: service },
          status: { S: 'INVALID' },
          reason: { S: reason.slice(0, 500) },
          since: { S: this.now().toISOString() },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async isInvalid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean> {
    const { Item: item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.credential(accountId, service, fingerprint)), ConsistentRead: true }));
    return item?.status?.S === 'INVALID';
  }
}
