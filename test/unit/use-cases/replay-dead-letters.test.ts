// replayDeadLetters against in-memory ports: DLQ messages moved back (deleted only once sent, within the limit, a dry
// run that moves nothing), and dead-letter records re-sent through the ledger (reopened, claimed, sent once, deleted;
// refused again and kept with the new reason; dropped when sent meanwhile; held back while the Klaviyo key is paused).
import { BadInputError } from '../../../lib/domain/errors.js';
import { createEventBody, type KlaviyoEvent } from '../../../lib/domain/klaviyo-event.js';
import { DRY_RUN_HIDE_SECONDS, makeReplayDeadLetters, MOVE_HIDE_SECONDS, type ReplayDeadLetters } from '../../../lib/use-cases/replay-dead-letters.js';
import { InMemoryDeadLetterQueues, InMemoryDeadLetterRecords } from '../../fakes/in-memory-dead-letters.js';
import {
  fakeAccount,
  FakeClock,
  FakeKlaviyoApi,
  InMemoryAlertLedger,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryHeldEventStore,
  InMemoryOrderStateStore,
  InMemoryPollJobQueue,
  InMemoryUpdateQueue,
  RecordingAlerts,
  RecordingLogger,
  RecordingServiceMetrics,
  StaticAccountDirectory,
  trackingDeps,
} from '../../fakes/in-memory-ports.js';
import { orderSnapshot, orderState } from '../../helpers/factories.js';

const FIRST_REFUSAL = 'Simulated HTTP 400.';
const NEW_REFUSAL = "Invalid email address: 'jane@localhost'.";

