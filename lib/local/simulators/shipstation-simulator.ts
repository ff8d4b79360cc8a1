// Local stand-in for ShipStation API V1 (one account): the fake behind integration tests and the demo shop of `npm start`.
// Its V1 records take the shapes of real payloads (test/unit/simulator-shapes.test.ts holds them to test/fixtures/shipstation).
// It also answers the part of API V2 the product uses (API-Key auth, webhook management, signed tracking webhooks), and
// V2's shipments, labels and fulfilments as a view over the same V1 records, with their signed pointer webhooks (v2-orders.ts).
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { knownServiceName } from '../../domain/carriers.js';
import { formatPacificDate, formatPacificTimestamp, normalizePacificTimestamp } from './pacific.js';
import {
  getV2Shipment,
  listV2Fulfillments,
  listV2Labels,
  listV2Shipments,
  V2_POINTER_RESOURCE_TYPES,
  v2FulfillmentUrl,
  v2LabelsBatchUrl,
  v2ShipmentOf,
  v2ShipmentsBatchUrl,
} from './v2-orders.js';
import type { SimV2Shipment, V2PointerEvent, V2PointerResourceType, V2PointerWebhook, V2Records } from './v2-orders.js';
import {
  API_TRACK_RESOURCE_TYPE,
  apiTrackEventOf,
  corruptSignature,
  newTrackedPackage,
  OLD_TIMESTAMP_MS,
  planDemoTracking,
  recordTrackUpdate,
  pacificTextToDate,
  SigningKeys,
  TRACK_RESOURCE_TYPE,
  TRACKING_WEBHOOK_EVENTS,
  V2_UNAUTHORIZED_MESSAGE,
  V2_WEBHOOK_EVENTS,
  v2ErrorBody,
  V2HttpError,
} from './v2-tracking.js';
import type {
  ApiTrackEvent,
  DemoStep,
  TrackedPackage,
  TrackEventV2,
  TrackEventV2Data,
  TrackingResourceType,
  TrackingSignatureHeaders,
  TrackUpdate,
  V2WebhookEvent,
} from './v2-tracking.js';

export {
  API_TRACK_RESOURCE_TYPE,
  EC_KEY_ID,
  SIGNATURE_HEADERS,
  TRACK_RESOURCE_TYPE,
  TRACK_STATUS_CODES,
  TRACKING_WEBHOOK_EVENTS,
  V2_WEBHOOK_EVENTS,
} from './v2-tracking.js';
export { V2_LABEL_STATUSES, V2_MAX_PAGE_SIZE, V2_POINTER_RESOURCE_TYPES, V2_SHIPMENT_STATUSES } from './v2-orders.js';
export type {
  SimV2Fulfillment,
  SimV2Label,
  SimV2Shipment,
  V2FulfillmentList,
  V2LabelList,
  V2LabelStatus,
  V2PointerEvent,
  V2PointerResourceType,
  V2PointerWebhook,
  V2ShipmentList,
  V2ShipmentStatus,
} from './v2-orders.js';
export type {
  ApiTrackData,
  ApiTrackEvent,
  ApiTrackScan,
  SimEcJwk,
  SimJwk,
  SimRsaJwk,
  TrackEventV2,
  TrackEventV2Data,
  TrackEventV2Event,
  TrackingResourceType,
  TrackingSignatureHeaders,
  TrackStatusCode,
  TrackTamper,
  TrackUpdate,
  V2WebhookEvent,
} from './v2-tracking.js';

/** Every V1 `orderStatus` value, including `rejected_fulfillment` that many client libraries forget. */
export type OrderStatus = 'awaiting_payment' | 'awaiting_shipment' | 'pending_fulfillment' | 'shipped' | 'on_hold' | 'cancelled' | 'rejected_fulfillment';

/** The six V1 webhook events a subscription can name. */
export type WebhookEvent = 'ORDER_NOTIFY' | 'ITEM_ORDER_NOTIFY' | 'SHIP_NOTIFY' | 'ITEM_SHIP_NOTIFY' | 'FULFILLMENT_SHIPPED' | 'FULFILLMENT_REJECTED';

/** The status values `GET /orders?orderStatus=` accepts; anything else is answered with 400. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'awaiting_payment',
  'awaiting_shipment',
  'pending_fulfillment',
  'shipped',
  'on_hold',
  'cancelled',
  'rejected_fulfillment',
];

/** The events `POST /webhooks/subscribe` accepts; anything else is answered with 400. */
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'ORDER_NOTIFY',
  'ITEM_ORDER_NOTIFY',
  'SHIP_NOTIFY',
  'ITEM_SHIP_NOTIFY',
  'FULFILLMENT_SHIPPED',
  'FULFILLMENT_REJECTED',
];

/** How the simulator is started; the clock is injectable so tests never depend on wall-clock time. */
export interface ShipStationSimulatorOptions {
  apiKey: string;
  apiSecret: string;
  host?: string;
  port?: number;
  /** Drives every timestamp and the rate-limit windows (default `() => new Date()`). */
  now?: () => Date;
  /** Requests allowed per one-minute window (default 40, the V1 limit). */
  rateLimitPerMinute?: number;
  /** How many times each webhook POST is delivered (default 1); more simulates duplicate deliveries. */
  webhookDeliveries?: number;
  /** Receives webhook delivery failures (connection errors and non-2xx answers), which are otherwise ignored. */
  onWebhookError?: (err: unknown) => void;
  /**
   * How many times one webhook is delivered (tests that vary it per webhook); overrides `webhookDeliveries` when set.
   * V2 tracking webhooks come through here too, as `TRACK_EVENT_V2` (or `API_TRACK`) with the body's resource_url, and
   * so do V2 pointer webhooks, as their resource_type (`SHIPMENT_CREATED_V2`…) with their resource_url.
   */
  webhookDeliveriesFor?: (event: WebhookEvent | TrackingResourceType | V2PointerResourceType, resourceUrl: string) => number;
  /**
   * Decides a fault for each API request that passed the rate limit (tests): an error answer, or no answer at all.
   * V2 requests (`request.api === 'v2'`, JWKS fetches included) come through here too; V2 ones get V2 error bodies.
   */
  faults?: (request: RecordedRequest) => ShipStationFault | undefined;
  /** The V2 API key (header `API-Key`); without one every V2 request but the JWKS gets 401. */
  v2ApiKey?: string;
  /** V2 requests allowed per one-minute window and V2 key (default 200, the V2 limit). */
  v2RateLimitPerMinute?: number;
}

/** A fault injected into one request: `hang` is never answered (until `close`); a 429 may say when the window resets. */
export type ShipStationFault = 'hang' | { status: number; resetSeconds?: number };

/** One API request as the simulator saw it; webhook deliveries are not recorded. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The answered status; 0 while a request is held open by `hangNext` (or a `hang` fault). */
  status: number;
  /** V1: Basic auth with the current pair; V2: `API-Key` with the current V2 key (always true for the public JWKS). */
  authorized: boolean;
  at: Date;
  /** Which API: `v2` for every path under `/v2/`. */
  api: 'v1' | 'v2';
}

/** V1 weight object (`WeightUnits` 1 = ounces). */
export interface Weight {
  value: number;
  units: string;
  WeightUnits: number;
}

/** V1 package dimensions. */
export interface Dimensions {
  units: string;
  length: number;
  width: number;
  height: number;
}

/** V1 Address; channels often leave fields null or blank, so every text field is nullable. */
export interface Address {
  name: string | null;
  company: string | null;
  street1: string | null;
  street2: string | null;
  street3: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  phone: string | null;
  residential: boolean | null;
  addressVerified: string | null;
}

/** A product option on an order line, e.g. size. */
export interface ItemOption {
  name: string;
  value: string;
}

/** V1 OrderItem (also the shape of `shipmentItems`). */
export interface SimOrderItem {
  orderItemId: number;
  lineItemKey: string | null;
  sku: string | null;
  name: string;
  imageUrl: string | null;
  weight: Weight | null;
  quantity: number;
  unitPrice: number;
  taxAmount: number | null;
  shippingAmount: number | null;
  warehouseLocation: string | null;
  options: ItemOption[];
  productId: number | null;
  fulfillmentSku: string | null;
  adjustment: boolean;
  upc: string | null;
  createDate: string;
  modifyDate: string;
}

/**
 * A label's line (`shipmentItems`), with exactly the keys of the V1 docs' List Shipments example
 * (test/fixtures/shipstation/v1-docs/list_shipments.json): fewer than an order line, and no dates.
 */
export type SimShipmentItem = Pick<
  SimOrderItem,
  | 'orderItemId'
  | 'lineItemKey'
  | 'sku'
  | 'name'
  | 'imageUrl'
  | 'weight'
  | 'quantity'
  | 'unitPrice'
  | 'warehouseLocation'
  | 'options'
  | 'productId'
  | 'fulfillmentSku'
>;

/** V1 `advancedOptions`, where the store id and split/merge markers live. */
export interface AdvancedOptions {
  warehouseId: number | null;
  nonMachinable: boolean;
  saturdayDelivery: boolean;
  containsAlcohol: boolean;
  mergedOrSplit: boolean;
  mergedIds: number[];
  parentId: number | null;
  storeId: number;
  customField1: string | null;
  customField2: string | null;
  customField3: string | null;
  source: string | null;
  billToParty: string | null;
  billToAccount: string | null;
  billToPostalCode: string | null;
  billToCountryCode: string | null;
  billToMyOtherAccount: string | null;
}

/** A label's `advancedOptions`: the five keys recorded label rows carry (test/fixtures/shipstation/agritheory/list_shipments.json). */
export type ShipmentAdvancedOptions = Pick<AdvancedOptions, 'billToParty' | 'billToAccount' | 'billToPostalCode' | 'billToCountryCode' | 'storeId'>;

/** V1 insurance options. */
export interface InsuranceOptions {
  provider: string | null;
  insureShipment: boolean;
  insuredValue: number;
}

/** V1 international options. */
export interface InternationalOptions {
  contents: string | null;
  customsItems: unknown[] | null;
  nonDelivery: string | null;
}

/** A V1 Order exactly as `GET /orders` returns it (timestamps in Pacific wall-clock text). */
export interface SimOrder {
  orderId: number;
  orderNumber: string;
  orderKey: string;
  orderDate: string;
  createDate: string;
  modifyDate: string;
  paymentDate: string | null;
  shipByDate: string | null;
  orderStatus: OrderStatus;
  customerId: number | null;
  customerUsername: string | null;
  customerEmail: string | null;
  billTo: Address;
  shipTo: Address;
  items: SimOrderItem[];
  orderTotal: number;
  amountPaid: number;
  taxAmount: number;
  shippingAmount: number;
  customerNotes: string | null;
  internalNotes: string | null;
  gift: boolean;
  giftMessage: string | null;
  paymentMethod: string | null;
  requestedShippingService: string | null;
  carrierCode: string | null;
  serviceCode: string | null;
  packageCode: string | null;
  confirmation: string | null;
  shipDate: string | null;
  holdUntilDate: string | null;
  weight: Weight;
  dimensions: Dimensions | null;
  insuranceOptions: InsuranceOptions;
  internationalOptions: InternationalOptions;
  advancedOptions: AdvancedOptions;
  tagIds: number[] | null;
  userId: string | null;
  externallyFulfilled: boolean;
  externallyFulfilledBy: string | null;
  externallyFulfilledById: number | null;
  externallyFulfilledByName: string | null;
  labelMessages: string | null;
}

/** A V1 Shipment (a label); `shipmentItems` is null unless the request asked for items. */
export interface SimShipment {
  shipmentId: number;
  orderId: number;
  orderKey: string;
  userId: string | null;
  /** Absent from the V1 docs' List Shipments example, null in many recorded rows. */
  customerEmail?: string | null;
  orderNumber: string;
  createDate: string;
  shipDate: string;
  shipmentCost: number;
  insuranceCost: number;
  trackingNumber: string;
  isReturnLabel: boolean;
  batchNumber: string;
  carrierCode: string;
  serviceCode: string;
  packageCode: string;
  confirmation: string;
  warehouseId: number | null;
  voided: boolean;
  voidDate: string | null;
  marketplaceNotified: boolean;
  notifyErrorMessage: string | null;
  shipTo: Address;
  weight: Weight;
  dimensions: Dimensions | null;
  insuranceOptions: InsuranceOptions;
  advancedOptions: ShipmentAdvancedOptions;
  shipmentItems: SimShipmentItem[] | null;
  labelData: string | null;
  formData: string | null;
}

/**
 * A V1 Fulfillment: an order shipped outside ShipStation labels ("Mark as Shipped" or a fulfillment provider), shaped
 * like the V1 docs' List Fulfillments (test/fixtures/shipstation/v1-docs/list_fulfillments.json): `carrierCode` is the
 * carrier's name as typed ("USPS", "FedEx"), `shipDate` a midnight timestamp, and only a provider's row has the
 * `sellerFillProvider…` keys.
 */
