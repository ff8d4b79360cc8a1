import { buildShopHistory } from '../../lib/local/simulators/shop-history.js';
import type { ShopHistory, ShopHistoryCategory } from '../../lib/local/simulators/shop-history.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import type { SimFulfillment, SimOrder, SimShipment } from '../../lib/local/simulators/shipstation-simulator.js';
import { pacificToUtc, toPacificQuery } from '../../lib/normalise/pacific-time.js';

const KEY = 'history-key';
const SECRET = 'history-secret';
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const DAYS = 90;
// 90 days before this end covers the fall-back of 2026-11-01 (01:00–01:59 Pacific happens twice).
const END = new Date('2026-11-20T18:00:00.000Z');
const START = new Date(END.getTime() - DAYS * 86_400_000);
const ORDERS = 1234;

/** The clock the simulator reads and the history moves. */
class Clock {
  private current = new Date(START);

  readonly now = (): Date => new Date(this.current.getTime());

  set(at: Date): void {
    this.current = new Date(at.getTime());
  }
}

interface Shop {
  sim: ShipStationSimulator;
  clock: Clock;
  history: ShopHistory;
}

interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pages: number;
}

const shops: ShipStationSimulator[] = [];

async function openShop(orders: number, seed: number): Promise<Shop> {
  const clock = new Clock();
  const sim = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, now: clock.now });
  shops.push(sim);
  const history = buildShopHistory(sim, clock, { orders, days: DAYS, end: END, seed });
  return { sim, clock, history };
}

async function list<T>(sim: ShipStationSimulator, resource: string, query: Record<string, string>): Promise<Page<T>> {
  const response = await fetch(`${sim.baseUrl}/${resource}?${new URLSearchParams(query).toString()}`, {
    headers: { Authorization: AUTH },
  });
  if (response.status !== 200) throw new Error(`GET /${resource} answered ${response.status}`);
  const body = (await response.json()) as Record<string, unknown> & { total: number; page: number; pages: number };
  return { rows: body[resource] as T[], total: body.total, page: body.page, pages: body.pages };
}

/** Walks every page of a listing by page number, as a naive poll would. */
async function walk<T>(sim: ShipStationSimulator, resource: string, query: Record<string, string>): Promise<Page<T>[]> {
  const pages = [await list<T>(sim, resource, { ...query, page: '1' })];
  for (let page = 2; page <= (pages[0]?.pages ?? 0); page++) {
    pages.push(await list<T>(sim, resource, { ...query, page: String(page) }));
  }
  return pages;
}

const windowQuery = (field: string): Record<string, string> => ({
  [`${field}Start`]: toPacificQuery(START),
  [`${field}End`]: toPacificQuery(END),
  sortDir: 'ASC',
  pageSize: '500',
});

afterAll(async () => {
  await Promise.all(shops.map((sim) => sim.close()));
});

