// Embedded AWS stand-ins for the local run and the integration tests: dynalite (DynamoDB), local-aws-sqs (SQS) and our
// SNS stand-in (the alerts topic), started in-process on loopback, with the same table and queues (DLQs and redrive
// included) as serverless.yml.
// Known gaps (reference/toolchain.md): no transactions and no TTL expiry in dynalite; in local-aws-sqs,
// ChangeMessageVisibility inflates ApproximateReceiveCount and long polls wait their full time, so we never use either.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
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

/** Starts dynalite, local-aws-sqs and the SNS stand-in and creates the service's table, queues and alerts topic. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const tableName = options.tableName ?? 'shipstation-klaviyo-sync-local';
  const ddbServer: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const ddbPort = await listen(ddbServer);
  const sqsServer: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1', region: REGION, emulateQueueCreationLifecycle: false });
  const sqsPort = (sqsServer.address() as AddressInfo).port;
  const sns = await startSnsStandIn({ region: REGION, ...(options.onAlert === undefined ? {} : { onPublish: options.onAlert }) });

  const dynamodbEndpoint = `http://127.0.0.1:${ddbPort}`;
  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const dynamodb = new DynamoDBClient({ region: REGION, endpoint: dynamodbEndpoint, credentials: CREDENTIALS });
  const sqs = new SQSClient({ region: REGION, endpoint: sqsEndpoint, credentials: CREDENTIALS });

  await dynamodb.send(new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  }));

  const createQueue = async (name: string, deadLetterUrl?: string): Promise<string> => {
    const attributes: Record<string, string> = { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 2) };
    if (deadLetterUrl !== undefined) {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: options.maxReceiveCount ?? 5 });
    }
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (QueueUrl === undefined) throw new Error(`could not create queue ${name}`);
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
