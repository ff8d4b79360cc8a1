// The simulator's ShipStation API V2 view (lib/local/simulators/v2-orders.ts): `GET /v2/shipments`, `/v2/shipments/{id}`,
// `/v2/labels` and `/v2/fulfillments` over the same V1 records, and the signed pointer webhooks that name them. It holds:
// - every V2 answer against the schemas in lib/local/shipstation-v2-schemas/ (read as test/unit/v2-fixtures.test.ts reads
//   them), departing from the 2025-08 spec only where the recorded V2 payloads do (the lists below repeat, as subsets,
//   the ones v2-fixtures.test.ts documents), and the fulfilments against the schema derived from the recorded answer;
// - each simulator object has exactly the keys of the recorded one (shipments, labels, fulfilments, and their addresses,
//   packages and lines), so the simulator cannot drift from real data;
// - the mapping (ids, UTC times, statuses), filters, sort, paging, the 400 / 401 / 404 / 429 answers and faults;
// - SHIPMENT_CREATED_V2 / LABEL_CREATED_V2 / FULFILLMENT_SHIPPED_V2 / FULFILLMENT_REJECTED_V2: bare signed pointers whose
//   resource_url lists exactly what happened (a split import: one webhook, two shipments).
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { definitionsOf, isNullableNoise } from '../../lib/local/openapi-json-schema.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { header, startReceiver, type Delivery, type Receiver } from '../helpers/webhook-receiver.js';
import type {
  ShipStationSimulatorOptions,
  SimJwk,
  SimRsaJwk,
  SimV2Fulfillment,
  SimV2Label,
  SimV2Shipment,
  V2FulfillmentList,
  V2LabelList,
  V2ShipmentList,
} from '../../lib/local/simulators/shipstation-simulator.js';
import { fixture } from '../helpers/fixture-server.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded payloads are read freely

const KEY = 'test-key';
const SECRET = 'test-secret';
const V2_KEY = 'test-v2-key';
const BASIC = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const START = '2026-11-20T14:05:00.080Z'; // 06:05:00.080 Pacific (PST)
const MINUTE = 60_000;

interface SchemaFile {
  components: { schemas: Record<string, unknown> };
}

type SchemaName = 'list-shipments' | 'list-labels' | 'list-fulfillments';

/** The same reading of the copied schemas as test/unit/v2-fixtures.test.ts. */
function validator(file: SchemaName, root: string): ValidateFunction {
  const copy = JSON.parse(readFileSync(new URL(`../../lib/local/shipstation-v2-schemas/${file}.schema.json`, import.meta.url), 'utf8')) as SchemaFile;
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  addFormatsModule.default(ajv);
  ajv.addFormat('url', true);
  return ajv.compile({ $ref: `#/$defs/${root}`, $defs: definitionsOf(copy.components, { xNullable: true, openObjects: true }) });
}

function valueAt(body: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key] : undefined), body);
}

/** Where a body departs from the schema: `path keyword`, array indexes as `*`, a refused null as keyword `null`. */
function departures(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  const found = new Set<string>();
  for (const error of validate.errors ?? []) {
    if (isNullableNoise(error)) continue;
    const path = error.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '/';
    found.add(`${path} ${valueAt(body, error.instancePath) === null ? 'null' : error.keyword}`);
  }
  return [...found].sort();
}

const shipmentsSchema = validator('list-shipments', 'list_shipments_response_body');
const shipmentSchema = validator('list-shipments', 'shipment');
const labelsSchema = validator('list-labels', 'list_labels_response_body');
const fulfillmentsSchema = validator('list-fulfillments', 'list_fulfillments_response_body');

const under = (prefix: string, paths: readonly string[]): string[] => paths.map((path) => `${prefix}${path}`).sort();

/**
 * What the recorded ShipStation V2 shipments depart from the spec with (V2_SHIPMENT in test/unit/v2-fixtures.test.ts):
 * the nulls the spec refuses. The simulator writes the same nulls; the `""` address lines of the recordings it does not
 * (V1 nulls stay null), and its items name their order source (`shopify`) where the recorded ones have null.
 */
