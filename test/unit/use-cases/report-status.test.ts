// reportStatus against in-memory ports: idle means no work queue holds a message; stuck means a DLQ message, a paused
// key or a Klaviyo outage, held events, dead-letter records, or (only while polls are scheduled) a last poll older than
// the threshold, each problem naming the command that deals with it. A DLQ is peeked at only when it holds something;
// a replaced key, a poll never completed and events sent are shown, not problems.
import { BadInputError } from '../../../lib/domain/errors.js';
import type { QueueDepth, QueueDepths } from '../../../lib/ports.js';
import { makeReportStatus, type ReportStatusDeps } from '../../../lib/use-cases/report-status.js';
import { InMemoryDeadLetterQueues, InMemoryDeadLetterRecords } from '../../fakes/in-memory-dead-letters.js';
import {
  fakeAccount,
  FakeClock,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryBulkOutbox,
  InMemoryHeldEventStore,
  InMemoryPollCursorStore,
  StaticAccountDirectory,
} from '../../fakes/in-memory-ports.js';
import { historicalShippedEvent } from '../../helpers/factories.js';

const NOW = '2026-07-05T18:20:00.000Z';
const MINUTE = 60_000;
const QUEUES = ['notifications', 'updates', 'history', 'polls'];
const ago = (ms: number): string => new Date(Date.parse(NOW) - ms).toISOString();

/** Depths as the test sets them (all empty, each with a DLQ, unless changed); the DLQ counts follow the peekable DLQs. */
class ScriptedDepths implements QueueDepths {
  readonly depthsOf = new Map<string, Partial<QueueDepth>>();

  constructor(private readonly deadLetterQueues: InMemoryDeadLetterQueues) {}

  async depths(): Promise<QueueDepth[]> {
    return Promise.all(
      QUEUES.map(async (queue) => ({
        queue,
        visible: 0,
        inFlight: 0,
        delayed: 0,
        deadLetters: await this.deadLetterQueues.depth(queue),
        ...this.depthsOf.get(queue),
      })),
    );
  }
}

/** A DLQ fake that counts its peeks. */
class CountingDeadLetterQueues extends InMemoryDeadLetterQueues {
  peeks: string[] = [];

  override async peek(queue: string): ReturnType<InMemoryDeadLetterQueues['peek']> {
    this.peeks.push(queue);
    return super.peek(queue);
  }
}

function setup(options: { pollsScheduled?: boolean; v1Key?: boolean; v2Key?: boolean } = {}) {
  const clock = new FakeClock(NOW);
  const account = fakeAccount({
    ...(options.v1Key === false ? { shipStationFingerprint: undefined, shipStationKeyExpiresOn: undefined } : {}),
    ...(options.v2Key === true ? { shipStationV2Fingerprint: 'v2-fingerprint-1' } : {}),
  });
  const deadLetterQueues = new CountingDeadLetterQueues(QUEUES);
  const queues = new ScriptedDepths(deadLetterQueues);
  const credentials = new InMemoryCredentialStatusStore(() => clock.now());
  const cursors = new InMemoryPollCursorStore();
  const held = new InMemoryHeldEventStore();
  const outbox = new InMemoryBulkOutbox();
  const ledger = new InMemoryEventLedger();
  const deps: ReportStatusDeps = {
    accounts: new StaticAccountDirectory([account, fakeAccount({ id: 'other' })]),
    queues,
    deadLetterQueues,
    credentials,
    cursors,
    held,
    outbox,
    ledger,
    deadLetterRecords: new InMemoryDeadLetterRecords(ledger),
    clock,
    pollStaleAfterMinutes: 90,
    pollsScheduled: options.pollsScheduled ?? true,
  };
  // A working account otherwise: a poll completed ten minutes ago.
  cursors.cursors.set('default', { accountId: 'default', through: ago(12 * MINUTE), lastCompletedAt: ago(10 * MINUTE) });
  return { report: makeReportStatus(deps), clock, queues, deadLetterQueues, credentials, cursors, held, outbox, ledger };
}

/** Claims and marks an event sent at `at`. */
async function markSent(ledger: InMemoryEventLedger, uniqueId: string, metric: string, at: string, accountId = 'default'): Promise<void> {
  const claim = await ledger.claim(accountId, uniqueId, new Date(at));
  if (claim.status !== 'claimed') throw new Error('expected a claim');
  await ledger.markSent(accountId, uniqueId, claim.claimId, metric, new Date(at));
}

