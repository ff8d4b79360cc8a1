// receive-tracking against local-aws-sqs, with ShipStation's signing keys served as a JWKS by the ShipStation simulator
// (TRACKING_JWKS_URLS = a key set URL nobody answers, then its /v2/webhook-jwks.json, which lists an EC key beside the
// RSA ones: one key set down is no problem while another answers): the signature before
// anything else (missing headers 404), the timestamp window, the token, what lands on the updates queue, and that
// nothing lands there on any refusal. The tests share one container (one
// cached key set), as webhooks to one Lambda container do; the JWKS-counting tests run first, in order.
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { trackingUpdateSchema } from '../../lib/domain/tracking.js';
import { serveHttpApi, TRACKING_ROUTE_PATH } from '../../lib/local/lambda-runtime.js';
import { context, drainQueue, queueDepth, startHarness, TEST_TOKEN, type Harness } from '../helpers/handler-env.js';

let harness: Harness;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const fixture = (name: string): APIGatewayProxyEventV2 =>
  structuredClone(JSON.parse(readFileSync(new URL(`../../events/receive-tracking/${name}.json`, import.meta.url), 'utf8')) as APIGatewayProxyEventV2);

const SIGNATURE_HEADERS = ['x-shipengine-rsa-sha256-key-id', 'x-shipengine-rsa-sha256-signature', 'x-shipengine-timestamp'] as const;
type SignatureHeaders = Record<(typeof SIGNATURE_HEADERS)[number], string>;

/** The fixture's headers without its (placeholder) signature headers. */
const plainHeaders = (): Record<string, string> => {
  const headers = { ...(fixture('track-event').headers as Record<string, string>) };
  for (const name of SIGNATURE_HEADERS) delete headers[name];
  return headers;
};

/** The fixture's TRACK_EVENT_V2 body, exactly as ShipStation would send it. */
const trackBody = (): string => fixture('track-event').body ?? '';

