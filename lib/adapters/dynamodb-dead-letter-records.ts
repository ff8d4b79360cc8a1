// DeadLetterRecords on DynamoDB: the account's `ACCOUNT#<id>#DEADLETTER` partition (sk = unique_id) that
// DynamoDbEventLedger.deadLetter writes, read page by page and deleted one record at a time, conditionally on `at`.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DeadLetter, DeadLetterRecords } from '../ports.js';
import { keyOf, keys } from './dynamodb-keys.js';

/** A stored record as the ledger wrote it; the body is kept as written, even when it is not JSON (then the replay reports it). */
function recordOf(item: Record<string, AttributeValue>): DeadLetter {
  const text = item.body?.S ?? '';
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as the string: eventFromCreateEventBody refuses it with a reason.
  }
  const status = item.httpStatus?.N;
  return {
    accountId: item.accountId?.S ?? '',
    uniqueId: item.uniqueId?.S ?? item.sk?.S ?? '',
    metric: item.metric?.S ?? '',
    orderId: Number(item.orderId?.N ?? '0'),
    reason: item.reason?.S ?? '',
    ...(status === undefined ? {} : { status: Number(status) }),
    body,
    at: item.at?.S ?? '',
  };
}

export class DynamoDbDeadLetterRecords implements DeadLetterRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async list(accountId: string, limit: number, after?: string): Promise<{ records: DeadLetter[]; next?: string }> {
    const pk = keys.deadLetter(accountId, '').pk;
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: keyOf(keys.deadLetter(accountId, after)) }),
      }),
    );
    const records = (Items ?? []).map(recordOf);
    const next = LastEvaluatedKey?.sk?.S;
    return next === undefined ? { records } : { records, next };
  }

  async find(accountId: string, uniqueId: string): Promise<DeadLetter | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.deadLetter(accountId, uniqueId)), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : recordOf(Item);
  }

  async remove(accountId: string, uniqueId: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.deadLetter(accountId, uniqueId)),
          ConditionExpression: '#at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': { S: at } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
