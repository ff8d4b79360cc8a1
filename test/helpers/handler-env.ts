// Integration-test harness: real local DynamoDB/SQS stand-ins plus the HTTP simulators, and the environment the
// handlers read at cold start. Each test file starts its own, so files never share state.
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { consumeQueue, lambdaContext, toSqsEvent, type SqsHandler } from '../../lib/local/lambda-runtime.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';

export const TEST_TOKEN = 'test-webhook-token-0123456789';
export const SHIPSTATION_KEY = 'test-shipstation-key';
export const SHIPSTATION_SECRET = 'test-shipstation-secret';
export const KLAVIYO_KEY = 'test-klaviyo-private-key';

export interface Harness {
  aws: LocalAws;
  shipStation: ShipStationSimulator;
  klaviyo: KlaviyoSimulator;
  close(): Promise<void>;
}

/**
 * Starts dynalite, local-aws-sqs and both simulators, and points process.env at them.
 * @param env extra or overriding variables (e.g. SHIPSTATION_BASE_URL to test the default allow-list)
 */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const aws = await startLocalAws({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
  const shipStation = await ShipStationSimulator.start({ apiKey: SHIPSTATION_KEY, apiSecret: SHIPSTATION_SECRET });
  const klaviyo = await KlaviyoSimulator.start({ privateKeys: [KLAVIYO_KEY] });
  Object.assign(process.env, aws.env, {
    SHIPSTATION_API_KEY: SHIPSTATION_KEY,
    SHIPSTATION_API_SECRET: SHIPSTATION_SECRET,
    SHIPSTATION_KEY_EXPIRES_ON: '2027-05-01',
    SHIPSTATION_BASE_URL: shipStation.baseUrl,
    KLAVIYO_PRIVATE_KEY: KLAVIYO_KEY,
    KLAVIYO_BASE_URL: klaviyo.baseUrl,
    WEBHOOK_TOKEN: TEST_TOKEN,
    HTTP_TIMEOUT_MS: '2000',
    ...env,
  });
  return {
    aws,
    shipStation,
    klaviyo,
    close: async () => {
      await Promise.all([shipStation.close(), klaviyo.close()]);
      await aws.close();
    },
  };
}

/** An SQS event carrying the given bodies, as Lambda would deliver them. */
export function sqsEvent(bodies: unknown[], accountId = 'default'): SQSEvent {
  return toSqsEvent(
    bodies.map((body, i) => ({
      MessageId: `message-${i}-${Math.random().toString(36).slice(2)}`,
      ReceiptHandle: `receipt-${i}`,
      Body: typeof body === 'string' ? body : JSON.stringify(body),
      MessageAttributes: { accountId: { DataType: 'String', StringValue: accountId } },
    })),
    'arn:aws:sqs:us-east-1:000000000000:test',
  );
}

export const context = lambdaContext;

/** Drains a queue (receives until empty) and returns the parsed bodies. */
export async function drainQueue(aws: LocalAws, queueUrl: string): Promise<{ bodies: unknown[]; messages: Message[] }> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageAttributeNames: ['All'] }),
    );
    const fresh = (Messages ?? []).filter((m) => !messages.some((seen) => seen.MessageId === m.MessageId));
    if (fresh.length === 0) break;
    messages.push(...fresh);
  }
  return { bodies: messages.map((m) => JSON.parse(m.Body ?? 'null')), messages };
}

/** Visible, in-flight and delayed messages of a queue (a label waiting for its order is delayed). */
export async function queueDepth(aws: LocalAws, queueUrl: string): Promise<number> {
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** A queue and the function consuming it, as an event source mapping pairs them. */
export interface Consumer {
  queueUrl: string;
  functionName: string;
  handler: SqsHandler;
  batchSize: number;
  timeoutMs?: number;
}

/**
 * Runs the consumers, in the order given, until their queues have been empty three rounds in a row: what the
 * deployed event source mappings would do, without their waiting.
 */
export async function runUntilIdle(aws: LocalAws, consumers: Consumer[]): Promise<void> {
  const running = consumers.map((c) => consumeQueue({ sqs: aws.sqs, ...c }));
  for (let idle = 0; idle < 3;) {
    let handled = 0;
    for (const consumer of running) handled += await consumer.pollOnce();
    const depth = (await Promise.all(consumers.map((c) => queueDepth(aws, c.queueUrl)))).reduce((a, b) => a + b, 0);
    idle = handled === 0 && depth === 0 ? idle + 1 : 0;
    if (handled === 0 && depth > 0) await new Promise((resolve) => setTimeout(resolve, 300)); // in flight: wait for visibility
  }
}

/** The dead-letter records of an account, as stored. */
export async function deadLetters(aws: LocalAws, accountId = 'default'): Promise<Record<string, string>[]> {
  const { Items } = await aws.dynamodb.send(
    new QueryCommand({
      TableName: aws.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `ACCOUNT#${accountId}#DEADLETTER` } },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? ''])));
}

/** Whether a credential was marked invalid for the account and service. */
export async function credentialMarks(aws: LocalAws, accountId = 'default'): Promise<string[]> {
  const { Items } = await aws.dynamodb.send(
    new QueryCommand({
      TableName: aws.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `ACCOUNT#${accountId}#CREDENTIALS` } },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => `${item.service?.S}:${item.status?.S}`);
}

/** The ledger status of one unique_id. */
export async function ledgerStatus(aws: LocalAws, uniqueId: string, accountId = 'default'): Promise<string | undefined> {
  const { Item } = await aws.dynamodb.send(
    new GetItemCommand({
      TableName: aws.tableName,
      Key: { pk: { S: `ACCOUNT#${accountId}#EVENT#${uniqueId}` }, sk: { S: 'LEDGER' } },
      ConsistentRead: true,
    }),
  );
  return Item?.status?.S;
}

/** Waits until `check` is true, polling; fails with `what` after `timeoutMs`. Behaviour waits, not timing asserts. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
