// checkKeyExpiry against in-memory ports and a fake clock: the DaysUntilKeyExpiry metric, threshold alerts sent once per
// (account, key, expiry date) whatever the schedule, retries and SNS failures, and the daily key checks (refused keys
// alerted once, owed alerts sent later, keys that work again announced with a catch-up poll). Includes a simulated year.
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { Account, AccountDirectory, Alert, Clock, ShipStationCredentialCheck } from '../../../lib/ports.js';
import { makeCheckKeyExpiry } from '../../../lib/use-cases/check-key-expiry.js';
import {
  fakeAccount,
  FakeClock,
  FakeKlaviyoApi,
  FakeShipStationApi,
  FakeShipStationV2,
  InMemoryAlertLedger,
  InMemoryCredentialStatusStore,
  InMemoryPollJobQueue,
  RecordingAlerts,
  RecordingHealthMetrics,
  RecordingLogger,
  StaticAccountDirectory,
  type AccountWithToken,
} from '../../fakes/in-memory-ports.js';

const DAY = 86_400_000;

/** Every port in memory; the ShipStation check is `shipStation` unless the test brings its own. */
function setup(
  options: { accounts?: AccountWithToken[]; now?: string; shipStation?: (accounts: AccountDirectory, clock: Clock) => ShipStationCredentialCheck } = {},
) {
  const clock = new FakeClock(options.now ?? '2026-07-05T09:00:00.000Z');
  const accounts = new StaticAccountDirectory(options.accounts ?? [fakeAccount()]);
  const alertLedger = new InMemoryAlertLedger();
  const alerts = new RecordingAlerts();
  const credentials = new InMemoryCredentialStatusStore(() => clock.now());
  const pollJobs = new InMemoryPollJobQueue();
  const shipStation = new FakeShipStationApi();
  const klaviyo = new FakeKlaviyoApi();
  const metrics = new RecordingHealthMetrics();
  const log = new RecordingLogger();
  const check = makeCheckKeyExpiry({
    accounts,
    alertLedger,
    alerts,
    credentials,
    pollJobs,
    shipStation: options.shipStation?.(accounts, clock) ?? shipStation,
    shipStationV2: new FakeShipStationV2(),
    klaviyo,
    metrics,
    clock,
    log,
  });
  return { clock, accounts, alertLedger, alerts, credentials, pollJobs, shipStation, klaviyo, metrics, log, check };
}

/** An account whose ShipStation key expires on `expiresOn`; `n` varies its token and fingerprints. */
const account = (id: string, expiresOn: string, n = 1): AccountWithToken =>
  fakeAccount({
    id,
    shipStationKeyExpiresOn: expiresOn,
    shipStationFingerprint: `ss-${id}-${n}`,
    klaviyoFingerprint: `kl-${id}-1`,
    webhookToken: `webhook-token-of-${id}-long-enough`,
  });

/** The date `days` days after `date` (`YYYY-MM-DD`). */
const plusDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY).toISOString().slice(0, 10);

/** What every alert must tell its reader: which account, which key, what to do (or that nothing needs doing). */
function expectActionable(alert: Alert): void {
  expect(alert.message).toContain(`Account: ${alert.accountId}`);
  expect(alert.message).toMatch(/^Key: .+/m);
  expect(alert.message).toMatch(/^(What to do: .+|Nothing to do\.)$/m);
}

