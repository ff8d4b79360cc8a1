// The replay's adapters on the local stand-ins: dead-letter records read page by page and deleted only while unchanged,
// the ledger's reopen (DEAD only), and a DLQ message moved back to its queue with its attributes, found through the
// queue's RedrivePolicy, read without long polls; and the peek `status` makes at a DLQ, which hides nothing.
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDbDeadLetterRecords } from '../../lib/adapters/dynamodb-dead-letter-records.js';
import { DynamoDbEventLedger } from '../../lib/adapters/dynamodb-event-ledger.js';
import { SqsDeadLetterQueues } from '../../lib/adapters/sqs-dead-letter-queues.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import type { DeadLetter } from '../../lib/ports.js';
import { ledgerStatus, queueDepth } from '../helpers/handler-env.js';

let aws: LocalAws;
let ledger: DynamoDbEventLedger;
let records: DynamoDbDeadLetterRecords;

const NOW = new Date('2026-11-25T12:00:00.000Z');

const record = (uniqueId: string, overrides: Partial<DeadLetter> = {}): DeadLetter => ({
  accountId: 'acme',
  uniqueId,
  metric: 'Order Shipped',
  orderId: 7,
  reason: 'Simulated HTTP 400.',
  status: 400,
  body: { data: { type: 'event', attributes: { unique_id: uniqueId } } },
  at: '2026-11-25T11:00:00.000Z',
  ...overrides,
});

/** Dead-letters an event for good: claimed, then DEAD with its record. */
async function deadLetterFinal(uniqueId: string): Promise<void> {
  const claim = await ledger.claim('acme', uniqueId, NOW);
  if (claim.status !== 'claimed') throw new Error('expected a claim');
  await ledger.deadLetter(record(uniqueId), claim.claimId);
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 30 });
  ledger = new DynamoDbEventLedger(aws.dynamodb, aws.tableName);
  records = new DynamoDbDeadLetterRecords(aws.dynamodb, aws.tableName);
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbEventLedger.reopen', () => {
  it('turns a DEAD entry into no entry, so the event can be claimed again', async () => {
    // Prepare
    await deadLetterFinal('u-dead');

    // Act
    const reopened = await ledger.reopen('acme', 'u-dead');

    // Assess
    expect(reopened).toBe(true);
    expect(await ledgerStatus(aws, 'u-dead', 'acme')).toBeUndefined();
    expect((await ledger.claim('acme', 'u-dead', NOW)).status).toBe('claimed');
  });

  it('leaves a SENT, a PENDING and a missing entry alone', async () => {
    // Prepare
    const sent = await ledger.claim('acme', 'u-sent', NOW);
    if (sent.status !== 'claimed') throw new Error('expected a claim');
    await ledger.markSent('acme', 'u-sent', sent.claimId, 'Order Shipped', NOW);
    await ledger.claim('acme', 'u-pending', NOW);

    // Act
    const results = [await ledger.reopen('acme', 'u-sent'), await ledger.reopen('acme', 'u-pending'), await ledger.reopen('acme', 'u-none')];

    // Assess
    expect(results).toEqual([false, false, false]);
    expect(await ledgerStatus(aws, 'u-sent', 'acme')).toBe('SENT');
    expect(await ledgerStatus(aws, 'u-pending', 'acme')).toBe('PENDING');
  });
});

