// pollAccount / runPollJob against in-memory ports: which run a job starts or resumes, continuations that keep the
// asked job, the store filter, oversized records dead-lettered, a refused key (one check per poll while paused, the
// pause ended by a key that works) and held Klaviyo events released before each poll.
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { PollJob } from '../../../lib/domain/poll-plan.js';
import type { ListPageRequest } from '../../../lib/ports.js';
import { makePollAccount, makeRunPollJob, type PollAccount } from '../../../lib/use-cases/poll-account.js';
import { noOutcome } from '../../../lib/use-cases/sending.js';
import type { SweepOutcome } from '../../../lib/use-cases/sweep-due-checks.js';
import type { ReleaseOutcome } from '../../../lib/use-cases/release-held-events.js';
import {
  fakeAccount,
  InMemoryAlertLedger,
  RecordingServiceMetrics,
  FakeClock,
  FakeShipStationApi,
  FakeShipStationV2,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryPollCursorStore,
  InMemoryPollJobQueue,
  InMemoryUpdateQueue,
  RecordingAlerts,
  RecordingLogger,
  StaticAccountDirectory,
} from '../../fakes/in-memory-ports.js';
import { orderSnapshot } from '../../helpers/factories.js';

const NOW = '2026-11-25T12:00:00.000Z';
const limits = { timeLeftMs: (): number => Infinity, reserveMs: 0 };
const REFUSED_SUBJECT = 'ShipStation refused the API key (account default)';
const RECOVERED_SUBJECT = 'The ShipStation API key works again (account default)';

function setup(account = fakeAccount(), released: ReleaseOutcome['status'] | Error = 'done', flushFails = false) {
  const clock = new FakeClock(NOW);
  const cursors = new InMemoryPollCursorStore();
  const shipStation = new FakeShipStationApi();
  const updates = new InMemoryUpdateQueue();
  const history = new InMemoryUpdateQueue();
  const ledger = new InMemoryEventLedger();
  const credentials = new InMemoryCredentialStatusStore();
  const pollJobs = new InMemoryPollJobQueue();
  const alerts = new RecordingAlerts();
  const metrics = new RecordingServiceMetrics();
  /** What happened, in order: each release of held events and each poll. */
  const steps: string[] = [];
  let runs = 0;
  const accounts = new StaticAccountDirectory([account]);
  const pollLog = new RecordingLogger();
  const shipStationV2 = new FakeShipStationV2();
  const poll = makePollAccount({
    accounts,
    cursors,
    shipStation,
    shipStationV2,
    updates,
    history,
    credentials,
    alerts,
    alertLedger: new InMemoryAlertLedger(),
    metrics,
    pollJobs,
    ledger,
    clock,
    settings: { overlapMinutes: 10, lagMinutes: 2, importDays: 90, backfillAfterHours: 24, leaseMs: 16 * 60_000 },
    newRunId: () => `run-${(runs += 1)}`,
    log: pollLog,
  });
  const pollAccount: PollAccount = async (job, jobLimits) => {
    steps.push(`poll ${job.accountId}`);
    return poll(job, jobLimits);
  };
  const releaseHeld = async (accountId: string): Promise<ReleaseOutcome> => {
    steps.push(`release ${accountId}`);
    if (released instanceof Error) throw released;
    return { status: released, sent: 0, deadLettered: 0, remaining: released === 'done' ? 0 : 3, keyState: released === 'paused' ? 'outage' : 'working' };
  };
  const sweepDue = async (accountId: string): Promise<SweepOutcome> => {
    steps.push(`sweep ${accountId}`);
    return { status: 'swept', checked: 0, sent: [], dropped: 0, retried: 0, outcome: noOutcome() };
  };
  const log = new RecordingLogger();
  const flushOutbox = async (accountId: string): Promise<void> => {
    steps.push(`flush ${accountId}`);
    if (flushFails) throw new TransientError('Klaviyo answered 503');
  };
  const alertPollLag = async (accountId: string): Promise<boolean> => {
    steps.push(`lag ${accountId}`);
    return false;
  };
  const runPollJob = makeRunPollJob({ pollAccount, pollJobs, releaseHeld, sweepDue, flushOutbox, alertPollLag, metrics, outageRetrySeconds: 60, log });
  return {
    clock,
    cursors,
    accounts,
    shipStation,
    shipStationV2,
    updates,
    history,
    ledger,
    credentials,
    alerts,
    metrics,
    pollJobs,
    pollAccount,
    runPollJob,
    steps,
    log,
    pollLog,
  };
}