export interface SimFulfillment {
  fulfillmentId: number;
  orderId: number;
  orderNumber: string;
  userId: string | null;
  customerEmail: string | null;
  trackingNumber: string | null;
  createDate: string;
  shipDate: string;
  voidDate: string | null;
  deliveryDate: string | null;
  carrierCode: string | null;
  sellerFillProviderId?: number | null;
  sellerFillProviderName?: string | null;
  fulfillmentServiceCode: string | null;
  fulfillmentProviderCode: string | null;
  fulfillmentFee: number;
  voidRequested: boolean;
  voided: boolean;
  marketplaceNotified: boolean;
  notifyErrorMessage: string | null;
  shipTo: Address;
}

/**
 * A V1 store as `GET /stores` lists it, keyed like the recorded list (test/fixtures/shipstation/agritheory/list_stores.json):
 * blank text is `""`, and its dates have at most three fractional digits.
 */
export interface SimStore {
  storeId: number;
  storeName: string;
  marketplaceId: number;
  marketplaceName: string;
  accountName: string;
  email: string;
  integrationUrl: string;
  active: boolean;
  companyName: string;
  phone: string;
  publicEmail: string;
  website: string;
  refreshDate: string;
  lastRefreshAttempt: string;
  createDate: string;
  modifyDate: string;
  autoRefresh: boolean;
  statusMappings: string;
}

/** A carrier account as `GET /carriers` lists it (test/fixtures/shipstation/v1-docs/list_carriers.json). */
export interface SimCarrier {
  name: string;
  code: string;
  /** A string, except FedEx's, which the V1 docs show as a JSON number. */
  accountNumber: string | number;
  requiresFundedAccount: boolean;
  balance: number;
  nickname: string | null;
  shippingProviderId: number;
  primary: boolean;
}

/** A carrier's service as `GET /carriers/listservices?carrierCode=…` lists it. */
export interface SimCarrierService {
  carrierCode: string;
  code: string;
  name: string;
  domestic: boolean;
  international: boolean;
}

/** An order line a test wants; missing fields get deterministic defaults. */
export type NewOrderItemInput = Partial<Omit<SimOrderItem, 'orderItemId' | 'createDate' | 'modifyDate'>>;

type ChannelDate = string | Date | null;

/**
 * What a merchant or marketplace hands ShipStation. Any order field may be set (ids and ShipStation-generated dates
 * excepted); dates take a Date or Pacific wall-clock text. `status` defaults to `awaiting_shipment`.
 */
export interface NewOrderInput extends Partial<
  Omit<
    SimOrder,
    | 'orderId'
    | 'orderStatus'
    | 'createDate'
    | 'modifyDate'
    | 'orderDate'
    | 'paymentDate'
    | 'shipByDate'
    | 'holdUntilDate'
    | 'items'
    | 'shipTo'
    | 'billTo'
    | 'advancedOptions'
  >
> {
  status?: OrderStatus;
  storeId?: number;
  orderDate?: string | Date;
  paymentDate?: ChannelDate;
  shipByDate?: ChannelDate;
  holdUntilDate?: ChannelDate;
  items?: NewOrderItemInput[];
  shipTo?: Partial<Address>;
  billTo?: Partial<Address>;
  advancedOptions?: Partial<AdvancedOptions>;
}

/**
 * Options for a label; defaults are a USPS Priority Mail label from Stamps.com, or the carrier's international service
 * when the order ships abroad.
 */
export interface LabelInput {
  carrierCode?: string;
  serviceCode?: string;
  packageCode?: string;
  trackingNumber?: string;
  shipmentCost?: number;
  /** A return label: no SHIP_NOTIFY (it is not outbound) and the order status is left alone. */
  isReturnLabel?: boolean;
  /**
   * The label row's `customerEmail`: the order's by default; `null` as recorded label rows often have it; `'absent'`
   * for no key at all, as the V1 docs' List Shipments example shows it.
   */
  customerEmail?: string | null | 'absent';
}

/** Options for a fulfillment record ("Mark as Shipped" or a fulfillment provider's shipment). */
export interface FulfillmentInput {
  /** The carrier as the merchant typed it: "USPS" by default, "UPS" for a provider; null as a recorded row has it. */
  carrierCode?: string | null;
  /** A tracking number; `""` as a recorded row without one has it. */
  trackingNumber?: string;
  /**
   * When it shipped, with its time of day as a recorded row has it (agritheory/list_fulfillments.json); by default the
   * day at midnight, as the V1 docs show it ("2016-06-07T00:00:00.0000000").
   */
  shipDate?: Date;
  fulfillmentServiceCode?: string;
  fulfillmentProviderCode?: string;
  sellerFillProviderName?: string;
  fulfillmentFee?: number;
}

/** What the merchant can change on an open order in the ShipStation UI; every field left out stays as it is. */
export interface OrderEdit {
  customerEmail?: string | null;
  customerNotes?: string | null;
  internalNotes?: string | null;
  gift?: boolean;
  giftMessage?: string | null;
  requestedShippingService?: string | null;
  tagIds?: number[] | null;
  shipTo?: Partial<Address>;
}

/** Called for each API request that passed the rate limit and auth, before it is served. */
export type RequestHook = (request: RecordedRequest) => void;

/** A V2 webhook as `GET /v2/environment/webhooks` lists it. */
export interface SimV2Webhook {
  webhook_id: string;
  url: string;
  event: V2WebhookEvent;
  headers: { key: string; value: string }[];
  store_id: number | null;
}

interface V2Subscription extends SimV2Webhook {
  name: string | null;
}

/** A label the demo moves along (`advanceTracking`): its seeded plan, made on first use, and how many steps were sent. */
interface DemoTracking {
  shipmentId: number;
  createdAt: Date;
  steps: DemoStep[] | undefined;
  sent: number;
}

interface Subscription {
  id: number;
  targetUrl: string;
  event: WebhookEvent;
  storeId: number | null;
  name: string | null;
}

interface RateDecision {
  limited: boolean;
  headers: Record<string, string>;
}

class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

const ACCOUNT_USER_ID = '3f6c1a9e-52b4-4d1e-9a57-0c8e2b7d4f10';
const SELLER_ID = 100000;
const WAREHOUSE_ID = 410001;
const MAX_PAGE_SIZE = 500;
const FIRST_SHIPMENT_BATCH_ID = 144015001;
const WINDOW_MS = 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;
const JSON_TYPE = 'application/json; charset=utf-8';
const JWKS_PATH = '/v2/webhook-jwks.json';

const PRODUCTS = [
  { sku: 'TEE-BLK-M', name: 'Organic Cotton Tee - Black / M', unitPrice: 28, ounces: 6, productId: 6100001 },
  { sku: 'MUG-CER-12', name: 'Ceramic Mug 12oz', unitPrice: 18.5, ounces: 14, productId: 6100002 },
  { sku: 'HAT-WOOL-GRY', name: 'Wool Beanie - Grey', unitPrice: 24, ounces: 4, productId: 6100003 },
  { sku: 'SOCK-MRN-L', name: 'Merino Socks - Large', unitPrice: 16, ounces: 3, productId: 6100004 },
  { sku: 'BAG-CNV-NAT', name: 'Canvas Tote - Natural', unitPrice: 32, ounces: 9, productId: 6100005 },
  { sku: 'BTL-STL-750', name: 'Steel Water Bottle 750ml', unitPrice: 29.95, ounces: 12, productId: 6100006 },
  { sku: 'CAP-TRK-NVY', name: 'Trucker Cap - Navy', unitPrice: 22, ounces: 5, productId: 6100007 },
  { sku: 'HOOD-FLC-OLV-L', name: 'Fleece Hoodie - Olive / L', unitPrice: 64, ounces: 20, productId: 6100008 },
] as const;
const FIRST_NAMES = ['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Ethan', 'Priya', 'Mateo', 'Hana', 'Owen'] as const;
const LAST_NAMES = ['Garcia', 'Nguyen', 'Smith', 'Okafor', 'Kim', 'Rossi', 'Patel', 'Cohen', 'Silva', 'Walker'] as const;
const STREETS = ['Market St', 'Oak Ave', 'Maple Dr', 'Pine St', 'Cedar Ln', 'Elm St', 'Lakeview Rd', 'Main St'] as const;
const CITIES = [
  { city: 'San Francisco', state: 'CA', postalCode: '94103' },
  { city: 'Portland', state: 'OR', postalCode: '97205' },
  { city: 'Austin', state: 'TX', postalCode: '78701' },
  { city: 'Denver', state: 'CO', postalCode: '80202' },
  { city: 'Brooklyn', state: 'NY', postalCode: '11201' },
  { city: 'Seattle', state: 'WA', postalCode: '98101' },
  { city: 'Chicago', state: 'IL', postalCode: '60607' },
  { city: 'Boston', state: 'MA', postalCode: '02116' },
] as const;

/**
 * The carrier accounts of the demo shop, as `GET /carriers` lists them: the V1 docs' List Carriers example
 * (test/fixtures/shipstation/v1-docs/list_carriers.json: two Stamps.com accounts, one of them not primary, and FedEx's
 * account number as a JSON number), for the carriers the simulator's labels use. `ups_walleted` is named as in a
 * recorded `GET /carriers` ("UPS by ShipStation", `requiresFundedAccount: true`; index id 17308908748).
 */
const CARRIER_ACCOUNTS: readonly SimCarrier[] = [
  {
    name: 'Stamps.com',
    code: 'stamps_com',
    accountNumber: 'DEMO1001',
    requiresFundedAccount: true,
    balance: 24.27,
    nickname: null,
    shippingProviderId: 412001,
    primary: true,
  },
  {
    name: 'Stamps.com',
    code: 'stamps_com',
    accountNumber: 'DEMO1002',
    requiresFundedAccount: true,
    balance: 2400.27,
    nickname: 'Stamps.com 2',
    shippingProviderId: 412002,
    primary: false,
  },
  { name: 'UPS', code: 'ups', accountNumber: 'DEMO80', requiresFundedAccount: false, balance: 0, nickname: null, shippingProviderId: 412003, primary: true },
  {
    name: 'UPS by ShipStation',
    code: 'ups_walleted',
    accountNumber: 'DEMO87',
    requiresFundedAccount: true,
    balance: 315.13,
    nickname: null,
    shippingProviderId: 412004,
    primary: true,
  },
  {
    name: 'FedEx',
    code: 'fedex',
    accountNumber: 510087001,
    requiresFundedAccount: false,
    balance: 0,
    nickname: 'SS',
    shippingProviderId: 412005,
    primary: true,
  },
];

/** `[code, display name, domestic, international]`, the name as a ShipStation list gives it. */
type ServiceRow = readonly [code: string, name: string, domestic: boolean, international: boolean];

/** A service named in SERVICE_NAMES (lib/domain/carriers.ts); its flags are those of ShipEngine's list of the same code. */
const namedService = (code: string, domestic: boolean): ServiceRow => {
  const name = knownServiceName(code);
  if (name === undefined) throw new Error(`no known name for service ${code}`);
  return [code, name, domestic, !domestic];
};

/**
 * The V1 docs' List Services example for FedEx, verbatim (test/fixtures/shipstation/v1-docs/list_services_fedex.json).
 */
const FEDEX_SERVICES: readonly ServiceRow[] = [
  ['fedex_ground', 'FedEx Ground®', true, false],
  ['fedex_home_delivery', 'FedEx Home Delivery®', true, false],
  ['fedex_2day', 'FedEx 2Day®', true, false],
  ['fedex_2day_am', 'FedEx 2Day® A.M.', true, false],
  ['fedex_express_saver', 'FedEx Express Saver®', true, false],
  ['fedex_standard_overnight', 'FedEx Standard Overnight®', true, false],
  ['fedex_priority_overnight', 'FedEx Priority Overnight®', true, false],
  ['fedex_first_overnight', 'FedEx First Overnight®', true, false],
  ['fedex_1_day_freight', 'FedEx 1 Day® Freight', true, false],
  ['fedex_2_day_freight', 'FedEx 2 Day® Freight', true, false],
  ['fedex_3_day_freight', 'FedEx 3 Day® Freight', true, false],
  ['fedex_first_overnight_freight', 'FedEx First Overnight® Freight', true, false],
  ['fedex_ground_international', 'FedEx Ground® International', false, true],
  ['fedex_international_economy', 'FedEx International Economy®', false, true],
  ['fedex_international_priority', 'FedEx International Priority®', false, true],
  ['fedex_international_first', 'FedEx International First®', false, true],
  ['fedex_europe_first', 'FedEx Europe First®', false, true],
  ['fedex_international_economy_freight', 'FedEx International Economy® Freight', false, true],
  ['fedex_international_priority_freight', 'FedEx International Priority® Freight', false, true],
];

/**
 * Stamps.com: the three services of a recorded list (test/fixtures/shipstation/agritheory/list_services_stamps_com.json),
 * then the USPS services it lacks, named as in SERVICE_NAMES.
 */
