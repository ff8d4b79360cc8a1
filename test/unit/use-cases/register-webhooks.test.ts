// registerWebhooks against an in-memory ShipStation: idempotent subscriptions, foreign ones left alone, the base URL
// checked, and the webhook token kept out of every error message. With a V1 key pair the four V1 subscriptions; with a
// V2 key every V2 event (the pointer webhooks and `track_event_v2`, a legacy `track` one at our endpoint counting) at
// the account's one V2 endpoint, with the same rules, an event ShipStation refuses reported with what it means while
// the others are still registered; an account on API V2 only never asks V1 anything.
import { BadInputError, ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { ShipStationWebhooks, WebhookSubscription } from '../../../lib/ports.js';
import {
  makeRegisterWebhooks,
  normaliseBaseUrl,
  OTHER_TRACK_WEBHOOK_FIX,
  otherWebhookFix,
  REDUNDANT_TRACK_WEBHOOK_FIX,
  registrationFailed,
  SUBSCRIBED_V2_WEBHOOK_EVENTS,
  type ApiRegistration,
  type RegistrationResult,
} from '../../../lib/use-cases/register-webhooks.js';
import { fakeAccount, InMemoryShipStationV2Webhooks, StaticAccountDirectory } from '../../fakes/in-memory-ports.js';

const TOKEN = 'secret-webhook-token-0123456789';
const BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const TARGET = `${BASE}/webhooks/shipstation/default?token=${TOKEN}`;
/** The account's one V2 endpoint: tracking and the pointer webhooks alike. */
const V2_TARGET = `${BASE}/webhooks/tracking/default?token=${TOKEN}`;
const POINTER_EVENTS = ['shipment_created_v2', 'label_created_v2', 'fulfillment_shipped_v2', 'fulfillment_rejected_v2'];
const V2_EVENTS = [...POINTER_EVENTS, 'track_event_v2'];
/** What V2 answers an event name it does not offer (the adapter's BadInputError text). */
const refusal = (event: string): string =>
  `ShipStation V2 answered 400 for POST /v2/environment/webhooks: event '${event}' is not a valid webhook event for this account`;

/** ShipStation's webhook list of one account, in memory; a failure can be scripted for the next subscribe. */
class InMemoryShipStationWebhooks implements ShipStationWebhooks {
  readonly subscriptions: (WebhookSubscription & { friendlyName: string })[] = [];
  /** Calls of any kind, to prove an account on API V2 only never reaches V1. */
  calls = 0;
  private nextId = 1;
  private failure: Error | undefined;

  failNextSubscribe(error: Error): void {
    this.failure = error;
  }

  async listWebhooks(_accountId: string): Promise<WebhookSubscription[]> {
    this.calls += 1;
    return this.subscriptions.map(({ id, event, targetUrl }) => ({ id, event, targetUrl }));
  }

  async subscribeWebhook(_accountId: string, subscription: { event: string; targetUrl: string; friendlyName: string }): Promise<string> {
    this.calls += 1;
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
    const id = String(this.nextId++);
    this.subscriptions.push({ id, event: subscription.event, targetUrl: subscription.targetUrl, friendlyName: subscription.friendlyName });
    return id;
  }
}

/** V2 webhooks of a ShipStation account that is not offered some events: creating one of them is answered 400, as V2 does. */
class RefusingShipStationV2Webhooks extends InMemoryShipStationV2Webhooks {
  constructor(
    private readonly refused: readonly string[],
    options: { oneWebhookPerEvent?: boolean },
  ) {
    super(options);
  }

  override async createV2Webhook(accountId: string, webhook: { name: string; event: string; url: string }): Promise<string> {
    if (!this.refused.includes(webhook.event)) return super.createV2Webhook(accountId, webhook);
    this.created.push({ accountId, ...webhook });
    throw new BadInputError(refusal(webhook.event));
  }
}

/** One account: a V1 key pair unless `v1Key: false`, a V2 key with `v2Key: true`; `refuse` names V2 events ShipStation refuses. */
function setup(options: { v1Key?: boolean; v2Key?: boolean; oneWebhookPerEvent?: boolean; refuse?: string[] } = {}) {
  const shipStation = new InMemoryShipStationWebhooks();
  const shipStationV2 = new RefusingShipStationV2Webhooks(options.refuse ?? [], { oneWebhookPerEvent: options.oneWebhookPerEvent ?? false });
  const account = fakeAccount({
    webhookToken: TOKEN,
    ...(options.v1Key === false ? { shipStationFingerprint: undefined, shipStationKeyExpiresOn: undefined } : {}),
    ...(options.v2Key === true ? { shipStationV2Fingerprint: 'v2-fingerprint-1' } : {}),
  });
  const registerAll = makeRegisterWebhooks({ accounts: new StaticAccountDirectory([account]), shipStation, shipStationV2 });
  /** The V1 subscriptions only, as most V1 cases look at them. */
  const register = async (accountId: string, baseUrl: string) => on((await registerAll(accountId, baseUrl)).v1).webhooks;
  return { shipStation, shipStationV2, register, registerAll };
}

/** An API's outcome when the account has its key (fails the test when it is off). */
const on = (registration: ApiRegistration): Extract<ApiRegistration, { status: 'on' }> => {
  if (registration.status !== 'on') throw new Error(`expected the API on, got ${registration.status}`);
  return registration;
};

/** The tracking webhooks of the V2 outcome (`track_event_v2` and legacy `track`), as the tracking cases look at them. */
const trackingOf = (result: RegistrationResult) => on(result.v2).webhooks.filter((w) => w.event === 'track_event_v2' || w.event === 'track');

/** The problem of one V2 event, if any. */
const problemOf = (result: RegistrationResult, event: string) => on(result.v2).problems.find((p) => p.event === event);

describe('registerWebhooks: V1', () => {
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

describe('registerWebhooks: the APIs an account has keys for', () => {
  it('leaves V2 off for an account on V1 only and asks nothing of the V2 API', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup();

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(result.v2).toEqual({ status: 'off', reason: 'no V2 key' });
    expect(on(result.v1).webhooks.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(registrationFailed(result.v1) || registrationFailed(result.v2)).toBe(false);
    expect(shipStationV2.listed).toEqual([]);
    expect(shipStationV2.created).toEqual([]);
  });

  it('subscribes every V2 event to the account V2 endpoint beside the four V1 subscriptions for an account with both keys', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v2Key: true });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(on(result.v1).webhooks).toHaveLength(4);
    expect(shipStation.subscriptions).toHaveLength(4);
    expect(result.v2).toEqual({
      status: 'on',
      targetUrl: V2_TARGET,
      webhooks: V2_EVENTS.map((event, i) => ({ event, status: 'created', id: String(9001 + i), targetUrl: V2_TARGET })),
      problems: [],
    });
    expect(shipStationV2.created).toEqual(
      V2_EVENTS.map((event) => ({ accountId: 'default', name: `shipstation-klaviyo-sync ${event}`, event, url: V2_TARGET })),
    );
    expect(SUBSCRIBED_V2_WEBHOOK_EVENTS).toEqual(V2_EVENTS);
  });

  it('subscribes only the V2 events for an account on API V2 only, reports V1 off and never calls V1', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v1Key: false, v2Key: true });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(result.v1).toEqual({ status: 'off', reason: 'no V1 key pair: the account runs on API V2 only' });
    expect(shipStation.calls).toBe(0);
    expect(on(result.v2).webhooks.map((w) => [w.event, w.status, w.targetUrl])).toEqual(V2_EVENTS.map((event) => [event, 'created', V2_TARGET]));
    expect(on(result.v2).problems).toEqual([]);
    expect(registrationFailed(result.v2)).toBe(false);
    expect(shipStationV2.created.map((c) => c.event)).toEqual(V2_EVENTS);
  });

  it('still registers the V2 webhooks when ShipStation refuses the V1 key pair of an account with both keys, naming the plan as a likely cause', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v2Key: true });
    shipStation.failNextSubscribe(new ShipStationCredentialsError('default'));

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const v1 = on(result.v1);
    expect(v1.webhooks).toEqual([]);
    expect(v1.failure?.reason).toBe(
      'ShipStation rejected the API key and secret (401): the V1 key pair has expired, was revoked, or the plan has no V1 access',
    );
    expect(v1.failure?.fix).toMatch(
      /^if the account's ShipStation plan is below Gold\/Accelerate \(V1 is legacy: Standard and Premium have API V2 only\), remove the V1 key pair \(shipStation\)/,
    );
    expect(registrationFailed(result.v1)).toBe(true);
    expect(on(result.v2).webhooks.map((w) => w.status)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(on(result.v2).problems.find((p) => p.event === 'label_created_v2')).toBeUndefined();
    expect(shipStationV2.created).toHaveLength(5);
  });

  it('throws the refused V1 key pair of an account on V1 only, as there is nothing else to register', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup();
    shipStation.failNextSubscribe(new ShipStationCredentialsError('default'));

    // Act
    const result = registerAll('default', BASE);

    // Assess
    await expect(result).rejects.toThrow(ShipStationCredentialsError);
    expect(shipStationV2.listed).toEqual([]);
  });

  it.each([
    ['both keys', true],
    ['API V2 only', false],
  ])('creates nothing on a second run for an account with %s and reports every webhook as existing', async (_case, v1Key) => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v1Key, v2Key: true });
    await registerAll('default', BASE);

    // Act
    const second = await registerAll('default', `${BASE}/`);

    // Assess
    expect(on(second.v2).webhooks).toEqual(V2_EVENTS.map((event, i) => ({ event, status: 'exists', id: String(9001 + i), targetUrl: V2_TARGET })));
    expect(on(second.v2).problems).toEqual([]);
    if (v1Key) expect(on(second.v1).webhooks.map((w) => w.status)).toEqual(['exists', 'exists', 'exists', 'exists']);
    expect(shipStationV2.created).toHaveLength(5);
    expect(shipStationV2.webhooks.get('default')).toHaveLength(5);
    expect(shipStation.subscriptions).toHaveLength(v1Key ? 4 : 0);
  });
});