const SIM_SHIPMENT = [
  '/advanced_options/collect_on_delivery null',
  '/advanced_options/fedex_freight null',
  '/packages/*/external_package_id null',
  '/packages/*/products null',
  '/ship_to/geolocation null',
];
/** The recorded labels' departures (V2_LABEL in test/unit/v2-fixtures.test.ts), without their `""` address lines. */
const SIM_LABEL = [
  '/packages/*/external_package_id null',
  '/packages/*/paperless_download null',
  '/packages/*/qr_code_download null',
  '/rate_details/*/carrier_billing_code null',
  '/rate_details/*/carrier_memo null',
  '/requested_comparison_amount null',
];
/** Documented in v2-fixtures.test.ts as departures of real shipments and labels: the lists above must stay inside these. */
const RECORDED_SHIPMENT = [
  ...SIM_SHIPMENT,
  '/order_source_code null',
  '/items/*/order_source_code null',
  '/ship_to/address_line2 minLength',
  '/ship_to/company_name minLength',
];
const RECORDED_LABEL = [...SIM_LABEL, '/ship_to/address_line2 minLength', '/ship_to/company_name minLength'];

interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

class FakeClock {
  private current: Date;

  constructor(iso: string) {
    this.current = new Date(iso);
  }

  readonly now = (): Date => new Date(this.current.getTime());

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}

async function call<T = Json>(url: string, init: { method?: string; key?: string | null; body?: unknown; basic?: boolean } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  const key = init.key === undefined ? V2_KEY : init.key;
  if (key !== null) headers['API-Key'] = key;
  if (init.basic === true) headers['Authorization'] = BASIC;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** Whether a delivery verifies as ShipStation's validation guide says: RSA-SHA256 over `${timestamp}.${rawBody}`, key by kid. */
function signatureValid(delivery: Delivery, keys: SimJwk[]): boolean {
  const kid = header(delivery.headers, 'x-shipengine-rsa-sha256-key-id');
  const signature = header(delivery.headers, 'x-shipengine-rsa-sha256-signature');
  const timestamp = header(delivery.headers, 'x-shipengine-timestamp');
  const jwk = keys.find((key): key is SimRsaJwk => key.kid === kid && key.kty === 'RSA');
  if (jwk === undefined || signature === undefined || timestamp === undefined) return false;
  return verify(
    'sha256',
    Buffer.from(`${timestamp}.${delivery.raw}`, 'utf8'),
    createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }),
    Buffer.from(signature, 'base64'),
  );
}

const sortedKeys = (value: unknown): string[] => Object.keys(value as object).sort();

