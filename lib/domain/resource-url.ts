// Which resource_url a webhook may make us fetch with the account's credentials (SSRF guard, DESIGN §3.6), and how
// much of it: only what ShipStation sends for the resource type, capped to what such a batch holds.
import type { WebhookResourceType } from './shipstation.js';

const SHIPSTATION_API_HOST = /^ssapi\d*\.shipstation\.com$/;

/**
 * Allows a webhook resource_url only on the account's ShipStation origin: by default exactly
 * `https://ssapi<digits?>.shipstation.com` on the default port; when the base URL is overridden (tests, local
 * simulator) exactly that base URL's origin. Never userinfo. Returns the reason when the URL is refused.
 * @param resourceUrl the URL from the webhook body
 * @param shipStationBaseUrl the account's configured ShipStation base URL
 * @param apiHost ShipStation's API hosts for this API (V1's `ssapi<digits>.shipstation.com` unless given)
 */
export function checkResourceUrl(
  resourceUrl: string,
  shipStationBaseUrl: string,
  apiHost: RegExp = SHIPSTATION_API_HOST,
): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(resourceUrl);
  } catch {
    return { ok: false, reason: 'resource_url is not an absolute URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'resource_url must not carry credentials' };
  const base = new URL(shipStationBaseUrl);
  if (apiHost.test(base.hostname) && base.protocol === 'https:' && base.port === '') {
    if (url.protocol !== 'https:') return { ok: false, reason: 'resource_url must use https' };
    if (url.port !== '') return { ok: false, reason: 'resource_url must use the default port' };
    if (!apiHost.test(url.hostname)) return { ok: false, reason: 'resource_url is not on a ShipStation API host' };
    return { ok: true, url };
  }
  if (url.origin !== base.origin) return { ok: false, reason: `resource_url is not on ${base.origin}` };
  return { ok: true, url };
}

/** Records per page of our own webhook fetch: ShipStation's documented maximum (`pageSize` "Maximum 500"). */
export const RESOURCE_PAGE_SIZE = 500;

/** What a webhook's resource_url names: one list endpoint, narrowed to one batch. */
export interface WebhookResourceShape {
  /** The V1 list endpoint, which is also the list key of its page (`{orders: […]}`). */
  resource: 'orders' | 'shipments' | 'fulfillments';
  /** The filter that makes the list one batch: required, exactly once, never empty (empty = unfiltered = every record). */
  batchFilter: string;
  /** The other parameters ShipStation puts in that URL: each allowed at most once. */
  optional: readonly string[];
  /**
   * The most records such a batch is read up to, a whole number of RESOURCE_PAGE_SIZE pages. A larger one is left to the
   * poll, which reads every change anyway: the cap bounds what one notification can cost the key's 40 requests/minute.
   */
  maxRecords: number;
}

/**
 * An import batch (`ORDER_NOTIFY`: "All orders created at the same time will be included in a single webhook payload";
 * `FULFILLMENT_REJECTED` points at orders too): up to 2,500 orders, 5 requests, an eighth of a minute's budget. A
 * store's scheduled import brings far fewer; a larger one (a store connected with its backlog) is the poll's.
 */
const IMPORT_BATCH: WebhookResourceShape = { resource: 'orders', batchFilter: 'importBatch', optional: ['storeID'], maxRecords: 2_500 };
/** A label batch (`SHIP_NOTIFY`: one per label, or one per batch of labels): up to 1,000 labels, 2 requests. */
const LABEL_BATCH: WebhookResourceShape = { resource: 'shipments', batchFilter: 'batchId', optional: ['storeID', 'includeShipmentItems'], maxRecords: 1_000 };
/** A provider's fulfilments (`FULFILLMENT_SHIPPED`, one shipped order or a few): up to 500, one request. */
const FULFILLMENT_BATCH: WebhookResourceShape = { resource: 'fulfillments', batchFilter: 'batchId', optional: [], maxRecords: 500 };

/**
 * What each V1 webhook's resource_url may be, from the documented and recorded bodies
 * (test/fixtures/shipstation/webhooks/bodies.json, with their sources):
 * `/orders?storeID=…&importBatch=<GUID>` (ORDER_NOTIFY, ITEM_ORDER_NOTIFY, and the FULFILLMENT_REJECTED example),
 * `/shipments?batchId=<n>&includeShipmentItems=False|True` (SHIP_NOTIFY, ITEM_SHIP_NOTIFY; recorded with and without
 * `includeShipmentItems`), `/fulfillments?batchId=<n>` (FULFILLMENT_SHIPPED, as a public integration fetches it).
 * `storeID` (a store-scoped subscription) is accepted on /shipments too, where the list endpoint documents it.
 */
export const WEBHOOK_RESOURCES: Readonly<Record<WebhookResourceType, WebhookResourceShape>> = {
  ORDER_NOTIFY: IMPORT_BATCH,
  ITEM_ORDER_NOTIFY: IMPORT_BATCH,
  FULFILLMENT_REJECTED: IMPORT_BATCH,
  SHIP_NOTIFY: LABEL_BATCH,
  ITEM_SHIP_NOTIFY: LABEL_BATCH,
  FULFILLMENT_SHIPPED: FULFILLMENT_BATCH,
};

/** Values the parameters may take (names compared case-insensitively, as ShipStation's API reads them). */
const PARAMETER_VALUES: Readonly<Record<string, RegExp>> = {
  importbatch: /^[A-Za-z0-9-]{1,64}$/,
  batchid: /^\d{1,19}$/,
  storeid: /^\d{1,19}$/,
  includeshipmentitems: /^(true|false)$/i,
};

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: string[]): string => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`);

/** A parameter name as it may be repeated in a reason: a plain identifier, else not at all (it is the sender's text). */
const nameOf = (name: string): string => (/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(name) ? name : 'a parameter');

export type CheckedWebhookResource = { ok: true; url: URL; shape: WebhookResourceShape; batch: string } | { ok: false; reason: string };

/**
 * Allows a webhook's resource_url only as ShipStation sends it for that resource type: on the account's ShipStation
 * origin (checkResourceUrl), on the type's list path, with its batch filter once and non-empty, and with nothing else
 * but the type's documented parameters, each at most once. So a holder of a leaked webhook token can only make us read
 * one batch (never `pageSize`, `page`, other filters or an unfiltered list). Reasons name the rule, never the sender's
 * path or values.
 * @param resourceType the webhook's resource_type
 * @param resourceUrl the URL from the webhook body (or a queued message)
 * @param shipStationBaseUrl the account's configured ShipStation base URL
 */
export function checkWebhookResource(resourceType: string, resourceUrl: string, shipStationBaseUrl: string): CheckedWebhookResource {
  const origin = checkResourceUrl(resourceUrl, shipStationBaseUrl);
  if (!origin.ok) return origin;
  const shape = Object.hasOwn(WEBHOOK_RESOURCES, resourceType) ? WEBHOOK_RESOURCES[resourceType as WebhookResourceType] : undefined;
  if (shape === undefined) return { ok: false, reason: 'resource_type is not one ShipStation V1 sends' };
  const { url } = origin;
  const expected = `${new URL(shipStationBaseUrl).pathname.replace(/\/+$/, '')}/${shape.resource}`;
  const form = `${expected}?${shape.batchFilter}=…`;
  if (url.pathname !== expected) return { ok: false, reason: `resource_url of ${resourceType} must be ${form}, not another path` };
  if (url.hash !== '' || url.href.endsWith('#')) return { ok: false, reason: `resource_url of ${resourceType} must not carry a fragment` };
  const allowed = new Map([shape.batchFilter, ...shape.optional].map((name) => [name.toLowerCase(), name]));
  const seen = new Set<string>();
  let batch: string | undefined;
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    if (!allowed.has(key)) {
      return { ok: false, reason: `resource_url of ${resourceType} may carry only ${listed([...allowed.values()])}, not ${nameOf(name)}` };
    }
    if (seen.has(key)) return { ok: false, reason: `resource_url of ${resourceType} repeats ${allowed.get(key)}` };
    seen.add(key);
    if (!(PARAMETER_VALUES[key]?.test(value) ?? false)) return { ok: false, reason: `resource_url of ${resourceType} has an invalid ${allowed.get(key)}` };
    if (key === shape.batchFilter.toLowerCase()) batch = value;
  }
  if (batch === undefined) return { ok: false, reason: `resource_url of ${resourceType} must name its batch: ${form}` };
  return { ok: true, url, shape, batch };
}

/** ShipStation's V2 API host (the default V2 base URL's). */
const SHIPSTATION_V2_API_HOST = /^api\.shipstation\.com$/;

/** What a V2 pointer webhook's resource_url may name: a list path, its batch filters (one of them required), its cap. */
export interface V2ResourceShape {
  resource: 'shipments' | 'labels' | 'fulfillments';
  /** At least one of these, each once and non-empty; the first present names the batch. */
  filters: readonly string[];
  maxRecords: number;
}

/** An import batch (SHIPMENT_CREATED_V2: "a split shipment fires a single webhook whose resource_url returns two shipments"). */
const V2_IMPORT_BATCH: V2ResourceShape = { resource: 'shipments', filters: ['import_batch_id'], maxRecords: 2_500 };
const V2_LABEL_BATCH: V2ResourceShape = { resource: 'labels', filters: ['batch_id'], maxRecords: 1_000 };
const V2_FULFILMENTS: V2ResourceShape = { resource: 'fulfillments', filters: ['fulfillment_id', 'shipment_id'], maxRecords: 500 };

/**
 * What each V2 pointer webhook's resource_url may be, from captured bodies (test/fixtures/shipstation/v2 and
 * pmcgee-personal, sources in SOURCES.md): `/v2/shipments?import_batch_id=<uuid>`, `/v2/labels?batch_id=se-<n>`,
 * `/v2/fulfillments?fulfillment_id=se-<n>&shipment_id=se-<m>`. No FULFILLMENT_REJECTED_V2 body was found: both shapes it
 * could take (the fulfilments, or the order's shipments as V1's rejection points at orders) are accepted.
 */
export const V2_WEBHOOK_RESOURCES: Readonly<Record<string, readonly V2ResourceShape[]>> = {
  SHIPMENT_CREATED_V2: [V2_IMPORT_BATCH],
  LABEL_CREATED_V2: [V2_LABEL_BATCH],
  FULFILLMENT_SHIPPED_V2: [V2_FULFILMENTS],
  FULFILLMENT_REJECTED_V2: [V2_FULFILMENTS, V2_IMPORT_BATCH],
};

const V2_PARAMETER_VALUES: Readonly<Record<string, RegExp>> = {
  import_batch_id: /^[A-Za-z0-9-]{1,64}$/,
  batch_id: /^se-\d{1,19}$/,
  fulfillment_id: /^se-\d{1,19}$/,
  shipment_id: /^se-\d{1,19}$/,
};

export type CheckedV2Resource = { ok: true; url: URL; shape: V2ResourceShape; batch: string } | { ok: false; reason: string };

/**
 * Allows a V2 pointer webhook's resource_url only as ShipStation sends it for the type: on ShipStation's V2 origin
 * (`https://api.shipstation.com`, or exactly the configured V2 base URL's origin), on the type's list path, with its
 * batch filters only (each at most once, well-formed). The signature proves ShipStation sent the body; this keeps the
 * V2 key on that origin and one notification to one batch whatever the body says.
 */