describe('registerWebhooks: a V2 event ShipStation refuses', () => {
  it("reports the refused event with ShipStation's answer and what it means, and still registers the others", async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v1Key: false, v2Key: true, refuse: ['fulfillment_rejected_v2'] });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const v2 = on(result.v2);
    expect(v2.webhooks.map((w) => [w.event, w.status])).toEqual([
      ['shipment_created_v2', 'created'],
      ['label_created_v2', 'created'],
      ['fulfillment_shipped_v2', 'created'],
      ['track_event_v2', 'created'],
    ]);
    expect(v2.problems).toEqual([
      {
        event: 'fulfillment_rejected_v2',
        reason: refusal('fulfillment_rejected_v2'),
        meaning: 'rejected fulfilments (Order Fulfillment Rejected) reach Klaviyo only through the poll, up to 30 min later',
        fix: expect.stringMatching(/^check that --url is the deployed HTTPS base URL and whether ShipStation offers fulfillment_rejected_v2 to this account/),
      },
    ]);
    expect(v2.failure).toBeUndefined();
    expect(registrationFailed(result.v2)).toBe(true);
    expect(shipStationV2.webhooks.get('default')?.map((w) => w.event)).toEqual([
      'shipment_created_v2',
      'label_created_v2',
      'fulfillment_shipped_v2',
      'track_event_v2',
    ]);
  });

  it('says the V1 webhook still brings the news at once for an account with both keys', async () => {
    // Prepare
    const { registerAll } = setup({ v2Key: true, refuse: ['label_created_v2'] });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(problemOf(result, 'label_created_v2')?.meaning).toBe('new labels (Order Shipped) still arrive at once by the V1 SHIP_NOTIFY webhook');
    expect(on(result.v2).webhooks).toHaveLength(4);
  });

  it('tries the refused event again on the next run, and only that one', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v1Key: false, v2Key: true, refuse: ['fulfillment_rejected_v2'] });
    await registerAll('default', BASE);

    // Act
    const second = await registerAll('default', BASE);

    // Assess
    expect(on(second.v2).webhooks.map((w) => w.status)).toEqual(['exists', 'exists', 'exists', 'exists']);
    expect(on(second.v2).problems.map((p) => p.event)).toEqual(['fulfillment_rejected_v2']);
    expect(shipStationV2.created.map((c) => c.event)).toEqual([...V2_EVENTS, 'fulfillment_rejected_v2']);
  });

  it('names the tracking metrics a refused track_event_v2 costs, and how to subscribe the legacy track event by hand', async () => {
    // Prepare
    const { registerAll } = setup({ v2Key: true, refuse: ['track_event_v2'] });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const problem = problemOf(result, 'track_event_v2');
    expect(trackingOf(result)).toEqual([]);
    expect(problem?.reason).toBe(refusal('track_event_v2'));
    expect(problem?.meaning).toBe(
      'no tracking events are sent (Shipment In Transit, Shipment Out For Delivery, Delivery Attempted, Shipment Exception, Order Delivered, Shipment Stalled): ' +
        'they come only by this webhook, the poll does not read tracking',
    );
    expect(problem?.fix).toMatch(
      /if ShipStation refuses the event track_event_v2 itself, subscribe track to the tracking URL in ShipStation > Settings > API > Webhooks: it counts as registered$/,
    );
    expect(on(result.v2).webhooks.map((w) => w.event)).toEqual(POINTER_EVENTS);
  });

  it('keeps the token out of the reason when creating a V2 webhook fails, and goes on with the next events', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNextCreate(new TransientError(`POST /v2/environment/webhooks answered 503 for url ${V2_TARGET} (${encodeURIComponent(TOKEN)})`));

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const problem = problemOf(result, 'shipment_created_v2');
    expect(problem?.reason).toMatch(/^POST \/v2\/environment\/webhooks answered 503/);
    expect(problem?.reason).not.toContain(TOKEN);
    expect(problem?.fix).toBe('run register-webhooks again in a minute; if it persists, check https://status.shipstation.com');
    expect(on(result.v2).webhooks.map((w) => w.event)).toEqual(V2_EVENTS.slice(1));
  });
});

