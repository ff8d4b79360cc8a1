// publishTracking against in-memory ports: joining a tracking update to its label (also when the update comes
// first), milestones once each, the stale rule, split orders (AllShipmentsDelivered), voids, unmatched numbers
// dead-lettered after the wait, and the stall check that follows the newest scan.
import type { TrackingUpdate } from '../../../lib/domain/tracking.js';
import { makePublishTracking, unmatchedTrackingId } from '../../../lib/use-cases/publish-tracking.js';
import { makePublishUpdate } from '../../../lib/use-cases/publish-update.js';
import { fakeAccount, FakeClock, inMemoryPublishDeps, InMemoryTrackingActivity, InMemoryUpdateQueue } from '../../fakes/in-memory-ports.js';
import { orderSnapshot, orderState, shipmentSnapshot } from '../../helpers/factories.js';

const TRACKING = '1Z999AA10123456784';

function setup(options: { v2?: boolean } = {}) {
  const clock = new FakeClock('2026-07-06T18:00:00.000Z');
  const updates = new InMemoryUpdateQueue();
  const activity = new InMemoryTrackingActivity();
  const deps = inMemoryPublishDeps(clock, fakeAccount(options.v2 === false ? {} : { shipStationV2Fingerprint: 'v2fp' }));
  // The order was seen first (its order snapshot came before its labels): its state holds the buyer.
  deps.orderStates.seed(orderState());
  const publishUpdate = makePublishUpdate(deps);
  const publishTracking = makePublishTracking({ ...deps, updates, activity, joinWaitHours: 6 });
  const { klaviyo, ledger, shipments, due, held } = deps;
  return { clock, klaviyo, updates, activity, ledger, shipments, due, held, publishUpdate, publishTracking };
}

function update(statusCode: TrackingUpdate['statusCode'], occurredAt: string, overrides: Partial<TrackingUpdate> = {}): TrackingUpdate {
  return {
    kind: 'tracking',
    accountId: 'default',
    trackingNumber: TRACKING,
    carrierCode: 'ups',
    statusCode,
    scans: [{ occurredAt, statusCode, description: `scan ${statusCode}`, city: 'Oakland', region: 'CA', country: 'US' }],
    receivedAt: occurredAt,
    ...overrides,
  };
}