/** The tracking fixture with this raw body and these signature headers (and other overrides). */
const webhook = (rawBody: string, signature: Partial<SignatureHeaders>, overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 => ({
  ...fixture('track-event'),
  headers: { ...plainHeaders(), 'content-length': String(Buffer.byteLength(rawBody)), ...signature },
  body: rawBody,
  ...overrides,
});

/** Signed by the simulator's current ShipStation key, `ageMs` ago (negative: in the future). */
const signedNow = (rawBody: string, ageMs = 0): SignatureHeaders => harness.shipStation.signTrackingBody(rawBody, new Date(Date.now() - ageMs).toISOString());

/** A correctly signed tracking webhook for the default account. */
const signedWebhook = (rawBody = trackBody(), overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
  webhook(rawBody, signedNow(rawBody), overrides);

const withToken = (token: string): Partial<APIGatewayProxyEventV2> => ({ queryStringParameters: { token }, rawQueryString: `token=${token}` });
const receive = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => handler(event, context('receive-tracking'));
const bodyOf = (response: APIGatewayProxyStructuredResultV2): Record<string, unknown> => JSON.parse(response.body ?? 'null') as Record<string, unknown>;

/** Receives and deletes everything on the updates queue, so each test sees only its own messages. */
async function takeUpdates(): Promise<Awaited<ReturnType<typeof drainQueue>>> {
  const drained = await drainQueue(harness.aws, harness.aws.queues.updates);
  for (const message of drained.messages) {
    await harness.aws.sqs.send(new DeleteMessageCommand({ QueueUrl: harness.aws.queues.updates, ReceiptHandle: message.ReceiptHandle }));
  }
  return drained;
}

/** A refused webhook: the status, the reason, and nothing enqueued anywhere. */
async function expectRefused(response: APIGatewayProxyStructuredResultV2, status: number, reason: RegExp | string): Promise<void> {
  expect({ status: response.statusCode, error: bodyOf(response).error }).toEqual({
    status,
    error: typeof reason === 'string' ? reason : expect.stringMatching(reason),
  });
  expect(await queueDepth(harness.aws, harness.aws.queues.updates)).toBe(0);
}

/** A loopback URL on a port nothing listens on (it was free a moment ago). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks`;
}

beforeAll(async () => {
  harness = await startHarness();
  process.env.TRACKING_JWKS_URLS = `${await deadUrl()},${harness.shipStation.jwksUrl}`;
  ({ handler } = await import('../../functions/receive-tracking.js'));
});

afterAll(async () => {
  delete process.env.TRACKING_JWKS_URLS;
  await harness.close();
});

beforeEach(async () => {
  await takeUpdates();
});

afterEach(async () => {
  // receive-tracking writes only to the updates queue.
  expect(await queueDepth(harness.aws, harness.aws.queues.notifications)).toBe(0);
});

describe('receive-tracking', () => {
  it('queues exactly one tracking update for a correctly signed TRACK_EVENT_V2, fetching the JWKS once', async () => {
    // Prepare
    const event = signedWebhook();
    const before = Date.now();

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'queued' });
    const { bodies, messages } = await takeUpdates();
    expect(bodies).toHaveLength(1);
    const update = trackingUpdateSchema.parse(bodies[0]);
    expect(update).toMatchObject({
      kind: 'tracking',
      accountId: 'default',
      trackingNumber: '1Z999AA10123456784',
      carrierCode: 'ups',
      labelId: 'se-1234567890',
      statusCode: 'IT',
      trackingUrl: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
    });
    expect(update.scans.map((s) => s.occurredAt)).toEqual(['2026-11-25T09:41:00.000Z', '2026-11-24T22:05:00.000Z']);
    expect(Date.parse(update.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(messages[0]?.MessageAttributes?.accountId).toMatchObject({ DataType: 'String', StringValue: 'default' });
    expect(harness.shipStation.jwksRequests).toBe(1);
  });

  it('fetches the JWKS only once across many valid webhooks', async () => {
    // Prepare
    const fetchesBefore = harness.shipStation.jwksRequests;
    const events = Array.from({ length: 12 }, (_, i) => signedWebhook(trackBody().replace('1Z999AA10123456784', `1Z999AA1012345${String(6000 + i)}`)));

    // Act
    const responses = await Promise.all(events.map((event) => receive(event)));

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    const { bodies } = await takeUpdates();
    expect(bodies).toHaveLength(12);
    expect(harness.shipStation.jwksRequests).toBe(fetchesBefore);
    expect(fetchesBefore).toBe(1);
  });

  it('verifies with the RSA key although the JWKS lists an EC key beside it (first)', async () => {
    // Prepare
    const published = (await (await fetch(harness.shipStation.jwksUrl)).json()) as { keys: { kty: string; kid: string }[] };
    const event = signedWebhook();

    // Act
    const response = await receive(event);

    // Assess
    expect(published.keys.map((key) => key.kty)).toEqual(['EC', 'RSA']);
    expect(event.headers['x-shipengine-rsa-sha256-key-id']).toBe(published.keys[1]?.kid);
    expect(response.statusCode).toBe(200);
    expect((await takeUpdates()).bodies).toHaveLength(1);
  });

  it('accepts a webhook signed with a rotated key after one JWKS refetch', async () => {
    // Prepare
    const fetchesBefore = harness.shipStation.jwksRequests;
    const newKeyId = harness.shipStation.rotateSigningKey();
    const event = signedWebhook();

    // Act
    const first = await receive(event);
    const second = await receive(signedWebhook());

    // Assess
    expect(event.headers['x-shipengine-rsa-sha256-key-id']).toBe(newKeyId);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect((await takeUpdates()).bodies).toHaveLength(2);
    expect(harness.shipStation.jwksRequests).toBe(fetchesBefore + 1);
  });

  it('refuses a key id ShipStation does not publish, met within a minute of the last key refetch, with 401 without fetching the keys again, and queues nothing', async () => {
    // Prepare
    const rawBody = trackBody();
    const timestamp = new Date().toISOString();
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = sign('RSA-SHA256', Buffer.from(`${timestamp}.${rawBody}`), stranger.privateKey).toString('base64');
    const event = webhook(rawBody, {
      'x-shipengine-rsa-sha256-key-id': 'se-forged-key',
      'x-shipengine-rsa-sha256-signature': signature,
      'x-shipengine-timestamp': timestamp,
    });
    const jwksBefore = harness.shipStation.jwksRequests;

    // Act
    const response = await receive(event);

    // Assess: the rotation test just refetched the keys for an unknown id; another refetch is not allowed for a minute,
    // so the key id is unknown without asking (a flood of made-up key ids costs one fetch a minute at most)
    await expectRefused(response, 401, "signing key se-forged-key is not one of ShipStation's published keys");
    expect(harness.shipStation.jwksRequests).toBe(jwksBefore);
  });

  it('refuses a body changed after it was signed with 401, and queues nothing', async () => {
    // Prepare
    const rawBody = trackBody();
    const event = webhook(rawBody.replace('"status_code":"IT"', '"status_code":"DE"'), signedNow(rawBody));

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 401, 'signature does not match the body');
  });

  it('refuses a signature by another key pair under the published key id with 401, and queues nothing', async () => {
    // Prepare
    const rawBody = trackBody();
    const genuine = signedNow(rawBody);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = sign('RSA-SHA256', Buffer.from(`${genuine['x-shipengine-timestamp']}.${rawBody}`), stranger.privateKey).toString('base64');
    const event = webhook(rawBody, { ...genuine, 'x-shipengine-rsa-sha256-signature': forged });

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 401, 'signature does not match the body');
  });

  it.each([
    ['replayed 6 minutes later', 6 * 60_000, /x-shipengine-timestamp is 3[56]\d s in the past; at most 300 s/],
    ['stamped 6 minutes in the future', -6 * 60_000, /x-shipengine-timestamp is 3[56]\d s in the future; at most 300 s/],
  ])('refuses a webhook %s with 400 and the skew, and queues nothing', async (_case, ageMs, reason) => {
    // Prepare
    const rawBody = trackBody();
    const event = webhook(rawBody, signedNow(rawBody, ageMs));

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 400, reason);
  });

  it.each(SIGNATURE_HEADERS.map((name) => [name]))(
    "answers a webhook without %s with 404 naming it (as ShipStation's guide asks), and queues nothing",
    async (name) => {
      // Prepare
      const rawBody = trackBody();
      const headers: Partial<SignatureHeaders> = { ...signedNow(rawBody) };
      delete headers[name];
      const event = webhook(rawBody, headers);

      // Act
      const response = await receive(event);

      // Assess
      await expectRefused(response, 404, `missing signature header ${name}`);
    },
  );

  it('answers the sample webhook without any signature header with 404 naming all three', async () => {
    // Prepare
    const event = fixture('missing-signature');

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 404, `missing signature headers ${SIGNATURE_HEADERS.join(', ')}`);
  });

  it.each([
    ['a wrong token', withToken('not-the-webhook-token-0000')],
    ['no token at all', { queryStringParameters: undefined, rawQueryString: '' }],
    ['an unknown account', { pathParameters: { accountId: 'someone-else' } }],
  ])('refuses a correctly signed webhook with %s with 401 unauthorized, and queues nothing', async (_case, overrides) => {
    // Prepare
    const event = signedWebhook(trackBody(), overrides);

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 401, 'unauthorized');
  });

  it('checks the signature before the token: an unsigned webhook with a wrong token learns only that the signature is missing', async () => {
    // Prepare
    const event = { ...fixture('missing-signature'), ...withToken('not-the-webhook-token-0000') };

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 404, /^missing signature headers/);
  });

  it.each([
    ['a body that is not JSON', 'tracking_number=1Z999', /not valid JSON/],
    ['a tracking event without a tracking number', JSON.stringify({ resource_type: 'TRACK_EVENT_V2', data: { status_code: 'DE' } }), /tracking_number/],
  ])('refuses a signed webhook with %s with 400 and the reason, and queues nothing', async (_case, rawBody, reason) => {
    // Prepare
    const event = signedWebhook(rawBody);

    // Act
    const response = await receive(event);

    // Assess
    await expectRefused(response, 400, reason);
  });

  it('acknowledges a signed V2 webhook that is not a tracking event, and queues nothing', async () => {
    // Prepare
    const event = signedWebhook(JSON.stringify({ resource_url: 'https://api.shipstation.com/v2/batches/se-1', resource_type: 'BATCH_PROCESSED_V2' }));

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'ignored', reason: 'resource_type BATCH_PROCESSED_V2 is not a tracking event' });
    expect(await queueDepth(harness.aws, harness.aws.queues.updates)).toBe(0);
  });

  it('verifies a base64-encoded body over the bytes ShipStation signed', async () => {
    // Prepare
    const rawBody = trackBody();
    const event = webhook(Buffer.from(rawBody, 'utf8').toString('base64'), signedNow(rawBody), { isBase64Encoded: true });

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect((await takeUpdates()).bodies).toHaveLength(1);
  });

  it('reads the signature headers whatever their case', async () => {
    // Prepare
    const rawBody = trackBody();
    const headers = Object.fromEntries(Object.entries(signedNow(rawBody)).map(([name, value]) => [name.toUpperCase(), value]));
    const event = webhook(rawBody, headers as Partial<SignatureHeaders>);

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect((await takeUpdates()).bodies).toHaveLength(1);
  });

  it('answers 413 for a body over 256 KB, and queues nothing', async () => {
    // Prepare
    const rawBody = JSON.stringify({ ...(JSON.parse(trackBody()) as object), padding: 'x'.repeat(256 * 1024) });
    const event = webhook(rawBody, signedNow(rawBody));

    // Act
    const response = await receive(event);

    // Assess
    expect(response.statusCode).toBe(413);
    expect(await queueDepth(harness.aws, harness.aws.queues.updates)).toBe(0);
  });

  it('queues a webhook the ShipStation simulator POSTs through the local HTTP API route, raw bytes intact', async () => {
    // Prepare
    const api = await serveHttpApi({ routes: [{ path: TRACKING_ROUTE_PATH, handler, functionName: 'receive-tracking' }] });
    const rawBody = `${JSON.stringify(JSON.parse(trackBody()), null, 2)}\n`;
    const url = `${api.url}/webhooks/tracking/default?token=${encodeURIComponent(TEST_TOKEN)}`;

    // Act
    await harness.shipStation.deliverRaw(url, rawBody, { ...signedNow(rawBody) });
    await harness.shipStation.flushWebhooks();
    await api.close();

    // Assess
    expect(api.statuses).toEqual([200]);
    const { bodies } = await takeUpdates();
    expect(bodies.map((b) => trackingUpdateSchema.parse(b).trackingNumber)).toEqual(['1Z999AA10123456784']);
  });
});