describe('ShipStationSimulator V2 shipments, labels and fulfilments', () => {
  let clock: FakeClock;
  let sim: ShipStationSimulator;
  let receiver: Receiver;

  const start = async (options: Partial<ShipStationSimulatorOptions> = {}): Promise<ShipStationSimulator> => {
    sim = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, v2ApiKey: V2_KEY, now: clock.now, ...options });
    return sim;
  };

  const v2 = <T = Json>(pathAndQuery: string, key?: string | null): Promise<Reply<T>> => call<T>(`${sim.baseUrl}${pathAndQuery}`, { key });

  const subscribeV2 = async (event: string): Promise<void> => {
    const reply = await call(`${sim.baseUrl}/v2/environment/webhooks`, { method: 'POST', body: { event, url: `${receiver.url}/${event}` } });
    expect(reply.status).toBe(201);
  };

  const jwks = async (): Promise<SimJwk[]> => (await call<{ keys: SimJwk[] }>(sim.jwksUrl, { key: null })).body.keys;

  /** The deliveries to one event's receiver path, parsed. */
  const bodiesAt = (event: string): Json[] => receiver.received.filter((d) => d.path === `/${event}`).map((d) => JSON.parse(d.raw) as Json);

  /** A small shop: a plain order, a gift, a labelled one (then a return label and a voided label), a cancelled one, two fulfilled. */
  const seedShop = (): void => {
    sim.importOrder({ customerNotes: 'Leave at the door' });
    sim.importOrder({ gift: true, giftMessage: 'Happy birthday!', tagIds: [4401] });
    const labelled = sim.importOrder({});
    sim.createLabel(labelled.orderId);
    clock.advance(MINUTE);
    sim.createLabel(labelled.orderId, { isReturnLabel: true });
    const voided = sim.importOrder({});
    sim.voidLabel(sim.createLabel(voided.orderId, { carrierCode: 'ups_walleted' }).shipmentId);
    sim.setOrderStatus(sim.importOrder({}).orderId, 'cancelled');
    sim.markAsShipped(sim.importOrder({}).orderId);
    sim.fulfillmentProviderShipped(sim.importOrder({}).orderId);
  };

  beforeEach(async () => {
    clock = new FakeClock(START);
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  describe('shapes against the schemas and the recorded payloads', () => {
    it('lists shipments that depart from the 2025-08 spec only where recorded V2 shipments do', async () => {
      // Prepare
      await start();
      seedShop();

      // Act
      const reply = await v2('/v2/shipments?page_size=100');

      // Assess
      expect(reply.status).toBe(200);
      expect(reply.body['total']).toBe(7);
      expect(departures(shipmentsSchema, reply.body)).toEqual(under('/shipments/*', SIM_SHIPMENT));
      expect(SIM_SHIPMENT.every((found) => RECORDED_SHIPMENT.includes(found))).toBe(true);
    });

    it('answers one shipment that departs only where recorded ones do, and the V2 404 for an unknown id', async () => {
      // Prepare
      await start();
      const order = sim.importOrder({});

      // Act
      const one = await v2(`/v2/shipments/se-${order.orderId}`);
      const unknown = await v2('/v2/shipments/se-999');

      // Assess
      expect(one.status).toBe(200);
      expect(departures(shipmentSchema, one.body)).toEqual([...SIM_SHIPMENT].sort());
      expect(one.body).toEqual(sim.getV2Shipment(order.orderId));
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({
        request_id: expect.any(String),
        errors: [{ error_source: 'shipstation', error_type: 'validation', error_code: 'not_found', message: 'Shipment se-999 was not found.' }],
      });
    });

    it('lists labels, a voided and a return label among them, that depart only where recorded labels do', async () => {
      // Prepare
      await start();
      seedShop();

      // Act
      const reply = await v2<V2LabelList>('/v2/labels');

      // Assess
      expect(reply.status).toBe(200);
      expect(reply.body.labels.map((label) => [label.status, label.voided, label.voided_at !== null, label.is_return_label])).toEqual([
        ['voided', true, true, false],
        ['completed', false, false, true],
        ['completed', false, false, false],
      ]);
      expect(departures(labelsSchema, reply.body)).toEqual(under('/labels/*', SIM_LABEL));
      expect(SIM_LABEL.every((found) => RECORDED_LABEL.includes(found))).toBe(true);
    });

    it('lists fulfilments valid against the schema derived from the recorded answer, which the recorded answer passes too', async () => {
      // Prepare
      await start();
      seedShop();
      const recorded = fixture<Json>('pmcgee-personal/fulfillment_shipped_v2_resource_url_response.json');
      delete recorded['_captured_at'];

      // Act
      const reply = await v2<V2FulfillmentList>('/v2/fulfillments');

      // Assess
      expect(reply.status).toBe(200);
      expect(reply.body.total).toBe(2);
      expect(departures(fulfillmentsSchema, reply.body)).toEqual([]);
      expect(departures(fulfillmentsSchema, recorded)).toEqual([]);
    });

    it('has exactly the keys of the recorded shipments, labels and fulfilments, down to addresses, packages and lines', async () => {
      // Prepare
      await start();
      seedShop();
      const realShipment = fixture<Json>('v2/list_shipments_shipment_created_v2_split_pmcgee.json')['shipments'][0] as Json;
      const realLabel = fixture<Json>('v2/list_labels_label_created_v2_pmcgee.json')['labels'][0] as Json;
      const realFulfillment = fixture<Json>('pmcgee-personal/fulfillment_shipped_v2_resource_url_response.json')['fulfillments'][0] as Json;
      const shape = (record: Json, nested: string[]): Record<string, string[]> => ({
        '': sortedKeys(record),
        ...Object.fromEntries(nested.map((path) => [path, sortedKeys(path.endsWith('[]') ? record[path.slice(0, -2)][0] : record[path])])),
      });

      // Act
      const shipments = (await v2<V2ShipmentList>('/v2/shipments')).body.shipments;
      const labels = (await v2<V2LabelList>('/v2/labels')).body.labels;
      const fulfillments = (await v2<V2FulfillmentList>('/v2/fulfillments')).body.fulfillments;

      // Assess
      const shipmentParts = ['ship_to', 'ship_from', 'return_to', 'advanced_options', 'packages[]', 'items[]', 'amount_paid', 'total_weight'];
      for (const shipment of shipments) expect(shape(shipment as unknown as Json, shipmentParts)).toEqual(shape(realShipment, shipmentParts));
      const labelParts = ['ship_to', 'packages[]', 'rate_details[]', 'label_download', 'shipment_cost', 'carrier_weight'];
      for (const label of labels) expect(shape(label as unknown as Json, labelParts)).toEqual(shape(realLabel, labelParts));
      for (const fulfillment of fulfillments) {
        expect(shape(fulfillment as unknown as Json, ['ship_to', 'fulfillment_fee'])).toEqual(shape(realFulfillment, ['ship_to', 'fulfillment_fee']));
      }
    });
  });

  describe('the V2 view of the V1 records', () => {
    it('maps ids, UTC times, money, the ship-to and the buyer email (none on a gift) from the V1 order', async () => {
      // Prepare
      await start();
      const order = sim.importOrder({ shipByDate: '2026-11-24 00:00:00' });
      const gift = sim.importOrder({ gift: true, giftMessage: 'Enjoy' });

      // Act
      const shipment = sim.getV2Shipment(order.orderId);
      const giftShipment = sim.getV2Shipment(gift.orderId);

      // Assess
      expect(shipment).toMatchObject({
        shipment_id: `se-${order.orderId}`,
        shipment_number: order.orderNumber,
        external_shipment_id: order.orderKey,
        created_at: '2026-11-20T14:05:00.08Z', // 06:05:00.080 Pacific
        modified_at: '2026-11-20T14:05:00.08Z',
        ship_by_date: '2026-11-24T00:00:00Z',
        hold_until_date: null,
        shipment_status: 'pending',
        store_id: `se-${order.advancedOptions.storeId}`,
        is_gift: false,
        amount_paid: { currency: 'usd', amount: order.orderTotal },
        shipping_paid: { currency: 'usd', amount: order.shippingAmount },
        tax_paid: { currency: 'usd', amount: order.taxAmount },
      });
      expect(shipment.ship_to).toEqual({
        geolocation: null,
        instructions: null,
        name: order.shipTo.name,
        phone: order.shipTo.phone,
        email: order.customerEmail,
        company_name: null,
        address_line1: order.shipTo.street1,
        address_line2: null,
        address_line3: null,
        city_locality: order.shipTo.city,
        state_province: order.shipTo.state,
        postal_code: order.shipTo.postalCode,
        country_code: 'US',
        address_residential_indicator: 'yes',
      });
      expect(shipment.items.map((item) => [item.name, item.sku, item.quantity, item.unit_price, item.image_url])).toEqual(
        order.items.map((item) => [item.name, item.sku, item.quantity, item.unitPrice, item.imageUrl]),
      );
      expect([giftShipment.is_gift, giftShipment.notes_for_gift, giftShipment.ship_to.email]).toEqual([true, 'Enjoy', null]);
    });

    it('shows every V1 status as its V2 shipment_status, and a hold with its date', async () => {
      // Prepare
      await start();
      const ids = ['awaiting_payment', 'awaiting_shipment', 'pending_fulfillment', 'rejected_fulfillment', 'cancelled'] as const;
      const orders = ids.map((status) => sim.importOrder({ status }));
      const held = sim.importOrder({});
      const shipped = sim.importOrder({});
      sim.createLabel(shipped.orderId);

      // Act
      const v1 = sim.holdOrderUntil(held.orderId, '2026-11-27');
      const statuses = [...orders, held, shipped].map((order) => sim.getV2Shipment(order.orderId).shipment_status);
      const onHold = await v2<V2ShipmentList>('/v2/shipments?shipment_status=on_hold');

      // Assess
      expect(statuses).toEqual(['pending', 'pending', 'pending', 'pending', 'cancelled', 'on_hold', 'label_purchased']);
      expect([v1.orderStatus, v1.holdUntilDate]).toEqual(['on_hold', '2026-11-27']);
      expect(onHold.body.shipments.map((s) => [s.shipment_id, s.shipment_status, s.hold_until_date])).toEqual([
        [`se-${held.orderId}`, 'on_hold', '2026-11-27T00:00:00Z'],
      ]);
      // `on_hold` is newer than the 2025-08 enum (docs.shipstation.com/hold-and-restore-shipments): the one departure it adds.
      expect(departures(shipmentsSchema, onHold.body)).toEqual(under('/shipments/*', [...SIM_SHIPMENT, '/shipment_status enum']));
    });

    it('maps a label and a fulfilment to their V2 ids and UTC times (ship dates at Pacific midnight)', async () => {
      // Prepare
      await start();
      const order = sim.importOrder({});
      const label = sim.createLabel(order.orderId);
      const other = sim.importOrder({});
      const fulfillment = sim.markAsShipped(other.orderId, { carrierCode: 'FedEx', trackingNumber: '383146600003' });

      // Act
      const [v2Label] = (await v2<V2LabelList>(`/v2/labels?shipment_id=se-${order.orderId}`)).body.labels as [SimV2Label];
      const [v2Fulfillment] = (await v2<V2FulfillmentList>(`/v2/fulfillments?shipment_id=se-${other.orderId}`)).body.fulfillments as [SimV2Fulfillment];

      // Assess
      expect(v2Label).toMatchObject({
        label_id: `se-${label.shipmentId}`,
        shipment_id: `se-${order.orderId}`,
        status: 'completed',
        tracking_number: label.trackingNumber,
        carrier_code: 'stamps_com',
        service_code: 'usps_priority_mail',
        created_at: '2026-11-20T14:05:00.08Z',
        ship_date: '2026-11-20T08:00:00Z', // Pacific midnight in PST
        voided_at: null,
        shipment_cost: { currency: 'usd', amount: label.shipmentCost },
      });
      expect(v2Label.batch_id).toMatch(/^se-\d+$/);
      expect(v2Label.packages[0]?.package_id).toEqual(expect.any(Number));
      expect(v2Fulfillment).toMatchObject({
        fulfillment_id: `se-${fulfillment.fulfillmentId}`,
        shipment_id: `se-${other.orderId}`,
        shipment_number: other.orderNumber,
        tracking_number: '383146600003',
        fulfillment_carrier_friendly_name: 'FedEx',
        fulfillment_provider_friendly_name: 'External',
        fulfillment_provider_code: 'external',
        created_at: '2026-11-20T14:05:00.08Z',
        ship_date: '2026-11-20T08:00:00Z',
        voided: false,
      });
    });
  });

  describe('GET /v2/shipments filters, sort and paging', () => {
    it('filters modified_at inclusively at both ends, with any offset', async () => {
      // Prepare
      await start();
      const first = sim.importOrder({});
      clock.advance(10 * MINUTE);
      const second = sim.importOrder({});
      clock.advance(10 * MINUTE);
      const third = sim.importOrder({});
      clock.advance(10 * MINUTE);
      sim.editOrder(first.orderId, { internalNotes: 'moved on' });
      const from = encodeURIComponent('2026-11-20T06:15:00.080-08:00'); // exactly the second order's modifyDate
      const to = '2026-11-20T14:25:00.080Z'; // exactly the third's

      // Act
      const window = await v2<V2ShipmentList>(`/v2/shipments?modified_at_start=${from}&modified_at_end=${to}`);
      const created = await v2<V2ShipmentList>(`/v2/shipments?created_at_end=${encodeURIComponent('2026-11-20T14:05:00.080Z')}`);

      // Assess
      expect(window.body.shipments.map((s) => s.shipment_id)).toEqual([`se-${third.orderId}`, `se-${second.orderId}`]);
      expect(window.body.total).toBe(2);
      expect(created.body.shipments.map((s) => s.shipment_id)).toEqual([`se-${first.orderId}`]);
    });

    it('sorts by modified_at or created_at in sort_dir (desc by default), and by id without sort_by', async () => {
      // Prepare
      await start();
      const orders = [sim.importOrder({})];
      clock.advance(MINUTE);
      orders.push(sim.importOrder({}));
      clock.advance(MINUTE);
      orders.push(sim.importOrder({}));
      clock.advance(MINUTE);
      sim.editOrder((orders[0] as { orderId: number }).orderId, { internalNotes: 'latest change' });
      const ids = (reply: Reply<V2ShipmentList>): number[] => reply.body.shipments.map((s) => Number(s.shipment_id.slice(3)));
      const [a, b, c] = orders.map((order) => order.orderId) as [number, number, number];

      // Act
      const byModified = await v2<V2ShipmentList>('/v2/shipments?sort_by=modified_at');
      const byModifiedAsc = await v2<V2ShipmentList>('/v2/shipments?sort_by=modified_at&sort_dir=asc');
      const byCreatedAsc = await v2<V2ShipmentList>('/v2/shipments?sort_by=created_at&sort_dir=ASC');
      const byId = await v2<V2ShipmentList>('/v2/shipments');

      // Assess
      expect(ids(byModified)).toEqual([a, c, b]);
      expect(ids(byModifiedAsc)).toEqual([b, c, a]);
      expect(ids(byCreatedAsc)).toEqual([a, b, c]);
      expect(ids(byId)).toEqual([c, b, a]);
    });

    it('pages with total, pages and links that keep the filters, then page and page_size', async () => {
      // Prepare
      await start();
      for (let i = 0; i < 5; i++) sim.importOrder({});
      const base = `${sim.baseUrl}/v2/shipments?shipment_status=pending`;

      // Act
      const first = await v2<V2ShipmentList>('/v2/shipments?shipment_status=pending&page_size=2');
      const last = await v2<V2ShipmentList>('/v2/shipments?shipment_status=pending&page_size=2&page=3');
      const defaults = await v2<V2ShipmentList>('/v2/shipments');

      // Assess
      expect([first.body.total, first.body.page, first.body.pages, first.body.shipments.length]).toEqual([5, 1, 3, 2]);
      expect(first.body.links).toEqual({
        first: { href: `${base}&page=1&page_size=2` },
        last: { href: `${base}&page=3&page_size=2` },
        prev: {},
        next: { href: `${base}&page=2&page_size=2` },
      });
      expect([last.body.page, last.body.shipments.length]).toEqual([3, 1]);
      expect(last.body.links.prev).toEqual({ href: `${base}&page=2&page_size=2` });
      expect(last.body.links.next).toEqual({});
      expect(defaults.body.links.first).toEqual({ href: `${sim.baseUrl}/v2/shipments?page=1&page_size=25` });
    });

    it.each([
      ['/v2/shipments', 'modified_at', '', 'all'],
      ['/v2/labels', 'created_at', '', 'all'],
      ['/v2/labels', 'created_at', 'label_status=voided&', 'voided only'],
      ['/v2/fulfillments', 'created_at', '', 'all'],
    ])('answers %s the query a V2 poll page sends (a %s window oldest first, 500 a page, %s)', async (path, field, extra) => {
      // Prepare
      await start();
      seedShop();
      const from = new Date(Date.parse(START) - MINUTE).toISOString();
      const to = new Date(Date.parse(START) + 10 * MINUTE).toISOString();

      // Act
      const reply = await v2<Json>(`${path}?${extra}${field}_start=${from}&${field}_end=${to}&sort_by=${field}&sort_dir=asc&page_size=500&page=1`);

      // Assess
      expect(reply.status).toBe(200);
      expect(reply.body['total']).toBeGreaterThan(0);
      expect([reply.body['page'], reply.body['pages'], reply.body['links']['next']]).toEqual([1, 1, {}]);
    });

    it('answers the V2 400 for page_size above 500, a time without offset and an unknown status', async () => {
      // Prepare
      await start();

      // Act
      const tooBig = await v2('/v2/shipments?page_size=501');
      const labelsTooBig = await v2('/v2/labels?page_size=501');
      const naive = await v2('/v2/shipments?modified_at_start=2026-11-20T06:00:00');
      const status = await v2('/v2/shipments?shipment_status=shipped');
      const max = await v2('/v2/shipments?page_size=500');

      // Assess
      expect([tooBig.status, labelsTooBig.status, naive.status, status.status, max.status]).toEqual([400, 400, 400, 400, 200]);
      expect(tooBig.body).toEqual({
        request_id: expect.any(String),
        errors: [{ error_source: 'shipstation', error_type: 'validation', error_code: 'invalid_field_value', message: 'page_size: must be 500 or less.' }],
      });
    });

    it('lists labels by label_status and batch_id, and fulfilments by fulfillment_id and shipment_id', async () => {
      // Prepare
      await start();
      seedShop();
      const all = (await v2<V2LabelList>('/v2/labels')).body.labels;
      const voided = all.find((label) => label.voided) as SimV2Label;

      // Act
      const voids = await v2<V2LabelList>('/v2/labels?label_status=voided');
      const batch = await v2<V2LabelList>(`/v2/labels?batch_id=${voided.batch_id}`);
      const fulfillments = (await v2<V2FulfillmentList>('/v2/fulfillments')).body.fulfillments;
      const one = fulfillments[1] as SimV2Fulfillment;
      const byIds = await v2<V2FulfillmentList>(`/v2/fulfillments?fulfillment_id=${one.fulfillment_id}&shipment_id=${one.shipment_id}`);
      const oldestFirst = await v2<V2FulfillmentList>('/v2/fulfillments?sort_by=created_at&sort_dir=asc');

      // Assess
      expect(voids.body.labels.map((label) => label.label_id)).toEqual([voided.label_id]);
      expect(batch.body.labels.map((label) => label.label_id)).toEqual([voided.label_id]);
      expect(byIds.body.fulfillments).toEqual([one]);
      expect(oldestFirst.body.fulfillments.map((f) => f.fulfillment_id)).toEqual(fulfillments.map((f) => f.fulfillment_id).reverse());
    });
  });

  describe('auth, rate limit and faults', () => {
    it.each(['/v2/shipments', '/v2/shipments/se-100001', '/v2/labels', '/v2/fulfillments'])(
      'answers the V2 401 on %s without or with a wrong API-Key',
      async (path) => {
        // Prepare
        await start();
        sim.importOrder({});

        // Act
        const missing = await v2(path, null);
        const wrong = await v2(path, 'nope');
        const right = await v2(path);

        // Assess
        expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
        expect(missing.body['errors'][0]['error_code']).toBe('unauthorized');
        expect(sim.requests.map((r) => [r.api, r.path, r.status, r.authorized])).toEqual([
          ['v2', path, 401, false],
          ['v2', path, 401, false],
          ['v2', path, 200, true],
        ]);
      },
    );

    it('answers the 201st V2 request in a minute with 429 and Retry-After, and serves again in the next minute', async () => {
      // Prepare
      await start();
      for (let i = 0; i < 200; i++) expect((await v2('/v2/shipments?page_size=1')).status).toBe(200);

      // Act
      const limited = await v2('/v2/labels');
      clock.advance(MINUTE);
      const next = await v2('/v2/fulfillments');

      // Assess
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.body['errors'][0]['error_code']).toBe('rate_limit_exceeded');
      expect(next.status).toBe(200);
    });

    it('passes the list endpoints through the faults hook, answered with V2 error bodies', async () => {
      // Prepare
      await start({ faults: (request) => (request.path === '/v2/labels' ? { status: 503 } : undefined) });

      // Act
      const faulted = await v2('/v2/labels');
      const fine = await v2('/v2/shipments');

      // Assess
      expect(faulted.status).toBe(503);
      expect(faulted.body['errors'][0]['error_source']).toBe('shipstation');
      expect(fine.status).toBe(200);
    });
  });

  describe('signed pointer webhooks', () => {
    it('sends one SHIPMENT_CREATED_V2 for a split import, whose resource_url lists exactly its two shipments', async () => {
      // Prepare
      await start();
      sim.importOrder({}); // another batch, before
      await subscribeV2('shipment_created_v2');
      await call(`${sim.baseUrl}/webhooks/subscribe`, {
        key: null,
        basic: true,
        method: 'POST',
        body: { target_url: `${receiver.url}/v1`, event: 'ORDER_NOTIFY' },
      });

      // Act
      const split = sim.importOrders([
        { orderNumber: 'LW-TEST2', orderTotal: 218.73 },
        { orderNumber: 'LW-TEST2', orderTotal: 0, shippingAmount: 0, taxAmount: 0 },
      ]);
      await sim.flushWebhooks();
      const deliveries = receiver.received.filter((d) => d.path === '/shipment_created_v2');
      const body = JSON.parse(deliveries[0]?.raw ?? '{}') as Json;
      sim.importOrder({}); // and another batch, after
      const listed = await call<V2ShipmentList>(String(body['resource_url']));

      // Assess
      expect(deliveries).toHaveLength(1);
      expect(Object.keys(body)).toEqual(['resource_url', 'resource_type']);
      expect(body['resource_type']).toBe('SHIPMENT_CREATED_V2');
      expect(body['resource_url']).toMatch(new RegExp(`^${sim.baseUrl}/v2/shipments\\?import_batch_id=[0-9a-f-]{36}$`));
      expect(signatureValid(deliveries[0] as Delivery, await jwks())).toBe(true);
      expect(listed.body.total).toBe(2);
      expect(listed.body.shipments.map((s) => [s.shipment_id, s.shipment_number]).sort()).toEqual(
        split.map((order) => [`se-${order.orderId}`, 'LW-TEST2']).sort(),
      );
      expect(listed.body.links.first.href).toBe(`${body['resource_url']}&page=1&page_size=25`);
      // The V1 ORDER_NOTIFY of the same import names the same batch.
      const [v1] = bodiesAt('v1') as [Json];
      expect(new URL(String(v1['resource_url'])).searchParams.get('importBatch')).toBe(
        new URL(String(body['resource_url'])).searchParams.get('import_batch_id'),
      );
    });

    it('sends LABEL_CREATED_V2 whose resource_url lists that label, through webhookDeliveriesFor', async () => {
      // Prepare
      const seen: string[] = [];
      await start({
        webhookDeliveriesFor: (event, resourceUrl) => {
          seen.push(`${event} ${resourceUrl}`);
          return 2;
        },
      });
      await subscribeV2('label_created_v2');
      const order = sim.importOrder({});

      // Act
      const label = sim.createLabel(order.orderId);
      await sim.flushWebhooks();
      const bodies = bodiesAt('label_created_v2');
      const listed = await call<V2LabelList>(String(bodies[0]?.['resource_url']));

      // Assess
      expect(bodies).toHaveLength(2); // delivered twice, as webhookDeliveriesFor said
      expect(bodies[0]).toEqual({ resource_url: `${sim.baseUrl}/v2/labels?batch_id=${listed.body.labels[0]?.batch_id}`, resource_type: 'LABEL_CREATED_V2' });
      expect(seen).toEqual([`LABEL_CREATED_V2 ${bodies[0]?.['resource_url']}`]);
      expect(listed.body.labels.map((l) => [l.label_id, l.shipment_id, l.tracking_number])).toEqual([
        [`se-${label.shipmentId}`, `se-${order.orderId}`, label.trackingNumber],
      ]);
      const [delivery] = receiver.received;
      expect(signatureValid(delivery as Delivery, await jwks())).toBe(true);
    });

    it('sends FULFILLMENT_SHIPPED_V2 for Mark as Shipped and for a provider, each listing its fulfilment', async () => {
      // Prepare
      await start();
      await subscribeV2('fulfillment_shipped_v2');
      const marked = sim.importOrder({});
      const byProvider = sim.importOrder({});

      // Act
      const first = sim.markAsShipped(marked.orderId);
      const second = sim.fulfillmentProviderShipped(byProvider.orderId);
      await sim.flushWebhooks();
      const bodies = bodiesAt('fulfillment_shipped_v2');
      const lists = await Promise.all(bodies.map((body) => call<V2FulfillmentList>(String(body['resource_url']))));

      // Assess
      expect(bodies).toEqual([
        {
          resource_url: `${sim.baseUrl}/v2/fulfillments?fulfillment_id=se-${first.fulfillmentId}&shipment_id=se-${marked.orderId}`,
          resource_type: 'FULFILLMENT_SHIPPED_V2',
        },
        {
          resource_url: `${sim.baseUrl}/v2/fulfillments?fulfillment_id=se-${second.fulfillmentId}&shipment_id=se-${byProvider.orderId}`,
          resource_type: 'FULFILLMENT_SHIPPED_V2',
        },
      ]);
      expect(lists.map((list) => [list.body.total, list.body.fulfillments[0]?.fulfillment_provider_code])).toEqual([
        [1, 'external'],
        [1, 'amazon_fba'],
      ]);
      const keys = await jwks();
      expect(receiver.received.every((delivery) => signatureValid(delivery, keys))).toBe(true);
    });

    it('sends FULFILLMENT_REJECTED_V2 pointing at a one-shipment import batch, and nothing to other events', async () => {
      // Prepare
      await start();
      await subscribeV2('fulfillment_rejected_v2');
      const order = sim.importOrder({ status: 'pending_fulfillment' });

      // Act
      sim.fulfillmentProviderRejected(order.orderId);
      await sim.flushWebhooks();
      const bodies = bodiesAt('fulfillment_rejected_v2');
      const listed = await call<V2ShipmentList>(String(bodies[0]?.['resource_url']));

      // Assess
      expect(receiver.received).toHaveLength(1); // no SHIPMENT_CREATED_V2 without its subscription
      expect(bodies[0]?.['resource_type']).toBe('FULFILLMENT_REJECTED_V2');
      expect(bodies[0]?.['resource_url']).toMatch(new RegExp(`^${sim.baseUrl}/v2/shipments\\?import_batch_id=[0-9a-f-]{36}$`));
      expect(listed.body.shipments.map((s: SimV2Shipment) => [s.shipment_id, s.shipment_status])).toEqual([[`se-${order.orderId}`, 'pending']]);
    });
  });
});