const job = (overrides: Partial<PollJob> = {}): PollJob => ({ accountId: 'default', reason: 'schedule', ...overrides });
const ordersOnly = (request: ListPageRequest): boolean => request.resource === 'orders' && request.query.modifyDateStart !== undefined;

describe('pollAccount', () => {
  it('imports the configured days on the first poll, sends every snapshot as history and sets the cursor', async () => {
    // Prepare
    const { pollAccount, shipStation, history, updates, cursors } = setup();
    shipStation.listWith((_, request) => (ordersOnly(request) ? { snapshots: [orderSnapshot({ orderId: 1 })], rows: 1, total: 1 } : {}));

    // Act
    const outcome = await pollAccount(job(), limits);

    // Assess
    expect(outcome).toMatchObject({ status: 'completed', jobStarted: true, runs: [{ mode: 'import', done: true, requests: 3 }] });
    expect(history.snapshots).toEqual([{ ...orderSnapshot({ orderId: 1 }), history: true }]);
    expect(updates.snapshots).toEqual([]);
    expect((await cursors.get('default'))?.through).toBe('2026-11-25T11:58:00.000Z');
  });

  it('resumes the run in progress before a backfill, and a continuation keeps the backfill job until it has started', async () => {
    // Prepare: a scheduled run stopped after its orders; ShipStation then asks for a long wait.
    const { runPollJob, cursors, shipStation, pollJobs } = setup();
    await cursors.acquire('default', 'earlier', new Date(NOW), new Date(NOW));
    await cursors.save(
      {
        accountId: 'default',
        through: '2026-11-25T11:00:00.000Z',
        run: {
          runId: 'earlier',
          mode: 'poll',
          windowStart: '2026-11-25T10:50:00.000Z',
          windowEnd: '2026-11-25T11:30:00.000Z',
          stream: 1,
          position: { from: '2026-11-25T10:50:00.000Z', page: 1 },
          startedAt: NOW,
          requests: 1,
          enqueued: 0,
        },
      },
      'earlier',
    );
    await cursors.release('default', 'earlier');
    shipStation.failNext(new TransientError('ShipStation rate limit', { retryAfterSeconds: 45 }));

    // Act
    const outcome = await runPollJob(job({ reason: 'cli', backfillDays: 7 }), limits);

    // Assess
    expect(outcome).toMatchObject({ status: 'continue', jobStarted: false, delaySeconds: 45 });
    expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'cli', backfillDays: 7 }, delaySeconds: 45 }]);
    expect((await cursors.get('default'))?.run?.runId).toBe('earlier');
  });

  it('drops orders of other stores, and dead-letters a record too large for a queue message instead of blocking the poll', async () => {
    // Prepare
    const { pollAccount, shipStation, history, ledger, cursors } = setup(fakeAccount({ storeIds: [9001, 9002] }));
    const huge = orderSnapshot({
      orderId: 3,
      storeId: 9001,
      items: Array.from({ length: 3000 }, (_, i) => ({ sku: `SKU-${i}`, name: 'x'.repeat(80), quantity: 1 })),
    });
    shipStation.listWith((_, request) =>
      ordersOnly(request)
        ? { snapshots: [orderSnapshot({ orderId: 1, storeId: 9001 }), orderSnapshot({ orderId: 2, storeId: 7777 }), huge], rows: 3, total: 3 }
        : {},
    );

    // Act
    const outcome = await pollAccount(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(history.snapshots.map((s) => s.orderId)).toEqual([1]);
    expect([...ledger.deadLetters.values()].map((d) => [d.orderId, d.metric])).toEqual([[3, '(oversized record)']]);
    expect((await cursors.get('default'))?.through).toBeDefined();
  });

  it('pauses on a 401 from a list page: the key is marked invalid, one alert, and the cursor stays at its checkpoint', async () => {
    // Prepare: a first poll imported and set the cursor; an hour later the key is refused.
    const { pollAccount, shipStation, credentials, cursors, alerts, clock } = setup();
    await pollAccount(job(), limits);
    const through = (await cursors.get('default'))?.through;
    clock.advance(3_600_000);
    shipStation.failNext(new ShipStationCredentialsError('default'));

    // Act
    const outcome = await pollAccount(job(), limits);

    // Assess
    expect(outcome).toMatchObject({ status: 'paused', runs: [{ mode: 'poll', done: false }] });
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual([REFUSED_SUBJECT]);
    expect(through).toBe('2026-11-25T11:58:00.000Z');
    expect((await cursors.get('default'))?.through).toBe(through);
  });

  it('reports the poll lag (now minus the cursor) after each completed run, and a growing lag while the account is paused', async () => {
    // Prepare
    const { pollAccount, shipStation, metrics, clock } = setup();

    // Act
    await pollAccount(job(), limits);
    const afterRun = metrics.lags.get('default');
    clock.advance(3_600_000);
    shipStation.failNext(new ShipStationCredentialsError('default'));
    await pollAccount(job(), limits);
    clock.advance(1_800_000);
    shipStation.failNext(new ShipStationCredentialsError('default'));
    await pollAccount(job(), limits);

    // Assess: the window ends POLL_LAG_MINUTES (2) before now; while paused the cursor stays and the lag grows.
    expect(afterRun).toBe(120);
    expect(metrics.lags.get('default')).toBe(120 + 5_400);
  });

  it('reports the lag from the kept cursor also when a run is interrupted, so a stuck account shows a growing lag', async () => {
    // Prepare
    const { pollAccount, shipStation, metrics, clock } = setup();
    await pollAccount(job(), limits);
    clock.advance(2 * 3_600_000);
    shipStation.failNext(new TransientError('ShipStation answered 503'));

    // Act
    const outcome = await pollAccount(job(), limits);

    // Assess
    expect(outcome.status).toBe('continue');
    expect(metrics.lags.get('default')).toBe(120 + 7_200);
  });

  it("checks a paused account's key with one GET /stores per poll and lists nothing while it is still refused", async () => {
    // Prepare
    const { pollAccount, shipStation, credentials, cursors, alerts } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'ShipStation rejected the API key and secret (401)');
    await credentials.markAlerted('default', 'shipstation', 'ss-fingerprint-1');
    shipStation.failNext(new ShipStationCredentialsError('default'), 2);

    // Act
    const first = await pollAccount(job(), limits);
    const second = await pollAccount(job(), limits);

    // Assess
    expect([first.status, second.status]).toEqual(['paused', 'paused']);
    expect(shipStation.checks).toEqual(['default', 'default']);
    expect(shipStation.listCalls).toEqual([]);
    expect(await cursors.get('default')).toBeUndefined();
    expect(alerts.sent).toEqual([]);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
  });

  it('skips the poll of a paused account when its key cannot be checked now, without an alert', async () => {
    // Prepare
    const { pollAccount, shipStation, credentials, alerts } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'expired');
    shipStation.failNext(new TransientError('ShipStation answered 503'));

    // Act
    const outcome = await pollAccount(job(), limits);

    // Assess
    expect(outcome.status).toBe('paused');
    expect(shipStation.checks).toEqual(['default']);
    expect(shipStation.listCalls).toEqual([]);
    expect(alerts.sent).toEqual([]);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
  });

  it('ends the pause when the check succeeds: the key is marked valid, one alert, and this poll is the catch-up', async () => {
    // Prepare
    const { pollAccount, shipStation, credentials, cursors, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'expired');

    // Act
    const outcome = await pollAccount(job(), limits);
    const next = await pollAccount(job(), limits);

    // Assess
    expect(outcome).toMatchObject({ status: 'completed', runs: [{ mode: 'import', done: true }] });
    expect(next.status).toBe('completed');
    expect(shipStation.checks).toEqual(['default']);
    expect(shipStation.listCalls.length).toBeGreaterThan(0);
    expect(await credentials.status('default', 'shipstation')).toMatchObject({ state: 'valid', fingerprint: 'ss-fingerprint-1' });
    expect(alerts.sent.map((a) => a.subject)).toEqual([RECOVERED_SUBJECT]);
    expect(pollJobs.jobs).toEqual([]);
    expect((await cursors.get('default'))?.through).toBeDefined();
  });

  it('tries a key that replaced a refused one, and alerts about it once when it is refused too', async () => {
    // Prepare
    const { pollAccount, shipStation, credentials, alerts } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-old-fingerprint', 'expired');
    shipStation.failNext(new ShipStationCredentialsError('default'), 2);

    // Act
    const first = await pollAccount(job(), limits);
    const second = await pollAccount(job(), limits);

    // Assess
    expect([first.status, second.status]).toEqual(['paused', 'paused']);
    expect(shipStation.checks).toEqual(['default', 'default']);
    expect(shipStation.listCalls).toEqual([]);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual([REFUSED_SUBJECT]);
  });

  it('makes no credential check for an account whose key works: never refused, or refused and since recovered', async () => {
    // Prepare
    const { pollAccount, shipStation, credentials } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'expired');
    await credentials.markValid('default', 'shipstation', 'ss-fingerprint-1');
    const { pollAccount: freshPoll, shipStation: freshShipStation } = setup();

    // Act
    const recovered = await pollAccount(job(), limits);
    const fresh = await freshPoll(job(), limits);

    // Assess
    expect([recovered.status, fresh.status]).toEqual(['completed', 'completed']);
    expect(shipStation.checks).toEqual([]);
    expect(freshShipStation.checks).toEqual([]);
  });

  it("lets only the newest continuation drive a run: an older chain's job stops without a request", async () => {
    // Prepare: a run interrupted twice (two continuation jobs queued), e.g. once by a schedule job that resumed it.
    const { runPollJob, shipStation, pollJobs } = setup();
    shipStation.failNext(new TransientError('HTTP 503'), 2);
    await runPollJob(job(), limits);
    const older = pollJobs.jobs[0]?.job as PollJob;
    await runPollJob(job(), limits);
    const newer = pollJobs.jobs[1]?.job as PollJob;
    const requestsBefore = shipStation.listCalls.length;

    // Act
    const stale = await runPollJob(older, limits);
    const current = await runPollJob(newer, limits);

    // Assess: the second (scheduled) job resumed the import and re-queued itself, as its own poll had not started yet;
    // the older continuation stops at once; the newer job finishes the import (3 lists) and then polls (4 lists).
    expect(older).toMatchObject({ reason: 'continue', continuation: expect.any(String) });
    expect(newer).toEqual({ accountId: 'default', reason: 'schedule' });
    expect(stale.status).toBe('busy');
    expect(current).toMatchObject({
      status: 'completed',
      runs: [
        { mode: 'import', done: true },
        { mode: 'poll', done: true },
      ],
    });
    expect(shipStation.listCalls.length - requestsBefore).toBe(7);
  });

  it('fails the job once a page has failed transiently ten times in a row, so the DLQ shows a stuck account', async () => {
    // Prepare
    const { pollAccount, shipStation } = setup();
    shipStation.failNext(new TransientError('HTTP 503'), 11);

    // Act
    const outcomes = [(await pollAccount(job(), limits)).status];
    for (let i = 0; i < 9; i += 1) outcomes.push((await pollAccount(job({ reason: 'continue' }), limits)).status);
    const eleventh = pollAccount(job({ reason: 'continue' }), limits);

    // Assess
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => 'continue'));
    await expect(eleventh).rejects.toBeInstanceOf(TransientError);
  });
});

