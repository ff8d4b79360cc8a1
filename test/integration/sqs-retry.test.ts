// A failed record comes back after its backoff, not after the queue's visibility timeout: processRecords with
// retryWithBackoff on the real local SQS stand-in, whose queue keeps a visibility timeout of 30 minutes as in AWS.
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { SqsMessageVisibility } from '../../lib/adapters/sqs-queues.js';
import { TransientError } from '../../lib/domain/errors.js';
import { processRecords, retryWithBackoff } from '../../lib/edge/sqs.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { lambdaContext, toSqsEvent } from '../../lib/local/lambda-runtime.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 1800, maxReceiveCount: 3 });
});

afterAll(async () => {
  await aws.close();
});

const schema = z.object({ n: z.number() });
const quick = { firstDelaySeconds: 1, maxDelaySeconds: 2, maxReceiveCount: 3 };

async function receive(queueUrl: string): Promise<Message[]> {
  const { Messages } = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, AttributeNames: ['All'] }),
  );
  return Messages ?? [];
}

/** Receives until a message arrives (a hang guard of 20 s, never a timing assertion). */
async function receiveSoon(queueUrl: string): Promise<Message[]> {
  for (let i = 0; i < 200; i += 1) {
    const messages = await receive(queueUrl);
    if (messages.length > 0) return messages;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

describe('retries on SQS', () => {
  it('brings a transiently failed record back after its backoff, counting one receive per receive, then succeeds', async () => {
    // Prepare
    const queueUrl = aws.queues.notifications;
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ n: 1 }) }));
    const retryLater = retryWithBackoff(new SqsMessageVisibility(aws.sqs, queueUrl), quick, () => 0);
    let calls = 0;
    const handle = async (): Promise<void> => {
      calls += 1;
      if (calls === 1) throw new TransientError('ShipStation answered 503 four times');
    };

    // Act
    const first = await receive(queueUrl);
    const failed = await processRecords(
      toSqsEvent(first, 'arn:aws:sqs:us-east-1:000000000000:notifications'),
      lambdaContext('fetch-resource'),
      schema,
      handle,
      retryLater,
    );
    const again = await receiveSoon(queueUrl);
    const succeeded = await processRecords(
      toSqsEvent(again, 'arn:aws:sqs:us-east-1:000000000000:notifications'),
      lambdaContext('fetch-resource'),
      schema,
      handle,
      retryLater,
    );

    // Assess: back within seconds although the queue's visibility timeout is 30 minutes
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(again).toHaveLength(1);
    expect(again[0]?.MessageId).toBe(first[0]?.MessageId);
    expect(again[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(succeeded.batchItemFailures).toHaveLength(0);
    expect(calls).toBe(2);
  });

  it('waits what the error says before the message comes back (Retry-After, a budget wait)', async () => {
    // Prepare
    const queueUrl = aws.queues.updates;
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ n: 2 }) }));
    const retryLater = retryWithBackoff(new SqsMessageVisibility(aws.sqs, queueUrl), quick, () => 0);
    const received = await receive(queueUrl);

    // Act
    await processRecords(
      toSqsEvent(received, 'arn:aws:sqs:us-east-1:000000000000:updates'),
      lambdaContext('publish-events'),
      schema,
      async () => {
        throw new TransientError('ShipStation rate budget spent', { retryAfterSeconds: 600 });
      },
      retryLater,
    );
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the 2 s backoff the policy alone would give
    const visibleNow = await receive(queueUrl);

    // Assess
    expect(visibleNow).toHaveLength(0);
    const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  it('moves a message that keeps failing to its DLQ after maxReceiveCount receives, retry delays not counted as receives', async () => {
    // Prepare
    const queueUrl = aws.queues.history;
    await aws.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: '1800' } }));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ n: 3 }) }));
    const retryLater = retryWithBackoff(new SqsMessageVisibility(aws.sqs, queueUrl), quick, () => 0);
    const counts: string[] = [];

    // Act: three receives, each failing
    for (let receiveNumber = 0; receiveNumber < 3; receiveNumber += 1) {
      const messages = await receiveSoon(queueUrl);
      counts.push(...messages.map((m) => m.Attributes?.ApproximateReceiveCount ?? '?'));
      await processRecords(
        toSqsEvent(messages, 'arn:aws:sqs:us-east-1:000000000000:history'),
        lambdaContext('publish-history'),
        schema,
        async () => {
          throw new TransientError('Klaviyo answered 503');
        },
        retryLater,
      );
    }
    const dead = await receiveSoon(aws.queues.historyDlq);

    // Assess
    expect(counts).toEqual(['1', '2', '3']);
    expect(dead.map((m) => m.Body)).toEqual([JSON.stringify({ n: 3 })]);
  });
});