describe('registerWebhooks: V2 webhooks already there', () => {
  it('counts a legacy track webhook at the account V2 endpoint as registered, and creates no track_event_v2 beside it', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '77', event: 'track', url: V2_TARGET });

    // Act
    const first = await registerAll('default', BASE);
    const second = await registerAll('default', BASE);

    // Assess
    for (const result of [first, second]) {
      expect(trackingOf(result)).toEqual([{ event: 'track', status: 'exists', id: '77', targetUrl: V2_TARGET }]);
      expect(on(result.v2).problems).toEqual([]);
    }
    expect(shipStationV2.created.map((c) => c.event)).toEqual(POINTER_EVENTS);
  });

  it('reports an old track webhook at the account V2 endpoint as redundant when a track_event_v2 one is there too, and leaves both', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '77', event: 'track', url: V2_TARGET });
    shipStationV2.add('default', { id: '78', event: 'track_event_v2', url: V2_TARGET });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(trackingOf(result)).toEqual([
      { event: 'track_event_v2', status: 'exists', id: '78', targetUrl: V2_TARGET },
      { event: 'track', status: 'redundant', id: '77', targetUrl: V2_TARGET },
    ]);
    expect(on(result.v2).problems).toEqual([]);
    expect(REDUNDANT_TRACK_WEBHOOK_FIX).toMatch(/delete the track one in ShipStation/);
    expect(shipStationV2.created.map((c) => c.event)).toEqual(POINTER_EVENTS);
    expect(shipStationV2.webhooks.get('default')?.filter((w) => w.event === 'track' || w.event === 'track_event_v2')).toHaveLength(2);
  });

  it('ignores V2 webhooks of other events', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '50', event: 'batch', url: 'https://hooks.example.com/batches' });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(on(result.v2).webhooks.map((w) => [w.event, w.status])).toEqual(V2_EVENTS.map((event) => [event, 'created']));
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
    expect(trackingOf(result)).toEqual([
      { event: 'track_event_v2', status: 'created', id: '9005', targetUrl: V2_TARGET },
      { event: 'track', status: 'other', id: '42', targetUrl: other },
      { event: 'track_event_v2', status: 'other', id: '43', targetUrl: other },
    ]);
    expect(shipStationV2.webhooks.get('default')?.filter((w) => w.url === other)).toHaveLength(2);
  });

  it('leaves a pointer webhook with another URL alone, reports it right after its event, and still creates its own', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v1Key: false, v2Key: true });
    const old = 'https://old-stage.example.com/webhooks/tracking/default?token=an-older-token-value';
    shipStationV2.add('default', { id: '31', event: 'label_created_v2', url: old });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(on(result.v2).webhooks.slice(0, 3)).toEqual([
      { event: 'shipment_created_v2', status: 'created', id: '9001', targetUrl: V2_TARGET },
      { event: 'label_created_v2', status: 'created', id: '9002', targetUrl: V2_TARGET },
      { event: 'label_created_v2', status: 'other', id: '31', targetUrl: old },
    ]);
    expect(on(result.v2).problems).toEqual([]);
  });

  it('explains how to remove the other tracking webhook when ShipStation allows only one per event', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v2Key: true, oneWebhookPerEvent: true });
    shipStationV2.add('default', { id: '42', event: 'track_event_v2', url: 'https://another-app.example.com/tracking' });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(trackingOf(result)).toEqual([{ event: 'track_event_v2', status: 'other', id: '42', targetUrl: 'https://another-app.example.com/tracking' }]);
    const problem = problemOf(result, 'track_event_v2');
    expect(problem?.reason).toBe(
      "ShipStation refused a second tracking webhook (webhook 42 points elsewhere): ShipStation V2 answered 400 for POST /v2/environment/webhooks: a webhook for event 'track_event_v2' already exists",
    );
    expect(problem?.fix).toBe(OTHER_TRACK_WEBHOOK_FIX);
    expect(OTHER_TRACK_WEBHOOK_FIX).toMatch(
      /^delete the other tracking webhook \(track_event_v2 or track\) in ShipStation > Settings > API > Webhooks or with the V2 API/,
    );
    expect(on(result.v1).webhooks.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(
      on(result.v2)
        .webhooks.filter((w) => w.status === 'created')
        .map((w) => w.event),
    ).toEqual(POINTER_EVENTS);
  });

  it('explains how to remove the other pointer webhook when ShipStation allows only one per event', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v1Key: false, v2Key: true, oneWebhookPerEvent: true });
    shipStationV2.add('default', { id: '61', event: 'shipment_created_v2', url: 'https://another-app.example.com/shipments' });

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(problemOf(result, 'shipment_created_v2')).toEqual({
      event: 'shipment_created_v2',
      reason:
        "ShipStation refused a second shipment_created_v2 webhook (webhook 61 points elsewhere): ShipStation V2 answered 400 for POST /v2/environment/webhooks: a webhook for event 'shipment_created_v2' already exists",
      meaning: 'new orders (V2 shipments) reach Klaviyo only through the poll, up to 30 min later',
      fix: otherWebhookFix('shipment_created_v2'),
    });
    expect(otherWebhookFix('shipment_created_v2')).toMatch(/^delete the other shipment_created_v2 webhook in ShipStation > Settings > API > Webhooks/);
  });
});