describe('runPollJob', () => {
  it("releases the account's held Klaviyo events before it polls the account", async () => {
    // Prepare
    const { runPollJob, steps, pollJobs } = setup();

    // Act
    const outcome = await runPollJob(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(steps).toEqual(['release default', 'flush default', 'sweep default', 'poll default', 'lag default']);
    expect(pollJobs.jobs).toEqual([]);
  });

  it('queues a resume job when releasing the held events ran short of time, and still polls', async () => {
    // Prepare
    const { runPollJob, steps, pollJobs } = setup(fakeAccount(), 'continue');

    // Act
    const outcome = await runPollJob(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(steps).toEqual(['release default', 'flush default', 'sweep default', 'poll default', 'lag default']);
    expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'resume' }]);
  });

  it('queues nothing more while the Klaviyo key is still refused', async () => {
    // Prepare
    const { runPollJob, steps, pollJobs } = setup(fakeAccount(), 'paused');

    // Act
    const outcome = await runPollJob(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(steps).toEqual(['release default', 'flush default', 'sweep default', 'poll default', 'lag default']);
    expect(pollJobs.jobs).toEqual([]);
  });

  it('still polls ShipStation when Klaviyo fails while the held events are released', async () => {
    // Prepare
    const { runPollJob, steps, pollJobs, log } = setup(fakeAccount(), new TransientError('Klaviyo answered 503'));

    // Act
    const outcome = await runPollJob(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(steps).toEqual(['release default', 'flush default', 'sweep default', 'poll default', 'lag default']);
    expect(pollJobs.jobs).toEqual([]);
    expect(log.messages('warn')).toContain('held events not released now; the next poll job tries again');
  });

  it('logs any other failure while releasing held events as an error and still polls ShipStation', async () => {
    // Prepare
    const { runPollJob, steps, log } = setup(fakeAccount(), new Error('the held event store is unreadable'));

    // Act
    const outcome = await runPollJob(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(steps).toEqual(['release default', 'flush default', 'sweep default', 'poll default', 'lag default']);
    expect(log.messages('error')).toContain('held events could not be released; the next poll job tries again');
  });
});

describe("runPollJob: an outage's release jobs", () => {
  it('only releases held events (no sweep, no poll), reports the backlog, and queues the next release twice as late while Klaviyo still fails', async () => {
    // Prepare
    const { runPollJob, steps, pollJobs, metrics } = setup(fakeAccount(), 'paused');

    // Act
    await runPollJob(job({ reason: 'release', attempt: 1 }), limits);

    // Assess
    expect(steps).toEqual(['release default']);
    expect(metrics.heldBacklog).toBe(3);
    expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'release', attempt: 2 }, delaySeconds: 240 }]);
  });

  it('stops queueing release jobs after the fifth: the scheduled polls take over', async () => {
    // Prepare
    const { runPollJob, pollJobs } = setup(fakeAccount(), 'paused');

    // Act
    await runPollJob(job({ reason: 'release', attempt: 4 }), limits);

    // Assess
    expect(pollJobs.jobs).toEqual([]);
  });

  it('queues nothing more once the backlog is sent', async () => {
    // Prepare
    const { runPollJob, pollJobs, metrics } = setup(fakeAccount(), 'done');

    // Act
    await runPollJob(job({ reason: 'release', attempt: 0 }), limits);

    // Assess
    expect(pollJobs.jobs).toEqual([]);
    expect(metrics.heldBacklog).toBe(0);
  });

  it('fails the release job when the release itself fails, so the polls queue retries it', async () => {
    // Prepare
    const { runPollJob } = setup(fakeAccount(), new Error('the held event store is unreadable'));

    // Act / Assess
    await expect(runPollJob(job({ reason: 'release', attempt: 0 }), limits)).rejects.toThrow('unreadable');
  });
});

