// Real V2 payloads through the real V2 adapter: captured pointer webhooks (test/fixtures/shipstation/v2 and
// pmcgee-personal, sources in SOURCES.md) and the recorded responses behind them, served by a loopback fixture server,
// read by fetch-resource and published on in-memory stores, for an account on API V2 only. What a real customer would
// get: the buyer's profile or, on a gift whose buyer V2 does not name, a dead-letter record saying so; never the
// recipient's profile. Every body sent is checked against Klaviyo's official Create Event schema.
import { HttpShipStationV2Api } from '../../lib/adapters/http-shipstation-v2-api.js';
import { loadConfig } from '../../lib/config.js';
import { createEventBody, type KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { makeFetchResource } from '../../lib/use-cases/fetch-resource.js';
import { makePublishUpdate } from '../../lib/use-cases/publish-update.js';
import { makeResolveServiceName } from '../../lib/use-cases/resolve-service-name.js';
import {
  fakeAccount,
  FakeClock,
  FakeShipStationApi,
  InMemoryCarrierServiceCache,
  InMemoryRateBudget,
  InMemoryUpdateQueue,
  inMemoryPublishDeps,
} from '../fakes/in-memory-ports.js';
import { fixture, FixtureServer } from '../helpers/fixture-server.js';

type Json = Record<string, unknown>;

let server: FixtureServer;

beforeAll(async () => {
  server = await FixtureServer.start();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => server.clear());

/** An account on API V2 only, its V2 lists on the fixture server, read through the real adapter. */
function pipeline(now: string) {
  const clock = new FakeClock(now);
  const env = {
    SHIPSTATION_V2_API_KEY: 'corpus-v2-key',
    SHIPSTATION_V2_BASE_URL: server.baseUrl,
    KLAVIYO_PRIVATE_KEY: 'pk_FAKE_corpus',
    WEBHOOK_TOKEN: 'corpus-webhook-token-0123456789',
    TABLE_NAME: 'unused',
    NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:1/notifications',
    UPDATES_QUEUE_URL: 'http://127.0.0.1:1/updates',
    HISTORY_QUEUE_URL: 'http://127.0.0.1:1/history',
    POLLS_QUEUE_URL: 'http://127.0.0.1:1/polls',
  };
  const api = new HttpShipStationV2Api(loadConfig(env).accounts, clock, { timeoutMs: 2000, budget: new InMemoryRateBudget({ requestsPerMinute: 200 }) });
  const v1 = new FakeShipStationApi();
  const deps = inMemoryPublishDeps(
    clock,
    fakeAccount({
      shipStationFingerprint: undefined,
      shipStationKeyExpiresOn: undefined,
      shipStationV2Fingerprint: 'v2-fp',
      shipStationV2BaseUrl: server.baseUrl,
    }),
  );
  const updates = new InMemoryUpdateQueue();
  const orders = { fetchOrder: (accountId: string, orderId: number) => api.fetchV2Order(accountId, orderId) };
  const publishUpdate = makePublishUpdate({
    ...deps,
    orders,
    serviceNames: makeResolveServiceName({
      // V1's service list is never read for an account without a V1 key pair.
      catalog: { listServices: () => Promise.reject(new Error('V1 asked for an account on API V2 only')) },
      cache: new InMemoryCarrierServiceCache(),
      credentials: deps.credentials,
      clock,
      log: deps.log,
    }),
    updates,
  });
  const fetchResource = makeFetchResource({ ...deps, shipStation: v1, shipStationV2: api, updates });

  /** A captured V2 pointer webhook, its resource_url moved to the fixture server; then everything it queued is published. */
  const webhook = async (captured: string | { resource_url: string; resource_type: string }): Promise<void> => {
    const body = typeof captured === 'string' ? fixture<{ resource_url: string; resource_type: string }>(captured) : captured;
    const url = new URL(body.resource_url);
    await fetchResource({
      accountId: 'default',
      resourceUrl: `${server.baseUrl}${url.pathname}${url.search}`,
      resourceType: body.resource_type,
      receivedAt: clock.now().toISOString(),
    });
    for (let round = 0; round < 5 && updates.snapshots.length > 0; round += 1) {
      for (const snapshot of updates.snapshots.splice(0)) await publishUpdate(snapshot);
    }
    expect(v1.calls).toEqual([]);
  };
  return { webhook, klaviyo: deps.klaviyo, ledger: deps.ledger };
}

/** Every event Klaviyo got, each body checked against Klaviyo's official Create Event schema first. */
function validated(events: KlaviyoEvent[]): KlaviyoEvent[] {
  for (const event of events) expect(validateKlaviyoBody('create-event', createEventBody(event))).toEqual([]);
  return events;
}

/** The recorded shipment list's first record, as `GET /v2/shipments/{id}` would answer it for another id (the gift flag as given). */
function recordedShipment(shipmentId: string, gift: boolean): Json {
  const { shipments } = fixture<{ shipments: Json[] }>('v2/list_shipments_shipment_created_v2_split_pmcgee.json');
  return { ...shipments[0], shipment_id: shipmentId, is_gift: gift };
}

describe('V2 fixture corpus (an account on API V2 only)', () => {
  it("SHIPMENT_CREATED_V2 of a recorded gift order (the captured webhook and its response): no event on the recipient's profile, a dead-letter record saying why", async () => {
    // Prepare: the recorded response behind the captured webhook (is_gift: true; ship_to is The President; its id masked
    // upstream as se-394477XXX, which is not of the se-<n> form: a stable id from its text)
    const { webhook, klaviyo, ledger } = pipeline('2026-08-12T20:00:00.000Z');
    server.serve('/v2/shipments', fixture('v2/list_shipments_shipment_created_v2_pmcgee.json'), { import_batch_id: 'b6ba2537-aef1-44b3-a219-34edc165c442' });

    // Act
    await webhook('v2/shipment_created_v2_webhook_pmcgee.json');

    // Assess
    expect(klaviyo.events).toEqual([]);
    const records = [...ledger.deadLetters.values()];
    expect(records.map((r) => [r.metric, r.orderId < 0])).toEqual([['Order Awaiting Shipment', true]]);
    expect(records[0]?.reason).toMatch(/^a gift order read through ShipStation API V2, which does not name the buyer/);
  });

  it('SHIPMENT_CREATED_V2 of a recorded split order: one webhook, two orders under their V1 ids, each one event to the buyer (not a gift here)', async () => {
    // Prepare: the recorded split response with the gift flag cleared on both records (the only change)
    const { webhook, klaviyo } = pipeline('2026-08-12T20:05:00.000Z');
    const split = fixture<{ shipments: Json[] }>('v2/list_shipments_shipment_created_v2_split_pmcgee.json');
    const batch = 'f08a8196-c760-4327-9379-42984c92022b';
    server.serve('/v2/shipments', { ...split, shipments: split.shipments.map((s) => ({ ...s, is_gift: false })) }, { import_batch_id: batch });

    // Act
    await webhook({ resource_url: `https://api.shipstation.com/v2/shipments?import_batch_id=${batch}`, resource_type: 'SHIPMENT_CREATED_V2' });

    // Assess
    const events = validated(klaviyo.events);
    expect(events.map((e) => [e.metric, e.orderId, e.value, e.profile.email])).toEqual([
      ['Order Awaiting Shipment', 394496923, 218.73, 'headhoncho@whitehouse.gov'],
      ['Order Awaiting Shipment', 394496920, 0, 'headhoncho@whitehouse.gov'],
    ]);
    expect(events[0]?.properties).toMatchObject({ OrderNumber: 'LW-TEST2', ShipByDate: '2026-08-12', ShipToCity: 'LOS ANGELES', IsGift: false });
  });

  it('LABEL_CREATED_V2 of a recorded FedEx label: its order read from V2 by id, then Order Awaiting Shipment and Order Shipped to the buyer', async () => {
    // Prepare: the order behind the label (the recorded shipment under the label's shipment_id, not a gift)
    const { webhook, klaviyo } = pipeline('2026-08-12T20:00:00.000Z');
    server.serve('/v2/labels', fixture('v2/list_labels_label_created_v2_pmcgee.json'), { batch_id: 'se-64616278' });
    server.serve('/v2/shipments/se-394477236', recordedShipment('se-394477236', false));

    // Act
    await webhook('v2/label_created_v2_webhook_pmcgee.json');

    // Assess
    const events = validated(klaviyo.events);
    expect(events.map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
    for (const event of events) expect(event.profile).toMatchObject({ email: 'headhoncho@whitehouse.gov', firstName: 'The', lastName: 'President' });
    expect(events[1]).toMatchObject({
      uniqueId: 'ss:default:shipment:184976210:shipped',
      time: '2026-08-12T19:46:28.800Z',
      orderId: 394477236,
      properties: { ShipmentId: '184976210', TrackingNumber: '383144378470', CarrierCode: 'fedex', ServiceCode: 'fedex_ground', ShipDate: '2026-08-12' },
    });
    expect(events[1]?.properties.TrackingURL).toMatch(/^https:\/\/www\.fedex\.com\//);
  });

  it('FULFILLMENT_SHIPPED_V2 of a recorded "External" fulfilment: Order Shipped with the order\'s items and value, to the buyer, never the "REDACTED" ship-to email', async () => {
    // Prepare
    const { webhook, klaviyo } = pipeline('2026-09-03T15:00:00.000Z');
    server.serve('/v2/fulfillments', fixture('pmcgee-personal/fulfillment_shipped_v2_resource_url_response.json'), {
      fulfillment_id: 'se-16731019',
      shipment_id: 'se-412669417',
    });
    server.serve('/v2/shipments/se-412669417', recordedShipment('se-412669417', false));

    // Act
    await webhook('pmcgee-personal/fulfillment_shipped_v2_webhook.json');

    // Assess
    const events = validated(klaviyo.events);
    const shipped = events.find((e) => e.metric === 'Order Shipped');
    expect(shipped).toMatchObject({
      uniqueId: 'ss:default:fulfillment:16731019:shipped',
      value: 218.73,
      profile: { email: 'headhoncho@whitehouse.gov' },
      properties: {
        FulfillmentId: '16731019',
        FulfillmentType: 'fulfillment',
        FulfillmentProvider: 'External',
        Carrier: 'FedEx',
        SKUs: ['TEST-BST'],
        ItemCount: 1,
      },
    });
  });
});