const STAMPS_COM_SERVICES: readonly ServiceRow[] = [
  ['usps_first_class_mail', 'USPS First Class Mail', true, false],
  ['usps_media_mail', 'USPS Media Mail', true, false],
  ['usps_parcel_select', 'USPS Parcel Select Ground', true, false],
  namedService('usps_priority_mail', true),
  namedService('usps_priority_mail_express', true),
  namedService('usps_first_class_mail_international', false),
  namedService('usps_priority_mail_international', false),
  namedService('usps_priority_mail_express_international', false),
];

/** UPS (own account or ShipStation's): no V1 list was found, so the UPS services of SERVICE_NAMES. */
const UPS_SERVICES: readonly ServiceRow[] = [
  namedService('ups_ground', true),
  namedService('ups_3_day_select', true),
  namedService('ups_2nd_day_air', true),
  namedService('ups_2nd_day_air_am', true),
  namedService('ups_next_day_air', true),
  namedService('ups_next_day_air_saver', true),
  namedService('ups_next_day_air_early_am', true),
  namedService('ups_standard_international', false),
];

/** What `GET /carriers/listservices` answers per carrier code: every service the simulator's labels can use is here. */
const SERVICES_BY_CARRIER: ReadonlyMap<string, readonly ServiceRow[]> = new Map([
  ['stamps_com', STAMPS_COM_SERVICES],
  ['ups', UPS_SERVICES],
  ['ups_walleted', UPS_SERVICES],
  ['fedex', FEDEX_SERVICES],
]);

/**
 * ShipStation API V1 for one account over real HTTP: the same auth, rate limit, Pacific timestamps, paging and thin
 * webhooks as the real service, its carriers and their services, plus shop actions (import, label, mark shipped…) and
 * fault injection for tests.
 * Under `/v2/` on the same origin it also plays API V2 for what the product uses: `API-Key` auth and its own rate limit,
 * webhook management, the public JWKS (an EC key beside the RSA ones), and RSA-signed TRACK_EVENT_V2 (or API_TRACK)
 * webhooks to `track_event_v2` and `track` subscribers (`track`, `advanceTracking`); `GET /v2/shipments`,
 * `/v2/shipments/{id}`, `/v2/labels` and `/v2/fulfillments` as a view over the V1 orders, labels and fulfilments; and
 * signed pointer webhooks (SHIPMENT_CREATED_V2, LABEL_CREATED_V2, FULFILLMENT_SHIPPED_V2, FULFILLMENT_REJECTED_V2) to
 * the V2 subscribers of `shipment_created_v2`, `label_created_v2`, `fulfillment_shipped_v2`, `fulfillment_rejected_v2`.
 */
export class ShipStationSimulator {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly now: () => Date;
  private readonly rateLimit: number;
  private readonly webhookDeliveries: number;
  private readonly onWebhookError: (err: unknown) => void;
  private readonly webhookDeliveriesFor: ShipStationSimulatorOptions['webhookDeliveriesFor'];
  private readonly faults: ((request: RecordedRequest) => ShipStationFault | undefined) | undefined;
  private apiKey: string;
  private apiSecret: string;
  private keyExpired = false;
  private windowStart: number | undefined;
  private windowCount = 0;
  private readonly injectedFailures: number[] = [];
  private hangsLeft = 0;
  private readonly orders = new Map<number, SimOrder>();
  private readonly importBatches = new Map<string, number[]>();
  private readonly shipments = new Map<number, { shipment: SimShipment; batchId: number }>();
  private readonly fulfillments = new Map<number, SimFulfillment>();
  /** The fulfilments each FULFILLMENT_SHIPPED resource_url (`/fulfillments?batchId=…`) names. */
  private readonly fulfillmentBatches = new Map<number, number[]>();
  /** Per-order indexes, so voiding stays O(1) in a history of tens of thousands of orders. */
  private readonly shipmentIdsByOrder = new Map<number, number[]>();
  private readonly fulfillmentIdsByOrder = new Map<number, number[]>();
  private readonly requestHooks = new Set<RequestHook>();
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly stores: SimStore[];
  private readonly pendingDeliveries = new Set<Promise<void>>();
  private readonly outgoing = new Set<ClientRequest>();
  private nextOrderId = 100001;
  private nextOrderItemId = 700001;
  private nextShipmentId = 500001;
  private nextShipmentBatchId = FIRST_SHIPMENT_BATCH_ID;
  private nextFulfillmentId = 900001;
  private nextFulfillmentBatchId = 144_900_001;
  private nextWebhookId = 20001;
  private importBatchCount = 0;
  private closing: Promise<void> | undefined;
  private readonly v2RateLimit: number;
  private v2ApiKey: string | undefined;
  private v2KeyExpired = false;
  private readonly v2Windows = new Map<string, { start: number; count: number }>();
  private readonly v2Subscriptions = new Map<string, V2Subscription>();
  private nextV2WebhookId = 9001;
  private v2RequestCount = 0;
  private readonly signingKeys = new SigningKeys();
  private jwksFetches = 0;
  /** Latest label per tracking number (upper case), for `track`. */
  private readonly shipmentIdByTracking = new Map<string, number>();
  private readonly packages = new Map<string, TrackedPackage>();
  private readonly demoTracking = new Map<number, DemoTracking>();
  private unknownLabelCount = 0;
  /** The V1 records as the V2 view reads them: the same maps, never a copy. */
  private readonly v2Records: V2Records;

  private constructor(options: ShipStationSimulatorOptions, server: Server, baseUrl: string) {
    this.server = server;
    this.baseUrl = baseUrl;
    this.now = options.now ?? ((): Date => new Date());
    this.rateLimit = options.rateLimitPerMinute ?? 40;
    this.webhookDeliveries = options.webhookDeliveries ?? 1;
    this.onWebhookError = options.onWebhookError ?? ((): void => undefined);
    this.webhookDeliveriesFor = options.webhookDeliveriesFor;
    this.faults = options.faults;
    this.apiKey = options.apiKey;
    this.apiSecret = options.apiSecret;
    this.v2ApiKey = options.v2ApiKey;
    this.v2RateLimit = options.v2RateLimitPerMinute ?? 200;
    this.v2Records = {
      baseUrl,
      orders: () => this.orders.values(),
      order: (orderId) => this.orders.get(orderId),
      labels: () => this.shipments.values(),
      fulfillments: () => this.fulfillments.values(),
      importBatch: (batchId) => this.importBatches.get(batchId),
      carrierId: (carrierCode) => CARRIER_ACCOUNTS.find((account) => account.code === carrierCode && account.primary)?.shippingProviderId,
      trackingStatus: (trackingNumber) => this.packages.get(trackingNumber.toUpperCase())?.latest?.status_code,
    };
    const opened = trimmedStamp(this.now());
    this.stores = [
      store(310001, 'Demo Shopify Store', 26, 'Shopify', 'https://demo-shop.myshopify.com', opened),
      store(310002, 'Manual Orders', 0, 'ShipStation', '', opened),
    ];
  }

