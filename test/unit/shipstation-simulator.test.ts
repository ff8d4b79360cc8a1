import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import type {
  ShipStationSimulatorOptions,
  SimCarrierService,
  SimFulfillment,
  SimOrder,
  SimShipment,
} from '../../lib/local/simulators/shipstation-simulator.js';

const KEY = 'test-key';
const SECRET = 'test-secret';

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** What a V1 webhook body holds. */
type WebhookBody = { resource_url: string; resource_type: string };

class FakeClock {
  private current: Date;

  constructor(iso: string) {
    this.current = new Date(iso);
  }

  readonly now = (): Date => new Date(this.current.getTime());

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }

  set(iso: string): void {
    this.current = new Date(iso);
  }
}

const basic = (key: string, secret: string): string => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

async function call(url: string, init: { method?: string; auth?: string | null; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? basic(KEY, SECRET) : init.auth;
  if (auth !== null) headers.Authorization = auth;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

describe('ShipStationSimulator', () => {
  let clock: FakeClock;
  let sim: ShipStationSimulator;
  let receiver: Receiver<WebhookBody>;

  const start = async (options: Partial<ShipStationSimulatorOptions> = {}): Promise<ShipStationSimulator> => {
    sim = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, now: clock.now, ...options });
    return sim;
  };

  const subscribe = async (event: string, path: string, storeId?: number): Promise<number> => {
    const reply = await call(`${sim.baseUrl}/webhooks/subscribe`, {
      method: 'POST',
      body: { target_url: `${receiver.url}${path}`, event, store_id: storeId, friendly_name: `${event} hook` },
    });
    return (reply.body as { id: number }).id;
  };

  beforeEach(async () => {
    clock = new FakeClock('2026-07-15T19:46:27.123Z');
    receiver = await startReceiver<WebhookBody>();
  });

  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  describe('authentication', () => {
    it('returns 401 with "Invalid API credentials" without Basic auth or with a wrong secret', async () => {
      // Prepare
      await start();

      // Act
      const missing = await call(`${sim.baseUrl}/orders`, { auth: null });
      const wrong = await call(`${sim.baseUrl}/orders`, { auth: basic(KEY, 'nope') });
      const right = await call(`${sim.baseUrl}/orders`);

      // Assess
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ message: 'Invalid API credentials' });
      expect(wrong.status).toBe(401);
      expect(right.status).toBe(200);
      expect(sim.requests.map((request) => [request.status, request.authorized])).toEqual([
        [401, false],
        [401, false],
        [200, true],
      ]);
    });

    it('returns 401 for the current pair once the key expired', async () => {
      // Prepare
      await start();
      sim.expireKey();

      // Act
      const reply = await call(`${sim.baseUrl}/stores`);

      // Assess
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ message: 'Invalid API credentials' });
    });

    it('returns 401 for the old pair and 200 for the new one after rotateCredentials', async () => {
      // Prepare
      await start();
      sim.rotateCredentials('new-key', 'new-secret');

      // Act
      const old = await call(`${sim.baseUrl}/stores`);
      const rotated = await call(`${sim.baseUrl}/stores`, { auth: basic('new-key', 'new-secret') });

      // Assess
      expect(old.status).toBe(401);
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual(expect.arrayContaining([expect.objectContaining({ active: true, storeId: expect.any(Number) })]));
    });
  });

  describe('timestamps', () => {
    it('writes Pacific daylight time (UTC-7) wall-clock text with 7 fractional digits in July', async () => {
      // Prepare
      await start();

      // Act
      const order = sim.importOrder();
      const reply = await call(`${sim.baseUrl}/orders/${order.orderId}`);

      // Assess
      expect(reply.body).toEqual(
        expect.objectContaining({
          createDate: '2026-07-15T12:46:27.1230000',
          modifyDate: '2026-07-15T12:46:27.1230000',
          orderDate: '2026-07-15T12:46:27.1230000',
        }),
      );
    });

    it('writes Pacific standard time (UTC-8) wall-clock text in January and a Pacific shipDate', async () => {
      // Prepare
      clock.set('2026-01-15T05:30:00.000Z');
      await start();
      const order = sim.importOrder();

      // Act
      const shipment = sim.createLabel(order.orderId);
      const reply = await call(`${sim.baseUrl}/orders/${order.orderId}`);

      // Assess
      expect(shipment.createDate).toBe('2026-01-14T21:30:00.0000000');
      expect(shipment.shipDate).toBe('2026-01-14');
      expect((reply.body as SimOrder).modifyDate).toBe('2026-01-14T21:30:00.0000000');
    });
  });

  describe('GET /orders', () => {
    it('filters modifyDateStart in Pacific time and sorts by ModifyDate ascending', async () => {
      // Prepare
      await start();
      clock.set('2026-07-15T10:00:00.000Z');
      const early = sim.importOrder();
      clock.set('2026-07-15T15:00:00.000Z');
      const middle = sim.importOrder();
      clock.set('2026-07-15T16:00:00.000Z');
      const late = sim.importOrder();
      clock.set('2026-07-15T20:00:00.000Z');
      sim.setOrderStatus(middle.orderId, 'on_hold');

      // Act
      const reply = await call(`${sim.baseUrl}/orders?modifyDateStart=2026-07-15%2008:00:00&sortBy=ModifyDate&sortDir=ASC`);

      // Assess
      const body = reply.body as { orders: SimOrder[]; total: number };
      expect(body.total).toBe(2);
      expect(body.orders.map((order) => [order.orderId, order.modifyDate])).toEqual([
        [late.orderId, '2026-07-15T09:00:00.0000000'],
        [middle.orderId, '2026-07-15T13:00:00.0000000'],
      ]);
      expect(body.orders.map((order) => order.orderId)).not.toContain(early.orderId);
    });

    it('treats Start and End as inclusive and accepts the T separator with fractional seconds', async () => {
      // Prepare
      await start();
      const order = sim.importOrder();

      // Act
      const reply = await call(`${sim.baseUrl}/orders?createDateStart=2026-07-15T12:46:27.1230000&createDateEnd=2026-07-15%2012:46:27.123`);

      // Assess
      expect((reply.body as { orders: SimOrder[] }).orders.map((found) => found.orderId)).toEqual([order.orderId]);
    });

    it('returns 400 for a date filter that does not parse or an unknown status', async () => {
      // Prepare
      await start();

      // Act
      const badDate = await call(`${sim.baseUrl}/orders?modifyDateStart=yesterday`);
      const badStatus = await call(`${sim.baseUrl}/orders?orderStatus=lost`);

      // Assess
      expect(badDate.status).toBe(400);
      expect(badDate.body).toEqual({ message: expect.stringContaining('modifyDateStart') });
      expect(badStatus.status).toBe(400);
    });

    it('pages results with total and pages and rejects a pageSize above 500', async () => {
      // Prepare
      await start();
      const orders = sim.importOrders([{}, {}, {}, {}, {}]);

      // Act
      const third = await call(`${sim.baseUrl}/orders?pageSize=2&page=3`);
      const max = await call(`${sim.baseUrl}/orders?pageSize=500`);
      const tooBig = await call(`${sim.baseUrl}/orders?pageSize=501`);

      // Assess
      expect(third.body).toEqual({ orders: [expect.objectContaining({ orderId: orders[4]?.orderId })], total: 5, page: 3, pages: 3 });
      expect((max.body as { orders: SimOrder[] }).orders).toHaveLength(5);
      expect(tooBig.status).toBe(400);
      expect(tooBig.body).toEqual({ message: 'pageSize must be 500 or less' });
    });

    it('filters by orderStatus, orderNumber prefix and storeId', async () => {
      // Prepare
      await start();
      const [held, normal] = sim.importOrders([{ orderNumber: 'WEB-1' }, { orderNumber: 'POS-1', storeId: 310002 }]);
      sim.setOrderStatus(held?.orderId ?? 0, 'on_hold');

      // Act
      const byStatus = await call(`${sim.baseUrl}/orders?orderStatus=on_hold`);
      const byNumber = await call(`${sim.baseUrl}/orders?orderNumber=pos`);
      const byStore = await call(`${sim.baseUrl}/orders?storeId=310002`);

      // Assess
      const ids = (reply: Reply): number[] => (reply.body as { orders: SimOrder[] }).orders.map((order) => order.orderId);
      expect(ids(byStatus)).toEqual([held?.orderId]);
      expect(ids(byNumber)).toEqual([normal?.orderId]);
      expect(ids(byStore)).toEqual([normal?.orderId]);
    });

    it('answers 404 for an unknown order and an unknown path', async () => {
      // Prepare
      await start();

      // Act
      const order = await call(`${sim.baseUrl}/orders/42`);
      const path = await call(`${sim.baseUrl}/products/nowhere`);

      // Assess
      expect(order.status).toBe(404);
      expect(path.status).toBe(404);
    });
  });

  describe('orders', () => {
    it('creates deterministic, realistic default orders', async () => {
      // Prepare
      await start();

      // Act
      const order = sim.importOrder();

      // Assess
      expect(order).toEqual(
        expect.objectContaining({
          orderId: 100001,
          orderStatus: 'awaiting_shipment',
          customerEmail: 'customer100001@example.com',
          shipTo: expect.objectContaining({ country: 'US', phone: '(415) 555-0101', name: expect.any(String) }),
        }),
      );
      expect(order.items.length).toBeGreaterThanOrEqual(1);
      expect(order.items.length).toBeLessThanOrEqual(3);
      expect(order.items[0]).toEqual(expect.objectContaining({ sku: expect.any(String), imageUrl: expect.any(String), adjustment: false }));
      const again = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, now: clock.now });
      const twin = again.importOrder();
      await again.close();
      expect(twin).toEqual(order);
    });

    it('dates order lines with at most three fractional digits and holdUntilDate as a day, as real orders do', async () => {
      // Prepare
      clock.set('2026-07-15T19:46:27.100Z');
      await start();

      // Act
      const order = sim.importOrder({ holdUntilDate: '2026-07-20 00:00:00', shipByDate: '2026-07-18' });

      // Assess
      expect(order.createDate).toBe('2026-07-15T12:46:27.1000000');
      expect(order.items[0]).toMatchObject({ createDate: '2026-07-15T12:46:27.1', modifyDate: '2026-07-15T12:46:27.1' });
      expect(order).toMatchObject({ holdUntilDate: '2026-07-20', shipByDate: '2026-07-18T00:00:00.0000000' });
    });
  });

  describe('rate limit', () => {
    it('returns 429 with X-Rate-Limit-Reset once 40 requests were made in the minute', async () => {
      // Prepare
      await start();
      const first = await call(`${sim.baseUrl}/stores`);
      for (let i = 2; i <= 39; i++) await call(`${sim.baseUrl}/stores`, { auth: i % 2 === 0 ? null : undefined });
      clock.advance(15_000);
      const fortieth = await call(`${sim.baseUrl}/nowhere`);

      // Act
      const limited = await call(`${sim.baseUrl}/stores`);

      // Assess
      expect(first.headers.get('x-rate-limit-limit')).toBe('40');
      expect(first.headers.get('x-rate-limit-remaining')).toBe('39');
      expect(first.headers.get('x-rate-limit-reset')).toBe('60');
      expect(fortieth.status).toBe(404);
      expect(fortieth.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ message: 'Too Many Requests' });
      expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(limited.headers.get('x-rate-limit-reset')).toBe('45');
    });

    it('opens a new window once the minute since its first request has passed', async () => {
      // Prepare
      await start({ rateLimitPerMinute: 2 });
      await call(`${sim.baseUrl}/stores`);
      await call(`${sim.baseUrl}/stores`);
      const limited = await call(`${sim.baseUrl}/stores`);
      clock.advance(60_000);

      // Act
      const reply = await call(`${sim.baseUrl}/stores`);

      // Assess
      expect(limited.status).toBe(429);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-rate-limit-limit')).toBe('2');
      expect(reply.headers.get('x-rate-limit-remaining')).toBe('1');
    });
  });

  describe('webhooks', () => {
    it('sends one ORDER_NOTIFY per import batch whose resource_url returns exactly those orders', async () => {
      // Prepare
      await start();
      await subscribe('ORDER_NOTIFY', '/hook');
      sim.importOrder();

      // Act
      const batch = sim.importOrders([{}, { status: 'awaiting_payment' }]);
      await sim.flushWebhooks();

      // Assess
      expect(receiver.received).toHaveLength(2);
      const notice = receiver.received[1]?.body;
      expect(notice?.resource_type).toBe('ORDER_NOTIFY');
      expect(notice?.resource_url).toMatch(new RegExp(`^${sim.baseUrl}/orders\\?importBatch=[0-9a-f-]{36}$`));
      const reply = await call(notice?.resource_url ?? '');
      expect((reply.body as { orders: SimOrder[] }).orders.map((order) => order.orderId)).toEqual(batch.map((order) => order.orderId));
    });

    it('sends no ORDER_NOTIFY for a batch that is all awaiting payment, and one when such an order gets paid', async () => {
      // Prepare
      await start();
      await subscribe('ORDER_NOTIFY', '/hook');
      const unpaid = sim.importOrder({ status: 'awaiting_payment' });
      await sim.flushWebhooks();
      const before = receiver.received.length;

      // Act
      sim.setOrderStatus(unpaid.orderId, 'awaiting_shipment');
      sim.setOrderStatus(unpaid.orderId, 'on_hold');
      await sim.flushWebhooks();

      // Assess
      expect(before).toBe(0);
      expect(receiver.received).toHaveLength(1);
      const reply = await call(receiver.received[0]?.body.resource_url ?? '');
      expect((reply.body as { orders: SimOrder[] }).orders).toEqual([expect.objectContaining({ orderId: unpaid.orderId, orderStatus: 'on_hold' })]);
    });

    it('sends SHIP_NOTIFY for a label and includeShipmentItems toggles the items', async () => {
      // Prepare
      await start();
      await subscribe('SHIP_NOTIFY', '/ship');
      await subscribe('ITEM_SHIP_NOTIFY', '/item-ship');
      const order = sim.importOrder();

      // Act
      const shipment = sim.createLabel(order.orderId, { carrierCode: 'ups' });
      await sim.flushWebhooks();

      // Assess
      const ship = receiver.received.find((hook) => hook.path === '/ship')?.body;
      expect(ship?.resource_type).toBe('SHIP_NOTIFY');
      expect(ship?.resource_url).toMatch(/\/shipments\?batchId=\d+&includeShipmentItems=False$/);
      const thin = await call(ship?.resource_url ?? '');
      const withItems = await call((ship?.resource_url ?? '').replace('False', 'True'));
      const thinShipments = (thin.body as { shipments: SimShipment[]; total: number }).shipments;
      expect(thinShipments).toEqual([
        expect.objectContaining({ shipmentId: shipment.shipmentId, trackingNumber: shipment.trackingNumber, shipmentItems: null }),
      ]);
      expect((withItems.body as { shipments: SimShipment[] }).shipments[0]?.shipmentItems).toEqual(
        order.items.map(({ orderItemId, sku, quantity, unitPrice }) => expect.objectContaining({ orderItemId, sku, quantity, unitPrice })),
      );
      expect(receiver.received.find((hook) => hook.path === '/item-ship')?.body.resource_url).toMatch(/includeShipmentItems=True$/);
      expect(sim.getOrder(order.orderId)).toEqual(expect.objectContaining({ orderStatus: 'shipped', carrierCode: 'ups' }));
    });

    it('voids a label without a webhook and puts the order back to awaiting_shipment', async () => {
      // Prepare
      await start();
      const order = sim.importOrder();
      const shipment = sim.createLabel(order.orderId);
      await subscribe('SHIP_NOTIFY', '/ship');
      clock.advance(3_600_000);

      // Act
      sim.voidLabel(shipment.shipmentId);
      await sim.flushWebhooks();
      const reply = await call(`${sim.baseUrl}/shipments?voidDateStart=2026-07-15%2013:00:00`);

      // Assess
      expect(receiver.received).toHaveLength(0);
      expect((reply.body as { shipments: SimShipment[] }).shipments).toEqual([
        expect.objectContaining({ voided: true, voidDate: '2026-07-15T13:46:27.1230000' }),
      ]);
      expect(sim.getOrder(order.orderId).orderStatus).toBe('awaiting_shipment');
    });

    it('records a fulfillment for markAsShipped without sending any webhook', async () => {
      // Prepare
      await start();
      for (const event of ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED']) await subscribe(event, '/all');
      const order = sim.importOrder();
      await sim.flushWebhooks();
      const afterImport = receiver.received.length;

      // Act
      const fulfillment = sim.markAsShipped(order.orderId, { carrierCode: 'usps', trackingNumber: '9400111899223344556677' });
      await sim.flushWebhooks();
      const reply = await call(`${sim.baseUrl}/fulfillments?orderId=${order.orderId}`);

      // Assess
      expect(receiver.received).toHaveLength(afterImport);
      expect(reply.body).toEqual({
        fulfillments: [
          expect.objectContaining({
            fulfillmentId: fulfillment.fulfillmentId,
            orderId: order.orderId,
            trackingNumber: '9400111899223344556677',
            customerEmail: order.customerEmail,
          }),
        ],
        total: 1,
        page: 1,
        pages: 1,
      });
      expect(sim.getOrder(order.orderId).orderStatus).toBe('shipped');
    });

    it('sends FULFILLMENT_SHIPPED and FULFILLMENT_REJECTED with resource URLs the API answers', async () => {
      // Prepare
      await start();
      await subscribe('FULFILLMENT_SHIPPED', '/shipped');
      await subscribe('FULFILLMENT_REJECTED', '/rejected');
      const [shipped, rejected] = sim.importOrders([{ status: 'pending_fulfillment' }, { status: 'pending_fulfillment' }]);

      // Act
      sim.fulfillmentProviderShipped(shipped?.orderId ?? 0);
      sim.fulfillmentProviderRejected(rejected?.orderId ?? 0);
      await sim.flushWebhooks();

      // Assess
      const urlFor = (path: string): string => receiver.received.find((hook) => hook.path === path)?.body.resource_url ?? '';
      const fulfillments = await call(urlFor('/shipped'));
      const orders = await call(urlFor('/rejected'));
      expect((fulfillments.body as { fulfillments: unknown[] }).fulfillments).toEqual([
        expect.objectContaining({ orderId: shipped?.orderId, fulfillmentProviderCode: 'amazon_fba' }),
      ]);
      expect((orders.body as { orders: SimOrder[] }).orders).toEqual([
        expect.objectContaining({ orderId: rejected?.orderId, orderStatus: 'rejected_fulfillment' }),
      ]);
    });

    it('delivers each webhook POST 3 times when webhookDeliveries is 3', async () => {
      // Prepare
      await start({ webhookDeliveries: 3 });
      await subscribe('ORDER_NOTIFY', '/hook');

      // Act
      sim.importOrder();
      await sim.flushWebhooks();

      // Assess
      expect(receiver.received).toHaveLength(3);
      expect(new Set(receiver.received.map((hook) => hook.body.resource_url)).size).toBe(1);
    });

    it('only delivers to a store-scoped subscription for orders of that store', async () => {
      // Prepare
      await start();
      await subscribe('ORDER_NOTIFY', '/manual', 310002);

      // Act
      sim.importOrder({ storeId: 310001 });
      sim.importOrder({ storeId: 310002 });
      await sim.flushWebhooks();

      // Assess
      expect(receiver.received).toHaveLength(1);
    });

    it('reports delivery failures to onWebhookError', async () => {
      // Prepare
      const errors: unknown[] = [];
      await start({ onWebhookError: (err) => errors.push(err) });
      await receiver.close();
      await subscribe('ORDER_NOTIFY', '/gone');
      receiver = await startReceiver<WebhookBody>();

      // Act
      sim.importOrder();
      await sim.flushWebhooks();

      // Assess
      expect(errors).toHaveLength(1);
    });

    it('subscribes, lists and deletes webhooks', async () => {
      // Prepare
      await start();
      const id = await subscribe('SHIP_NOTIFY', '/ship', 310001);

      // Act
      const listed = await call(`${sim.baseUrl}/webhooks`);
      const deleted = await call(`${sim.baseUrl}/webhooks/${id}`, { method: 'DELETE' });
      const deletedAgain = await call(`${sim.baseUrl}/webhooks/${id}`, { method: 'DELETE' });
      const after = await call(`${sim.baseUrl}/webhooks`);

      // Assess
      expect(listed.body).toEqual({
        webhooks: [
          expect.objectContaining({
            WebHookID: id,
            StoreID: 310001,
            HookType: 'SHIP_NOTIFY',
            MessageFormat: 'Json',
            Url: `${receiver.url}/ship`,
            Name: 'SHIP_NOTIFY hook',
            Active: true,
            IsLabelAPIHook: false,
          }),
        ],
      });
      expect(deleted.status).toBe(200);
      expect(deletedAgain.status).toBe(404);
      expect(after.body).toEqual({ webhooks: [] });
      expect(sim.webhookTargets()).toEqual([]);
    });

    it('returns 400 when subscribing without target_url or with an unknown event', async () => {
      // Prepare
      await start();

      // Act
      const noTarget = await call(`${sim.baseUrl}/webhooks/subscribe`, { method: 'POST', body: { event: 'SHIP_NOTIFY' } });
      const badEvent = await call(`${sim.baseUrl}/webhooks/subscribe`, {
        method: 'POST',
        body: { target_url: `${receiver.url}/x`, event: 'ORDER_SHIPPED' },
      });

      // Assess
      expect(noTarget.status).toBe(400);
      expect(badEvent.status).toBe(400);
      expect(sim.webhookTargets()).toEqual([]);
    });
  });

  describe('labels', () => {
    it("copies the order's customerEmail by default, writes null when asked, and leaves the key out for 'absent'", async () => {
      // Prepare
      await start();
      const order = sim.importOrder();

      // Act
      const copied = sim.createLabel(order.orderId);
      const nulled = sim.createLabel(order.orderId, { customerEmail: null });
      const absent = sim.createLabel(order.orderId, { customerEmail: 'absent' });
      const listed = await call(`${sim.baseUrl}/shipments?orderId=${order.orderId}`);

      // Assess
      expect(copied.customerEmail).toBe(order.customerEmail);
      expect(nulled).toHaveProperty('customerEmail', null);
      expect(absent).not.toHaveProperty('customerEmail');
      const rows = (listed.body as { shipments: SimShipment[] }).shipments;
      expect(rows.map((row) => ('customerEmail' in row ? row.customerEmail : 'no key'))).toEqual([order.customerEmail, null, 'no key']);
    });

    it("lists a label's lines and advancedOptions with the docs' keys only, and a batchNumber", async () => {
      // Prepare
      await start();
      const order = sim.importOrder();

      // Act
      const shipment = sim.createLabel(order.orderId);

      // Assess
      expect(Object.keys(shipment.advancedOptions).sort()).toEqual(['billToAccount', 'billToCountryCode', 'billToParty', 'billToPostalCode', 'storeId']);
      expect(Object.keys(shipment.shipmentItems?.[0] ?? {}).sort()).toEqual([
        'fulfillmentSku',
        'imageUrl',
        'lineItemKey',
        'name',
        'options',
        'orderItemId',
        'productId',
        'quantity',
        'sku',
        'unitPrice',
        'warehouseLocation',
        'weight',
      ]);
      expect(shipment.batchNumber).toMatch(/^\d{6}$/);
    });

    it("defaults to the carrier's international service when the order ships abroad", async () => {
      // Prepare
      await start();
      const london = sim.importOrder({ shipTo: { city: 'London', state: '', postalCode: 'NW1 7JE', country: 'GB' } });
      const toronto = sim.importOrder({ shipTo: { city: 'Toronto', state: 'ON', postalCode: 'M5V 1J5', country: 'CA' } });

      // Act
      const services = [
        sim.createLabel(london.orderId).serviceCode,
        sim.createLabel(london.orderId, { carrierCode: 'fedex' }).serviceCode,
        sim.createLabel(toronto.orderId, { carrierCode: 'ups_walleted' }).serviceCode,
        sim.createLabel(sim.importOrder().orderId, { carrierCode: 'fedex' }).serviceCode,
      ];

      // Assess
      expect(services).toEqual(['usps_priority_mail_international', 'fedex_international_priority', 'ups_standard_international', 'fedex_ground']);
    });
  });

  describe('fulfillments', () => {
    it('names the carrier in free text, "USPS" for Mark as Shipped and "UPS" for a provider, shipDate at midnight', async () => {
      // Prepare
      await start();
      const [marked, provided, typed] = sim.importOrders([{}, { status: 'pending_fulfillment' }, {}]);

      // Act
      const byMerchant = sim.markAsShipped(marked?.orderId ?? 0);
      const byProvider = sim.fulfillmentProviderShipped(provided?.orderId ?? 0);
      const withFedEx = sim.markAsShipped(typed?.orderId ?? 0, { carrierCode: 'FedEx' });

      // Assess
      expect([byMerchant.carrierCode, byProvider.carrierCode, withFedEx.carrierCode]).toEqual(['USPS', 'UPS', 'FedEx']);
      expect(byMerchant.shipDate).toBe('2026-07-15T00:00:00.0000000');
      expect(byMerchant.trackingNumber).toMatch(/^9400/);
      expect(byProvider.trackingNumber).toMatch(/^1Z/);
      expect(withFedEx.trackingNumber).toMatch(/^77/);
      expect(sim.getOrder(marked?.orderId ?? 0)).toMatchObject({ orderStatus: 'shipped', shipDate: '2026-07-15', carrierCode: null });
    });

    it("gives only a provider's row the sellerFillProvider keys, as the docs' two rows differ", async () => {
      // Prepare
      await start();
      const [marked, provided] = sim.importOrders([{}, { status: 'pending_fulfillment' }]);
      sim.markAsShipped(marked?.orderId ?? 0);
      sim.fulfillmentProviderShipped(provided?.orderId ?? 0);

      // Act
      const reply = await call(`${sim.baseUrl}/fulfillments`);

      // Assess
      const [mine, theirs] = (reply.body as { fulfillments: SimFulfillment[] }).fulfillments;
      expect(mine).not.toHaveProperty('sellerFillProviderId');
      expect(mine).not.toHaveProperty('sellerFillProviderName');
      expect(theirs).toMatchObject({ sellerFillProviderId: expect.any(Number), sellerFillProviderName: 'Amazon FBA' });
      expect(sim.getOrder(provided?.orderId ?? 0)).toMatchObject({ externallyFulfilled: true, externallyFulfilledByName: 'Amazon FBA' });
    });

    it('records a row without carrier or tracking number, shipped at a time of day, as a recorded row has it', async () => {
      // Prepare
      await start();
      const order = sim.importOrder();

      // Act
      const fulfillment = sim.markAsShipped(order.orderId, { carrierCode: null, trackingNumber: '', shipDate: clock.now() });

      // Assess
      expect(fulfillment).toMatchObject({ carrierCode: null, trackingNumber: '', shipDate: '2026-07-15T12:46:27.1230000' });
    });
  });

  describe('GET /carriers', () => {
    it('lists the carrier accounts the labels use, as the V1 docs list them', async () => {
      // Prepare
      await start();

      // Act
      const reply = await call(`${sim.baseUrl}/carriers`);

      // Assess
      expect(reply.status).toBe(200);
      const carriers = reply.body as { code: string; primary: boolean }[];
      expect(carriers.map((c) => [c.code, c.primary])).toEqual([
        ['stamps_com', true],
        ['stamps_com', false],
        ['ups', true],
        ['ups_walleted', true],
        ['fedex', true],
      ]);
    });

    it("lists a carrier's services with their display names, any case of carrierCode", async () => {
      // Prepare
      await start();

      // Act
      const fedex = await call(`${sim.baseUrl}/carriers/listservices?carrierCode=fedex`);
      const stamps = await call(`${sim.baseUrl}/carriers/listservices?carriercode=STAMPS_COM`);

      // Assess
      const fedexServices = fedex.body as SimCarrierService[];
      expect(fedexServices).toHaveLength(19);
      expect(fedexServices[0]).toEqual({ carrierCode: 'fedex', code: 'fedex_ground', name: 'FedEx Ground®', domestic: true, international: false });
      expect(fedexServices.find((s) => s.code === 'fedex_2day_am')?.name).toBe('FedEx 2Day® A.M.');
      expect((stamps.body as SimCarrierService[]).slice(0, 3).map((s) => [s.carrierCode, s.code, s.name])).toEqual([
        ['stamps_com', 'usps_first_class_mail', 'USPS First Class Mail'],
        ['stamps_com', 'usps_media_mail', 'USPS Media Mail'],
        ['stamps_com', 'usps_parcel_select', 'USPS Parcel Select Ground'],
      ]);
    });

    it('answers an empty list for an unknown or missing carrierCode', async () => {
      // Prepare
      await start();

      // Act
      const unknown = await call(`${sim.baseUrl}/carriers/listservices?carrierCode=pigeon_post`);
      const missing = await call(`${sim.baseUrl}/carriers/listservices`);

      // Assess
      expect([unknown.status, unknown.body]).toEqual([200, []]);
      expect([missing.status, missing.body]).toEqual([200, []]);
    });

    it('counts carrier requests against the V1 rate limit and refuses them without credentials', async () => {
      // Prepare
      await start({ rateLimitPerMinute: 2 });

      // Act
      const first = await call(`${sim.baseUrl}/carriers`);
      const refused = await call(`${sim.baseUrl}/carriers/listservices?carrierCode=ups`, { auth: null });
      const limited = await call(`${sim.baseUrl}/carriers/listservices?carrierCode=ups`);

      // Assess
      expect([first.status, refused.status, limited.status]).toEqual([200, 401, 429]);
      expect(first.headers.get('x-rate-limit-remaining')).toBe('1');
    });
  });

  describe('fault injection', () => {
    it('answers failNext requests with the status and the .NET error body, then recovers', async () => {
      // Prepare
      await start();
      sim.failNext(1);
      sim.failNext(1, 503);

      // Act
      const first = await call(`${sim.baseUrl}/orders`);
      const second = await call(`${sim.baseUrl}/orders`);
      const third = await call(`${sim.baseUrl}/orders`);

      // Assess
      expect(first.status).toBe(500);
      expect(first.body).toEqual({
        Message: 'An error has occurred.',
        ExceptionMessage: expect.any(String),
        ExceptionType: expect.any(String),
      });
      expect(first.headers.get('x-rate-limit-remaining')).toBe('39');
      expect(second.status).toBe(503);
      expect(third.status).toBe(200);
    });

    it('never answers hangNext requests while later requests are served', async () => {
      // Prepare
      await start();
      sim.hangNext(1);
      const hung = fetch(`${sim.baseUrl}/orders`, { headers: { Authorization: basic(KEY, SECRET) } }).then(
        () => 'answered',
        () => 'dropped',
      );
      while (sim.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));

      // Act
      const served = await call(`${sim.baseUrl}/orders`);
      const raced = await Promise.race([hung, Promise.resolve('pending')]);
      await sim.close();

      // Assess
      expect(served.status).toBe(200);
      expect(raced).toBe('pending');
      expect(await hung).toBe('dropped');
      expect(sim.requests[0]?.status).toBe(0);
    });
  });
});
