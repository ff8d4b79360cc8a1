// publishHistory against in-memory ports: bulk sends under Klaviyo's limits, the same dedupe as the live path, a
// refused request retried event by event, a refused key holding everything (no failure, one alert), a replacing key
// ending the pause, a transient failure releasing claims, and one account's paused key never holding up another's events.
import type { Snapshot } from '../../../lib/domain/snapshot.js';
import { makeFlushOutbox, makePublishHistory } from '../../../lib/use-cases/publish-history.js';
import {
  fakeAccount,
  InMemoryAlertLedger,
  InMemoryBulkOutbox,
  InMemoryOutboxFlushQueue,
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
import { orderSnapshot, shipmentSnapshot } from '../../helpers/factories.js';

function setup(options: { outbox?: boolean } = {}) {
  const clock = new FakeClock('2026-07-05T17:00:00.000Z');
  const outbox = new InMemoryBulkOutbox();
  const flushes = new InMemoryOutboxFlushQueue();
  const ledger = new InMemoryEventLedger();
  const klaviyo = new FakeKlaviyoApi();
  const klaviyoBulk = new FakeKlaviyoBulkApi();
  const credentials = new InMemoryCredentialStatusStore();
  const alerts = new RecordingAlerts();
  const pollJobs = new InMemoryPollJobQueue();
  const held = new InMemoryHeldEventStore();
  const others = trackingDeps();
  const orderStates = new InMemoryOrderStateStore();
  const deps = {
    accounts: new StaticAccountDirectory(),
    orderStates,
    ledger,
    klaviyo,
    klaviyoBulk,
    held,
    credentials,
    alerts,
    alertLedger: new InMemoryAlertLedger(),
    metrics: new RecordingServiceMetrics(),
    pollJobs,
    clock,
    backfillAfterHours: 24,
    ...others,
    log: new RecordingLogger(),
    concurrency: 4,
  };
  const waitingRoom = { store: outbox, flushes, waitSeconds: 120 };
  const publish = makePublishHistory({ ...deps, ...(options.outbox === true ? { outbox: waitingRoom } : {}) });
  return {
    deps: { ...deps, outbox: waitingRoom },
    clock,
    ledger,
    klaviyo,
    klaviyoBulk,
    credentials,
    alerts,
    pollJobs,
    held,
    publish,
    orders: others.orders,
    waiting: others.history,
    orderStates,
    outbox,
    flushes,
  };
}

/** `count` orders, each with its label, flagged as history. */
const history = (count: number): { tag: string; snapshot: Snapshot }[] =>
  Array.from({ length: count }, (_, i) => [
    { tag: `m${Math.floor(i / 100)}`, snapshot: orderSnapshot({ orderId: 1000 + i, history: true }) as Snapshot },
    { tag: `m${Math.floor(i / 100)}`, snapshot: shipmentSnapshot({ orderId: 1000 + i, shipmentId: 5000 + i, history: true }) as Snapshot },
  ]).flat();

describe('publishHistory', () => {
  it('sends with its own batch a label whose order another consumer applied while the batch was being worked on', async () => {
    // Prepare: the label's batch finds no order; before it re-checks, another consumer's batch applies the order
    const { publish, waiting, klaviyoBulk, orderStates } = setup();
    const read = orderStates.get.bind(orderStates);
    let reads = 0;
    orderStates.get = async (accountId, orderId) => {
      if (orderId === 3000 && (reads += 1) === 2) await publish([{ tag: 'orders', snapshot: orderSnapshot({ orderId: 3000, history: true }) as Snapshot }]);
      return read(accountId, orderId);
    };

    // Act
    const labels = await publish([{ tag: 'labels', snapshot: shipmentSnapshot({ orderId: 3000, shipmentId: 7000, history: true }) as Snapshot }]);

    // Assess
    expect(labels.failed).toEqual([]);
    expect(waiting.snapshots).toEqual([]);
    expect(klaviyoBulk.requests.map((r) => r.events.map((e) => e.metric))).toEqual([['Order Awaiting Shipment'], ['Order Shipped']]);
  });

  it("lets a batch's labels of orders not applied yet wait together on the history queue, then reads at most five orders per batch", async () => {
    // Prepare: seven historical labels whose orders are in no message of the batch
    const { publish, orders, waiting, klaviyoBulk } = setup();
    const labels = Array.from({ length: 7 }, (_, i) => ({
      tag: 'm0',
      snapshot: shipmentSnapshot({ orderId: 2000 + i, shipmentId: 6000 + i, history: true }) as Snapshot,
    }));
    for (let i = 0; i < 7; i += 1) orders.add(orderSnapshot({ orderId: 2000 + i, status: 'shipped', modifiedAt: '2026-07-05T16:00:05.000Z' }));

    // Act: the batch, then the labels that waited (one message back), then what waited again
    const first = await publish(labels);
    const second = await publish(waiting.snapshots.splice(0).map((snapshot) => ({ tag: 'm1', snapshot })));
    const third = await publish(waiting.snapshots.splice(0).map((snapshot) => ({ tag: 'm2', snapshot })));

    // Assess
    expect([first.failed, second.failed, third.failed]).toEqual([[], [], []]);
    expect(orders.lookups).toHaveLength(7);
    expect(second.sent).toHaveLength(5);
    expect(third.sent).toHaveLength(2);
    expect(klaviyoBulk.events.filter((e) => e.metric === 'Order Shipped')).toHaveLength(7);
  });

  it("sends one account's events while another account's key is refused, and holds the refused account's events", async () => {
    // Prepare
    const clock = new FakeClock('2026-07-05T17:00:00.000Z');
    const klaviyoBulk = new FakeKlaviyoBulkApi();
    const credentials = new InMemoryCredentialStatusStore();
    const held = new InMemoryHeldEventStore();
    const ledger = new InMemoryEventLedger();
    await credentials.markInvalid('broken', 'klaviyo', 'kl-broken', 'revoked');
    const publish = makePublishHistory({
      accounts: new StaticAccountDirectory([
        fakeAccount(),
        fakeAccount({ id: 'broken', klaviyoFingerprint: 'kl-broken', webhookToken: 'another-webhook-token-of-32-chars' }),
      ]),
      orderStates: new InMemoryOrderStateStore(),
      ledger,
      klaviyo: new FakeKlaviyoApi(),
      klaviyoBulk,
      held,
      credentials,
      alerts: new RecordingAlerts(),
      alertLedger: new InMemoryAlertLedger(),
      metrics: new RecordingServiceMetrics(),
      pollJobs: new InMemoryPollJobQueue(),
      clock,
      backfillAfterHours: 24,
      ...trackingDeps(),
      log: new RecordingLogger(),
      concurrency: 2,
    });
    const broken = history(2).map((item) => ({ tag: 'broken-message', snapshot: { ...item.snapshot, accountId: 'broken' } }));

    // Act
    const outcome = await publish([...history(3), ...broken]);

    // Assess
    expect(klaviyoBulk.requests.map((r) => r.accountId)).toEqual(['default']);
    expect(klaviyoBulk.events).toHaveLength(6);
    expect(outcome.failed).toEqual([]);
    expect(outcome.held).toHaveLength(4);
    expect(await held.count('broken')).toBe(4);
    expect(await held.count('default')).toBe(0);
    expect([...ledger.records.keys()].filter((key) => key.startsWith('broken|'))).toEqual([]);
  });

  it('sends 1,200 orders and their labels as backfill events in three bulk requests of at most 1,000', async () => {
    // Prepare
    const { publish, klaviyoBulk, klaviyo } = setup();

    // Act
    const outcome = await publish(history(1200));

    // Assess
    expect(outcome.sent).toHaveLength(2400);
    expect(outcome.bulkRequests).toBe(3);
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([1000, 1000, 400]);
    expect(klaviyoBulk.events.every((e) => e.backfill)).toBe(true);
    expect(klaviyo.events).toHaveLength(0);
    expect(outcome.failed).toEqual([]);
  });

  it('sends nothing twice when the same history arrives again (overlapping windows, a redelivered batch)', async () => {
    // Prepare
    const { publish, klaviyoBulk } = setup();
    const batch = history(10);

    // Act
    await publish([...batch, ...batch]);
    const again = await publish(batch);

    // Assess
    expect(klaviyoBulk.events).toHaveLength(20);
    expect(new Set(klaviyoBulk.events.map((e) => e.uniqueId)).size).toBe(20);
    expect(again.sent).toEqual([]);
  });

  it('retries a request Klaviyo refused as a whole event by event, so only the bad event is dead-lettered', async () => {
    // Prepare
    const { publish, klaviyoBulk, klaviyo, ledger } = setup();
    klaviyoBulk.rejectNext(400, 'invalid: one event in the request');
    klaviyo.rejectNext(400, 'time: must not be in the future');

    // Act
    const outcome = await publish(history(3));

    // Assess
    expect(klaviyo.events).toHaveLength(5);
    expect(outcome.deadLettered).toHaveLength(1);
    const dead = outcome.deadLettered[0] as string;
    expect(ledger.deadLetterOf('default', dead)?.reason).toBe('time: must not be in the future');
  });

  it('holds every event when Klaviyo refuses the key: nothing sent, nothing dead-lettered, no failure, one alert', async () => {
    // Prepare
    const { publish, klaviyoBulk, credentials, alerts, held, ledger } = setup();
    klaviyoBulk.rejectNext(401, 'authentication_failed');

    // Act
    const outcome = await publish(history(5));

    // Assess
    expect(klaviyoBulk.events).toHaveLength(0);
    expect(outcome.failed).toEqual([]);
    expect(outcome.sent).toEqual([]);
    expect(outcome.held).toHaveLength(10);
    expect(await held.count('default')).toBe(10);
    expect([...held.events.values()].every((e) => e.backfill)).toBe(true);
    expect(ledger.deadLetters.size).toBe(0);
    expect(ledger.records.size).toBe(0);
    expect(await credentials.isInvalid('default', 'klaviyo', 'kl-fingerprint-1')).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual(['Klaviyo refused the private key (account default)']);
  });

  it('holds the rest of a refused request when its events, sent one by one, meet a refused key', async () => {
    // Prepare
    const { publish, klaviyoBulk, klaviyo, alerts, held, ledger } = setup();
    klaviyoBulk.rejectNext(400, 'invalid: one event in the request');
    klaviyo.rejectNext(401, 'authentication_failed');

    // Act
    const outcome = await publish(history(3));

    // Assess
    expect(klaviyo.attempts).toHaveLength(1);
    expect(outcome.held).toHaveLength(6);
    expect(outcome.deadLettered).toEqual([]);
    expect(outcome.failed).toEqual([]);
    expect(await held.count('default')).toBe(6);
    expect(ledger.records.size).toBe(0);
    expect(alerts.sent).toHaveLength(1);
  });

  it('holds a batch without calling Klaviyo while the key is refused', async () => {
    // Prepare
    const { publish, klaviyoBulk, credentials, alerts, held } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', '401 authentication_failed');

    // Act
    const outcome = await publish(history(3));

    // Assess
    expect(klaviyoBulk.attempts).toEqual([]);
    expect(outcome.held).toHaveLength(6);
    expect(outcome.failed).toEqual([]);
    expect(await held.count('default')).toBe(6);
    expect(alerts.sent).toEqual([]);
  });

  it('ends the pause with the first bulk request Klaviyo accepts from a key that replaced the refused one', async () => {
    // Prepare
    const { publish, klaviyoBulk, credentials, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'klaviyo', 'kl-old-fingerprint', '401 authentication_failed');

    // Act
    const outcome = await publish(history(3));
    const again = await publish(history(6).slice(6));

    // Assess
    expect(outcome.sent).toHaveLength(6);
    expect(again.sent).toHaveLength(6);
    expect(klaviyoBulk.requests).toHaveLength(2);
    expect(await credentials.status('default', 'klaviyo')).toMatchObject({ state: 'valid', fingerprint: 'kl-fingerprint-1' });
    expect(alerts.sent.map((a) => a.subject)).toEqual(['The Klaviyo private key works again (account default)']);
    expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'resume' }]);
  });

  it('holds the events of a bulk request Klaviyo fails past its retries, their claims released, and begins an outage', async () => {
    // Prepare
    const { publish, klaviyoBulk, held, ledger, credentials, pollJobs } = setup();
    klaviyoBulk.failTransientlyNext(1);
    const batch = history(8).filter((item) => item.snapshot.kind === 'order');

    // Act
    const outcome = await publish(batch);

    // Assess: no message fails (nothing for SQS to retry), everything is held for the release
    expect(outcome.failed).toEqual([]);
    expect(outcome.held).toHaveLength(8);
    expect(await held.count('default')).toBe(8);
    expect(outcome.held.every((id) => ledger.entry('default', id) === undefined)).toBe(true);
    expect((await credentials.status('default', 'klaviyo'))?.outage).toBeDefined();
    expect(pollJobs.jobs.map((j) => j.job)).toEqual([{ accountId: 'default', reason: 'release', attempt: 0 }]);
  });
});