  /** Starts listening (port 0 = a free random port) and resolves once `baseUrl` is reachable. */
  static async start(options: ShipStationSimulatorOptions): Promise<ShipStationSimulator> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const simulator = new ShipStationSimulator(options, server, `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => simulator.handle(req, res));
    return simulator;
  }

  /** Stops the server, drops held (`hangNext`) requests and aborts webhook deliveries still in flight. */
  async close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      for (const outgoing of this.outgoing) outgoing.destroy();
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
    await this.closing;
    await this.flushWebhooks();
  }

  /**
   * Imports one batch of orders. Like the real service, the whole batch shares one ORDER_NOTIFY (and ITEM_ORDER_NOTIFY)
   * whose resource_url lists exactly these orders, and nothing is sent when every order is still awaiting payment.
   * V2 subscribers of `shipment_created_v2` get one SHIPMENT_CREATED_V2 pointing at `/v2/shipments?import_batch_id=`
   * the same batch (a split order imported as two orders: one webhook, two shipments). It is sent for every import,
   * awaiting payment or not (assumed: the V2 shipment exists from the import on, and V2 has no awaiting-payment state).
   */
  importOrders(inputs: NewOrderInput[]): SimOrder[] {
    const created = inputs.map((input) => this.buildOrder(input));
    for (const order of created) this.orders.set(order.orderId, order);
    if (created.length === 0) return [];
    const orderIds = created.map((order) => order.orderId);
    let batch: string;
    if (created.some((order) => order.orderStatus !== 'awaiting_payment')) {
      batch = this.notifyOrders(orderIds);
    } else {
      batch = this.newImportBatchId();
      this.importBatches.set(batch, orderIds);
    }
    const storeIds = created.map((order) => order.advancedOptions.storeId);
    this.emitV2Pointer('shipment_created_v2', v2ShipmentsBatchUrl(this.baseUrl, batch), storeIds);
    return created.map((order) => structuredClone(order));
  }

  /** The resource_url ORDER_NOTIFY names for the (latest) import batch holding this order, subscribed to or not. */
  importBatchUrl(orderId: number): string {
    const batch = [...this.importBatches].reverse().find(([, ids]) => ids.includes(orderId))?.[0];
    if (batch === undefined) throw new Error(`order ${orderId} was not imported`);
    return `${this.baseUrl}/orders?importBatch=${batch}`;
  }

  /** Imports a single order as its own batch. */
  importOrder(input: NewOrderInput = {}): SimOrder {
    const [order] = this.importOrders([input]);
    return order as SimOrder;
  }

  /**
   * Changes an order's status from the ShipStation UI (hold, cancel, restore…). No webhook fires, except the documented
   * one: an awaiting-payment order that gets paid (any status but cancelled) sends ORDER_NOTIFY.
   */
  setOrderStatus(orderId: number, status: OrderStatus): SimOrder {
    const order = this.requireOrder(orderId);
    const previous = order.orderStatus;
    const stamp = this.stamp();
    order.orderStatus = status;
    order.modifyDate = stamp;
    const paid = previous === 'awaiting_payment' && status !== 'awaiting_payment' && status !== 'cancelled';
    if (paid) {
      order.paymentDate ??= stamp;
      order.amountPaid = order.orderTotal;
      this.notifyOrders([orderId]);
    }
    return structuredClone(order);
  }

  /**
   * Puts an order on hold until a day, as the ShipStation UI does ("Hold until"): status on_hold with that
   * `holdUntilDate` (V1: a day, `2026-11-25`; V2: `hold_until_date` `2026-11-25T00:00:00Z`, status `on_hold`). A Date
   * is read as its Pacific calendar day, text as `yyyy-MM-dd`. Like `setOrderStatus`: no webhook (none fires for
   * holds in V1 or V2), except ORDER_NOTIFY when it takes an awaiting-payment order. The release on that day is not
   * simulated: `setOrderStatus(orderId, 'awaiting_shipment')` does it.
   */
  holdOrderUntil(orderId: number, until: Date | string): SimOrder {
    this.requireOrder(orderId);
    let day: string;
    if (until instanceof Date) {
      day = formatPacificDate(until);
    } else {
      const normalized = normalizePacificTimestamp(until);
      if (normalized === undefined) throw new Error(`'${until}' is not a day (yyyy-MM-dd)`);
      day = normalized.slice(0, 10);
    }
    this.setOrderStatus(orderId, 'on_hold');
    const order = this.requireOrder(orderId);
    order.holdUntilDate = day;
    return structuredClone(order);
  }

  /** One order as `GET /v2/shipments/se-<orderId>` answers it: the V2 shipment it is. */
  getV2Shipment(orderId: number): SimV2Shipment {
    return v2ShipmentOf(this.requireOrder(orderId), this.v2Records);
  }

  /**
   * Buys a label: a shipment in its own batch, the order becomes shipped, and SHIP_NOTIFY / ITEM_SHIP_NOTIFY fire
   * (return labels fire nothing and leave the order alone, because the webhook is only for outbound labels). V2
   * subscribers of `label_created_v2` get LABEL_CREATED_V2 pointing at `/v2/labels?batch_id=se-<batchId>` for every
   * label, return labels included (assumed: V2's event is "a label was created", and the list says `is_return_label`).
   */
  createLabel(orderId: number, input: LabelInput = {}): SimShipment {
    const order = this.requireOrder(orderId);
    if (order.orderStatus === 'cancelled') throw new Error(`order ${orderId} is cancelled`);
    const at = this.now();
    const stamp = pacificStamp(at);
    const shipmentId = this.nextShipmentId++;
    const batchId = this.nextShipmentBatchId++;
    const carrierCode = input.carrierCode ?? 'stamps_com';
    const isReturnLabel = input.isReturnLabel ?? false;
    const shipment: SimShipment = {
      shipmentId,
      orderId,
      orderKey: order.orderKey,
      userId: ACCOUNT_USER_ID,
      customerEmail: input.customerEmail === undefined ? order.customerEmail : input.customerEmail === 'absent' ? null : input.customerEmail,
      orderNumber: order.orderNumber,
      createDate: stamp,
      shipDate: stamp.slice(0, 10),
      shipmentCost: input.shipmentCost ?? round2(6.95 + (shipmentId % 7) * 0.85),
      insuranceCost: 0,
      trackingNumber: input.trackingNumber ?? trackingNumberFor(carrierCode, shipmentId),
      isReturnLabel,
      // A per-account counter as text, as every real row has one ("100301", "100002"); not the webhook's batchId.
      batchNumber: String(100_000 + batchId - FIRST_SHIPMENT_BATCH_ID + 1),
      carrierCode,
      serviceCode: input.serviceCode ?? defaultServiceCode(carrierCode, order.shipTo.country),
      packageCode: input.packageCode ?? 'package',
      confirmation: 'none',
      warehouseId: order.advancedOptions.warehouseId,
      voided: false,
      voidDate: null,
      marketplaceNotified: true,
      notifyErrorMessage: null,
      shipTo: structuredClone(order.shipTo),
      weight: structuredClone(order.weight),
      dimensions: order.dimensions ? structuredClone(order.dimensions) : null,
      insuranceOptions: structuredClone(order.insuranceOptions),
      advancedOptions: shipmentAdvancedOptions(order.advancedOptions),
      shipmentItems: order.items.map(shipmentItem),
      labelData: null,
      formData: null,
    };
    if (input.customerEmail === 'absent') delete shipment.customerEmail;
    this.shipments.set(shipmentId, { shipment, batchId });
    appendTo(this.shipmentIdsByOrder, orderId, shipmentId);
    this.shipmentIdByTracking.set(shipment.trackingNumber.toUpperCase(), shipmentId);
    if (!isReturnLabel && this.hasV2Subscription('track')) {
      this.demoTracking.set(shipmentId, { shipmentId, createdAt: at, steps: undefined, sent: 0 });
    }
    if (!isReturnLabel) {
      order.orderStatus = 'shipped';
      order.shipDate = shipment.shipDate;
      order.carrierCode = shipment.carrierCode;
      order.serviceCode = shipment.serviceCode;
      order.packageCode = shipment.packageCode;
      order.modifyDate = stamp;
      const url = `${this.baseUrl}/shipments?batchId=${batchId}`;
      const storeIds = [order.advancedOptions.storeId];
      this.emit('SHIP_NOTIFY', `${url}&includeShipmentItems=False`, storeIds);
      this.emit('ITEM_SHIP_NOTIFY', `${url}&includeShipmentItems=True`, storeIds);
    }
    this.emitV2Pointer('label_created_v2', v2LabelsBatchUrl(this.baseUrl, batchId), [order.advancedOptions.storeId]);
    return renderShipment(shipment, true);
  }

  /** Voids a label (no webhook); an order left with no live shipment or fulfillment goes back to awaiting_shipment. */
  voidLabel(shipmentId: number): SimShipment {
    const entry = this.shipments.get(shipmentId);
    if (!entry) throw new Error(`unknown shipment ${shipmentId}`);
    const stamp = this.stamp();
    entry.shipment.voided = true;
    entry.shipment.voidDate = stamp;
    const order = this.requireOrder(entry.shipment.orderId);
    if (order.orderStatus === 'shipped' && !this.isStillShipped(order.orderId) && !entry.shipment.isReturnLabel) {
      order.orderStatus = 'awaiting_shipment';
      order.shipDate = null;
      order.modifyDate = stamp;
    }
    return renderShipment(entry.shipment, true);
  }

  /**
   * Voids a fulfillment, as when a merchant restores an order they had marked as shipped (no webhook); an order left with
   * no live shipment or fulfillment goes back to awaiting_shipment.
   */
  voidFulfillment(fulfillmentId: number): SimFulfillment {
    const fulfillment = this.fulfillments.get(fulfillmentId);
    if (!fulfillment) throw new Error(`unknown fulfillment ${fulfillmentId}`);
    const stamp = this.stamp();
    fulfillment.voidRequested = true;
    fulfillment.voided = true;
    fulfillment.voidDate = stamp;
    const order = this.requireOrder(fulfillment.orderId);
    if (order.orderStatus === 'shipped' && !this.isStillShipped(order.orderId)) {
      order.orderStatus = 'awaiting_shipment';
      order.shipDate = null;
      order.modifyDate = stamp;
    }
    return structuredClone(fulfillment);
  }

  /** Edits an open order in the ShipStation UI (notes, tags, address…): only modifyDate moves, and no webhook fires. */
  editOrder(orderId: number, changes: OrderEdit): SimOrder {
    const order = this.requireOrder(orderId);
    const { shipTo, ...plain } = changes;
    Object.assign(order, defined(plain));
    if (shipTo) order.shipTo = { ...order.shipTo, ...defined(shipTo) };
    order.modifyDate = this.stamp();
    return structuredClone(order);
  }

  /**
   * "Mark as Shipped": a fulfillment record and a shipped order, but no V1 webhook, exactly the gap V1 polling must
   * cover. V2 subscribers of `fulfillment_shipped_v2` get FULFILLMENT_SHIPPED_V2 pointing at
   * `/v2/fulfillments?fulfillment_id=se-<fulfillmentId>&shipment_id=se-<orderId>` (the recorded one is such an
   * "External" fulfilment).
   */
  markAsShipped(orderId: number, input: FulfillmentInput = {}): SimFulfillment {
    const fulfillment = this.fulfil(orderId, input, false);
    this.emitFulfillmentShippedV2(fulfillment);
    return fulfillment;
  }

  /**
   * A fulfillment provider (e.g. Amazon FBA) shipped the order: fulfillment record, shipped order, FULFILLMENT_SHIPPED
   * pointing at `/fulfillments?batchId=…` (as a public integration reads it), and FULFILLMENT_SHIPPED_V2 as for
   * `markAsShipped`.
   */
  fulfillmentProviderShipped(orderId: number, input: FulfillmentInput = {}): SimFulfillment {
    const fulfillment = this.fulfil(orderId, input, true);
    const order = this.requireOrder(orderId);
    const batchId = this.nextFulfillmentBatchId++;
    this.fulfillmentBatches.set(batchId, [fulfillment.fulfillmentId]);
    this.emit('FULFILLMENT_SHIPPED', `${this.baseUrl}/fulfillments?batchId=${batchId}`, [order.advancedOptions.storeId]);
    this.emitFulfillmentShippedV2(fulfillment);
    return fulfillment;
  }

  /**
   * A fulfillment provider rejected the order: status rejected_fulfillment and FULFILLMENT_REJECTED pointing at
   * `/orders?importBatch=…` (the recorded body's shape). V2 subscribers of `fulfillment_rejected_v2` get
   * FULFILLMENT_REJECTED_V2 pointing at `/v2/shipments?import_batch_id=` that same new one-order batch. No real
   * FULFILLMENT_REJECTED_V2 was ever captured: this URL is an assumption (a rejected order has no fulfilment to name, and
   * the V1 body names a one-order import batch).
   */
  fulfillmentProviderRejected(orderId: number): SimOrder {
    const order = this.requireOrder(orderId);
    order.orderStatus = 'rejected_fulfillment';
    order.modifyDate = this.stamp();
    const batch = this.newImportBatchId();
    this.importBatches.set(batch, [orderId]);
    this.emit('FULFILLMENT_REJECTED', `${this.baseUrl}/orders?importBatch=${batch}`, [order.advancedOptions.storeId]);
    this.emitV2Pointer('fulfillment_rejected_v2', v2ShipmentsBatchUrl(this.baseUrl, batch), [order.advancedOptions.storeId]);
    return structuredClone(order);
  }

  /** The current state of one order, as the API would return it. */
  getOrder(orderId: number): SimOrder {
    return structuredClone(this.requireOrder(orderId));
  }

  /** The stores of this account (what `GET /stores` answers). */
  listStores(): SimStore[] {
    return structuredClone(this.stores);
  }

  /** Replaces the key pair, as when a merchant generates new keys; the old pair gets 401 from now on. */
  rotateCredentials(apiKey: string, apiSecret: string): void {
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
    this.keyExpired = false;
  }

  /** Lets the current key pair expire; it then gets 401 "Invalid API credentials", as real expired keys do. */
  expireKey(): void {
    this.keyExpired = true;
  }

  /** The next `count` API requests (after the rate limiter) answer `status` with the .NET WebAPI error body. */
  failNext(count: number, status = 500): void {
    for (let i = 0; i < count; i++) this.injectedFailures.push(status);
  }

  /** The next `count` API requests (after the rate limiter) are never answered until `close`, to exercise client timeouts. */
  hangNext(count: number): void {
    this.hangsLeft += count;
  }

  /**
   * Registers a hook called synchronously for each API request that passed the rate limit, fault injection and auth,
   * just before it is served, so a test can change data between two pages of a listing. A hook that throws turns the
   * request into a 500. Returns the function that unregisters it.
   */
  onRequest(hook: RequestHook): () => void {
    const registered: RequestHook = (request) => hook(request);
    this.requestHooks.add(registered);
    return (): void => {
      this.requestHooks.delete(registered);
    };
  }

  /** Distinct target URLs of the current webhook subscriptions. */
  webhookTargets(): string[] {
    return [...new Set([...this.subscriptions.values()].map((subscription) => subscription.targetUrl))];
  }

  /** Resolves once every webhook delivery started so far (including its repeats) has finished or failed. */
  async flushWebhooks(): Promise<void> {
    while (this.pendingDeliveries.size > 0) await Promise.all([...this.pendingDeliveries]);
  }

  /** Where the V2 webhook signing keys are published as a JWKS (no auth): `${baseUrl}/v2/webhook-jwks.json`. */
  get jwksUrl(): string {
    return `${this.baseUrl}${JWKS_PATH}`;
  }

  /** How many requests the JWKS got (faulted ones included), so tests can check a verifier caches it. */
  get jwksRequests(): number {
    return this.jwksFetches;
  }

  /** The key id V2 webhooks are signed with now. */
  get signingKeyId(): string {
    return this.signingKeys.kid;
  }

  /** A new RSA-2048 signing key under a new key id: the JWKS keeps the old keys, and every V2 webhook from now on is signed with the new one. Returns the new kid. */
  rotateSigningKey(): string {
    return this.signingKeys.rotate();
  }

  /**
   * The three signature headers ShipStation would send with `rawBody`: RSA-SHA256 (PKCS#1 v1.5) over
   * `${timestamp}.${rawBody}` with the current key, base64. `timestamp` defaults to the simulator's now (ISO-8601 UTC).
   */
  signTrackingBody(rawBody: string, timestamp: string = this.now().toISOString()): TrackingSignatureHeaders {
    return this.signingKeys.sign(rawBody, timestamp);
  }

  /** Replaces the V2 API key, as when a merchant generates a new one; the old key gets 401 from now on. */
  rotateV2Key(apiKey: string): void {
    this.v2ApiKey = apiKey;
    this.v2KeyExpired = false;
  }

  /** Lets the current V2 key expire (or be revoked); it then gets the V2 401, like a missing or wrong key. */
  expireV2Key(): void {
    this.v2KeyExpired = true;
  }

  /** The V2 webhooks (what `GET /v2/environment/webhooks` answers). */
  listV2Webhooks(): SimV2Webhook[] {
    return [...this.v2Subscriptions.values()].map(renderV2Webhook);
  }

  /**
   * A carrier update for the package with this tracking number: it joins the package's history and a TRACK_EVENT_V2
   * (or, with `shape: 'API_TRACK'`, ShipEngine's older API_TRACK), signed, goes to every V2 webhook subscribed to
   * `track_event_v2` or `track` (through the same delivery machinery as V1 webhooks). The tracking number must be a
   * simulator label's unless `update.unknownLabel`. Returns the payload (the untampered one).
   */
  track(trackingNumber: string, update: TrackUpdate & { shape: typeof API_TRACK_RESOURCE_TYPE }): ApiTrackEvent;
  track(trackingNumber: string, update: TrackUpdate & { shape?: typeof TRACK_RESOURCE_TYPE }): TrackEventV2;
  track(trackingNumber: string, update: TrackUpdate): TrackEventV2 | ApiTrackEvent;
  track(trackingNumber: string, update: TrackUpdate): TrackEventV2 | ApiTrackEvent {
    const pkg = this.trackedPackage(trackingNumber, update);
    const data = recordTrackUpdate(pkg, update, update.occurredAt ?? this.now());
    const payload: TrackEventV2 | ApiTrackEvent =
      update.shape === API_TRACK_RESOURCE_TYPE
        ? apiTrackEventOf(pkg.carrierCode, data)
        : { resource_url: `${this.baseUrl}/v2/labels/${pkg.labelId}/track`, resource_type: TRACK_RESOURCE_TYPE, data };
    this.emitTracking(payload, update.tamper);
    return structuredClone(payload);
  }

  /** The newest tracking data sent for a tracking number (what the last webhook carried), undefined before any. */
  getTracking(trackingNumber: string): TrackEventV2Data | undefined {
    const latest = this.packages.get(trackingNumber.toUpperCase())?.latest;
    return latest && structuredClone(latest);
  }

  /**
   * POSTs exactly this body with these headers (plus Content-Length, and JSON Content-Type and ShipStation's User-Agent
   * unless given) once, through the webhook delivery machinery: `flushWebhooks` awaits it, failures go to
   * `onWebhookError`. For tests that craft their own webhook.
   */
  deliverRaw(url: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    return this.schedule(url, body, 1, headers);
  }

  /**
   * Moves every outbound, non-voided label created while a V2 `track` webhook was subscribed along its seeded journey
   * (NY, first scan ~2 h after the label, hub scans, out for delivery, delivered 2-4 days later; ~3% exception and ~3%
   * failed attempt before delivery), sending one `track` webhook per step whose time is at or before `now`, with that
   * time as `occurred_at`. Deterministic: the same labels give the same steps. Returns how many steps were sent.
   */
  advanceTracking(now: Date): number {
    let sent = 0;
    for (const demo of this.demoTracking.values()) {
      const shipment = this.shipments.get(demo.shipmentId)?.shipment;
      if (shipment === undefined || shipment.voided) continue;
      demo.steps ??= planDemoTracking(
        {
          shipmentId: shipment.shipmentId,
          createdAt: demo.createdAt,
          carrierCode: shipment.carrierCode,
          destination: {
            city: shipment.shipTo.city,
            state: shipment.shipTo.state,
            postalCode: shipment.shipTo.postalCode,
            country: shipment.shipTo.country,
          },
        },
        seededRandom(shipment.shipmentId ^ 0x7ac4),
      );
      for (let step = demo.steps[demo.sent]; step !== undefined && step.at.getTime() <= now.getTime(); step = demo.steps[demo.sent]) {
        this.track(shipment.trackingNumber, { ...step.update, occurredAt: step.at });
        demo.sent++;
        sent++;
      }
    }
    return sent;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const at = this.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', this.baseUrl);
    } catch {
      // A path like `//a:x/orders` is not a URL relative to the origin: a web server answers 400, it does not crash.
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad request' }));
      return;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) return this.handleV2(req, res, url, query, at);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      status: 0,
      authorized: this.isAuthorized(req.headers.authorization),
      at,
      api: 'v1',
    };
    this.requests.push(record);
    const rate = this.countRequest(at.getTime());
    const send = (status: number, body?: unknown): void => {
      record.status = status;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { ...rate.headers, 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (rate.limited) return send(429, { message: 'Too Many Requests' });
    const fault = this.faults?.(record);
    if (fault === 'hang') {
      req.resume();
      return;
    }
    if (fault?.status === 429) {
      rate.headers['X-Rate-Limit-Remaining'] = '0';
      if (fault.resetSeconds !== undefined) rate.headers['X-Rate-Limit-Reset'] = String(fault.resetSeconds);
      return send(429, { message: 'Too Many Requests' });
    }
    if (fault !== undefined) {
      return send(fault.status, {
        Message: 'An error has occurred.',
        ExceptionMessage: 'Object reference not set to an instance of an object.',
        ExceptionType: 'System.NullReferenceException',
      });
    }
    if (this.hangsLeft > 0) {
      this.hangsLeft--;
      req.resume();
      return;
    }
    const failure = this.injectedFailures.shift();
    if (failure !== undefined) {
      return send(failure, {
        Message: 'An error has occurred.',
        ExceptionMessage: 'Object reference not set to an instance of an object.',
        ExceptionType: 'System.NullReferenceException',
      });
    }
    if (!record.authorized) return send(401, { message: 'Invalid API credentials' });
    try {
      for (const hook of [...this.requestHooks]) hook(record);
    } catch (err) {
      req.resume();
      return send(500, {
        Message: 'An error has occurred.',
        ExceptionMessage: err instanceof Error ? err.message : String(err),
        ExceptionType: 'System.Exception',
      });
    }
    this.route(req, url)
      .then(({ status, body }) => send(status, body))
      .catch((err: unknown) => {
        if (err instanceof BadRequestError) return send(400, { message: err.message });
        send(500, {
          Message: 'An error has occurred.',
          ExceptionMessage: err instanceof Error ? err.message : String(err),
          ExceptionType: 'System.Exception',
        });
      });
  }

  /**
   * V2: the JWKS is public and outside the rate limit; everything else needs the V2 key, then passes the per-key limit,
   * then `faults`. Errors use the V2 body. `failNext`, `hangNext` and `onRequest` hooks stay V1-only.
   */
  private handleV2(req: IncomingMessage, res: ServerResponse, url: URL, query: Record<string, string>, at: Date): void {
    const isJwks = url.pathname === JWKS_PATH;
    const presented = req.headers['api-key'];
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      status: 0,
      authorized: isJwks || this.isV2Authorized(presented),
      at,
      api: 'v2',
    };
    this.requests.push(record);
    const requestId = deterministicUuid(`v2request:${++this.v2RequestCount}`);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const fail = (error: V2HttpError, headers: Record<string, string> = {}): void => {
      req.resume();
      send(error.status, v2ErrorBody(requestId, error.errorType, error.errorCode, error.message), headers);
    };
    const faulted = (): boolean => {
      const fault = this.faults?.(record);
      if (fault === undefined) return false;
      req.resume();
      if (fault === 'hang') return true;
      if (fault.status === 429) fail(rateLimited(), { 'Retry-After': String(fault.resetSeconds ?? 1) });
      else fail(new V2HttpError(fault.status, 'system', 'unspecified', 'An unexpected error occurred. Please try again later.'));
      return true;
    };
    if (isJwks) {
      this.jwksFetches++;
      if (faulted()) return;
      if (record.method !== 'GET') return fail(notFound(record.method, url.pathname));
      return send(200, this.signingKeys.jwks());
    }
    if (!record.authorized) return fail(new V2HttpError(401, 'security', 'unauthorized', V2_UNAUTHORIZED_MESSAGE));
    const retryAfter = this.countV2Request(this.v2ApiKey as string, at.getTime());
    if (retryAfter !== undefined) return fail(rateLimited(), { 'Retry-After': String(retryAfter) });
    if (faulted()) return;
    this.routeV2(req, url, record.method)
      .then(({ status, body }) => send(status, body))
      .catch((err: unknown) => {
        if (err instanceof V2HttpError) return fail(err);
        fail(new V2HttpError(500, 'system', 'unspecified', err instanceof Error ? err.message : String(err)));
      });
  }

  private async routeV2(req: IncomingMessage, url: URL, method: string): Promise<{ status: number; body?: unknown }> {
    const [, first, second, third, fourth] = url.pathname.split('/').filter((segment) => segment !== '');
    if (first?.toLowerCase() === 'environment' && second?.toLowerCase() === 'webhooks' && fourth === undefined) {
      if (third === undefined && method === 'GET') return ok(this.listV2Webhooks());
      if (third === undefined && method === 'POST') return this.createV2Webhook(await readBody(req));
      if (third !== undefined && method === 'GET') return ok(renderV2Webhook(this.requireV2Webhook(third)));
      if (third !== undefined && method === 'PUT') return this.updateV2Webhook(third, await readBody(req));
      if (third !== undefined && method === 'DELETE') {
        this.requireV2Webhook(third);
        this.v2Subscriptions.delete(third);
        return { status: 204 };
      }
    }
    if (first?.toLowerCase() === 'labels' && second !== undefined && third?.toLowerCase() === 'track' && fourth === undefined && method === 'GET') {
      return ok(this.labelTracking(second));
    }
    if (method === 'GET' && third === undefined) {
      const resource = first?.toLowerCase();
      if (resource === 'shipments' && second === undefined) return ok(listV2Shipments(this.v2Records, url));
      if (resource === 'shipments' && second !== undefined) return ok(getV2Shipment(this.v2Records, second));
      if (resource === 'labels' && second === undefined) return ok(listV2Labels(this.v2Records, url));
      if (resource === 'fulfillments' && second === undefined) return ok(listV2Fulfillments(this.v2Records, url));
    }
    throw notFound(method, url.pathname);
  }

  private createV2Webhook(raw: string): { status: number; body: unknown } {
    const body = parseV2Body(raw);
    const { name, event, url, headers, store_id: storeId } = body;
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/i.test(url)) throw invalidField('url', 'url is required and must be an http(s) URL.');
    if (typeof event !== 'string' || !(V2_WEBHOOK_EVENTS as readonly string[]).includes(event)) {
      throw invalidField('event', `event is required and must be one of ${V2_WEBHOOK_EVENTS.join(', ')}.`);
    }
    if (name !== undefined && name !== null && typeof name !== 'string') throw invalidField('name', 'name must be a string.');
    if (storeId !== undefined && storeId !== null && !Number.isInteger(storeId)) throw invalidField('store_id', 'store_id must be an integer.');
    const duplicate = [...this.v2Subscriptions.values()].find((webhook) => webhook.event === event && webhook.url === url);
    if (duplicate) {
      throw invalidField(
        'url',
        `A webhook for event '${event}' and url '${url}' already exists (webhook_id ${duplicate.webhook_id}); ` +
          'ShipStation does not allow duplicate webhooks for the same event and url.',
      );
    }
    const webhook: V2Subscription = {
      webhook_id: String(this.nextV2WebhookId++),
      url,
      event: event as V2WebhookEvent,
      headers: parseWebhookHeaders(headers),
      store_id: typeof storeId === 'number' ? storeId : null,
      name: typeof name === 'string' ? name : null,
    };
    this.v2Subscriptions.set(webhook.webhook_id, webhook);
    const { webhook_id: webhookId, headers: sentHeaders } = webhook;
    return { status: 201, body: { webhook_id: webhookId, url, event, headers: structuredClone(sentHeaders) } };
  }

  private updateV2Webhook(id: string, raw: string): { status: number } {
    const webhook = this.requireV2Webhook(id);
    const { url, headers } = parseV2Body(raw);
    if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\/\S+$/i.test(url))) throw invalidField('url', 'url must be an http(s) URL.');
    const parsedHeaders = headers === undefined ? undefined : parseWebhookHeaders(headers);
    if (typeof url === 'string') webhook.url = url;
    if (parsedHeaders !== undefined) webhook.headers = parsedHeaders;
    return { status: 204 };
  }

  private requireV2Webhook(id: string): V2Subscription {
    const webhook = this.v2Subscriptions.get(id);
    if (!webhook) throw new V2HttpError(404, 'validation', 'not_found', `Webhook ${id} was not found.`);
    return webhook;
  }

  /** Whether a V2 webhook receives what `event` names; `track` and `track_event_v2` both receive tracking updates. */
  private hasV2Subscription(event: V2WebhookEvent): boolean {
    const events = TRACKING_WEBHOOK_EVENTS.includes(event) ? TRACKING_WEBHOOK_EVENTS : [event];
    for (const webhook of this.v2Subscriptions.values()) if (events.includes(webhook.event)) return true;
    return false;
  }

  /** `GET /v2/labels/{label_id}/track`: the package's newest data, or a not-yet-in-system answer for a label never scanned. */
  private labelTracking(labelId: string): TrackEventV2Data {
    for (const pkg of this.packages.values()) if (pkg.labelId === labelId.toLowerCase() && pkg.latest) return structuredClone(pkg.latest);
    const match = /^se-(\d+)$/i.exec(labelId);
    const shipment = match ? this.shipments.get(Number(match[1]))?.shipment : undefined;
    if (!shipment) throw new V2HttpError(404, 'validation', 'not_found', `Label ${labelId} was not found.`);
    const blank = newTrackedPackage(shipment.trackingNumber, `se-${shipment.shipmentId}`, shipment.carrierCode, pacificTextToDate(shipment.createDate));
    return { ...recordTrackUpdate(blank, { statusCode: 'NY' }, this.now()), events: [] };
  }

  private isV2Authorized(header: string | string[] | undefined): boolean {
    if (this.v2KeyExpired || this.v2ApiKey === undefined || typeof header !== 'string') return false;
    return header.trim() === this.v2ApiKey;
  }

  /** Counts a request against its key's one-minute window; returns the seconds until the window resets when over the limit. */
  private countV2Request(key: string, nowMs: number): number | undefined {
    let window = this.v2Windows.get(key);
    if (window === undefined || nowMs - window.start >= WINDOW_MS || nowMs < window.start) {
      window = { start: nowMs, count: 0 };
      this.v2Windows.set(key, window);
    }
    window.count++;
    if (window.count <= this.v2RateLimit) return undefined;
    return Math.max(1, Math.ceil((window.start + WINDOW_MS - nowMs) / 1000));
  }

  /** The package a tracking number names: the latest simulator label with it, or (allowed by `unknownLabel`) none. */
  private trackedPackage(trackingNumber: string, update: TrackUpdate): TrackedPackage {
    const key = trackingNumber.toUpperCase();
    const shipmentId = this.shipmentIdByTracking.get(key);
    const shipment = shipmentId === undefined ? undefined : this.shipments.get(shipmentId)?.shipment;
    if (shipment === undefined && update.unknownLabel !== true) {
      throw new Error(`no simulator label has tracking number ${trackingNumber} (pass unknownLabel: true to track it anyway)`);
    }
    const existing = this.packages.get(key);
    if (existing !== undefined && (shipment === undefined || existing.labelId === `se-${shipment.shipmentId}`)) return existing;
    const pkg = shipment
      ? newTrackedPackage(shipment.trackingNumber, `se-${shipment.shipmentId}`, shipment.carrierCode, pacificTextToDate(shipment.createDate))
      : newTrackedPackage(trackingNumber, `se-${800_000_000 + ++this.unknownLabelCount}`, update.carrierCode ?? 'stamps_com', null);
    this.packages.set(key, pkg);
    return pkg;
  }

  private emitTracking(payload: TrackEventV2 | ApiTrackEvent, tamper: TrackUpdate['tamper']): void {
    if (this.closing || !this.hasV2Subscription('track_event_v2')) return;
    const { body, headers } = this.signedTracking(payload, tamper);
    for (const webhook of this.v2Subscriptions.values()) {
      if (!TRACKING_WEBHOOK_EVENTS.includes(webhook.event)) continue;
      const custom = Object.fromEntries(webhook.headers.map(({ key, value }) => [key, value]));
      const deliveries = this.webhookDeliveriesFor?.(payload.resource_type, payload.resource_url) ?? this.webhookDeliveries;
      this.schedule(webhook.url, body, deliveries, { ...custom, ...headers });
    }
  }

  private emitFulfillmentShippedV2(fulfillment: SimFulfillment): void {
    const order = this.requireOrder(fulfillment.orderId);
    const url = v2FulfillmentUrl(this.baseUrl, fulfillment.fulfillmentId, fulfillment.orderId);
    this.emitV2Pointer('fulfillment_shipped_v2', url, [order.advancedOptions.storeId]);
  }

  /**
   * A V2 pointer webhook (`{ resource_url, resource_type }`, as recorded) to every V2 webhook of `event` (whose store_id,
   * if any, is one of `storeIds`), signed like tracking webhooks and delivered by the same machinery.
   */
  private emitV2Pointer(event: V2PointerEvent, resourceUrl: string, storeIds: number[]): void {
    if (this.closing || this.v2Subscriptions.size === 0) return;
    const payload: V2PointerWebhook = { resource_url: resourceUrl, resource_type: V2_POINTER_RESOURCE_TYPES[event] };
    let signed: { body: string; headers: TrackingSignatureHeaders } | undefined;
    for (const webhook of this.v2Subscriptions.values()) {
      if (webhook.event !== event) continue;
      if (webhook.store_id !== null && !storeIds.includes(webhook.store_id)) continue;
      if (signed === undefined) {
        const body = JSON.stringify(payload);
        signed = { body, headers: this.signingKeys.sign(body, this.now().toISOString()) };
      }
      const custom = Object.fromEntries(webhook.headers.map(({ key, value }) => [key, value]));
      const deliveries = this.webhookDeliveriesFor?.(payload.resource_type, resourceUrl) ?? this.webhookDeliveries;
      this.schedule(webhook.url, signed.body, deliveries, { ...custom, ...signed.headers });
    }
  }

  /** The body and signature headers of one tracking webhook, broken exactly as `tamper` says (see `TrackTamper`). */
  private signedTracking(payload: TrackEventV2 | ApiTrackEvent, tamper: TrackUpdate['tamper']): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify(payload);
    const now = this.now();
    const timestamp = now.toISOString();
    switch (tamper) {
      case undefined:
        return { body, headers: { ...this.signingKeys.sign(body, timestamp) } };
      case 'body': {
        const forged = { ...payload, data: { ...payload.data, status_code: payload.data.status_code === 'DE' ? 'EX' : 'DE' } };
        return { body: JSON.stringify(forged), headers: { ...this.signingKeys.sign(body, timestamp) } };
      }
      case 'signature': {
        const signed = this.signingKeys.sign(body, timestamp);
        return { body, headers: { ...signed, 'x-shipengine-rsa-sha256-signature': corruptSignature(signed['x-shipengine-rsa-sha256-signature']) } };
      }
      case 'timestamp-old':
        return { body, headers: { ...this.signingKeys.sign(body, new Date(now.getTime() - OLD_TIMESTAMP_MS).toISOString()) } };
      case 'unknown-kid':
        return { body, headers: { ...this.signingKeys.sign(body, timestamp, true) } };
      case 'missing-headers':
        return { body, headers: {} };
    }
  }

  private async route(req: IncomingMessage, url: URL): Promise<{ status: number; body?: unknown }> {
    const segments = url.pathname
      .split('/')
      .filter((segment) => segment !== '')
      .map((s) => s.toLowerCase());
    const q = new QueryReader(url.searchParams);
    const method = req.method ?? 'GET';
    const [resource, id, extra] = segments;
    if (extra === undefined) {
      if (method === 'GET' && resource === 'orders' && id === undefined) return ok(this.listOrders(q));
      if (method === 'GET' && resource === 'orders' && id !== undefined) return this.getOrderResponse(id);
      if (method === 'GET' && resource === 'shipments' && id === undefined) return ok(this.listShipments(q));
      if (method === 'GET' && resource === 'fulfillments' && id === undefined) return ok(this.listFulfillments(q));
      if (method === 'GET' && resource === 'stores' && id === undefined) return ok(this.stores);
      if (method === 'GET' && resource === 'carriers' && id === undefined) return ok(CARRIER_ACCOUNTS);
      if (method === 'GET' && resource === 'carriers' && id === 'listservices') return ok(listServices(q.string('carrierCode')));
      if (method === 'GET' && resource === 'webhooks' && id === undefined) return ok(this.listWebhooks());
      if (method === 'POST' && resource === 'webhooks' && id === 'subscribe') return this.subscribe(await readBody(req));
      if (method === 'DELETE' && resource === 'webhooks' && id !== undefined) return this.unsubscribe(id);
    }
    return {
      status: 404,
      body: { Message: `No HTTP resource was found that matches the request URI '${url.href}'.` },
    };
  }

  private listOrders(q: QueryReader): unknown {
    let orders = [...this.orders.values()];
    const importBatch = q.string('importBatch');
    if (importBatch !== undefined) {
      const ids = new Set(this.importBatches.get(importBatch.toLowerCase()) ?? []);
      orders = orders.filter((order) => ids.has(order.orderId));
    }
    const orderId = q.int('orderId');
    if (orderId !== undefined) orders = orders.filter((order) => order.orderId === orderId);
    const status = q.oneOf('orderStatus', ORDER_STATUSES);
    if (status !== undefined) orders = orders.filter((order) => order.orderStatus === status);
    const storeId = q.int('storeId');
    if (storeId !== undefined) orders = orders.filter((order) => order.advancedOptions.storeId === storeId);
    const orderNumber = q.string('orderNumber')?.toLowerCase();
    if (orderNumber !== undefined) orders = orders.filter((order) => order.orderNumber.toLowerCase().startsWith(orderNumber));
    const customerName = q.string('customerName')?.toLowerCase();
    if (customerName !== undefined) {
      orders = orders.filter((order) => [order.shipTo.name, order.billTo.name].some((name) => name?.toLowerCase().includes(customerName)));
    }
    const keyword = q.string('itemKeyword')?.toLowerCase();
    if (keyword !== undefined) {
      orders = orders.filter((order) =>
        order.items.some((item) => [item.sku, item.name, ...item.options.map((option) => option.value)].some((text) => text?.toLowerCase().includes(keyword))),
      );
    }
    orders = q.dateRange(orders, 'createDate', (order) => order.createDate);
    orders = q.dateRange(orders, 'modifyDate', (order) => order.modifyDate);
    orders = q.dateRange(orders, 'orderDate', (order) => order.orderDate);
    orders = q.dateRange(orders, 'paymentDate', (order) => order.paymentDate);
    const sortBy = q.oneOf('sortBy', ['OrderDate', 'ModifyDate', 'CreateDate'] as const);
    const sortKeys = { OrderDate: 'orderDate', ModifyDate: 'modifyDate', CreateDate: 'createDate' } as const;
    const sorted = q.sort(orders, sortBy && ((order) => order[sortKeys[sortBy]]), (order) => order.orderId);
    const page = q.paginate(sorted);
    return { orders: page.items, total: page.total, page: page.page, pages: page.pages };
  }

  private getOrderResponse(id: string): { status: number; body: unknown } {
    const order = /^\d+$/.test(id) ? this.orders.get(Number(id)) : undefined;
    return order ? ok(order) : { status: 404, body: { message: `Order ${id} not found` } };
  }

  private listShipments(q: QueryReader): unknown {
    let entries = [...this.shipments.values()];
    const batchId = q.int('batchId');
    if (batchId !== undefined) entries = entries.filter((entry) => entry.batchId === batchId);
    let shipments = entries.map((entry) => entry.shipment);
    const orderId = q.int('orderId');
    if (orderId !== undefined) shipments = shipments.filter((shipment) => shipment.orderId === orderId);
    const orderNumber = q.string('orderNumber')?.toLowerCase();
    if (orderNumber !== undefined) {
      shipments = shipments.filter((shipment) => shipment.orderNumber.toLowerCase().startsWith(orderNumber));
    }
    for (const field of ['trackingNumber', 'carrierCode', 'serviceCode'] as const) {
      const wanted = q.string(field)?.toLowerCase();
      if (wanted !== undefined) shipments = shipments.filter((shipment) => shipment[field].toLowerCase() === wanted);
    }
    const storeId = q.int('storeId');
    if (storeId !== undefined) shipments = shipments.filter((shipment) => shipment.advancedOptions.storeId === storeId);
    const recipientName = q.string('recipientName')?.toLowerCase();
    if (recipientName !== undefined) {
      shipments = shipments.filter((shipment) => shipment.shipTo.name?.toLowerCase().includes(recipientName));
    }
    const country = q.string('recipientCountryCode')?.toLowerCase();
    if (country !== undefined) shipments = shipments.filter((shipment) => shipment.shipTo.country?.toLowerCase() === country);
    shipments = q.dateRange(shipments, 'createDate', (shipment) => shipment.createDate);
    shipments = q.dateRange(shipments, 'shipDate', (shipment) => shipment.shipDate);
    shipments = q.dateRange(shipments, 'voidDate', (shipment) => shipment.voidDate);
    const includeItems = q.bool('includeShipmentItems') ?? false;
    const sortBy = q.oneOf('sortBy', ['ShipDate', 'CreateDate'] as const);
    const sorted = q.sort(
      shipments,
      (shipment) => (sortBy === 'ShipDate' ? shipment.shipDate : shipment.createDate),
      (shipment) => shipment.shipmentId,
    );
    const page = q.paginate(sorted);
    return {
      shipments: page.items.map((shipment) => renderShipment(shipment, includeItems)),
      total: page.total,
      page: page.page,
      pages: page.pages,
    };
  }

  private listFulfillments(q: QueryReader): unknown {
    let fulfillments = [...this.fulfillments.values()];
    const batchId = q.int('batchId');
    if (batchId !== undefined) {
      const ids = new Set(this.fulfillmentBatches.get(batchId) ?? []);
      fulfillments = fulfillments.filter((f) => ids.has(f.fulfillmentId));
    }
    const fulfillmentId = q.int('fulfillmentId');
    if (fulfillmentId !== undefined) fulfillments = fulfillments.filter((f) => f.fulfillmentId === fulfillmentId);
    const orderId = q.int('orderId');
    if (orderId !== undefined) fulfillments = fulfillments.filter((f) => f.orderId === orderId);
    const orderNumber = q.string('orderNumber')?.toLowerCase();
    if (orderNumber !== undefined) fulfillments = fulfillments.filter((f) => f.orderNumber.toLowerCase().startsWith(orderNumber));
    const trackingNumber = q.string('trackingNumber')?.toLowerCase();
    if (trackingNumber !== undefined) {
      fulfillments = fulfillments.filter((f) => f.trackingNumber?.toLowerCase() === trackingNumber);
    }
    const recipientName = q.string('recipientName')?.toLowerCase();
    if (recipientName !== undefined) fulfillments = fulfillments.filter((f) => f.shipTo.name?.toLowerCase().includes(recipientName));
    fulfillments = q.dateRange(fulfillments, 'createDate', (f) => f.createDate);
    fulfillments = q.dateRange(fulfillments, 'shipDate', (f) => f.shipDate);
    const sortBy = q.oneOf('sortBy', ['ShipDate', 'CreateDate'] as const);
    const sorted = q.sort(
      fulfillments,
      (f) => (sortBy === 'ShipDate' ? f.shipDate : f.createDate),
      (f) => f.fulfillmentId,
    );
    const page = q.paginate(sorted);
    return { fulfillments: page.items, total: page.total, page: page.page, pages: page.pages };
  }

  private listWebhooks(): unknown {
    return {
      webhooks: [...this.subscriptions.values()].map((subscription) => ({
        IsLabelAPIHook: false,
        WebHookID: subscription.id,
        SellerID: SELLER_ID,
        StoreID: subscription.storeId,
        HookType: subscription.event,
        MessageFormat: 'Json',
        Url: subscription.targetUrl,
        Name: subscription.name,
        BulkCopyBatchID: null,
        BulkCopyRecordID: null,
        Active: true,
        WebhookLogs: [],
        Seller: null,
        Store: null,
      })),
    };
  }

  private subscribe(raw: string): { status: number; body: unknown } {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new BadRequestError('The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null) throw new BadRequestError('The request body must be a JSON object.');
    const { target_url: targetUrl, event, store_id: storeId, friendly_name: name } = body as Record<string, unknown>;
    if (typeof targetUrl !== 'string' || !/^https?:\/\/\S+$/i.test(targetUrl)) {
      throw new BadRequestError('target_url is required and must be an http(s) URL.');
    }
    if (typeof event !== 'string' || !(WEBHOOK_EVENTS as readonly string[]).includes(event)) {
      throw new BadRequestError(`event is required and must be one of ${WEBHOOK_EVENTS.join(', ')}.`);
    }
    let store: number | null = null;
    if (storeId !== undefined && storeId !== null && storeId !== '') {
      store = Number(storeId);
      if (!Number.isInteger(store)) throw new BadRequestError('store_id must be an integer.');
    }
    const id = this.nextWebhookId++;
    this.subscriptions.set(id, {
      id,
      targetUrl,
      event: event as WebhookEvent,
      storeId: store,
      name: typeof name === 'string' ? name : null,
    });
    return { status: 201, body: { id } };
  }

  private unsubscribe(id: string): { status: number; body?: unknown } {
    if (!/^\d+$/.test(id) || !this.subscriptions.delete(Number(id))) {
      return { status: 404, body: { message: `Webhook ${id} not found` } };
    }
    return { status: 200 };
  }

  private isAuthorized(header: string | undefined): boolean {
    if (this.keyExpired || header === undefined) return false;
    const match = /^Basic\s+(\S+)$/i.exec(header.trim());
    if (!match?.[1]) return false;
    return Buffer.from(match[1], 'base64').toString('utf8') === `${this.apiKey}:${this.apiSecret}`;
  }

  private countRequest(nowMs: number): RateDecision {
    if (this.windowStart === undefined || nowMs - this.windowStart >= WINDOW_MS || nowMs < this.windowStart) {
      this.windowStart = nowMs;
      this.windowCount = 0;
    }
    this.windowCount++;
    const limited = this.windowCount > this.rateLimit;
    const reset = Math.max(0, Math.ceil((this.windowStart + WINDOW_MS - nowMs) / 1000));
    return {
      limited,
      headers: {
        'X-Rate-Limit-Limit': String(this.rateLimit),
        'X-Rate-Limit-Remaining': String(Math.max(0, this.rateLimit - this.windowCount)),
        'X-Rate-Limit-Reset': String(reset),
      },
    };
  }

  private fulfil(orderId: number, input: FulfillmentInput, byProvider: boolean): SimFulfillment {
    const order = this.requireOrder(orderId);
    if (order.orderStatus === 'cancelled') throw new Error(`order ${orderId} is cancelled`);
    const at = this.now();
    const stamp = pacificStamp(at);
    const fulfillmentId = this.nextFulfillmentId++;
    // Free text, as the merchant or provider typed it: the docs show "USPS" and "FedEx", a recorded row "UPS".
    const carrierCode = input.carrierCode === undefined ? (byProvider ? 'UPS' : 'USPS') : input.carrierCode;
    const providerName = input.sellerFillProviderName ?? (byProvider ? 'Amazon FBA' : null);
    const shipDate = input.shipDate === undefined ? `${stamp.slice(0, 10)}T00:00:00.0000000` : pacificStamp(input.shipDate);
    const fulfillment: SimFulfillment = {
      fulfillmentId,
      orderId,
      orderNumber: order.orderNumber,
      userId: ACCOUNT_USER_ID,
      customerEmail: order.customerEmail,
      trackingNumber: input.trackingNumber ?? trackingNumberFor(carrierCode ?? '', fulfillmentId),
      createDate: stamp,
      shipDate,
      voidDate: null,
      deliveryDate: null,
      carrierCode,
      // Only a provider's row has these keys (the docs' second row); a "Mark as Shipped" row has neither.
      ...(byProvider ? { sellerFillProviderId: 51001, sellerFillProviderName: providerName } : {}),
      fulfillmentServiceCode: input.fulfillmentServiceCode ?? (byProvider ? 'standard' : null),
      fulfillmentProviderCode: input.fulfillmentProviderCode ?? (byProvider ? 'amazon_fba' : null),
      fulfillmentFee: input.fulfillmentFee ?? (byProvider ? 3.22 : 0),
      voidRequested: false,
      voided: false,
      marketplaceNotified: true,
      notifyErrorMessage: null,
      shipTo: structuredClone(order.shipTo),
    };
    this.fulfillments.set(fulfillmentId, fulfillment);
    appendTo(this.fulfillmentIdsByOrder, orderId, fulfillmentId);
    order.orderStatus = 'shipped';
    // An order's shipDate is a date (the docs' "2015-07-02"); its carrierCode names a label carrier, so it is left alone.
    order.shipDate = shipDate.slice(0, 10);
    order.modifyDate = stamp;
    if (byProvider) {
      order.externallyFulfilled = true;
      order.externallyFulfilledBy = providerName;
      order.externallyFulfilledById = 51001;
      order.externallyFulfilledByName = providerName;
    }
    return structuredClone(fulfillment);
  }

  /** ORDER_NOTIFY and ITEM_ORDER_NOTIFY for a new import batch of these orders; returns the batch id. */
  private notifyOrders(orderIds: number[]): string {
    const batch = this.newImportBatchId();
    this.importBatches.set(batch, orderIds);
    const url = `${this.baseUrl}/orders?importBatch=${batch}`;
    const storeIds = orderIds.map((id) => this.requireOrder(id).advancedOptions.storeId);
    this.emit('ORDER_NOTIFY', url, storeIds);
    this.emit('ITEM_ORDER_NOTIFY', url, storeIds);
    return batch;
  }

  private newImportBatchId(): string {
    return deterministicUuid(`importBatch:${++this.importBatchCount}`);
  }

  private emit(event: WebhookEvent, resourceUrl: string, storeIds: number[]): void {
    if (this.closing || this.subscriptions.size === 0) return;
    const body = JSON.stringify({ resource_url: resourceUrl, resource_type: event });
    for (const subscription of this.subscriptions.values()) {
      if (subscription.event !== event) continue;
      if (subscription.storeId !== null && !storeIds.includes(subscription.storeId)) continue;
      this.schedule(subscription.targetUrl, body, this.webhookDeliveriesFor?.(event, resourceUrl) ?? this.webhookDeliveries);
    }
  }

  /** Starts delivering one webhook (`deliveries` times) and tracks it for `flushWebhooks`; the promise never rejects. */
  private schedule(targetUrl: string, body: string, deliveries: number, headers: Record<string, string> = {}): Promise<void> {
    const delivery = this.deliver(targetUrl, body, deliveries, headers);
    this.pendingDeliveries.add(delivery);
    void delivery.finally(() => this.pendingDeliveries.delete(delivery));
    return delivery;
  }

  private async deliver(targetUrl: string, body: string, deliveries: number, headers: Record<string, string>): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let attempt = 0; attempt < deliveries; attempt++) {
      if (this.closing) return;
      try {
        await this.post(targetUrl, body, headers);
      } catch (err) {
        if (!this.closing) this.onWebhookError(err);
      }
    }
  }

  /** POSTs a webhook: JSON Content-Type and ShipStation's User-Agent unless `headers` names them, and the Content-Length. */
  private post(targetUrl: string, body: string, headers: Record<string, string>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const target = new URL(targetUrl);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
      const outgoing = send(target, {
        method: 'POST',
        agent: false,
        headers: {
          ...(given.has('content-type') ? {} : { 'Content-Type': 'application/json' }),
          ...(given.has('user-agent') ? {} : { 'User-Agent': 'ShipStation' }),
          ...Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length')),
          'Content-Length': Buffer.byteLength(body),
        },
      });
      this.outgoing.add(outgoing);
      outgoing.setTimeout(WEBHOOK_TIMEOUT_MS, () => outgoing.destroy(new Error(`webhook POST to ${targetUrl} timed out`)));
      outgoing.on('error', (err) => {
        this.outgoing.delete(outgoing);
        reject(err);
      });
      outgoing.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          this.outgoing.delete(outgoing);
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`webhook POST to ${targetUrl} answered ${status}`));
        });
      });
      outgoing.end(body);
    });
  }

  private isStillShipped(orderId: number): boolean {
    const liveLabel = (this.shipmentIdsByOrder.get(orderId) ?? []).some((id) => {
      const shipment = this.shipments.get(id)?.shipment;
      return shipment !== undefined && !shipment.voided && !shipment.isReturnLabel;
    });
    return liveLabel || (this.fulfillmentIdsByOrder.get(orderId) ?? []).some((id) => this.fulfillments.get(id)?.voided === false);
  }

  private requireOrder(orderId: number): SimOrder {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`unknown order ${orderId}`);
    return order;
  }

  private stamp(): string {
    return pacificStamp(this.now());
  }

  private buildOrder(input: NewOrderInput): SimOrder {
    const orderId = this.nextOrderId++;
    const random = seededRandom(orderId);
    const stamp = this.stamp();
    const {
      status,
      storeId,
      orderDate,
      paymentDate,
      shipByDate,
      holdUntilDate,
      items: itemInputs,
      shipTo: shipToInput,
      billTo: billToInput,
      advancedOptions: advancedInput,
      ...plain
    } = input;
    const orderStatus = status ?? 'awaiting_shipment';
    const firstName = pick(FIRST_NAMES, random);
    const lastName = pick(LAST_NAMES, random);
    const place = pick(CITIES, random);
    const shipTo: Address = {
      name: `${firstName} ${lastName}`,
      company: null,
      street1: `${100 + Math.floor(random() * 9800)} ${pick(STREETS, random)}`,
      street2: null,
      street3: null,
      city: place.city,
      state: place.state,
      postalCode: place.postalCode,
      country: 'US',
      phone: `(415) 555-01${String(orderId % 100).padStart(2, '0')}`,
      residential: true,
      addressVerified: 'Address validated successfully',
      ...defined(shipToInput),
    };
    const billTo: Address = {
      name: shipTo.name,
      company: null,
      street1: null,
      street2: null,
      street3: null,
      city: null,
      state: null,
      postalCode: null,
      country: null,
      phone: null,
      residential: null,
      addressVerified: null,
      ...defined(billToInput),
    };
    // Order lines carry their dates with at most three fractional digits (the docs' "2015-07-16T14:00:34.823").
    const itemStamp = trimmedStamp(this.now());
    const items = (itemInputs ?? defaultItemInputs(random)).map((item) => this.buildItem(item, random, itemStamp));
    const subtotal = round2(items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0));
    const shippingAmount = plain.shippingAmount ?? (subtotal >= 75 ? 0 : 5.99);
    const taxAmount = plain.taxAmount ?? round2(subtotal * 0.0825);
    const orderTotal = plain.orderTotal ?? round2(subtotal + shippingAmount + taxAmount);
    const customerEmail = `customer${orderId}@example.com`;
    const ounces = items.reduce((sum, item) => sum + (item.weight?.value ?? 0) * item.quantity, 0);
    const order: SimOrder = {
      orderId,
      orderNumber: String(orderId - 99000),
      orderKey: createHash('sha1').update(`orderKey:${orderId}`).digest('hex').slice(0, 32),
      orderDate: channelDate(orderDate, stamp) ?? stamp,
      createDate: stamp,
      modifyDate: stamp,
      paymentDate: orderStatus === 'awaiting_payment' ? null : stamp,
      shipByDate: null,
      orderStatus,
      customerId: 200000 + (orderId % 100000),
      customerUsername: plain.customerEmail ?? customerEmail,
      customerEmail,
      billTo,
      shipTo,
      items,
      orderTotal,
      amountPaid: orderStatus === 'awaiting_payment' ? 0 : orderTotal,
      taxAmount,
      shippingAmount,
      customerNotes: null,
      internalNotes: null,
      gift: false,
      giftMessage: null,
      paymentMethod: 'Credit Card',
      requestedShippingService: 'Standard Shipping',
      carrierCode: null,
      serviceCode: null,
      packageCode: null,
      confirmation: 'none',
      shipDate: null,
      holdUntilDate: null,
      weight: { value: ounces, units: 'ounces', WeightUnits: 1 },
      dimensions: null,
      insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 },
      internationalOptions: { contents: null, customsItems: null, nonDelivery: null },
      advancedOptions: {
        warehouseId: WAREHOUSE_ID,
        nonMachinable: false,
        saturdayDelivery: false,
        containsAlcohol: false,
        mergedOrSplit: false,
        mergedIds: [],
        parentId: null,
        storeId: storeId ?? advancedInput?.storeId ?? (this.stores[0] as SimStore).storeId,
        customField1: null,
        customField2: null,
        customField3: null,
        source: 'web',
        billToParty: null,
        billToAccount: null,
        billToPostalCode: null,
        billToCountryCode: null,
        billToMyOtherAccount: null,
      },
      tagIds: null,
      userId: ACCOUNT_USER_ID,
      externallyFulfilled: false,
      externallyFulfilledBy: null,
      externallyFulfilledById: null,
      externallyFulfilledByName: null,
      labelMessages: null,
      ...defined(plain),
    };
    if (advancedInput) {
      order.advancedOptions = { ...order.advancedOptions, ...defined(advancedInput), storeId: order.advancedOptions.storeId };
    }
    if (paymentDate !== undefined) order.paymentDate = channelDate(paymentDate, stamp);
    if (shipByDate !== undefined) order.shipByDate = channelDate(shipByDate, stamp);
    // A day, as a recorded order has it ("2015-06-30"; skuvault-integrations/order_148363009_customerEmail_1at1.json).
    if (holdUntilDate !== undefined) order.holdUntilDate = channelDate(holdUntilDate, stamp)?.slice(0, 10) ?? null;
    return order;
  }

  private buildItem(input: NewOrderItemInput, random: () => number, stamp: string): SimOrderItem {
    const orderItemId = this.nextOrderItemId++;
    const product = pick(PRODUCTS, random);
    const sku = input.sku === undefined ? product.sku : input.sku;
    return {
      orderItemId,
      lineItemKey: String(11_000_000_000 + orderItemId),
      sku,
      name: product.name,
      imageUrl: `https://demo-shop.example.com/images/${(sku ?? 'item').toLowerCase()}.jpg`,
      weight: { value: product.ounces, units: 'ounces', WeightUnits: 1 },
      quantity: 1 + Math.floor(random() * 2),
      unitPrice: product.unitPrice,
      taxAmount: null,
      shippingAmount: null,
      warehouseLocation: null,
      options: [],
      productId: product.productId,
      fulfillmentSku: null,
      adjustment: false,
      upc: null,
      ...defined(input),
      createDate: stamp,
      modifyDate: stamp,
    };
  }
}

