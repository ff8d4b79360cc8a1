// HttpKlaviyoApi.createEvents against the Klaviyo simulator over HTTP, on a fake clock: accepted jobs are recorded with
// their backfill flag, refusals carry Klaviyo's reason, 429 and 5xx are retried, limits are kept before sending, and the
// key only ever goes to the configured base URL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpKlaviyoApi } from '../../lib/adapters/http-klaviyo-api.js';
import type { AccountConfig } from '../../lib/config.js';
import { BadInputError, KlaviyoRejectedError, TransientError } from '../../lib/domain/errors.js';
import type { KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { FakeClock } from '../fakes/in-memory-ports.js';
import { historicalShippedEvent } from '../helpers/factories.js';

const KEY = 'pk_bulk_test_key';
const OTHER_KEY = 'pk_bulk_other_key';
const REVISION = '2026-07-15';

let simulator: KlaviyoSimulator;
let other: KlaviyoSimulator;
let clock: FakeClock;
let startMs = Date.parse('2026-07-05T18:00:00.000Z');

const account = (id: string, baseUrl: string, privateKey: string): AccountConfig => ({
  id,
  shipStation: { apiKey: 'ss-key', apiSecret: 'ss-secret', keyExpiresOn: '2027-05-01', baseUrl: 'http://127.0.0.1:1', fingerprint: 'ss-fp' },
  klaviyo: { privateKey, baseUrl, fingerprint: `kl-fp-${id}` },
  webhookToken: 'bulk-test-webhook-token-0123456789',
  metricPrefix: '',
  importDays: 90,
  timeZone: 'America/Los_Angeles',
  defaultCountry: 'US',
});

const adapter = (baseUrl = simulator.baseUrl): HttpKlaviyoApi =>
  new HttpKlaviyoApi(
    new Map([
      ['default', account('default', baseUrl, KEY)],
      ['other', account('other', other.baseUrl, OTHER_KEY)],
    ]),
    clock,
    { revision: REVISION, timeoutMs: 5000 },
  );

const event = historicalShippedEvent;

const john = { email: 'john.roe@example.com' };

beforeEach(async () => {
  // Fresh simulators (the simulator dedupes unique_ids for good) and a clock ten minutes on from the last test's.
  startMs += 10 * 60_000;
  clock = new FakeClock(new Date(startMs));
  simulator = await KlaviyoSimulator.start({ privateKeys: [KEY], now: () => clock.now() });
  other = await KlaviyoSimulator.start({ privateKeys: [OTHER_KEY], now: () => clock.now() });
});

afterEach(async () => {
  await simulator.close();
  await other.close();
  // Every bulk body that reached a simulator must match Klaviyo's official schema.
  for (const request of simulator.requests) expect(validateKlaviyoBody('bulk-create-events', request.body)).toEqual([]);
});

describe('HttpKlaviyoApi.createEvents', () => {
  it('sends the events as one bulk job that Klaviyo records with their backfill flags', async () => {
    // Prepare
    const input = [event(1), event(2, { profile: john, backfill: false, time: '2026-07-05T17:00:00.000Z' }), event(3)];

    // Act
    await adapter().createEvents('default', input);

    // Assess
    expect(simulator.requests).toHaveLength(1);
    expect(simulator.requests[0]).toMatchObject({ method: 'POST', path: '/api/event-bulk-create-jobs', status: 202, revision: REVISION, schemaErrors: [] });
    expect(simulator.events.map((e) => [e.uniqueId, e.profile.email, e.backfill, e.via])).toEqual([
      ['ss:default:shipment:1:shipped', 'jane.doe@example.com', true, 'bulk-create-events'],
      ['ss:default:shipment:3:shipped', 'jane.doe@example.com', true, 'bulk-create-events'],
      ['ss:default:shipment:2:shipped', 'john.roe@example.com', false, 'bulk-create-events'],
    ]);
    expect(simulator.events[0]).toMatchObject({
      metric: 'Order Shipped',
      time: '2026-04-01T12:00:00.000Z',
      value: 34.97,
      properties: { OrderNumber: 'A-1' },
      privateKey: KEY,
    });
  });

  it('sends nothing for an empty list', async () => {
    // Act
    await adapter().createEvents('default', []);

    // Assess
    expect(simulator.requests).toEqual([]);
  });

  it.each([
    ['more than 1,000 events', (): KlaviyoEvent[] => Array.from({ length: 1001 }, (_, i) => event(i + 1)), /at most 1000 events/],
    ['a unique_id twice', (): KlaviyoEvent[] => [event(1), event(2), event(1, { profile: john })], /ss:default:shipment:1:shipped appears more than once/],
    [
      'a body over 5 MB',
      (): KlaviyoEvent[] => Array.from({ length: 60 }, (_, i) => event(i + 1, { properties: { Notes: 'x'.repeat(90_000) } })),
      /the limit is 5242880/,
    ],
    ["another account's event", (): KlaviyoEvent[] => [event(1), event(2, { accountId: 'other' })], /belongs to account other/],
  ])('refuses a list with %s before sending anything', async (_case, make, message) => {
    // Prepare
    const input = make();

    // Act
    const sending = adapter().createEvents('default', input);

    // Assess
    await expect(sending).rejects.toThrow(BadInputError);
    await expect(sending).rejects.toThrow(message);
    expect(simulator.requests).toEqual([]);
  });

  it('throws KlaviyoRejectedError with the reason when Klaviyo answers 400', async () => {
    // Prepare
    simulator.failNext(1, { status: 400 });

    // Act
    const sending = adapter().createEvents('default', [event(1)]);

    // Assess
    await expect(sending).rejects.toThrow(KlaviyoRejectedError);
    await expect(sending).rejects.toMatchObject({ status: 400, reason: 'error: Simulated HTTP 400.: /data/' });
    expect(simulator.requests).toHaveLength(1);
    expect(simulator.events).toEqual([]);
  });

  it('records none of the events when one of them is invalid, and says which', async () => {
    // Prepare: the second profile's phone number is not E.164
    const input = [event(1), event(2, { profile: { phoneNumber: '(415) 555-0132' } })];

    // Act
    const sending = adapter().createEvents('default', input);

    // Assess
    await expect(sending).rejects.toMatchObject({
      name: 'KlaviyoRejectedError',
      status: 400,
      reason: expect.stringContaining('is not E.164.: /data/attributes/events-bulk-create/data/1/attributes/profile/data/attributes/phone_number'),
    });
    expect(simulator.events).toEqual([]);
  });

  it('waits the Retry-After of a 429 on the clock and then succeeds', async () => {
    // Prepare
    simulator.failNext(1, { status: 429, retryAfterSeconds: 3 });

    // Act
    await adapter().createEvents('default', [event(1), event(2)]);

    // Assess
    expect(clock.sleeps).toEqual([3000]);
    expect(simulator.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(simulator.events.map((e) => e.uniqueId)).toEqual(['ss:default:shipment:1:shipped', 'ss:default:shipment:2:shipped']);
  });

  it("waits out Klaviyo's own bulk rate limit and then succeeds", async () => {
    // Prepare: one bulk request per second allowed, and that one already spent
    simulator.setRateLimits({ burstPerSecond: 1, steadyPerMinute: 150 }, 'bulk-create-events');
    const api = adapter();
    await api.createEvents('default', [event(1)]);

    // Act
    await api.createEvents('default', [event(2)]);

    // Assess
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(1000);
    expect(simulator.requests.map((r) => r.status)).toEqual([202, 429, 202]);
    expect(simulator.events).toHaveLength(2);
  });

  it('hands a Retry-After longer than 10 s back to the caller without waiting', async () => {
    // Prepare
    simulator.failNext(1, { status: 429, retryAfterSeconds: 30 });

    // Act
    const sending = adapter().createEvents('default', [event(1)]);

    // Assess
    await expect(sending).rejects.toThrow(TransientError);
    await expect(sending).rejects.toMatchObject({ retryAfterSeconds: 30 });
    expect(clock.sleeps).toEqual([]);
    expect(simulator.events).toEqual([]);
  });

  it('hands back a Retry-After of 100,000 s as 60 s, a minute being the longest window Klaviyo limits by', async () => {
    // Prepare
    simulator.failNext(1, { status: 429, retryAfterSeconds: 100_000 });

    // Act
    const sending = adapter().createEvents('default', [event(1)]);

    // Assess
    await expect(sending).rejects.toThrow(TransientError);
    await expect(sending).rejects.toMatchObject({ retryAfterSeconds: 60 });
    expect(clock.sleeps).toEqual([]);
  });

  it('waits 60 s, not 100,000, when it may wait that long in-process, and then succeeds', async () => {
    // Prepare
    simulator.failNext(1, { status: 429, retryAfterSeconds: 100_000 });
    const patient = new HttpKlaviyoApi(new Map([['default', account('default', simulator.baseUrl, KEY)]]), clock, {
      revision: REVISION,
      timeoutMs: 5000,
      maxInlineRetryAfterMs: 120_000,
    });

    // Act
    await patient.createEvents('default', [event(1)]);

    // Assess
    expect(clock.sleeps).toEqual([60_000]);
    expect(simulator.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(simulator.events.map((e) => e.uniqueId)).toEqual(['ss:default:shipment:1:shipped']);
  });

  it('retries a 5xx and records the events once', async () => {
    // Prepare
    simulator.failNext(1, { status: 503 });

    // Act
    await adapter().createEvents('default', [event(1), event(2)]);

    // Assess
    expect(simulator.requests.map((r) => r.status)).toEqual([503, 202]);
    expect(simulator.events).toHaveLength(2);
    expect(simulator.duplicatesDropped).toBe(0);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('throws TransientError once every attempt met a 5xx', async () => {
    // Prepare
    simulator.failNext(4, { status: 502 });

    // Act
    const sending = adapter().createEvents('default', [event(1)]);

    // Assess
    await expect(sending).rejects.toThrow(TransientError);
    expect(simulator.requests).toHaveLength(4);
    expect(simulator.events).toEqual([]);
  });

  it("sends the request only to the account's configured base URL", async () => {
    // Act
    await adapter().createEvents('default', [event(1)]);
    await adapter().createEvents('other', [event(2, { accountId: 'other' })]);

    // Assess
    expect(simulator.requests.map((r) => r.path)).toEqual(['/api/event-bulk-create-jobs']);
    expect(simulator.events.map((e) => [e.uniqueId, e.privateKey])).toEqual([['ss:default:shipment:1:shipped', KEY]]);
    expect(other.events.map((e) => [e.uniqueId, e.privateKey])).toEqual([['ss:default:shipment:2:shipped', OTHER_KEY]]);
  });

  it('never follows a redirect away from the configured base URL', async () => {
    // Prepare: a host that answers every request with a redirect to another Klaviyo
    const redirector: Server = createServer((request, response) => {
      request.resume();
      response.writeHead(307, { location: `${other.baseUrl}/api/event-bulk-create-jobs` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;

    try {
      // Act
      const sending = adapter(baseUrl).createEvents('default', [event(1)]);

      // Assess
      await expect(sending).rejects.toMatchObject({ name: 'KlaviyoRejectedError', status: 307 });
      expect(other.requests).toEqual([]);
    } finally {
      redirector.closeAllConnections();
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });
});
