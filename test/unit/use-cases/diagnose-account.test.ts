// diagnoseAccount against in-memory ports. Per ShipStation key: which API it reaches (V1 GET /stores, V2 the webhook
// list) and what that means for the metrics (a V1-only or V2-only account is HEALTHY, a refused key is not); an account
// on API V2 only is never asked anything of V1. With a V2 key: the V2 pointer webhooks and the `track_event_v2` (or
// legacy `track`) webhook pointing at this account's V2 endpoint, the signing key sets, and whether tracking updates
// arrive; the pause marks of every key.
import { historicalShippedEvent } from '../../helpers/factories.js';
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { KeySetCheck, WebhookSignatureVerifier, WebhookSubscription } from '../../../lib/ports.js';
import { makeDiagnoseAccount, type Finding } from '../../../lib/use-cases/diagnose-account.js';
import {
  FakeClock,
  FakeKlaviyoApi,
  FakeShipStationApi,
  fakeAccount,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryHeldEventStore,
  InMemoryPollCursorStore,
  InMemoryShipStationV2Webhooks,
  InMemoryTrackingActivity,
  StaticAccountDirectory,
} from '../../fakes/in-memory-ports.js';

const NOW = '2026-07-05T18:00:00.000Z';
const TOKEN = 'a-webhook-token-of-32-characters';
const BASE = 'https://api.example.invalid/prod';
const HOUR = 3_600_000;
const SHIPENGINE_JWKS = 'https://api.shipengine.com/jwks';
const SHIPSTATION_JWKS = 'https://api.shipstation.com/v1/webhook-jwks.json';

/** Key set checks as the test sets them (both default URLs with one RSA key unless changed), counting the calls. */
class ScriptedKeySets implements Pick<WebhookSignatureVerifier, 'checkKeySets'> {
  checks: KeySetCheck[] = [
    { url: SHIPENGINE_JWKS, ok: true, rsaKeys: 1, otherKeys: 0 },
    { url: SHIPSTATION_JWKS, ok: true, rsaKeys: 1, otherKeys: 0 },
  ];
  calls = 0;

  async checkKeySets(): Promise<KeySetCheck[]> {
    this.calls += 1;
    return structuredClone(this.checks);
  }
}

/** The V1 API, counting the webhook lists too (an account on API V2 only must never be listed). */
class CountingShipStationApi extends FakeShipStationApi {
  webhookLists = 0;

  override async listWebhooks(accountId: string): Promise<WebhookSubscription[]> {
    this.webhookLists += 1;
    return super.listWebhooks(accountId);
  }
}

const POINTER_EVENTS = ['shipment_created_v2', 'label_created_v2', 'fulfillment_shipped_v2', 'fulfillment_rejected_v2'];

/** One account: a V1 key pair unless `v1Key: false`, a V2 key with `v2Key: true`. */
function setup(options: { v1Key?: boolean; v2Key?: boolean } = {}) {
  const clock = new FakeClock(NOW);
  const accounts = new StaticAccountDirectory([
    fakeAccount({
      webhookToken: TOKEN,
      ...(options.v1Key === false ? { shipStationFingerprint: undefined, shipStationKeyExpiresOn: undefined } : {}),
      ...(options.v2Key === true ? { shipStationV2Fingerprint: 'v2-fingerprint-1' } : {}),
    }),
  ]);
  const shipStation = new CountingShipStationApi();
  const shipStationV2 = new InMemoryShipStationV2Webhooks();
  const trackingActivity = new InMemoryTrackingActivity();
  const keySets = new ScriptedKeySets();
  const cursors = new InMemoryPollCursorStore();
  // A working account otherwise: V1 webhooks registered, a poll completed ten minutes ago.
  shipStation.webhooks.set(
    'default',
    ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED'].map((event, i) => ({
      id: String(i + 1),
      event,
      targetUrl: accounts.webhookTargetUrl('default', BASE),
    })),
  );
  cursors.cursors.set('default', { accountId: 'default', through: '2026-07-05T17:48:00.000Z', lastCompletedAt: '2026-07-05T17:50:00.000Z' });
  const credentials = new InMemoryCredentialStatusStore(() => clock.now());
  const held = new InMemoryHeldEventStore();
  const diagnose = makeDiagnoseAccount({
    accounts,
    shipStation,
    shipStationV2,
    trackingActivity,
    signatureVerifier: keySets,
    klaviyo: new FakeKlaviyoApi(),
    credentials,
    cursors,
    held,
    ledger: new InMemoryEventLedger(),
    queues: { depths: async () => [] },
    clock,
    pollStaleAfterMinutes: 90,
  });
  const registerTrack = (base = BASE, event = 'track_event_v2', id = '9001'): void =>
    void shipStationV2.add('default', { id, event, url: accounts.trackingTargetUrl('default', base) });
  /** What register-webhooks leaves: every V2 pointer webhook and the tracking one at the account's V2 endpoint. */
  const registerV2 = (base = BASE): void => {
    POINTER_EVENTS.forEach((event, i) => registerTrack(base, event, String(9101 + i)));
    registerTrack(base);
  };
  return { diagnose, shipStation, shipStationV2, trackingActivity, registerTrack, registerV2, keySets, credentials, held };
}

