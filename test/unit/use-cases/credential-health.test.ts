// credential-health against in-memory ports: the state of an account's key (working, paused, replaced), the first
// report of a refused key alerting once however many callers report it, an alert that could not be sent left owed, and
// the end of a pause announced once with its catch-up poll.
import { RETIRED_KEY_GRACE_MS } from '../../../lib/domain/key-expiry.js';
import { keyFingerprint, keyState, reportRejectedKey, reportWorkingKey, type CredentialHealthDeps } from '../../../lib/use-cases/credential-health.js';
import {
  fakeAccount,
  InMemoryAlertLedger,
  FakeClock,
  InMemoryCredentialStatusStore,
  InMemoryPollJobQueue,
  RecordingAlerts,
  RecordingLogger,
} from '../../fakes/in-memory-ports.js';

const SINCE = '2026-07-05T17:00:00.000Z';

function setup() {
  const clock = new FakeClock(SINCE);
  const credentials = new InMemoryCredentialStatusStore(() => clock.now());
  const alerts = new RecordingAlerts();
  const pollJobs = new InMemoryPollJobQueue();
  const log = new RecordingLogger();
  const deps: CredentialHealthDeps = { credentials, alerts, alertLedger: new InMemoryAlertLedger(), pollJobs, clock, log };
  return { clock, credentials, alerts, pollJobs, log, deps, account: fakeAccount() };
}

describe('keyFingerprint', () => {
  it("is the fingerprint of the account's key for the service", () => {
    // Prepare
    const account = fakeAccount({ shipStationFingerprint: 'ss-1', klaviyoFingerprint: 'kl-1' });

    // Act
    const fingerprints = [keyFingerprint(account, 'shipstation'), keyFingerprint(account, 'klaviyo')];

    // Assess
    expect(fingerprints).toEqual(['ss-1', 'kl-1']);
  });
});

describe('keyState', () => {
  it('is working when nothing is known against the key', async () => {
    // Prepare
    const { deps, account } = setup();

    // Act
    const state = await keyState(deps, account, 'shipstation');

    // Assess
    expect(state).toBe('working');
  });

  it('is paused when this very key was refused, for that service only', async () => {
    // Prepare
    const { deps, account, credentials } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '401');

    // Act
    const states = [await keyState(deps, account, 'klaviyo'), await keyState(deps, account, 'shipstation')];

    // Assess
    expect(states).toEqual(['paused', 'working']);
  });

  it('is replaced when a refused key has since been replaced by another', async () => {
    // Prepare
    const { deps, account, credentials } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-old-fingerprint', '401');

    // Act
    const state = await keyState(deps, account, 'shipstation');

    // Assess
    expect(state).toBe('replaced');
  });

  it('is working again once the refused key was found working', async () => {
    // Prepare
    const { deps, account, credentials } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', '401');
    await credentials.markValid('default', 'shipstation', 'ss-fingerprint-1');

    // Act
    const state = await keyState(deps, account, 'shipstation');

    // Assess
    expect(state).toBe('working');
  });
});

