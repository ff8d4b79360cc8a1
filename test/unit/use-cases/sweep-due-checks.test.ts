// sweepDueChecks with a fake clock: Order Delayed at the ship-by date or after the configured age, once; none for
// orders shipped or cancelled in time; Shipment Stalled after days without a scan, once, none after delivery; the
// poll cursor bounds what is looked at; a paused ShipStation key skips the sweep.
import type { OrderStatus } from '../../../lib/domain/shipstation.js';
import type { TrackingUpdate } from '../../../lib/domain/tracking.js';
import { makePublishTracking } from '../../../lib/use-cases/publish-tracking.js';
import { makePublishUpdate } from '../../../lib/use-cases/publish-update.js';
import { makeSweepDueChecks } from '../../../lib/use-cases/sweep-due-checks.js';
import {
  fakeAccount,
  FakeClock,
  InMemoryPollCursorStore,
  inMemoryPublishDeps,
  InMemoryTrackingActivity,
  InMemoryUpdateQueue,
} from '../../fakes/in-memory-ports.js';
import { orderSnapshot, shipmentSnapshot } from '../../helpers/factories.js';

const HOUR = 3_600_000;

/** The factories' order was placed 2026-07-04T17:00Z and must ship by 8 July (Pacific: over at 2026-07-09T07:00Z); "now" starts a minute later. */
function setup() {
  const clock = new FakeClock('2026-07-04T17:21:00.000Z');
  const cursors = new InMemoryPollCursorStore();
  const deps = inMemoryPublishDeps(clock, fakeAccount({ shipStationV2Fingerprint: 'v2fp' }));
  const { klaviyo, credentials, shipments, due, orderStates } = deps;
  const publishUpdate = makePublishUpdate(deps);
  const publishTracking = makePublishTracking({ ...deps, updates: new InMemoryUpdateQueue(), activity: new InMemoryTrackingActivity(), joinWaitHours: 6 });
  const sweep = makeSweepDueChecks({ ...deps, cursors });
  /** The poll has enqueued (and publish-events applied) everything up to now minus the poll's 2 min lag. */
  const pollCaughtUp = (): void => {
    cursors.cursors.set('default', { accountId: 'default', through: new Date(clock.now().getTime() - 2 * 60_000).toISOString() });
  };
  /** A scheduled job every 30 minutes until `hours` have passed, each sweeping first. */
  const runFor = async (hours: number): Promise<string[]> => {
    const sent: string[] = [];
    for (let t = 0; t < hours * 2; t += 1) {
      clock.advance(30 * 60_000);
      pollCaughtUp();
      sent.push(...(await sweep('default')).sent);
    }
    return sent;
  };
  return { clock, klaviyo, cursors, credentials, shipments, due, orderStates, publishUpdate, publishTracking, sweep, pollCaughtUp, runFor };
}

function scan(statusCode: TrackingUpdate['statusCode'], occurredAt: string): TrackingUpdate {
  return {
    kind: 'tracking',
    accountId: 'default',
    trackingNumber: '1Z999AA10123456784',
    statusCode,
    scans: [{ occurredAt, statusCode }],
    receivedAt: occurredAt,
  };
}

