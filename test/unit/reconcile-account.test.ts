// reconcileAccount against in-memory ports: the ShipStation queries (Pacific-time window, the poll's page size, the store
// filter), the comparison with the order states, ledger and held events, and --fix routing snapshots by age as the poll.
import { BadInputError } from '../../lib/domain/errors.js';
import { uniqueIds } from '../../lib/domain/event-mapping.js';
import type { Snapshot } from '../../lib/domain/snapshot.js';
import type { ListPageRequest } from '../../lib/ports.js';
import { makeReconcileAccount } from '../../lib/use-cases/reconcile-account.js';
import {
  fakeAccount,
  FakeClock,
  FakeShipStationApi,
  InMemoryEventLedger,
  InMemoryBulkOutbox,
  InMemoryHeldEventStore,
  InMemoryOrderStateStore,
  InMemoryPollCursorStore,
  InMemoryUpdateQueue,
  StaticAccountDirectory,
  type AccountWithToken,
} from '../fakes/in-memory-ports.js';
import { orderSnapshot, orderState, shipmentSnapshot } from '../helpers/factories.js';

const NOW = '2026-11-25T12:00:00.000Z';
const HOUR = 3_600_000;
const ago = (hours: number): string => new Date(Date.parse(NOW) - hours * HOUR).toISOString();

function setup(options: { account?: AccountWithToken; orders?: Snapshot[]; shipments?: Snapshot[]; pagesOf?: number } = {}) {
  const account = options.account ?? fakeAccount();
  const clock = new FakeClock(NOW);
  const shipStation = new FakeShipStationApi().listWith((_accountId, request: ListPageRequest) => {
    const rows = (request.resource === 'orders' ? options.orders : options.shipments) ?? [];
    const per = options.pagesOf ?? 500;
    const page = Number(request.query.page);
    const pages = Math.max(1, Math.ceil(rows.length / per));
    const snapshots = rows.slice((page - 1) * per, page * per);
    return { snapshots, rows: snapshots.length, page, pages, total: rows.length };
  });
  const orderStates = new InMemoryOrderStateStore();
  const ledger = new InMemoryEventLedger();
  const held = new InMemoryHeldEventStore();
  const outbox = new InMemoryBulkOutbox();
  const cursors = new InMemoryPollCursorStore();
  const updates = new InMemoryUpdateQueue();
  const history = new InMemoryUpdateQueue();
  const reconcileAccount = makeReconcileAccount({
    accounts: new StaticAccountDirectory([account]),
    shipStation,
    orderStates,
    ledger,
    held,
    outbox,
    cursors,
    updates,
    history,
    clock,
    backfillAfterHours: 24,
  });
  return { reconcileAccount, shipStation, orderStates, ledger, held, outbox, cursors, updates, history };
}

