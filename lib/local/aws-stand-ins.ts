// Embedded AWS stand-ins for the local run and the integration tests: dynalite (DynamoDB), local-aws-sqs (SQS) and our
// SNS stand-in (the alerts topic), started in-process on loopback, with the same table and queues (DLQs and redrive
// included) as serverless.yml.
// Known gaps (reference/toolchain.md): no transactions and no TTL expiry in dynalite; in local-aws-sqs, long polls wait
// their full time (we never use them), and ChangeMessageVisibility counts as a receive, which we correct here
// (countChangeVisibilityAsNoReceive): the consumers set a failed record's retry delay with it, and AWS counts only receives.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import dynalite from 'dynalite';
import { createRequestHandler } from 'local-aws-sqs';
import { SENT_BY_HOUR_INDEX } from '../adapters/dynamodb-keys.js';
import { startSnsStandIn, type PublishedMessage, type SnsStandIn } from './sns-stand-in.js';

export interface LocalAwsOptions {
  tableName?: string;
  /** Receives before a message moves to its DLQ (serverless.yml uses 5). */
  maxReceiveCount?: number;
  /** Visibility timeout of the work queues, seconds; short locally so retries happen within a demo or a test. */
  visibilityTimeoutSeconds?: number;
  /** Called with each alert published to the SNS stand-in's topic. */
  onAlert?: (message: PublishedMessage) => void;
}

export interface LocalAws {
  region: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  queues: {
    notifications: string;
    notificationsDlq: string;
    updates: string;
    updatesDlq: string;
    history: string;
    historyDlq: string;
    polls: string;
    pollsDlq: string;
  };
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  /** The alerts topic: what was published to it, and failures to inject. */
  sns: SnsStandIn;
  /** Environment a handler needs to use these stand-ins (endpoints, fake credentials, table and queue names). */
  env: Record<string, string>;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/** The parts of a local-aws-sqs queue (2.0.x) the correction below reaches: both are instance members. */
interface PatchableQueue {
  newRecord(record: unknown, delaySeconds: number): { record: { MessageId: string; attributes: { ApproximateReceiveCount: string } } };
  changeVisibility(receiptHandle: string, seconds: unknown): boolean;
}

/**
 * local-aws-sqs increments a message's ApproximateReceiveCount on ChangeMessageVisibility too (its receive and its
 * visibility change share one routine), so a consumer that sets retry delays would reach the DLQ after half the receives
 * AWS allows. Each queue's messages are tracked as they are stored, and a visibility change takes its increment back.
 * test/integration/aws-stand-ins.test.ts holds this (and fails should a new version of the package change its shape).
 */
function countChangeVisibilityAsNoReceive(queue: PatchableQueue): void {
  const entries = new Map<string, { record: { attributes: { ApproximateReceiveCount: string } } }>();
  const newRecord = queue.newRecord.bind(queue);
  queue.newRecord = (record, delaySeconds) => {
    const entry = newRecord(record, delaySeconds);
    entries.set(entry.record.MessageId, entry);
    return entry;
  };
  const changeVisibility = queue.changeVisibility.bind(queue);
  queue.changeVisibility = (receiptHandle, seconds) => {
    const changed = changeVisibility(receiptHandle, seconds);
    // A receipt handle is base64 of a random id followed by {"date","MessageId","QueueName"}.
    const decoded = Buffer.from(receiptHandle, 'base64').toString('utf8');
    const messageId = (JSON.parse(decoded.slice(decoded.indexOf('{'))) as { MessageId?: string }).MessageId ?? '';
    const attributes = entries.get(messageId)?.record.attributes;
    if (changed && attributes !== undefined) attributes.ApproximateReceiveCount = String(Math.max(0, Number(attributes.ApproximateReceiveCount) - 1));
    return changed;
  };
}

/** Starts dynalite, local-aws-sqs and the SNS stand-in and creates the service's table, queues and alerts topic. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const tableName = options.tableName ?? 'shipstation-klaviyo-sync-local';
  const ddbServer: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const ddbPort = await listen(ddbServer);
  const { requestHandler, service: sqsService } = createRequestHandler({
    port: 0,
    hostname: '127.0.0.1',
    region: REGION,
    emulateQueueCreationLifecycle: false,
  });
  const sqsServer: Server = createServer((request, response) => void requestHandler(request, response));
  const sqsPort = await listen(sqsServer);
  sqsService.PORT = sqsPort; // queue URLs carry the port
  const sns = await startSnsStandIn({ region: REGION, ...(options.onAlert === undefined ? {} : { onPublish: options.onAlert }) });

  const dynamodbEndpoint = `http://127.0.0.1:${ddbPort}`;
  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const dynamodb = new DynamoDBClient({ region: REGION, endpoint: dynamodbEndpoint, credentials: CREDENTIALS });
  const sqs = new SQSClient({ region: REGION, endpoint: sqsEndpoint, credentials: CREDENTIALS });

  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'sentHour', AttributeType: 'S' },
        { AttributeName: 'sentAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      // As infra/table.yml: the sparse index of events marked sent, by account and UTC hour (`status`).
      GlobalSecondaryIndexes: [
        {
          IndexName: SENT_BY_HOUR_INDEX,
          KeySchema: [
            { AttributeName: 'sentHour', KeyType: 'HASH' },
            { AttributeName: 'sentAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['metric'] },
        },
      ],
    }),
  );

  const createQueue = async (name: string, deadLetterUrl?: string): Promise<string> => {
    const attributes: Record<string, string> = { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 2) };
    if (deadLetterUrl !== undefined) {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: options.maxReceiveCount ?? 5 });
    }
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (QueueUrl === undefined) throw new Error(`could not create queue ${name}`);
    const queue = sqsService.Queues.find((q) => q.QueueName === name);
    if (queue !== undefined) countChangeVisibilityAsNoReceive(queue as unknown as PatchableQueue);
    return QueueUrl;
  };
  const notificationsDlq = await createQueue('notifications-dlq');
  const updatesDlq = await createQueue('updates-dlq');
  const historyDlq = await createQueue('history-dlq');
  const pollsDlq = await createQueue('polls-dlq');
  const queues = {
    notifications: await createQueue('notifications', notificationsDlq),
    notificationsDlq,
    updates: await createQueue('updates', updatesDlq),
    updatesDlq,
    history: await createQueue('history', historyDlq),
    historyDlq,
    polls: await createQueue('polls', pollsDlq),
    pollsDlq,
  };

  return {
    region: REGION,
    dynamodbEndpoint,
    sqsEndpoint,
    tableName,
    queues,
    dynamodb,
    sqs,
    sns,
    env: {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      // The local run may be on Node 20; Lambda runs Node 22, where the SDK has nothing to warn about.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: tableName,
      NOTIFICATIONS_QUEUE_URL: queues.notifications,
      UPDATES_QUEUE_URL: queues.updates,
      HISTORY_QUEUE_URL: queues.history,
      POLLS_QUEUE_URL: queues.polls,
      ALERT_TOPIC_ARN: sns.topicArn,
    },
    close: async () => {
      dynamodb.destroy();
      sqs.destroy();
      await Promise.all([closeServer(ddbServer), closeServer(sqsServer), sns.close()]);
    },
  };
}
