// The simulator's V1 records held to real payloads (test/fixtures/shipstation, sources in its SOURCES.md): each has every
// key the real record has, no key no real record has (unless EXTRA_KEYS names a real source that has it), the real
// record's JSON type wherever the real value is non-null, and the real timestamp formats. Then the shop history (the
// data of `npm start` and the benchmarks): it really produces the shapes real orders, labels and fulfilments have.
import { isDeliverableEmail, isPlaceholderName } from '../../lib/domain/contact.js';
import { buildShopHistory } from '../../lib/local/simulators/shop-history.js';
import type { ShopHistory } from '../../lib/local/simulators/shop-history.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import type { SimCarrierService, SimFulfillment, SimOrder, SimShipment } from '../../lib/local/simulators/shipstation-simulator.js';
import { fixture } from '../helpers/fixture-server.js';

const KEY = 'shape-key';
const SECRET = 'shape-secret';
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const END = new Date('2026-11-20T18:00:00.000Z');

type JsonType = 'null' | 'string' | 'number' | 'boolean' | 'array' | 'object';

/** What the real records show at one path (`shipTo.phone`, `items[].weight`): keys, JSON types, timestamp formats. */
interface Seen {
  keys: Set<string>;
  types: Set<JsonType>;
  formats: Set<string>;
}

/**
 * Keys the simulator writes that the real records of that kind lack, each with the real source that has it.
 */
const EXTRA_KEYS: Readonly<Record<string, string>> = {
  // The Weight model: recorded orders' and labels' weights carry WeightUnits (agritheory/get_order.json,
  // agritheory/list_shipments.json); the docs' order lines show theirs without it, recorded lines are empty or null.
  'items[].weight.WeightUnits': 'agritheory/get_order.json weight.WeightUnits',
  'shipmentItems[].weight.WeightUnits': 'agritheory/list_shipments.json weight.WeightUnits',
};

/**
 * Paths where the simulator writes null though no fixture shows null there, each with a real payload that does. (A null
 * is otherwise accepted where some fixture has null under the same key name, whatever the record: V1 models share
 * their nullable fields, e.g. an Address's `state` or a `customerEmail`.)
 */
const NULLABLE: Readonly<Record<string, string>> = {
  // A recorded 2024 Shopify order awaiting shipment (ShipStation List Orders, logged in a SvelteKit webhook handler,
  // index id 4597207093): `"shipDate": null`, `"externallyFulfilledById": null`, `"externallyFulfilledByName": null`.
  shipDate: 'index id 4597207093',
  externallyFulfilledById: 'index id 4597207093',
  externallyFulfilledByName: 'index id 4597207093',
};

const typeOf = (value: unknown): JsonType => (value === null ? 'null' : Array.isArray(value) ? 'array' : (typeof value as JsonType));

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.(\d+))?)?$/;

/** The timestamp format of a text, or undefined when it is not a timestamp. */
function formatOf(text: string): string | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  if (!text.includes('T')) return 'date only';
  const digits = (match[1] ?? '').length;
  return digits === 7 ? 'time, 7 fractional digits' : digits <= 3 ? 'time, 0 to 3 fractional digits' : `time, ${digits} fractional digits`;
}

/** Everything the real records show, by path (array elements under `path[]`). */
function profile(records: unknown[]): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  const at = (path: string): Seen => {
    let entry = seen.get(path);
    if (entry === undefined) {
      entry = { keys: new Set(), types: new Set(), formats: new Set() };
      seen.set(path, entry);
    }
    return entry;
  };
  const walk = (value: unknown, path: string): void => {
    const entry = at(path);
    entry.types.add(typeOf(value));
    if (typeof value === 'string') {
      const format = formatOf(value);
      if (format !== undefined) entry.formats.add(format);
    } else if (Array.isArray(value)) {
      for (const element of value) walk(element, `${path}[]`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        entry.keys.add(key);
        walk(child, path === '' ? key : `${path}.${key}`);
      }
    }
  };
  for (const record of records) walk(record, '');
  return seen;
}