describe('publishTracking', () => {
  it("sends Shipment In Transit once for the first carrier scan, with the label's order, items and tracking", async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(orderSnapshot());
    await publishUpdate(shipmentSnapshot());
    klaviyo.events.length = 0;

    // Act
    const first = await publishTracking(update('IT', '2026-07-06T02:00:00.000Z', { trackingUrl: 'https://track.example.com/1Z' }));
    const again = await publishTracking(update('IT', '2026-07-06T02:00:00.000Z'));
    const laterScan = await publishTracking(update('IT', '2026-07-06T09:00:00.000Z'));

    // Assess
    expect(first.sent).toEqual(['ss:default:shipment:987654:in_transit']);
    expect(again.sent).toEqual([]);
    expect(laterScan.sent).toEqual([]);
    expect(klaviyo.events).toHaveLength(1);
    const [event] = klaviyo.events;
    expect(event).toMatchObject({
      metric: 'Shipment In Transit',
      time: '2026-07-06T02:00:00.000Z',
      value: 34.97,
      profile: { email: 'jane.doe@example.com' },
      properties: {
        OrderId: '123456',
        OrderNumber: 'A-1001',
        ShipmentId: '987654',
        TrackingNumber: TRACKING,
        Carrier: 'UPS',
        TrackingURL: 'https://track.example.com/1Z',
        TrackingStatus: 'IT',
        LastScanCity: 'Oakland',
        ItemNames: ['Blue Mug'],
        SKUs: ['MUG-BLUE'],
      },
    });
  });

  it('lets an update that beats its label wait, then joins it once the label is seen', async () => {
    // Prepare
    const { publishUpdate, publishTracking, updates, klaviyo, clock } = setup();

    // Act: the tracking webhook first, then the label, then the waiting update comes back
    const early = await publishTracking(update('IT', '2026-07-06T17:50:00.000Z'));
    await publishUpdate(shipmentSnapshot());
    clock.advance(30_000);
    const waiting = updates.tracking[0];
    const joined = await publishTracking(waiting!.message);

    // Assess
    expect(early.join).toBe('waiting');
    expect(updates.tracking).toHaveLength(1);
    expect(waiting).toMatchObject({ delaySeconds: 30, message: { joinAttempts: 1, trackingNumber: TRACKING } });
    expect(joined.join).toBe('joined');
    expect(joined.sent).toEqual(['ss:default:shipment:987654:in_transit']);
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Order Shipped', 'Shipment In Transit']);
  });

  it('waits longer each time, and dead-letters the update with its reason once the wait is over', async () => {
    // Prepare
    const { publishTracking, updates, ledger, klaviyo, clock } = setup();
    let message = update('DE', '2026-07-06T17:00:00.000Z', { receivedAt: '2026-07-06T18:00:00.000Z' });
    const waits: number[] = [];

    // Act: nothing ever shows the label
    for (;;) {
      const outcome = await publishTracking(message);
      if (outcome.join !== 'waiting') break;
      const next = updates.tracking.at(-1)!;
      waits.push(next.delaySeconds!);
      clock.advance(next.delaySeconds! * 1000);
      message = next.message;
    }

    // Assess
    expect(waits.slice(0, 6)).toEqual([30, 60, 120, 240, 480, 900]);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6 * 3600);
    const record = ledger.deadLetters.get(`default|${unmatchedTrackingId('default', TRACKING)}`);
    expect(record?.reason).toMatch(/no label or fulfilment with tracking number \*{8}6784 was seen within 6 hours/);
    expect(record?.body).toMatchObject({ trackingUpdate: { trackingNumber: TRACKING, statusCode: 'DE', joinAttempts: 0 } });
    expect(klaviyo.attempts).toEqual([]);
  });

  it('sends Order Delivered for each of two shipments, the second with AllShipmentsDelivered', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(orderSnapshot());
    await publishUpdate(shipmentSnapshot());
    await publishUpdate(shipmentSnapshot({ shipmentId: 987655, trackingNumber: '1Z999AA10123456791', createdAt: '2026-07-05T16:05:00.000Z' }));
    klaviyo.events.length = 0;

    // Act
    await publishTracking(update('DE', '2026-07-06T15:00:00.000Z', { actualDeliveryAt: '2026-07-06T15:00:00.000Z' }));
    await publishTracking(update('DE', '2026-07-06T17:30:00.000Z', { trackingNumber: '1z999aa1 0123456791', actualDeliveryAt: '2026-07-06T17:30:00.000Z' }));

    // Assess
    expect(
      klaviyo.events.map((e) => [
        e.metric,
        e.uniqueId,
        e.time,
        e.properties.ShipmentId,
        e.properties.AllShipmentsDelivered,
        e.properties.DeliveredShipmentCount,
        e.properties.ShipmentCount,
      ]),
    ).toEqual([
      ['Order Delivered', 'ss:default:shipment:987654:delivered', '2026-07-06T15:00:00.000Z', '987654', false, 1, 2],
      ['Order Delivered', 'ss:default:shipment:987655:delivered', '2026-07-06T17:30:00.000Z', '987655', true, 2, 2],
    ]);
  });

  it('never sends an earlier milestone after a later one, nor anything after delivery', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(shipmentSnapshot());
    klaviyo.events.length = 0;

    // Act
    await publishTracking(update('IT', '2026-07-06T08:00:00.000Z', { statusDetailCode: 'OUT_FOR_DELIVERY' }));
    const backAtDepot = await publishTracking(update('IT', '2026-07-06T09:00:00.000Z'));
    await publishTracking(update('DE', '2026-07-06T12:00:00.000Z', { actualDeliveryAt: '2026-07-06T12:00:00.000Z' }));
    const lateException = await publishTracking(update('EX', '2026-07-06T13:00:00.000Z'));
    const oldScan = await publishTracking(update('AT', '2026-07-06T10:00:00.000Z'));

    // Assess
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Shipment Out For Delivery', 'Order Delivered']);
    expect(backAtDepot.sent).toEqual([]);
    expect(lateException.stale).toBe(true);
    expect(oldScan.stale).toBe(true);
  });

  it("sends an exception and each delivery attempt with the carrier's description", async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(shipmentSnapshot());
    klaviyo.events.length = 0;

    // Act
    await publishTracking(update('EX', '2026-07-06T08:00:00.000Z', { exceptionDescription: 'Address information incomplete' }));
    await publishTracking(update('AT', '2026-07-06T12:00:00.000Z', { statusDescription: 'Delivery attempted' }));
    await publishTracking(update('IT', '2026-07-07T08:00:00.000Z', { statusDetailCode: 'OUT_FOR_DELIVERY' }));
    await publishTracking(update('AT', '2026-07-07T12:00:00.000Z', { statusDescription: 'Second attempt' }));

    // Assess
    expect(klaviyo.events.map((e) => [e.metric, e.properties.ExceptionDescription])).toEqual([
      ['Shipment Exception', 'Address information incomplete'],
      ['Delivery Attempted', 'Delivery attempted'],
      ['Shipment Out For Delivery', undefined],
      ['Delivery Attempted', 'Second attempt'],
    ]);
  });

  it('still sends a milestone whose send failed when a newer scan is applied before the retry (the outbox)', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(shipmentSnapshot());
    klaviyo.events.length = 0;
    const exception = update('EX', '2026-07-06T08:00:00.000Z', { exceptionDescription: 'Address information incomplete' });

    // Act: the exception's send fails (not a Klaviyo answer: the socket closed); a newer scan arrives; SQS redelivers
    klaviyo.onSend = async () => {
      klaviyo.onSend = undefined;
      throw new Error('socket closed');
    };
    const failed = publishTracking(exception);
    await expect(failed).rejects.toThrow('socket closed');
    const newer = await publishTracking(update('IT', '2026-07-06T12:00:00.000Z'));
    const retried = await publishTracking(exception);

    // Assess
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Shipment Exception', 'Shipment In Transit']);
    expect(newer.sent).toHaveLength(2);
    expect(retried.stale).toBe(true);
    expect(retried.sent).toEqual([]);
  });

  it("holds a milestone Klaviyo fails past its retries, and the newer scan's milestone behind it (an outage)", async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo, held } = setup();
    await publishUpdate(shipmentSnapshot());
    klaviyo.events.length = 0;

    // Act
    klaviyo.failTransientlyNext();
    const exception = await publishTracking(update('EX', '2026-07-06T08:00:00.000Z', { exceptionDescription: 'Address information incomplete' }));
    const newer = await publishTracking(update('IT', '2026-07-06T12:00:00.000Z'));

    // Assess
    expect(exception.held).toHaveLength(1);
    expect(newer.held).toHaveLength(1);
    expect(klaviyo.events).toEqual([]);
    expect(await held.count('default')).toBe(2);
  });

  it('keeps the milestone in the outbox until it is handed over, and clears it after', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo, shipments } = setup();
    await publishUpdate(shipmentSnapshot());

    // Act
    klaviyo.onSend = async () => {
      klaviyo.onSend = undefined;
      throw new Error('socket closed');
    };
    await expect(publishTracking(update('IT', '2026-07-06T02:00:00.000Z'))).rejects.toThrow();
    const [waiting] = [...shipments.records.values()];
    await publishTracking(update('IT', '2026-07-06T02:00:00.000Z'));
    const [cleared] = [...shipments.records.values()];

    // Assess
    expect(waiting?.tracking?.pending).toEqual([{ category: 'in_transit', since: '2026-07-06T02:00:00.000Z' }]);
    expect(cleared?.tracking?.pending).toBeUndefined();
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Order Shipped', 'Shipment In Transit']);
  });

  it('sends nothing for a voided label', async () => {
    // Prepare
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(shipmentSnapshot());
    await publishUpdate(shipmentSnapshot({ voided: true, voidedAt: '2026-07-05T17:00:00.000Z' }));
    klaviyo.events.length = 0;

    // Act
    const outcome = await publishTracking(update('IT', '2026-07-06T08:00:00.000Z'));

    // Assess
    expect(outcome.join).toBe('voided');
    expect(klaviyo.events).toEqual([]);
  });

  it('keeps no shipment records for an account without a V2 key', async () => {
    // Prepare
    const { publishUpdate, shipments } = setup({ v2: false });

    // Act
    await publishUpdate(shipmentSnapshot());

    // Assess
    expect(shipments.records.size).toBe(0);
    expect(shipments.pointers.size).toBe(0);
  });

  it('moves the stall check with each new scan and drops it at delivery', async () => {
    // Prepare
    const { publishUpdate, publishTracking, due } = setup();
    await publishUpdate(shipmentSnapshot());

    // Act
    await publishTracking(update('IT', '2026-07-06T02:00:00.000Z'));
    const afterFirst = due
      .list('default')
      .filter((c) => c.kind === 'shipment-stalled')
      .map((c) => c.dueAt);
    await publishTracking(update('IT', '2026-07-07T02:00:00.000Z'));
    const afterSecond = due
      .list('default')
      .filter((c) => c.kind === 'shipment-stalled')
      .map((c) => c.dueAt);
    await publishTracking(update('DE', '2026-07-08T02:00:00.000Z'));
    const afterDelivery = due.list('default').filter((c) => c.kind === 'shipment-stalled');

    // Assess
    expect(afterFirst).toEqual(['2026-07-11T02:00:00.000Z']);
    expect(afterSecond).toEqual(['2026-07-12T02:00:00.000Z']);
    expect(afterDelivery).toEqual([]);
  });

  it('joins an update to its label by V2 label id (se-<shipmentId>) before the tracking number', async () => {
    // Prepare: two labels of the order; the carrier reused the first one's tracking number for the second
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(shipmentSnapshot());
    await publishUpdate(shipmentSnapshot({ shipmentId: 987655, trackingNumber: TRACKING, createdAt: '2026-07-05T16:05:00.000Z' }));
    klaviyo.events.length = 0;

    // Act
    const byLabel = await publishTracking(update('IT', '2026-07-06T02:00:00.000Z', { labelId: 'se-987654' }));
    const byNumber = await publishTracking(update('DE', '2026-07-07T02:00:00.000Z', { actualDeliveryAt: '2026-07-07T02:00:00.000Z' }));

    // Assess
    expect(byLabel.sent).toEqual(['ss:default:shipment:987654:in_transit']);
    expect(byNumber.sent).toEqual(['ss:default:shipment:987655:delivered']);
  });

  it("sends every tracking event to the order's buyer, never the label's ship-to person", async () => {
    // Prepare: a gift; the label knows only the recipient's address
    const { publishUpdate, publishTracking, klaviyo } = setup();
    await publishUpdate(
      orderSnapshot({ gift: true, modifiedAt: '2026-07-04T17:30:00.000Z', customer: { email: 'alex@example.com', firstName: 'Alex', lastName: 'Morgan' } }),
    );
    await publishUpdate(shipmentSnapshot({ customerEmail: undefined, shipTo: { city: 'Brooklyn', region: 'NY', country: 'US' } }));
    klaviyo.events.length = 0;

    // Act
    await publishTracking(update('IT', '2026-07-06T02:00:00.000Z', { labelId: 'se-987654' }));
    await publishTracking(update('DE', '2026-07-07T02:00:00.000Z', { labelId: 'se-987654', actualDeliveryAt: '2026-07-07T02:00:00.000Z' }));

    // Assess
    expect(klaviyo.events.map((e) => e.metric)).toEqual(['Shipment In Transit', 'Order Delivered']);
    for (const event of klaviyo.events) {
      expect(event.profile).toEqual({ email: 'alex@example.com', firstName: 'Alex', lastName: 'Morgan' });
      expect(event.properties).toMatchObject({ ShipToCity: 'Brooklyn', IsGift: true, ItemCount: 2, OrderNumber: 'A-1001' });
    }
  });

  it('sends the tracking events of a label recorded by an earlier version (its ship-to person kept as customer) to the buyer', async () => {
    // Prepare: the record as the previous version wrote it: Rosa (the gift's recipient) as its customer
    const { publishTracking, klaviyo, shipments } = setup();
    await shipments.put({
      accountId: 'default',
      orderId: 123456,
      shipmentKey: 'label:987654',
      trackingNumber: TRACKING,
      carrierCode: 'ups',
      createdAt: '2026-07-05T16:00:00.000Z',
      customer: { email: 'jane.doe@example.com', firstName: 'Rosa', lastName: 'Diaz', phone: '+12125550199' },
      shipTo: { city: 'Brooklyn' },
      items: [],
      voided: false,
      version: 0,
    });
    await shipments.link('default', { orderId: 123456, shipmentKey: 'label:987654', trackingNumber: TRACKING });

    // Act
    await publishTracking(update('IT', '2026-07-06T02:00:00.000Z'));

    // Assess
    expect(klaviyo.events.map((e) => [e.metric, e.profile])).toEqual([
      [
        'Shipment In Transit',
        {
          email: 'jane.doe@example.com',
          phoneNumber: '+14155550132',
          firstName: 'Jane',
          lastName: 'Doe',
          location: { city: 'San Francisco', region: 'CA', zip: '94105', country: 'US' },
        },
      ],
    ]);
  });

  it('notes when tracking webhooks arrive, for doctor', async () => {
    // Prepare
    const { publishTracking, activity, clock } = setup();

    // Act
    await publishTracking(update('IT', '2026-07-06T02:00:00.000Z'));

    // Assess
    expect(activity.last.get('default')).toEqual(clock.now());
  });
});
