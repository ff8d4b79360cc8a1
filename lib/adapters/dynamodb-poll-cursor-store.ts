// PollCursorStore on DynamoDB: one item per account holding the cursor, the run in progress and the lease of the
// run that may move them. Single-item conditional writes only: the lease is taken when free or expired, and every save
// is conditional on still owning it.
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LeaseLostError } from '../domain/errors.js';
import { pollProgressSchema } from '../domain/poll-plan.js';
import type { PollCursor, PollCursorStore } from '../ports.js';
import { keyOf, keys } from './dynamodb-keys.js';

function toCursor(accountId: string, item: Record<string, AttributeValue> | undefined): PollCursor | undefined {
  if (item === undefined) return undefined;
  const runText = item.run?.S;
  const run = runText === undefined ? undefined : pollProgressSchema.safeParse(JSON.parse(runText));
  return {
    accountId,
    through: item.through?.S,
    run: run?.success === true ? run.data : undefined,
    lastCompletedAt: item.lastCompletedAt?.S,
  };
}

export class DynamoDbPollCursorStore implements PollCursorStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(accountId: string): Promise<PollCursor | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.pollCursor(accountId)), ConsistentRead: true }));
    return toCursor(accountId, Item);
  }

  async acquire(accountId: string, owner: string, until: Date, now: Date): Promise<PollCursor | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.pollCursor(accountId)),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, accountId = :account',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR leaseOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':until': { N: String(until.getTime()) },
            ':now': { N: String(now.getTime()) },
            ':account': { S: accountId },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toCursor(accountId, Attributes) ?? { accountId };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async save(cursor: PollCursor, owner: string): Promise<void> {
    const set: string[] = [];
    const remove: string[] = [];
    const values: Record<string, AttributeValue> = { ':owner': { S: owner } };
    const assign = (name: string, value: string | undefined): void => {
      if (value === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = { S: value };
      }
    };
    assign('through', cursor.through);
    assign('run', cursor.run === undefined ? undefined : JSON.stringify(cursor.run));
    assign('lastCompletedAt', cursor.lastCompletedAt);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.pollCursor(cursor.accountId)),
          UpdateExpression: [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].join(' ').trim(),
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(cursor.accountId);
      throw error;
    }
  }

  async release(accountId: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.pollCursor(accountId)),
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
    } catch (error) {
      // Someone else holds it now (ours ran out): nothing of ours to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
