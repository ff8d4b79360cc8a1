// registerWebhooks against an in-memory ShipStation: idempotent subscriptions, foreign ones left alone, the base URL
// checked, and the webhook token kept out of every error message; for an account with a V2 key, the one
// `track_event_v2` webhook of tracking events (a legacy `track` one at our endpoint counts), with the same rules, and its
// failures reported beside the V1 outcome.
import { BadInputError, ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { ShipStationWebhooks, WebhookSubscription } from '../../../lib/ports.js';
import {
  makeRegisterWebhooks,
  normaliseBaseUrl,
  OTHER_TRACK_WEBHOOK_FIX,
  REDUNDANT_TRACK_WEBHOOK_FIX,
  type TrackingRegistration,
} from '../../../lib/use-cases/register-webhooks.js';
import { fakeAccount, InMemoryShipStationV2Webhooks, StaticAccountDirectory } from '../../fakes/in-memory-ports.js';

const TOKEN = 'secret-webhook-token-0123456789';
const BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const TARGET = `${BASE}/webhooks/shipstation/default?token=${TOKEN}`;
const TRACKING_TARGET = `${BASE}/webhooks/tracking/default?token=${TOKEN}`;

/** ShipStation's webhook list of one account, in memory; a failure can be scripted for the next subscribe. */
class InMemoryShipStationWebhooks implements ShipStationWebhooks {
  readonly subscriptions: (WebhookSubscription & { friendlyName: string })[] = [];
  private nextId = 1;
  private failure: Error | undefined;

  failNextSubscribe(error: Error): void {
    this.failure = error;
  }

  async listWebhooks(_accountId: string): Promise<WebhookSubscription[]> {
    return this.subscriptions.map(({ id, event, targetUrl }) => ({ id, event, targetUrl }));
  }

  async subscribeWebhook(_accountId: string, subscription: { event: string; targetUrl: string; friendlyName: string }): Promise<string> {
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
    const id = String(this.nextId++);
    this.subscriptions.push({ id, event: subscription.event, targetUrl: subscription.targetUrl, friendlyName: subscription.friendlyName });
    return id;
  }
}

function setup(options: { v2Key?: boolean; oneWebhookPerEvent?: boolean } = {}) {
  const shipStation = new InMemoryShipStationWebhooks();
  const shipStationV2 = new InMemoryShipStationV2Webhooks({ oneWebhookPerEvent: options.oneWebhookPerEvent ?? false });
  const account = fakeAccount({ webhookToken: TOKEN, ...(options.v2Key === true ? { shipStationV2Fingerprint: 'v2-fingerprint-1' } : {}) });
  const registerAll = makeRegisterWebhooks({ accounts: new StaticAccountDirectory([account]), shipStation, shipStationV2 });
  /** The V1 subscriptions only, as most cases look at them. */
  const register = async (accountId: string, baseUrl: string) => (await registerAll(accountId, baseUrl)).webhooks;
  return { shipStation, shipStationV2, register, registerAll };
}

/** The tracking outcome of an account with a V2 key (fails the test when tracking is off). */
const on = (tracking: TrackingRegistration): Extract<TrackingRegistration, { status: 'on' }> => {
  if (tracking.status !== 'on') throw new Error(`expected tracking on, got ${tracking.status}`);
  return tracking;
};

describe('registerWebhooks', () => {
  it('subscribes the four events to the account URL on the first run', async () => {
    // Prepare
    const { register, shipStation } = setup();

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.map((r) => [r.event, r.status])).toEqual([
      ['ORDER_NOTIFY', 'created'],
      ['SHIP_NOTIFY', 'created'],
      ['FULFILLMENT_SHIPPED', 'created'],
      ['FULFILLMENT_REJECTED', 'created'],
    ]);
    expect(shipStation.subscriptions.map((s) => s.targetUrl)).toEqual([TARGET, TARGET, TARGET, TARGET]);
    expect(shipStation.subscriptions[0]?.friendlyName).toBe('shipstation-klaviyo-sync ORDER_NOTIFY');
  });

  it('creates nothing on a second run and reports the existing subscriptions with their ids', async () => {
    // Prepare
    const { register, shipStation } = setup();
    await register('default', BASE);

    // Act
    const results = await register('default', `${BASE}/`);

    // Assess
    expect(results.map((r) => [r.event, r.status, r.id])).toEqual([
      ['ORDER_NOTIFY', 'exists', '1'],
      ['SHIP_NOTIFY', 'exists', '2'],
      ['FULFILLMENT_SHIPPED', 'exists', '3'],
      ['FULFILLMENT_REJECTED', 'exists', '4'],
    ]);
    expect(shipStation.subscriptions).toHaveLength(4);
  });

  it('subscribes only the events that are missing', async () => {
    // Prepare
    const { register, shipStation } = setup();
    shipStation.subscriptions.push({ id: '77', event: 'SHIP_NOTIFY', targetUrl: TARGET, friendlyName: 'by hand' });

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.filter((r) => r.status === 'created').map((r) => r.event)).toEqual(['ORDER_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED']);
    expect(results.find((r) => r.event === 'SHIP_NOTIFY')).toMatchObject({ status: 'exists', id: '77' });
    expect(shipStation.subscriptions).toHaveLength(4);
  });

  it('leaves a subscription with another URL (an old deployment) alone but reports it', async () => {
    // Prepare
    const { register, shipStation } = setup();
    const old = 'https://old-stage.example.com/webhooks/shipstation/default?token=an-older-token-value';
    shipStation.subscriptions.push({ id: '9', event: 'ORDER_NOTIFY', targetUrl: old, friendlyName: 'old' });

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.find((r) => r.event === 'ORDER_NOTIFY' && r.status === 'created')).toBeDefined();
    expect(results.filter((r) => r.status === 'other')).toEqual([{ event: 'ORDER_NOTIFY', status: 'other', id: '9', targetUrl: old }]);
    expect(shipStation.subscriptions.find((s) => s.id === '9')?.targetUrl).toBe(old);
    expect(shipStation.subscriptions).toHaveLength(5);
  });

  it('does not report subscriptions to events it does not use', async () => {
    // Prepare
    const { register, shipStation } = setup();
    shipStation.subscriptions.push({ id: '5', event: 'ITEM_ORDER_NOTIFY', targetUrl: 'https://hooks.example.com/x', friendlyName: 'another app' });

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
  });

  it.each([
    ['plain http on a public host', 'http://abc123.execute-api.us-east-1.amazonaws.com', /must use https/],
    ['a relative URL', '/prod', /not an absolute URL/],
    ['a query string', `${BASE}?x=1`, /query string/],
    ['credentials', 'https://user:pass@example.com', /credentials/],
  ])('refuses a base URL with %s before calling ShipStation', async (_case, baseUrl, message) => {
    // Prepare
    const { register, shipStation } = setup();

    // Act
    const result = register('default', baseUrl);

    // Assess
    await expect(result).rejects.toThrow(BadInputError);
    await expect(result).rejects.toThrow(message);
    expect(shipStation.subscriptions).toEqual([]);
  });

  it('refuses an unknown account', async () => {
    // Prepare
    const { register } = setup();

    // Act
    const result = register('nobody', BASE);

    // Assess
    await expect(result).rejects.toThrow(new BadInputError('unknown account nobody'));
  });

  it('keeps the token out of the message when ShipStation refuses a subscription', async () => {
    // Prepare
    const { register, shipStation } = setup();
    shipStation.failNextSubscribe(new TransientError(`POST /webhooks/subscribe answered 500 for target_url ${TARGET} (${encodeURIComponent(TOKEN)})`));

    // Act
    const error = await register('default', BASE).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assess
    expect(error?.message).toMatch(/^subscribing ORDER_NOTIFY for account default failed: POST \/webhooks\/subscribe answered 500/);
    expect(error?.message).not.toContain(TOKEN);
  });
});

