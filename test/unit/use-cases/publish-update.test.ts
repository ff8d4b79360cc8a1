// publishUpdate against in-memory ports: exactly once across redeliveries, crashed and concurrent workers, voids,
// the optimistic lock, a refused key (events held, alerted once, the pause ended by a replacing key), dead letters, the
// stale rule and backfill.
import { BadInputError, TransientError } from '../../../lib/domain/errors.js';
import { createEventBody } from '../../../lib/domain/klaviyo-event.js';
import type { DeadLetter } from '../../../lib/ports.js';
import { makePublishUpdate, type PublishUpdate } from '../../../lib/use-cases/publish-update.js';
import type { PublishOutcome } from '../../../lib/use-cases/sending.js';
import {
  fakeAccount,
  InMemoryAlertLedger,
  RecordingServiceMetrics,
  FakeClock,
  FakeKlaviyoApi,
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
import { fulfillmentSnapshot, orderSnapshot, orderState, shipmentSnapshot } from '../../helpers/factories.js';

const ORDER_AWAITING_SHIPMENT = 'ss:default:order:123456:awaiting_shipment:20260704T172000Z';
const LABEL_SHIPPED = 'ss:default:shipment:987654:shipped';
const LABEL_VOIDED = 'ss:default:shipment:987654:voided';
const FULFILMENT_SHIPPED = 'ss:default:fulfillment:33001:shipped';
const VOIDED_AT = '2026-07-05T16:30:00.000Z';
const CREDENTIALS_LOG = 'klaviyo credentials rejected; pausing the account';
const REFUSED_SUBJECT = 'Klaviyo refused the private key (account default)';
const RECOVERED_SUBJECT = 'The Klaviyo private key works again (account default)';

/**
 * All ports in memory; "now" is 23 h 40 min after the factories' order was last modified, so nothing is backfill.
 * Unless `orderSeen: false`, the order's state already holds its buyer (its order snapshot came first, as it does), so a
 * label goes out at once; the buyer rules themselves are specified in 'the buyer of a label or fulfilment'.
 */
function setup(options: { backfillAfterHours?: number; storeIds?: number[]; orderSeen?: boolean } = {}) {
  const clock = new FakeClock('2026-07-05T17:00:00.000Z');
  const ledger = new InMemoryEventLedger({ leaseMs: 120_000 });
  const orderStates = new InMemoryOrderStateStore();
  const klaviyo = new FakeKlaviyoApi();
  const credentials = new InMemoryCredentialStatusStore();
  const alerts = new RecordingAlerts();
  const pollJobs = new InMemoryPollJobQueue();
  const held = new InMemoryHeldEventStore();
  const log = new RecordingLogger();
  const metrics = new RecordingServiceMetrics();
  if (options.orderSeen !== false) orderStates.seed(orderState({ storeId: options.storeIds?.[0] ?? 9001 }));
  const others = trackingDeps();
  const publish: PublishUpdate = makePublishUpdate({
    accounts: new StaticAccountDirectory([fakeAccount({ storeIds: options.storeIds })]),
    orderStates,
    ledger,
    klaviyo,
    held,
    credentials,
    alerts,
    alertLedger: new InMemoryAlertLedger(),
    metrics,
    pollJobs,
    clock,
    backfillAfterHours: options.backfillAfterHours ?? 24,
    ...others,
    log,
  });
  return { clock, ledger, orderStates, klaviyo, credentials, alerts, pollJobs, held, log, metrics, publish, orders: others.orders, updates: others.updates };
}

/** A promise the test settles by hand, to hold a worker still mid-send. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('publishUpdate', () => {
  describe('exactly once', () => {
    it('sends Order Awaiting Shipment once when the snapshot is delivered three times', async () => {
      // Prepare
      const { publish, klaviyo, ledger, clock } = setup();

      // Act
      const first = await publish(orderSnapshot());
      const second = await publish(orderSnapshot());
      const third = await publish(orderSnapshot());

      // Assess
      expect(klaviyo.events.map((e) => [e.metric, e.uniqueId])).toEqual([['Order Awaiting Shipment', ORDER_AWAITING_SHIPMENT]]);
      expect(first).toEqual({ sent: [ORDER_AWAITING_SHIPMENT], deduplicated: [], deadLettered: [], suppressed: [], held: [], stale: false });
      expect(second).toEqual({ sent: [], deduplicated: [ORDER_AWAITING_SHIPMENT], deadLettered: [], suppressed: [], held: [], stale: false });
      expect(third.deduplicated).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(ledger.entry('default', ORDER_AWAITING_SHIPMENT)).toEqual({
        status: 'SENT',
        sentAt: clock.now().toISOString(),
        metric: 'Order Awaiting Shipment',
      });
    });

    it('takes over the claim of a worker that crashed mid-send once its lease has run out', async () => {
      // Prepare
      const { publish, klaviyo, ledger, clock } = setup();
      const reachedKlaviyo = deferred();
      klaviyo.onSend = () => {
        // The first worker dies inside the request: it never returns, so its claim stays PENDING.
        klaviyo.onSend = undefined;
        reachedKlaviyo.resolve();
        return new Promise<void>(() => undefined);
      };
      void publish(shipmentSnapshot());
      await reachedKlaviyo.promise;
      const crashed = ledger.entry('default', LABEL_SHIPPED);
      clock.advance(ledger.leaseMs + 1);

      // Act
      const outcome = await publish(shipmentSnapshot());

      // Assess
      expect(crashed).toMatchObject({ status: 'PENDING', claimId: 'claim-1' });
      expect(outcome.sent).toEqual([LABEL_SHIPPED]);
      expect(klaviyo.attempts.map((e) => e.uniqueId)).toEqual([LABEL_SHIPPED, LABEL_SHIPPED]);
      expect(klaviyo.events.map((e) => e.uniqueId)).toEqual([LABEL_SHIPPED]);
      expect(ledger.entry('default', LABEL_SHIPPED)).toEqual({ status: 'SENT', sentAt: clock.now().toISOString(), metric: 'Order Shipped' });
    });

    it('ignores the late markSent, release and deadLetter of a worker whose lease was taken over', async () => {
      // Prepare
      const { publish, ledger, clock } = setup();
      const crashed = await ledger.claim('default', LABEL_SHIPPED, clock.now());
      if (crashed.status !== 'claimed') throw new Error('the first claim must win');
      clock.advance(ledger.leaseMs + 1);
      await publish(shipmentSnapshot());
      const sent = ledger.entry('default', LABEL_SHIPPED);
      clock.advance(60_000);
      const deadLetter: DeadLetter = {
        accountId: 'default',
        uniqueId: LABEL_SHIPPED,
        metric: 'Order Shipped',
        orderId: 123456,
        reason: 'late',
        body: {},
        at: clock.now().toISOString(),
      };

      // Act
      await ledger.markSent('default', LABEL_SHIPPED, crashed.claimId, 'Order Shipped', clock.now());
      await ledger.release('default', LABEL_SHIPPED, crashed.claimId);
      await ledger.deadLetter(deadLetter, crashed.claimId);

      // Assess
      expect(sent).toMatchObject({ status: 'SENT' });
      expect(ledger.entry('default', LABEL_SHIPPED)).toEqual(sent);
    });

    it('keeps the new claim when a stalled worker fails and releases after its lease was taken over', async () => {
      // Prepare
      const { publish, klaviyo, ledger, clock } = setup();
      const stalled = deferred();
      const reachedKlaviyo = deferred();
      let sends = 0;
      let duringTakeover: unknown;
      klaviyo.failTransientlyNext(1, 'Klaviyo timed out');
      klaviyo.onSend = async () => {
        sends += 1;
        if (sends === 1) {
          reachedKlaviyo.resolve();
          await stalled.promise;
          return;
        }
        // The worker that took over is mid-send: the stalled one wakes, times out and releases its lost claim.
        stalled.resolve();
        await stalledOutcome;
        duringTakeover = ledger.entry('default', LABEL_SHIPPED);
      };
      const stalledOutcome = publish(shipmentSnapshot()).catch((error: unknown) => error);
      await reachedKlaviyo.promise;
      clock.advance(ledger.leaseMs + 1);

      // Act
      const outcome = await publish(shipmentSnapshot());

      // Assess
      // The stalled worker holds its copy (Klaviyo failed it): the release finds it sent and drops it.
      expect(await stalledOutcome).toMatchObject({ held: [LABEL_SHIPPED], sent: [] });
      expect(duringTakeover).toMatchObject({ status: 'PENDING', claimId: 'claim-2' });
      expect(outcome.sent).toEqual([LABEL_SHIPPED]);
      expect(ledger.entry('default', LABEL_SHIPPED)).toMatchObject({ status: 'SENT' });
      expect(klaviyo.events.map((e) => e.uniqueId)).toEqual([LABEL_SHIPPED]);
    });

    it('rechecks a claim another worker holds and then gives up with a TransientError', async () => {
      // Prepare
      const { publish, klaviyo, ledger, clock } = setup();
      ledger.seed('default', LABEL_SHIPPED, { status: 'PENDING', claimId: 'other-worker', leaseUntil: clock.now().getTime() + 60_000 });

      // Act
      const result = publish(shipmentSnapshot());

      // Assess
      await expect(result).rejects.toThrow(TransientError);
      await expect(result).rejects.toThrow(`event ${LABEL_SHIPPED} is being sent by another worker`);
      expect(clock.sleeps).toEqual([500, 500, 500]);
      expect(klaviyo.attempts).toEqual([]);
      expect(ledger.entry('default', LABEL_SHIPPED)).toMatchObject({ status: 'PENDING', claimId: 'other-worker' });
    });

    it('counts the event as deduplicated when the other worker marks it sent during a recheck', async () => {
      // Prepare
      const { publish, klaviyo, ledger, clock } = setup();
      ledger.seed('default', LABEL_SHIPPED, { status: 'PENDING', claimId: 'other-worker', leaseUntil: clock.now().getTime() + 60_000 });
      clock.onSleep = () => ledger.markSent('default', LABEL_SHIPPED, 'other-worker', 'Order Shipped', clock.now());

      // Act
      const outcome = await publish(shipmentSnapshot());

      // Assess
      expect(clock.sleeps).toEqual([500]);
      expect(outcome).toMatchObject({ sent: [], deduplicated: [LABEL_SHIPPED] });
      expect(klaviyo.attempts).toEqual([]);
    });

    it('queues a release at once for an event held just as a release ended the outage, so it does not wait for the next poll', async () => {
      // Prepare: the account is in an outage; the release ends it while this event is being held
      const { publish, held, credentials, pollJobs, klaviyo } = setup();
      await credentials.markOutage('default', 'klaviyo', 'Klaviyo answered 503');
      const hold = held.hold.bind(held);
      held.hold = async (...args) => {
        await hold(...args);
        await credentials.clearOutage('default', 'klaviyo');
      };

      // Act
      const outcome = await publish(orderSnapshot());

      // Assess
      expect(outcome.held).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(klaviyo.attempts).toEqual([]);
      expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'release', attempt: 0 }, delaySeconds: undefined }]);
    });

    it('holds an event Klaviyo fails past its retries, begins an outage with one release job, and holds what follows behind it', async () => {
      // Prepare
      const { publish, klaviyo, ledger, held, credentials, pollJobs } = setup();
      klaviyo.failTransientlyNext(1, 'Klaviyo answered 503');

      // Act
      const first = await publish(orderSnapshot());
      const released = ledger.entry('default', ORDER_AWAITING_SHIPMENT);
      const label = await publish(shipmentSnapshot());

      // Assess: nothing lost, nothing sent ahead of what is held, and the release is on its way
      expect(first.held).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(released).toBeUndefined();
      expect(label.held).toEqual([LABEL_SHIPPED]);
      expect(klaviyo.attempts).toHaveLength(1);
      expect((await held.list('default', 10)).events.map((e) => e.uniqueId).sort()).toEqual([ORDER_AWAITING_SHIPMENT, LABEL_SHIPPED].sort());
      expect((await credentials.status('default', 'klaviyo'))?.outage?.reason).toBe('Klaviyo answered 503');
      expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'release', attempt: 0 }, delaySeconds: 60 }]);
    });
  });

  describe('voids', () => {
    it('suppresses Order Shipped for a label voided before it was sent, and sends nothing for the label later', async () => {
      // Prepare
      const { publish, klaviyo, ledger } = setup();

      // Act
      const voided = await publish(shipmentSnapshot({ voided: true, voidedAt: VOIDED_AT }));
      const unvoided = await publish(shipmentSnapshot());

      // Assess
      expect(voided).toEqual({ sent: [], deduplicated: [], deadLettered: [], suppressed: [LABEL_SHIPPED], held: [], stale: false });
      expect(unvoided).toEqual({ sent: [], deduplicated: [LABEL_SHIPPED], deadLettered: [], suppressed: [], held: [], stale: false });
      expect(ledger.entry('default', LABEL_SHIPPED)).toEqual({ status: 'SUPPRESSED', reason: 'voided before it was sent' });
      expect(klaviyo.attempts).toEqual([]);
    });

    it.each([
      ['live', 0],
      ['expired', 120_001],
    ])('waits with a TransientError when the label is voided while its Order Shipped is PENDING (%s lease)', async (_lease, elapsed) => {
      // Prepare
      const { publish, klaviyo, ledger, clock } = setup();
      const claim = await ledger.claim('default', LABEL_SHIPPED, clock.now());
      const pending = ledger.entry('default', LABEL_SHIPPED);
      clock.advance(elapsed);

      // Act
      const result = publish(shipmentSnapshot({ voided: true, voidedAt: VOIDED_AT }));

      // Assess
      await expect(result).rejects.toThrow(TransientError);
      await expect(result).rejects.toThrow(`event ${LABEL_SHIPPED} is being sent; the void waits for it`);
      expect(claim.status).toBe('claimed');
      expect(ledger.entry('default', LABEL_SHIPPED)).toEqual(pending);
      expect(ledger.entry('default', LABEL_VOIDED)).toBeUndefined();
      expect(klaviyo.attempts).toEqual([]);
    });

    it('sends Shipment Voided once for a label voided after its Order Shipped went out', async () => {
      // Prepare
      const { publish, klaviyo, ledger } = setup();
      await publish(shipmentSnapshot());

      // Act
      const first = await publish(shipmentSnapshot({ voided: true, voidedAt: VOIDED_AT }));
      const again = await publish(shipmentSnapshot({ voided: true, voidedAt: VOIDED_AT }));

      // Assess
      expect(klaviyo.events.map((e) => [e.metric, e.uniqueId])).toEqual([
        ['Order Shipped', LABEL_SHIPPED],
        ['Shipment Voided', LABEL_VOIDED],
      ]);
      expect(klaviyo.events[1]?.time).toBe(VOIDED_AT);
      expect(first).toMatchObject({ sent: [LABEL_VOIDED], suppressed: [] });
      expect(again).toMatchObject({ sent: [], deduplicated: [LABEL_VOIDED], suppressed: [] });
      expect(ledger.entry('default', LABEL_SHIPPED)).toMatchObject({ status: 'SENT' });
      expect(ledger.entry('default', LABEL_VOIDED)).toMatchObject({ status: 'SENT' });
    });

    it('sends nothing to the customer when a return label is voided after Return Label Created went out', async () => {
      // Prepare
      const { publish, klaviyo, ledger } = setup();
      await publish(shipmentSnapshot({ isReturnLabel: true }));

      // Act
      const outcome = await publish(shipmentSnapshot({ isReturnLabel: true, voided: true, voidedAt: VOIDED_AT }));

      // Assess
      expect(klaviyo.events.map((e) => e.metric)).toEqual(['Return Label Created']);
      expect(outcome).toEqual({ sent: [], deduplicated: [], deadLettered: [], suppressed: [], held: [], stale: false });
      expect(ledger.entry('default', LABEL_VOIDED)).toBeUndefined();
    });
  });

  describe('order state', () => {
    it('applies the snapshot and sends once when another writer wins the first conditional write', async () => {
      // Prepare
      const { publish, klaviyo, orderStates } = setup();
      orderStates.seed(orderState({ version: 1 }));
      orderStates.beforePut = () => {
        orderStates.beforePut = undefined;
        orderStates.bump('default', 123456);
      };
      const onHold = orderSnapshot({ status: 'on_hold', modifiedAt: '2026-07-04T18:00:00.000Z' });

      // Act
      const outcome = await publish(onHold);

      // Assess
      expect(orderStates.puts.map((p) => [p.state.version, p.written])).toEqual([
        [1, false],
        [2, true],
      ]);
      expect(await orderStates.get('default', 123456)).toMatchObject({ status: 'on_hold', statusSince: '2026-07-04T18:00:00.000Z', version: 3 });
      expect(outcome.sent).toEqual(['ss:default:order:123456:on_hold:20260704T180000Z']);
      expect(klaviyo.events.map((e) => e.metric)).toEqual(['Order On Hold']);
    });

    it('gives up with a TransientError when the order state keeps changing under it', async () => {
      // Prepare
      const { publish, klaviyo, ledger, orderStates } = setup();
      orderStates.beforePut = (state) => orderStates.bump(state.accountId, state.orderId);

      // Act
      const result = publish(orderSnapshot());

      // Assess
      await expect(result).rejects.toThrow(TransientError);
      await expect(result).rejects.toThrow('order 123456 state kept changing under us');
      expect(orderStates.puts).toHaveLength(5);
      expect(orderStates.puts.every((p) => !p.written)).toBe(true);
      expect(ledger.records.size).toBe(0);
      expect(klaviyo.attempts).toEqual([]);
    });

    it('sends nothing for a snapshot older than the one applied and reports it stale', async () => {
      // Prepare
      const { publish, klaviyo, ledger, orderStates } = setup();
      const applied = orderState({ status: 'on_hold', statusSince: '2026-07-04T19:00:00.000Z', modifiedAt: '2026-07-04T19:00:00.000Z', version: 4 });
      orderStates.seed(applied);

      // Act
      const outcome = await publish(orderSnapshot());

      // Assess
      expect(outcome).toEqual({ sent: [], deduplicated: [], deadLettered: [], suppressed: [], held: [], stale: true });
      expect(await orderStates.get('default', 123456)).toEqual(applied);
      expect(orderStates.puts).toEqual([]);
      expect(ledger.records.size).toBe(0);
      expect(klaviyo.attempts).toEqual([]);
    });
  });

  describe('Klaviyo refusals and credentials', () => {
    it.each([
      [401, 'Incorrect authentication credentials.'],
      [403, 'You do not have permission to perform this action.'],
    ])('holds the event and releases its claim when Klaviyo answers %i: no dead letter, the key paused, one alert', async (status, reason) => {
      // Prepare
      const { publish, klaviyo, ledger, credentials, alerts, held, log } = setup();
      klaviyo.rejectNext(status, reason);

      // Act
      const outcome = await publish(orderSnapshot());

      // Assess
      expect(outcome).toEqual({ sent: [], deduplicated: [], deadLettered: [], suppressed: [], held: [ORDER_AWAITING_SHIPMENT], stale: false });
      expect(ledger.entry('default', ORDER_AWAITING_SHIPMENT)).toBeUndefined();
      expect(ledger.deadLetters.size).toBe(0);
      expect([...held.events.values()]).toEqual([klaviyo.attempts[0]]);
      expect(held.events.get(`default|${ORDER_AWAITING_SHIPMENT}`)).toMatchObject({
        uniqueId: ORDER_AWAITING_SHIPMENT,
        time: '2026-07-04T17:20:00.000Z',
        backfill: false,
      });
      expect(await credentials.status('default', 'klaviyo')).toMatchObject({
        state: 'invalid',
        fingerprint: 'kl-fingerprint-1',
        reason: `${status} ${reason}`,
      });
      expect(alerts.sent.map((a) => [a.accountId, a.subject])).toEqual([['default', REFUSED_SUBJECT]]);
      expect(log.messages('error')).toEqual([CREDENTIALS_LOG]);
      expect(klaviyo.events).toEqual([]);
    });

    it('alerts once and holds both events when two sends are refused with 401 at the same time', async () => {
      // Prepare
      const { publish, klaviyo, ledger, credentials, alerts, held, log } = setup();
      klaviyo.rejectNext(401, 'Incorrect authentication credentials.', 2);
      let concurrent: Promise<PublishOutcome> | undefined;
      klaviyo.onSend = async () => {
        // While the label's request is out, another worker sends the fulfilment's event with the same key.
        if (concurrent !== undefined) return;
        concurrent = publish(fulfillmentSnapshot());
        await concurrent;
      };

      // Act
      const label = await publish(shipmentSnapshot());
      const fulfilment = await concurrent;

      // Assess
      expect(credentials.reports.map((r) => [r.service, r.first])).toEqual([
        ['klaviyo', true],
        ['klaviyo', false],
      ]);
      expect(log.messages('error').filter((m) => m === CREDENTIALS_LOG)).toHaveLength(1);
      expect(alerts.sent.map((a) => a.subject)).toEqual([REFUSED_SUBJECT]);
      expect(label).toMatchObject({ held: [LABEL_SHIPPED], deadLettered: [] });
      expect(fulfilment).toMatchObject({ held: [FULFILMENT_SHIPPED], deadLettered: [] });
      expect([...held.events.values()].map((e) => e.uniqueId).sort()).toEqual([FULFILMENT_SHIPPED, LABEL_SHIPPED].sort());
      expect(ledger.records.size).toBe(0);
      expect(ledger.deadLetters.size).toBe(0);
    });

    it('holds a later event without calling Klaviyo while the key is refused, and releases its claim', async () => {
      // Prepare
      const { publish, klaviyo, ledger, alerts, held } = setup();
      klaviyo.rejectNext(401, 'Incorrect authentication credentials.');
      await publish(orderSnapshot());

      // Act
      const outcome = await publish(fulfillmentSnapshot());

      // Assess
      expect(outcome).toEqual({ sent: [], deduplicated: [], deadLettered: [], suppressed: [], held: [FULFILMENT_SHIPPED], stale: false });
      expect(ledger.pending()).toEqual([]);
      expect(ledger.entry('default', FULFILMENT_SHIPPED)).toBeUndefined();
      expect(held.events.has(`default|${FULFILMENT_SHIPPED}`)).toBe(true);
      expect(klaviyo.attempts).toHaveLength(1);
      expect(alerts.sent).toHaveLength(1);
    });

    it('ends the pause on the first send Klaviyo accepts with a key that replaced the refused one', async () => {
      // Prepare
      const { publish, klaviyo, credentials, alerts, pollJobs } = setup();
      await credentials.markInvalid('default', 'klaviyo', 'kl-old-fingerprint', '401 Incorrect authentication credentials.');

      // Act
      const first = await publish(orderSnapshot());
      const second = await publish(shipmentSnapshot());

      // Assess
      expect(first.sent).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(second.sent).toEqual([LABEL_SHIPPED]);
      expect(klaviyo.events).toHaveLength(2);
      expect(await credentials.status('default', 'klaviyo')).toMatchObject({ state: 'valid', fingerprint: 'kl-fingerprint-1' });
      expect(alerts.sent.map((a) => a.subject)).toEqual([RECOVERED_SUBJECT]);
      expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'resume' }]);
    });

    it('holds the event and alerts again when the replacing key is refused too, without queueing a catch-up', async () => {
      // Prepare
      const { publish, klaviyo, credentials, alerts, pollJobs, held } = setup();
      await credentials.markInvalid('default', 'klaviyo', 'kl-old-fingerprint', '401 Incorrect authentication credentials.');
      klaviyo.rejectNext(401, 'Incorrect authentication credentials.');

      // Act
      const outcome = await publish(orderSnapshot());

      // Assess
      expect(outcome.held).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(held.events.size).toBe(1);
      expect(await credentials.isInvalid('default', 'klaviyo', 'kl-fingerprint-1')).toBe(true);
      expect(alerts.sent.map((a) => a.subject)).toEqual([REFUSED_SUBJECT]);
      expect(pollJobs.jobs).toEqual([]);
    });

    it('dead-letters an event Klaviyo refuses with 400 without touching the credentials', async () => {
      // Prepare
      const { publish, klaviyo, ledger, credentials, alerts, held, clock } = setup();
      klaviyo.rejectNext(400, 'Invalid phone number');

      // Act
      const refused = await publish(orderSnapshot());
      const redelivered = await publish(orderSnapshot());

      // Assess
      expect(refused.deadLettered).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(refused.held).toEqual([]);
      expect(redelivered.deduplicated).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(ledger.entry('default', ORDER_AWAITING_SHIPMENT)).toEqual({ status: 'DEAD', reason: 'Invalid phone number' });
      expect(ledger.deadLetterOf('default', ORDER_AWAITING_SHIPMENT)).toEqual({
        accountId: 'default',
        orderId: 123456,
        uniqueId: ORDER_AWAITING_SHIPMENT,
        metric: 'Order Awaiting Shipment',
        reason: 'Invalid phone number',
        status: 400,
        body: createEventBody(klaviyo.attempts[0]!),
        at: clock.now().toISOString(),
      });
      expect(credentials.reports).toEqual([]);
      expect(alerts.sent).toEqual([]);
      expect(held.events.size).toBe(0);
      expect(klaviyo.attempts).toHaveLength(1);
    });

    it('writes a dead-letter record but keeps the event open when the order has no email or phone', async () => {
      // Prepare
      const { publish, klaviyo, ledger } = setup();
      const anonymous = orderSnapshot({ customer: { firstName: 'Jane', lastName: 'Doe' } });

      // Act
      const outcome = await publish(anonymous);

      // Assess
      expect(outcome).toMatchObject({ sent: [], deadLettered: [ORDER_AWAITING_SHIPMENT] });
      expect(ledger.deadLetterOf('default', ORDER_AWAITING_SHIPMENT)).toMatchObject({
        reason: expect.stringContaining('no customer email and no valid phone number'),
        status: undefined,
      });
      expect(ledger.entry('default', ORDER_AWAITING_SHIPMENT)).toBeUndefined();
      expect(klaviyo.attempts).toEqual([]);
    });

    it('sends the event once the same snapshot arrives with an email', async () => {
      // Prepare
      const { publish, klaviyo, ledger } = setup();
      await publish(orderSnapshot({ customer: { firstName: 'Jane', lastName: 'Doe' } }));

      // Act
      const outcome = await publish(orderSnapshot({ customer: { email: 'jane.doe@example.com', firstName: 'Jane', lastName: 'Doe' } }));

      // Assess
      expect(outcome.sent).toEqual([ORDER_AWAITING_SHIPMENT]);
      expect(klaviyo.events.map((e) => [e.uniqueId, e.profile.email])).toEqual([[ORDER_AWAITING_SHIPMENT, 'jane.doe@example.com']]);
      expect(ledger.entry('default', ORDER_AWAITING_SHIPMENT)).toMatchObject({ status: 'SENT' });
    });
  });

  describe('events', () => {
    it('sends Order Shipped for a fulfilment and records the shipment on the order', async () => {
      // Prepare
      const { publish, klaviyo, orderStates } = setup();
      orderStates.seed(orderState());

      // Act
      const outcome = await publish(fulfillmentSnapshot());

      // Assess
      expect(outcome.sent).toEqual([FULFILMENT_SHIPPED]);
      expect(klaviyo.events).toHaveLength(1);
      expect(klaviyo.events[0]).toMatchObject({
        metric: 'Order Shipped',
        uniqueId: FULFILMENT_SHIPPED,
        value: 34.97,
        properties: { FulfillmentId: '33001', FulfillmentType: 'fulfillment', Carrier: 'USPS', TrackingNumber: '9400111899223197428490' },
      });
      expect(await orderStates.get('default', 123456)).toMatchObject({ shippedAt: '2026-07-05T18:30:00.000Z', version: 2 });
    });

    it('sends an event older than backfillAfterHours as backfill', async () => {
      // Prepare
      const { publish, klaviyo, clock } = setup({ backfillAfterHours: 24 });
      clock.set('2026-07-05T17:20:00.001Z');

      // Act
      await publish(orderSnapshot());

      // Assess
      expect(klaviyo.events.map((e) => [e.uniqueId, e.backfill])).toEqual([[ORDER_AWAITING_SHIPMENT, true]]);
    });

    it('sends an event exactly backfillAfterHours old as a live event', async () => {
      // Prepare
      const { publish, klaviyo, clock } = setup({ backfillAfterHours: 24 });
      clock.set('2026-07-05T17:20:00.000Z');

      // Act
      await publish(orderSnapshot());

      // Assess
      expect(klaviyo.events.map((e) => e.backfill)).toEqual([false]);
    });

    it('refuses a snapshot of an unknown account with a BadInputError', async () => {
      // Prepare
      const { publish, ledger } = setup();

      // Act
      const result = publish(orderSnapshot({ accountId: 'nobody' }));

      // Assess
      await expect(result).rejects.toThrow(BadInputError);
      expect(ledger.records.size).toBe(0);
    });
  });
});

describe('publishUpdate metrics', () => {
  it('counts what it did for the dashboard: sent per Klaviyo metric, deduplicated, stale, rejected and dead-lettered, held', async () => {
    // Prepare
    const { publish, klaviyo, metrics } = setup();
    const awaiting = orderSnapshot();
    const newer = orderSnapshot({ status: 'on_hold', modifiedAt: '2026-07-05T10:00:00.000Z' });

    // Act
    await publish(awaiting);
    await publish(awaiting);
    await publish(newer);
    await publish(awaiting);
    klaviyo.rejectNext(400, 'Invalid phone number');
    await publish(shipmentSnapshot());
    klaviyo.rejectNext(401, 'Incorrect authentication credentials.');
    await publish(fulfillmentSnapshot());

    // Assess
    expect(Object.fromEntries(metrics.totals)).toEqual({
      EventsSent: 2,
      'EventsSent:Order Awaiting Shipment': 1,
      'EventsSent:Order On Hold': 1,
      EventsDeduplicated: 1,
      EventsStaleSuppressed: 1,
      KlaviyoRejected: 1,
      DeadLettered: 1,
      EventsHeld: 1,
    });
  });
});

describe('publishUpdate with a store filter', () => {
  it("sends a fulfilment's Order Shipped only when its order was seen in one of the account's stores", async () => {
    // Prepare
    const { publish, klaviyo } = setup({ storeIds: [9001] });
    await publish(orderSnapshot({ orderId: 1, storeId: 9001 }));
    await publish(orderSnapshot({ orderId: 2, storeId: 9002 }));

    // Act
    await publish(fulfillmentSnapshot({ orderId: 1, fulfillmentId: 71 }));
    await publish(fulfillmentSnapshot({ orderId: 2, fulfillmentId: 72 }));
    await publish(fulfillmentSnapshot({ orderId: 3, fulfillmentId: 73 }));

    // Assess
    const shipped = klaviyo.events.filter((e) => e.metric === 'Order Shipped').map((e) => e.uniqueId);
    expect(shipped).toEqual(['ss:default:fulfillment:71:shipped']);
  });
});

describe('publishUpdate: the buyer of a label or fulfilment', () => {
  /** Alex buys a gift for Rosa: the order knows both, the label only Rosa's address (and often no email at all). */
  const GIFT = orderSnapshot({
    gift: true,
    customer: {
      email: 'alex@example.com',
      phone: '+17174553765',
      firstName: 'Alex',
      lastName: 'Morgan',
      location: { city: 'Lancaster', region: 'PA', country: 'US' },
    },
    shipTo: { city: 'Brooklyn', region: 'NY', postalCode: '11201', country: 'US' },
  });
  const ROSAS_LABEL = shipmentSnapshot({ customerEmail: undefined, shipTo: { city: 'Brooklyn', region: 'NY', postalCode: '11201', country: 'US' } });
  const ALEX = {
    email: 'alex@example.com',
    phoneNumber: '+17174553765',
    firstName: 'Alex',
    lastName: 'Morgan',
    location: { city: 'Lancaster', region: 'PA', zip: undefined, country: 'US' },
  };

  it("sends a gift's Order Shipped and Shipment Voided to the buyer, with the recipient's place in properties only", async () => {
    // Prepare
    const { publish, klaviyo } = setup({ orderSeen: false });
    await publish(GIFT);

    // Act
    await publish(ROSAS_LABEL);
    await publish({ ...ROSAS_LABEL, voided: true, voidedAt: VOIDED_AT });

    // Assess
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped', 'Shipment Voided']);
    for (const event of klaviyo.events) expect(event.profile).toEqual(ALEX);
    expect(klaviyo.events[1]?.properties).toMatchObject({ ShipToCity: 'Brooklyn', ShipToRegion: 'NY', IsGift: true, ItemCount: 2 });
  });

  it('sends Order Shipped of a label without customerEmail to the buyer the order named, once', async () => {
    // Prepare
    const { publish, klaviyo, orders } = setup({ orderSeen: false });
    await publish(orderSnapshot());

    // Act
    const first = await publish(shipmentSnapshot({ customerEmail: undefined }));
    const redelivered = await publish(shipmentSnapshot({ customerEmail: undefined }));

    // Assess
    expect(first.sent).toEqual([LABEL_SHIPPED]);
    expect(redelivered).toMatchObject({ sent: [], deduplicated: [LABEL_SHIPPED] });
    expect(klaviyo.events.filter((e) => e.metric === 'Order Shipped').map((e) => e.profile.email)).toEqual(['jane.doe@example.com']);
    expect(orders.lookups).toEqual([]);
  });

  it('lets a polled label whose order was never seen wait once, then reads the order once and sends to its buyer', async () => {
    // Prepare: ShipStation holds the order, already shipped; no order snapshot will come
    const { publish, klaviyo, orders, updates } = setup({ orderSeen: false });
    orders.add(orderSnapshot({ ...GIFT, status: 'shipped', modifiedAt: '2026-07-05T16:00:05.000Z' }));

    // Act
    const waited = await publish(ROSAS_LABEL);
    const back = updates.snapshots.at(-1);
    const sent = await publish(back as typeof ROSAS_LABEL);
    const redelivered = await publish(back as typeof ROSAS_LABEL);

    // Assess
    expect(waited).toMatchObject({ sent: [], waitingForOrder: true });
    expect(back).toEqual({ ...ROSAS_LABEL, waitedForOrder: true });
    expect(sent).toMatchObject({ sent: [LABEL_SHIPPED], orderLookedUp: true });
    expect(redelivered).toMatchObject({ sent: [], deduplicated: [LABEL_SHIPPED] });
    expect(orders.lookups).toEqual([{ accountId: 'default', orderId: 123456 }]);
    expect(klaviyo.events.map((e) => [e.metric, e.profile.email])).toEqual([['Order Shipped', 'alex@example.com']]);
    expect(klaviyo.events[0]?.profile).toEqual(ALEX);
  });

  it("reads at once the order of a webhook's label (nothing else brings it)", async () => {
    // Prepare
    const { publish, klaviyo, orders, updates } = setup({ orderSeen: false });
    orders.add(orderSnapshot({ status: 'shipped', modifiedAt: '2026-07-05T16:00:05.000Z' }));

    // Act
    const outcome = await publish(shipmentSnapshot({ customerEmail: undefined, waitedForOrder: true }));

    // Assess
    expect(outcome.sent).toEqual([LABEL_SHIPPED]);
    expect(updates.snapshots).toEqual([]);
    expect(orders.lookups).toHaveLength(1);
    expect(klaviyo.events[0]?.profile).toMatchObject({ email: 'jane.doe@example.com', firstName: 'Jane', phoneNumber: '+14155550132' });
  });

  it("falls back to the label's own email, and nothing else about the buyer, when ShipStation no longer has the order", async () => {
    // Prepare
    const { publish, klaviyo, orders } = setup({ orderSeen: false });

    // Act
    const outcome = await publish(shipmentSnapshot({ waitedForOrder: true }));

    // Assess
    expect(orders.lookups).toHaveLength(1);
    expect(outcome.sent).toEqual([LABEL_SHIPPED]);
    expect(klaviyo.events[0]?.profile).toEqual({ email: 'jane.doe@example.com' });
  });

  it('dead-letters, with the reason, a label whose order cannot be read and which has no email of its own', async () => {
    // Prepare
    const { publish, klaviyo, ledger } = setup({ orderSeen: false });

    // Act
    const outcome = await publish(shipmentSnapshot({ customerEmail: undefined, waitedForOrder: true }));

    // Assess
    expect(outcome.deadLettered).toEqual([LABEL_SHIPPED]);
    expect(ledger.deadLetterOf('default', LABEL_SHIPPED)?.reason).toMatch(/no customer email and no valid phone number/);
    expect(klaviyo.attempts).toEqual([]);
  });

  it('does not read the order while the ShipStation key is refused, and retries a transient failure', async () => {
    // Prepare
    const paused = setup({ orderSeen: false });
    await paused.credentials.markInvalid('default', 'shipstation', fakeAccount().shipStationFingerprint ?? '', '401');
    const flaky = setup({ orderSeen: false });
    flaky.orders.failNext(new TransientError('ShipStation 503'));

    // Act
    const pausedOutcome = await paused.publish(shipmentSnapshot({ waitedForOrder: true }));
    const flakyOutcome = flaky.publish(shipmentSnapshot({ waitedForOrder: true }));

    // Assess
    expect(paused.orders.lookups).toEqual([]);
    expect(pausedOutcome.sent).toEqual([LABEL_SHIPPED]);
    await expect(flakyOutcome).rejects.toBeInstanceOf(TransientError);
    expect(flaky.klaviyo.attempts).toEqual([]);
  });

  it('lets a label wait again, rather than hold the consumer, when the ShipStation budget is spent; sends it from the own email when the order is unreadable', async () => {
    // Prepare
    const busy = setup({ orderSeen: false });
    busy.orders.failNext(new TransientError('ShipStation rate budget spent', { retryAfterSeconds: 40 }));
    const broken = setup({ orderSeen: false });
    broken.orders.failNext(new BadInputError('ShipStation answered /orders/123456 with an unexpected shape'));

    // Act
    const waiting = await busy.publish(shipmentSnapshot({ waitedForOrder: true }));
    const ownEmail = await broken.publish(shipmentSnapshot({ waitedForOrder: true }));

    // Assess
    expect(waiting).toMatchObject({ sent: [], waitingForOrder: true });
    expect(busy.updates.snapshots).toEqual([{ ...shipmentSnapshot(), waitedForOrder: true }]);
    expect(ownEmail.sent).toEqual([LABEL_SHIPPED]);
    expect(broken.klaviyo.events[0]?.profile).toEqual({ email: 'jane.doe@example.com' });
  });

  it("with a store filter, lets a fulfilment of an order not seen yet wait, then reads its order and keeps it only in the account's stores", async () => {
    // Prepare
    const { publish, klaviyo, orders, updates } = setup({ orderSeen: false, storeIds: [9001] });
    orders.add(orderSnapshot({ orderId: 1, storeId: 9001, status: 'shipped', modifiedAt: '2026-07-05T18:30:05.000Z' }));
    orders.add(orderSnapshot({ orderId: 2, storeId: 9002, status: 'shipped', modifiedAt: '2026-07-05T18:30:05.000Z' }));

    // Act
    await publish(fulfillmentSnapshot({ orderId: 1, fulfillmentId: 71 }));
    await publish(fulfillmentSnapshot({ orderId: 2, fulfillmentId: 72 }));
    for (const waited of updates.snapshots.splice(0)) await publish(waited);

    // Assess
    expect(orders.lookups.map((l) => l.orderId)).toEqual([1, 2]);
    expect(klaviyo.events.map((e) => e.uniqueId)).toEqual(['ss:default:fulfillment:71:shipped']);
  });

  it('sends "Mark as Shipped" with the order\'s items and value', async () => {
    // Prepare
    const { publish, klaviyo } = setup({ orderSeen: false });
    await publish(orderSnapshot());

    // Act
    await publish(fulfillmentSnapshot({ items: [], customerEmail: undefined }));

    // Assess
    expect(klaviyo.events[1]).toMatchObject({
      metric: 'Order Shipped',
      value: 34.97,
      profile: { email: 'jane.doe@example.com', firstName: 'Jane' },
      properties: {
        ItemCount: 2,
        ItemNames: ['Blue Mug'],
        SKUs: ['MUG-BLUE'],
        Items: [{ SKU: 'MUG-BLUE', ProductName: 'Blue Mug', Quantity: 2, ItemPrice: 14.99 }],
      },
    });
  });

  it('sends by phone an order whose email cannot be one, and dead-letters one with no phone either, saying why', async () => {
    // Prepare
    const { publish, klaviyo, ledger } = setup({ orderSeen: false });

    // Act
    const byPhone = await publish(orderSnapshot({ customer: { invalidEmail: true, phone: '+14155550132' } }));
    const nobody = await publish(orderSnapshot({ orderId: 9, customer: { invalidEmail: true } }));

    // Assess
    expect(byPhone.sent).toEqual([ORDER_AWAITING_SHIPMENT]);
    expect(klaviyo.events[0]?.profile).toEqual({ phoneNumber: '+14155550132', emailRejected: true });
    expect(createEventBody(klaviyo.events[0]!).data.attributes.profile).toEqual({ data: { type: 'profile', attributes: { phone_number: '+14155550132' } } });
    expect(nobody.deadLettered).toHaveLength(1);
    expect(ledger.deadLetterOf('default', nobody.deadLettered[0] as string)?.reason).toMatch(/email cannot receive mail .* no valid phone number/);
  });
});