describe('buildShopHistory', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await openShop(ORDERS, 7);
  });

  it('builds the identical history from the same seed and another one from another seed', async () => {
    // Prepare
    const mine = shop.history;

    // Act
    const same = (await openShop(ORDERS, 7)).history;
    const different = (await openShop(ORDERS, 8)).history;

    // Assess
    expect(same).toEqual(mine);
    expect(different).not.toEqual(mine);
  });

  it('stamps every order, label and fulfilment date inside the window, some in its last day and in the repeated DST hour', () => {
    // Prepare
    const { orders, shipments, fulfillments } = shop.history;

    // Act
    const stamps = [
      ...orders.flatMap((order) => [order.createDate, order.modifyDate]),
      ...shipments.flatMap((shipment) => [shipment.createDate, shipment.voidDate]),
      ...fulfillments.flatMap((fulfillment) => [fulfillment.createDate, fulfillment.voidDate]),
    ].filter((stamp): stamp is string => stamp !== null);
    const instants = stamps.map((stamp) => new Date(pacificToUtc(stamp) as string).getTime());

    // Assess
    expect(shop.history.start).toBe(START.toISOString());
    expect(shop.history.end).toBe(END.toISOString());
    expect(instants.every((at) => at >= START.getTime() && at <= END.getTime())).toBe(true);
    expect(instants.filter((at) => at > END.getTime() - 86_400_000).length).toBeGreaterThan(0);
    expect(stamps.filter((stamp) => stamp.startsWith('2026-11-01T01:')).length).toBeGreaterThan(0);
  });

  it('keeps the categories of the seed as they were before contact shapes were mixed in (benchmarks depend on them)', () => {
    // Act
    const { counts } = shop.history;

    // Assess
    expect(counts).toEqual({
      awaitingPayment: 49,
      awaitingShipment: 94,
      pendingFulfillment: 14,
      heldThenReleased: 54,
      cancelledBeforeShipping: 56,
      cancelledAfterVoidedLabel: 13,
      shippedByLabel: 616,
      splitShipment: 48,
      voidedLabelReprinted: 44,
      returnLabel: 46,
      markedAsShipped: 93,
      markedAsShippedThenRestored: 7,
      fulfillmentProviderShipped: 67,
      fulfillmentRejected: 33,
    });
    expect(shop.history.shipments).toHaveLength(944);
    expect(shop.history.fulfillments).toHaveLength(167);
  });

  it('mixes every kind of order life, each order with an email and a few US ship-tos with a phone', () => {
    // Prepare
    const { counts, orders, shipments, fulfillments } = shop.history;
    const liveLabels = (orderId: number): number => shipments.filter((s) => s.orderId === orderId && !s.voided && !s.isReturnLabel).length;

    // Act
    const categories = Object.entries(counts) as [ShopHistoryCategory, number][];

    // Assess
    expect(categories).toHaveLength(14);
    expect(categories.filter(([, count]) => count === 0)).toEqual([]);
    expect(categories.reduce((sum, [, count]) => sum + count, 0)).toBe(ORDERS);
    expect(counts.shippedByLabel).toBeGreaterThan(ORDERS * 0.4);
    expect(new Set(orders.map((order) => order.status))).toEqual(
      new Set(['awaiting_payment', 'awaiting_shipment', 'pending_fulfillment', 'shipped', 'cancelled', 'rejected_fulfillment']),
    );
    const byCategory = (category: ShopHistoryCategory): typeof orders => orders.filter((o) => o.category === category);
    expect(byCategory('awaitingPayment').every((o) => o.status === 'awaiting_payment')).toBe(true);
    expect(byCategory('splitShipment').every((o) => liveLabels(o.orderId) === 2)).toBe(true);
    expect(byCategory('voidedLabelReprinted').every((o) => liveLabels(o.orderId) === 1 && o.status === 'shipped')).toBe(true);
    const cancelledAfterLabel = byCategory('cancelledAfterVoidedLabel');
    expect(cancelledAfterLabel.every((o) => o.status === 'cancelled' && liveLabels(o.orderId) === 0)).toBe(true);
    expect(byCategory('markedAsShippedThenRestored').every((o) => o.status === 'awaiting_shipment')).toBe(true);
    expect(shipments.filter((s) => s.isReturnLabel)).toHaveLength(counts.returnLabel);
    expect(shipments.filter((s) => s.voided).every((s) => s.voidDate !== null)).toBe(true);
    expect(fulfillments.filter((f) => f.voided)).toHaveLength(counts.markedAsShippedThenRestored);
    expect(orders.every((order) => order.customerEmail?.includes('@'))).toBe(true);
    const plain = orders.filter((order) => order.contact === 'billToNameOnly');
    const phones = plain.filter((order) => order.phone !== null).length;
    expect(phones).toBeGreaterThan(0);
    expect(phones).toBeLessThan(plain.length * 0.2);
    expect(new Set(orders.map((order) => order.contact))).toEqual(new Set(['billToNameOnly', 'billToPhone', 'gift', 'blankBillToName', 'international']));
  });

  it('lists every order of the window over HTTP by modifyDate, 500 a page, in ascending wall-clock order', async () => {
    // Prepare
    const query = { ...windowQuery('modifyDate'), sortBy: 'ModifyDate' };

    // Act
    const pages = await walk<SimOrder>(shop.sim, 'orders', query);

    // Assess
    const rows = pages.flatMap((page) => page.rows);
    expect(pages.map((page) => [page.page, page.rows.length, page.total, page.pages])).toEqual([
      [1, 500, ORDERS, 3],
      [2, 500, ORDERS, 3],
      [3, ORDERS - 1000, ORDERS, 3],
    ]);
    expect(rows.map((order) => order.orderId).sort((a, b) => a - b)).toEqual(shop.history.orders.map((order) => order.orderId));
    const wallClock = rows.map((order) => order.modifyDate);
    expect(wallClock).toEqual([...wallClock].sort());
    const modified = new Map(shop.history.orders.map((order) => [order.orderId, order.modifyDate]));
    expect(rows.every((order) => modified.get(order.orderId) === order.modifyDate)).toBe(true);
  });

  it('lists every label by createDate, the voided ones by voidDate, and every fulfilment by createDate', async () => {
    // Prepare
    const { shipments, fulfillments } = shop.history;

    // Act
    const byCreateDate = { ...windowQuery('createDate'), sortBy: 'CreateDate' };
    const created = (await walk<SimShipment>(shop.sim, 'shipments', byCreateDate)).flatMap((p) => p.rows);
    const voided = (await walk<SimShipment>(shop.sim, 'shipments', windowQuery('voidDate'))).flatMap((p) => p.rows);
    const fulfilled = (await walk<SimFulfillment>(shop.sim, 'fulfillments', byCreateDate)).flatMap((p) => p.rows);

    // Assess
    expect(created.map((s) => s.shipmentId).sort((a, b) => a - b)).toEqual(shipments.map((s) => s.shipmentId));
    const voidedIds = shipments.filter((s) => s.voided).map((s) => s.shipmentId);
    expect(voided.map((s) => s.shipmentId).sort((a, b) => a - b)).toEqual(voidedIds);
    expect(fulfilled.map((f) => f.fulfillmentId).sort((a, b) => a - b)).toEqual(fulfillments.map((f) => f.fulfillmentId));
  });
});