describe('reportStatus', () => {
  it('is idle and not stuck when no queue holds a message and nothing is wrong', async () => {
    // Prepare
    const { report, deadLetterQueues } = setup();

    // Act
    const status = await report(['default']);

    // Assess
    expect(status).toMatchObject({ at: NOW, idle: true, stuck: false, problems: [], pollsScheduled: true, pollStaleAfterMinutes: 90 });
    expect(status.accounts).toEqual([
      {
        accountId: 'default',
        poll: { lastCompletedAt: ago(10 * MINUTE), through: ago(12 * MINUTE), stale: false },
        keys: [{ service: 'shipstation' }, { service: 'klaviyo' }],
        heldEvents: 0,
        waitingForBulk: 0,
        deadLetters: { count: 0, sample: [] },
        sentLastHour: {},
        problems: [],
      },
    ]);
    expect(deadLetterQueues.peeks).toEqual([]);
  });

  it.each([
    ['waiting', { visible: 3 }],
    ['in flight', { inFlight: 1 }],
    ['delayed', { delayed: 2 }],
  ])('is not idle while a work queue holds a message %s, and that alone is no problem', async (_what, depth) => {
    // Prepare
    const { report, queues } = setup();
    queues.depthsOf.set('history', depth);

    // Act
    const status = await report(['default']);

    // Assess
    expect(status).toMatchObject({ idle: false, stuck: false, problems: [] });
  });

  it('is stuck while a DLQ holds a message, with the age of the oldest seen and the replay that moves it back', async () => {
    // Prepare
    const { report, deadLetterQueues } = setup();
    deadLetterQueues.park('updates', { kind: 'order' }, 'default', ago(125 * MINUTE));
    deadLetterQueues.park('updates', { kind: 'order' }, 'default', ago(5 * MINUTE));

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.stuck).toBe(true);
    expect(status.idle).toBe(true);
    expect(status.queues.find((q) => q.queue === 'updates')).toEqual({
      queue: 'updates',
      visible: 0,
      inFlight: 0,
      delayed: 0,
      deadLetters: 2,
      oldestDeadLetter: { sentAt: ago(125 * MINUTE), ageSeconds: 125 * 60, allSeen: true },
    });
    expect(status.problems).toEqual([
      'updates DLQ holds 2 messages, the oldest sent 2 h ago: find why with `shipstation-klaviyo doctor` and the publish-events logs, ' +
        'fix the cause, then run `shipstation-klaviyo replay queues --queue updates`',
    ]);
    expect(deadLetterQueues.peeks).toEqual(['updates']);
  });

  it('says the oldest is only of those seen when the peek saw fewer messages than the DLQ holds', async () => {
    // Prepare: two more messages than the peek sees (hidden by another reader, say)
    const { report, deadLetterQueues, queues } = setup();
    deadLetterQueues.park('polls', { reason: 'scheduled' }, 'default', ago(3 * MINUTE));
    queues.depthsOf.set('polls', { deadLetters: 3 });

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.queues.find((q) => q.queue === 'polls')?.oldestDeadLetter).toEqual({ sentAt: ago(3 * MINUTE), ageSeconds: 180, allSeen: false });
    expect(status.problems).toEqual([
      expect.stringMatching(/^polls DLQ holds 3 messages, the oldest of those seen sent 3 min ago: .* the poll-shipstation logs, /),
    ]);
  });

  it('is stuck while a key the account has is paused, and names the command that fixes it', async () => {
    // Prepare
    const { report, credentials } = setup({ v2Key: true });
    await credentials.markInvalid('default', 'shipstation-v2', 'v2-fingerprint-1', '401 Unauthorized');

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.stuck).toBe(true);
    expect(status.accounts[0]?.keys).toEqual([
      { service: 'shipstation' },
      { service: 'shipstation-v2', pause: { state: 'paused', since: NOW, reason: '401 Unauthorized' } },
      { service: 'klaviyo' },
    ]);
    expect(status.problems).toEqual([
      'account default: the ShipStation V2 key is paused, refused since 2026-07-05T18:20:00Z (401 Unauthorized): replace it ' +
        '(`shipstation-klaviyo doctor --account default` says how); then `shipstation-klaviyo poll --account default` resumes the account at once',
    ]);
  });

  it('shows a replaced key, whose pause ends with its first success, without calling it stuck', async () => {
    // Prepare
    const { report, credentials } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-0', '401 the old key');

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.stuck).toBe(false);
    expect(status.accounts[0]?.keys[1]).toEqual({ service: 'klaviyo', pause: { state: 'replaced', since: NOW, reason: '401 the old key' } });
  });

  it('reads no V1 key status for an account on API V2 only, and ignores a pause of a key it does not have', async () => {
    // Prepare
    const { report, credentials } = setup({ v1Key: false, v2Key: true });
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', '401 a removed V1 key');

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.accounts[0]?.keys).toEqual([{ service: 'shipstation-v2' }, { service: 'klaviyo' }]);
    expect(status.stuck).toBe(false);
  });

  it('counts history events waiting for a full bulk request without calling them a problem', async () => {
    // Prepare
    const { report, outbox } = setup();
    await outbox.put([historicalShippedEvent(1), historicalShippedEvent(2), historicalShippedEvent(3)], new Date(NOW));

    // Act
    const status = await report(['default']);

    // Assess
    expect(status).toMatchObject({ stuck: false, problems: [] });
    expect(status.accounts[0]?.waitingForBulk).toBe(3);
  });

  it('is stuck in a Klaviyo outage and while events are held, each with what happens to them', async () => {
    // Prepare
    const { report, credentials, held } = setup();
    await credentials.markOutage('default', 'klaviyo', 'Klaviyo answered 503');
    await held.hold([historicalShippedEvent(1), historicalShippedEvent(2)]);

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.stuck).toBe(true);
    expect(status.accounts[0]).toMatchObject({
      heldEvents: 2,
      keys: [{ service: 'shipstation' }, { service: 'klaviyo', outage: { since: NOW, reason: 'Klaviyo answered 503' } }],
    });
    expect(status.problems).toEqual([
      expect.stringMatching(
        /^account default: Klaviyo has failed past its retries since 2026-07-05T18:20:00Z \(Klaviyo answered 503\), so its events are held: release jobs retry/,
      ),
      expect.stringMatching(/^account default: 2 events held: they go out, oldest first, .* `shipstation-klaviyo doctor --account default` says why/),
    ]);
  });

  it('is stuck with dead-letter records, sampling the first three of the partition', async () => {
    // Prepare
    const { report, ledger } = setup();
    for (const n of [4, 1, 3, 2]) {
      await ledger.deadLetter({
        accountId: 'default',
        uniqueId: `ss:default:order:${n}`,
        metric: 'Order Shipped',
        orderId: n,
        reason: `refused ${n}`,
        status: 400,
        body: {},
        at: ago(n * MINUTE),
      });
    }

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.accounts[0]?.deadLetters).toEqual({
      count: 4,
      sample: [1, 2, 3].map((n) => ({ metric: 'Order Shipped', orderId: n, reason: `refused ${n}`, at: ago(n * MINUTE) })),
    });
    expect(status.problems).toEqual([
      expect.stringMatching(/^account default: 4 dead-letter records .* then run `shipstation-klaviyo replay records --account default`$/),
    ]);
  });

  it.each([
    ['stale past the threshold', 91, true, true],
    ['not stale at the threshold', 90, true, false],
    ['not stale without a schedule, however old', 24 * 60, false, false],
  ])('calls the last poll %s', async (_what, minutesAgo, pollsScheduled, stale) => {
    // Prepare
    const { report, cursors } = setup({ pollsScheduled });
    cursors.cursors.set('default', { accountId: 'default', through: ago((minutesAgo + 2) * MINUTE), lastCompletedAt: ago(minutesAgo * MINUTE) });

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.accounts[0]?.poll.stale).toBe(stale);
    expect(status.stuck).toBe(stale);
    expect(status.problems).toEqual(
      stale
        ? [
            'account default: the last poll completed 91 min ago (over 90 min), so polls have stopped: `shipstation-klaviyo doctor --account default` says why; ' +
              '`shipstation-klaviyo poll --account default` polls now',
          ]
        : [],
    );
  });

  it('shows a run in progress and a poll never completed without calling either stuck', async () => {
    // Prepare
    const { report, cursors } = setup();
    cursors.cursors.set('default', {
      accountId: 'default',
      run: {
        runId: 'run-1',
        mode: 'import',
        windowStart: ago(90 * 24 * 60 * MINUTE),
        windowEnd: ago(2 * MINUTE),
        stream: 0,
        position: { from: ago(90 * 24 * 60 * MINUTE), page: 3 },
        startedAt: ago(200 * MINUTE),
        requests: 12,
        enqueued: 1500,
      },
    });

    // Act
    const status = await report(['default']);

    // Assess
    expect(status.accounts[0]?.poll).toEqual({ running: { mode: 'import', startedAt: ago(200 * MINUTE) }, stale: false });
    expect(status.stuck).toBe(false);
  });

  it("counts the account's events sent since an hour ago per metric, in both hours that hour spans", async () => {
    // Prepare: now is 18:20, so the last hour began at 17:20
    const { report, ledger } = setup();
    await markSent(ledger, 'a', 'Order Shipped', ago(59 * MINUTE)); // 17:21
    await markSent(ledger, 'b', 'Order Shipped', ago(MINUTE));
    await markSent(ledger, 'c', 'Order Awaiting Shipment', ago(60 * MINUTE)); // 17:20:00.000, the first instant counted
    await markSent(ledger, 'd', 'Order Shipped', ago(61 * MINUTE));
    await markSent(ledger, 'e', 'Order Shipped', ago(MINUTE), 'other');
    await ledger.claim('default', 'f', new Date(ago(MINUTE)));

    // Act
    const status = await report(['default', 'other']);

    // Assess
    expect(status.accounts.map((a) => [a.accountId, a.sentLastHour])).toEqual([
      ['default', { 'Order Shipped': 2, 'Order Awaiting Shipment': 1 }],
      ['other', { 'Order Shipped': 1 }],
    ]);
    expect(status.stuck).toBe(false);
  });

  it('refuses an account that is not configured', async () => {
    // Prepare
    const { report } = setup();

    // Act
    const outcome = report(['nosuch']);

    // Assess
    await expect(outcome).rejects.toThrow(BadInputError);
  });
});
