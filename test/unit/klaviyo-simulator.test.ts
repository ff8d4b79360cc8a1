import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import type { AcceptedEvent } from '../../lib/local/simulators/klaviyo-simulator.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bodies are mutated freely per case

const KEY = 'pk_FAKE_simulator_key';
const OTHER_KEY = 'pk_FAKE_simulator_other_key';
const EVENTS = '/api/events';
const BULK = '/api/event-bulk-create-jobs';

const profileAttributes = (email = 'sarah.mason@example.com'): Json => ({ email, phone_number: '+15005550006', first_name: 'Sarah' });

const eventAttributes = (uniqueId = 'ss-shipment-987654:shipped', metric = 'Order Shipped'): Json => ({
  properties: { OrderId: '123456', TrackingNumber: '1Z999AA10123456784', Carrier: 'ups' },
  time: '2026-11-20T14:03:00+00:00',
  value: 29.98,
  value_currency: 'USD',
  unique_id: uniqueId,
  metric: { data: { type: 'metric', attributes: { name: metric } } },
});

const createEventBody = (uniqueId?: string, metric?: string): Json => ({
  data: { type: 'event', attributes: { ...eventAttributes(uniqueId, metric), profile: { data: { type: 'profile', attributes: profileAttributes() } } } },
});

const bulkBody = (groups: { email: string; backfill?: boolean; events: Json[] }[]): Json => ({
  data: {
    type: 'event-bulk-create-job',
    attributes: {
      'events-bulk-create': {
        data: groups.map((group) => ({
          type: 'event-bulk-create',
          attributes: {
            ...(group.backfill === undefined ? {} : { backfill: group.backfill }),
            profile: { data: { type: 'profile', attributes: profileAttributes(group.email) } },
            events: { data: group.events.map((attributes) => ({ type: 'event', attributes })) },
          },
        })),
      },
    },
  },
});

interface PostOptions {
  key?: string | null;
  revision?: string | null;
  contentType?: string;
  raw?: string;
}

async function post(simulator: KlaviyoSimulator, path: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/vnd.api+json', accept: 'application/vnd.api+json' };
  if (options.key !== null) headers.authorization = `Klaviyo-API-Key ${options.key ?? KEY}`;
  if (options.revision !== null) headers.revision = options.revision ?? '2026-07-15';
  return fetch(`${simulator.baseUrl}${path}`, { method: 'POST', headers, body: options.raw ?? JSON.stringify(body) });
}

async function errorsOf(response: Response): Promise<Json[]> {
  return ((await response.json()) as { errors: Json[] }).errors;
}