/**
 * How a simulator record differs from real ones: keys any of `required` has and it lacks, keys none of `allowed` has
 * (EXTRA_KEYS aside), a JSON type the real values never have where they are non-null, a timestamp format they never
 * have. `required` are the real records of the same variant (a "Mark as Shipped" row, a label row without email…).
 */
function shapeProblems(record: unknown, required: unknown[], allowed: unknown[]): string[] {
  const must = profile(required);
  const may = profile([...required, ...allowed]);
  const problems: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const real = may.get(path);
    if (real === undefined) return;
    const type = typeOf(value);
    const nullable = type === 'null' && (NULLED_KEYS.has(path.split('.').at(-1) ?? '') || NULLABLE[path] !== undefined);
    const nonNull = [...real.types].filter((t) => t !== 'null');
    if (nonNull.length > 0 && !real.types.has(type) && !nullable) problems.push(`${path}: ${type}, real ${[...real.types].join(' or ')}`);
    if (typeof value === 'string' && real.formats.size > 0) {
      const format = formatOf(value) ?? 'not a timestamp';
      if (!real.formats.has(format)) problems.push(`${path}: "${value}" is ${format}, real ${[...real.formats].join(' or ')}`);
    }
    if (Array.isArray(value)) {
      for (const element of value) walk(element, `${path}[]`);
      return;
    }
    if (type !== 'object' || real.keys.size === 0) return;
    const keys = Object.keys(value as object);
    const name = (key: string): string => (path === '' ? key : `${path}.${key}`);
    for (const key of must.get(path)?.keys ?? []) if (!keys.includes(key)) problems.push(`missing ${name(key)}`);
    for (const key of keys) if (!real.keys.has(key) && EXTRA_KEYS[name(key)] === undefined) problems.push(`extra ${name(key)}`);
    for (const key of keys) walk((value as Record<string, unknown>)[key], name(key));
  };
  walk(record, '');
  return problems;
}

/** A list page with its records left out, to compare the envelope. */
const envelope = (page: Record<string, unknown>, list: string): Record<string, unknown> => ({ ...page, [list]: [] });

const recordsOf = <T>(path: string, list: string): T[] => (fixture(path) as Record<string, T[]>)[list] as T[];

const REAL_ORDERS = [
  fixture('compwright/GetOrderResponse.json'),
  fixture('compwright/CreateOrderResponse.json'),
  ...recordsOf('compwright/ListOrdersResponse.json', 'orders'),
  fixture('agritheory/get_order.json'),
  ...recordsOf('agritheory/list_orders.json', 'orders'),
  fixture('agritheory/create_order_response_customerEmail_null.json'),
  fixture('skuvault-integrations/order_148363009_customerEmail_1at1.json'),
];
const DOCS_SHIPMENTS = [...recordsOf('v1-docs/list_shipments.json', 'shipments'), ...recordsOf('johnhamelink/list_shipments_apiary_2017.json', 'shipments')];
const RECORDED_SHIPMENTS = recordsOf('agritheory/list_shipments.json', 'shipments');
const [DOCS_MARKED, DOCS_PROVIDER] = recordsOf<Record<string, unknown>>('v1-docs/list_fulfillments.json', 'fulfillments');
const RECORDED_FULFILLMENTS = recordsOf<Record<string, unknown>>('agritheory/list_fulfillments.json', 'fulfillments');
const REAL_PAGES = {
  orders: [fixture('compwright/ListOrdersResponse.json'), fixture('agritheory/list_orders.json')],
  shipments: [fixture('v1-docs/list_shipments.json'), fixture('agritheory/list_shipments.json'), fixture('johnhamelink/list_shipments_apiary_2017.json')],
  fulfillments: [fixture('v1-docs/list_fulfillments.json'), fixture('agritheory/list_fulfillments.json')],
};
const REAL_SERVICES = [...fixture<unknown[]>('v1-docs/list_services_fedex.json'), ...fixture<unknown[]>('agritheory/list_services_stamps_com.json')];
const REAL_STORES = fixture<unknown[]>('agritheory/list_stores.json');
const REAL_CARRIERS = [...fixture<unknown[]>('v1-docs/list_carriers.json'), ...fixture<unknown[]>('agritheory/list_carriers.json')];

