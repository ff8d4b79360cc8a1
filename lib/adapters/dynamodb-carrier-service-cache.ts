// CarrierServiceCache on DynamoDB: one item per account and carrier, holding ShipStation's service list as JSON, so a
// list read by one container serves every other one for a week. Items expire (TTL) after a month unread.
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CarrierService, CarrierServiceCache } from '../ports.js';
import { expiresAt, keyOf, keys } from './dynamodb-keys.js';

const RETENTION_DAYS = 30;

export class DynamoDbCarrierServiceCache implements CarrierServiceCache {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(accountId: string, carrierCode: string): Promise<{ services: CarrierService[]; fetchedAt: string } | undefined> {
    const { Item: item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.carrierServices(accountId, carrierCode)) }));
    if (item?.services?.S === undefined || item.fetchedAt?.S === undefined) return undefined;
    return { services: JSON.parse(item.services.S) as CarrierService[], fetchedAt: item.fetchedAt.S };
  }

  async put(accountId: string, carrierCode: string, services: CarrierService[], fetchedAt: Date): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(keys.carrierServices(accountId, carrierCode)),
          accountId: { S: accountId },
          services: { S: JSON.stringify(services.map(({ code, name }) => ({ code, name }))) },
          fetchedAt: { S: fetchedAt.toISOString() },
          expiresAt: expiresAt(fetchedAt, RETENTION_DAYS),
        },
      }),
    );
  }
}