describe('runPollJob and the bulk outbox', () => {
  it('sends what has waited for a full bulk request before the poll and checks the poll lag after it, on scheduled jobs only', async () => {
    // Arrange
    const { runPollJob, steps } = setup();

    // Act
    await runPollJob(job({ reason: 'schedule' }), limits);
    await runPollJob(job({ reason: 'continue' }), limits);
    await runPollJob(job({ reason: 'cli' }), limits);

    // Assess
    expect(steps.filter((s) => s.startsWith('flush') || s.startsWith('poll') || s.startsWith('lag'))).toEqual([
      'flush default',
      'poll default',
      'lag default',
      'poll default',
      'poll default',
    ]);
  });

  it('still polls when the look at the outbox fails, and says the next scheduled job tries again', async () => {
    // Arrange
    const { runPollJob, steps, log } = setup(fakeAccount(), 'done', true);

    // Act
    await runPollJob(job({ reason: 'schedule' }), limits);

    // Assess
    expect(steps.filter((s) => s.startsWith('flush') || s.startsWith('poll'))).toEqual(['flush default', 'poll default']);
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.message)).toContain(
      'history events waiting for a bulk request not sent now; the next scheduled job tries again',
    );
  });
});

describe('runPollJob and the due-check sweep', () => {
  it('sweeps due checks before a scheduled poll, and not for continuations, resumes or CLI runs', async () => {
    // Arrange
    const { runPollJob, steps } = setup();

    // Act
    await runPollJob(job({ reason: 'schedule' }), limits);
    await runPollJob(job({ reason: 'continue' }), limits);
    await runPollJob(job({ reason: 'resume' }), limits);
    await runPollJob(job({ reason: 'cli' }), limits);

    // Assess
    expect(steps.filter((s) => s.startsWith('sweep') || s.startsWith('poll'))).toEqual([
      'sweep default',
      'poll default',
      'poll default',
      'poll default',
      'poll default',
    ]);
  });
});

