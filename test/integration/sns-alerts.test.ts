// SnsAlerts through a real SNSClient (awsQuery over HTTP) against the SNS stand-in: what arrives on the topic, subjects
// SNS would refuse made valid, an unknown topic refused, and a server error retried by the SDK.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SnsAlerts } from '../../lib/adapters/sns-alerts.js';
import { startSnsStandIn, type PublishedMessage, type SnsStandIn } from '../../lib/local/sns-stand-in.js';

let sns: SnsStandIn;
let client: SNSClient;
let alerts: SnsAlerts;
/** HTTP attempts the client made, retries included. */
let attempts = 0;

/** What reached the topic since `from` (an earlier length of `sns.published`). */
const publishedSince = (from: number): PublishedMessage[] => sns.published.slice(from);

beforeAll(async () => {
  sns = await startSnsStandIn({ region: 'us-east-1' });
  client = new SNSClient({ region: 'us-east-1', endpoint: sns.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // The deserialize step runs inside the retry middleware, so once per HTTP attempt.
  client.middlewareStack.add(
    (next) => (args) => {
      attempts += 1;
      return next(args);
    },
    { step: 'deserialize', name: 'countAttempts' },
  );
  alerts = new SnsAlerts(client, sns.topicArn);
});

afterAll(async () => {
  client.destroy();
  await sns.close();
});

beforeEach(() => {
  attempts = 0;
});

describe('SnsAlerts', () => {
  it('publishes the alert to the topic with its subject, message and the account id as an attribute', async () => {
    // Prepare
    const from = sns.published.length;

    // Act
    await alerts.send({ accountId: 'acme', subject: 'Klaviyo key refused for account acme', message: 'Klaviyo answered 401.\nRotate the private key.' });

    // Assess
    expect(publishedSince(from)).toEqual([
      {
        topicArn: sns.topicArn,
        subject: 'Klaviyo key refused for account acme',
        message: 'Klaviyo answered 401.\nRotate the private key.',
        attributes: { accountId: 'acme' },
        at: expect.any(Date),
      },
    ]);
    expect(attempts).toBe(1);
  });

  it('turns a long, multi-line, non-ASCII subject into one SNS accepts and keeps the message whole', async () => {
    // Prepare
    const from = sns.published.length;
    const subject = `  Klaviyo key refused\r\nfor account café — rotate it ✅ ${'and more detail '.repeat(10)}`;

    // Act
    await alerts.send({ accountId: 'cafe', subject, message: subject });

    // Assess
    const [published] = publishedSince(from);
    expect(published?.subject).toMatch(/^Klaviyo key refused for account cafe - rotate it and more detail and more detail /);
    expect(published?.subject?.length).toBeLessThanOrEqual(100);
    expect(published?.subject).toMatch(/^[!-~][ -~]*\.\.\.$/);
    expect(published?.message).toBe(subject);
  });

  it('falls back to a subject naming the account when nothing printable is left', async () => {
    // Prepare
    const from = sns.published.length;

    // Act
    await alerts.send({ accountId: 'acme', subject: '✅\n\t🚨', message: 'check the dashboard' });

    // Assess
    expect(publishedSince(from).map((m) => m.subject)).toEqual(['Alert for account acme']);
  });

  it('throws when the topic does not exist, and nothing is published', async () => {
    // Prepare
    const from = sns.published.length;
    const unknownTopic = new SnsAlerts(client, 'arn:aws:sns:us-east-1:000000000000:no-such-topic');

    // Act
    const sent = unknownTopic.send({ accountId: 'acme', subject: 'Key expires soon', message: 'in 7 days' });

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
    expect(publishedSince(from)).toEqual([]);
    expect(attempts).toBe(1);
  });

  it('is retried by the SDK after a 500 once and arrives exactly once', async () => {
    // Prepare
    const from = sns.published.length;
    sns.failNext(1, 500);

    // Act
    await alerts.send({ accountId: 'acme', subject: 'Key expires soon', message: 'in 7 days' });

    // Assess
    expect(attempts).toBe(2);
    expect(publishedSince(from).map((m) => m.message)).toEqual(['in 7 days']);
  });

  it('throws once the SDK has spent its three attempts on server errors', async () => {
    // Prepare
    const from = sns.published.length;
    sns.failNext(3, 500);

    // Act
    const sent = alerts.send({ accountId: 'acme', subject: 'Key expires soon', message: 'in 7 days' });

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'InternalErrorException', $metadata: { httpStatusCode: 500, attempts: 3 } });
    expect(attempts).toBe(3);
    expect(publishedSince(from)).toEqual([]);
  });
});

describe('SNS stand-in', () => {
  it.each([
    ['a subject over 100 characters', { Subject: 'x'.repeat(101), Message: 'm' }, 'Invalid parameter: Subject'],
    ['a subject with a line break', { Subject: 'two\nlines', Message: 'm' }, 'Invalid parameter: Subject'],
    ['a non-ASCII subject', { Subject: 'café', Message: 'm' }, 'Invalid parameter: Subject'],
    ['an empty message', { Subject: 'ok', Message: '' }, 'Invalid parameter: Empty message'],
    ['a message over 256 KB', { Subject: 'ok', Message: 'x'.repeat(262_145) }, 'Invalid parameter: Message too long'],
  ])('refuses %s with InvalidParameter (400), as SNS does', async (_case, input, message) => {
    // Prepare
    const from = sns.published.length;

    // Act
    const sent = client.send(new PublishCommand({ TopicArn: sns.topicArn, ...input }));

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'InvalidParameterException', message, $metadata: { httpStatusCode: 400 } });
    expect(publishedSince(from)).toEqual([]);
  });

  it('accepts a subject of exactly 100 characters and answers with a MessageId', async () => {
    // Act
    const result = await client.send(new PublishCommand({ TopicArn: sns.topicArn, Subject: 'x'.repeat(100), Message: 'm' }));

    // Assess
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.published.at(-1)?.subject).toBe('x'.repeat(100));
  });
});
