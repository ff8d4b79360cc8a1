// receive-tracking when ShipStation's signing keys cannot be had or do not match, and under a flood of made-up key ids,
// against local-aws-sqs and key sets served by the local stand-ins (a ShipStation simulator whose JWKS answers 503, a
// fixture server publishing an EC-only or a foreign key set, the harness simulator's own JWKS). What the alarms read is
// asserted on the EMF lines the handler writes, what an operator reads on its log lines. Each case runs in a fresh
// module registry (a fresh container: its own key cache) with the clock stopped, so "within a minute" is exact and
// never depends on how fast the machine is.
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { jest } from '@jest/globals';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { FixtureServer } from '../helpers/fixture-server.js';
import { context, drainQueue, queueDepth, startHarness, type Harness } from '../helpers/handler-env.js';

type Receive = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

let harness: Harness;
/** A second ShipStation whose key set answers 503 (a JWKS outage). */
let unavailable: ShipStationSimulator;
let fixtures: FixtureServer;
const savedEnv: Record<string, string | undefined> = {};

const fixture = (): APIGatewayProxyEventV2 =>
  structuredClone(JSON.parse(readFileSync(new URL('../../events/receive-tracking/track-event.json', import.meta.url), 'utf8')) as APIGatewayProxyEventV2);
const trackBody = (): string => fixture().body ?? '';

/** The tracking fixture with this body and these signature headers (its placeholder ones replaced). */
const webhook = (rawBody: string, signature: object): APIGatewayProxyEventV2 => {
  const event = fixture();
  const headers = Object.fromEntries(Object.entries(event.headers).filter(([name]) => !name.startsWith('x-shipengine-')));
  return { ...event, headers: { ...headers, 'content-length': String(Buffer.byteLength(rawBody)), ...signature }, body: rawBody };
};

/** A webhook ShipStation signed now with its current key (the harness simulator's). */
const genuine = (): APIGatewayProxyEventV2 => webhook(trackBody(), harness.shipStation.signTrackingBody(trackBody(), new Date().toISOString()));

/** A well-formed webhook under a key id nobody publishes, signed by a stranger's key. */
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const forged = (keyId: string): APIGatewayProxyEventV2 => {
  const timestamp = new Date().toISOString();
  const signature = sign('RSA-SHA256', Buffer.from(`${timestamp}.${trackBody()}`), stranger.privateKey).toString('base64');
  return webhook(trackBody(), { 'x-shipengine-rsa-sha256-key-id': keyId, 'x-shipengine-rsa-sha256-signature': signature, 'x-shipengine-timestamp': timestamp });
};

/** A loopback URL on a port nothing listens on (it was free a moment ago). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks`;
}

/**
 * Runs `body` against receive-tracking freshly imported (its own wiring, key cache, logger and metrics), with
 * TRACKING_JWKS_URLS set to `jwksUrls` and the clock stopped.
 */
async function inFreshContainer(jwksUrls: string, body: (receive: Receive) => Promise<void>): Promise<void> {
  process.env.TRACKING_JWKS_URLS = jwksUrls;
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  try {
    await jest.isolateModulesAsync(async () => {
      const { handler } = await import('../../functions/receive-tracking.js');
      await body((event) => handler(event, context('receive-tracking')));
    });
  } finally {
    jest.useRealTimers();
    delete process.env.TRACKING_JWKS_URLS;
  }
}

// ---- What the handler wrote: EMF documents and log lines ----------------------------------------------------------

let written: string[] = [];

type Line = Record<string, unknown> & { _aws?: unknown; level?: string; message?: string };
const lines = (): Line[] =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
const emf = (): Line[] => lines().filter((line) => line._aws !== undefined);
const logs = (level: string): Line[] => lines().filter((line) => line._aws === undefined && line.level === level);
/** The sum of one metric over the EMF documents whose dimensions have these values. */
const total = (metric: string, dimensions: Record<string, string> = {}): number =>
  emf()
    .filter((doc) => Object.entries(dimensions).every(([name, value]) => doc[name] === value))
    .reduce((sum, doc) => sum + (typeof doc[metric] === 'number' ? (doc[metric] as number) : 0), 0);

beforeAll(async () => {
  harness = await startHarness();
  unavailable = await ShipStationSimulator.start({
    apiKey: 'other-key',
    apiSecret: 'other-secret',
    faults: (request) => (request.path === '/v2/webhook-jwks.json' ? { status: 503 } : undefined),
  });
  fixtures = await FixtureServer.start();
  // The handler's Metrics and Logger are built at import: EMF on, logs from INFO, both to stdout/stderr (captured).
  for (const name of ['POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_DEV']) savedEnv[name] = process.env[name];
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all([unavailable.close(), fixtures.close()]);
  await harness.close();
});