describe('pollAccount across ShipStation APIs', () => {
  it('reads V1 and V2 streams in one run for an account with both keys, orders of both first, from one cursor', async () => {
    // Prepare
    const { pollAccount, shipStation, shipStationV2, cursors } = setup(fakeAccount({ shipStationV2Fingerprint: 'v2-fingerprint-1' }));
    await pollAccount(job(), limits);
    const through = (await cursors.get('default'))?.through;

    // Assess: V1 orders, then V2 shipments, then the labels and fulfilments of each; the V2 filters are UTC instants
    expect(shipStation.listCalls.map((c) => c.request.resource)).toEqual(['orders', 'shipments', 'fulfillments']);
    expect(shipStationV2.listCalls.map((c) => c.resource)).toEqual(['shipments', 'labels', 'fulfillments']);
    expect(shipStationV2.listCalls[0]?.query).toMatchObject({
      modified_at_start: '2026-08-27T12:00:00.000Z',
      modified_at_end: through,
      sort_by: 'modified_at',
      sort_dir: 'asc',
      page_size: '500',
      page: '1',
    });
  });

  it('restarts a V1 run from the cursor with V2 streams when the account moved to V2 mid-run: nothing skipped, the cursor never past an unread window', async () => {
    // Prepare: an import, then a scheduled poll stopped for time after its first page (V1 orders)
    const { pollAccount, accounts, shipStation, shipStationV2, cursors, pollLog, clock } = setup();
    await pollAccount(job(), limits);
    const through = (await cursors.get('default'))?.through as string;
    clock.advance(30 * 60_000);
    let checks = 0;
    const stopAfterOnePage = { timeLeftMs: (): number => (checks++ < 1 ? Infinity : 0), reserveMs: 1 };
    const stopped = await pollAccount(job(), stopAfterOnePage);
    if (stopped.status !== 'continue') throw new Error(`expected a run to continue, got ${stopped.status}`);
    const v1Calls = shipStation.listCalls.length;

    // Act: the merchant's plan lost V1; the continuation runs with a V2 key only
    accounts.update('default', { shipStationFingerprint: undefined, shipStationKeyExpiresOn: undefined, shipStationV2Fingerprint: 'v2-fingerprint-1' });
    const resumed = await pollAccount(job({ reason: 'continue', continuation: stopped.continuation }), limits);

    // Assess: no V1 request after the switch; the V2 run reads every stream from the same cursor (minus the overlap)
    expect(resumed.status).toBe('completed');
    expect(shipStation.listCalls).toHaveLength(v1Calls);
    expect(shipStationV2.listCalls.map((c) => c.resource)).toEqual(['shipments', 'labels', 'labels', 'fulfillments']);
    expect(shipStationV2.listCalls[0]?.query.modified_at_start).toBe(new Date(Date.parse(through) - 10 * 60_000).toISOString());
    expect(shipStationV2.listCalls[2]?.query).toMatchObject({ label_status: 'voided' });
    expect(pollLog.entries.some((e) => e.message === 'poll run restarted from the cursor: it reads an API the account cannot use now')).toBe(true);
    const cursor = await cursors.get('default');
    expect(cursor?.run).toBeUndefined();
    expect(Date.parse(cursor?.through ?? '')).toBeGreaterThan(Date.parse(through));
  });
});