/** An `Order Shipped` event of order `n` for jane.doe@example.com. */
function shippedEvent(n: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent {
  return {
    accountId: 'default',
    metric: 'Order Shipped',
    time: '2026-07-05T16:00:00.000Z',
    uniqueId: `ss:default:shipment:${n}:shipped`,
    value: 34.97,
    properties: { OrderId: String(n), OrderNumber: `A-${n}`, Items: [{ SKU: 'MUG-BLUE', Quantity: 2 }] },
    profile: { email: 'jane.doe@example.com', firstName: 'Jane' },
    backfill: false,
    orderId: n,
    ...overrides,
  };
}

function setup(queues: string[] = ['notifications', 'updates', 'history', 'polls'], withoutDeadLetterQueue: string[] = []) {
  const clock = new FakeClock('2026-07-05T17:00:00.000Z');
  const ledger = new InMemoryEventLedger();
  const records = new InMemoryDeadLetterRecords(ledger);
  const deadLetterQueues = new InMemoryDeadLetterQueues(queues, withoutDeadLetterQueue);
  const klaviyo = new FakeKlaviyoApi();
  const credentials = new InMemoryCredentialStatusStore(() => clock.now());
  const alerts = new RecordingAlerts();
  const held = new InMemoryHeldEventStore();
  const pollJobs = new InMemoryPollJobQueue();
  const orderStates = new InMemoryOrderStateStore();
  const updates = new InMemoryUpdateQueue();
  const replay: ReplayDeadLetters = makeReplayDeadLetters({
    accounts: new StaticAccountDirectory([fakeAccount()]),
    orderStates,
    ledger,
    klaviyo,
    held,
    credentials,
    alerts,
    alertLedger: new InMemoryAlertLedger(),
    metrics: new RecordingServiceMetrics(),
    pollJobs,
    clock,
    backfillAfterHours: 24,
    ...trackingDeps(),
    log: new RecordingLogger(),
    records,
    deadLetterQueues,
    updates,
  });

  /** Dead-letters an event as publish-events does: final (the ledger says DEAD), or not (no contact: entry released). */
  const deadLetter = async (event: KlaviyoEvent, options: { final?: boolean; reason?: string } = {}): Promise<void> => {
    const record = {
      accountId: event.accountId,
      uniqueId: event.uniqueId,
      metric: event.metric,
      orderId: event.orderId,
      reason: options.reason ?? FIRST_REFUSAL,
      status: 400,
      body: createEventBody(event),
      at: '2026-07-05T16:05:00.000Z',
    };
    if (options.final === false) {
      await ledger.deadLetter(record);
      return;
    }
    const claim = await ledger.claim(event.accountId, event.uniqueId, clock.now());
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    await ledger.deadLetter(record, claim.claimId);
  };
  return { clock, ledger, records, deadLetterQueues, klaviyo, credentials, alerts, held, pollJobs, orderStates, updates, replay, deadLetter };
}

describe('replayDeadLetters', () => {
  describe('queues', () => {
    it('moves every message of the updates DLQ back with its attributes, deleting each only once it was sent', async () => {
      // Prepare
      const { replay, deadLetterQueues } = setup();
      const bodies = [orderSnapshot({ orderId: 1 }), orderSnapshot({ orderId: 2 }), orderSnapshot({ orderId: 3 })];
      for (const body of bodies) deadLetterQueues.park('updates', body, 'acme');

      // Act
      const results = await replay.queues({ queue: 'updates', dryRun: false });

      // Assess
      expect(results).toEqual([expect.objectContaining({ queue: 'updates', hasDeadLetterQueue: true, waiting: 3, moved: 3, failed: [], limited: false })]);
      expect(deadLetterQueues.sent.get('updates')?.map((m) => JSON.parse(m.body))).toEqual(bodies);
      expect(deadLetterQueues.sent.get('updates')?.map((m) => m.attributes)).toEqual(
        bodies.map(() => ({ accountId: { dataType: 'String', stringValue: 'acme' } })),
      );
      expect(deadLetterQueues.visible.get('updates')).toEqual([]);
      expect(deadLetterQueues.hidden.get('updates')).toEqual([]);
      expect(deadLetterQueues.receives.every((r) => r.hideSeconds === MOVE_HIDE_SECONDS && r.max <= 10)).toBe(true);
    });

    it('goes through every queue when none is named, and reports a queue without a DLQ', async () => {
      // Prepare
      const { replay, deadLetterQueues } = setup(['notifications', 'updates'], ['polls']);
      deadLetterQueues.park('notifications', {
        accountId: 'default',
        resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=1',
        resourceType: 'ORDER_NOTIFY',
        receivedAt: '2026-07-05T16:00:00.000Z',
      });
      deadLetterQueues.park('updates', orderSnapshot());

      // Act
      const results = await replay.queues({ dryRun: false });

      // Assess
      expect(results.map((r) => [r.queue, r.hasDeadLetterQueue, r.moved])).toEqual([
        ['notifications', true, 1],
        ['updates', true, 1],
        ['polls', false, 0],
      ]);
    });

    it('moves at most --limit messages in all, across queues, and says more wait', async () => {
      // Prepare
      const { replay, deadLetterQueues } = setup(['notifications', 'updates']);
      for (let i = 0; i < 12; i += 1) deadLetterQueues.park('notifications', { n: i });
      deadLetterQueues.park('updates', orderSnapshot());

      // Act
      const results = await replay.queues({ dryRun: false, limit: 11 });

      // Assess
      expect(results.map((r) => [r.queue, r.moved, r.limited])).toEqual([
        ['notifications', 11, true],
        ['updates', 0, true],
      ]);
      expect(deadLetterQueues.visible.get('notifications')).toHaveLength(1);
      expect(deadLetterQueues.receives.map((r) => r.max)).toEqual([10, 1]);
    });

    it('leaves a message whose send failed in the DLQ and reports it, and still moves the others', async () => {
      // Prepare
      const { replay, deadLetterQueues } = setup(['updates']);
      deadLetterQueues.park('updates', orderSnapshot({ orderId: 1 }));
      const failing = deadLetterQueues.park('updates', orderSnapshot({ orderId: 2 }));
      deadLetterQueues.park('updates', orderSnapshot({ orderId: 3 }));
      deadLetterQueues.failMoveOf(failing);

      // Act
      const [result] = await replay.queues({ dryRun: false });

      // Assess
      expect(result?.moved).toBe(2);
      expect(result?.failed).toEqual([{ messageId: failing, reason: 'SQS answered 500' }]);
      expect(deadLetterQueues.hidden.get('updates')?.map((m) => m.messageId)).toEqual([failing]);
    });

    it('tries each message waiting at the start once, so one that keeps failing and coming back cannot keep it going', async () => {
      // Prepare
      const { replay, deadLetterQueues } = setup(['updates']);
      const failing = deadLetterQueues.park('updates', orderSnapshot());
      deadLetterQueues.failMoveOf(failing);
      const receive = deadLetterQueues.receive.bind(deadLetterQueues);
      deadLetterQueues.receive = async (queue, max, hideSeconds) => {
        deadLetterQueues.reveal(queue); // its timeout ran out at once
        return receive(queue, max, hideSeconds);
      };

      // Act
      const [result] = await replay.queues({ dryRun: false });

      // Assess
      expect(result?.failed).toHaveLength(1);
      expect(deadLetterQueues.receives).toHaveLength(1);
    });

    it('counts and samples in a dry run, hiding the sample for a second only, and moves nothing', async () => {
      // Prepare
      const { replay, deadLetterQueues } = setup(['updates']);
      for (let i = 0; i < 5; i += 1) deadLetterQueues.park('updates', orderSnapshot({ orderId: i }));

      // Act
      const [result] = await replay.queues({ dryRun: true, limit: 4 });

      // Assess
      expect(result).toMatchObject({ waiting: 5, wouldMove: 4, moved: 0, limited: true });
      expect(result?.sample.map((m) => JSON.parse(m.body).orderId)).toEqual([0, 1, 2]);
      expect(deadLetterQueues.receives).toEqual([{ queue: 'updates', max: 3, hideSeconds: DRY_RUN_HIDE_SECONDS }]);
      expect(DRY_RUN_HIDE_SECONDS).toBeLessThanOrEqual(1);
      expect(deadLetterQueues.sent.get('updates')).toEqual([]);
    });

    it('refuses a queue it does not know', async () => {
      // Prepare
      const { replay } = setup(['updates']);

      // Act
      const run = replay.queues({ queue: 'orders', dryRun: false });

      // Assess
      await expect(run).rejects.toThrow(new BadInputError('unknown queue "orders" (queues: updates)'));
    });
  });

  describe('records', () => {
    it('puts a tracking update that matched no label back on the updates queue, with a fresh wait, and deletes the record', async () => {
      // Prepare: the record publish-tracking writes when the wait for the label ran out
      const { replay, ledger, updates, klaviyo, clock } = setup();
      const update = {
        kind: 'tracking',
        accountId: 'default',
        trackingNumber: '1ZLATE',
        statusCode: 'DE',
        scans: [],
        receivedAt: '2026-07-05T01:00:00.000Z',
        joinAttempts: 0,
      };
      await ledger.deadLetter({
        accountId: 'default',
        uniqueId: 'ss:default:tracking:1ZLATE:unmatched',
        metric: 'Tracking Update',
        orderId: 0,
        reason: 'no label',
        body: { trackingUpdate: update },
        at: '2026-07-05T07:00:00.000Z',
      });

      // Act
      const dry = await replay.records('default', { dryRun: true });
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(dry.items.map((i) => i.outcome)).toEqual(['would-send']);
      expect(result.items.map((i) => [i.uniqueId, i.outcome])).toEqual([['ss:default:tracking:1ZLATE:unmatched', 'requeued']]);
      expect(updates.tracking).toEqual([{ message: { ...update, receivedAt: clock.now().toISOString(), joinAttempts: 0 } }]);
      expect(ledger.deadLetterOf('default', 'ss:default:tracking:1ZLATE:unmatched')).toBeUndefined();
      expect(klaviyo.attempts).toEqual([]);
    });

    it('re-sends a dead-lettered event once the cause is fixed: the same body, the ledger SENT, the record deleted', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger } = setup();
      const event = shippedEvent(1);
      await deadLetter(event);

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result).toMatchObject({ accountId: 'default', status: 'done', limited: false });
      expect(result.items.map((i) => [i.uniqueId, i.outcome, i.reason])).toEqual([[event.uniqueId, 'sent', FIRST_REFUSAL]]);
      expect(klaviyo.events).toEqual([event]);
      expect(createEventBody(klaviyo.events[0] as KlaviyoEvent)).toEqual(createEventBody(event));
      expect(ledger.entry('default', event.uniqueId)?.status).toBe('SENT');
      expect(ledger.deadLetterOf('default', event.uniqueId)).toBeUndefined();
    });

    it('drops without sending a status event whose order has since left that status (no stale event, invariant 3)', async () => {
      // Prepare: Order Awaiting Shipment was refused; the order has shipped since.
      const { replay, deadLetter, klaviyo, ledger, orderStates } = setup();
      const awaiting = shippedEvent(7, { metric: 'Order Awaiting Shipment', uniqueId: 'ss:default:order:7:awaiting_shipment:20260704T172000Z', orderId: 7 });
      await deadLetter(awaiting);
      await orderStates.put(orderState({ orderId: 7, status: 'shipped', statusSince: '2026-07-05T09:00:00.000Z', version: 0 }));

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => [i.uniqueId, i.outcome])).toEqual([[awaiting.uniqueId, 'stale']]);
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.deadLetterOf('default', awaiting.uniqueId)).toBeUndefined();
    });

    it('re-sends an event older than BACKFILL_AFTER_HOURS with backfill, so no flow fires for it', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo } = setup();
      const dayOld = shippedEvent(8, { time: '2026-07-04T10:00:00.000Z' });
      await deadLetter(dayOld);

      // Act
      await replay.records('default', { dryRun: false });

      // Assess
      expect(klaviyo.events.map((e) => [e.uniqueId, e.time, e.backfill])).toEqual([[dayOld.uniqueId, dayOld.time, true]]);
    });

    it('never sends Order Shipped for a label voided after its event was dead-lettered: the void suppresses it', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger, clock } = setup();
      const shipped = shippedEvent(9);
      await deadLetter(shipped);
      const voided = await ledger.suppress('default', shipped.uniqueId, 'voided before it was sent', clock.now());

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(voided).toBe('suppressed-now');
      expect(result.items.map((i) => i.outcome)).toEqual(['suppressed']);
      expect(klaviyo.attempts).toEqual([]);
    });

    it('keeps a record refused again with the new reason, its ledger entry DEAD again, and re-sends the others', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger, clock } = setup();
      await deadLetter(shippedEvent(1));
      await deadLetter(shippedEvent(2));
      klaviyo.rejectNext(400, NEW_REFUSAL);

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => [i.orderId, i.outcome, i.detail])).toEqual([
        [1, 'refused-again', NEW_REFUSAL],
        [2, 'sent', undefined],
      ]);
      expect(ledger.deadLetterOf('default', shippedEvent(1).uniqueId)).toMatchObject({ reason: NEW_REFUSAL, status: 400, at: clock.now().toISOString() });
      expect(ledger.entry('default', shippedEvent(1).uniqueId)?.status).toBe('DEAD');
      expect(klaviyo.events.map((e) => e.orderId)).toEqual([2]);
    });

    it('drops the record of an event that was sent meanwhile, without sending it again', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger } = setup();
      const event = shippedEvent(1);
      await deadLetter(event, { final: false });
      ledger.seed('default', event.uniqueId, { status: 'SENT', sentAt: '2026-07-05T16:30:00.000Z' });

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => i.outcome)).toEqual(['already-sent']);
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.deadLetterOf('default', event.uniqueId)).toBeUndefined();
    });

    it('writes the record of an event that still has no email or phone again, without calling Klaviyo', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger, clock } = setup();
      const event = shippedEvent(1, { profile: { firstName: 'No', lastName: 'Contact' } });
      await deadLetter(event, { final: false, reason: 'the order has no customer email' });

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => i.outcome)).toEqual(['refused-again']);
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.deadLetterOf('default', event.uniqueId)?.at).toBe(clock.now().toISOString());
      // Not final, as publish-events leaves it: a later snapshot with an email can still send it.
      expect(ledger.entry('default', event.uniqueId)).toBeUndefined();
    });

    it('re-sends the record of a non-final dead letter once the order has a contact in its body', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo } = setup();
      await deadLetter(shippedEvent(1), { final: false, reason: 'earlier refusal' });

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => i.outcome)).toEqual(['sent']);
      expect(klaviyo.events).toHaveLength(1);
    });

    it("sends nothing while the account's Klaviyo key is paused and says how many records wait", async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, credentials, ledger } = setup();
      await deadLetter(shippedEvent(1));
      await deadLetter(shippedEvent(2));
      await credentials.markInvalid('default', 'klaviyo', fakeAccount().klaviyoFingerprint, '401 not_authenticated');

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result).toEqual({ accountId: 'default', status: 'paused', items: [], waiting: 2, limited: false });
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.entry('default', shippedEvent(1).uniqueId)?.status).toBe('DEAD');
      expect(await ledger.countDeadLetters('default')).toBe(2);
    });

    it('sends with a key that replaced a refused one, and its first success ends the pause', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, credentials, alerts } = setup();
      await deadLetter(shippedEvent(1));
      await credentials.markInvalid('default', 'klaviyo', 'kl-old-fingerprint', '401 not_authenticated');

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => i.outcome)).toEqual(['sent']);
      expect(klaviyo.events).toHaveLength(1);
      expect((await credentials.status('default', 'klaviyo'))?.state).toBe('valid');
      expect(alerts.sent.map((a) => a.subject)).toEqual(['The Klaviyo private key works again (account default)']);
    });

    it('holds the event Klaviyo refused the key for, and stops: the account is paused now', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, held, ledger } = setup();
      await deadLetter(shippedEvent(1));
      await deadLetter(shippedEvent(2));
      klaviyo.rejectNext(401, 'not_authenticated');

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.status).toBe('paused');
      expect(result.items.map((i) => [i.orderId, i.outcome])).toEqual([[1, 'held']]);
      expect(result.waiting).toBe(1);
      expect((await held.list('default', 10)).events.map((e) => e.orderId)).toEqual([1]);
      expect(ledger.deadLetterOf('default', shippedEvent(1).uniqueId)).toBeUndefined();
      expect(ledger.deadLetterOf('default', shippedEvent(2).uniqueId)).toBeDefined();
      expect(klaviyo.attempts).toHaveLength(1);
    });

    it("holds the event when Klaviyo fails past its retries (sent by the outage's release), leaving it claimable", async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger, held } = setup();
      await deadLetter(shippedEvent(1));
      klaviyo.failTransientlyNext(1);

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => i.outcome)).toEqual(['held']);
      expect((await held.list('default', 10)).events.map((e) => e.uniqueId)).toEqual([shippedEvent(1).uniqueId]);
      expect(ledger.entry('default', shippedEvent(1).uniqueId)).toBeUndefined();
    });

    it('lists what a dry run would re-send and changes nothing', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo, ledger } = setup();
      await deadLetter(shippedEvent(1));

      // Act
      const result = await replay.records('default', { dryRun: true });

      // Assess
      expect(result.items).toEqual([
        expect.objectContaining({ orderId: 1, metric: 'Order Shipped', reason: FIRST_REFUSAL, outcome: 'would-send', event: shippedEvent(1) }),
      ]);
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.entry('default', shippedEvent(1).uniqueId)?.status).toBe('DEAD');
      expect(ledger.deadLetterOf('default', shippedEvent(1).uniqueId)).toBeDefined();
    });

    it('re-sends at most --limit records, in unique_id order, and says more wait', async () => {
      // Prepare
      const { replay, deadLetter, klaviyo } = setup();
      for (const n of [3, 1, 2]) await deadLetter(shippedEvent(n));

      // Act
      const result = await replay.records('default', { dryRun: false, limit: 2 });

      // Assess
      expect(result.limited).toBe(true);
      expect(klaviyo.events.map((e) => e.orderId)).toEqual([1, 2]);
    });

    it('reports a record whose stored body cannot be read, and keeps it', async () => {
      // Prepare
      const { replay, ledger, klaviyo } = setup();
      await ledger.deadLetter({
        accountId: 'default',
        uniqueId: 'ss:default:order:9:x',
        metric: 'Order Shipped',
        orderId: 9,
        reason: 'r',
        body: 'not json',
        at: '2026-07-05T16:00:00.000Z',
      });

      // Act
      const result = await replay.records('default', { dryRun: false });

      // Assess
      expect(result.items.map((i) => i.outcome)).toEqual(['unreadable']);
      expect(result.items[0]?.detail).toMatch(/^not a Create Event body/);
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.deadLetterOf('default', 'ss:default:order:9:x')).toBeDefined();
    });

    it('refuses an account it does not know', async () => {
      // Prepare
      const { replay } = setup();

      // Act
      const run = replay.records('nobody', { dryRun: false });

      // Assess
      await expect(run).rejects.toThrow(BadInputError);
    });
  });
});