beforeEach(() => {
  written = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(async () => {
  jest.restoreAllMocks();
  // Nothing refused or failed is ever queued.
  expect(await queueDepth(harness.aws, harness.aws.queues.updates)).toBe(0);
});

describe('receive-tracking without usable signing keys', () => {
  it('answers 503 while no key set can be read (ShipStation retries), counts TrackingKeysUnavailable once per fetch and WebhooksFailed per webhook, and logs one line each, no stack trace', async () => {
    // Prepare
    const urls = `${await deadUrl()},${unavailable.jwksUrl}`;
    const responses: APIGatewayProxyStructuredResultV2[] = [];

    // Act
    await inFreshContainer(urls, async (receive) => {
      for (let i = 0; i < 3; i += 1) responses.push(await receive(genuine()));
    });

    // Assess: one fetch (the next ones within the minute are not attempted), its failure an ERROR, the two webhooks
    // answered while it is not retried yet a WARN
    expect(responses.map((r) => [r.statusCode, JSON.parse(r.body ?? '{}')])).toEqual(Array(3).fill([503, { error: 'service unavailable' }]));
    expect(unavailable.jwksRequests).toBe(1);
    expect(total('TrackingKeysUnavailable', { service: 'shipstation-klaviyo-sync' })).toBe(1);
    expect(total('WebhooksFailed', { Receiver: 'receive-tracking' })).toBe(3);
    expect(total('WebhooksRefused')).toBe(0);
    expect(logs('ERROR').map((l) => [l.message, l.reason])).toEqual([
      [
        'tracking signing keys unavailable; answered 503 so ShipStation retries',
        expect.stringMatching(/^fetching the webhook signing keys failed: .*answered 503/),
      ],
    ]);
    expect(logs('WARN').map((l) => l.message)).toEqual(Array(2).fill('tracking signing keys unavailable; answered 503 so ShipStation retries'));
    expect(lines().filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
  });

  it('answers 503 when the only key set holds no usable RSA key (an EC key alone), counting TrackingKeysUnavailable', async () => {
    // Prepare
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    fixtures.serve('/jwks/ec-only', { keys: [{ ...ec, kid: 'ec-1', use: 'sig', alg: 'ES256' }] });
    let response: APIGatewayProxyStructuredResultV2 | undefined;

    // Act
    await inFreshContainer(`${fixtures.baseUrl}/jwks/ec-only`, async (receive) => {
      response = await receive(genuine());
    });

    // Assess
    expect(response?.statusCode).toBe(503);
    expect(total('TrackingKeysUnavailable')).toBe(1);
    expect(total('WebhooksFailed', { Receiver: 'receive-tracking' })).toBe(1);
    expect(logs('ERROR').map((l) => l.reason)).toEqual([expect.stringMatching(/answered a key set with no usable RSA key$/)]);
  });

  it("refuses every genuine webhook with 401 when the key set does not hold ShipStation's key, each counted as a refused signature (the signature alarm's metric)", async () => {
    // Prepare: a key set with a usable RSA key, but not the one ShipStation signs with
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    fixtures.serve('/jwks/foreign', { keys: [{ ...foreign, kid: 'someone-elses-key', use: 'sig', alg: 'RS256' }] });
    const responses: APIGatewayProxyStructuredResultV2[] = [];

    // Act
    await inFreshContainer(`${fixtures.baseUrl}/jwks/foreign`, async (receive) => {
      for (let i = 0; i < 6; i += 1) responses.push(await receive(genuine()));
    });

    // Assess: more than 5 in an hour is what fires the tracking-signatures-refused alarm
    expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([401]));
    expect(JSON.parse(responses[0]?.body ?? '{}')).toEqual({
      error: `signing key ${harness.shipStation.signingKeyId} is not one of ShipStation's published keys`,
    });
    expect(total('WebhooksRefused', { Receiver: 'receive-tracking', Reason: 'signature' })).toBe(6);
    expect(total('WebhooksFailed')).toBe(0);
    expect(total('TrackingKeysUnavailable')).toBe(0);
    expect(logs('ERROR')).toEqual([]);
  });
});

describe('receive-tracking under a flood of made-up key ids', () => {
  it("refuses 200 webhooks with random key ids with 401 and one WARN line each, writes no ERROR line, fetches the key set at most twice, and still accepts ShipStation's webhooks", async () => {
    // Prepare
    const fetchesBefore = harness.shipStation.jwksRequests;
    const keyIds = Array.from({ length: 200 }, () => `se-${Math.random().toString(36).slice(2)}`);
    const responses: APIGatewayProxyStructuredResultV2[] = [];
    let afterTheFlood: APIGatewayProxyStructuredResultV2 | undefined;

    // Act
    await inFreshContainer(harness.shipStation.jwksUrl, async (receive) => {
      for (const keyId of keyIds) responses.push(await receive(forged(keyId)));
      afterTheFlood = await receive(genuine());
    });

    // Assess: the cold fetch, then one refetch for an unknown key id; every other one is unknown without asking
    expect(responses.map((r) => r.statusCode)).toEqual(Array(200).fill(401));
    expect(harness.shipStation.jwksRequests - fetchesBefore).toBeLessThanOrEqual(2);
    expect(logs('ERROR')).toEqual([]);
    const refused = logs('WARN').filter((l) => l.message === 'webhook refused');
    expect(refused).toHaveLength(200);
    expect(refused.every((l) => l.statusCode === 401 && !('stack' in l) && !('error' in l))).toBe(true);
    expect(total('WebhooksRefused', { Receiver: 'receive-tracking', Reason: 'signature' })).toBe(200);
    expect(total('WebhooksFailed')).toBe(0);
    expect(afterTheFlood?.statusCode).toBe(200);
    const { messages } = await drainQueue(harness.aws, harness.aws.queues.updates);
    expect(messages).toHaveLength(1);
    await harness.aws.sqs.send(new DeleteMessageCommand({ QueueUrl: harness.aws.queues.updates, ReceiptHandle: messages[0]?.ReceiptHandle }));
  });
});
