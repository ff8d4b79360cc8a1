// releaseHeldEvents against in-memory ports: events held while the account's Klaviyo key was refused go out once a key
// works, in bulk, with their original time and unique_id, never twice; while the key is still refused one probe decides
// and nothing is sent.
import type { KlaviyoEvent } from '../../../lib/domain/klaviyo-event.js';
import { makeReleaseHeldEvents } from '../../../lib/use-cases/release-held-events.js';
import {
  fakeAccount,
  InMemoryAlertLedger,
  RecordingServiceMetrics,
  FakeClock,
  FakeKlaviyoApi,
  FakeKlaviyoBulkApi,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryHeldEventStore,
  InMemoryOrderStateStore,
  InMemoryPollJobQueue,
  RecordingAlerts,
  RecordingLogger,
  StaticAccountDirectory,
  trackingDeps,
} from '../../fakes/in-memory-ports.js';
import { historicalShippedEvent } from '../../helpers/factories.js';

const NOW = '2026-07-05T17:00:00.000Z';
const plentyOfTime = { timeLeftMs: (): number => Infinity, reserveMs: 0 };
const REFUSED_SUBJECT = 'Klaviyo refused the private key (account default)';
const RECOVERED_SUBJECT = 'The Klaviyo private key works again (account default)';

function setup() {
  const clock = new FakeClock(NOW);
  const ledger = new InMemoryEventLedger();
  const klaviyo = new FakeKlaviyoApi();
  const probe = new FakeKlaviyoApi();
  const klaviyoBulk = new FakeKlaviyoBulkApi();
  const credentials = new InMemoryCredentialStatusStore(() => clock.now());
  const alerts = new RecordingAlerts();
  const pollJobs = new InMemoryPollJobQueue();
  const held = new InMemoryHeldEventStore();
  const log = new RecordingLogger();
  const release = makeReleaseHeldEvents({
    accounts: new StaticAccountDirectory([fakeAccount()]),
    orderStates: new InMemoryOrderStateStore(),
    ledger,
    klaviyo,
    klaviyoBulk,
    klaviyoCheck: probe,
    held,
    credentials,
    alerts,
    alertLedger: new InMemoryAlertLedger(),
    metrics: new RecordingServiceMetrics(),
    pollJobs,
    clock,
    backfillAfterHours: 24,
    ...trackingDeps(),
    log,
  });
  return { clock, ledger, klaviyo, probe, klaviyoBulk, credentials, alerts, pollJobs, held, log, release };
}

