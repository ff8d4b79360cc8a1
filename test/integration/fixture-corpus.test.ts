// The fixture corpus: every recorded public ShipStation payload in test/fixtures/shipstation (sources in its SOURCES.md)
// goes through the real path — the HTTP adapter reading it from a loopback server exactly as ShipStation sent it, the
// webhook fetch or the poll's list read, publish-events' state, dedupe and buyer rules, and for tracking the signed-
// webhook check — and each case states the events it must produce. Every Klaviyo body is checked against Klaviyo's
// official schema. Where a case composes two payloads (a label and an order from different sources), it says how.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HttpShipStationApi } from '../../lib/adapters/http-shipstation-api.js';
import { JwksSignatureVerifier } from '../../lib/adapters/jwks-signature-verifier.js';
import { loadConfig } from '../../lib/config.js';
import { bulkCreateEventsBody } from '../../lib/domain/klaviyo-bulk.js';
import { createEventBody, type KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import type { Snapshot } from '../../lib/domain/snapshot.js';
import type { TrackingUpdate } from '../../lib/domain/tracking.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { readWebhookRequest } from '../../lib/edge/http.js';
import { makeAcceptTracking } from '../../lib/use-cases/accept-tracking.js';
import { makeAcceptWebhook } from '../../lib/use-cases/accept-webhook.js';
import { makeFetchResource } from '../../lib/use-cases/fetch-resource.js';
import { makePublishHistory } from '../../lib/use-cases/publish-history.js';
import { makePublishTracking } from '../../lib/use-cases/publish-tracking.js';
import { makePublishUpdate } from '../../lib/use-cases/publish-update.js';
import { makeResolveServiceName } from '../../lib/use-cases/resolve-service-name.js';
import {
  fakeAccount,
  FakeClock,
  FakeKlaviyoBulkApi,
  FakeShipStationV2,
  InMemoryBulkOutbox,
  InMemoryCarrierServiceCache,
  InMemoryNotificationQueue,
  InMemoryOutboxFlushQueue,
  InMemoryRateBudget,
  InMemoryTrackingActivity,
  InMemoryUpdateQueue,
  inMemoryPublishDeps,
} from '../fakes/in-memory-ports.js';
import { orderSnapshot, shipmentSnapshot, webhookEvent } from '../helpers/factories.js';
import { fixture, fixtureText, FixtureServer } from '../helpers/fixture-server.js';

type Json = Record<string, unknown>;

let server: FixtureServer;

beforeAll(async () => {
  server = await FixtureServer.start();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => server.clear());

/** The service as deployed, on in-memory stores, reading ShipStation (the fixture server) through the real adapter. */
function pipeline(now: string) {
  const clock = new FakeClock(now);
  const env = {
    SHIPSTATION_API_KEY: 'corpus-key',
    SHIPSTATION_API_SECRET: 'corpus-secret',
    SHIPSTATION_KEY_EXPIRES_ON: '2027-05-01',
    SHIPSTATION_BASE_URL: server.baseUrl,
    KLAVIYO_PRIVATE_KEY: 'pk_corpus',
    WEBHOOK_TOKEN: 'corpus-webhook-token-0123456789',
    TABLE_NAME: 'unused',
    NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:1/notifications',
    UPDATES_QUEUE_URL: 'http://127.0.0.1:1/updates',
    HISTORY_QUEUE_URL: 'http://127.0.0.1:1/history',
    POLLS_QUEUE_URL: 'http://127.0.0.1:1/polls',
  };
  const api = new HttpShipStationApi(loadConfig(env).accounts, clock, { timeoutMs: 2000, budget: new InMemoryRateBudget() });
  const deps = inMemoryPublishDeps(
    clock,
    fakeAccount({ shipStationBaseUrl: server.baseUrl, shipStationV2Fingerprint: 'v2-fp', webhookToken: env.WEBHOOK_TOKEN }),
  );
  const updates = new InMemoryUpdateQueue();
  const publishDeps = {
    ...deps,
    orders: api,
    serviceNames: makeResolveServiceName({ catalog: api, cache: new InMemoryCarrierServiceCache(), credentials: deps.credentials, clock, log: deps.log }),
    updates,
  };
  const publishUpdate = makePublishUpdate(publishDeps);
  const publishTracking = makePublishTracking({ ...publishDeps, activity: new InMemoryTrackingActivity(), joinWaitHours: 6 });
  const fetchResource = makeFetchResource({ ...deps, shipStation: api, shipStationV2: new FakeShipStationV2(), updates });

  /** Publishes what is on the updates queue (labels that waited for their order come back) until it is empty. */
  const drain = async (): Promise<void> => {
    for (let round = 0; round < 5 && updates.snapshots.length + updates.tracking.length > 0; round += 1) {
      const snapshots = updates.snapshots.splice(0);
      const tracking = updates.tracking.splice(0);
      for (const snapshot of snapshots) await publishUpdate(snapshot);
      for (const { message } of tracking) await publishTracking(message);
    }
  };
  /** A V1 webhook: ShipStation posts the resource URL, fetch-resource reads it, publish-events sends. */
  const webhook = async (resourceType: string, path: string): Promise<void> => {
    await fetchResource({ accountId: 'default', resourceUrl: `${server.baseUrl}${path}`, resourceType, receivedAt: clock.now().toISOString() });
    await drain();
  };
  /** A poll page (a fixture's path, or a page built from recorded rows): the lister reads it, its snapshots go on the updates queue as the poll sends recent ones. */
  const poll = async (resource: 'orders' | 'shipments' | 'fulfillments', body: string | Json): Promise<void> => {
    server.serve(`/${resource}`, typeof body === 'string' ? fixtureText(body) : body, { page: '1' });
    const page = await api.listPage('default', { resource, query: { page: '1' } });
    await updates.enqueueAll(page.snapshots);
    await drain();
  };
  return { clock, deps, api, updates, publishUpdate, publishTracking, webhook, poll, drain, klaviyo: deps.klaviyo, ledger: deps.ledger };
}

/** Every event Klaviyo got, each body checked against Klaviyo's official Create Event schema first. */
function validated(events: KlaviyoEvent[]): KlaviyoEvent[] {
  for (const event of events) expect(validateKlaviyoBody('create-event', createEventBody(event))).toEqual([]);
  return events;
}

/** A list page around records, as ShipStation's list endpoints answer (used where a case serves one record as a page). */
const page = (key: 'orders' | 'shipments' | 'fulfillments', records: unknown[]): Json => ({ [key]: records, total: records.length, page: 1, pages: 1 });

describe('fixture corpus: orders', () => {
  it("V1 docs List Orders (compwright): a GB order and the docs' gift order, each to its buyer only", async () => {
    // Prepare
    const { webhook, klaviyo } = pipeline('2015-08-17T16:30:00.000Z');
    server.serve('/orders', fixtureText('compwright/ListOrdersResponse.json'), { importbatch: 'docs' });

    // Act
    await webhook('ORDER_NOTIFY', '/orders?importBatch=docs');

    // Assess
    const events = validated(klaviyo.events);
    expect(events.map((e) => [e.metric, e.uniqueId])).toEqual([
      ['Order Awaiting Shipment', 'ss:default:order:987654321:awaiting_shipment:20150817T162416Z'],
      ['Order Awaiting Shipment', 'ss:default:order:123456789:awaiting_shipment:20150817T162159Z'],
    ]);
    // Sherlock Holmes ships to himself: his London address describes him.
    expect(events[0]?.profile).toEqual({
      email: 'sholmes1854@methodsofdetection.com',
      firstName: 'Sherlock',
      lastName: 'Holmes',
      location: { city: 'London', zip: 'NW1 6XE', country: 'GB' },
    });
    expect(events[0]?.properties).toMatchObject({ ShipByDate: '2015-07-05', IsGift: false, ItemCount: 3, ShipToCountry: 'GB' });
    expect(events[0]?.value).toBe(387.97);
    // The docs order is a gift: the President's profile gets no recipient phone or place; the "10% OFF" line is no item.
    expect(events[1]?.profile).toEqual({ email: 'headhoncho@whitehouse.gov', firstName: 'The', lastName: 'President' });
    expect(events[1]?.properties).toMatchObject({ ShipByDate: '2015-07-05', IsGift: true, ShipToCity: 'Washington', ItemCount: 2, SKUs: ['ABC123'] });
    expect(events[1]?.value).toBe(194.43);
  });

  it('recorded orders already shipped (agritheory: India, Switzerland, items []) send no status event', async () => {
    // Prepare
    const { poll, klaviyo, deps } = pipeline('2015-07-01T00:00:00.000Z');

    // Act: the sanitised list (one orderId for both rows, the later one applied last)
    await poll('orders', 'agritheory/list_orders.json');
    const afterList = await deps.orderStates.get('default', 123456789);
    await poll('orders', page('orders', [fixture('agritheory/get_order.json')]));

    // Assess
    expect(klaviyo.events).toEqual([]);
    expect(afterList).toMatchObject({
      status: 'shipped',
      buyer: { email: 'nope@example.com', firstName: 'Nope', lastName: 'Example', location: { city: 'Large City', postalCode: '100000', country: 'IN' } },
    });
    expect(await deps.orderStates.get('default', 123456789)).toMatchObject({ buyer: { email: 's.pigoni@gmail.com', firstName: 'Sandro', lastName: 'Pigoni' } });
  });

  it('a recorded order with customerEmail null and no phone anywhere (agritheory) becomes a dead-letter record with the reason', async () => {
    // Prepare
    const { webhook, klaviyo, ledger } = pipeline('2020-10-21T19:00:00.000Z');
    server.serve('/orders', page('orders', [fixture('agritheory/create_order_response_customerEmail_null.json')]), { importbatch: 'si' });

    // Act
    await webhook('ORDER_NOTIFY', '/orders?importBatch=si');

    // Assess
    expect(klaviyo.events).toEqual([]);
    const record = ledger.deadLetterOf('default', 'ss:default:order:143862300:awaiting_shipment:20201021T184705Z');
    expect(record?.reason).toMatch(/no customer email and no valid phone number/);
    // The bill-to place is the buyer's (name and place only; nothing of the ship-to person needed).
    expect(record?.body).toMatchObject({
      data: {
        attributes: {
          profile: { data: { attributes: { first_name: 'Random', last_name: 'Customer', location: { city: 'WASHINGTON', region: 'DC', zip: '20500' } } } },
        },
      },
    });
  });
});

describe('fixture corpus: labels', () => {
  /** The docs' List Shipments row is for order 43945660; the docs' Get Order example is given that id (the only change). */
  const docsOrderAs = (orderId: number): Json => ({ ...fixture('compwright/GetOrderResponse.json'), orderId });

  it("V1 docs List Shipments (no customerEmail key): Order Shipped reaches the buyer of the order seen first, with the service's name", async () => {
    // Prepare
    const { webhook, klaviyo } = pipeline('2015-09-08T19:00:00.000Z');
    server.serve('/orders', page('orders', [docsOrderAs(43945660)]), { importbatch: 'docs' });
    server.serve('/shipments', fixtureText('v1-docs/list_shipments.json'), { batchid: '100301' });
    server.serve('/carriers/listservices', fixtureText('agritheory/list_services_stamps_com.json'), { carriercode: 'stamps_com' });
    await webhook('ORDER_NOTIFY', '/orders?importBatch=docs');

    // Act
    await webhook('SHIP_NOTIFY', '/shipments?batchId=100301&includeShipmentItems=False');

    // Assess
    const shipped = validated(klaviyo.events).filter((e) => e.metric === 'Order Shipped');
    expect(shipped).toHaveLength(1);
    expect(shipped[0]).toMatchObject({
      uniqueId: 'ss:default:shipment:33974374:shipped',
      value: 194.43,
      profile: { email: 'headhoncho@whitehouse.gov', firstName: 'The', lastName: 'President' },
      properties: {
        Carrier: 'USPS',
        CarrierCode: 'stamps_com',
        Service: 'USPS First Class Mail',
        ServiceCode: 'usps_first_class_mail',
        TrackingURL: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899561704681189',
        ShipDate: '2014-10-03',
        ShipToCity: 'MANCHACA',
        IsGift: true,
        ItemNames: ['Potato Kitten -'],
      },
    });
    expect(shipped[0]?.profile.phoneNumber).toBeUndefined();
    expect(shipped[0]?.profile.location).toBeUndefined();
    expect(server.requests.filter((r) => r.path.startsWith('/orders/'))).toEqual([]);
  });

  it('V1 docs List Shipments, order never seen: the order is read once, and Order Shipped goes to its buyer once', async () => {
    // Prepare: ShipStation holds the order (the docs' Get Order given the label's order id)
    const { webhook, klaviyo } = pipeline('2015-09-08T19:00:00.000Z');
    server.serve('/orders/43945660', docsOrderAs(43945660));
    server.serve('/shipments', fixtureText('v1-docs/list_shipments.json'), { batchid: '100301' });

    // Act: the webhook twice (ShipStation delivers at least once)
    await webhook('SHIP_NOTIFY', '/shipments?batchId=100301&includeShipmentItems=False');
    await webhook('SHIP_NOTIFY', '/shipments?batchId=100301&includeShipmentItems=False');

    // Assess
    const shipped = validated(klaviyo.events).filter((e) => e.metric === 'Order Shipped');
    expect(shipped.map((e) => [e.uniqueId, e.profile.email])).toEqual([['ss:default:shipment:33974374:shipped', 'headhoncho@whitehouse.gov']]);
    expect(server.requests.filter((r) => r.path === '/orders/43945660')).toHaveLength(1);
    // No list was served: the common name of the service is used.
    expect(shipped[0]?.properties.Service).toBe('USPS First Class Mail');
  });

  it('V1 docs List Shipments, order gone from ShipStation and no email on the label: a dead-letter record saying why', async () => {
    // Prepare
    const { webhook, klaviyo, ledger } = pipeline('2015-09-08T19:00:00.000Z');
    server.serve('/shipments', fixtureText('v1-docs/list_shipments.json'), { batchid: '100301' });

    // Act
    await webhook('SHIP_NOTIFY', '/shipments?batchId=100301&includeShipmentItems=False');

    // Assess
    expect(klaviyo.events).toEqual([]);
    expect(ledger.deadLetterOf('default', 'ss:default:shipment:33974374:shipped')?.reason).toMatch(/no customer email and no valid phone number/);
  });

  it('recorded labels (agritheory, shipmentItems null) of orders never seen: each waits once, then goes to its own email only', async () => {
    // Prepare: the source sanitised two shipmentIds to one value; they are made distinct here
    const { poll, klaviyo } = pipeline('2015-06-29T22:00:00.000Z');
    const recorded = fixture<{ shipments: Json[] }>('agritheory/list_shipments.json');
    const shipments = recorded.shipments.map((s, i) => ({ ...s, shipmentId: 500_000_001 + i }));
    server.serve('/carriers/listservices', fixtureText('agritheory/list_services_stamps_com.json'), { carriercode: 'stamps_com' });

    // Act
    await poll('shipments', { ...recorded, shipments });

    // Assess
    const events = validated(klaviyo.events);
    expect(events.map((e) => [e.metric, e.profile])).toEqual([
      ['Order Shipped', { email: 'nope@example.com' }],
      ['Order Shipped', { email: 'yep@example.com' }],
      ['Order Shipped', { email: 'another@example.com' }],
    ]);
    expect(events.map((e) => e.properties.Service)).toEqual(['USPS First Class Mail', 'USPS First Class Mail', 'USPS First Class Mail']);
    expect(events[2]?.properties).toMatchObject({ ShipToCity: 'JACKSONVILLE', ShipToRegion: 'MN', ItemCount: 0 });
    // Each order was looked up once, after its label had waited once; ShipStation has none of them (404).
    expect(server.requests.filter((r) => r.path.startsWith('/orders/')).map((r) => r.path)).toEqual([
      '/orders/123456789',
      '/orders/234567890',
      '/orders/345678901',
    ]);
  });

  it('a recorded order whose email is "1@1" (skuvault): its label is dead-lettered as unreachable, never sent to the ship-to phone "123"', async () => {
    // Prepare: the order, then one recorded label row given that order's id (the only change)
    const { poll, webhook, klaviyo, ledger } = pipeline('2015-06-14T00:00:00.000Z');
    server.serve('/orders', page('orders', [fixture('skuvault-integrations/order_148363009_customerEmail_1at1.json')]), { importbatch: 'sv' });
    await webhook('ORDER_NOTIFY', '/orders?importBatch=sv');
    const label = { ...fixture<{ shipments: Json[] }>('agritheory/list_shipments.json').shipments[0], orderId: 148363009 };

    // Act
    await poll('shipments', page('shipments', [label]));

    // Assess
    expect(klaviyo.events).toEqual([]);
    expect(ledger.deadLetterOf('default', 'ss:default:shipment:123456789:shipped')?.reason).toMatch(/email cannot receive mail/);
  });
});

describe('fixture corpus: an import (history, sent in bulk)', () => {
  it("the docs' gift order and its List Shipments label in one import batch, the function dying in its bulk request: after the claims' lease both reach the buyer once", async () => {
    // Prepare: the import's list pages as ShipStation answers them (the docs' Get Order under the label's order id)
    const { api, deps, clock } = pipeline('2015-09-08T19:00:00.000Z');
    server.serve('/orders', page('orders', [{ ...(fixture('compwright/GetOrderResponse.json') as Json), orderId: 43945660 }]), { page: '1' });
    server.serve('/shipments', fixtureText('v1-docs/list_shipments.json'), { page: '1' });
    const read = async (resource: 'orders' | 'shipments'): Promise<Snapshot[]> =>
      (await api.listPage('default', { resource, query: { page: '1' } })).snapshots.map((s) => ({ ...s, history: true }) as Snapshot);
    const batch = [...(await read('orders')), ...(await read('shipments'))].map((snapshot) => ({ tag: 'history-message', snapshot }));
    const klaviyoBulk = new FakeKlaviyoBulkApi();
    let dead = true;
    klaviyoBulk.onSend = () => (dead ? new Promise<void>(() => undefined) : Promise.resolve());
    const outbox = new InMemoryBulkOutbox();
    const flushes = new InMemoryOutboxFlushQueue();
    const publish = makePublishHistory({
      ...deps,
      orders: api,
      klaviyoBulk,
      history: new InMemoryUpdateQueue(),
      concurrency: 4,
      outbox: { store: outbox, flushes, waitSeconds: 120 },
    });
    void publish(batch); // the function is gone inside its bulk request; its claims stay taken
    await new Promise((resolve) => setTimeout(resolve, 100));
    dead = false;

    // Act: SQS brings the message back once the claims' lease has run out, then the outbox's flush message comes
    clock.advance(121_000);
    const retried = await publish(batch);
    clock.advance(120_000);
    await publish([], [{ accountId: 'default', before: flushes.requests.at(-1)?.before ?? clock.now().toISOString(), tag: 'flush' }]);

    // Assess: the order's status and the label, each once, to the buyer. (The docs' label, 2014-10-03, predates the
    // order's last modifyDate, 2015-09-08, so this pair never meets the stale rule for a label newer than its order;
    // that case, a history snapshot applied again after its label, is held by test/unit/order-state.test.ts.)
    expect(retried.failed).toEqual([]);
    for (const request of klaviyoBulk.requests) expect(validateKlaviyoBody('bulk-create-events', bulkCreateEventsBody(request.events))).toEqual([]);
    expect(klaviyoBulk.events.map((e) => [e.metric, e.profile.email, e.backfill]).sort()).toEqual([
      ['Order Awaiting Shipment', 'headhoncho@whitehouse.gov', true],
      ['Order Shipped', 'headhoncho@whitehouse.gov', true],
    ]);
    expect(outbox.entries.size).toBe(0);
  });
});

describe('fixture corpus: fulfilments', () => {
  it('V1 docs List Fulfillments: free-text carriers "USPS" and "FedEx" get their names and tracking links', async () => {
    // Prepare
    const { webhook, klaviyo } = pipeline('2016-06-08T20:00:00.000Z');
    server.serve('/fulfillments', fixtureText('v1-docs/list_fulfillments.json'), { batchid: '1' });

    // Act
    await webhook('FULFILLMENT_SHIPPED', '/fulfillments?batchId=1');

    // Assess
    const events = validated(klaviyo.events);
    expect(events.map((e) => [e.uniqueId, e.profile.email, e.properties.Carrier, e.properties.TrackingURL, e.properties.FulfillmentProvider])).toEqual([
      [
        'ss:default:fulfillment:33974374:shipped',
        'apisupport@shipstation.com',
        'USPS',
        'https://tools.usps.com/go/TrackConfirmAction?tLabels=783408231234',
        undefined,
      ],
      [
        'ss:default:fulfillment:246310:shipped',
        'apisupport@shipstation.com',
        'FedEx',
        'https://www.fedex.com/fedextrack/?trknbr=664756278745',
        'Example Fulfillment Provider Name',
      ],
    ]);
    for (const event of events) expect(event.properties).toMatchObject({ ShipToCity: 'AUSTIN', CarrierCode: expect.any(String) });
  });

  it('recorded fulfilments (agritheory): "UPS" linked; a null carrier and an empty tracking number give neither', async () => {
    // Prepare
    const { webhook, klaviyo } = pipeline('2020-06-24T20:00:00.000Z');
    const recorded = fixture<{ fulfillments: Json[] }>('agritheory/list_fulfillments.json');
    // The source sanitised both orderIds to one value; the second is given its own.
    server.serve('/fulfillments', { ...recorded, fulfillments: recorded.fulfillments.map((f, i) => ({ ...f, orderId: 123456789 + i })) }, { batchid: '2' });

    // Act
    await webhook('FULFILLMENT_SHIPPED', '/fulfillments?batchId=2');

    // Assess
    const events = validated(klaviyo.events);
    expect(events[0]?.properties).toMatchObject({ Carrier: 'UPS', TrackingURL: 'https://www.ups.com/track?tracknum=1Z4X53V5032442XXXX' });
    expect(events[1]?.properties).not.toHaveProperty('Carrier');
    expect(events[1]?.properties).not.toHaveProperty('TrackingNumber');
    expect(events[1]?.properties).not.toHaveProperty('TrackingURL');
    expect(events.map((e) => e.profile.email)).toEqual(['nope@example.net', 'yep@example.com']);
  });
});

describe('fixture corpus: V2 tracking webhooks (signed as ShipStation signs them)', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = {
    keys: [
      { ...(ec.publicKey.export({ format: 'jwk' }) as Json), kid: 'ec-key', use: 'sig' },
      { ...(keys.publicKey.export({ format: 'jwk' }) as Json), kid: 'rsa-key', use: 'sig', alg: 'RS256' },
    ],
  };
  const signed = (rawBody: string, at: Date, privateKey: KeyObject = keys.privateKey): { keyId: string; signature: string; timestamp: string } => {
    const timestamp = at.toISOString();
    return { keyId: 'rsa-key', timestamp, signature: sign('RSA-SHA256', Buffer.from(`${timestamp}.${rawBody}`), privateKey).toString('base64') };
  };
  /** The recorded body as sent; the capture tool's own `_captured_at` key (not ShipStation's) is taken out. */
  const recordedBody = (path: string): string => {
    const body = fixture(path);
    delete body._captured_at;
    return JSON.stringify(body);
  };

  async function deliver(
    path: string,
    label: { trackingNumber: string; carrierCode: string; createdAt: string; shipmentId?: number },
    now: string,
  ): Promise<{ events: KlaviyoEvent[]; update: TrackingUpdate | undefined }> {
    server.serve('/jwks', jwks);
    const p = pipeline(now);
    const tracked = new InMemoryUpdateQueue();
    const accept = makeAcceptTracking({
      accounts: p.deps.accounts,
      verifier: new JwksSignatureVerifier({ jwksUrls: [`${server.baseUrl}/jwks`], timeoutMs: 2000, now: () => p.clock.now() }),
      updates: tracked,
      notifications: new InMemoryNotificationQueue(),
      clock: p.clock,
    });
    await p.publishUpdate(orderSnapshot({ modifiedAt: '2000-01-01T00:00:00.000Z', createdAt: '2000-01-01T00:00:00.000Z' }));
    await p.publishUpdate(shipmentSnapshot({ ...label, shipmentId: label.shipmentId ?? 987654 }) as Snapshot);
    p.klaviyo.events.length = 0;
    const rawBody = recordedBody(path);
    await accept({ accountId: 'default', token: 'corpus-webhook-token-0123456789', headers: signed(rawBody, p.clock.now()), rawBody });
    const update = tracked.tracking[0]?.message;
    if (update !== undefined) await p.publishTracking(update);
    return { events: validated(p.klaviyo.events), update };
  }

  it('a recorded UPS TRACK_EVENT_V2 (http tracking link, offset times): Order Delivered at the delivery, the link made https', async () => {
    // Act
    const { events, update } = await deliver(
      'pmcgee-personal/track_event_v2_ups_delivered.json',
      { trackingNumber: '1ZXXXG2702XXXXX791', carrierCode: 'ups', createdAt: '2026-09-01T20:00:00.000Z' },
      '2026-09-03T16:20:00.000Z',
    );

    // Assess
    expect(update).toMatchObject({ statusCode: 'DE', estimatedDeliveryDate: '2026-09-03', actualDeliveryAt: '2026-09-03T16:18:41.000Z' });
    expect(events.map((e) => [e.metric, e.time])).toEqual([['Order Delivered', '2026-09-03T16:18:41.000Z']]);
    expect(events[0]?.properties).toMatchObject({
      EstimatedDeliveryDate: '2026-09-03',
      ActualDeliveryDate: '2026-09-03T16:18:41.000Z',
      TrackingURL:
        'https://wwwapps.ups.com/WebTracking/processRequest?HTMLVersion=5.0&Requester=NES&AgreeToTermsAndConditions=yes&loc=en_US&tracknum=1ZXXXG2702XXXXX791',
      LastScanCity: 'ROYAL OAK',
      AllShipmentsDelivered: true,
    });
    expect(events[0]?.profile).toMatchObject({ email: 'jane.doe@example.com', firstName: 'Jane' });
  });

  it('a recorded FedEx TRACK_EVENT_V2 whose actual_delivery_date has no offset: dated at its own Delivered scan', async () => {
    // Act
    const { events } = await deliver(
      'pmcgee-personal/track_event_v2_fedex_delivered.json',
      { trackingNumber: '383369XXX473', carrierCode: 'fedex', createdAt: '2026-08-24T17:00:00.000Z' },
      '2026-08-28T19:30:00.000Z',
    );

    // Assess
    expect(events.map((e) => [e.metric, e.time])).toEqual([['Order Delivered', '2026-08-28T19:24:32.000Z']]);
    expect(events[0]?.properties).toMatchObject({ TrackingStatusDetail: 'DELIVERED', LastScanCity: 'Apopka' });
    expect(events[0]?.properties).not.toHaveProperty('EstimatedDeliveryDate');
  });

  it('a recorded USPS TRACK_EVENT_V2 (two Delivered scans, a scan without a country): one Order Delivered', async () => {
    // Act
    const { events } = await deliver(
      'pmcgee-personal/track_event_v2_usps_delivered.json',
      { trackingNumber: '94001502062XXXXX454886', carrierCode: 'stamps_com', createdAt: '2026-08-27T12:00:00.000Z' },
      '2026-09-03T14:00:00.000Z',
    );

    // Assess
    expect(events.map((e) => [e.metric, e.time])).toEqual([['Order Delivered', '2026-09-03T13:52:00.000Z']]);
    expect(events[0]?.properties).toMatchObject({ Carrier: 'USPS', CarrierStatusDescription: 'DELIVERED IN/AT MAILBOX' });
  });

  it('a recorded ShipEngine API_TRACK webhook (scans with event_date, no occurred_at): Order Delivered at the pick-up', async () => {
    // Act
    const { events, update } = await deliver(
      'v2/api_track_usps_DE_2019_moltin.json',
      { trackingNumber: '9361269903502070406152', carrierCode: 'usps', createdAt: '2019-04-11T12:00:00.000Z' },
      '2019-04-12T18:00:00.000Z',
    );

    // Assess
    expect(update?.scans).toEqual([expect.objectContaining({ occurredAt: '2019-04-12T17:45:26.734Z', city: 'AUSTIN' })]);
    expect(events.map((e) => [e.metric, e.time])).toEqual([['Order Delivered', '2019-04-12T17:45:26.734Z']]);
  });

  it("the V2 docs' TRACK_EVENT_V2 example (not yet in system): no event, the estimated delivery kept as the date it names", async () => {
    // Act: its label id se-1234567890 is the V1 shipment 1234567890
    const { events, update } = await deliver(
      'v2/track_event_v2_docs_NY.json',
      { trackingNumber: 'no-match', carrierCode: 'ups', createdAt: '2026-04-27T12:00:00.000Z', shipmentId: 1234567890 },
      '2026-04-27T16:00:00.000Z',
    );

    // Assess
    expect(update).toMatchObject({
      labelId: 'se-1234567890',
      statusCode: 'NY',
      estimatedDeliveryDate: '2026-04-30',
      trackingUrl: expect.stringMatching(/^https:\/\/wwwapps\.ups\.com\//),
    });
    expect(events).toEqual([]);
  });

  it("the V2 docs' GET track sample as a webhook (delivered, milliseconds, Z): joined by label id, Order Delivered", async () => {
    // Act
    const { events } = await deliver(
      'v2/labels_track_docs_DE_as_webhook.json',
      { trackingNumber: 'another-number', carrierCode: 'ups', createdAt: '2024-10-25T11:00:00.000Z', shipmentId: 324658 },
      '2024-10-27T12:00:00.000Z',
    );

    // Assess
    expect(events.map((e) => [e.metric, e.time, e.uniqueId])).toEqual([
      ['Order Delivered', '2024-10-27T11:59:03.289Z', 'ss:default:shipment:324658:delivered'],
    ]);
    expect(events[0]?.properties).toMatchObject({ EstimatedDeliveryDate: '2024-10-27', LastScanCity: 'OCEANSIDE' });
  });
});

describe('fixture corpus: more of what ShipStation sends', () => {
  it("the V1 docs' Create Order response (a gift, fedex_2day requested): Order Awaiting Shipment to the buyer only", async () => {
    // Prepare
    const { webhook, klaviyo } = pipeline('2016-02-16T23:30:00.000Z');
    server.serve('/orders', page('orders', [fixture('compwright/CreateOrderResponse.json')]), { importbatch: 'create' });

    // Act
    await webhook('ORDER_NOTIFY', '/orders?importBatch=create');

    // Assess
    expect(validated(klaviyo.events).map((e) => [e.metric, e.profile, e.properties.IsGift, e.properties.ShipByDate])).toEqual([
      ['Order Awaiting Shipment', { email: 'headhoncho@whitehouse.gov', firstName: 'The', lastName: 'President' }, true, '2015-07-05'],
    ]);
  });

  it('recorded 2017 labels (johnhamelink: no customerEmail or orderKey keys, advancedOptions null, pages 0 with total 2): read whole, each dead-lettered when its order is gone', async () => {
    // Prepare
    const { webhook, klaviyo, ledger } = pipeline('2017-03-01T00:00:00.000Z');
    const recorded = fixture<{ shipments: { shipmentId: number }[] }>('johnhamelink/list_shipments_apiary_2017.json');
    server.serve('/shipments', fixtureText('johnhamelink/list_shipments_apiary_2017.json'), { batchid: '7' });

    // Act
    await webhook('SHIP_NOTIFY', '/shipments?batchId=7');

    // Assess
    expect(klaviyo.events).toEqual([]);
    expect(recorded.shipments).toHaveLength(2);
    for (const { shipmentId } of recorded.shipments) {
      expect(ledger.deadLetterOf('default', `ss:default:shipment:${shipmentId}:shipped`)?.reason).toMatch(/no customer email/);
    }
  });

  it.each([
    ['v1-docs/list_services_fedex.json', 'fedex', 'fedex_home_delivery', 'FedEx Home Delivery®'],
    ['v1-docs/list_services_fedex.json', 'fedex', 'fedex_2day', 'FedEx 2Day®'],
    ['agritheory/list_services_stamps_com.json', 'stamps_com', 'usps_parcel_select', 'USPS Parcel Select Ground'],
  ])('reads the display names of %s (%s)', async (path, carrierCode, serviceCode, name) => {
    // Prepare
    const { api } = pipeline('2026-07-05T18:00:00.000Z');
    server.serve('/carriers/listservices', fixtureText(path), { carriercode: carrierCode });

    // Act
    const services = await api.listServices('default', carrierCode);

    // Assess
    expect(services.find((service) => service.code === serviceCode)?.name).toBe(name);
  });

  it('reads the stores (agritheory) and both recorded shapes of the webhook list (a bare array; {webhooks: [...]})', async () => {
    // Prepare
    const { api } = pipeline('2026-07-05T18:00:00.000Z');
    server.serve('/stores', fixtureText('agritheory/list_stores.json'));

    // Act
    const { stores } = await api.checkCredentials('default');
    server.serve('/webhooks', fixtureText('agritheory/list_webhooks.json'));
    const bare = await api.listWebhooks('default');
    server.serve('/webhooks', fixtureText('v1-docs/list_webhooks.json'));
    const wrapped = await api.listWebhooks('default');

    // Assess
    expect(stores.map((s) => s.storeName)).toEqual(['Mexico Amazon Store', 'CA Amazon Store', 'US Amazon Store']);
    for (const hooks of [bare, wrapped]) {
      expect(hooks).toEqual([
        { id: '123', event: 'ITEM_ORDER_NOTIFY', targetUrl: 'http://example.endpoint/orders', storeId: 12345 },
        { id: '456', event: 'SHIP_NOTIFY', targetUrl: 'https://example.endpoint/shipment', storeId: 98765 },
      ]);
    }
  });

  it.each([
    ['v1-docs/subscribe_webhook_response.json', '1234'],
    ['v1-docs/subscribe_webhook_response_openapi.json', '123456'],
  ])('reads the subscription id of %s', async (path, id) => {
    // Prepare
    const { api } = pipeline('2026-07-05T18:00:00.000Z');
    server.serve('/webhooks/subscribe', fixtureText(path));

    // Act
    const subscribed = await api
      .subscribeWebhook('default', { event: 'ORDER_NOTIFY', targetUrl: 'https://example.test/hook', friendlyName: 'test' })
      .catch((error: unknown) => error);

    // Assess
    expect(subscribed).toBe(id);
  });
});

describe('fixture corpus: webhook bodies as ShipStation posts them', () => {
  const bodies = fixture<{ id: string; body?: string; file?: string }[]>('webhooks/bodies.json');
  const expected: Record<string, string> = {
    'v1doc-order-notify': "refused: the docs' placeholder host ssapiX is not ShipStation's",
    'v1doc-order-notify-digit-host': 'queued',
    'real-ship-notify-ssapi6': 'queued',
    'real-ship-notify-ssapi': 'queued',
    'item-order-notify': 'queued',
    'fulfillment-shipped': 'queued',
    'fulfillment-rejected': 'queued',
    'ship-notify-with-extra-field': 'queued',
    'track-event-v2-doc-to-v1-endpoint': 'refused: a V2 body is not a V1 webhook',
  };

  it('states an outcome for every recorded body', () => {
    expect(bodies.map((b) => b.id).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(bodies.map((b) => [b.id, b] as const))('%s', async (id, entry) => {
    // Prepare
    const notifications = new InMemoryNotificationQueue();
    const deps = inMemoryPublishDeps(new FakeClock('2026-07-05T18:00:00.000Z'));
    const accept = makeAcceptWebhook({ accounts: deps.accounts, notifications, clock: deps.clock });
    const raw = entry.body ?? fixtureText(entry.file as string);
    const request = readWebhookRequest(webhookEvent({ body: raw }));

    // Act
    const outcome = await accept({ accountId: request.accountId, token: request.token, notification: request.notification }).then(
      (result) => result.status,
      (error: unknown) => `refused: ${error instanceof Error ? error.name : 'error'}`,
    );

    // Assess
    expect(outcome.startsWith('refused') ? 'refused' : outcome).toBe(expected[id]?.startsWith('refused') === true ? 'refused' : expected[id]);
    expect(notifications.messages).toHaveLength(outcome === 'queued' ? 1 : 0);
  });
});

describe("fixture corpus: more tracking shapes (GET track responses, read as a webhook's data)", () => {
  it.each([
    ['v2/shipengine_tracking_usps_DE_no_actual_delivery_decodable.json', 'DE', '2021-09-20T19:03:00.000Z'],
    ['v2/shipengine_v1_tracking_UN_dotnet.json', 'UN', undefined],
  ])('%s: status %s', async (path, statusCode, deliveredAt) => {
    // Prepare: a GET /v1/tracking body is what a tracking webhook's `data` holds
    const { trackingUpdateFrom, trackEventV2Schema } = await import('../../lib/normalise/tracking.js');
    const body = trackEventV2Schema.parse({ resource_type: 'API_TRACK', data: fixture(path) });

    // Act
    const read = trackingUpdateFrom('default', body, new Date('2026-07-05T18:00:00.000Z'));

    // Assess
    expect(read).toMatchObject({ ok: true, update: { statusCode } });
    if (read.ok) expect(read.update.actualDeliveryAt).toBe(deliveredAt);
  });

  it('a second recorded API_TRACK body (zendesk): delivered late in the UTC day, its date kept as the carrier gave it', async () => {
    const { trackingUpdateFrom, trackEventV2Schema } = await import('../../lib/normalise/tracking.js');
    const read = trackingUpdateFrom(
      'default',
      trackEventV2Schema.parse(fixture('v2/api_track_usps_DE_2019-04-17_zendesk.json')),
      new Date('2019-04-17T03:00:00.000Z'),
    );
    expect(read).toMatchObject({
      ok: true,
      update: { statusCode: 'DE', actualDeliveryAt: '2019-04-17T02:33:38.252Z', scans: [{ occurredAt: '2019-04-17T02:33:38.252Z', city: 'AUSTIN' }] },
    });
  });
});

describe('fixture corpus: coverage', () => {
  /** Recorded payloads no test feeds the service yet, each with why. */
  const REFERENCE_ONLY: Record<string, string> = {
    'v1-docs/list_carriers.json': 'GET /carriers: the service reads services per carrier, not the carrier list',
    'agritheory/list_carriers.json': 'GET /carriers (recorded): as above',
    'johnhamelink/list_carriers_apiary_2017.json': 'GET /carriers (2017 shape): as above',
    'v2/list_carriers_shipengine_test_accounts.json': 'V2 carriers with services: the display names of the built-in table come from it',
    'v2/list_labels_label_created_v2_split_pmcgee.json':
      'V2 split labels: read by the V2 normaliser test (test/unit/v2-snapshots.test.ts) and held to the V2 schema',
    'v2/shipengine_update_shipment_dotnet.json':
      'ShipEngine shipment: read by the V2 normaliser test (test/unit/v2-snapshots.test.ts) and held to the V2 schema',
    'v2/shipengine_create_label_from_rate_dotnet.json':
      'ShipEngine label: read by the V2 normaliser test (test/unit/v2-snapshots.test.ts) and held to the V2 schema',
  };

  it('feeds every recorded payload to some test here, or says why not', () => {
    // Prepare
    const root = new URL('../fixtures/shipstation/', import.meta.url).pathname;
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir)).flatMap((name) => {
        const path = dir === '' ? name : `${dir}/${name}`;
        return statSync(join(root, path)).isDirectory() ? files(path) : [path];
      });
    // This corpus and the V2 one (test/integration/v2-fixture-corpus.test.ts) feed the service through its adapters.
    const self = [import.meta.url, new URL('./v2-fixture-corpus.test.ts', import.meta.url).href]
      .map((url) => readFileSync(new URL(url).pathname, 'utf8'))
      .join('\n');

    // Act
    const unused = files('').filter((path) => path.endsWith('.json') && !self.includes(`'${path}'`) && !(path in REFERENCE_ONLY));

    // Assess
    expect(unused).toEqual([]);
  });
});
