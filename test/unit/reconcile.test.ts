import { uniqueIds } from '../../lib/domain/event-mapping.js';
import {
  checkOrder,
  idsToLookUp,
  labelEventIds,
  reconcile,
  type OrderCheck,
  type RecordedEventStatus,
  type ReconcileInput,
  type Tally,
} from '../../lib/domain/reconcile.js';
import { orderSnapshot, orderState, shipmentSnapshot } from '../helpers/factories.js';

const T0 = '2026-07-04T17:20:00.000Z';
const T1 = '2026-07-04T19:00:00.000Z';
const T2 = '2026-07-05T16:00:00.000Z';
const POLLED = '2026-07-05T12:00:00.000Z';

const statusId = (status: Parameters<typeof uniqueIds.orderStatus>[2], since: string, orderId = 123456): string =>
  uniqueIds.orderStatus('default', orderId, status, since);

function run(overrides: Partial<Omit<ReconcileInput, 'recorded'>> & { recorded?: Record<string, RecordedEventStatus> } = {}): ReturnType<typeof reconcile> {
  return reconcile({
    orders: overrides.orders ?? [],
    labels: overrides.labels ?? [],
    recorded: new Map(Object.entries(overrides.recorded ?? {})),
    held: overrides.held ?? new Set(),
    polledThrough: 'polledThrough' in overrides ? overrides.polledThrough : POLLED,
  });
}

const tally = (partial: Partial<Tally>): Tally => ({ inShipStation: 0, owed: 0, sent: 0, missing: 0, deadLettered: 0, held: 0, inFlight: 0, ...partial });
const orderRow = (report: ReturnType<typeof reconcile>, status: string): Tally | undefined => report.orders.find((r) => r.status === status)?.tally;
const labelRow = (report: ReturnType<typeof reconcile>, kind: string): Tally | undefined => report.labels.find((r) => r.kind === kind)?.tally;

describe('checkOrder', () => {
  it("keeps the stored statusSince when the state is already in ShipStation's status (the id the publishers used)", () => {
    // Prepare
    const order = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: T1 });

    // Act
    const check = checkOrder(order, orderState({ status: 'awaiting_shipment', statusSince: T0, modifiedAt: T0 }));

    // Assess
    expect(check).toMatchObject({ kind: 'event', metric: 'Order Awaiting Shipment', since: T0, uniqueId: statusId('awaiting_shipment', T0) });
  });

  it("starts the status at ShipStation's modifyDate when the state is behind or absent, as publish-events would", () => {
    // Act
    const behind = checkOrder(
      orderSnapshot({ status: 'on_hold', modifiedAt: T1 }),
      orderState({ status: 'awaiting_shipment', statusSince: T0, modifiedAt: T0 }),
    );
    const unseen = checkOrder(orderSnapshot({ status: 'cancelled', modifiedAt: T1 }), undefined);

    // Assess
    expect(behind).toMatchObject({ kind: 'event', metric: 'Order On Hold', uniqueId: statusId('on_hold', T1) });
    expect(unseen).toMatchObject({ kind: 'event', metric: 'Order Cancelled', uniqueId: statusId('cancelled', T1) });
  });

  it('owes no order event for a shipped order (its labels carry Order Shipped)', () => {
    // Act
    const check = checkOrder(orderSnapshot({ status: 'shipped', modifiedAt: T1 }), orderState());

    // Assess
    expect(check.kind).toBe('no-event');
  });

  it("calls an order contradicted when the stored state is newer than ShipStation's view with another status", () => {
    // Prepare
    const state = orderState({ status: 'on_hold', statusSince: T1, modifiedAt: T1 });

    // Act
    const check = checkOrder(orderSnapshot({ status: 'awaiting_shipment', modifiedAt: T0 }), state);

    // Assess
    expect(check).toMatchObject({
      kind: 'contradicted',
      metric: 'Order Awaiting Shipment',
      recordedMetric: 'Order On Hold',
      recordedUniqueId: statusId('on_hold', T1),
      reason: 'older than the applied snapshot',
    });
  });
});

describe('labelEventIds', () => {
  it('names Order Shipped and Shipment Voided for an outbound label, Return Label Created (no void) for a return label', () => {
    // Act
    const outbound = labelEventIds(shipmentSnapshot({ shipmentId: 5 }));
    const returned = labelEventIds(shipmentSnapshot({ shipmentId: 6, isReturnLabel: true }));

    // Assess
    expect(outbound).toEqual({ shipped: 'ss:default:shipment:5:shipped', shippedMetric: 'Order Shipped', voided: 'ss:default:shipment:5:voided' });
    expect(returned).toEqual({ shipped: 'ss:default:shipment:6:return', shippedMetric: 'Return Label Created' });
  });
});