describe('registerWebhooks: tracking (V2 track_event_v2 webhook)', () => {
  it('reports tracking off for an account without a V2 key and asks nothing of the V2 API', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup();

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(result.tracking).toEqual({ status: 'off' });
    expect(result.webhooks.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(shipStationV2.listed).toEqual([]);
    expect(shipStationV2.created).toEqual([]);
  });

  it('creates one track_event_v2 webhook pointing at the account tracking endpoint beside the four V1 subscriptions', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v2Key: true });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(result.webhooks).toHaveLength(4);
    expect(shipStation.subscriptions).toHaveLength(4);
    expect(result.tracking).toEqual({
      status: 'on',
      targetUrl: TRACKING_TARGET,
      webhooks: [{ event: 'track_event_v2', status: 'created', id: '9001', targetUrl: TRACKING_TARGET }],
    });
    expect(shipStationV2.created).toEqual([
      { accountId: 'default', name: 'shipstation-klaviyo-sync track_event_v2', event: 'track_event_v2', url: TRACKING_TARGET },
    ]);
  });

  it('creates nothing on a second run and reports the track_event_v2 webhook as existing', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    await registerAll('default', BASE);

    // Act
    const second = await registerAll('default', `${BASE}/`);

    // Assess
    expect(on(second.tracking).webhooks).toEqual([{ event: 'track_event_v2', status: 'exists', id: '9001', targetUrl: TRACKING_TARGET }]);
    expect(on(second.tracking).problem).toBeUndefined();
    expect(shipStationV2.created).toHaveLength(1);
  });

  it('counts a legacy track webhook at the account tracking endpoint as registered, and creates no track_event_v2 beside it', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '77', event: 'track', url: TRACKING_TARGET });

    // Act
    const first = await registerAll('default', BASE);
    const second = await registerAll('default', BASE);

    // Assess
    for (const result of [first, second]) {
      expect(on(result.tracking)).toEqual({
        status: 'on',
        targetUrl: TRACKING_TARGET,
        webhooks: [{ event: 'track', status: 'exists', id: '77', targetUrl: TRACKING_TARGET }],
      });
    }
    expect(shipStationV2.created).toEqual([]);
  });

  it('reports an old track webhook at the account tracking endpoint as redundant when a track_event_v2 one is there too, and leaves both', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '77', event: 'track', url: TRACKING_TARGET });
    shipStationV2.add('default', { id: '78', event: 'track_event_v2', url: TRACKING_TARGET });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(on(result.tracking).webhooks).toEqual([
      { event: 'track_event_v2', status: 'exists', id: '78', targetUrl: TRACKING_TARGET },
      { event: 'track', status: 'redundant', id: '77', targetUrl: TRACKING_TARGET },
    ]);
    expect(on(result.tracking).problem).toBeUndefined();
    expect(REDUNDANT_TRACK_WEBHOOK_FIX).toMatch(/delete the track one in ShipStation/);
    expect(shipStationV2.created).toEqual([]);
    expect(shipStationV2.webhooks.get('default')).toHaveLength(2);
  });

  it('ignores V2 webhooks of other events', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '50', event: 'batch', url: 'https://hooks.example.com/batches' });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(on(result.tracking).webhooks.map((w) => [w.event, w.status])).toEqual([['track_event_v2', 'created']]);
  });

  it('leaves track and track_event_v2 webhooks with another URL alone, reports them, and still creates its own', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    const other = 'https://another-app.example.com/tracking?secret=the-other-apps-secret';
    shipStationV2.add('default', { id: '42', event: 'track', url: other });
    shipStationV2.add('default', { id: '43', event: 'track_event_v2', url: other });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(on(result.tracking).webhooks).toEqual([
      { event: 'track_event_v2', status: 'created', id: '9001', targetUrl: TRACKING_TARGET },
      { event: 'track', status: 'other', id: '42', targetUrl: other },
      { event: 'track_event_v2', status: 'other', id: '43', targetUrl: other },
    ]);
    expect(shipStationV2.webhooks.get('default')?.filter((w) => w.url === other)).toHaveLength(2);
  });

  it('explains how to remove the other tracking webhook when ShipStation allows only one per event', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true, oneWebhookPerEvent: true });
    shipStationV2.add('default', { id: '42', event: 'track_event_v2', url: 'https://another-app.example.com/tracking' });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const tracking = on(result.tracking);
    expect(tracking.webhooks).toEqual([{ event: 'track_event_v2', status: 'other', id: '42', targetUrl: 'https://another-app.example.com/tracking' }]);
    expect(tracking.problem?.reason).toBe(
      "ShipStation refused a second tracking webhook (webhook 42 points elsewhere): ShipStation V2 answered 400 for POST /v2/environment/webhooks: a webhook for event 'track_event_v2' already exists",
    );
    expect(tracking.problem?.fix).toBe(OTHER_TRACK_WEBHOOK_FIX);
    expect(OTHER_TRACK_WEBHOOK_FIX).toMatch(
      /^delete the other tracking webhook \(track_event_v2 or track\) in ShipStation > Settings > API > Webhooks or with the V2 API/,
    );
    expect(result.webhooks.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
  });

  it('reports a refused V2 key with the fix, after making the V1 subscriptions', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (401)'));

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(shipStation.subscriptions).toHaveLength(4);
    const tracking = on(result.tracking);
    expect(tracking.webhooks).toEqual([]);
    expect(tracking.problem?.reason).toBe('ShipStation rejected the V2 API key (401): the key has expired, was revoked or is wrong');
    expect(tracking.problem?.fix).toMatch(/shipStationV2\.apiKey \(or SHIPSTATION_V2_API_KEY\)/);
    expect(shipStationV2.created).toEqual([]);
  });

  it('says how to subscribe the legacy track event by hand when ShipStation refuses track_event_v2', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNextCreate(
      new BadInputError('ShipStation V2 answered 400 for POST /v2/environment/webhooks: event: event is required and must be one of batch, track'),
    );

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const tracking = on(result.tracking);
    expect(tracking.webhooks).toEqual([]);
    expect(tracking.problem?.reason).toMatch(/must be one of batch, track$/);
    expect(tracking.problem?.fix).toMatch(
      /if ShipStation refuses the event track_event_v2 itself, subscribe track to the tracking URL in ShipStation > Settings > API > Webhooks: it counts as registered$/,
    );
  });

  it('keeps the token out of the reason when creating the track_event_v2 webhook fails', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNextCreate(new TransientError(`POST /v2/environment/webhooks answered 503 for url ${TRACKING_TARGET} (${encodeURIComponent(TOKEN)})`));

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const reason = on(result.tracking).problem?.reason ?? '';
    expect(reason).toMatch(/^POST \/v2\/environment\/webhooks answered 503/);
    expect(reason).not.toContain(TOKEN);
  });
});

describe('normaliseBaseUrl', () => {
  it.each([
    [`${BASE}/`, BASE],
    [`${BASE}/prod//`, `${BASE}/prod`],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
    ['http://localhost:3000', 'http://localhost:3000'],
  ])('turns %s into %s', (input, expected) => {
    // Act
    const base = normaliseBaseUrl(input);

    // Assess
    expect(base).toBe(expected);
  });
});
