// EventLedger on DynamoDB: the dedupe record of each unique_id plus the account's dead-letter records.
// Single-item conditional writes only (dynalite has no transactions). A claim is a lease with an owner (claimId): a
// worker that dies while sending leaves a PENDING record another worker may take over once the lease has run out, and
// a late worker whose lease was taken over can no longer change the record. A SENT entry also carries `sentHour` and
// `metric`, which put it in the sparse `sent-by-hour` index that `sentSince` counts from.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  QueryCommand,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import type { RecordedEventStatus } from '../domain/reconcile.js';
import type { ClaimResult, DeadLetter, EventLedger, SuppressResult } from '../ports.js';
import { countPartition, expiresAt, keyOf, keys, SENT_BY_HOUR_INDEX, sentHourOf } from './dynamodb-keys.js';

const LEASE_MS = 120_000;
const HOUR_MS = 3_600_000;
/** sentSince reads at most this many hour partitions (two days), however far back it is asked to look. */
const MAX_HOURS = 48;
const RETENTION_DAYS = 400;

type Status = 'PENDING' | 'SENT' | 'SUPPRESSED' | 'DEAD';

const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

export class DynamoDbEventLedger implements EventLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(accountId: string, uniqueId: string, now: Date): Promise<ClaimResult> {
    const claimId = randomUUID();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.event(accountId, uniqueId)),
            accountId: { S: accountId },
            status: { S: 'PENDING' },
            claimId: { S: claimId },
            leaseUntil: { N: String(now.getTime() + LEASE_MS) },
            expiresAt: expiresAt(now, RETENTION_DAYS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :pending AND #lease < :now)',
          ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil' },
          ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':now': { N: String(now.getTime()) } },
        }),
      );
      return { status: 'claimed', claimId };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { status: await this.current(accountId, uniqueId) };
    }
  }

  async markSent(accountId: string, uniqueId: string, claimId: string, metric: string, now: Date): Promise<void> {
    // sentHour and metric put the entry in the sparse sent-by-hour index (one more write unit, under 1 KB).
    await this.updateOwned(
      accountId,
      uniqueId,
      claimId,
      'SET #s = :sent, sentAt = :at, sentHour = :hour, #metric = :metric REMOVE #lease, claimId',
      { ':sent': { S: 'SENT' }, ':at': { S: now.toISOString() }, ':hour': { S: sentHourOf(accountId, now) }, ':metric': { S: metric } },
      { '#metric': 'metric' },
    );
  }

  async sentSince(accountId: string, since: Date, now: Date): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const first = Math.max(Math.floor(since.getTime() / HOUR_MS), Math.floor(now.getTime() / HOUR_MS) - MAX_HOURS + 1);
    for (let hour = first; hour * HOUR_MS <= now.getTime(); hour += 1) {
      let start: QueryCommandOutput['LastEvaluatedKey'];
      do {
        const page: QueryCommandOutput = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: SENT_BY_HOUR_INDEX,
            KeyConditionExpression: 'sentHour = :hour AND sentAt >= :since',
            ExpressionAttributeNames: { '#metric': 'metric' },
            ExpressionAttributeValues: { ':hour': { S: sentHourOf(accountId, new Date(hour * HOUR_MS)) }, ':since': { S: since.toISOString() } },
            ProjectionExpression: '#metric',
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) {
          const metric = item.metric?.S ?? '(unknown)';
          counts[metric] = (counts[metric] ?? 0) + 1;
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    }
    return counts;
  }

  async release(accountId: string, uniqueId: string, claimId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.event(accountId, uniqueId)),
          ConditionExpression: '#s = :pending AND claimId = :mine',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':mine': { S: claimId } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async countDeadLetters(accountId: string): Promise<number> {
    return countPartition(this.client, this.tableName, keys.deadLetter(accountId, '').pk);
  }

  async reopen(accountId: string, uniqueId: string): Promise<boolean> {
    try {
      // Only DEAD: a SENT entry must keep deduplicating, a PENDING one belongs to its claimer.
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.event(accountId, uniqueId)),
          ConditionExpression: '#s = :dead',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':dead': { S: 'DEAD' } },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async deadLetter(record: DeadLetter, claimId?: string): Promise<void> {
    // The record first: if we die between the two writes the lease runs out and the event is retried, not lost.
    await this.client.send(
      new PutItemCommand({
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
          expiresAt: expiresAt(new Date(record.at), RETENTION_DAYS),
        },
      }),
    );
    if (claimId === undefined) return;
    await this.updateOwned(record.accountId, record.uniqueId, claimId, 'SET #s = :dead, reason = :reason REMOVE #lease, claimId', {
      ':dead': { S: 'DEAD' },
      ':reason': { S: record.reason.slice(0, 2000) },
    });
  }

  async status(accountId: string, uniqueId: string, now: Date): Promise<RecordedEventStatus> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.event(accountId, uniqueId)), ConsistentRead: true }),
    );
    switch (item?.status?.S as Status | undefined) {
      case 'SENT':
        return 'sent';
      case 'SUPPRESSED':
        return 'suppressed';
      case 'DEAD':
        return 'dead-lettered';
      case 'PENDING':
        return Number(item?.leaseUntil?.N ?? '0') < now.getTime() ? 'abandoned' : 'in-flight';
      default: {
        // No entry: a dead-letter record written without a final entry (no email, for one) still accounts for it.
        const { Item: record } = await this.client.send(
          new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.deadLetter(accountId, uniqueId)), ConsistentRead: true }),
        );
        return record === undefined ? 'none' : 'dead-lettered';
      }
    }
  }

  async suppress(accountId: string, uniqueId: string, reason: string, now: Date): Promise<SuppressResult> {
    try {
      // Only an event nobody has claimed: a PENDING one, even with an expired lease, may already be in Klaviyo. A DEAD one
      // never reached Klaviyo: suppressed too, so replaying its dead-letter record can never send it after the void.
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.event(accountId, uniqueId)),
            accountId: { S: accountId },
            status: { S: 'SUPPRESSED' },
            reason: { S: reason },
            expiresAt: expiresAt(now, RETENTION_DAYS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #s = :dead',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':dead': { S: 'DEAD' } },
        }),
      );
      return 'suppressed-now';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return this.current(accountId, uniqueId);
    }
  }

  /** An update that only the current claim owner may make; a worker whose lease was taken over changes nothing. */
  private async updateOwned(
    accountId: string,
    uniqueId: string,
    claimId: string,
    update: string,
    values: Record<string, { S: string }>,
    names: Record<string, string> = {},
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.event(accountId, uniqueId)),
          UpdateExpression: update,
          ConditionExpression: '#s = :pending AND claimId = :mine',
          ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil', ...names },
          ExpressionAttributeValues: { ...values, ':pending': { S: 'PENDING' }, ':mine': { S: claimId } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async current(accountId: string, uniqueId: string): Promise<'already-sent' | 'suppressed' | 'dead-lettered' | 'in-flight'> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.event(accountId, uniqueId)), ConsistentRead: true }),
    );
    switch (item?.status?.S as Status | undefined) {
      case 'SENT':
        return 'already-sent';
      case 'SUPPRESSED':
        return 'suppressed';
      case 'DEAD':
        return 'dead-lettered';
      default:
        // PENDING under a lease, or released between our two calls: either way, try again later.
        return 'in-flight';
    }
  }
}
