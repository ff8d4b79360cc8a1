// pollAccount / runPollJob against in-memory ports: which run a job starts or resumes, continuations that keep the
// asked job, the store filter, oversized records dead-lettered, and a paused account left alone.
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { PollJob } from '../../../lib/domain/poll-plan.js';
import type { ListPageRequest } from '../../../lib/ports.js';
import { makePollAccount, makeRunPollJob } from '../../../lib/use-cases/poll-account.js';
import {
  fakeAccount,
  FakeClock,
  FakeShipStationApi,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryPollCursorStore,
  InMemoryPollJobQueue,
  InMemoryUpdateQueue,
  RecordingLogger,
  StaticAccountDirectory,
} from '../../fakes/in-memory-ports.js';
import { orderSnapshot } from '../../helpers/factories.js';

const NOW = '2026-11-25T12:00:00.000Z';
const limits = { timeLeftMs: (): number => Infinity, reserveMs: 0 };

function setup(account = fakeAccount()) {
  const clock = new FakeClock(NOW);
  const cursors = new InMemoryPollCursorStore();
  const shipStation = new FakeShipStationApi();
  const updates = new InMemoryUpdateQueue();
  const history = new InMemoryUpdateQueue();
  const ledger = new InMemoryEventLedger();
  const credentials = new InMemoryCredentialStatusStore();
  const pollJobs = new InMemoryPollJobQueue();
  let runs = 0;
  const pollAccount = makePollAccount({
    accounts: new StaticAccountDirectory([account]),
    cursors,
    shipStation,
    updates,
    history,
    credentials,
    ledger,
    clock,
    settings: { overlapMinutes: 10, lagMinutes: 2, importDays: 90, backfillAfterHours: 24, leaseMs: 16 * 60_000 },
    newRunId: () => `run-${(runs += 1)}`,
    log: new RecordingLogger(),
  });
  const runPollJob = makeRunPollJob({ pollAccount, pollJobs });
  return { clock, cursors, shipStation, updates, history, ledger, credentials, pollJobs, pollAccount, runPollJob };
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
    await cursors.save({ accountId: 'default', through: '2026-11-25T11:00:00.000Z', run: { runId: 'earlier', mode: 'poll', windowStart: '2026-11-25T10:50:00.000Z', windowEnd: '2026-11-25T11:30:00.000Z', stream: 1, position: { from: '2026-11-25T10:50:00.000Z', page: 1 }, startedAt: NOW, requests: 1, enqueued: 0 } }, 'earlier');
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
    const huge = orderSnapshot({ orderId: 3, storeId: 9001, items: Array.from({ length: 3000 }, (_, i) => ({ sku: `SKU-${i}`, name: 'x'.repeat(80), quantity: 1 })) });
    shipStation.listWith((_, request) => (ordersOnly(request)
      ? { snapshots: [orderSnapshot({ orderId: 1, storeId: 9001 }), orderSnapshot({ orderId: 2, storeId: 7777 }), huge], rows: 3, total: 3 }
      : {}));

    // Act
    const outcome = await pollAccount(job(), limits);

    // Assess
    expect(outcome.status).toBe('completed');
    expect(history.snapshots.map((s) => s.orderId)).toEqual([1]);
    expect([...ledger.deadLetters.values()].map((d) => [d.orderId, d.metric])).toEqual([[3, '(oversized record)']]);
    expect((await cursors.get('default'))?.through).toBeDefined();
  });

  it('makes no request for an account whose key is marked invalid, and marks a 401 once without moving the cursor', async () => {
    // Prepare
    const { pollAccount, shipStation, credentials, cursors } = setup();
    shipStation.failNext(new ShipStationCredentialsError('default'));

    // Act
    const first = await pollAccount(job(), limits);
    const second = await pollAccount(job(), limits);

    // Assess
    expect(first.status).toBe('paused');
    expect(second.status).toBe('paused');
    expect(shipStation.listCalls).toHaveLength(1);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
    expect((await cursors.get('default'))?.through).toBeUndefined();
  });

  it('lets only the newest continuation drive a run: an older chain\'s job stops without a request', async () => {
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
    expect(current).toMatchObject({ status: 'completed', runs: [{ mode: 'import', done: true }, { mode: 'poll', done: true }] });
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