/** A live event as it was held: `hoursAgo` before NOW, not flagged backfill. */
const heldEvent = (n: number, hoursAgo: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent =>
  historicalShippedEvent(n, { time: new Date(Date.parse(NOW) - hoursAgo * 3_600_000).toISOString(), backfill: false, ...overrides });

/** Holds `count` recent events numbered from 1, zero-padded so their unique_id order is their number order. */
async function holdMany(held: InMemoryHeldEventStore, count: number): Promise<KlaviyoEvent[]> {
  const events = Array.from({ length: count }, (_, i) => heldEvent(i + 1, 1, { uniqueId: `ss:default:shipment:${String(i + 1).padStart(5, '0')}:shipped` }));
  await held.hold(events);
  return events;
}

describe('releaseHeldEvents', () => {
  it('makes no Klaviyo call at all when nothing is held, even while the key is refused', async () => {
    // Prepare
    const { release, credentials, probe, klaviyo, klaviyoBulk, alerts } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '401 authentication_failed');

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'done', sent: 0, deadLettered: 0 });
    expect(probe.checks).toBe(0);
    expect(klaviyo.attempts).toEqual([]);
    expect(klaviyoBulk.attempts).toEqual([]);
    expect(alerts.sent).toEqual([]);
  });

  it('probes a refused key once and sends nothing while Klaviyo still refuses it', async () => {
    // Prepare
    const { release, credentials, probe, klaviyoBulk, held, ledger, alerts } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '401 authentication_failed');
    await credentials.markAlerted('default', 'klaviyo', 'kl-fingerprint-1');
    await holdMany(held, 3);
    probe.rejectNext(401, 'authentication_failed');

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'paused', sent: 0, deadLettered: 0 });
    expect(probe.checks).toBe(1);
    expect(klaviyoBulk.attempts).toEqual([]);
    expect(await held.count('default')).toBe(3);
    expect(ledger.records.size).toBe(0);
    expect(alerts.sent).toEqual([]);
    expect(await credentials.isInvalid('default', 'klaviyo', 'kl-fingerprint-1')).toBe(true);
  });

  it.each([
    ['Klaviyo cannot answer now', (probe: FakeKlaviyoApi): unknown => probe.failTransientlyNext()],
    ['Klaviyo answers the probe in a way it does not expect (404)', (probe: FakeKlaviyoApi): unknown => probe.rejectNext(404, 'not_found')],
  ])('keeps the events held without throwing when %s', async (_case, answer) => {
    // Prepare
    const { release, credentials, probe, klaviyoBulk, held, log } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '401 authentication_failed');
    await holdMany(held, 2);
    answer(probe);

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome.status).toBe('paused');
    expect(klaviyoBulk.attempts).toEqual([]);
    expect(await held.count('default')).toBe(2);
    expect(log.messages('warn')).toContain('klaviyo key check inconclusive; events stay held');
  });

  it('ends the pause when the probe succeeds and sends the held events in bulk, oldest first, with their original time and unique_id', async () => {
    // Prepare
    const { release, credentials, probe, klaviyoBulk, held, ledger, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '403 missing events:write');
    const recent = heldEvent(1, 2);
    const dayOld = heldEvent(2, 30);
    const history = heldEvent(3, 1, { backfill: true });
    await held.hold([recent, dayOld, history]);

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'done', sent: 3, deadLettered: 0 });
    expect(probe.checks).toBe(1);
    expect(klaviyoBulk.requests).toHaveLength(1);
    expect(klaviyoBulk.events.map((e) => [e.uniqueId, e.time, e.backfill])).toEqual(
      [
        [dayOld.uniqueId, dayOld.time, true],
        [recent.uniqueId, recent.time, false],
        [history.uniqueId, history.time, true],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    expect(klaviyoBulk.events.find((e) => e.uniqueId === recent.uniqueId)).toEqual(recent);
    expect(await held.count('default')).toBe(0);
    expect([recent, dayOld, history].map((e) => ledger.entry('default', e.uniqueId)?.status)).toEqual(['SENT', 'SENT', 'SENT']);
    expect(await credentials.status('default', 'klaviyo')).toMatchObject({ state: 'valid', fingerprint: 'kl-fingerprint-1' });
    expect(alerts.sent.map((a) => a.subject)).toEqual([RECOVERED_SUBJECT]);
    // The release runs inside a poll job: no second catch-up is queued.
    expect(pollJobs.jobs).toEqual([]);
  });

  it('sends an event exactly backfillAfterHours old as it was held', async () => {
    // Prepare
    const { release, klaviyoBulk, held } = setup();
    await held.hold([heldEvent(1, 24)]);

    // Act
    await release('default', plentyOfTime);

    // Assess
    expect(klaviyoBulk.events.map((e) => e.backfill)).toEqual([false]);
  });

  it('sends held events without a probe once the refused key was replaced, and the first accepted request ends the pause', async () => {
    // Prepare
    const { release, credentials, probe, klaviyoBulk, held, alerts } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-old-fingerprint', '401 authentication_failed');
    await holdMany(held, 2);

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'done', sent: 2, deadLettered: 0 });
    expect(probe.checks).toBe(0);
    expect(klaviyoBulk.events).toHaveLength(2);
    expect(await credentials.status('default', 'klaviyo')).toMatchObject({ state: 'valid', fingerprint: 'kl-fingerprint-1' });
    expect(alerts.sent.map((a) => a.subject)).toEqual([RECOVERED_SUBJECT]);
    expect(await held.count('default')).toBe(0);
  });

  it('removes without resending an event that was sent, suppressed or dead-lettered while it was held', async () => {
    // Prepare
    const { release, klaviyoBulk, held, ledger } = setup();
    const [sent, voided, dead, waiting] = await holdMany(held, 4);
    ledger.seed('default', sent!.uniqueId, { status: 'SENT', sentAt: NOW });
    ledger.seed('default', voided!.uniqueId, { status: 'SUPPRESSED', reason: 'voided before it was sent' });
    ledger.seed('default', dead!.uniqueId, { status: 'DEAD', reason: 'time: must not be in the future' });

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'done', sent: 1, deadLettered: 0 });
    expect(klaviyoBulk.events.map((e) => e.uniqueId)).toEqual([waiting!.uniqueId]);
    expect(await held.count('default')).toBe(0);
    expect(ledger.entry('default', sent!.uniqueId)).toEqual({ status: 'SENT', sentAt: NOW });
  });

  it('keeps an event held while another worker is sending it', async () => {
    // Prepare
    const { release, klaviyoBulk, held, ledger, clock } = setup();
    const [busy, free] = await holdMany(held, 2);
    ledger.seed('default', busy!.uniqueId, { status: 'PENDING', claimId: 'other-worker', leaseUntil: clock.now().getTime() + 60_000 });

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome.sent).toBe(1);
    expect(klaviyoBulk.events.map((e) => e.uniqueId)).toEqual([free!.uniqueId]);
    expect((await held.list('default', 10)).events.map((e) => e.uniqueId)).toEqual([busy!.uniqueId]);
  });

  it('keeps the events held, pauses the key and alerts once when Klaviyo refuses it during the release', async () => {
    // Prepare
    const { release, credentials, klaviyoBulk, held, ledger, alerts } = setup();
    await holdMany(held, 3);
    klaviyoBulk.rejectNext(401, 'authentication_failed');

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'paused', sent: 0, deadLettered: 0 });
    expect(klaviyoBulk.events).toEqual([]);
    expect(await held.count('default')).toBe(3);
    expect(ledger.records.size).toBe(0);
    expect(ledger.deadLetters.size).toBe(0);
    expect(await credentials.isInvalid('default', 'klaviyo', 'kl-fingerprint-1')).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual([REFUSED_SUBJECT]);
  });

  it('keeps the events held and their claims released when Klaviyo fails for now, and begins an outage with its first release job', async () => {
    // Prepare
    const { release, klaviyoBulk, probe, held, ledger, credentials, pollJobs } = setup();
    await holdMany(held, 3);
    klaviyoBulk.failTransientlyNext();
    probe.failTransientlyNext(); // Klaviyo is down, not just this request

    // Act
    const result = await release('default', plentyOfTime);

    // Assess
    expect(result).toEqual({ status: 'paused', sent: 0, deadLettered: 0, remaining: 3, keyState: 'working' });
    expect(await held.count('default')).toBe(3);
    expect(ledger.records.size).toBe(0);
    expect((await credentials.status('default', 'klaviyo'))?.outage?.reason).toMatch(/Klaviyo/);
    expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'release', attempt: 0 }, delaySeconds: 60 }]);
  });

  it('in an outage, sends the held events oldest first once Klaviyo answers, ends the outage, and sends what was held meanwhile', async () => {
    // Prepare: three held in the outage; one more is held while the release runs (after its first read)
    const { release, klaviyoBulk, held, credentials, clock } = setup();
    await credentials.markOutage('default', 'klaviyo', 'Klaviyo answered 503');
    const events = [3, 1, 2].map((n) =>
      historicalShippedEvent(n, { backfill: false, time: new Date(clock.now().getTime() - (4 - n) * 600_000).toISOString() }),
    );
    await held.hold(events);
    const list = held.list.bind(held);
    let reads = 0;
    held.list = async (...args) => {
      reads += 1;
      if (reads === 2) await held.hold([historicalShippedEvent(9, { backfill: false, time: clock.now().toISOString() })]);
      return list(...args);
    };

    // Act
    const result = await release('default', plentyOfTime);

    // Assess
    expect(result).toMatchObject({ status: 'done', sent: 4, remaining: 0, keyState: 'outage' });
    expect(klaviyoBulk.events.map((e) => e.uniqueId)).toEqual([1, 2, 3, 9].map((n) => historicalShippedEvent(n).uniqueId));
    expect(klaviyoBulk.events.every((e) => !e.backfill)).toBe(true);
    expect((await credentials.status('default', 'klaviyo'))?.outage).toBeUndefined();
    expect(await held.count('default')).toBe(0);
  });

  it('dead-letters, rather than holds again, an event Klaviyo keeps failing while it answers the probe, so the backlog and the outage end', async () => {
    // Prepare: the oldest held event is the one Klaviyo fails; the bulk request with it fails too
    const { release, klaviyo, klaviyoBulk, held, credentials, ledger, clock } = setup();
    await credentials.markOutage('default', 'klaviyo', 'Klaviyo answered 503');
    const events = [1, 2, 3].map((n) =>
      historicalShippedEvent(n, { backfill: false, time: new Date(clock.now().getTime() - (4 - n) * 600_000).toISOString() }),
    );
    await held.hold(events);
    klaviyoBulk.failTransientlyNext();
    klaviyo.failTransientlyNext(1, 'Klaviyo answered 500');

    // Act
    const result = await release('default', plentyOfTime);

    // Assess
    expect(result).toMatchObject({ status: 'done', sent: 2, deadLettered: 1, remaining: 0 });
    expect(klaviyo.events.map((e) => e.uniqueId)).toEqual([2, 3].map((n) => historicalShippedEvent(n).uniqueId));
    expect(ledger.deadLetterOf('default', historicalShippedEvent(1).uniqueId)?.reason).toMatch(/^Klaviyo kept failing this event while it answered others/);
    expect(await held.count('default')).toBe(0);
    expect((await credentials.status('default', 'klaviyo'))?.outage).toBeUndefined();
  });

  it('keeps everything held when the probe fails too (a real outage), sending nothing one by one', async () => {
    // Prepare
    const { release, klaviyo, klaviyoBulk, probe, held, credentials } = setup();
    await credentials.markOutage('default', 'klaviyo', 'Klaviyo answered 503');
    await holdMany(held, 3);
    klaviyoBulk.failTransientlyNext();
    probe.failTransientlyNext();

    // Act
    const result = await release('default', plentyOfTime);

    // Assess
    expect(result).toMatchObject({ status: 'paused', sent: 0, deadLettered: 0, remaining: 3 });
    expect(klaviyo.attempts).toEqual([]);
    expect((await credentials.status('default', 'klaviyo'))?.outage).toBeDefined();
  });

  it('ends an outage that has nothing held without calling Klaviyo', async () => {
    // Prepare
    const { release, klaviyoBulk, credentials } = setup();
    await credentials.markOutage('default', 'klaviyo', 'Klaviyo answered 503');

    // Act
    const result = await release('default', plentyOfTime);

    // Assess
    expect(result).toMatchObject({ status: 'done', sent: 0, keyState: 'outage' });
    expect(klaviyoBulk.attempts).toEqual([]);
    expect((await credentials.status('default', 'klaviyo'))?.outage).toBeUndefined();
  });

  it('dead-letters a held event Klaviyo refuses for good and removes it, sending the others', async () => {
    // Prepare
    const { release, klaviyo, klaviyoBulk, held, ledger } = setup();
    const [bad] = await holdMany(held, 3);
    klaviyoBulk.rejectNext(400, 'invalid: one event in the request');
    klaviyo.rejectNext(400, 'time: must not be in the future');

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'done', sent: 2, deadLettered: 1 });
    expect(ledger.deadLetterOf('default', bad!.uniqueId)).toMatchObject({ status: 400, reason: 'time: must not be in the future' });
    expect(await held.count('default')).toBe(0);
  });

  it('sends more than 1,000 held events in two bulk requests, each event once', async () => {
    // Prepare
    const { release, klaviyoBulk, held } = setup();
    const events = await holdMany(held, 1_500);

    // Act
    const outcome = await release('default', plentyOfTime);

    // Assess
    expect(outcome).toMatchObject({ status: 'done', sent: 1_500, deadLettered: 0 });
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([1_000, 500]);
    expect(new Set(klaviyoBulk.events.map((e) => e.uniqueId))).toEqual(new Set(events.map((e) => e.uniqueId)));
    expect(await held.count('default')).toBe(0);
  });

  it('stops with status continue when time runs short, and the next job sends the rest', async () => {
    // Prepare
    const { release, klaviyoBulk, held } = setup();
    await holdMany(held, 1_500);
    const shortOfTime = { timeLeftMs: (): number => 10_000, reserveMs: 60_000 };

    // Act
    const first = await release('default', shortOfTime);
    const left = await held.count('default');
    const second = await release('default', plentyOfTime);

    // Assess
    expect(first).toEqual({ status: 'continue', sent: 1_000, deadLettered: 0, remaining: 500, keyState: 'working' });
    expect(left).toBe(500);
    expect(second).toEqual({ status: 'done', sent: 500, deadLettered: 0, remaining: 0, keyState: 'working' });
    expect(new Set(klaviyoBulk.events.map((e) => e.uniqueId)).size).toBe(1_500);
    expect(await held.count('default')).toBe(0);
  });
});