describe('sweepDueChecks: Order Delayed', () => {
  it("sends Order Delayed once, when the ship-by day has ended in the account's time zone, for an order still awaiting shipment", async () => {
    // Prepare
    const { publishUpdate, klaviyo, runFor } = setup();
    await publishUpdate(orderSnapshot());
    klaviyo.events.length = 0;

    // Act: five days of scheduled jobs
    const sent = await runFor(120);

    // Assess
    expect(sent).toEqual(['ss:default:order:123456:delayed']);
    expect(klaviyo.events).toHaveLength(1);
    expect(klaviyo.events[0]).toMatchObject({
      metric: 'Order Delayed',
      time: '2026-07-09T07:00:00.000Z',
      backfill: false,
      properties: { DelayReason: 'past_ship_by_date', ShipByDate: '2026-07-08', Status: 'awaiting_shipment', HoursSinceOrder: 110, OrderNumber: 'A-1001' },
    });
  });

  it('uses the configured age (72 hours after the order) when there is no ship-by date', async () => {
    // Prepare
    const { publishUpdate, klaviyo, runFor, clock } = setup();
    await publishUpdate(orderSnapshot({ shipByDate: undefined }));
    klaviyo.events.length = 0;

    // Act: just short of 72 hours, then past it
    const early = await runFor(71);
    const atDue = await runFor(2);
    const after = await runFor(24);

    // Assess
    expect(early).toEqual([]);
    expect(atDue).toEqual(['ss:default:order:123456:delayed']);
    expect(after).toEqual([]);
    expect(klaviyo.events[0]).toMatchObject({ time: '2026-07-07T17:00:00.000Z', properties: { DelayReason: 'no_label_in_time', HoursSinceOrder: 72 } });
    expect(clock.now().getTime()).toBeGreaterThan(Date.parse('2026-07-07T17:00:00.000Z'));
  });

  it.each<[string, OrderStatus]>([
    ['cancelled', 'cancelled'],
    ['shipped (Mark as Shipped)', 'shipped'],
    ['awaiting payment', 'awaiting_payment'],
  ])('sends nothing for an order %s before it was due', async (_case, status) => {
    // Prepare
    const { publishUpdate, klaviyo, runFor } = setup();
    await publishUpdate(orderSnapshot());
    await publishUpdate(orderSnapshot({ status, modifiedAt: '2026-07-06T10:00:00.000Z' }));
    klaviyo.events.length = 0;

    // Act
    const sent = await runFor(120);

    // Assess
    expect(sent).toEqual([]);
    expect(klaviyo.events.filter((e) => e.metric === 'Order Delayed')).toEqual([]);
  });

  it('sends nothing for an order whose label was printed before the ship-by date', async () => {
    // Prepare
    const { publishUpdate, klaviyo, runFor } = setup();
    await publishUpdate(orderSnapshot());
    await publishUpdate(shipmentSnapshot());

    // Act
    await runFor(120);

    // Assess
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
  });

  it.each([
    ['the fall-back night (a 25-hour day)', '2026-11-01', '2026-10-28T17:20:00.000Z', '2026-11-02T07:59:00.000Z', '2026-11-02T08:00:00.000Z'],
    ['the spring-forward night (a 23-hour day)', '2026-03-08', '2026-03-04T17:20:00.000Z', '2026-03-09T06:59:00.000Z', '2026-03-09T07:00:00.000Z'],
  ])(
    'sends nothing during a ship-by day that ends on %s, and Order Delayed once it has ended',
    async (_night, shipByDate, modifiedAt, lastMinute, midnight) => {
      // Prepare
      const { publishUpdate, klaviyo, sweep, clock, cursors } = setup();
      clock.set(modifiedAt);
      await publishUpdate(orderSnapshot({ shipByDate, createdAt: modifiedAt, orderedAt: modifiedAt, modifiedAt }));
      klaviyo.events.length = 0;
      const sweepAt = async (at: string): Promise<string[]> => {
        clock.set(at);
        cursors.cursors.set('default', { accountId: 'default', through: at });
        return (await sweep('default')).sent;
      };

      // Act: 23:59 on the ship-by day in Los Angeles, then midnight after it
      const during = await sweepAt(lastMinute);
      const after = await sweepAt(midnight);

      // Assess
      expect(during).toEqual([]);
      expect(after).toEqual(['ss:default:order:123456:delayed']);
      expect(klaviyo.events[0]).toMatchObject({ time: midnight, properties: { ShipByDate: shipByDate, OrderDate: modifiedAt } });
    },
  );

  it('moves a check an earlier version set at the start of the ship-by day to its end, and sends only then', async () => {
    // Prepare: as written before the upgrade (due at midnight Pacific starting 8 July; the state names the same time)
    const { publishUpdate, klaviyo, sweep, clock, cursors, due, orderStates } = setup();
    await publishUpdate(orderSnapshot());
    klaviyo.events.length = 0;
    for (const check of due.list('default')) await due.remove(check);
    const legacyDueAt = '2026-07-08T07:00:00.000Z';
    orderStates.bump('default', 123456, { delayDueAt: legacyDueAt });
    await due.schedule({
      kind: 'order-delayed',
      accountId: 'default',
      orderId: 123456,
      dueAt: legacyDueAt,
      reason: 'past_ship_by_date',
      order: orderSnapshot(),
    });
    const sweepAt = async (at: string): Promise<string[]> => {
      clock.set(at);
      cursors.cursors.set('default', { accountId: 'default', through: at });
      return (await sweep('default')).sent;
    };

    // Act: on the ship-by day (after the old due time), then after it
    const during = await sweepAt('2026-07-08T20:00:00.000Z');
    const after = await sweepAt('2026-07-09T07:30:00.000Z');

    // Assess
    expect(during).toEqual([]);
    expect(after).toEqual(['ss:default:order:123456:delayed']);
    expect(klaviyo.events[0]?.time).toBe('2026-07-09T07:00:00.000Z');
    expect(due.list('default').filter((c) => c.kind === 'order-delayed')).toEqual([]);
  });

  it('follows a ship-by date the merchant moved', async () => {
    // Prepare
    const { publishUpdate, klaviyo, runFor } = setup();
    await publishUpdate(orderSnapshot());
    await publishUpdate(orderSnapshot({ modifiedAt: '2026-07-05T09:00:00.000Z', shipByDate: '2026-07-10' }));
    klaviyo.events.length = 0;

    // Act
    const sent = await runFor(7 * 24);

    // Assess
    expect(sent).toEqual(['ss:default:order:123456:delayed']);
    expect(klaviyo.events[0]?.time).toBe('2026-07-11T07:00:00.000Z');
  });

  it('waits for the poll cursor to pass the due time, and skips an account whose ShipStation key is refused', async () => {
    // Prepare
    const { publishUpdate, klaviyo, sweep, clock, cursors, credentials } = setup();
    await publishUpdate(orderSnapshot());
    klaviyo.events.length = 0;
    clock.set('2026-07-09T09:00:00.000Z');

    // Act
    cursors.cursors.set('default', { accountId: 'default', through: '2026-07-09T06:00:00.000Z' });
    const behind = await sweep('default');
    cursors.cursors.set('default', { accountId: 'default', through: '2026-07-09T08:58:00.000Z' });
    await credentials.markInvalid('default', 'shipstation', fakeAccount().shipStationFingerprint ?? '', '401');
    const paused = await sweep('default');

    // Assess
    expect(behind).toMatchObject({ status: 'swept', checked: 0 });
    expect(paused).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/ShipStation key is refused/) });
    expect(klaviyo.events).toEqual([]);
  });

  it('schedules no check for an order first seen long past its due time (an import): nothing but history to say', async () => {
    // Prepare: the import, then the same order again (an overlapping poll, a webhook, a redelivery)
    const { publishUpdate, klaviyo, clock, sweep, pollCaughtUp, due } = setup();
    clock.set('2026-07-20T12:00:00.000Z');
    await publishUpdate(orderSnapshot({ history: true }));
    await publishUpdate(orderSnapshot());
    await publishUpdate(orderSnapshot({ modifiedAt: '2026-07-19T09:00:00.000Z' }));
    klaviyo.events.length = 0;
    pollCaughtUp();

    // Act
    await sweep('default');

    // Assess
    expect(due.list('default')).toEqual([]);
    expect(klaviyo.events).toEqual([]);
  });

  it('sends a check that came due while the service was down as backfill, so no flow fires', async () => {
    // Prepare: seen in time, then two days without a sweep
    const { publishUpdate, klaviyo, clock, sweep, pollCaughtUp } = setup();
    await publishUpdate(orderSnapshot());
    klaviyo.events.length = 0;
    clock.set('2026-07-11T12:00:00.000Z');
    pollCaughtUp();

    // Act
    await sweep('default');

    // Assess
    expect(klaviyo.events).toHaveLength(1);
    expect(klaviyo.events[0]).toMatchObject({ metric: 'Order Delayed', time: '2026-07-09T07:00:00.000Z', backfill: true });
  });
});