class QueryReader {
  private readonly values = new Map<string, string>();

  constructor(params: URLSearchParams) {
    for (const [name, value] of params) {
      const key = name.toLowerCase();
      if (!this.values.has(key)) this.values.set(key, value);
    }
  }

  string(name: string): string | undefined {
    const value = this.values.get(name.toLowerCase());
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  int(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new BadRequestError(`The value '${value}' is not valid for ${name}.`);
    return Number(value);
  }

  bool(name: string): boolean | undefined {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw new BadRequestError(`The value '${value}' is not valid for ${name}.`);
    return value === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const found = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    if (found === undefined) throw new BadRequestError(`The value '${value}' is not valid for ${name}.`);
    return found;
  }

  date(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const normalized = normalizePacificTimestamp(value);
    if (normalized === undefined) {
      throw new BadRequestError(`The value '${value}' is not valid for ${name}; use yyyy-MM-dd HH:mm:ss (Pacific time).`);
    }
    return normalized;
  }

  /** Keeps items whose field lies in [`<field>Start`, `<field>End`], both inclusive, compared as Pacific wall-clock. */
  dateRange<T>(items: T[], field: string, read: (item: T) => string | null): T[] {
    const start = this.date(`${field}Start`);
    const end = this.date(`${field}End`);
    if (start === undefined && end === undefined) return items;
    return items.filter((item) => {
      const raw = read(item);
      const value = raw === null ? undefined : storedTimestamp(raw);
      if (value === undefined) return false;
      return (start === undefined || value >= start) && (end === undefined || value <= end);
    });
  }

  sort<T>(items: T[], key: ((item: T) => string | null) | undefined, id: (item: T) => number): T[] {
    const direction = this.oneOf('sortDir', ['ASC', 'DESC'] as const) === 'DESC' ? -1 : 1;
    const sortable = (item: T): string => {
      const raw = key?.(item) ?? null;
      return raw === null ? '' : (storedTimestamp(raw) ?? raw);
    };
    // Keys computed once per item, not per comparison: listings of tens of thousands of orders stay fast.
    const keyed = items.map((item) => ({ item, key: sortable(item), id: id(item) }));
    keyed.sort((a, b) => {
      const byKey = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return direction * (byKey !== 0 ? byKey : a.id - b.id);
    });
    return keyed.map((entry) => entry.item);
  }

  paginate<T>(items: T[]): { items: T[]; total: number; page: number; pages: number } {
    const page = this.int('page') ?? 1;
    const pageSize = this.int('pageSize') ?? 100;
    if (page < 1) throw new BadRequestError('page must be 1 or more');
    if (pageSize < 1) throw new BadRequestError('pageSize must be 1 or more');
    if (pageSize > MAX_PAGE_SIZE) throw new BadRequestError(`pageSize must be ${MAX_PAGE_SIZE} or less`);
    const start = (page - 1) * pageSize;
    return {
      items: items.slice(start, start + pageSize),
      total: items.length,
      page,
      pages: Math.ceil(items.length / pageSize),
    };
  }
}

const HOUR_MS = 3_600_000;
const hourPrefixes = new Map<number, string>();

/**
 * `formatPacificTimestamp`, fast: Pacific offsets are whole hours and change only on a whole UTC hour, so the wall-clock
 * `yyyy-MM-ddTHH:` of each UTC hour is computed once (by luxon) and minutes, seconds and milliseconds are the UTC ones.
 * Building a history of tens of thousands of orders otherwise spends most of its time in time-zone formatting.
 */
function pacificStamp(at: Date): string {
  const ms = at.getTime();
  const hour = Math.floor(ms / HOUR_MS);
  let prefix = hourPrefixes.get(hour);
  if (prefix === undefined) {
    if (hourPrefixes.size >= 100_000) hourPrefixes.clear();
    prefix = formatPacificTimestamp(new Date(hour * HOUR_MS)).slice(0, 14);
    hourPrefixes.set(hour, prefix);
  }
  const rest = ms - hour * HOUR_MS;
  const minutes = Math.floor(rest / 60_000);
  const seconds = Math.floor((rest % 60_000) / 1000);
  const millis = rest % 1000;
  return `${prefix}${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}0000`;
}

/**
 * Pacific wall-clock text with at most three fractional digits and trailing zeros dropped (`2015-07-16T14:00:34.823`,
 * `2020-06-23T11:56:51.95`), as V1 writes order lines' and stores' dates.
 */
function trimmedStamp(at: Date): string {
  return pacificStamp(at)
    .slice(0, 23)
    .replace(/\.?0+$/, '');
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

const STORED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$/;

/** A stored value is already in the 7-digit form (the simulator writes no other), so skip re-validating it. */
function storedTimestamp(raw: string): string | undefined {
  return STORED_TIMESTAMP.test(raw) ? raw : normalizePacificTimestamp(raw);
}

function appendTo(index: Map<number, number[]>, key: number, value: number): void {
  const values = index.get(key);
  if (values) values.push(value);
  else index.set(key, [value]);
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}

function renderV2Webhook(webhook: V2Subscription): SimV2Webhook {
  return {
    webhook_id: webhook.webhook_id,
    url: webhook.url,
    event: webhook.event,
    headers: structuredClone(webhook.headers),
    store_id: webhook.store_id,
  };
}

function notFound(method: string, path: string): V2HttpError {
  return new V2HttpError(404, 'validation', 'not_found', `The requested resource ${method} ${path} was not found.`);
}

function rateLimited(): V2HttpError {
  return new V2HttpError(
    429,
    'system',
    'rate_limit_exceeded',
    'You have exceeded the rate limit. Please see https://www.shipstation.com/docs/api/requests/#rate-limits',
  );
}

function invalidField(field: string, message: string): V2HttpError {
  return new V2HttpError(400, 'validation', 'invalid_field_value', `${field}: ${message}`);
}

function parseV2Body(raw: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new V2HttpError(400, 'validation', 'request_body_schema_error', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new V2HttpError(400, 'validation', 'request_body_schema_error', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** V2 webhook custom headers: `[{ key, value }]`, sent with every delivery. */
function parseWebhookHeaders(headers: unknown): { key: string; value: string }[] {
  if (headers === undefined || headers === null) return [];
  const valid =
    Array.isArray(headers) &&
    headers.every((header: unknown) => {
      const { key, value } = (header ?? {}) as Record<string, unknown>;
      return typeof key === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) && typeof value === 'string';
    });
  if (!valid) throw invalidField('headers', 'headers must be an array of { key, value } strings with valid header names.');
  return (headers as { key: string; value: string }[]).map(({ key, value }) => ({ key, value }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function renderShipment(shipment: SimShipment, includeItems: boolean): SimShipment {
  const copy = structuredClone(shipment);
  if (!includeItems) copy.shipmentItems = null;
  return copy;
}

function store(storeId: number, storeName: string, marketplaceId: number, marketplaceName: string, integrationUrl: string, stamp: string): SimStore {
  return {
    storeId,
    storeName,
    marketplaceId,
    marketplaceName,
    accountName: marketplaceId === 0 ? '' : `DEMO${storeId}`,
    email: '',
    integrationUrl,
    active: true,
    companyName: 'Demo Shop',
    phone: '(415) 555-0100',
    publicEmail: 'support@demo-shop.example.com',
    website: 'https://demo-shop.example.com',
    refreshDate: stamp,
    lastRefreshAttempt: stamp,
    createDate: stamp,
    modifyDate: stamp,
    autoRefresh: marketplaceId !== 0,
    statusMappings: '',
  };
}

function channelDate(value: ChannelDate | undefined, fallback: string): string | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (value instanceof Date) return formatPacificTimestamp(value);
  const normalized = normalizePacificTimestamp(value);
  if (normalized === undefined) throw new Error(`'${value}' is not a Pacific wall-clock date (yyyy-MM-dd HH:mm:ss)`);
  return normalized;
}

function defaultItemInputs(random: () => number): NewOrderItemInput[] {
  const count = 1 + Math.floor(random() * 3);
  const start = Math.floor(random() * PRODUCTS.length);
  return Array.from({ length: count }, (_, index) => {
    const product = PRODUCTS[(start + index) % PRODUCTS.length] as (typeof PRODUCTS)[number];
    return {
      sku: product.sku,
      name: product.name,
      unitPrice: product.unitPrice,
      productId: product.productId,
      weight: { value: product.ounces, units: 'ounces', WeightUnits: 1 },
    };
  });
}

/**
 * The service a label gets when the caller names none: ground or Priority Mail at home; abroad, the carrier's
 * international service (USPS Priority Mail International as the docs' London order has it). UPS Standard reaches
 * Canada and Mexico only, which is where the shop history sends UPS abroad.
 */
function defaultServiceCode(carrierCode: string, country: string | null): string {
  const abroad = country !== null && country.trim() !== '' && country.trim().toUpperCase() !== 'US';
  if (carrierCode === 'ups' || carrierCode === 'ups_walleted') return abroad ? 'ups_standard_international' : 'ups_ground';
  if (carrierCode === 'fedex') return abroad ? 'fedex_international_priority' : 'fedex_ground';
  return abroad ? 'usps_priority_mail_international' : 'usps_priority_mail';
}

/** A tracking number in the carrier's format, for a carrier code (`ups_walleted`) or a typed name ("UPS", "FedEx"). */
function trackingNumberFor(carrier: string, id: number): string {
  const digits = String(id).padStart(10, '0');
  const name = carrier.toLowerCase();
  if (name.startsWith('ups')) return `1Z999AA1${digits}`;
  if (name.startsWith('fedex')) return `77${digits}`;
  return `940011189922${digits}`;
}

/**
 * `GET /carriers/listservices?carrierCode=…`. A missing or unknown carrier code is answered with an empty list (200):
 * nothing in the docs says what V1 answers then, and "this carrier has no services" is the reading that cannot make a
 * client invent names.
 */
function listServices(carrierCode: string | undefined): SimCarrierService[] {
  const code = carrierCode?.toLowerCase();
  const rows = code === undefined ? undefined : SERVICES_BY_CARRIER.get(code);
  return (rows ?? []).map(([service, name, domestic, international]) => ({
    carrierCode: code as string,
    code: service,
    name,
    domestic,
    international,
  }));
}

/** A label's `advancedOptions`: the order's, cut to the keys recorded label rows have. */
function shipmentAdvancedOptions(options: AdvancedOptions): ShipmentAdvancedOptions {
  const { billToParty, billToAccount, billToPostalCode, billToCountryCode, storeId } = options;
  return { billToParty, billToAccount, billToPostalCode, billToCountryCode, storeId };
}

/** An order line as a label lists it (the docs' `shipmentItems`: no tax, shipping, adjustment, upc or dates). */
function shipmentItem(item: SimOrderItem): SimShipmentItem {
  const { orderItemId, lineItemKey, sku, name, imageUrl, weight, quantity, unitPrice, warehouseLocation, options, productId, fulfillmentSku } = item;
  return {
    orderItemId,
    lineItemKey,
    sku,
    name,
    imageUrl,
    weight: weight && structuredClone(weight),
    quantity,
    unitPrice,
    warehouseLocation,
    options: structuredClone(options),
    productId,
    fulfillmentSku,
  };
}

function deterministicUuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), `5${hex.slice(13, 16)}`, `a${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}

/** mulberry32: a tiny, fast, seedable PRNG; the same seed always gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(values: readonly T[], random: () => number): T {
  return values[Math.floor(random() * values.length)] as T;
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