describe('reportRejectedKey', () => {
  it('pauses the key and sends one alert naming the account, the key and what to do', async () => {
    // Prepare
    const { deps, account, credentials, alerts, log } = setup();

    // Act
    const first = await reportRejectedKey(deps, account, 'klaviyo', '401 Incorrect authentication credentials.');

    // Assess
    expect(first).toBe(true);
    expect(await credentials.status('default', 'klaviyo')).toEqual({
      state: 'invalid',
      fingerprint: 'kl-fingerprint-1',
      reason: '401 Incorrect authentication credentials.',
      since: SINCE,
      alertedAt: SINCE,
    });
    expect(alerts.sent).toHaveLength(1);
    expect(alerts.sent[0]).toMatchObject({ accountId: 'default', subject: 'Klaviyo refused the private key (account default)' });
    expect(alerts.sent[0]?.message).toContain('Account: default');
    expect(alerts.sent[0]?.message).toContain('Klaviyo answered: 401 Incorrect authentication credentials.');
    expect(alerts.sent[0]?.message).toContain('What to do:');
    expect(log.messages('error')).toEqual(['klaviyo credentials rejected; pausing the account']);
  });

  it('alerts once when many callers report the same refused key at the same time', async () => {
    // Prepare
    const { deps, account, credentials, alerts } = setup();

    // Act
    const firsts = await Promise.all(Array.from({ length: 5 }, () => reportRejectedKey(deps, account, 'shipstation', 'ShipStation answered 401')));
    const later = await reportRejectedKey(deps, account, 'shipstation', 'ShipStation answered 401');

    // Assess
    expect(firsts.filter(Boolean)).toHaveLength(1);
    expect(later).toBe(false);
    expect(credentials.reports).toHaveLength(6);
    expect(alerts.sent.map((a) => a.subject)).toEqual(['ShipStation refused the API key (account default)']);
  });

  it('alerts again for a new key that is refused in turn', async () => {
    // Prepare
    const { deps, credentials, alerts } = setup();
    await reportRejectedKey(deps, fakeAccount(), 'shipstation', '401');

    // Act
    const first = await reportRejectedKey(deps, fakeAccount({ shipStationFingerprint: 'ss-fingerprint-2' }), 'shipstation', '401');

    // Assess
    expect(first).toBe(true);
    expect(alerts.sent).toHaveLength(2);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-2')).toBe(true);
  });

  it('ignores, for a while, the refusals of a key that a working one just replaced (a container still holding the old key)', async () => {
    // Prepare
    const { deps, alerts, clock } = setup();
    const oldKey = fakeAccount();
    const newKey = fakeAccount({ shipStationFingerprint: 'ss-fingerprint-2' });
    await reportRejectedKey(deps, oldKey, 'shipstation', '401');
    await reportWorkingKey(deps, newKey, 'shipstation', { queueCatchUp: false });

    // Act
    clock.advance(60_000);
    const staleContainer = await reportRejectedKey(deps, oldKey, 'shipstation', '401');
    const stateForNewKey = await keyState(deps, newKey, 'shipstation');
    clock.advance(RETIRED_KEY_GRACE_MS);
    const backToTheOldKey = await reportRejectedKey(deps, oldKey, 'shipstation', '401');

    // Assess
    expect(staleContainer).toBe(false);
    expect(stateForNewKey).toBe('working');
    // Going back to the dead key after the grace period pauses the account again; that key was alerted today already,
    // so the next alert about it is the daily check's tomorrow (a key is alerted at most once a day).
    expect(backToTheOldKey).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual([
      'ShipStation refused the API key (account default)',
      'The ShipStation API key works again (account default)',
    ]);
  });

  it('alerts each refused key once a day while the status flips between two refused keys (old and new containers)', async () => {
    // Prepare
    const { deps, alerts } = setup();
    const oldKey = fakeAccount();
    const badNewKey = fakeAccount({ shipStationFingerprint: 'ss-fingerprint-2' });

    // Act
    const flips = [];
    for (const key of [oldKey, badNewKey, oldKey, badNewKey, oldKey]) flips.push(await reportRejectedKey(deps, key, 'shipstation', '401'));

    // Assess
    expect(flips).toEqual([true, true, true, true, true]);
    expect(alerts.sent.map((a) => a.subject)).toEqual([
      'ShipStation refused the API key (account default)',
      'ShipStation refused the API key (account default)',
    ]);
  });

  it('logs an alert that could not be sent and leaves it owed, still pausing the key', async () => {
    // Prepare
    const { deps, account, credentials, alerts, log } = setup();
    alerts.failNext(1);

    // Act
    const first = await reportRejectedKey(deps, account, 'shipstation', 'ShipStation answered 401');

    // Assess
    expect(first).toBe(true);
    expect(alerts.sent).toEqual([]);
    const status = await credentials.status('default', 'shipstation');
    expect(status).toMatchObject({ state: 'invalid', fingerprint: 'ss-fingerprint-1' });
    expect(status?.alertedAt).toBeUndefined();
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'alert about a refused key not sent; the daily key check sends it',
      data: { accountId: 'default', service: 'shipstation', error: 'SNS is unavailable' },
    });
  });
});

describe('reportWorkingKey', () => {
  it('does nothing for a key that was not paused', async () => {
    // Prepare
    const { deps, account, credentials, alerts, pollJobs } = setup();

    // Act
    const recovered = await reportWorkingKey(deps, account, 'shipstation', { queueCatchUp: true });

    // Assess
    expect(recovered).toBe(false);
    expect(await credentials.status('default', 'shipstation')).toBeUndefined();
    expect(alerts.sent).toEqual([]);
    expect(pollJobs.jobs).toEqual([]);
  });

  it('ends a pause once: the key is marked valid, one recovery alert and one catch-up poll', async () => {
    // Prepare
    const { deps, account, credentials, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-old-fingerprint', '401');

    // Act
    const results = await Promise.all([
      reportWorkingKey(deps, account, 'klaviyo', { queueCatchUp: true }),
      reportWorkingKey(deps, account, 'klaviyo', { queueCatchUp: true }),
    ]);

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await credentials.status('default', 'klaviyo')).toEqual({ state: 'valid', fingerprint: 'kl-fingerprint-1', since: SINCE });
    expect(alerts.sent.map((a) => a.subject)).toEqual(['The Klaviyo private key works again (account default)']);
    expect(alerts.sent[0]?.message).toContain('Account: default');
    expect(alerts.sent[0]?.message).toContain('Nothing to do.');
    expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'resume' }, delaySeconds: undefined }]);
  });

  it('queues no catch-up when the caller is the catch-up itself', async () => {
    // Prepare
    const { deps, account, credentials, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', '401');

    // Act
    const recovered = await reportWorkingKey(deps, account, 'shipstation', { queueCatchUp: false });

    // Assess
    expect(recovered).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual(['The ShipStation API key works again (account default)']);
    expect(pollJobs.jobs).toEqual([]);
  });

  it('logs a recovery alert that could not be sent and still ends the pause and queues the catch-up', async () => {
    // Prepare
    const { deps, account, credentials, alerts, pollJobs, log } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', '401');
    alerts.failNext(1);

    // Act
    const recovered = await reportWorkingKey(deps, account, 'shipstation', { queueCatchUp: true });

    // Assess
    expect(recovered).toBe(true);
    expect(alerts.sent).toEqual([]);
    expect(await credentials.status('default', 'shipstation')).toMatchObject({ state: 'valid' });
    expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'resume' }]);
    expect(log.entries).toContainEqual({
      level: 'error',
      message: 'recovery alert not sent',
      data: { accountId: 'default', service: 'shipstation', error: 'SNS is unavailable' },
    });
  });
});
