// What receive-webhook tells CloudWatch, against local-aws-sqs: every refused request counted as WebhooksRefused under
// one reason of a fixed set (never an account id or free text), and a request it could not queue counted as
// WebhooksFailed, the 500 that Lambda's own Errors metric never sees (the error middleware answers it). Asserted on the
// EMF lines the handler writes at the end of each invocation.
import { readFileSync } from 'node:fs';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { context, drainQueue, queueDepth, startHarness, type Harness } from '../helpers/handler-env.js';
import { captureEmf, type EmfDocument } from '../helpers/emf.js';

let harness: Harness;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
/** While set, every SQS call of the handler's client fails before it is sent (the queue unreachable). */
let sqsDown = false;
let savedMetricsDisabled: string | undefined;

const emfDocuments = captureEmf();

const fixture = (name: string): APIGatewayProxyEventV2 =>
  structuredClone(JSON.parse(readFileSync(new URL(`../../events/receive-webhook/${name}.json`, import.meta.url), 'utf8')) as APIGatewayProxyEventV2);
const withToken = (token: string): Partial<APIGatewayProxyEventV2> => ({ queryStringParameters: { token }, rawQueryString: `token=${token}` });
const receive = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => handler(event, context('receive-webhook'));

/** WebhooksRefused and WebhooksFailed as written, one entry per EMF document: [metric, receiver, reason, count]. */
const receiverMetrics = (docs: EmfDocument[]): unknown[][] =>
  docs.flatMap((doc) => [
    ...(doc.WebhooksRefused === undefined ? [] : [['WebhooksRefused', doc.Receiver, doc.Reason, doc.WebhooksRefused]]),
    ...(doc.WebhooksFailed === undefined ? [] : [['WebhooksFailed', doc.Receiver, doc.Reason, doc.WebhooksFailed]]),
  ]);

beforeAll(async () => {
  harness = await startHarness({ SHIPSTATION_BASE_URL: 'https://ssapi.shipstation.com' });
  // The handler's Metrics is built at import: EMF on for this file (captureEmf reads stdout).
  savedMetricsDisabled = process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  ({ handler } = await import('../../functions/receive-webhook.js'));
  const { sqsClient } = await import('../../lib/adapters/aws-sqs-client.js');
  sqsClient().middlewareStack.add(
    (next) => async (args) => {
      if (sqsDown) throw Object.assign(new Error('connect ECONNREFUSED (the queue is unreachable)'), { name: 'NetworkingError' });
      return next(args);
    },
    { step: 'initialize', name: 'receiveWebhookMetricsSqsDown' },
  );
});

afterAll(async () => {
  if (savedMetricsDisabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = savedMetricsDisabled;
  await harness.close();
});

afterEach(async () => {
  sqsDown = false;
  const { messages } = await drainQueue(harness.aws, harness.aws.queues.notifications);
  for (const message of messages)
    await harness.aws.sqs.send(new DeleteMessageCommand({ QueueUrl: harness.aws.queues.notifications, ReceiptHandle: message.ReceiptHandle }));
});

describe('receive-webhook metrics', () => {
  it.each([
    ['a wrong token', 401, 'unauthorized', withToken('not-the-webhook-token-0000')],
    ['no token at all', 401, 'unauthorized', { queryStringParameters: undefined, rawQueryString: '' }],
    ['an account that is not configured', 401, 'unknown-account', { pathParameters: { accountId: 'someone-else' } }],
    ['a body that is not JSON', 400, 'bad-request', { body: 'resource_url=https://ssapi.shipstation.com/orders' }],
    [
      'a resource_url off ShipStation',
      400,
      'bad-request',
      { body: JSON.stringify({ resource_url: 'https://ssapi.shipstation.com.evil.example/orders', resource_type: 'ORDER_NOTIFY' }) },
    ],
    [
      'a body over 16 KB',
      413,
      'too-large',
      { body: JSON.stringify({ resource_url: 'https://ssapi.shipstation.com/orders', resource_type: 'ORDER_NOTIFY', pad: 'x'.repeat(16 * 1024) }) },
    ],
  ])('answers %s with %i and counts one refused webhook with the reason %s', async (_case, status, reason, overrides) => {
    // Prepare
    const event = { ...fixture('order-notify'), ...overrides } as APIGatewayProxyEventV2;

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(receiverMetrics(emfDocuments())).toEqual([['WebhooksRefused', 'receive-webhook', reason, 1]]);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it('counts nothing for a webhook it queues', async () => {
    // Act
    const response = await receive(fixture('order-notify'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(receiverMetrics(emfDocuments())).toEqual([]);
  });

  it("counts a webhook it cannot queue as failed (500, the internal-failure alarm's metric), and queues nothing", async () => {
    // Prepare
    sqsDown = true;

    // Act
    const response = await receive(fixture('ship-notify'));

    // Assess
    sqsDown = false;
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ error: 'internal error' });
    expect(receiverMetrics(emfDocuments())).toEqual([['WebhooksFailed', 'receive-webhook', undefined, 1]]);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });
});