/** `count` orders from `first` on, each with its label (two events each), in messages of 100 snapshots. */
const orders = (first: number, count: number): { tag: string; snapshot: Snapshot }[] =>
  history(count).map(({ snapshot }, i) => ({
    tag: `m${first}-${Math.floor(i / 100)}`,
    snapshot: {
      ...snapshot,
      orderId: snapshot.orderId - 1000 + first,
      ...(snapshot.kind === 'shipment' ? { shipmentId: snapshot.shipmentId - 5000 + first } : {}),
    } as Snapshot,
  }));

const uniqueIds = (events: { uniqueId: string }[]): string[] => events.map((e) => e.uniqueId);

describe('publishHistory with the bulk outbox', () => {
  it('sends every full bulk request and lets the partial last one wait, its claims released and a flush message queued', async () => {
    // Prepare: 750 orders with labels, 1,500 events
    const { publish, klaviyoBulk, outbox, flushes, ledger, clock } = setup({ outbox: true });

    // Act
    const outcome = await publish(orders(10_000, 750));

    // Assess: 1,000 sent in one request, 500 waiting with their claims free for whoever sends them
    expect(outcome.failed).toEqual([]);
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([1000]);
    expect(outbox.entries.size).toBe(500);
    const waitingIds = [...outbox.entries.values()].map((e) => e.event.uniqueId);
    expect(new Set([...uniqueIds(klaviyoBulk.events), ...waitingIds]).size).toBe(1500);
    expect((await ledger.claim('default', waitingIds[0] as string, clock.now())).status).toBe('claimed');
    expect(flushes.requests).toEqual([{ accountId: 'default', before: '2026-07-05T17:00:00.000Z', delaySeconds: 120 }]);
  });

  it("fills the next batch's bulk request with the waiting events first, leaving only the newest remainder", async () => {
    // Prepare
    const { publish, klaviyoBulk, outbox, clock } = setup({ outbox: true });
    await publish(orders(10_000, 750));
    const waitedFirst = [...outbox.entries.values()].map((e) => e.event.uniqueId);
    clock.advance(30_000);

    // Act: 300 more orders, 600 events
    const outcome = await publish(orders(20_000, 300));

    // Assess: 500 waiting + 500 new in one full request, 100 new wait; nothing sent twice
    expect(outcome.failed).toEqual([]);
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([1000, 1000]);
    expect(uniqueIds(klaviyoBulk.requests[1]?.events ?? [])).toEqual(expect.arrayContaining(waitedFirst));
    expect(outbox.entries.size).toBe(100);
    expect([...outbox.entries.values()].every((e) => e.since === '2026-07-05T17:00:30.000Z')).toBe(true);
    expect(new Set(uniqueIds(klaviyoBulk.events)).size).toBe(2000);
  });

  it('sends what waits when its flush message comes and nothing newer took it, and leaves it when a later put owns it', async () => {
    // Prepare: 100 events wait (put at 17:00:00)
    const { publish, klaviyoBulk, outbox, flushes, clock } = setup({ outbox: true });
    await publish(orders(10_000, 50));
    expect(klaviyoBulk.requests).toEqual([]);
    clock.advance(120_000);

    // Act: a flush older than every waiting event (a later put queued its own), then the one that put them
    const early = await publish([], [{ accountId: 'default', before: '2026-07-05T16:59:00.000Z', tag: 'f0' }]);
    const due = await publish([], [{ accountId: 'default', before: flushes.requests[0]?.before as string, tag: 'f1' }]);

    // Assess
    expect([early.sent, early.failed]).toEqual([[], []]);
    expect(due.failed).toEqual([]);
    expect(due.sent).toHaveLength(100);
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([100]);
    expect(outbox.entries.size).toBe(0);
  });

  it('loses nothing and sends nothing twice when the function dies between its claims and the bulk send', async () => {
    // Prepare: the first invocation's bulk request never returns (the function is gone); its claims stay taken
    const { publish, klaviyoBulk, outbox, flushes, clock } = setup({ outbox: true });
    let dead = true;
    klaviyoBulk.onSend = () => (dead ? new Promise<void>(() => undefined) : Promise.resolve());
    const batch = orders(10_000, 750);
    void publish(batch);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(klaviyoBulk.requests).toEqual([]);
    dead = false;

    // Act: SQS brings the messages back after the claims' lease ran out, then the flush message comes
    clock.advance(121_000);
    const retried = await publish(batch);
    clock.advance(120_000);
    const flushed = await publish([], [{ accountId: 'default', before: flushes.requests.at(-1)?.before as string, tag: 'f' }]);

    // Assess: every one of the 1,500 events sent once, in two requests; nothing left waiting
    expect([retried.failed, flushed.failed]).toEqual([[], []]);
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([1000, 500]);
    expect(new Set(uniqueIds(klaviyoBulk.events)).size).toBe(1500);
    expect(outbox.entries.size).toBe(0);
  });

  it('sends nothing twice when a batch is delivered again after its remainder went to the outbox', async () => {
    // Prepare: the batch ran to its end, but its messages come back (the acknowledgement was lost)
    const { publish, klaviyoBulk, outbox, flushes, clock } = setup({ outbox: true });
    const batch = orders(10_000, 750);
    await publish(batch);
    clock.advance(5_000);

    // Act
    const again = await publish(batch);
    clock.advance(120_000);
    await publish([], [{ accountId: 'default', before: flushes.requests[0]?.before as string, tag: 'f' }]);

    // Assess: the redelivery's own claims sent the waiting copies (removed after), nothing else went twice
    expect(again.failed).toEqual([]);
    expect(new Set(uniqueIds(klaviyoBulk.events)).size).toBe(1500);
    expect(klaviyoBulk.events).toHaveLength(1500);
    expect(outbox.entries.size).toBe(0);
  });

  it('leaves a waiting event another worker is sending to that worker', async () => {
    // Prepare: 100 wait; another worker has just claimed one of them
    const { publish, klaviyoBulk, outbox, flushes, ledger, clock } = setup({ outbox: true });
    await publish(orders(10_000, 50));
    const busy = [...outbox.entries.values()][0]?.event.uniqueId as string;
    clock.advance(120_000);
    await ledger.claim('default', busy, clock.now());

    // Act
    const outcome = await publish([], [{ accountId: 'default', before: flushes.requests[0]?.before as string, tag: 'f' }]);

    // Assess
    expect(outcome.sent).toHaveLength(99);
    expect(uniqueIds(klaviyoBulk.events)).not.toContain(busy);
    expect([...outbox.entries.values()].map((e) => e.event.uniqueId)).toEqual([busy]);
  });

  it('keeps waiting events while the Klaviyo key is refused, and sends them once it works', async () => {
    // Prepare
    const { publish, klaviyoBulk, outbox, flushes, credentials, clock } = setup({ outbox: true });
    await publish(orders(10_000, 50));
    clock.advance(120_000);
    await credentials.markInvalid('default', 'klaviyo', 'kl-fingerprint-1', 'revoked');
    const before = flushes.requests[0]?.before as string;

    // Act
    const paused = await publish([], [{ accountId: 'default', before, tag: 'f' }]);
    await credentials.markValid('default', 'klaviyo', 'kl-fingerprint-1');
    const working = await publish([], [{ accountId: 'default', before, tag: 'f' }]);

    // Assess
    expect([paused.sent, paused.failed]).toEqual([[], []]);
    expect(working.sent).toHaveLength(100);
    expect(klaviyoBulk.events).toHaveLength(100);
    expect(outbox.entries.size).toBe(0);
  });

  it("reports a flush message as failed when its account's events cannot be sent, so SQS brings it back", async () => {
    // Prepare
    const { publish, klaviyoBulk, outbox, flushes, clock } = setup({ outbox: true });
    await publish(orders(10_000, 50));
    clock.advance(120_000);
    klaviyoBulk.onSend = () => Promise.reject(new Error('socket hang up'));

    // Act
    const outcome = await publish([], [{ accountId: 'default', before: flushes.requests[0]?.before as string, tag: 'flush-message' }]);

    // Assess: failed, nothing lost (all still waiting, their claims free)
    expect(outcome.failed.map((f) => f.tag)).toEqual(['flush-message']);
    expect(outbox.entries.size).toBe(100);
  });

  it("releases the batch's claims when the outbox cannot be read, so the retry sends at once", async () => {
    // Prepare: the outbox's first read fails (DynamoDB throttling)
    const { publish, klaviyoBulk, outbox } = setup({ outbox: true });
    const list = outbox.list.bind(outbox);
    let failures = 1;
    outbox.list = async (...args) => {
      if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
      return list(...args);
    };
    const batch = orders(10_000, 600);

    // Act: SQS brings the messages back at once (no lease to wait out)
    const first = await publish(batch);
    const retried = await publish(batch);

    // Assess
    expect(first.failed.length).toBeGreaterThan(0);
    expect(retried.failed).toEqual([]);
    expect(klaviyoBulk.requests.map((r) => r.events.length)).toEqual([1000]);
    expect(outbox.entries.size).toBe(200);
  });

  it('a flush with nothing due claims nothing, so the waiting events stay free for the batch or flush that owns them', async () => {
    // Prepare: 100 events wait since 17:00:00
    const { publish, outbox, ledger, clock } = setup({ outbox: true });
    await publish(orders(10_000, 50));
    clock.advance(60_000);
    const first = [...outbox.entries.values()][0]?.event.uniqueId as string;

    // Act: a flush older than all of them (a later put owns them)
    await publish([], [{ accountId: 'default', before: '2026-07-05T16:59:00.000Z', tag: 'f' }]);

    // Assess: no claim left behind
    expect((await ledger.claim('default', first, clock.now())).status).toBe('claimed');
  });

  it('asks for a later look whenever events are left waiting, also when all of them were waiting already', async () => {
    // Prepare: 100 events wait; their batch is delivered again (all 100 decided again, none new)
    const { publish, flushes, outbox } = setup({ outbox: true });
    const batch = orders(10_000, 50);
    await publish(batch);

    // Act
    await publish(batch);

    // Assess
    expect(outbox.entries.size).toBe(100);
    expect(flushes.requests).toHaveLength(2);
  });

  it('the scheduled look sends what has waited a whole BULK_WAIT_SECONDS (a flush message that never came), and only that', async () => {
    // Prepare: 100 events wait; their flush message was lost
    const { publish, klaviyoBulk, outbox, clock, deps } = setup({ outbox: true });
    await publish(orders(10_000, 50));
    const flush = makeFlushOutbox(deps);

    // Act
    clock.advance(60_000);
    await flush('default');
    const early = klaviyoBulk.events.length;
    clock.advance(60_000);
    await flush('default');

    // Assess
    expect(early).toBe(0);
    expect(klaviyoBulk.events).toHaveLength(100);
    expect(outbox.entries.size).toBe(0);
  });
});
