// The queues on SQS. Sending: batches respect SQS limits (10 entries, 256 KB per request and message); entries SQS
// reports as failed are retried, and anything still failing throws so the caller's message is retried. Receiving: a
// consumer's failed message gets its retry delay as its visibility.
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BadInputError, TransientError } from '../domain/errors.js';
import { groupBy } from '../domain/group-by.js';
import type { HistoryMessage, NotificationMessage, OutboxFlushMessage, Snapshot, UpdateMessage } from '../domain/snapshot.js';
import type { HistoryQueue, MessageVisibility, NotificationQueue, OutboxFlushQueue, PollJob, PollJobQueue, UpdateQueue } from '../ports.js';

export const SQS_MAX_BATCH_ENTRIES = 10;
export const SQS_MAX_BYTES = 262_144;
const ENTRY_OVERHEAD_BYTES = 200;
const MAX_SEND_ATTEMPTS = 3;

const accountAttribute = (accountId: string) => ({ accountId: { DataType: 'String', StringValue: accountId } });

/** A consumer's own queue: a failed message's next receive is brought forward (or pushed back) to the retry delay. */
export class SqsMessageVisibility implements MessageVisibility {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }
}

export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(message: NotificationMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), MessageAttributes: accountAttribute(message.accountId) }),
    );
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

/** Sends message bodies with SendMessageBatch, retrying entries SQS reports as failed. */
async function sendAll(client: SQSClient, queueUrl: string, entries: { body: string; accountId: string }[], delaySeconds?: number): Promise<void> {
  for (const batch of packBatches(entries)) {
    let pending: SendMessageBatchRequestEntry[] = batch.map((entry, index) => ({
      Id: String(index),
      MessageBody: entry.body,
      MessageAttributes: accountAttribute(entry.accountId),
      DelaySeconds: delaySeconds,
    }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const result = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length > 0 && attempt >= MAX_SEND_ATTEMPTS) {
        throw new TransientError(`SQS refused ${pending.length} message(s): ${(result.Failed ?? []).map((f) => f.Code).join(', ')}`);
      }
    }
  }
}

export class SqsUpdateQueue implements UpdateQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueueAll(messages: UpdateMessage[], delaySeconds?: number): Promise<void> {
    const delay = delaySeconds === undefined ? undefined : Math.min(900, Math.max(0, Math.round(delaySeconds)));
    await sendAll(
      this.client,
      this.queueUrl,
      messages.map((m) => ({ body: JSON.stringify(m), accountId: m.accountId })),
      delay,
    );
  }
}

/**
 * Target size of one history message: close to SQS's 256 KiB (the account attribute and the envelope fit in what is
 * left), so a consumer batch carries as many events as it can toward full Bulk Create requests; ten of them stay far
 * below Lambda's 6 MB event limit.
 */
export const HISTORY_MESSAGE_BYTES = 240_000;

/** Packs one account's snapshots into history messages of at most `maxBytes` each, in order. */
export function packHistory(accountId: string, snapshots: Snapshot[], maxBytes = HISTORY_MESSAGE_BYTES): string[] {
  const messages: string[] = [];
  const envelope = Buffer.byteLength(JSON.stringify({ accountId, snapshots: [] } satisfies HistoryMessage));
  let current: string[] = [];
  let bytes = envelope;
  for (const snapshot of snapshots) {
    const text = JSON.stringify(snapshot);
    const size = Buffer.byteLength(text) + 1;
    if (current.length > 0 && bytes + size > maxBytes) {
      messages.push(`{"accountId":${JSON.stringify(accountId)},"snapshots":[${current.join(',')}]}`);
      current = [];
      bytes = envelope;
    }
    current.push(text);
    bytes += size;
  }
  if (current.length > 0) messages.push(`{"accountId":${JSON.stringify(accountId)},"snapshots":[${current.join(',')}]}`);
  return messages;
}

/** HistoryQueue on SQS: many snapshots per message, so a consumer batch fills Klaviyo bulk requests. */
export class SqsHistoryQueue implements HistoryQueue, OutboxFlushQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueueAll(snapshots: Snapshot[], delaySeconds?: number): Promise<void> {
    const entries = [...groupBy(snapshots, (s) => s.accountId)].flatMap(([accountId, list]) =>
      packHistory(accountId, list).map((body) => ({ body, accountId })),
    );
    const delay = delaySeconds === undefined ? undefined : Math.min(900, Math.max(0, Math.round(delaySeconds)));
    await sendAll(this.client, this.queueUrl, entries, delay);
  }

  async flushOutboxLater(accountId: string, before: Date, delaySeconds: number): Promise<void> {
    const body = JSON.stringify({ accountId, flushOutbox: { before: before.toISOString() } } satisfies OutboxFlushMessage);
    await sendAll(this.client, this.queueUrl, [{ body, accountId }], Math.min(900, Math.max(0, Math.round(delaySeconds))));
  }
}

/** PollJobQueue on SQS: one message per account, so accounts are polled independently. */
export class SqsPollJobQueue implements PollJobQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(jobs: PollJob[], delaySeconds?: number): Promise<void> {
    const delay = delaySeconds === undefined ? undefined : Math.min(900, Math.max(0, Math.round(delaySeconds)));
    await sendAll(
      this.client,
      this.queueUrl,
      jobs.map((job) => ({ body: JSON.stringify(job), accountId: job.accountId })),
      delay,
    );
  }
}
