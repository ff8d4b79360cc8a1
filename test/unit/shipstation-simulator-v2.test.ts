import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { header, startReceiver, type Delivery, type Receiver } from '../helpers/webhook-receiver.js';
import type {
  ApiTrackEvent,
  ShipStationSimulatorOptions,
  SimJwk,
  SimRsaJwk,
  SimShipment,
  TrackEventV2,
  TrackTamper,
} from '../../lib/local/simulators/shipstation-simulator.js';

const KEY = 'test-key';
const SECRET = 'test-secret';
const V2_KEY = 'test-v2-key';
const UNAUTHORIZED = {
  request_id: expect.any(String),
  errors: [
    {
      error_source: 'shipstation',
      error_type: 'security',
      error_code: 'unauthorized',
      message: 'The API key is invalid. Please see https://www.shipstation.com/docs/api/authentication',
    },
  ],
};
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const LOCAL_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const DAY = 86_400_000;
/** A recorded ShipEngine API_TRACK webhook (test/fixtures/shipstation/SOURCES.md): the shape `shape: 'API_TRACK'` follows. */
const RECORDED_API_TRACK = JSON.parse(readFileSync(new URL('../fixtures/shipstation/v2/api_track_usps_DE_2019_moltin.json', import.meta.url), 'utf8')) as {
  data: Record<string, unknown> & { events: Record<string, unknown>[] };
};

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

interface Check {
  headers: boolean;
  kidKnown: boolean;
  fresh: boolean;
  signatureValid: boolean;
}

class FakeClock {
  private current: Date;

  constructor(iso: string) {
    this.current = new Date(iso);
  }

  readonly now = (): Date => new Date(this.current.getTime());

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}

async function call(url: string, init: { method?: string; key?: string | null; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const key = init.key === undefined ? V2_KEY : init.key;
  if (key !== null) headers['API-Key'] = key;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** What a receiver following ShipStation's validation guide would find about one delivery. */
function check(delivery: Delivery, keys: SimJwk[], now: Date): Check {
  const kid = header(delivery.headers, 'x-shipengine-rsa-sha256-key-id');
  const signature = header(delivery.headers, 'x-shipengine-rsa-sha256-signature');
  const timestamp = header(delivery.headers, 'x-shipengine-timestamp');
  // Selected by key id among the RSA keys: the EC key published beside them never signs.
  const jwk = keys.find((key): key is SimRsaJwk => key.kid === kid && key.kty === 'RSA');
  const signatureValid =
    jwk !== undefined &&
    signature !== undefined &&
    timestamp !== undefined &&
    verify(
      'sha256',
      Buffer.from(`${timestamp}.${delivery.raw}`, 'utf8'),
      createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }),
      Buffer.from(signature, 'base64'),
    );
  return {
    headers: kid !== undefined && signature !== undefined && timestamp !== undefined,
    kidKnown: jwk !== undefined,
    fresh: timestamp !== undefined && Math.abs(Date.parse(timestamp) - now.getTime()) <= 5 * 60_000,
    signatureValid,
  };
}