describe('ShipStationSimulator.onRequest', () => {
  it('lets a test edit an order between pages 1 and 2, so a page-number walk misses the row that slid onto page 1', async () => {
    // Prepare
    const { sim, clock } = await openShop(ORDERS, 23);
    const query = { ...windowQuery('modifyDate'), sortBy: 'ModifyDate' };
    const before = (await walk<SimOrder>(sim, 'orders', query)).flatMap((page) => page.rows.map((order) => order.orderId));
    const edited = before[0] as number;
    const slid = before[500] as number;
    const seen: string[] = [];
    const unregister = sim.onRequest((request) => {
      seen.push(`${request.path}?page=${request.query.page}`);
      if (request.query.page !== '2') return;
      clock.set(new Date(END.getTime() + 60_000));
      sim.editOrder(edited, { internalNotes: 'address corrected' });
    });

    // Act
    const pages = await walk<SimOrder>(sim, 'orders', query);
    unregister();
    await list<SimOrder>(sim, 'orders', { ...query, page: '1' });

    // Assess
    const walked = pages.flatMap((page) => page.rows.map((order) => order.orderId));
    expect(seen).toEqual(['/orders?page=1', '/orders?page=2', '/orders?page=3']);
    expect(pages.map((page) => page.total)).toEqual([ORDERS, ORDERS - 1, ORDERS - 1]);
    expect(walked).toContain(edited);
    expect(walked).not.toContain(slid);
    expect(walked.sort((a, b) => a - b)).toEqual(before.filter((id) => id !== slid).sort((a, b) => a - b));
    const editedAt = new Date(pacificToUtc(sim.getOrder(edited).modifyDate) as string);
    expect(editedAt.getTime()).toBeGreaterThan(END.getTime());
  });

  it('is not called for a request refused with 401, and a hook that throws answers 500', async () => {
    // Prepare
    const { sim } = await openShop(1, 1);
    const seen: string[] = [];
    sim.onRequest((request) => {
      seen.push(request.path);
      if (request.path === '/stores') throw new Error('hook failed');
    });

    // Act
    const refused = await fetch(`${sim.baseUrl}/orders`);
    const served = await fetch(`${sim.baseUrl}/orders`, { headers: { Authorization: AUTH } });
    const failed = await fetch(`${sim.baseUrl}/stores`, { headers: { Authorization: AUTH } });

    // Assess
    expect([refused.status, served.status, failed.status]).toEqual([401, 200, 500]);
    expect(seen).toEqual(['/orders', '/stores']);
  });
});