/** The findings whose check is about V2 (tracking included). */
const trackingFindings = (findings: Finding[]): Finding[] =>
  findings.filter((f) => ['V2 key', 'V2 webhooks', 'tracking webhook', 'signing keys', 'tracking events'].includes(f.check));

/** The finding of one check (fails the test when there is none). */
const findingOf = (findings: Finding[], check: string): Finding => {
  const found = findings.find((f) => f.check === check);
  if (found === undefined) throw new Error(`no ${check} finding in ${findings.map((f) => f.check).join(', ')}`);
  return found;
};

describe('diagnoseAccount: a Klaviyo outage', () => {
  it('warns (DEGRADED) with the outage and the held backlog, and says nothing needs doing', async () => {
    // Prepare
    const { diagnose, credentials, held } = setup();
    await credentials.markOutage('default', 'klaviyo', 'Klaviyo /api/events answered 503');
    await held.hold([historicalShippedEvent(1), historicalShippedEvent(2)]);

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('degraded');
    expect(diagnosis.findings.filter((f) => f.check === 'Klaviyo outage' || f.check === 'held events')).toEqual([
      expect.objectContaining({
        check: 'Klaviyo outage',
        status: 'warn',
        detail: expect.stringContaining('since 2026-07-05T18:00:00.000Z (Klaviyo /api/events answered 503)'),
        fix: expect.stringMatching(/^nothing: /),
      }),
      expect.objectContaining({ check: 'held events', status: 'warn', detail: '2 event(s) held while the Klaviyo key was refused or Klaviyo failed' }),
    ]);
  });
});