describe('idsToLookUp', () => {
  it('asks for each owed event, the recorded event of a contradicted order, and both ids of a voided label', () => {
    // Prepare
    const checks: OrderCheck[] = [
      checkOrder(orderSnapshot({ orderId: 1, status: 'on_hold', modifiedAt: T1 }), undefined),
      checkOrder(orderSnapshot({ orderId: 2, status: 'shipped', modifiedAt: T1 }), undefined),
      checkOrder(
        orderSnapshot({ orderId: 3, status: 'awaiting_shipment', modifiedAt: T0 }),
        orderState({ orderId: 3, status: 'cancelled', statusSince: T1, modifiedAt: T1 }),
      ),
    ];
    const labels = [shipmentSnapshot({ shipmentId: 7 }), shipmentSnapshot({ shipmentId: 8, voided: true, voidedAt: T2 })];

    // Act
    const ids = idsToLookUp(checks, labels);

    // Assess
    expect(ids.sort()).toEqual(
      [
        statusId('cancelled', T1, 3),
        statusId('on_hold', T1, 1),
        'ss:default:shipment:7:shipped',
        'ss:default:shipment:8:shipped',
        'ss:default:shipment:8:voided',
      ].sort(),
    );
  });
});

describe('reconcile', () => {
  it('finds nothing missing when every owed event was sent, and counts them per status and label kind', () => {
    // Prepare
    const orders = [
      checkOrder(orderSnapshot({ orderId: 1, status: 'awaiting_shipment', modifiedAt: T0 }), orderState({ orderId: 1, statusSince: T0 })),
      checkOrder(
        orderSnapshot({ orderId: 2, status: 'shipped', modifiedAt: T1 }),
        orderState({ orderId: 2, status: 'shipped', statusSince: T1, modifiedAt: T1 }),
      ),
    ];
    const labels = [shipmentSnapshot({ orderId: 2, shipmentId: 20 })];

    // Act
    const report = run({ orders, labels, recorded: { [statusId('awaiting_shipment', T0, 1)]: 'sent', 'ss:default:shipment:20:shipped': 'sent' } });

    // Assess
    expect(report.missing).toEqual([]);
    expect(report.extra).toEqual([]);
    expect(orderRow(report, 'awaiting_shipment')).toEqual(tally({ inShipStation: 1, owed: 1, sent: 1 }));
    expect(orderRow(report, 'shipped')).toEqual(tally({ inShipStation: 1 }));
    expect(labelRow(report, 'label')).toEqual(tally({ inShipStation: 1, owed: 1, sent: 1 }));
    expect(report.orders.map((r) => r.status)).toEqual([
      'awaiting_payment',
      'awaiting_shipment',
      'pending_fulfillment',
      'shipped',
      'on_hold',
      'cancelled',
      'rejected_fulfillment',
    ]);
  });

  it('reports an unsent status change after the cursor as not polled yet, and one before it as lost', () => {
    // Prepare
    const orders = [
      checkOrder(orderSnapshot({ orderId: 1, orderNumber: 'A-1', status: 'on_hold', modifiedAt: T2 }), orderState({ orderId: 1, statusSince: T0 })),
      checkOrder(orderSnapshot({ orderId: 2, orderNumber: 'A-2', status: 'cancelled', modifiedAt: T1 }), orderState({ orderId: 2, statusSince: T0 })),
    ];

    // Act
    const report = run({ orders });

    // Assess
    expect(report.missing.map((m) => [m.orderNumber, m.status, m.metric, m.uniqueId, m.notPolledYet, m.fixable])).toEqual([
      ['A-2', 'cancelled', 'Order Cancelled', statusId('cancelled', T1, 2), false, true],
      ['A-1', 'on_hold', 'Order On Hold', statusId('on_hold', T2, 1), true, true],
    ]);
    expect(report.missing[0]?.detail).toMatch(/never sent, though the poll has read past this change/);
    expect(report.missing[1]?.detail).toBe('changed after the last poll; the next poll sends it');
    expect(report.missing[0]?.snapshot).toMatchObject({ kind: 'order', orderId: 2 });
    expect(orderRow(report, 'on_hold')).toEqual(tally({ inShipStation: 1, owed: 1, missing: 1 }));
  });

  it('counts dead-lettered, held and in-flight events apart from missing ones, and calls an expired claim abandoned', () => {
    // Prepare
    const order = (orderId: number): OrderCheck => checkOrder(orderSnapshot({ orderId, status: 'awaiting_payment', modifiedAt: T0 }), undefined);
    const id = (orderId: number): string => statusId('awaiting_payment', T0, orderId);

    // Act
    const report = run({
      orders: [order(1), order(2), order(3), order(4)],
      recorded: { [id(1)]: 'dead-lettered', [id(2)]: 'in-flight', [id(4)]: 'abandoned' },
      held: new Set([id(3)]),
    });

    // Assess
    expect(orderRow(report, 'awaiting_payment')).toEqual(tally({ inShipStation: 4, owed: 4, deadLettered: 1, inFlight: 1, held: 1, missing: 1 }));
    expect(report.missing.map((m) => [m.orderId, m.fixable, m.detail])).toEqual([
      [4, true, 'claimed by a sender that never finished (its lease ran out); nobody is sending it'],
    ]);
  });

  it('reports a live label with no Order Shipped as missing, and a never-polled account as such', () => {
    // Act
    const report = run({ labels: [shipmentSnapshot({ shipmentId: 30, createdAt: T2 })], polledThrough: undefined });

    // Assess
    expect(report.missing).toEqual([
      expect.objectContaining({
        shipmentId: 30,
        status: 'label',
        metric: 'Order Shipped',
        uniqueId: 'ss:default:shipment:30:shipped',
        notPolledYet: true,
        fixable: true,
        detail: 'the account was never polled to the end',
      }),
    ]);
    expect(labelRow(report, 'label')).toEqual(tally({ inShipStation: 1, owed: 1, missing: 1 }));
  });

  it('owes a Shipment Voided only for a voided label whose Order Shipped went out, and lists that Order Shipped as extra until it does', () => {
    // Prepare
    const announced = shipmentSnapshot({ shipmentId: 40, voided: true, voidedAt: T2 });
    const corrected = shipmentSnapshot({ shipmentId: 41, voided: true, voidedAt: T2 });
    const neverAnnounced = shipmentSnapshot({ shipmentId: 42, voided: true, voidedAt: T2 });
    const returnLabel = shipmentSnapshot({ shipmentId: 43, voided: true, voidedAt: T2, isReturnLabel: true });

    // Act
    const report = run({
      labels: [announced, corrected, neverAnnounced, returnLabel],
      recorded: {
        'ss:default:shipment:40:shipped': 'sent',
        'ss:default:shipment:41:shipped': 'sent',
        'ss:default:shipment:41:voided': 'sent',
        'ss:default:shipment:42:shipped': 'suppressed',
        'ss:default:shipment:43:return': 'sent',
      },
    });

    // Assess
    expect(labelRow(report, 'voided label')).toEqual(tally({ inShipStation: 4, owed: 2, sent: 1, missing: 1 }));
    expect(report.missing.map((m) => [m.shipmentId, m.status, m.metric, m.uniqueId, m.changedAt])).toEqual([
      [40, 'voided label', 'Shipment Voided', 'ss:default:shipment:40:voided', T2],
    ]);
    expect(report.extra).toEqual([
      {
        orderId: 123456,
        orderNumber: 'A-1001',
        shipmentId: 40,
        metric: 'Order Shipped',
        uniqueId: 'ss:default:shipment:40:shipped',
        detail: `sent for label 40, which ShipStation now shows voided (${T2}), and no Shipment Voided has gone out`,
      },
    ]);
  });

  it('reports a live label whose Order Shipped the ledger suppressed as missing but not fixable', () => {
    // Act
    const report = run({ labels: [shipmentSnapshot({ shipmentId: 50 })], recorded: { 'ss:default:shipment:50:shipped': 'suppressed' } });

    // Assess
    expect(report.missing).toEqual([expect.objectContaining({ shipmentId: 50, fixable: false })]);
  });

  it("lists the sent event of a state newer than ShipStation as extra, and ShipStation's own status as missing but not fixable", () => {
    // Prepare
    const check = checkOrder(
      orderSnapshot({ orderId: 9, orderNumber: 'A-9', status: 'awaiting_shipment', modifiedAt: T0 }),
      orderState({ orderId: 9, status: 'on_hold', statusSince: T1, modifiedAt: T1 }),
    );

    // Act
    const report = run({ orders: [check], recorded: { [statusId('on_hold', T1, 9)]: 'sent' } });

    // Assess
    expect(report.extra).toEqual([
      {
        orderId: 9,
        orderNumber: 'A-9',
        metric: 'Order On Hold',
        uniqueId: statusId('on_hold', T1, 9),
        detail: `sent for on_hold, which ShipStation no longer shows: the stored state (on_hold at ${T1}) is newer than ShipStation's awaiting_shipment (modified ${T0})`,
      },
    ]);
    expect(report.missing).toEqual([expect.objectContaining({ orderId: 9, metric: 'Order Awaiting Shipment', fixable: false })]);
    expect(orderRow(report, 'awaiting_shipment')).toEqual(tally({ inShipStation: 1, owed: 1, missing: 1 }));
  });

  it('lists no extra for a status event sent before the order moved on (that is history)', () => {
    // Prepare: sent Order On Hold at T0; ShipStation has since moved the order to awaiting_shipment at T1 (sent too).
    const check = checkOrder(
      orderSnapshot({ status: 'awaiting_shipment', modifiedAt: T1 }),
      orderState({ status: 'awaiting_shipment', statusSince: T1, modifiedAt: T1 }),
    );

    // Act
    const report = run({ orders: [check], recorded: { [statusId('on_hold', T0)]: 'sent', [statusId('awaiting_shipment', T1)]: 'sent' } });

    // Assess
    expect(report.extra).toEqual([]);
    expect(report.missing).toEqual([]);
  });
});
