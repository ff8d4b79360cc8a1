// SqsQueueDepths against local-aws-sqs (startLocalAws): the approximate counts of each queue and the visible messages
// of the dead-letter queue its RedrivePolicy names, found by the name and owner account in the DLQ's ARN.
// local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages as well (real SQS counts visible ones only),
// so `visible` is asserted only where nothing is in flight.
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { parseQueueArn, SqsQueueDepths } from '../../lib/adapters/sqs-queue-depths.js';
import { type LocalAws, startLocalAws } from '../../lib/local/aws-stand-ins.js';

let aws: LocalAws;

const send = async (queueUrl: string, count: number, delaySeconds?: number): Promise<void> => {
  for (let i = 0; i < count; i += 1) {
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ i }), DelaySeconds: delaySeconds }));
  }
};

beforeEach(async () => {
  aws = await startLocalAws();
});

afterEach(async () => {
  await aws.close();
});

describe('SqsQueueDepths', () => {
  it('reports the visible and delayed messages of each queue and the messages in its dead-letter queue', async () => {
    // Prepare
    await send(aws.queues.notifications, 3);
    await send(aws.queues.notifications, 2, 600);
    await send(aws.queues.notificationsDlq, 4);
    await send(aws.queues.updatesDlq, 1);
    const depths = new SqsQueueDepths(aws.sqs, [
      { name: 'notifications', url: aws.queues.notifications },
      { name: 'updates', url: aws.queues.updates },
      { name: 'history', url: aws.queues.history },
    ]);

    // Act
    const reported = await depths.depths();

    // Assess
    expect(reported).toEqual([
      { queue: 'notifications', visible: 3, inFlight: 0, delayed: 2, deadLetters: 4 },
      { queue: 'updates', visible: 0, inFlight: 0, delayed: 0, deadLetters: 1 },
      { queue: 'history', visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 },
    ]);
  });

  it('reports messages received and not yet deleted as in flight', async () => {
    // Prepare
    await send(aws.queues.polls, 3);
    const received = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: aws.queues.polls, MaxNumberOfMessages: 2, VisibilityTimeout: 300 }));
    const depths = new SqsQueueDepths(aws.sqs, [{ name: 'polls', url: aws.queues.polls }]);

    // Act
    const [polls] = await depths.depths();

    // Assess
    expect(received.Messages).toHaveLength(2);
    expect(polls).toMatchObject({ queue: 'polls', inFlight: 2, delayed: 0, deadLetters: 0 });
  });

  it('reports no dead letters for a queue without a redrive policy', async () => {
    // Prepare
    await send(aws.queues.pollsDlq, 2);
    const depths = new SqsQueueDepths(aws.sqs, [{ name: 'polls-dlq', url: aws.queues.pollsDlq }]);

    // Act
    const reported = await depths.depths();

    // Assess
    expect(reported).toEqual([{ queue: 'polls-dlq', visible: 2, inFlight: 0, delayed: 0 }]);
  });
});

describe('parseQueueArn', () => {
  it('takes the owner account and queue name from an SQS ARN in any partition', () => {
    // Act
    const parsed = [
      parseQueueArn('arn:aws:sqs:us-east-1:123456789012:updates-dlq'),
      parseQueueArn('arn:aws-us-gov:sqs:us-gov-west-1:210987654321:polls-dlq.fifo'),
    ];

    // Assess
    expect(parsed).toEqual([
      { accountId: '123456789012', queueName: 'updates-dlq' },
      { accountId: '210987654321', queueName: 'polls-dlq.fifo' },
    ]);
  });

  it.each([['arn:aws:sns:us-east-1:123456789012:alerts'], ['arn:aws:sqs:us-east-1::updates-dlq'], ['updates-dlq']])('refuses %s', (arn) => {
    // Act
    const parsed = parseQueueArn(arn);

    // Assess
    expect(parsed).toBeUndefined();
  });
});
