// EventLedger on DynamoDB: the outbox/dedupe record of each unique_id plus the account's dead-letter records.
// Single-item conditional writes only (dynalite has no transactions). A claim is a lease: a worker that dies while
// sending leaves a PENDING record that another worker may take over once the lease has run out.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ClaimResult, DeadLetter, EventLedger } from '../ports.js';
import { expiresAt, keyOf, keys } from './dynamodb-keys.js';

const LEASE_MS = 120_000;
const RETENTION_DAYS = 400;
const TAKEOVER = 'attribute_not_exists(pk) OR (#s = :pending AND #lease < :now)';

type Status = 'PENDING' | 'SENT' | 'SUPPRESSED' | 'DEAD';

export class DynamoDbEventLedger implements EventLedger {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async claim(accountId: string, uniqueId: string, now: Date): Promise<ClaimResult> {
    const won = await this.putIf(accountId, uniqueId, now, { status: { S: 'PENDING' }, leaseUntil: { N: String(now.getTime() + LEASE_MS) } });
    return won ? 'claimed' : this.current(accountId, uniqueId);
  }

  async markSent(accountId: string, uniqueId: string, now: Date): Promise<void> {
    await this.client.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: keyOf(keys.event(accountId, uniqueId)),
      UpdateExpression: 'SET #s = :sent, sentAt = :at REMOVE #lease',
      ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil' },
      ExpressionAttributeValues: { ':sent': { S: 'SENT' }, ':at': { S: now.toISOString() } },
    }));
  }

  async release(accountId: string, uniqueId: string): Promise<void> {
    try {
      await this.client.send(new DeleteItemCommand({
        TableName: this.tableName,
        Key: keyOf(keys.event(accountId, uniqueId)),
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pending': { S: 'PENDING' } },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async deadLetter(record: DeadLetter): Promise<void> {
    const at = new Date(record.at);
    // The record first: if we die between the two writes the lease runs out and the event is retried, not lost.
    await this.client.send(new PutItemCommand({
      TableName: this.tableName,
      Item: {
        ...keyOf(keys.deadLetter(record.accountId, record.uniqueId)),
        accountId: { S: record.accountId },
        uniqueId: { S: record.uniqueId },
        metric: { S: record.metric },
        orderId: { N: String(record.orderId) },
        reason: { S: record.reason.slice(0, 2000) },
        ...(record.status === undefined ? {} : { httpStatus: { N: String(record.status) } }),
        body: { S: JSON.stringify(record.body) },
        at: { S: record.at },
        expiresAt: expiresAt(at, RETENTION_DAYS),
      },
    }));
    await this.client.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: keyOf(keys.event(record.accountId, record.uniqueId)),
      UpdateExpression: 'SET #s = :dead, reason = :reason REMOVE #lease',
      ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil' },
      ExpressionAttributeValues: { ':dead': { S: 'DEAD' }, ':reason': { S: record.reason.slice(0, 2000) } },
    }));
  }

  async suppress(accountId: string, uniqueId: string, reason: string, now: Date): Promise<ClaimResult | 'suppressed-now'> {
    const won = await this.putIf(accountId, uniqueId, now, { status: { S: 'SUPPRESSED' }, reason: { S: reason } });
    return won ? 'suppressed-now' : this.current(accountId, uniqueId);
  }

  private async putIf(accountId: string, uniqueId: string, now: Date, fields: Record<string, { S: string } | { N: string }>): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: { ...keyOf(keys.event(accountId, uniqueId)), accountId: { S: accountId }, ...fields, expiresAt: expiresAt(now, RETENTION_DAYS) },
        ConditionExpression: TAKEOVER,
        ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil' },
        ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':now': { N: String(now.getTime()) } },
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async current(accountId: string, uniqueId: string): Promise<ClaimResult> {
    const { Item: item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.event(accountId, uniqueId)), ConsistentRead: true }));
    const status = item?.status?.S as Status | undefined;
    switch (status) {
      case 'SENT':
        return 'already-sent';
      case 'SUPPRESSED':
        return 'suppressed';
      case 'DEAD':
        return 'dead-lettered';
      default:
        // PENDING under someone else's live lease, or released between our two calls: either way, try again later.
        return 'in-flight';
    }
  }
}
