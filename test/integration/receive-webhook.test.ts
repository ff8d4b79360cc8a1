// receive-webhook against local-aws-sqs with the production allow-list (SHIPSTATION_BASE_URL = the real API host):
// authentication before parsing, the resource_url guard, body limits, and what lands on the notifications queue.
// The handler never fetches, so the real host is never contacted and the ShipStation simulator sees no request.
import { readFileSync } from 'node:fs';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { context, drainQueue, queueDepth, startHarness, type Harness } from '../helpers/handler-env.js';

let harness: Harness;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const fixture = (name: string): APIGatewayProxyEventV2 =>
  structuredClone(JSON.parse(readFileSync(new URL(`../../events/receive-webhook/${name}.json`, import.meta.url), 'utf8')) as APIGatewayProxyEventV2);

/** The ORDER_NOTIFY fixture with another body (and other overrides). */
const webhook = (body: string | undefined, overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 => ({
  ...fixture('order-notify'),
  body,
  ...overrides,
});
const notification = (resourceUrl: unknown, resourceType: unknown = 'ORDER_NOTIFY'): string =>
  JSON.stringify({ resource_url: resourceUrl, resource_type: resourceType });
const withToken = (token: string): Partial<APIGatewayProxyEventV2> => ({ queryStringParameters: { token }, rawQueryString: `token=${token}` });

const receive = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => handler(event, context('receive-webhook'));
const bodyOf = (response: APIGatewayProxyStructuredResultV2): Record<string, unknown> => JSON.parse(response.body ?? 'null') as Record<string, unknown>;

/** Receives and deletes everything on the notifications queue, so each test sees only its own messages. */
async function takeNotifications(): Promise<Awaited<ReturnType<typeof drainQueue>>> {
  const drained = await drainQueue(harness.aws, harness.aws.queues.notifications);
  for (const message of drained.messages) {
    await harness.aws.sqs.send(new DeleteMessageCommand({ QueueUrl: harness.aws.queues.notifications, ReceiptHandle: message.ReceiptHandle }));
  }
  return drained;
}

beforeAll(async () => {
  harness = await startHarness({ SHIPSTATION_BASE_URL: 'https://ssapi.shipstation.com' });
  ({ handler } = await import('../../functions/receive-webhook.js'));
});

afterAll(async () => {
  await harness.close();
});

beforeEach(async () => {
  await takeNotifications();
});

afterEach(() => {
  // receive-webhook only enqueues: it must never call ShipStation, whatever the body says.
  expect(harness.shipStation.requests).toEqual([]);
});

describe('receive-webhook', () => {
  it('queues an ORDER_NOTIFY with account, resource URL, type and receipt time', async () => {
    // Prepare
    const event = fixture('order-notify');
    const before = Date.now();

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'queued' });
    const { bodies, messages } = await takeNotifications();
    expect(bodies).toEqual([
      {
        accountId: 'default',
        resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=1f0b6d0e-2e49-4c1c-9b0e-6a3f8e7c5a11',
        resourceType: 'ORDER_NOTIFY',
        receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    ]);
    expect(new Date((bodies[0] as { receivedAt: string }).receivedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(messages[0]?.MessageAttributes?.accountId).toMatchObject({ DataType: 'String', StringValue: 'default' });
  });

  it('queues a SHIP_NOTIFY', async () => {
    // Prepare
    const event = fixture('ship-notify');

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'queued' });
    const { bodies, messages } = await takeNotifications();
    expect(bodies).toEqual([
      expect.objectContaining({
        accountId: 'default',
        resourceUrl: 'https://ssapi.shipstation.com/shipments?batchId=48213977&includeShipmentItems=False',
        resourceType: 'SHIP_NOTIFY',
      }),
    ]);
    expect(messages[0]?.MessageAttributes?.accountId?.StringValue).toBe('default');
  });

  it('queues a notification whose resource_url is on a numbered API host such as ssapi13', async () => {
    // Prepare
    const event = webhook(notification('https://ssapi13.shipstation.com/shipments?batchId=48213977&includeShipmentItems=False', 'SHIP_NOTIFY'));

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'queued' });
    const { bodies } = await takeNotifications();
    expect(bodies).toEqual([
      expect.objectContaining({
        resourceUrl: 'https://ssapi13.shipstation.com/shipments?batchId=48213977&includeShipmentItems=False',
        resourceType: 'SHIP_NOTIFY',
      }),
    ]);
  });

  it('queues a base64-encoded body', async () => {
    // Prepare
    const plain = fixture('order-notify');
    const event = webhook(Buffer.from(plain.body ?? '', 'utf8').toString('base64'), { isBase64Encoded: true });

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'queued' });
    const { bodies } = await takeNotifications();
    expect(bodies).toEqual([expect.objectContaining({ resourceType: 'ORDER_NOTIFY' })]);
  });

  it('acknowledges a resource_type it does not act on and queues nothing', async () => {
    // Prepare
    const event = webhook(notification('https://ssapi.shipstation.com/v2/something?id=1', 'V2_SOMETHING'));

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ status: 'ignored' });
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it.each([
    ['a wrong token', withToken('not-the-webhook-token-0000')],
    ['an unknown account', { pathParameters: { accountId: 'someone-else' } }],
    ['no token at all', { queryStringParameters: undefined, rawQueryString: '' }],
    ['an empty token', withToken('')],
  ])('refuses %s with 401 and queues nothing', async (_case, overrides) => {
    // Prepare
    const event = { ...fixture('order-notify'), ...overrides } as APIGatewayProxyEventV2;

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ error: 'unauthorized' });
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it('checks the token before the body, so a stranger learns nothing about what a valid body looks like', async () => {
    // Prepare
    const event = webhook('{not json', withToken('not-the-webhook-token-0000'));

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ error: 'unauthorized' });
  });

  it('checks the token before the resource_url, so an off-host URL with a wrong token is 401', async () => {
    // Prepare
    const event = { ...fixture('lookalike-host'), ...withToken('not-the-webhook-token-0000') };

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(401);
  });

  it.each([
    ['an empty body', '', /empty/],
    ['a missing body', undefined, /empty/],
    ['a body that is not JSON', 'resource_url=https://ssapi.shipstation.com/orders', /not valid JSON/],
    ['a JSON array', '[]', /resource_url/],
    ['a resource_url that is a number', notification(12345), /resource_url/],
    ['an empty resource_type', notification('https://ssapi.shipstation.com/orders?importBatch=x', ''), /resource_type/],
  ])('answers 400 with the reason for %s', async (_case, body, reason) => {
    // Prepare
    const event = webhook(body);

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toMatch(reason);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it('answers 400 naming resource_type when it is missing', async () => {
    // Prepare
    const event = fixture('malformed');

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toMatch(/resource_type/);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it('refuses a look-alike host with 400 and queues nothing', async () => {
    // Prepare
    const event = fixture('lookalike-host');

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toMatch(/not on a ShipStation API host/);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it.each([
    ['a look-alike subdomain', 'https://ssapi.shipstation.com.evil.test/orders?importBatch=x', /ShipStation API host/],
    ['a host that only ends like ShipStation', 'https://evilssapi.shipstation.com/orders?importBatch=x', /ShipStation API host/],
    ['the ShipStation web app host', 'https://ship.shipstation.com/orders?importBatch=x', /ShipStation API host/],
    ['userinfo before the host', 'https://attacker@ssapi.shipstation.com/orders?importBatch=x', /credentials/],
    ['userinfo that hides the real host', 'https://ssapi.shipstation.com@evil.test/orders?importBatch=x', /credentials/],
    ['plain http', 'http://ssapi.shipstation.com/orders?importBatch=x', /https/],
    ['another port', 'https://ssapi.shipstation.com:444/orders?importBatch=x', /port/],
    ['a relative URL', '/orders?importBatch=x', /absolute/],
    ['a loopback address', 'http://127.0.0.1:8080/orders', /https/],
  ])('refuses %s in resource_url with 400 and queues nothing', async (_case, resourceUrl, reason) => {
    // Prepare
    const event = webhook(notification(resourceUrl));

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toMatch(reason);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it('answers 413 for a body over 16 KB and queues nothing', async () => {
    // Prepare
    const event = webhook(
      JSON.stringify({ resource_url: 'https://ssapi.shipstation.com/orders?importBatch=x', resource_type: 'ORDER_NOTIFY', padding: 'x'.repeat(16 * 1024) }),
    );

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(413);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });

  it('answers 413 for a base64 body that decodes to over 16 KB', async () => {
    // Prepare
    const big = JSON.stringify({
      resource_url: 'https://ssapi.shipstation.com/orders?importBatch=x',
      resource_type: 'ORDER_NOTIFY',
      padding: 'x'.repeat(16 * 1024),
    });
    const event = webhook(Buffer.from(big).toString('base64'), { isBase64Encoded: true });

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(413);
    expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
  });
});
