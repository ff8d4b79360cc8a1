// diagnoseAccount's tracking findings against in-memory ports: off (and still healthy) without a V2 key; with one, the
// V2 key, the `track` webhook pointing at this account's tracking endpoint, and whether tracking updates arrive.
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
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

function setup(options: { v2Key?: boolean } = {}) {
  const clock = new FakeClock(NOW);
  const accounts = new StaticAccountDirectory([fakeAccount({ webhookToken: TOKEN, ...(options.v2Key === true ? { shipStationV2Fingerprint: 'v2-fingerprint-1' } : {}) })]);
  const shipStation = new FakeShipStationApi();
  const shipStationV2 = new InMemoryShipStationV2Webhooks();
  const trackingActivity = new InMemoryTrackingActivity();
  const cursors = new InMemoryPollCursorStore();
  // A working account otherwise: V1 webhooks registered, a poll completed ten minutes ago.
  shipStation.webhooks.set('default', ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED'].map((event, i) => ({
    id: String(i + 1),
    event,
    targetUrl: accounts.webhookTargetUrl('default', BASE),
  })));
  cursors.cursors.set('default', { accountId: 'default', through: '2026-07-05T17:48:00.000Z', lastCompletedAt: '2026-07-05T17:50:00.000Z' });
  const diagnose = makeDiagnoseAccount({
    accounts,
    shipStation,
    shipStationV2,
    trackingActivity,
    klaviyo: new FakeKlaviyoApi(),
    credentials: new InMemoryCredentialStatusStore(),
    cursors,
    held: new InMemoryHeldEventStore(),
    ledger: new InMemoryEventLedger(),
    queues: { depths: async () => [] },
    clock,
    pollStaleAfterMinutes: 90,
  });
  const registerTrack = (base = BASE): void => void shipStationV2.add('default', { id: '9001', event: 'track', url: accounts.trackingTargetUrl('default', base) });
  return { diagnose, shipStationV2, trackingActivity, registerTrack };
}

/** The findings whose check is about tracking. */
const trackingFindings = (findings: Finding[]): Finding[] => findings.filter((f) => ['tracking', 'V2 key', 'tracking webhook', 'tracking events'].includes(f.check));

describe('diagnoseAccount: tracking', () => {
  it('says tracking is off without a V2 key and keeps a V1-only account HEALTHY', async () => {
    // Prepare
    const { diagnose, shipStationV2 } = setup();

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.verdict).toBe('healthy');
    expect(trackingFindings(diagnosis.findings)).toEqual([{ check: 'tracking', status: 'ok', detail: 'off: no V2 key (tracking events need shipStationV2.apiKey)' }]);
    expect(shipStationV2.listed).toEqual([]);
  });

  it('is HEALTHY when the V2 key works, the track webhook points here and an update came 5 hours ago', async () => {
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
      { check: 'tracking webhook', status: 'ok', detail: 'registered: track' },
      { check: 'tracking events', status: 'ok', detail: 'last tracking update 5 hours ago' },
    ]);
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
    expect(events?.fix).toMatch(/^the track webhook is registered: check that the account's ShipStation plan allows V2 tracking webhooks/);
  });

  it('warns when the last tracking update is more than 3 days old', async () => {
    // Prepare
    const { diagnose, trackingActivity, registerTrack } = setup({ v2Key: true });
    registerTrack();
    await trackingActivity.noteReceived('default', new Date(Date.parse(NOW) - 4 * 24 * HOUR));

    // Act
    const diagnosis = await diagnose('default');

    // Assess
    expect(diagnosis.findings.find((f) => f.check === 'tracking events')).toMatchObject({ status: 'warn', detail: 'last tracking update 4 days ago (none in the last 3 days)' });
  });

  it('fails (BROKEN) when no track webhook points at this account, with the register-webhooks fix', async () => {
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
      detail: 'not registered: track (no tracking events are sent without it); 1 point(s) elsewhere (another app; ShipStation may allow one track webhook only)',
      fix: "run `shipstation-klaviyo register-webhooks --account default --url <the HTTP API's base URL>` (it also registers the track webhook)",
    });
  });

  it('holds the track webhook to the deployment --url names', async () => {
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
      detail: 'not registered: track (no tracking events are sent without it); 1 point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)',
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