describe('KlaviyoSimulator', () => {
  let simulator: KlaviyoSimulator;
  let nowMs: number;
  let accepted: AcceptedEvent[];

  beforeEach(async () => {
    nowMs = Date.parse('2026-11-25T12:00:00.250Z');
    accepted = [];
    simulator = await KlaviyoSimulator.start({ privateKeys: [KEY, OTHER_KEY], now: () => new Date(nowMs), onEventAccepted: (event) => accepted.push(event) });
  });

  afterEach(async () => {
    await simulator.close();
  });

  it('answers 202 with an empty body and records a valid Create Event', async () => {
    // Act
    const response = await post(simulator, EVENTS, createEventBody());

    // Assess
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expect(response.headers.get('ratelimit-limit')).toBe('350');
    expect(response.headers.get('ratelimit-remaining')).toBe('349');
    expect(response.headers.get('ratelimit-reset')).toBe('1');
    expect(simulator.events).toEqual([
      {
        metric: 'Order Shipped',
        profile: profileAttributes(),
        properties: { OrderId: '123456', TrackingNumber: '1Z999AA10123456784', Carrier: 'ups' },
        time: '2026-11-20T14:03:00+00:00',
        value: 29.98,
        uniqueId: 'ss-shipment-987654:shipped',
        backfill: false,
        via: 'create-event',
        privateKey: KEY,
        // No flow is installed in this simulated account: the event starts none.
        flows: [],
      },
    ]);
    expect(accepted).toEqual(simulator.events);
    expect(simulator.requests).toEqual([{ method: 'POST', path: EVENTS, status: 202, revision: '2026-07-15', body: createEventBody(), schemaErrors: [] }]);
  });

  it('answers 400 invalid with a source pointer and records the schema errors', async () => {
    // Prepare
    const body = createEventBody();
    delete body.data.type;

    // Act
    const response = await post(simulator, EVENTS, body);

    // Assess
    expect(response.status).toBe(400);
    expect(await errorsOf(response)).toEqual([
      {
        id: expect.any(String),
        status: 400,
        code: 'invalid',
        title: 'Invalid input.',
        detail: '/data/type is required',
        source: { pointer: '/data/type' },
        meta: {},
      },
    ]);
    expect(simulator.requests[0]?.schemaErrors).toEqual(['/data/type is required']);
    expect(simulator.events).toEqual([]);
  });

  it.each<[string, (body: Json) => void, string]>([
    ['has no identifier', (body) => (body.data.attributes.profile.data.attributes = { first_name: 'Sarah' }), '/data/attributes/profile/data/attributes'],
    [
      'has a phone number that is not E.164',
      (body) => (body.data.attributes.profile.data.attributes.phone_number = '(500) 555-0006'),
      '/data/attributes/profile/data/attributes/phone_number',
    ],
    [
      'has an email that is not an email',
      (body) => (body.data.attributes.profile.data.attributes.email = 'sarah.mason'),
      '/data/attributes/profile/data/attributes/email',
    ],
    ['is dated before 2000', (body) => (body.data.attributes.time = '1999-12-31T23:59:59Z'), '/data/attributes/time'],
    ['is dated more than a year ahead', (body) => (body.data.attributes.time = '2027-11-26T00:00:00Z'), '/data/attributes/time'],
    [
      'has a metric name of 128 characters',
      (body) => (body.data.attributes.metric.data.attributes.name = 'x'.repeat(128)),
      '/data/attributes/metric/data/attributes/name',
    ],
    [
      'has 401 properties',
      (body) => (body.data.attributes.properties = Object.fromEntries(Array.from({ length: 401 }, (_, i) => [`p${i}`, i]))),
      '/data/attributes/properties',
    ],
  ])('answers 400 to a schema-valid event that %s', async (_case, mutate, pointer) => {
    // Prepare
    const body = createEventBody();
    mutate(body);

    // Act
    const response = await post(simulator, EVENTS, body);

    // Assess
    expect(response.status).toBe(400);
    expect((await errorsOf(response)).map((error) => error.source)).toEqual([{ pointer }]);
    expect(simulator.requests[0]?.schemaErrors).toEqual([]);
    expect(simulator.events).toEqual([]);
  });

  it('answers 400 parse_error to a body that is not JSON', async () => {
    // Act
    const response = await post(simulator, EVENTS, undefined, { raw: '{"data":' });

    // Assess
    expect(response.status).toBe(400);
    expect((await errorsOf(response))[0]?.code).toBe('parse_error');
    expect(simulator.requests[0]?.body).toBe('{"data":');
  });

  it('drops a repeated unique_id for the same profile and metric but still answers 202', async () => {
    // Act
    const first = await post(simulator, EVENTS, createEventBody('ss-1:shipped'));
    const repeat = await post(simulator, EVENTS, createEventBody('ss-1:shipped'));
    const otherMetric = await post(simulator, EVENTS, createEventBody('ss-1:shipped', 'Order Delivered'));

    // Assess
    expect([first.status, repeat.status, otherMetric.status]).toEqual([202, 202, 202]);
    expect(simulator.events.map((event) => event.metric)).toEqual(['Order Shipped', 'Order Delivered']);
    expect(simulator.duplicatesDropped).toBe(1);
  });

  it('records a bulk job with backfill from the group or the event', async () => {
    // Prepare
    const body = bulkBody([
      { email: 'a@example.com', backfill: true, events: [eventAttributes('a-1'), eventAttributes('a-2')] },
      { email: 'b@example.com', events: [{ ...eventAttributes('b-1'), backfill: true }, eventAttributes('b-2')] },
    ]);

    // Act
    const response = await post(simulator, BULK, body, { revision: '2026-04-15' });

    // Assess
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expect(simulator.events.map((event) => [event.profile.email, event.uniqueId, event.backfill, event.via])).toEqual([
      ['a@example.com', 'a-1', true, 'bulk-create-events'],
      ['a@example.com', 'a-2', true, 'bulk-create-events'],
      ['b@example.com', 'b-1', true, 'bulk-create-events'],
      ['b@example.com', 'b-2', false, 'bulk-create-events'],
    ]);
    expect(simulator.requests[0]?.schemaErrors).toEqual([]);
  });

  it('fails a whole bulk job whose unique_id repeats for the same profile and metric', async () => {
    // Prepare
    const body = bulkBody([{ email: 'a@example.com', events: [eventAttributes('a-0'), eventAttributes('a-1'), eventAttributes('a-1')] }]);

    // Act
    const response = await post(simulator, BULK, body);

    // Assess
    expect(response.status).toBe(400);
    expect((await errorsOf(response)).map((error) => error.source)).toEqual([
      { pointer: '/data/attributes/events-bulk-create/data/0/attributes/events/data/2/attributes/unique_id' },
    ]);
    expect(simulator.events).toEqual([]);
  });

  it('refuses a bulk job of more than 1,000 events', async () => {
    // Prepare
    const body = bulkBody([{ email: 'a@example.com', events: Array.from({ length: 1001 }, (_, i) => eventAttributes(`a-${i}`)) }]);

    // Act
    const response = await post(simulator, BULK, body);

    // Assess
    expect(response.status).toBe(400);
    expect(simulator.events).toEqual([]);
  });

  it('refuses backfill with a revision older than 2026-04-15', async () => {
    // Prepare
    const body = createEventBody();
    body.data.attributes.backfill = true;

    // Act
    const response = await post(simulator, EVENTS, body, { revision: '2025-10-15' });

    // Assess
    expect(response.status).toBe(400);
    expect((await errorsOf(response))[0]?.source).toEqual({ pointer: '/data/attributes/backfill' });
  });

  it('answers 401 not_authenticated to a revoked key and to a missing one', async () => {
    // Prepare
    simulator.revokeKey(KEY);

    // Act
    const revoked = await post(simulator, EVENTS, createEventBody());
    const missing = await post(simulator, EVENTS, createEventBody(), { key: null });
    const other = await post(simulator, EVENTS, createEventBody(), { key: OTHER_KEY });

    // Assess
    expect([revoked.status, missing.status, other.status]).toEqual([401, 401, 202]);
    expect(await errorsOf(revoked)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: 401,
        code: 'not_authenticated',
        title: 'Authentication credentials were not provided.',
        detail: 'Missing or invalid private key.',
        source: { pointer: '/data/' },
        meta: {},
      },
    ]);
  });

  it('answers 403 permission_denied to a key without events:write', async () => {
    // Prepare
    simulator.restrictKey(KEY);

    // Act
    const response = await post(simulator, EVENTS, createEventBody());

    // Assess
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/vnd.api+json');
    expect((await errorsOf(response))[0]?.code).toBe('permission_denied');
  });

  it('answers 415 to a body that is not JSON by content type, and accepts application/json with a charset', async () => {
    // Act
    const text = await post(simulator, EVENTS, createEventBody(), { contentType: 'text/plain' });
    const json = await post(simulator, EVENTS, createEventBody(), { contentType: 'application/json; charset=utf-8' });

    // Assess
    expect([text.status, json.status]).toEqual([415, 202]);
  });

  it.each([
    ['missing', null],
    ['malformed', '2026-7-15'],
  ])('answers 400 when the revision header is %s', async (_case, revision) => {
    // Act
    const response = await post(simulator, EVENTS, createEventBody(), { revision });

    // Assess
    expect(response.status).toBe(400);
    expect((await errorsOf(response))[0]?.source).toEqual({ parameter: 'revision' });
  });

  it('answers 404 to a path it does not serve', async () => {
    // Act
    const response = await post(simulator, '/api/profiles', {});

    // Assess
    expect(response.status).toBe(404);
    expect((await errorsOf(response))[0]?.code).toBe('not_found');
  });

  it('answers 429 with Retry-After once the burst limit is spent', async () => {
    // Prepare
    simulator.setRateLimits({ burstPerSecond: 2, steadyPerMinute: 100 });
    await post(simulator, EVENTS, createEventBody('u-1'));
    await post(simulator, EVENTS, createEventBody('u-2'));

    // Act
    const throttled = await post(simulator, EVENTS, createEventBody('u-3'));
    nowMs += 1000;
    const nextSecond = await post(simulator, EVENTS, createEventBody('u-3'));

    // Assess
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('ratelimit-limit')).toBeNull();
    expect((await errorsOf(throttled))[0]?.code).toBe('throttled');
    expect(nextSecond.status).toBe(202);
    expect(simulator.events.map((event) => event.uniqueId)).toEqual(['u-1', 'u-2', 'u-3']);
  });

  it('answers 429 until the minute resets once the steady limit is spent, per key and endpoint', async () => {
    // Prepare
    simulator.setRateLimits({ burstPerSecond: 10, steadyPerMinute: 2 }, 'create-event');
    await post(simulator, EVENTS, createEventBody('u-1'));
    await post(simulator, EVENTS, createEventBody('u-2'));

    // Act
    nowMs += 5000;
    const throttled = await post(simulator, EVENTS, createEventBody('u-3'));
    const otherKey = await post(simulator, EVENTS, createEventBody('u-3'), { key: OTHER_KEY });
    const bulk = await post(simulator, BULK, bulkBody([{ email: 'a@example.com', events: [eventAttributes('b-1')] }]));
    nowMs += 55_000;
    const nextMinute = await post(simulator, EVENTS, createEventBody('u-4'));

    // Assess
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('55');
    expect([otherKey.status, bulk.status, nextMinute.status]).toEqual([202, 202, 202]);
  });

  it('fails the next requests as told: 503 with Retry-After, then a Cloudflare 403 challenge page', async () => {
    // Prepare
    simulator.failNext(1, { status: 503, retryAfterSeconds: 7 });
    simulator.failNext(1, { status: 403, html: true });

    // Act
    const unavailable = await post(simulator, EVENTS, createEventBody());
    const challenge = await post(simulator, EVENTS, createEventBody());
    const recovered = await post(simulator, EVENTS, createEventBody());

    // Assess
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('7');
    expect((await errorsOf(unavailable))[0]).toEqual(expect.objectContaining({ status: 503, code: 'service_unavailable', meta: {} }));
    expect(challenge.status).toBe(403);
    expect(challenge.headers.get('content-type')).toMatch(/^text\/html/);
    expect(challenge.headers.get('cf-mitigated')).toBe('challenge');
    expect(await challenge.text()).toContain('<html');
    expect(recovered.status).toBe(202);
    expect(simulator.events).toHaveLength(1);
    expect(simulator.requests.map((request) => [request.status, request.schemaErrors])).toEqual([
      [503, []],
      [403, []],
      [202, []],
    ]);
  });
});