export function checkV2WebhookResource(resourceType: string, resourceUrl: string, v2BaseUrl: string): CheckedV2Resource {
  const origin = checkResourceUrl(resourceUrl, v2BaseUrl, SHIPSTATION_V2_API_HOST);
  if (!origin.ok) return origin;
  const { url } = origin;
  const base = new URL(v2BaseUrl);
  const shapes = Object.hasOwn(V2_WEBHOOK_RESOURCES, resourceType) ? V2_WEBHOOK_RESOURCES[resourceType] : undefined;
  if (shapes === undefined) return { ok: false, reason: 'resource_type is not a V2 pointer webhook' };
  if (url.hash !== '' || url.href.endsWith('#')) return { ok: false, reason: `resource_url of ${resourceType} must not carry a fragment` };
  const prefix = base.pathname.replace(/\/+$/, '');
  const shape = shapes.find((s) => url.pathname === `${prefix}/v2/${s.resource}`);
  const forms = listed(shapes.map((s) => `/v2/${s.resource}?${s.filters[0] ?? ''}=…`));
  if (shape === undefined) return { ok: false, reason: `resource_url of ${resourceType} must be ${forms}, not another path` };
  const seen = new Set<string>();
  for (const [name, value] of url.searchParams) {
    if (!shape.filters.includes(name))
      return { ok: false, reason: `resource_url of ${resourceType} may carry only ${listed([...shape.filters])}, not ${nameOf(name)}` };
    if (seen.has(name)) return { ok: false, reason: `resource_url of ${resourceType} repeats ${name}` };
    seen.add(name);
    if (!(V2_PARAMETER_VALUES[name]?.test(value) ?? false)) return { ok: false, reason: `resource_url of ${resourceType} has an invalid ${name}` };
  }
  const batchFilter = shape.filters.find((name) => seen.has(name));
  if (batchFilter === undefined) return { ok: false, reason: `resource_url of ${resourceType} must name its batch: ${forms}` };
  return { ok: true, url, shape, batch: url.searchParams.get(batchFilter) ?? '' };
}