describe('ShipStationSimulator V2', () => {
  let clock: FakeClock;
  let sim: ShipStationSimulator;
  let receiver: Receiver;

  const start = async (options: Partial<ShipStationSimulatorOptions> = {}): Promise<ShipStationSimulator> => {
    sim = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, v2ApiKey: V2_KEY, now: clock.now, ...options });
    return sim;
  };

  const subscribe = async (event: string, path: string, extra: Record<string, unknown> = {}): Promise<Reply> =>
    call(`${sim.baseUrl}/v2/environment/webhooks`, {
      method: 'POST',
      body: { name: `${event} hook`, event, url: `${receiver.url}${path}`, ...extra },
    });

  const jwks = async (): Promise<SimJwk[]> => ((await call(sim.jwksUrl, { key: null })).body as { keys: SimJwk[] }).keys;

  const label = (): SimShipment => sim.createLabel(sim.importOrder({}).orderId);

  beforeEach(async () => {
    clock = new FakeClock('2026-11-20T14:05:00.000Z');
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  describe('authentication', () => {
    it('returns the V2 401 body without API-Key, with a wrong key or with V1 Basic auth only', async () => {
      // Prepare
      await start();
      const basic = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;

      // Act
      const missing = await call(`${sim.baseUrl}/v2/environment/webhooks`, { key: null });
      const wrong = await call(`${sim.baseUrl}/v2/environment/webhooks`, { key: 'nope' });
      const v1Only = await fetch(`${sim.baseUrl}/v2/environment/webhooks`, { headers: { Authorization: basic } });
      const right = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Assess
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual(UNAUTHORIZED);
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual(UNAUTHORIZED);
      expect(v1Only.status).toBe(401);
      expect(right.status).toBe(200);
      expect(right.body).toEqual([]);
      expect(sim.requests.map((r) => [r.api, r.path, r.status, r.authorized])).toEqual([
        ['v2', '/v2/environment/webhooks', 401, false],
        ['v2', '/v2/environment/webhooks', 401, false],
        ['v2', '/v2/environment/webhooks', 401, false],
        ['v2', '/v2/environment/webhooks', 200, true],
      ]);
    });

    it('answers 401 for every V2 request when the simulator has no V2 key', async () => {
      // Prepare
      await start({ v2ApiKey: undefined });

      // Act
      const reply = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Assess
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED);
    });

    it('returns 401 once the V2 key expired, and 401 for the old key but 200 for the new one after rotateV2Key', async () => {
      // Prepare
      await start();
      sim.expireV2Key();
      const expired = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Act
      sim.rotateV2Key('new-v2-key');
      const old = await call(`${sim.baseUrl}/v2/environment/webhooks`);
      const rotated = await call(`${sim.baseUrl}/v2/environment/webhooks`, { key: 'new-v2-key' });
      const v1 = await fetch(`${sim.baseUrl}/stores`, { headers: { Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` } });

      // Assess
      expect(expired.status).toBe(401);
      expect(expired.body).toEqual(UNAUTHORIZED);
      expect(old.status).toBe(401);
      expect(rotated.status).toBe(200);
      expect(v1.status).toBe(200);
    });
  });

  describe('rate limit', () => {
    it('returns 429 with Retry-After and a V2 error body past 200 requests in the minute, without touching the V1 limit', async () => {
      // Prepare
      await start();
      for (let i = 1; i <= 199; i++) await call(`${sim.baseUrl}/v2/environment/webhooks`);
      clock.advance(20_000);
      const last = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Act
      const limited = await call(`${sim.baseUrl}/v2/environment/webhooks`);
      const jwksWhileLimited = await call(sim.jwksUrl, { key: null });
      const v1 = await fetch(`${sim.baseUrl}/stores`, { headers: { Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` } });
      clock.advance(40_000);
      const nextWindow = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Assess
      expect(last.status).toBe(200);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('40');
      expect(limited.body).toEqual({
        request_id: expect.any(String),
        errors: [expect.objectContaining({ error_source: 'shipstation', error_type: 'system', error_code: 'rate_limit_exceeded' })],
      });
      expect(jwksWhileLimited.status).toBe(200);
      expect(v1.status).toBe(200);
      expect(v1.headers.get('x-rate-limit-remaining')).toBe('39');
      expect(nextWindow.status).toBe(200);
    });

    it('honours v2RateLimitPerMinute and counts each V2 key separately', async () => {
      // Prepare
      await start({ v2RateLimitPerMinute: 2 });
      await call(`${sim.baseUrl}/v2/environment/webhooks`);
      await call(`${sim.baseUrl}/v2/environment/webhooks`);
      const limited = await call(`${sim.baseUrl}/v2/environment/webhooks`);
      sim.rotateV2Key('fresh-key');

      // Act
      const rotated = await call(`${sim.baseUrl}/v2/environment/webhooks`, { key: 'fresh-key' });

      // Assess
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      expect(rotated.status).toBe(200);
    });
  });

  describe('webhook management', () => {
    it('creates, lists and deletes webhooks, and records the requests next to the V1 ones', async () => {
      // Prepare
      await start();
      await fetch(`${sim.baseUrl}/stores`, { headers: { Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` } });

      // Act
      const created = await subscribe('track', '/track', { headers: [{ key: 'x-shared-secret', value: 's3cret' }] });
      const batch = await subscribe('batch', '/batch');
      const listed = await call(`${sim.baseUrl}/v2/environment/webhooks`);
      const id = (created.body as { webhook_id: string }).webhook_id;
      const deleted = await call(`${sim.baseUrl}/v2/environment/webhooks/${id}`, { method: 'DELETE' });
      const deletedAgain = await call(`${sim.baseUrl}/v2/environment/webhooks/${id}`, { method: 'DELETE' });
      const after = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Assess
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        webhook_id: expect.any(String),
        url: `${receiver.url}/track`,
        event: 'track',
        headers: [{ key: 'x-shared-secret', value: 's3cret' }],
      });
      expect(listed.body).toEqual([
        { webhook_id: id, url: `${receiver.url}/track`, event: 'track', headers: [{ key: 'x-shared-secret', value: 's3cret' }], store_id: null },
        { webhook_id: (batch.body as { webhook_id: string }).webhook_id, url: `${receiver.url}/batch`, event: 'batch', headers: [], store_id: null },
      ]);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect(deletedAgain.status).toBe(404);
      expect(deletedAgain.body).toEqual({ request_id: expect.any(String), errors: [expect.objectContaining({ error_code: 'not_found' })] });
      expect(after.body).toEqual([expect.objectContaining({ event: 'batch' })]);
      expect(sim.listV2Webhooks()).toEqual(after.body);
      expect(sim.requests.map((r) => [r.api, r.method, r.path.replace(id, ':id'), r.status])).toEqual([
        ['v1', 'GET', '/stores', 200],
        ['v2', 'POST', '/v2/environment/webhooks', 201],
        ['v2', 'POST', '/v2/environment/webhooks', 201],
        ['v2', 'GET', '/v2/environment/webhooks', 200],
        ['v2', 'DELETE', '/v2/environment/webhooks/:id', 204],
        ['v2', 'DELETE', '/v2/environment/webhooks/:id', 404],
        ['v2', 'GET', '/v2/environment/webhooks', 200],
      ]);
    });

    it('refuses a second webhook for the same event and url, an unknown event and a missing url with a V2 400', async () => {
      // Prepare
      await start();
      await subscribe('track', '/track');

      // Act
      const duplicate = await subscribe('track', '/track');
      const otherEvent = await subscribe('batch', '/track');
      const unknown = await subscribe('TRACK_EVENT_V2', '/other');
      const noUrl = await call(`${sim.baseUrl}/v2/environment/webhooks`, { method: 'POST', body: { name: 'x', event: 'track' } });

      // Assess
      expect(duplicate.status).toBe(400);
      expect(duplicate.body).toEqual({
        request_id: expect.any(String),
        errors: [
          expect.objectContaining({
            error_source: 'shipstation',
            error_type: 'validation',
            message: expect.stringMatching(/already exists.*does not allow duplicate webhooks/),
          }),
        ],
      });
      expect(otherEvent.status).toBe(201);
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(unknown.body)).toContain(
        'batch, carrier_connected, order_source_refresh_complete, rate, report_complete, sales_orders_imported, track, ' +
          'batch_processed_v2, fulfillment_rejected_v2, fulfillment_shipped_v2, label_created_v2, shipment_created_v2, track_event_v2.',
      );
      expect(noUrl.status).toBe(400);
      expect(sim.listV2Webhooks()).toHaveLength(2);
    });

    it.each([
      ['batch_processed_v2'],
      ['fulfillment_rejected_v2'],
      ['fulfillment_shipped_v2'],
      ['label_created_v2'],
      ['shipment_created_v2'],
      ['track_event_v2'],
    ])('accepts the V2 event %s the webhooks guide names', async (event) => {
      // Prepare
      await start();

      // Act
      const created = await subscribe(event, `/${event}`);

      // Assess
      expect(created.status).toBe(201);
      expect(sim.listV2Webhooks()).toEqual([expect.objectContaining({ event, url: `${receiver.url}/${event}` })]);
    });

    it('answers V2 requests hit by a fault with V2 error bodies', async () => {
      // Prepare
      await start({ faults: (request) => (request.api === 'v2' && request.method === 'POST' ? { status: 503 } : undefined) });

      // Act
      const faulted = await subscribe('track', '/track');
      const listed = await call(`${sim.baseUrl}/v2/environment/webhooks`);

      // Assess
      expect(faulted.status).toBe(503);
      expect(faulted.body).toEqual({ request_id: expect.any(String), errors: [expect.objectContaining({ error_type: 'system' })] });
      expect(listed.body).toEqual([]);
    });
  });

  describe('signed tracking webhooks', () => {
    it('serves the JWKS without auth and signs a TRACK_EVENT_V2 that verifies against it', async () => {
      // Prepare
      await start();
      await subscribe('track', '/track', { headers: [{ key: 'x-shared-secret', value: 's3cret' }] });
      const shipment = label();
      clock.advance(3_600_000);

      // Act
      const sent = sim.track(shipment.trackingNumber, { statusCode: 'IT', description: 'Arrived at facility', city: 'Denver', state: 'CO' });
      await sim.flushWebhooks();
      const keys = await jwks();

      // Assess
      expect(sim.jwksUrl).toBe(`${sim.baseUrl}/v2/webhook-jwks.json`);
      expect(keys).toEqual([
        { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: 'sim-ec-key-1', alg: 'ES256', use: 'sig' },
        { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: sim.signingKeyId, alg: 'RS256', use: 'sig' },
      ]);
      expect(sim.jwksRequests).toBe(1);
      expect(receiver.received).toHaveLength(1);
      const [delivery] = receiver.received as [Delivery];
      expect(delivery.path).toBe('/track');
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['x-shared-secret']).toBe('s3cret');
      expect(delivery.headers['x-shipengine-rsa-sha256-key-id']).toBe('sim-key-1');
      expect(delivery.headers['x-shipengine-timestamp']).toBe('2026-11-20T15:05:00.000Z');
      expect(check(delivery, keys, clock.now())).toEqual({ headers: true, kidKnown: true, fresh: true, signatureValid: true });
      const body = JSON.parse(delivery.raw) as TrackEventV2;
      expect(body).toEqual(sent);
      expect(body.resource_url).toBe(`${sim.baseUrl}/v2/labels/se-${shipment.shipmentId}/track`);
      expect(body.resource_type).toBe('TRACK_EVENT_V2');
      expect(Object.keys(body.data).sort()).toEqual(
        [
          'tracking_number',
          'tracking_url',
          'status_code',
          'status_detail_code',
          'status_detail_description',
          'carrier_code',
          'carrier_id',
          'carrier_detail_code',
          'status_description',
          'carrier_status_code',
          'carrier_status_description',
          'ship_date',
          'estimated_delivery_date',
          'actual_delivery_date',
          'exception_description',
          'events',
        ].sort(),
      );
      expect(body.data).toEqual(
        expect.objectContaining({
          tracking_number: shipment.trackingNumber,
          status_code: 'IT',
          status_description: 'In Transit',
          carrier_code: 'stamps_com',
          ship_date: '2026-11-20T14:05:00Z',
          actual_delivery_date: null,
          exception_description: null,
        }),
      );
      expect(body.data.events).toHaveLength(1);
      const [event] = body.data.events;
      expect(Object.keys(event ?? {}).sort()).toEqual(
        [
          'occurred_at',
          'carrier_occurred_at',
          'description',
          'city_locality',
          'state_province',
          'postal_code',
          'country_code',
          'company_name',
          'signer',
          'event_code',
          'carrier_detail_code',
          'status_code',
          'status_detail_code',
          'status_description',
          'latitude',
          'longitude',
        ].sort(),
      );
      expect(event).toEqual(
        expect.objectContaining({
          occurred_at: '2026-11-20T15:05:00Z',
          carrier_occurred_at: '2026-11-20T08:05:00',
          description: 'Arrived at facility',
          city_locality: 'Denver',
          state_province: 'CO',
          country_code: 'US',
          status_code: 'IT',
        }),
      );
    });

    it('delivers each update to track_event_v2 and track subscribers alike, signed by an RSA key and never by the EC key', async () => {
      // Prepare
      await start();
      await subscribe('track_event_v2', '/track-event-v2');
      await subscribe('track', '/track');
      const shipment = label();
      // Subscribed after the label, whose own LABEL_CREATED_V2 it would get: a decoy for tracking updates only.
      await subscribe('label_created_v2', '/labels');

      // Act
      const sent = sim.track(shipment.trackingNumber, { statusCode: 'IT', city: 'Denver', state: 'CO' });
      await sim.flushWebhooks();
      const keys = await jwks();

      // Assess
      expect(receiver.received.map((d) => d.path).sort()).toEqual(['/track', '/track-event-v2']);
      for (const delivery of receiver.received) {
        expect(JSON.parse(delivery.raw)).toEqual(sent);
        expect(delivery.headers['x-shipengine-rsa-sha256-key-id']).toBe(sim.signingKeyId);
        expect(check(delivery, keys, clock.now())).toEqual({ headers: true, kidKnown: true, fresh: true, signatureValid: true });
      }
      expect(keys.filter((key) => key.kty === 'EC').map((key) => key.kid)).toEqual(['sim-ec-key-1']);
      expect(sent.resource_type).toBe('TRACK_EVENT_V2');
    });

    it("delivers ShipEngine's older API_TRACK shape on request, shaped like the recorded one: event_date scans, no occurred_at", async () => {
      // Prepare
      await start();
      await subscribe('track', '/track');
      const shipment = sim.createLabel(sim.importOrder({}).orderId, { carrierCode: 'stamps_com', trackingNumber: '9361269903502070406152' });
      sim.track(shipment.trackingNumber, { statusCode: 'IT', description: 'Arrived at USPS Facility', city: 'AUSTIN', state: 'TX', postalCode: '78721' });
      clock.advance(DAY);

      // Act
      const sent: ApiTrackEvent = sim.track(shipment.trackingNumber, {
        statusCode: 'DE',
        description: 'Delivered, Individual Picked Up at Post Office',
        city: 'AUSTIN',
        state: 'TX',
        postalCode: '78721',
        shape: 'API_TRACK',
      });
      await sim.flushWebhooks();

      // Assess
      const delivery = receiver.received[1] as Delivery;
      const body = JSON.parse(delivery.raw) as ApiTrackEvent;
      expect(body).toEqual(sent);
      expect(check(delivery, await jwks(), clock.now()).signatureValid).toBe(true);
      expect(body.resource_type).toBe('API_TRACK');
      expect(body.resource_url).toBe('https://api.shipengine.com/v1/tracking/stamps_com/9361269903502070406152');
      expect(body.data.links).toEqual({ self: { href: body.resource_url }, label: null });
      expect(Object.keys(body.data).sort()).toEqual(Object.keys(RECORDED_API_TRACK.data).sort());
      expect(body.data.events.map((e) => Object.keys(e).sort())).toEqual(
        body.data.events.map(() => Object.keys(RECORDED_API_TRACK.data.events[0] ?? {}).sort()),
      );
      expect(body.data.events.map((e) => [e.event_date, e.description])).toEqual([
        ['2026-11-21T14:05:00.000Z', 'Delivered, Individual Picked Up at Post Office'],
        ['2026-11-20T14:05:00.000Z', 'Arrived at USPS Facility'],
      ]);
      expect(body.data).toMatchObject({
        tracking_number: '9361269903502070406152',
        status_code: 'DE',
        status_description: 'Delivered',
        actual_delivery_date: '2026-11-21T14:05:00.000Z',
      });
      expect(delivery.raw).not.toContain('occurred_at');
      // The package's history is one, whatever shape each webhook took.
      expect(sim.getTracking(shipment.trackingNumber)?.events).toHaveLength(2);
    });

    it('carries the whole history newest first, and fills actual_delivery_date and exception_description', async () => {
      // Prepare
      await start();
      await subscribe('track', '/track');
      const shipment = label();
      sim.track(shipment.trackingNumber, { statusCode: 'NY' });
      clock.advance(DAY);
      sim.track(shipment.trackingNumber, {
        statusCode: 'EX',
        exceptionDescription: 'Address information incomplete',
        estimatedDelivery: new Date('2026-11-23T00:00:00Z'),
      });
      clock.advance(DAY);

      // Act
      const delivered = sim.track(shipment.trackingNumber, { statusCode: 'DE', occurredAt: new Date('2026-11-22T18:30:00.250Z') });
      await sim.flushWebhooks();

      // Assess
      expect(receiver.received).toHaveLength(3);
      expect(delivered.data.events.map((e) => [e.status_code, e.occurred_at])).toEqual([
        ['DE', '2026-11-22T18:30:00Z'],
        ['EX', '2026-11-21T14:05:00Z'],
        ['NY', '2026-11-20T14:05:00Z'],
      ]);
      expect(delivered.data.events.every((e) => UTC_SECONDS.test(e.occurred_at) && LOCAL_SECONDS.test(e.carrier_occurred_at))).toBe(true);
      expect(delivered.data.actual_delivery_date).toBe('2026-11-22T18:30:00Z');
      expect(delivered.data.estimated_delivery_date).toBe('2026-11-23T00:00:00Z');
      expect(delivered.data.exception_description).toBeNull();
      const exception = receiver.received.map((d) => JSON.parse(d.raw) as TrackEventV2).find((b) => b.data.status_code === 'EX');
      expect(exception?.data.exception_description).toBe('Address information incomplete');
      expect(sim.getTracking(shipment.trackingNumber)).toEqual(delivered.data);
    });

    it('refuses an unknown tracking number unless unknownLabel is set', async () => {
      // Prepare
      await start();
      await subscribe('track', '/track');

      // Act
      const refused = (): TrackEventV2 => sim.track('1Z_NOT_OURS', { statusCode: 'IT' });
      const unknown = sim.track('1Z_NOT_OURS', { statusCode: 'IT', unknownLabel: true, carrierCode: 'ups' });
      await sim.flushWebhooks();

      // Assess
      expect(refused).toThrow(/no simulator label has tracking number 1Z_NOT_OURS/);
      expect(unknown.data.carrier_code).toBe('ups');
      expect(unknown.resource_url).toMatch(new RegExp(`^${sim.baseUrl}/v2/labels/se-\\d+/track$`));
      expect(receiver.received).toHaveLength(1);
    });

    it('sends nothing to webhooks of other events, and repeats deliveries like V1 webhooks', async () => {
      // Prepare
      const seen: string[] = [];
      await start({
        webhookDeliveriesFor: (event, resourceUrl) => {
          seen.push(`${event} ${resourceUrl}`);
          return 2;
        },
      });
      await subscribe('batch', '/batch');
      await subscribe('track', '/track');
      const shipment = label();

      // Act
      sim.track(shipment.trackingNumber, { statusCode: 'AC' });
      await sim.flushWebhooks();

      // Assess
      expect(receiver.received.map((d) => d.path)).toEqual(['/track', '/track']);
      expect(receiver.received[0]?.raw).toBe(receiver.received[1]?.raw);
      expect(seen).toEqual([`TRACK_EVENT_V2 ${sim.baseUrl}/v2/labels/se-${shipment.shipmentId}/track`]);
    });

    it('keeps the old kid in the JWKS after rotateSigningKey and signs with the new one', async () => {
      // Prepare
      await start();
      await subscribe('track', '/track');
      const shipment = label();
      sim.track(shipment.trackingNumber, { statusCode: 'NY' });
      const oldKid = sim.signingKeyId;

      // Act
      const newKid = sim.rotateSigningKey();
      sim.track(shipment.trackingNumber, { statusCode: 'AC' });
      await sim.flushWebhooks();
      const keys = await jwks();

      // Assess
      expect(oldKid).toBe('sim-key-1');
      expect(newKid).toBe('sim-key-2');
      expect(sim.signingKeyId).toBe(newKid);
      expect(keys.map((key) => key.kid)).toEqual(['sim-ec-key-1', oldKid, newKid]);
      const byStatus = new Map(receiver.received.map((d) => [(JSON.parse(d.raw) as TrackEventV2).data.status_code, d]));
      const before = byStatus.get('NY') as Delivery;
      const after = byStatus.get('AC') as Delivery;
      expect(before.headers['x-shipengine-rsa-sha256-key-id']).toBe(oldKid);
      expect(after.headers['x-shipengine-rsa-sha256-key-id']).toBe(newKid);
      expect(check(before, keys, clock.now()).signatureValid).toBe(true);
      expect(check(after, keys, clock.now()).signatureValid).toBe(true);
      const oldKeyOnly = keys.filter((key) => key.kid === oldKid).map((key) => ({ ...key, kid: newKid }));
      expect(check(after, oldKeyOnly, clock.now()).signatureValid).toBe(false);
    });

    const tampered: [TrackTamper | 'none', Check][] = [
      ['none', { headers: true, kidKnown: true, fresh: true, signatureValid: true }],
      ['body', { headers: true, kidKnown: true, fresh: true, signatureValid: false }],
      ['signature', { headers: true, kidKnown: true, fresh: true, signatureValid: false }],
      ['timestamp-old', { headers: true, kidKnown: true, fresh: false, signatureValid: true }],
      ['unknown-kid', { headers: true, kidKnown: false, fresh: true, signatureValid: false }],
      ['missing-headers', { headers: false, kidKnown: false, fresh: false, signatureValid: false }],
    ];

    it.each(tampered)('tamper %s breaks exactly what it says', async (tamper, expected) => {
      // Prepare
      await start();
      await subscribe('track', '/track');
      const shipment = label();
      sim.track(shipment.trackingNumber, { statusCode: 'NY' });
      await sim.flushWebhooks();
      const good = receiver.received.pop() as Delivery;

      // Act
      const sent = sim.track(shipment.trackingNumber, { statusCode: 'IT', ...(tamper === 'none' ? {} : { tamper }) });
      await sim.flushWebhooks();
      const keys = await jwks();

      // Assess
      expect(receiver.received).toHaveLength(1);
      const delivery = receiver.received[0] as Delivery;
      expect(check(delivery, keys, clock.now())).toEqual(expected);
      const body = JSON.parse(delivery.raw) as TrackEventV2;
      if (tamper === 'body') expect(body).toEqual({ ...sent, data: { ...sent.data, status_code: 'DE' } });
      else expect(body).toEqual(sent);
      const signatureHeaders = ['x-shipengine-rsa-sha256-key-id', 'x-shipengine-rsa-sha256-signature', 'x-shipengine-timestamp'];
      const rest = (d: Delivery): Record<string, unknown> =>
        Object.fromEntries(Object.entries(d.headers).filter(([name]) => !signatureHeaders.includes(name) && name !== 'content-length'));
      expect(rest(delivery)).toEqual(rest(good));
      if (tamper === 'timestamp-old') expect(delivery.headers['x-shipengine-timestamp']).toBe('2026-11-20T13:55:00.000Z');
      if (tamper === 'signature' || tamper === 'timestamp-old' || tamper === 'body') {
        expect(delivery.headers['x-shipengine-rsa-sha256-key-id']).toBe(sim.signingKeyId);
      }
    });

    it('signs a crafted body with signTrackingBody and delivers it unchanged with deliverRaw', async () => {
      // Prepare
      await start();
      const raw = '{"resource_url":"x","resource_type":"TRACK_EVENT_V2","data":{}}';
      const headers = sim.signTrackingBody(raw);

      // Act
      await sim.deliverRaw(`${receiver.url}/crafted`, raw, { ...headers });

      // Assess
      expect(headers['x-shipengine-timestamp']).toBe('2026-11-20T14:05:00.000Z');
      expect(receiver.received).toHaveLength(1);
      const delivery = receiver.received[0] as Delivery;
      expect(delivery.path).toBe('/crafted');
      expect(delivery.raw).toBe(raw);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(check(delivery, await jwks(), clock.now())).toEqual({ headers: true, kidKnown: true, fresh: true, signatureValid: true });
    });

    it('answers GET /v2/labels/{label_id}/track with the newest tracking data', async () => {
      // Prepare
      await start();
      const tracked = label();
      const untracked = label();
      sim.track(tracked.trackingNumber, { statusCode: 'AC' });

      // Act
      const reply = await call(`${sim.baseUrl}/v2/labels/se-${tracked.shipmentId}/track`);
      const blank = await call(`${sim.baseUrl}/v2/labels/se-${untracked.shipmentId}/track`);
      const missing = await call(`${sim.baseUrl}/v2/labels/se-1/track`);

      // Assess
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(sim.getTracking(tracked.trackingNumber));
      expect(blank.body).toEqual(expect.objectContaining({ tracking_number: untracked.trackingNumber, status_code: 'NY', events: [] }));
      expect(missing.status).toBe(404);
    });
  });

  describe('advanceTracking', () => {
    it('moves every outbound live label created while track was subscribed to DE, one webhook per step, times strictly increasing', async () => {
      // Prepare
      await start();
      const before = label();
      await subscribe('track', '/track');
      const labels: SimShipment[] = [];
      for (let i = 0; i < 100; i++) {
        labels.push(sim.createLabel(sim.importOrder({}).orderId, { carrierCode: i % 3 === 0 ? 'ups' : 'stamps_com' }));
        clock.advance(7 * 60_000);
      }
      const ret = sim.createLabel((labels[0] as SimShipment).orderId, { isReturnLabel: true });
      const voided = label();
      sim.voidLabel(voided.shipmentId);
      const start0 = clock.now().getTime();

      // Act
      let sent = 0;
      for (let at = start0; at <= start0 + 6 * DAY; at += 3 * 3_600_000) sent += sim.advanceTracking(new Date(at));
      const again = sim.advanceTracking(new Date(start0 + 6 * DAY));
      await sim.flushWebhooks();

      // Assess
      expect(again).toBe(0);
      expect(receiver.received).toHaveLength(sent);
      const bodies = receiver.received.map((d) => JSON.parse(d.raw) as TrackEventV2);
      const byNumber = new Map<string, TrackEventV2[]>();
      for (const body of bodies) byNumber.set(body.data.tracking_number, [...(byNumber.get(body.data.tracking_number) ?? []), body]);
      expect(byNumber.has(before.trackingNumber)).toBe(false);
      expect(byNumber.has(ret.trackingNumber)).toBe(false);
      expect(byNumber.has(voided.trackingNumber)).toBe(false);
      expect(byNumber.size).toBe(labels.length);
      const journeys: string[] = [];
      for (const shipment of labels) {
        const received = (byNumber.get(shipment.trackingNumber) ?? []).sort((a, b) => a.data.events.length - b.data.events.length);
        const final = received[received.length - 1] as TrackEventV2;
        const events = [...final.data.events].reverse();
        expect(received.map((b) => b.data.events.length)).toEqual(events.map((_, i) => i + 1));
        const times = events.map((e) => Date.parse(e.occurred_at));
        expect(times.every((t, i) => i === 0 || t > (times[i - 1] as number))).toBe(true);
        expect(final.data.status_code).toBe('DE');
        expect(final.data.actual_delivery_date).toBe(events[events.length - 1]?.occurred_at);
        const labelAt = Date.parse(final.data.ship_date as string);
        const firstScan = (times[1] as number) - labelAt;
        expect(firstScan).toBeGreaterThanOrEqual(90 * 60_000);
        expect(firstScan).toBeLessThanOrEqual(150 * 60_000);
        const days = (Date.parse(final.data.actual_delivery_date as string) - labelAt) / DAY;
        expect(days).toBeGreaterThanOrEqual(1.5);
        expect(days).toBeLessThanOrEqual(4.5);
        const journey = events
          .map((e) => (e.status_detail_code === 'OUT_FOR_DELIVERY' ? 'OFD' : e.status_code))
          .join(' ')
          .replace(/(IT )+/g, 'IT* ');
        expect(journey).toMatch(/^NY (AC|IT\*) (IT\* )?OFD( (EX|AT) OFD)? DE$/);
        journeys.push(journey);
      }
      expect(journeys.some((j) => j.includes('EX'))).toBe(true);
      expect(journeys.some((j) => j.includes('AT'))).toBe(true);
      const exception = bodies.find((b) => b.data.status_code === 'EX');
      expect(exception?.data.exception_description).toBe('Address information incomplete');
    });

    it('moves labels created while only track_event_v2 is subscribed, delivering TRACK_EVENT_V2 bodies to it', async () => {
      // Prepare
      await start();
      await subscribe('track_event_v2', '/track-event-v2');
      const shipment = label();

      // Act
      const sent = sim.advanceTracking(new Date(clock.now().getTime() + 5 * DAY));
      await sim.flushWebhooks();

      // Assess
      expect(sent).toBeGreaterThanOrEqual(4);
      expect(receiver.received).toHaveLength(sent);
      const bodies = receiver.received.map((d) => JSON.parse(d.raw) as TrackEventV2);
      expect(new Set(bodies.map((b) => `${b.resource_type} ${b.data.tracking_number}`))).toEqual(new Set([`TRACK_EVENT_V2 ${shipment.trackingNumber}`]));
      expect(sim.getTracking(shipment.trackingNumber)?.status_code).toBe('DE');
    });

    it('is deterministic: the same labels give the same webhooks', async () => {
      // Prepare
      const run = async (): Promise<unknown[]> => {
        await start();
        await subscribe('track', '/track');
        const numbers = Array.from({ length: 5 }, () => label().trackingNumber);
        sim.advanceTracking(new Date(clock.now().getTime() + 5 * DAY));
        const result = numbers.map((n) => ({ ...sim.getTracking(n) }));
        await sim.close();
        return result;
      };

      // Act
      const first = await run();
      clock = new FakeClock('2026-11-20T14:05:00.000Z');
      const second = await run();

      // Assess
      expect(second).toEqual(first);
      expect(first.every((data) => (data as { status_code: string }).status_code === 'DE')).toBe(true);
    });
  });
});