describe('diagnoseAccount: tracking', () => {
  it('checks nothing of V2 without a V2 key, and keeps a V1-only account HEALTHY', async () => {
    // Prepare
    const { diagnose, shipStationV2, keySets } = setup();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(trackingFindings(diagnosis.findings)).toEqual([]);
    expect(shipStationV2.listed).toEqual([]);
    expect(keySets.calls).toBe(0);
  });

  it('is HEALTHY when the V2 key works, every V2 webhook points here, both key sets hold an RSA key and an update came 5 hours ago', async () => {
    // Prepare
    const { diagnose, trackingActivity, registerV2 } = setup({ v2Key: true });
    registerV2();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - 5 * HOUR - 10 * 60_000));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(trackingFindings(diagnosis.findings)).toEqual([
      { check: 'V2 key', status: 'ok', detail: 'works (5 V2 webhooks)' },
      { check: 'V2 webhooks', status: 'ok', detail: `registered: ${POINTER_EVENTS.join(', ')}` },
      { check: 'tracking webhook', status: 'ok', detail: 'registered: track_event_v2' },
      { check: 'signing keys', status: 'ok', detail: `${SHIPENGINE_JWKS}: 1 RSA key; ${SHIPSTATION_JWKS}: 1 RSA key` },
      { check: 'tracking events', status: 'ok', detail: 'last tracking update 5 hours ago' },
    ]);
  });

  it('counts a legacy track webhook pointing here as registered', async () => {
    // Prepare
    const { diagnose, registerTrack } = setup({ v2Key: true });
    registerTrack(BASE, 'track');

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.findings.find((f) => f.check === 'tracking webhook')).toEqual({
      check: 'tracking webhook',
      status: 'ok',
      detail: "registered: track (ShipEngine's older event; it works, nothing to do)",
    });
  });

  it('names an old track webhook beside the track_event_v2 one, so the operator can delete it when convenient', async () => {
    // Prepare
    const { diagnose, registerTrack } = setup({ v2Key: true });
    registerTrack(BASE, 'track', '77');
    registerTrack(BASE, 'track_event_v2', '78');

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    const webhook = diagnosis.findings.find((f) => f.check === 'tracking webhook');
    expect(webhook?.status).toBe('ok');
    expect(webhook?.detail).toMatch(
      /^registered: track_event_v2, and an old track webhook beside it: both deliver every tracking update .*delete the track one in ShipStation/,
    );
  });

  it('lists what each key set holds, EC keys beside the RSA one ignored', async () => {
    // Prepare
    const { diagnose, registerTrack, keySets } = setup({ v2Key: true });
    registerTrack();
    keySets.checks = [
      { url: SHIPENGINE_JWKS, ok: true, rsaKeys: 1, otherKeys: 1 },
      { url: SHIPSTATION_JWKS, ok: true, rsaKeys: 2, otherKeys: 0 },
    ];

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.findings.find((f) => f.check === 'signing keys')).toEqual({
      check: 'signing keys',
      status: 'ok',
      detail: `${SHIPENGINE_JWKS}: 1 RSA key, 1 other key (ignored); ${SHIPSTATION_JWKS}: 2 RSA keys`,
    });
    expect(keySets.calls).toBe(1);
  });

  it('warns (DEGRADED) when one key set fails while another holds an RSA key', async () => {
    // Prepare
    const { diagnose, registerTrack, keySets, trackingActivity } = setup({ v2Key: true });
    registerTrack();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - HOUR));
    keySets.checks = [
      { url: SHIPENGINE_JWKS, ok: true, rsaKeys: 1, otherKeys: 1 },
      { url: SHIPSTATION_JWKS, ok: false, rsaKeys: 0, otherKeys: 0, problem: 'answered 404' },
    ];

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('degraded');
    const finding = diagnosis.findings.find((f) => f.check === 'signing keys');
    expect(finding).toMatchObject({
      status: 'warn',
      detail: `1 of 2 key sets usable: ${SHIPENGINE_JWKS}: 1 RSA key, 1 other key (ignored); ${SHIPSTATION_JWKS}: answered 404`,
    });
    expect(finding?.fix).toMatch(/^tracking webhooks still verify with the keys of the usable key set\(s\); .*TRACKING_JWKS_URLS/);
  });

  it('fails (BROKEN) with a fix when no key set holds a usable RSA key', async () => {
    // Prepare
    const { diagnose, registerTrack, keySets } = setup({ v2Key: true });
    registerTrack();
    keySets.checks = [
      { url: SHIPENGINE_JWKS, ok: false, rsaKeys: 0, otherKeys: 1, problem: 'holds no usable RSA signing key' },
      { url: SHIPSTATION_JWKS, ok: false, rsaKeys: 0, otherKeys: 0, problem: 'fetch failed (getaddrinfo ENOTFOUND api.shipstation.com)' },
    ];

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('broken');
    const finding = diagnosis.findings.find((f) => f.check === 'signing keys');
    expect(finding).toMatchObject({
      status: 'fail',
      detail:
        'no key set holds a usable RSA key, so no tracking webhook can be verified (each is answered 500 and retried by ShipStation): ' +
        `${SHIPENGINE_JWKS}: holds no usable RSA signing key, 1 other key (ignored); ${SHIPSTATION_JWKS}: fetch failed (getaddrinfo ENOTFOUND api.shipstation.com)`,
    });
    expect(finding?.fix).toMatch(/^check the network path from the functions to these hosts; unset TRACKING_JWKS_URLS/);
  });

  it('warns (DEGRADED) when no tracking update has arrived yet, naming the plan as a cause', async () => {
    // Prepare
    const { diagnose, registerTrack } = setup({ v2Key: true });
    registerTrack();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('degraded');
    const events = diagnosis.findings.find((f) => f.check === 'tracking events');
    expect(events).toMatchObject({ status: 'warn', detail: 'no tracking update received yet' });
    expect(events?.fix).toMatch(/^the tracking webhook is registered: check that the account's ShipStation plan allows V2 tracking webhooks/);
  });

  it('warns when the last tracking update is more than 3 days old', async () => {
    // Prepare
    const { diagnose, trackingActivity, registerTrack } = setup({ v2Key: true });
    registerTrack();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - 4 * 24 * HOUR));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.findings.find((f) => f.check === 'tracking events')).toMatchObject({
      status: 'warn',
      detail: 'last tracking update 4 days ago (none in the last 3 days)',
    });
  });

  it('fails (BROKEN) when no tracking webhook points at this account, with the register-webhooks fix', async () => {
    // Prepare
    const { diagnose, shipStationV2, trackingActivity } = setup({ v2Key: true });
    shipStationV2.add('default', { id: '7', event: 'track', url: 'https://another-app.example.com/tracking' });
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - 2 * HOUR));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('broken');
    expect(diagnosis.findings.find((f) => f.check === 'tracking webhook')).toEqual({
      check: 'tracking webhook',
      status: 'fail',
      detail:
        'not registered: track_event_v2 (no tracking events are sent without it); 1 point(s) elsewhere (another app; ShipStation may allow one tracking webhook only)',
      fix: "run `shipstation-klaviyo register-webhooks --account default --url <the HTTP API's base URL>` (it also registers the track_event_v2 webhook)",
    });
  });

  it('holds the tracking webhook to the deployment --url names', async () => {
    // Prepare
    const { diagnose, registerTrack } = setup({ v2Key: true });
    registerTrack('https://old-api.example.invalid');

    // Act
    const same = await diagnose('default');
    const other = await diagnose('default', { webhookBaseUrl: BASE });

    // Assess
    expect(same.findings.find((f) => f.check === 'tracking webhook')?.status).toBe('ok');
    expect(other.findings.find((f) => f.check === 'tracking webhook')).toMatchObject({
      status: 'fail',
      detail:
        'not registered: track_event_v2 (no tracking events are sent without it); 1 point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)',
    });
  });

  it('fails (BROKEN) with the V2 key fix when ShipStation refuses the V2 key, and does not check the webhooks', async () => {
    // Prepare
    const { diagnose, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (401)', 'shipstation-v2'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('broken');
    const [key, webhooks] = trackingFindings(diagnosis.findings);
    expect(trackingFindings(diagnosis.findings).map((f) => f.check)).toEqual(['V2 key', 'V2 webhooks', 'signing keys', 'tracking events']);
    expect(key).toMatchObject({ check: 'V2 key', status: 'fail', detail: 'refused by ShipStation (401): the V2 API key has expired, was revoked or is wrong' });
    expect(key?.fix).toMatch(/store it as the account's shipStationV2\.apiKey \(or SHIPSTATION_V2_API_KEY\)/);
    expect(webhooks).toEqual({
      check: 'V2 webhooks',
      status: 'warn',
      detail: 'not checked (tracking included): ShipStation refused the V2 key',
      fix: 'fix the V2 key first',
    });
    expect(shipStationV2.listed).toEqual(['default']);
  });

  it('warns when the V2 API cannot be reached', async () => {
    // Prepare
    const { diagnose, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNext(new TransientError('ShipStation V2 GET /v2/environment/webhooks failed after 4 attempts: HTTP 503'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.findings.find((f) => f.check === 'V2 key')).toMatchObject({
      status: 'warn',
      detail: 'could not be checked: ShipStation V2 GET /v2/environment/webhooks failed after 4 attempts: HTTP 503',
    });
  });
});

describe('diagnoseAccount: the ShipStation keys and the APIs they reach', () => {
  /** The checks about ShipStation's keys, in order. */
  const keyFindings = (findings: Finding[]): Finding[] =>
    findings.filter((f) => ['ShipStation key', 'key expiry', 'V2 key', 'ShipStation APIs', 'webhooks'].includes(f.check));

  it('says what a V1-only account cannot send (the tracking metrics), and keeps it HEALTHY', async () => {
    // Prepare
    const { diagnose } = setup();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(keyFindings(diagnosis.findings)).toEqual([
      { check: 'ShipStation key', status: 'ok', detail: 'works (1 store: Main store)' },
      { check: 'key expiry', status: 'ok', detail: 'expires on 2027-06-30, in 360 days' },
      {
        check: 'ShipStation APIs',
        status: 'ok',
        detail:
          'V1 only (no V2 key): Shipment In Transit, Shipment Out For Delivery, Delivery Attempted, Shipment Exception, Order Delivered and ' +
          'Shipment Stalled are not sent: they come from V2 tracking webhooks, which need a V2 API key ' +
          '(ShipStation > Settings > Account > API Settings, API version V2) stored as shipStationV2.apiKey',
      },
      { check: 'webhooks', status: 'ok', detail: 'registered: ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED, FULFILLMENT_REJECTED' },
    ]);
  });

  it('keeps a V2-only account HEALTHY, says which metrics need V1, and never asks V1 anything', async () => {
    // Prepare
    const { diagnose, shipStation, registerV2, trackingActivity } = setup({ v1Key: false, v2Key: true });
    registerV2();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - HOUR));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(keyFindings(diagnosis.findings)).toEqual([
      { check: 'V2 key', status: 'ok', detail: 'works (5 V2 webhooks)' },
      {
        check: 'ShipStation APIs',
        status: 'ok',
        detail:
          'V2 only (no V1 key pair): Order Awaiting Payment and Order Pending Fulfillment are not sent: V2 has no such states; they need a V1 key pair ' +
          '(shipStation.apiKey and apiSecret), which ShipStation gives only on Gold, Accelerate or higher plans',
      },
    ]);
    expect(diagnosis.findings.map((f) => f.check)).toEqual([
      'V2 key',
      'ShipStation APIs',
      'Klaviyo key',
      'V2 webhooks',
      'tracking webhook',
      'signing keys',
      'tracking events',
      'last poll',
      'dead letters',
    ]);
    expect(shipStation.checks).toEqual([]);
    expect(shipStation.webhookLists).toBe(0);
  });

  it('says both APIs are reached for an account with both keys', async () => {
    // Prepare
    const { diagnose, registerV2 } = setup({ v2Key: true });
    registerV2();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(findingOf(diagnosis.findings, 'ShipStation APIs')).toEqual({
      check: 'ShipStation APIs',
      status: 'ok',
      detail: 'V1 and V2: the V1 key pair reaches V1, the V2 key V2; every metric can be sent',
    });
    expect(keyFindings(diagnosis.findings).map((f) => f.check)).toEqual(['ShipStation key', 'key expiry', 'V2 key', 'ShipStation APIs', 'webhooks']);
  });

  it('fails (BROKEN) when ShipStation refuses the V1 key while the V2 key works, with the plan as the likely cause', async () => {
    // Prepare
    const { diagnose, shipStation, registerTrack } = setup({ v2Key: true });
    registerTrack();
    shipStation.failNext(new ShipStationCredentialsError('default'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('broken');
    expect(findingOf(diagnosis.findings, 'ShipStation key')).toMatchObject({
      status: 'fail',
      detail: 'refused by ShipStation (401): the key has expired or was revoked',
    });
    expect(findingOf(diagnosis.findings, 'ShipStation APIs')).toEqual({
      check: 'ShipStation APIs',
      status: 'fail',
      detail:
        'V2 only for now: ShipStation refused the V1 key, the V2 key works (the poll reads V2 alone; Order Awaiting Payment and Order Pending Fulfillment are not sent meanwhile)',
      fix:
        "if the account's ShipStation plan is below Gold/Accelerate (V1 is legacy: Standard and Premium have API V2 only), remove the V1 key pair (shipStation) " +
        'from the account and run on V2; otherwise rotate the V1 key (see the ShipStation key fix above)',
    });
    expect(findingOf(diagnosis.findings, 'webhooks')).toMatchObject({
      status: 'warn',
      detail: 'not checked: ShipStation refused the key or could not be reached',
    });
    // With the V1 webhooks unchecked, missing V2 webhooks leave their changes to the poll.
    expect(findingOf(diagnosis.findings, 'V2 webhooks')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('the poll still finds those changes'),
    });
  });

  it('fails (BROKEN) when ShipStation refuses the only key, a V1 key pair, naming V2 as the way out on a plan without V1', async () => {
    // Prepare
    const { diagnose, shipStation } = setup();
    shipStation.failNext(new ShipStationCredentialsError('default'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    const apis = findingOf(diagnosis.findings, 'ShipStation APIs');
    expect(apis).toMatchObject({
      status: 'fail',
      detail: 'none: ShipStation refused the V1 key, the account has no other; nothing is read from ShipStation until a key works (the poll cursor waits)',
    });
    expect(apis.fix).toBe(
      "if the account's ShipStation plan is below Gold/Accelerate (V1 is legacy: Standard and Premium have API V2 only), create a V2 API key instead " +
        "(Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey and remove the V1 key pair (shipStation); " +
        'otherwise rotate the V1 key (see the ShipStation key fix above)',
    );
  });

  it('fails (BROKEN) when ShipStation refuses the V2 key while the V1 key works, naming the tracking metrics it costs', async () => {
    // Prepare
    const { diagnose, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (403)', 'shipstation-v2'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(findingOf(diagnosis.findings, 'V2 key')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^refused by ShipStation \(403\)/) });
    expect(findingOf(diagnosis.findings, 'ShipStation APIs')).toEqual({
      check: 'ShipStation APIs',
      status: 'fail',
      detail:
        'V1 only for now: ShipStation refused the V2 key, the V1 key works (Shipment In Transit, Shipment Out For Delivery, Delivery Attempted, ' +
        'Shipment Exception, Order Delivered and Shipment Stalled are not sent meanwhile)',
      fix: 'replace the V2 key (see the V2 key fix above)',
    });
  });

  it('fails (BROKEN) when ShipStation refuses the V2 key of a V2-only account: nothing is read', async () => {
    // Prepare
    const { diagnose, shipStationV2 } = setup({ v1Key: false, v2Key: true });
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (401)', 'shipstation-v2'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('broken');
    expect(findingOf(diagnosis.findings, 'ShipStation APIs')).toEqual({
      check: 'ShipStation APIs',
      status: 'fail',
      detail: 'none: no V1 key; ShipStation refused the V2 key; nothing is read from ShipStation until a key works (the poll cursor waits)',
      fix: 'replace the refused key (see its fix above)',
    });
    expect(findingOf(diagnosis.findings, 'last poll')).toMatchObject({ status: 'ok' });
  });

  it('warns when a key could not be checked, without calling the APIs broken', async () => {
    // Prepare
    const { diagnose, shipStationV2, registerV2 } = setup({ v2Key: true });
    registerV2();
    shipStationV2.failNext(new TransientError('ShipStation V2 GET /v2/environment/webhooks failed after 4 attempts: HTTP 503'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('degraded');
    expect(findingOf(diagnosis.findings, 'ShipStation APIs')).toEqual({
      check: 'ShipStation APIs',
      status: 'warn',
      detail: 'not known: the V1 key works; the V2 key could not be checked',
      fix: 'run doctor again in a minute; if it persists, check https://status.shipstation.com',
    });
    expect(diagnosis.findings.some((f) => f.check === 'V2 webhooks' || f.check === 'tracking webhook')).toBe(false);
  });
});

describe('diagnoseAccount: V2 pointer webhooks', () => {
  it('warns (DEGRADED) about missing V2 webhooks of a V2-only account, the poll covering them, with the register-webhooks fix', async () => {
    // Prepare
    const { diagnose, registerTrack, trackingActivity } = setup({ v1Key: false, v2Key: true });
    registerTrack(BASE, 'shipment_created_v2', '1');
    registerTrack(BASE, 'fulfillment_shipped_v2', '2');
    registerTrack();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - HOUR));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('degraded');
    expect(findingOf(diagnosis.findings, 'V2 webhooks')).toEqual({
      check: 'V2 webhooks',
      status: 'warn',
      detail: 'not registered: label_created_v2, fulfillment_rejected_v2 (the poll still finds those changes, up to 30 min later)',
      fix:
        "run `shipstation-klaviyo register-webhooks --account default --url <the HTTP API's base URL>` (serverless info shows the URL); " +
        'an event it reports ShipStation refuses for this account can stay missing',
    });
  });

  it('says the V1 webhooks still bring the changes at once for an account with both keys', async () => {
    // Prepare
    const { diagnose, registerTrack } = setup({ v2Key: true });
    registerTrack();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(findingOf(diagnosis.findings, 'V2 webhooks')).toMatchObject({
      status: 'warn',
      detail: `not registered: ${POINTER_EVENTS.join(', ')} (the V1 webhooks still bring those changes at once)`,
    });
  });

  it('holds the V2 webhooks to this account and the deployment --url names, noting the stale and foreign ones', async () => {
    // Prepare
    const { diagnose, registerV2, shipStationV2 } = setup({ v1Key: false, v2Key: true });
    registerV2('https://old-api.example.invalid');
    shipStationV2.add('default', { id: '5', event: 'label_created_v2', url: 'https://another-app.example.com/labels' });

    // Act
    const anyHost = await diagnose('default');
    const deployed = await diagnose('default', { webhookBaseUrl: BASE });

    // Assess
    expect(findingOf(anyHost.findings, 'V2 webhooks').status).toBe('ok');
    expect(findingOf(deployed.findings, 'V2 webhooks')).toMatchObject({
      status: 'warn',
      detail:
        `not registered: ${POINTER_EVENTS.join(', ')} (the poll still finds those changes, up to 30 min later); ` +
        '4 point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation); 1 point(s) elsewhere (another app)',
    });
  });
});

describe('diagnoseAccount: pauses', () => {
  it('reports a paused V2 key (BROKEN) with the poll that resumes it, and one since replaced as a warning', async () => {
    // Prepare
    const paused = setup({ v2Key: true });
    await paused.credentials.markInvalid('default', 'shipstation-v2', 'v2-fingerprint-1', 'ShipStation rejected the V2 API key (401)');
    const replaced = setup({ v2Key: true });
    await replaced.credentials.markInvalid('default', 'shipstation-v2', 'an-older-v2-fingerprint', 'ShipStation rejected the V2 API key (401)');

    // Act
    const current = await paused.diagnose('default');
    const old = await replaced.diagnose('default');

    // Assess
    expect(current.verdict).toBe('broken');
    expect(findingOf(current.findings, 'V2 key pause')).toEqual({
      check: 'V2 key pause',
      status: 'fail',
      detail: `paused since ${NOW}: ShipStation rejected the V2 API key (401)`,
      fix:
        'replace the ShipStation V2 key (the account resumes within minutes of the new key working); if doctor shows the key works now, ' +
        'the next scheduled poll (≤ 30 min) resumes it, or run `shipstation-klaviyo poll --account default` to resume now',
    });
    expect(findingOf(old.findings, 'V2 key pause')).toMatchObject({ status: 'warn', fix: expect.stringMatching(/^nothing: the next scheduled poll/) });
  });

  it('says nothing of the pause of a V1 key the account no longer has (moved to API V2 only)', async () => {
    // Prepare
    const { diagnose, credentials, registerV2 } = setup({ v1Key: false, v2Key: true });
    registerV2();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'ShipStation rejected the API key and secret (401)');

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.findings.filter((f) => f.check.endsWith('pause'))).toEqual([]);
  });
});
