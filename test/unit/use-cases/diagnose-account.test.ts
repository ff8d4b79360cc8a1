// diagnoseAccount's tracking findings against in-memory ports: off (and still healthy) without a V2 key; with one, the
// V2 key, the `track_event_v2` (or legacy `track`) webhook pointing at this account's tracking endpoint, the signing key
// sets, and whether tracking updates arrive.
import { historicalShippedEvent } from '../../helpers/factories.js';
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { KeySetCheck, WebhookSignatureVerifier } from '../../../lib/ports.js';
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

function setup(options: { v2Key?: boolean } = {}) {
  const clock = new FakeClock(NOW);
  const accounts = new StaticAccountDirectory([
    fakeAccount({ webhookToken: TOKEN, ...(options.v2Key === true ? { shipStationV2Fingerprint: 'v2-fingerprint-1' } : {}) }),
  ]);
  const shipStation = new FakeShipStationApi();
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
  return { diagnose, shipStationV2, trackingActivity, registerTrack, keySets, credentials, held };
}

/** The findings whose check is about tracking. */
const trackingFindings = (findings: Finding[]): Finding[] =>
  findings.filter((f) => ['tracking', 'V2 key', 'tracking webhook', 'signing keys', 'tracking events'].includes(f.check));

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
  it('says tracking is off without a V2 key and keeps a V1-only account HEALTHY', async () => {
    // Prepare
    const { diagnose, shipStationV2, keySets } = setup();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(trackingFindings(diagnosis.findings)).toEqual([
      { check: 'tracking', status: 'ok', detail: 'off: no V2 key (tracking events need shipStationV2.apiKey)' },
    ]);
    expect(shipStationV2.listed).toEqual([]);
    expect(keySets.calls).toBe(0);
  });

  it('is HEALTHY when the V2 key works, the track_event_v2 webhook points here, both key sets hold an RSA key and an update came 5 hours ago', async () => {
    // Prepare
    const { diagnose, trackingActivity, registerTrack } = setup({ v2Key: true });
    registerTrack();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - 5 * HOUR - 10 * 60_000));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(trackingFindings(diagnosis.findings)).toEqual([
      { check: 'V2 key', status: 'ok', detail: 'works (1 V2 webhook)' },
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

  it('fails (BROKEN) with the V2 key fix when ShipStation refuses the V2 key, and does not check the webhook', async () => {
    // Prepare
    const { diagnose, shipStationV2 } = setup({ v2Key: true });
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (401)'));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('broken');
    const [key, webhook] = trackingFindings(diagnosis.findings);
    expect(trackingFindings(diagnosis.findings).map((f) => f.check)).toEqual(['V2 key', 'tracking webhook', 'signing keys', 'tracking events']);
    expect(key).toMatchObject({ check: 'V2 key', status: 'fail', detail: 'refused by ShipStation (401): the V2 API key has expired, was revoked or is wrong' });
    expect(key?.fix).toMatch(/store it as the account's shipStationV2\.apiKey \(or SHIPSTATION_V2_API_KEY\)/);
    expect(webhook).toEqual({ check: 'tracking webhook', status: 'warn', detail: 'not checked: ShipStation refused the V2 key', fix: 'fix the V2 key first' });
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