describe('sweepDueChecks: Shipment Stalled', () => {
  it('sends Shipment Stalled once after five days without a scan', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo, runFor, clock } = setup();
    await publishUpdate(orderSnapshot());
    clock.set('2026-07-05T16:00:00.000Z');
    await publishUpdate(shipmentSnapshot());
    await publishTracking(scan('IT', '2026-07-06T02:00:00.000Z'));
    klaviyo.events.length = 0;

    // Act: scans stop after day one; eight days of scheduled jobs
    const sent = await runFor(8 * 24);

    // Assess
    expect(sent).toEqual(['ss:default:shipment:987654:stalled']);
    expect(klaviyo.events[0]).toMatchObject({
      metric: 'Shipment Stalled',
      time: '2026-07-11T02:00:00.000Z',
      properties: { DaysWithoutScan: 5, TrackingStatus: 'IT', TrackingNumber: '1Z999AA10123456784' },
    });
  });

  it('sends nothing for a package that keeps moving and is delivered', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo, clock, sweep, pollCaughtUp } = setup();
    await publishUpdate(orderSnapshot());
    clock.set('2026-07-05T16:00:00.000Z');
    await publishUpdate(shipmentSnapshot());
    klaviyo.events.length = 0;

    // Act: a scan every four days, then delivery, sweeping every half hour throughout
    const scans: [TrackingUpdate['statusCode'], number][] = [
      ['IT', 10],
      ['IT', 4 * 24],
      ['IT', 8 * 24],
      ['DE', 11 * 24],
    ];
    const start = clock.now().getTime();
    for (let hour = 0; hour <= 20 * 24; hour += 0.5) {
      clock.set(new Date(start + hour * HOUR).toISOString());
      for (const [code, at] of scans) if (at === hour) await publishTracking(scan(code, clock.now().toISOString()));
      pollCaughtUp();
      await sweep('default');
    }

    // Assess
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Shipment In Transit', 'Order Delivered']);
  });
});