describe('reconcileAccount', () => {
  it('reads orders by modifyDate and labels by createDate over the window in Pacific time, 500 a page, without shipment items', async () => {
    // Prepare
    const { reconcileAccount, shipStation } = setup();

    // Act
    await reconcileAccount({ accountId: 'default', days: 7, fix: false });

    // Assess
    expect(shipStation.listCalls.map((c) => c.request)).toEqual([
      {
        resource: 'orders',
        query: {
          modifyDateStart: '2026-11-18 04:00:00',
          modifyDateEnd: '2026-11-25 04:00:00',
          sortBy: 'ModifyDate',
          sortDir: 'ASC',
          pageSize: '500',
          page: '1',
        },
      },
      {
        resource: 'shipments',
        query: {
          createDateStart: '2026-11-18 04:00:00',
          createDateEnd: '2026-11-25 04:00:00',
          sortBy: 'CreateDate',
          sortDir: 'ASC',
          pageSize: '500',
          page: '1',
          includeShipmentItems: 'false',
        },
      },
    ]);
  });

  it('lets ShipStation filter one store, filters several itself, and asks for shipment items with --fix', async () => {
    // Prepare
    const one = setup({ account: fakeAccount({ storeIds: [9001] }) });
    const several = setup({
      account: fakeAccount({ storeIds: [9001, 9002] }),
      orders: [orderSnapshot({ orderId: 1, storeId: 9001, modifiedAt: ago(2) }), orderSnapshot({ orderId: 2, storeId: 7777, modifiedAt: ago(2) })],
      shipments: [shipmentSnapshot({ shipmentId: 3, storeId: 7777, createdAt: ago(2) })],
    });

    // Act
    await one.reconcileAccount({ accountId: 'default', days: 1, fix: true });
    const result = await several.reconcileAccount({ accountId: 'default', days: 1, fix: false });

    // Assess
    expect(one.shipStation.listCalls.map((c) => [c.request.query.storeId, c.request.query.includeShipmentItems])).toEqual([
      ['9001', undefined],
      ['9001', 'true'],
    ]);
    expect(several.shipStation.listCalls.every((c) => c.request.query.storeId === undefined)).toBe(true);
    expect(result.report.missing.map((m) => m.orderId)).toEqual([1]);
    expect(result.report.labels.find((r) => r.kind === 'label')?.tally.inShipStation).toBe(0);
  });

  it('walks every page and reports progress', async () => {
    // Prepare
    const orders = Array.from({ length: 5 }, (_, i) => orderSnapshot({ orderId: i + 1, modifiedAt: ago(10 - i) }));
    const { reconcileAccount, shipStation } = setup({ orders, pagesOf: 2 });
    const pages: string[] = [];

    // Act
    const result = await reconcileAccount({ accountId: 'default', days: 1, fix: false, onPage: (p) => pages.push(`${p.resource} ${p.page}/${p.pages}`) });

    // Assess
    expect(pages).toEqual(['orders 1/3', 'orders 2/3', 'orders 3/3', 'shipments 1/1']);
    expect(shipStation.listCalls).toHaveLength(4);
    expect(result.requests).toBe(4);
    expect(result.report.orders.find((r) => r.status === 'awaiting_shipment')?.tally.inShipStation).toBe(5);
  });

  it('compares with the stored order state, the ledger and the held events', async () => {
    // Prepare
    const orders = [
      orderSnapshot({ orderId: 1, status: 'awaiting_shipment', modifiedAt: ago(3) }),
      orderSnapshot({ orderId: 2, status: 'on_hold', modifiedAt: ago(2) }),
      orderSnapshot({ orderId: 3, status: 'cancelled', modifiedAt: ago(1) }),
    ];
    const { reconcileAccount, orderStates, ledger, held, cursors } = setup({ orders, shipments: [shipmentSnapshot({ shipmentId: 9, createdAt: ago(1) })] });
    orderStates.seed(orderState({ orderId: 1, status: 'awaiting_shipment', statusSince: ago(30), modifiedAt: ago(3) }));
    ledger.seed('default', uniqueIds.orderStatus('default', 1, 'awaiting_shipment', ago(30)), { status: 'SENT' });
    await held.hold([
      {
        accountId: 'default',
        uniqueId: uniqueIds.orderStatus('default', 2, 'on_hold', ago(2)),
        metric: 'Order On Hold',
        time: ago(2),
        orderId: 2,
        profile: {},
        properties: {},
        backfill: false,
      },
    ]);
    cursors.cursors.set('default', { accountId: 'default', through: ago(1.5) });

    // Act
    const result = await reconcileAccount({ accountId: 'default', days: 2, fix: false });

    // Assess
    expect(result.polledThrough).toBe(ago(1.5));
    expect(result.report.orders.filter((r) => r.tally.inShipStation > 0).map((r) => [r.status, r.tally.sent, r.tally.held, r.tally.missing])).toEqual([
      ['awaiting_shipment', 1, 0, 0],
      ['on_hold', 0, 1, 0],
      ['cancelled', 0, 0, 1],
    ]);
    expect(result.report.missing.map((m) => [m.orderId, m.shipmentId, m.metric, m.notPolledYet])).toEqual([
      [3, undefined, 'Order Cancelled', true],
      [123456, 9, 'Order Shipped', true],
    ]);
    expect(result.enqueued).toBeUndefined();
  });

  it('counts a history event waiting in the bulk outbox as held, not missing', async () => {
    // Prepare: the cancelled order's event waits for a full bulk request (its ledger claim released meanwhile)
    const orders = [orderSnapshot({ orderId: 3, status: 'cancelled', modifiedAt: ago(30) })];
    const { reconcileAccount, outbox, cursors } = setup({ orders });
    await outbox.put(
      [
        {
          accountId: 'default',
          uniqueId: uniqueIds.orderStatus('default', 3, 'cancelled', ago(30)),
          metric: 'Order Cancelled',
          time: ago(30),
          orderId: 3,
          profile: {},
          properties: {},
          backfill: true,
        },
      ],
      new Date(ago(1)),
    );
    cursors.cursors.set('default', { accountId: 'default', through: ago(0.5) });

    // Act
    const result = await reconcileAccount({ accountId: 'default', days: 2, fix: false });

    // Assess
    expect(result.report.orders.filter((r) => r.tally.inShipStation > 0).map((r) => [r.status, r.tally.held, r.tally.missing])).toEqual([['cancelled', 1, 0]]);
    expect(result.report.missing).toEqual([]);
  });

  it('with fix, enqueues one snapshot per missing order or label: recent ones on updates, older ones on history', async () => {
    // Prepare
    const recentOrder = orderSnapshot({ orderId: 1, status: 'on_hold', modifiedAt: ago(2) });
    const oldOrder = orderSnapshot({ orderId: 2, status: 'cancelled', modifiedAt: ago(48) });
    const voided = shipmentSnapshot({ orderId: 3, shipmentId: 30, createdAt: ago(50), voided: true, voidedAt: ago(3) });
    const { reconcileAccount, ledger, updates, history } = setup({ orders: [recentOrder, oldOrder], shipments: [voided] });
    ledger.seed('default', 'ss:default:shipment:30:shipped', { status: 'SENT' });

    // Act
    const result = await reconcileAccount({ accountId: 'default', days: 3, fix: true });

    // Assess
    expect(result.enqueued).toEqual({ updates: 2, history: 1 });
    expect(updates.snapshots.map((s) => (s.kind === 'shipment' ? `shipment ${s.shipmentId}` : `order ${s.orderId}`)).sort()).toEqual([
      'order 1',
      'shipment 30',
    ]);
    expect(history.snapshots).toEqual([oldOrder]);
  });

  it('enqueues nothing that the publishers would refuse', async () => {
    // Prepare: the stored state is newer than ShipStation's view, so its status is stale to the publishers.
    const { reconcileAccount, orderStates, updates, history } = setup({
      orders: [orderSnapshot({ orderId: 1, status: 'awaiting_shipment', modifiedAt: ago(5) })],
    });
    orderStates.seed(orderState({ orderId: 1, status: 'on_hold', statusSince: ago(4), modifiedAt: ago(4) }));

    // Act
    const result = await reconcileAccount({ accountId: 'default', days: 1, fix: true });

    // Assess
    expect(result.report.missing).toEqual([expect.objectContaining({ orderId: 1, fixable: false })]);
    expect(result.enqueued).toEqual({ updates: 0, history: 0 });
    expect(updates.snapshots).toEqual([]);
    expect(history.snapshots).toEqual([]);
  });

  it.each([0, 91, 1.5])('refuses %p days', async (days) => {
    // Prepare
    const { reconcileAccount } = setup();

    // Act
    const attempt = reconcileAccount({ accountId: 'default', days, fix: false });

    // Assess
    await expect(attempt).rejects.toThrow(BadInputError);
  });

  it('refuses an unknown account', async () => {
    // Prepare
    const { reconcileAccount } = setup();

    // Act
    const attempt = reconcileAccount({ accountId: 'nobody', days: 1, fix: false });

    // Assess
    await expect(attempt).rejects.toThrow('unknown account nobody');
  });
});