describe('checkKeyExpiry', () => {
  describe('expiry alerts', () => {
    it('records DaysUntilKeyExpiry for every account on every run', async () => {
      // Prepare
      const { check, metrics, clock } = setup({ accounts: [account('alpha', '2026-08-04'), account('beta', '2027-07-05')] });

      // Act
      const first = await check();
      clock.advance(DAY);
      await check();

      // Assess
      expect(first.map((r) => [r.accountId, r.daysUntilExpiry])).toEqual([
        ['alpha', 30],
        ['beta', 365],
      ]);
      expect(metrics.daysUntilExpiry).toEqual([
        { accountId: 'alpha', days: 30 },
        { accountId: 'beta', days: 365 },
        { accountId: 'alpha', days: 29 },
        { accountId: 'beta', days: 364 },
      ]);
    });

    it('sends nothing while more than 30 days are left', async () => {
      // Prepare
      const { check, alerts } = setup({ accounts: [account('alpha', '2026-08-05')] });

      // Act
      const [report] = await check();

      // Assess
      expect(report).toMatchObject({ daysUntilExpiry: 31, shipStation: 'works', klaviyo: 'works' });
      expect(report?.expiryAlert).toBeUndefined();
      expect(alerts.sent).toEqual([]);
    });

    it.each([
      [30, 'ShipStation API key expires in 30 days (account alpha)'],
      [14, 'ShipStation API key expires in 14 days (account alpha)'],
      [7, 'ShipStation API key expires in 7 days (account alpha)'],
      [3, 'ShipStation API key expires in 3 days (account alpha)'],
      [1, 'ShipStation API key expires in 1 day (account alpha)'],
      [0, 'ShipStation API key expires today (account alpha)'],
    ])('alerts at the %i-day threshold, naming the account, the key and the rotation steps', async (days, subject) => {
      // Prepare
      const expiresOn = plusDays('2026-07-05', days);
      const { check, alerts } = setup({ accounts: [account('alpha', expiresOn)] });

      // Act
      const [report] = await check();

      // Assess
      expect(report?.expiryAlert).toBe(days);
      expect(alerts.sent).toHaveLength(1);
      const [alert] = alerts.sent as [Alert];
      expect(alert).toMatchObject({ accountId: 'alpha', subject });
      expect(alert.message).toContain(`expiry date ${expiresOn}`);
      expect(alert.message).toContain('doctor --account alpha');
      expectActionable(alert);
    });

    it('sends each threshold once when the check runs twice a day and again the next days', async () => {
      // Prepare
      const { check, alerts, clock } = setup({ accounts: [account('alpha', '2026-08-04')] });

      // Act
      await check();
      clock.advance(12 * 3_600_000);
      const sameDay = await check();
      clock.advance(12 * 3_600_000);
      const nextDay = await check();

      // Assess
      expect(alerts.sent.map((a) => a.subject)).toEqual(['ShipStation API key expires in 30 days (account alpha)']);
      expect(sameDay[0]?.expiryAlert).toBeUndefined();
      expect(nextDay[0]?.expiryAlert).toBeUndefined();
    });

    it('gives the claim back when an alert cannot be sent, fails after checking the other accounts, and the next run sends it', async () => {
      // Prepare
      const { check, alerts, clock, metrics, shipStation } = setup({ accounts: [account('alpha', '2026-07-19'), account('beta', '2026-07-12')] });
      alerts.failNext(1);

      // Act
      const failed = await check().catch((error: unknown) => error);
      const sentWhenFailed = alerts.sent.map((a) => a.subject);
      const checkedWhenFailed = [...shipStation.checks];
      clock.advance(12 * 3_600_000);
      const retried = await check();
      clock.advance(DAY);
      await check();

      // Assess
      expect(failed).toBeInstanceOf(AggregateError);
      expect((failed as AggregateError).errors.map((e: Error) => e.message)).toEqual(['SNS is unavailable']);
      expect(sentWhenFailed).toEqual(['ShipStation API key expires in 7 days (account beta)']);
      expect(metrics.daysUntilExpiry.slice(0, 2)).toEqual([
        { accountId: 'alpha', days: 14 },
        { accountId: 'beta', days: 7 },
      ]);
      expect(checkedWhenFailed).toContain('beta');
      expect(retried.map((r) => [r.accountId, r.expiryAlert])).toEqual([
        ['alpha', 14],
        ['beta', undefined],
      ]);
      expect(alerts.sent.map((a) => a.subject)).toEqual([
        'ShipStation API key expires in 7 days (account beta)',
        'ShipStation API key expires in 14 days (account alpha)',
      ]);
    });

    it('still sends the threshold it crossed on a day the check did not run', async () => {
      // Prepare
      const { check, alerts, clock } = setup({ accounts: [account('alpha', '2026-07-17')] });

      // Act
      const afterGap = await check();
      clock.advance(10 * DAY);
      const afterLongerGap = await check();

      // Assess
      expect([afterGap[0]?.expiryAlert, afterLongerGap[0]?.expiryAlert]).toEqual([14, 3]);
      expect(alerts.sent.map((a) => a.subject)).toEqual([
        'ShipStation API key expires in 12 days (account alpha)',
        'ShipStation API key expires in 2 days (account alpha)',
      ]);
    });

    it('sends the 0-day alert once for a key that has already expired, then nothing more', async () => {
      // Prepare
      const { check, alerts, clock } = setup({ accounts: [account('alpha', '2026-07-02')] });

      // Act
      await check();
      for (let day = 0; day < 30; day += 1) {
        clock.advance(DAY);
        await check();
      }

      // Assess
      expect(alerts.sent.map((a) => a.subject)).toEqual(['ShipStation API key expired 3 days ago (account alpha)']);
      expectActionable(alerts.sent[0] as Alert);
    });

    it('starts afresh for a rotated key: a new fingerprint and expiry date get their own alerts', async () => {
      // Prepare
      const { check, alerts, clock, accounts } = setup({ accounts: [account('alpha', '2026-07-12')] });
      await check();

      // Act
      accounts.update('alpha', { shipStationFingerprint: 'ss-alpha-2', shipStationKeyExpiresOn: '2026-10-12' });
      clock.advance(DAY);
      const rotated = await check();
      clock.set('2026-09-12T09:00:00.000Z');
      const weeksLater = await check();

      // Assess
      expect(rotated[0]).toMatchObject({ daysUntilExpiry: 98 });
      expect(rotated[0]?.expiryAlert).toBeUndefined();
      expect(weeksLater[0]?.expiryAlert).toBe(30);
      expect(alerts.sent.map((a) => a.subject)).toEqual([
        'ShipStation API key expires in 7 days (account alpha)',
        'ShipStation API key expires in 30 days (account alpha)',
      ]);
      expect(alerts.sent[1]?.message).toContain('expiry date 2026-10-12');
    });
  });

  describe('key checks', () => {
    it('alerts once per key when ShipStation and Klaviyo refuse the keys, however often the check runs', async () => {
      // Prepare
      const { check, alerts, shipStation, klaviyo, credentials, clock } = setup();
      shipStation.failNext(new ShipStationCredentialsError('default'), 2);
      klaviyo.rejectNext(403, 'missing scope events:write', 2);

      // Act
      const first = await check();
      clock.advance(DAY);
      const second = await check();

      // Assess
      expect([first[0], second[0]].map((r) => [r?.shipStation, r?.klaviyo])).toEqual([
        ['refused', 'refused'],
        ['refused', 'refused'],
      ]);
      expect(shipStation.checks).toEqual(['default', 'default']);
      expect(klaviyo.checks).toBe(2);
      expect(alerts.sent.map((a) => a.subject)).toEqual([
        'ShipStation refused the API key (account default)',
        'Klaviyo refused the private key (account default)',
      ]);
      expect(alerts.sent[1]?.message).toContain('403 missing scope events:write');
      alerts.sent.forEach(expectActionable);
      expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
      expect(await credentials.isInvalid('default', 'klaviyo', 'kl-fingerprint-1')).toBe(true);
    });

    it('sends an owed alert on the next daily run when the first could not be sent', async () => {
      // Prepare
      const { check, alerts, shipStation, credentials, log, clock } = setup();
      shipStation.failNext(new ShipStationCredentialsError('default'), 3);
      alerts.failNext(1);

      // Act
      const first = await check();
      const owed = await credentials.status('default', 'shipstation');
      clock.advance(DAY);
      await check();
      clock.advance(DAY);
      await check();

      // Assess
      expect(first[0]?.shipStation).toBe('refused');
      expect(owed).toMatchObject({ state: 'invalid', fingerprint: 'ss-fingerprint-1' });
      expect(owed?.alertedAt).toBeUndefined();
      expect(log.messages('error')).toContain('alert about a refused key not sent; the daily key check sends it');
      expect(alerts.sent.map((a) => a.subject)).toEqual(['ShipStation refused the API key (account default)']);
      expect((await credentials.status('default', 'shipstation'))?.alertedAt).toBeDefined();
    });

    it.each([
      ['shipstation', 'ss-fingerprint-1', 'The ShipStation API key works again (account default)'],
      ['klaviyo', 'kl-fingerprint-1', 'The Klaviyo private key works again (account default)'],
    ] as const)('announces a refused %s key that works again once, and queues the catch-up poll', async (service, fingerprint, subject) => {
      // Prepare
      const { check, alerts, credentials, pollJobs, clock } = setup();
      await credentials.markInvalid('default', service, fingerprint, '401');

      // Act
      const [report] = await check();
      clock.advance(DAY);
      await check();

      // Assess
      expect(report).toMatchObject({ shipStation: 'works', klaviyo: 'works' });
      expect(await credentials.status('default', service)).toMatchObject({ state: 'valid', fingerprint });
      expect(alerts.sent.map((a) => a.subject)).toEqual([subject]);
      expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'resume' }]);
    });

    it('still checks both keys on a run whose expiry alert could not be sent', async () => {
      // Prepare
      const { check, alerts, shipStation, credentials } = setup({ accounts: [account('alpha', '2026-07-19')] });
      alerts.failNext(1);
      shipStation.failNext(new ShipStationCredentialsError('alpha'));

      // Act
      const run = check();

      // Assess
      await expect(run).rejects.toThrow(AggregateError);
      expect(shipStation.checks).toEqual(['alpha']);
      expect(await credentials.isInvalid('alpha', 'shipstation', 'ss-alpha-1')).toBe(true);
      expect(alerts.sent.map((a) => a.subject)).toEqual(['ShipStation refused the API key (account alpha)']);
    });

    it('asks ShipStation once per key pair however many accounts share it, and pauses each of them when it is refused', async () => {
      // Prepare: brand-a and brand-b share one ShipStation key pair (an agency's two stores); solo has its own
      const shared = (id: string): AccountWithToken => ({ ...account(id, '2027-01-31'), shipStationFingerprint: 'ss-shared-1' });
      const { check, shipStation, credentials } = setup({ accounts: [shared('brand-a'), shared('brand-b'), account('solo', '2027-01-31')] });
      shipStation.failNext(new ShipStationCredentialsError('brand-a'));

      // Act
      const reports = await check();

      // Assess: two requests, not three; both sharing accounts paused by the one refusal, solo untouched
      expect(shipStation.checks).toEqual(['brand-a', 'solo']);
      expect(reports.map((r) => [r.accountId, r.shipStation])).toEqual([
        ['brand-a', 'refused'],
        ['brand-b', 'refused'],
        ['solo', 'works'],
      ]);
      expect(await credentials.isInvalid('brand-b', 'shipstation', 'ss-shared-1')).toBe(true);
      expect(await credentials.isInvalid('solo', 'shipstation', 'ss-solo-1')).toBe(false);
    });

    it('queues one catch-up poll when both keys of an account work again in the same run', async () => {
      // Prepare
      const { check, alerts, credentials, pollJobs } = setup();
      await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', '401');
      await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '401');

      // Act
      await check();

      // Assess
      expect(alerts.sent.map((a) => a.subject)).toEqual([
        'The ShipStation API key works again (account default)',
        'The Klaviyo private key works again (account default)',
      ]);
      expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'resume' }]);
    });

    it('reports a key check that could not be completed as unknown, without an alert or a status change', async () => {
      // Prepare
      const { check, alerts, shipStation, klaviyo, credentials, log } = setup();
      shipStation.failNext(new TransientError('ShipStation answered 503'));
      klaviyo.failTransientlyNext();

      // Act
      const [report] = await check();

      // Assess
      expect(report).toMatchObject({ shipStation: 'unknown', klaviyo: 'unknown' });
      expect(alerts.sent).toEqual([]);
      expect(credentials.reports).toEqual([]);
      expect(log.messages('warn')).toEqual(['key check inconclusive', 'key check inconclusive']);
    });
  });

  describe('over a simulated year with a fake clock', () => {
    /** ShipStation as the year sees it: a key works through its expiry date and is refused (401) from the next day. */
    class ExpiringKeys implements ShipStationCredentialCheck {
      constructor(
        private readonly accounts: AccountDirectory,
        private readonly clock: Clock,
      ) {}

      async checkCredentials(accountId: string): Promise<{ stores: { storeId: number; storeName: string }[] }> {
        const found = this.accounts.find(accountId) as Account;
        if (this.clock.now().getTime() >= Date.parse(`${found.shipStationKeyExpiresOn}T00:00:00.000Z`) + DAY) throw new ShipStationCredentialsError(accountId);
        return { stores: [{ storeId: 1, storeName: 'Main store' }] };
      }
    }

    it('sends every threshold alert of every key exactly once, and nothing else but the refusal and recovery of the expired key', async () => {
      // Prepare: north has 3-month keys and rotates before expiry; south's 6-month key expires and is replaced 4 days
      // later; east's 12-month key is replaced by a 3-month one. The check runs daily at 08:00 UTC, a third of days again
      // at 20:00, skips four days (an outage), and SNS fails three times.
      const { check, alerts, accounts, clock, metrics, pollJobs } = setup({
        accounts: [account('north', '2026-03-31'), account('south', '2026-06-30'), account('east', '2026-10-15')],
        now: '2026-01-01T08:00:00.000Z',
        shipStation: (directory, fakeClock) => new ExpiringKeys(directory, fakeClock),
      });
      const rotations = new Map<string, [string, Partial<AccountWithToken>]>([
        ['2026-03-28', ['north', { shipStationFingerprint: 'ss-north-2', shipStationKeyExpiresOn: '2027-03-28' }]],
        ['2026-07-04', ['south', { shipStationFingerprint: 'ss-south-2', shipStationKeyExpiresOn: '2027-01-04' }]],
        ['2026-10-10', ['east', { shipStationFingerprint: 'ss-east-2', shipStationKeyExpiresOn: '2027-01-10' }]],
      ]);
      const snsDown = new Set(['2026-06-16T08', '2026-07-01T08', '2026-12-05T08']);
      const missed = new Set(['2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02']);
      const sent: { on: string; accountId: string; subject: string }[] = [];
      const failedRuns: string[] = [];
      let runs = 0;

      // Act
      for (let day = 0; day < 365; day += 1) {
        const date = plusDays('2026-01-01', day);
        const rotation = rotations.get(date);
        if (rotation !== undefined) accounts.update(...rotation);
        if (missed.has(date)) continue;
        const twice = (day % 3 === 0 || date === '2026-06-16') && date !== '2026-12-05';
        for (const hour of twice ? ['08', '20'] : ['08']) {
          clock.set(`${date}T${hour}:00:00.000Z`);
          if (snsDown.has(`${date}T${hour}`)) alerts.failNext(1);
          const before = alerts.sent.length;
          runs += 1;
          await check().catch((error: unknown) => {
            expect(error).toBeInstanceOf(AggregateError);
            failedRuns.push(`${date}T${hour}`);
          });
          sent.push(...alerts.sent.slice(before).map((a) => ({ on: date, accountId: a.accountId, subject: a.subject })));
        }
      }

      // Assess
      const expiry = (accountId: string, when: string): string => `ShipStation API key ${when} (account ${accountId})`;
      expect(sent.map((s) => [s.on, s.accountId, s.subject])).toEqual([
        ['2026-03-01', 'north', expiry('north', 'expires in 30 days')],
        ['2026-03-17', 'north', expiry('north', 'expires in 14 days')],
        ['2026-03-24', 'north', expiry('north', 'expires in 7 days')],
        ['2026-05-31', 'south', expiry('south', 'expires in 30 days')],
        // SNS failed in the morning run; the evening run sent it.
        ['2026-06-16', 'south', expiry('south', 'expires in 14 days')],
        ['2026-06-23', 'south', expiry('south', 'expires in 7 days')],
        ['2026-06-27', 'south', expiry('south', 'expires in 3 days')],
        ['2026-06-29', 'south', expiry('south', 'expires in 1 day')],
        ['2026-06-30', 'south', expiry('south', 'expires today')],
        // Refused from the day after expiry; SNS failed on 07-01, so the owed alert went out on the next daily run.
        ['2026-07-02', 'south', 'ShipStation refused the API key (account south)'],
        ['2026-07-04', 'south', 'The ShipStation API key works again (account south)'],
        ['2026-09-15', 'east', expiry('east', 'expires in 30 days')],
        // The check did not run from 09-29 to 10-02: the 14-day threshold it crossed still goes out.
        ['2026-10-03', 'east', expiry('east', 'expires in 12 days')],
        ['2026-10-08', 'east', expiry('east', 'expires in 7 days')],
        // SNS failed on 12-05 (one run that day): the claim was given back and the next day's run sent it.
        ['2026-12-06', 'south', expiry('south', 'expires in 29 days')],
        ['2026-12-11', 'east', expiry('east', 'expires in 30 days')],
        ['2026-12-21', 'south', expiry('south', 'expires in 14 days')],
        ['2026-12-27', 'east', expiry('east', 'expires in 14 days')],
        ['2026-12-28', 'south', expiry('south', 'expires in 7 days')],
      ]);
      const keys = new Map([
        ['north', ['2026-03-31', '2026-03-31', '2026-03-31']],
        ['south', ['2026-06-30', '2026-06-30', '2026-06-30', '2026-06-30', '2026-06-30', '2026-06-30', '2027-01-04', '2027-01-04', '2027-01-04']],
        ['east', ['2026-10-15', '2026-10-15', '2026-10-15', '2027-01-10', '2027-01-10']],
      ]);
      for (const [accountId, expiryDates] of keys) {
        const about = alerts.sent.filter((a) => a.accountId === accountId && a.subject.startsWith('ShipStation API key'));
        expect(about.map((a) => /expiry date (\d{4}-\d{2}-\d{2})/.exec(a.message)?.[1])).toEqual(expiryDates);
        for (const alert of about) expect(alert.message).toContain(`doctor --account ${accountId}`);
      }
      alerts.sent.forEach(expectActionable);
      expect(failedRuns).toEqual(['2026-06-16T08', '2026-12-05T08']);
      expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'south', reason: 'resume' }]);
      expect(metrics.daysUntilExpiry).toHaveLength(runs * 3);
      expect(metrics.daysUntilExpiry.filter((m) => m.accountId === 'south').at(-1)).toEqual({ accountId: 'south', days: 4 });
    });
  });
});