describe('registerWebhooks: a V2 key ShipStation refuses', () => {
  it('reports the refused V2 key with the fix, after making the V1 subscriptions', async () => {
    // Prepare
    const { registerAll, shipStation, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (401)', 'shipstation-v2'));

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    expect(shipStation.subscriptions).toHaveLength(4);
    const v2 = on(result.v2);
    expect(v2.webhooks).toEqual([]);
    expect(v2.failure?.reason).toBe('ShipStation rejected the V2 API key (401): the key has expired, was revoked or is wrong');
    expect(v2.failure?.fix).toMatch(/shipStationV2\.apiKey \(or SHIPSTATION_V2_API_KEY\)/);
    expect(registrationFailed(result.v2)).toBe(true);
    expect(shipStationV2.created).toEqual([]);
  });

  it('stops at the first create ShipStation refuses the key for, keeping what it made', async () => {
    // Prepare
    const { registerAll, shipStationV2 } = setup({ v1Key: false, v2Key: true });
    shipStationV2.add('default', { id: '7', event: 'shipment_created_v2', url: V2_TARGET });
    shipStationV2.failNextCreate(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (403)', 'shipstation-v2'));

    // Act
    const result = await registerAll('default', BASE);

    // Assess
    const v2 = on(result.v2);
    expect(v2.webhooks).toEqual([{ event: 'shipment_created_v2', status: 'exists', id: '7', targetUrl: V2_TARGET }]);
    expect(v2.failure?.reason).toBe('ShipStation rejected the V2 API key (403): the key has expired, was revoked or is wrong');
    expect(v2.problems).toEqual([]);
    expect(shipStationV2.created.map((c) => c.event)).toEqual(['label_created_v2']);
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