/** Key names some V1 fixture has null for, in any record. */
const NULLED_KEYS = new Set(
  [
    ...profile([
      ...REAL_ORDERS,
      ...DOCS_SHIPMENTS,
      ...RECORDED_SHIPMENTS,
      DOCS_MARKED,
      DOCS_PROVIDER,
      ...RECORDED_FULFILLMENTS,
      ...REAL_STORES,
      ...REAL_CARRIERS,
    ]),
  ]
    .filter(([, seen]) => seen.types.has('null'))
    .map(([path]) => path.split('.').at(-1) ?? ''),
);

class Clock {
  private current = new Date(END.getTime() - 40 * 86_400_000);

  readonly now = (): Date => new Date(this.current.getTime());

  set(at: Date): void {
    this.current = new Date(at.getTime());
  }
}

async function get<T>(sim: ShipStationSimulator, path: string): Promise<T> {
  const response = await fetch(`${sim.baseUrl}${path}`, { headers: { Authorization: AUTH } });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Every page of a listing (500 a page). */
async function all<T>(sim: ShipStationSimulator, resource: 'orders' | 'shipments' | 'fulfillments', query = ''): Promise<T[]> {
  const rows: T[] = [];
  for (let page = 1; ; page++) {
    const body = await get<Record<string, unknown> & { pages: number }>(sim, `/${resource}?pageSize=500&page=${page}${query}`);
    rows.push(...(body[resource] as T[]));
    if (page >= body.pages) return rows;
  }
}

describe('simulator shapes', () => {
  let sim: ShipStationSimulator;
  let history: ShopHistory;
  let orders: SimOrder[];
  let shipments: SimShipment[];
  let fulfillments: SimFulfillment[];

  beforeAll(async () => {
    const clock = new Clock();
    sim = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, now: clock.now, rateLimitPerMinute: 100_000 });
    history = buildShopHistory(sim, clock, { orders: 600, days: 30, end: END, seed: 11 });
    orders = await all<SimOrder>(sim, 'orders');
    shipments = await all<SimShipment>(sim, 'shipments', '&includeShipmentItems=true');
    fulfillments = await all<SimFulfillment>(sim, 'fulfillments');
  });

  afterAll(async () => {
    await sim.close();
  });

  describe('against real payloads', () => {
    it('finds a missing key, an extra key, a wrong type and a wrong timestamp format (the check itself)', () => {
      // Prepare
      const real = fixture('compwright/GetOrderResponse.json');
      const missing = Object.fromEntries(Object.entries(real).filter(([key]) => key !== 'customerEmail'));
      const broken = {
        ...missing,
        couponCode: 'X',
        orderTotal: '194.43',
        createDate: '2015-07-16T14:00:34.823Z',
        shipTo: { ...(real.shipTo as object), country: 1 },
      };

      // Act
      const problems = shapeProblems(broken, [real], []);

      // Assess
      expect(problems).toEqual(
        expect.arrayContaining([
          'missing customerEmail',
          'extra couponCode',
          'orderTotal: string, real number',
          'createDate: "2015-07-16T14:00:34.823Z" is not a timestamp, real time, 7 fractional digits',
          'shipTo.country: number, real string',
        ]),
      );
      expect(problems).toHaveLength(5);
      expect(shapeProblems(real, [real], [])).toEqual([]);
    });

    it("writes orders with the keys, types and timestamp formats of the docs' and recorded orders", () => {
      // Prepare
      const dated = sim.importOrder({ shipByDate: '2026-11-27 00:00:00', holdUntilDate: '2026-11-24 00:00:00', status: 'awaiting_shipment' });

      // Act
      const problems = [...orders, sim.getOrder(dated.orderId)].map((order) => shapeProblems(order, REAL_ORDERS, []));

      // Assess
      expect([...new Set(problems.flat())]).toEqual([]);
      expect(sim.getOrder(dated.orderId)).toMatchObject({ shipByDate: '2026-11-27T00:00:00.0000000', holdUntilDate: '2026-11-24' });
    });

    it("writes labels like the docs' row when the row has no customerEmail, and like recorded rows otherwise", async () => {
      // Prepare
      const thin = (await get<{ shipments: SimShipment[] }>(sim, '/shipments?pageSize=50')).shipments;

      // Act
      const problems = [...shipments, ...thin].map((shipment) =>
        shapeProblems(shipment, 'customerEmail' in shipment ? [...DOCS_SHIPMENTS, ...RECORDED_SHIPMENTS] : DOCS_SHIPMENTS, RECORDED_SHIPMENTS),
      );

      // Assess
      expect([...new Set(problems.flat())]).toEqual([]);
      expect(shipments.every((s) => /^\d{4}-\d{2}-\d{2}$/.test(s.shipDate))).toBe(true);
      // No real label shows a voidDate: it is written like createDate.
      const voided = shipments.filter((s) => s.voided);
      expect(voided.length).toBeGreaterThan(0);
      expect(voided.every((s) => formatOf(s.voidDate ?? '') === 'time, 7 fractional digits')).toBe(true);
    });

    it('writes "Mark as Shipped" rows like the docs\' first row and recorded rows, provider rows like the docs\' second', () => {
      // Act
      const problems = fulfillments.map((f) =>
        'sellerFillProviderName' in f
          ? shapeProblems(f, [DOCS_PROVIDER], [DOCS_MARKED, ...RECORDED_FULFILLMENTS])
          : shapeProblems(f, [DOCS_MARKED, ...RECORDED_FULFILLMENTS], [DOCS_PROVIDER]),
      );

      // Assess
      expect([...new Set(problems.flat())]).toEqual([]);
      expect(fulfillments.some((f) => 'sellerFillProviderName' in f)).toBe(true);
      expect(fulfillments.some((f) => !('sellerFillProviderId' in f))).toBe(true);
      const voided = fulfillments.filter((f) => f.voided);
      expect(voided.length).toBeGreaterThan(0);
      expect(voided.every((f) => formatOf(f.voidDate ?? '') === 'time, 7 fractional digits')).toBe(true);
    });

    it('pages orders, labels and fulfilments in the envelope real lists have', async () => {
      // Act
      const problems = await Promise.all(
        (['orders', 'shipments', 'fulfillments'] as const).map(async (list) => {
          const page = await get<Record<string, unknown>>(sim, `/${list}?pageSize=2&page=2`);
          return shapeProblems(
            envelope(page, list),
            REAL_PAGES[list].map((real) => envelope(real, list)),
            [],
          );
        }),
      );

      // Assess
      expect(problems.flat()).toEqual([]);
    });

    it('lists stores like a recorded GET /stores: blank text as "", dates with at most three fractional digits', async () => {
      // Act
      const stores = await get<unknown[]>(sim, '/stores');

      // Assess
      expect(stores.length).toBeGreaterThan(0);
      expect(stores.flatMap((store) => shapeProblems(store, REAL_STORES, []))).toEqual([]);
    });

    it('lists webhooks as {webhooks: [...]} and answers a subscription with {id}, as the V1 docs show them', async () => {
      // Prepare
      const subscribed = await fetch(`${sim.baseUrl}/webhooks/subscribe`, {
        method: 'POST',
        headers: { Authorization: AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify({ target_url: 'http://127.0.0.1:9/ship', event: 'SHIP_NOTIFY', store_id: 310001, friendly_name: 'Ship hook' }),
      });

      // Act
      const answer = (await subscribed.json()) as unknown;
      const listed = await get<unknown>(sim, '/webhooks');

      // Assess
      expect(shapeProblems(answer, [fixture('v1-docs/subscribe_webhook_response.json')], [])).toEqual([]);
      expect(shapeProblems(listed, [fixture('v1-docs/list_webhooks.json')], [])).toEqual([]);
      expect((listed as { webhooks: unknown[] }).webhooks).toHaveLength(1);
    });

    it("lists carrier accounts like the docs' GET /carriers, FedEx's account number a JSON number", async () => {
      // Act
      const carriers = await get<{ code: string; accountNumber: unknown }[]>(sim, '/carriers');

      // Assess
      expect(carriers.flatMap((carrier) => shapeProblems(carrier, REAL_CARRIERS, []))).toEqual([]);
      expect(new Set(carriers.map((c) => c.code))).toEqual(new Set(['stamps_com', 'ups', 'ups_walleted', 'fedex']));
      expect(typeof carriers.find((c) => c.code === 'fedex')?.accountNumber).toBe('number');
    });

    it("lists services with the docs' and recorded display names, and every service its labels use", async () => {
      // Prepare
      const realNames = new Map((REAL_SERVICES as SimCarrierService[]).map((s) => [`${s.carrierCode}/${s.code}`, s.name]));
      const used = new Set(shipments.map((s) => `${s.carrierCode}/${s.serviceCode}`));

      // Act
      const lists = await Promise.all(
        ['stamps_com', 'ups', 'ups_walleted', 'fedex'].map((code) => get<SimCarrierService[]>(sim, `/carriers/listservices?carrierCode=${code}`)),
      );

      // Assess
      const services = lists.flat();
      expect(services.flatMap((service) => shapeProblems(service, REAL_SERVICES, []))).toEqual([]);
      const listed = new Map(services.map((s) => [`${s.carrierCode}/${s.code}`, s.name]));
      for (const [key, name] of realNames) expect([key, listed.get(key)]).toEqual([key, name]);
      expect([...used].filter((key) => !listed.has(key))).toEqual([]);
      expect(listed.get('fedex/fedex_home_delivery')).toBe('FedEx Home Delivery®');
      expect(listed.get('ups_walleted/ups_ground')).toBe('UPS® Ground');
      expect(listed.get('stamps_com/usps_priority_mail')).toBe('USPS Priority Mail');
    });

    it('writes every order, label and fulfilment timestamp in Pacific wall-clock text with 7 fractional digits', () => {
      // Act
      const stamps = [
        ...orders.flatMap((o) => [o.createDate, o.modifyDate, o.orderDate, o.paymentDate]),
        ...shipments.flatMap((s) => [s.createDate, s.voidDate]),
        ...fulfillments.flatMap((f) => [f.createDate, f.shipDate, f.voidDate]),
      ].filter((stamp): stamp is string => stamp !== null);

      // Assess
      expect(stamps.filter((stamp) => formatOf(stamp) !== 'time, 7 fractional digits')).toEqual([]);
      expect(orders.filter((o) => o.shipDate !== null).every((o) => formatOf(o.shipDate ?? '') === 'date only')).toBe(true);
    });
  });

  describe('the shop history', () => {
    const orderOf = (orderId: number): SimOrder => orders.find((o) => o.orderId === orderId) as SimOrder;
    const ofContact = (contact: string): SimOrder[] => history.orders.filter((o) => o.contact === contact).map((o) => orderOf(o.orderId));
    const US_PHONE = /^\(\d{3}\) \d{3}-\d{4}$/;

    it("gives most orders a bill-to with the buyer's name and every other field null, country too", () => {
      // Act
      const nameOnly = ofContact('billToNameOnly');

      // Assess
      expect(nameOnly.length).toBeGreaterThan(history.orders.length / 2);
      for (const order of nameOnly) {
        const { name, ...rest } = order.billTo;
        expect(name).toBe(order.shipTo.name);
        expect(Object.values(rest).every((value) => value === null)).toBe(true);
      }
    });

    it('gives some bill-tos a US phone written "(717) 555-0123" and country null', () => {
      // Act
      const withPhone = ofContact('billToPhone');

      // Assess
      expect(withPhone.length).toBeGreaterThan(0);
      expect(withPhone.every((o) => US_PHONE.test(o.billTo.phone ?? '') && o.billTo.country === null && o.billTo.name === o.shipTo.name)).toBe(true);
    });

    it('has gifts: a message, the buyer on the bill-to with a phone, another person elsewhere with their own phone on the ship-to', () => {
      // Act
      const gifts = ofContact('gift');

      // Assess
      expect(gifts.length).toBeGreaterThan(0);
      for (const gift of gifts) {
        expect(gift).toMatchObject({ gift: true, giftMessage: expect.any(String), billTo: { country: null, street1: null } });
        expect(gift.billTo.phone).toMatch(US_PHONE);
        expect(gift.shipTo.phone).toMatch(US_PHONE);
        expect(gift.shipTo.name).not.toBe(gift.billTo.name);
        expect(gift.shipTo.phone).not.toBe(gift.billTo.phone);
      }
      expect(orders.filter((o) => o.gift).length).toBe(gifts.length);
    });

    it('has bill-tos named " " and "" whose ship-to is the buyer', () => {
      // Act
      const blank = ofContact('blankBillToName');

      // Assess
      expect(new Set(blank.map((o) => o.billTo.name))).toEqual(new Set([' ', '']));
      expect(blank.every((o) => !o.gift && o.shipTo.name !== null && o.shipTo.name.trim() !== '')).toBe(true);
    });

    it('ships abroad like the fixtures: London and Luzern with state "", India with state null, Canada, phones in local format or none', () => {
      // Act
      const abroad = ofContact('international').map((o) => o.shipTo);
      const byCountry = (country: string): typeof abroad => abroad.filter((a) => a.country === country);

      // Assess
      expect(new Set(abroad.map((a) => a.country))).toEqual(new Set(['GB', 'CH', 'IN', 'CA']));
      expect(byCountry('GB').every((a) => a.city === 'London' && a.state === '' && (a.phone === null || /^020 7946 0\d{3}$/.test(a.phone)))).toBe(true);
      expect(byCountry('CH').every((a) => a.city === 'Luzern' && a.state === '' && a.phone === null)).toBe(true);
      expect(byCountry('IN').every((a) => a.state === null && a.street3 !== null && a.phone === null)).toBe(true);
      expect(byCountry('CA').every((a) => a.state === 'ON' && (a.phone === null || US_PHONE.test(a.phone)))).toBe(true);
      expect(abroad.some((a) => a.phone !== null)).toBe(true);
      expect(abroad.some((a) => a.phone === null)).toBe(true);
    });

    it('keeps every order reachable: a deliverable email, and no placeholder for a name', () => {
      // Act
      const names = orders.flatMap((o) => [o.billTo.name, o.shipTo.name]).filter((name): name is string => name !== null && name.trim() !== '');

      // Assess
      expect(orders).toHaveLength(history.orders.length);
      expect(orders.every((o) => o.customerEmail !== null && isDeliverableEmail(o.customerEmail))).toBe(true);
      expect(names.filter(isPlaceholderName)).toEqual([]);
    });

    it("mixes label rows with the order's email, with customerEmail null and with no customerEmail key", () => {
      // Act
      const absent = shipments.filter((s) => !('customerEmail' in s));
      const nulls = shipments.filter((s) => 'customerEmail' in s && s.customerEmail === null);
      const own = shipments.filter((s) => s.customerEmail === orderOf(s.orderId).customerEmail);

      // Assess
      expect(absent.length).toBeGreaterThan(0);
      expect(nulls.length).toBeGreaterThan(0);
      expect(own.length).toBeGreaterThan(shipments.length / 2);
      expect(absent.length + nulls.length + own.length).toBe(shipments.length);
    });

    it('labels orders abroad with international services and orders at home with domestic ones', () => {
      // Act
      const abroad = shipments.filter((s) => s.shipTo.country !== 'US');

      // Assess
      expect(abroad.length).toBeGreaterThan(0);
      expect(abroad.every((s) => /international/.test(s.serviceCode))).toBe(true);
      expect(shipments.filter((s) => s.shipTo.country === 'US').every((s) => !/international/.test(s.serviceCode))).toBe(true);
    });

    it('mixes free-text fulfilment carriers, midnight ship dates, and a few rows without carrier or tracking number', () => {
      // Act
      const carriers = new Set(fulfillments.map((f) => f.carrierCode));
      const bare = fulfillments.filter((f) => f.carrierCode === null);

      // Assess
      expect(carriers).toEqual(new Set(['USPS', 'FedEx', 'UPS', null]));
      expect(fulfillments.filter((f) => f.carrierCode !== null).every((f) => f.shipDate.endsWith('T00:00:00.0000000'))).toBe(true);
      expect(bare.length).toBeGreaterThan(0);
      expect(bare.every((f) => f.trackingNumber === '' && f.shipDate === f.createDate && !('sellerFillProviderName' in f))).toBe(true);
    });
  });
});