describe('DynamoDbDeadLetterRecords', () => {
  it('reads the records back as written, page by page in unique_id order', async () => {
    // Prepare
    for (const id of ['r-3', 'r-1', 'r-2']) await ledger.deadLetter(record(id, { accountId: 'pages' }));

    // Act
    const first = await records.list('pages', 2);
    const second = await records.list('pages', 2, first.next);

    // Assess
    expect(first.records.map((r) => r.uniqueId)).toEqual(['r-1', 'r-2']);
    expect(first.records[0]).toEqual(record('r-1', { accountId: 'pages' }));
    expect(second.records.map((r) => r.uniqueId)).toEqual(['r-3']);
    expect(second.next).toBeUndefined();
  });

  it('deletes a record only while it is the one that was read', async () => {
    // Prepare
    await ledger.deadLetter(record('r-kept', { accountId: 'cond' }));
    await ledger.deadLetter(record('r-gone', { accountId: 'cond' }));
    await ledger.deadLetter(record('r-kept', { accountId: 'cond', reason: 'refused again', at: '2026-11-25T12:30:00.000Z' }));

    // Act
    const stale = await records.remove('cond', 'r-kept', '2026-11-25T11:00:00.000Z');
    const current = await records.remove('cond', 'r-gone', '2026-11-25T11:00:00.000Z');

    // Assess
    expect([stale, current]).toEqual([false, true]);
    expect((await records.find('cond', 'r-kept'))?.reason).toBe('refused again');
    expect(await records.find('cond', 'r-gone')).toBeUndefined();
  });
});

describe('SqsDeadLetterQueues', () => {
  const queues = (): SqsDeadLetterQueues =>
    new SqsDeadLetterQueues(aws.sqs, [
      { name: 'updates', url: aws.queues.updates },
      { name: 'history', url: aws.queues.history },
      { name: 'plain', url: aws.queues.updatesDlq },
    ]);

  it('moves a message back to its queue with body and attributes, and deletes it from the DLQ', async () => {
    // Prepare
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues.updatesDlq,
        MessageBody: '{"kind":"order"}',
        MessageAttributes: { accountId: { DataType: 'String', StringValue: 'acme' } },
      }),
    );
    const dlq = queues();

    // Act
    const waiting = await dlq.depth('updates');
    const [message] = await dlq.receive('updates', 10, 30);
    if (message === undefined) throw new Error('expected a message');
    await dlq.moveBack('updates', message);

    // Assess
    expect(waiting).toBe(1);
    expect(await queueDepth(aws, aws.queues.updatesDlq)).toBe(0);
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.queues.updates, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    expect(Messages?.map((m) => [m.Body, m.MessageAttributes?.accountId?.StringValue])).toEqual([['{"kind":"order"}', 'acme']]);
  });

  it('hides a sampled message for a second only', async () => {
    // Prepare
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.queues.updatesDlq, MessageBody: '{"sample":1}' }));
    const dlq = queues();

    // Act
    const sampled = await dlq.receive('updates', 3, 1);
    const atOnce = await dlq.receive('updates', 3, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const later = await dlq.receive('updates', 3, 30);

    // Assess
    expect(sampled.map((m) => m.body)).toEqual(['{"sample":1}']);
    expect(atOnce).toEqual([]);
    expect(later.map((m) => m.body)).toEqual(['{"sample":1}']);
  });

  it('says a queue without a redrive policy has no dead-letter queue', async () => {
    // Act
    const depth = await queues().depth('plain');
    const peeked = await queues().peek('plain');

    // Assess
    expect(depth).toBeUndefined();
    expect(peeked).toBeUndefined();
  });

  it('peeks at a DLQ for the send time of its oldest message and leaves every message visible', async () => {
    // Prepare: local-aws-sqs returns a message several times in one receive that leaves it visible
    const dlq = queues();
    const empty = await dlq.peek('history');
    const before = Date.now();
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.queues.historyDlq, MessageBody: '{"first":1}' }));
    const after = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.queues.historyDlq, MessageBody: '{"second":2}' }));

    // Act
    const peeked = await dlq.peek('history');

    // Assess
    expect(empty).toEqual({ seen: 0 });
    expect(peeked?.seen).toBe(2);
    const oldest = Date.parse(peeked?.oldestSentAt ?? '');
    expect(oldest).toBeGreaterThanOrEqual(before);
    expect(oldest).toBeLessThanOrEqual(after);
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: aws.queues.historyDlq,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' });
    expect((await dlq.receive('history', 10, 30)).map((m) => m.body).sort()).toEqual(['{"first":1}', '{"second":2}']);
  });
});
