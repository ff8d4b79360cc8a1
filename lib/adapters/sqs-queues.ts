// NotificationQueue and UpdateQueue on SQS. Batches respect SQS limits (10 entries, 256 KB per request and message);
// entries SQS reports as failed are retried, and anything still failing throws so the caller's message is retried.
import { SendMessageBatchCommand, SendMessageCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { BadInputError, TransientError } from '../domain/errors.js';
import type { NotificationMessage, Snapshot } from '../domain/snapshot.js';
import type { NotificationQueue, UpdateQueue } from '../ports.js';

export const SQS_MAX_BATCH_ENTRIES = 10;
export const SQS_MAX_BYTES = 262_144;
const ENTRY_OVERHEAD_BYTES = 200;
const MAX_SEND_ATTEMPTS = 3;

const accountAttribute = (accountId: string) => ({ accountId: { DataType: 'String', StringValue: accountId } });

export class SqsNotificationQueue implements NotificationQueue {
  constructor(private readonly client: SQSClient, private readonly queueUrl: string) {}

  async enqueue(message: NotificationMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), MessageAttributes: accountAttribute(message.accountId) }));
  }
}

/** Splits entries into SendMessageBatch requests of at most 10 entries and 256 KB. */
export function packBatches(bodies: { body: string; accountId: string }[]): { body: string; accountId: string }[][] {
  const batches: { body: string; accountId: string }[][] = [];
  let current: { body: string; accountId: string }[] = [];
  let bytes = 0;
  for (const entry of bodies) {
    const size = Buffer.byteLength(entry.body) + ENTRY_OVERHEAD_BYTES;
    if (size > SQS_MAX_BYTES) throw new BadInputError(`a snapshot of ${size} bytes exceeds the SQS message limit`);
    if (current.length === SQS_MAX_BATCH_ENTRIES || bytes + size > SQS_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export class SqsUpdateQueue implements UpdateQueue {
  constructor(private readonly client: SQSClient, private readonly queueUrl: string) {}

  async enqueueAll(snapshots: Snapshot[]): Promise<void> {
    const batches = packBatches(snapshots.map((s) => ({ body: JSON.stringify(s), accountId: s.accountId })));
    for (const batch of batches) {
      let pending: SendMessageBatchRequestEntry[] = batch.map((entry, index) => ({
        Id: String(index),
        MessageBody: entry.body,
        MessageAttributes: accountAttribute(entry.accountId),
      }));
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((entry) => failed.has(entry.Id));
        if (pending.length > 0 && attempt >= MAX_SEND_ATTEMPTS) {
          throw new TransientError(`SQS refused ${pending.length} update(s): ${(result.Failed ?? []).map((f) => f.Code).join(', ')}`);
        }
      }
    }
  }
}
