// ShipStation V1: resources, lists, orders, carrier services, webhooks and the key pair's shared rate budget.
import type { OrderSnapshot, Snapshot } from '../domain/snapshot.js';

/** Result of reading one webhook resource_url, all pages. */
export interface FetchedResource {
  snapshots: Snapshot[];
  /** Records that did not parse, by kind and position, with the reason. */
  unreadable: { kind: string; index: number; reason: string }[];
  requests: number;
  /** V2 shipment statuses the product does not know, with how many records had each (they sent nothing). */
  unknownStatuses?: Record<string, number>;
}

export interface ShipStationApi {
  /**
   * GETs a webhook's resource URL with the account's credentials, following pages, only in the shape ShipStation sends
   * for `resourceType` (else BadInputError, no request made) and up to that type's cap (else ResourceTooLargeError).
   * @throws ShipStationCredentialsError on 401, TransientError for a 200 that is not a page or when retries are spent
   */
  fetchResource(accountId: string, url: URL, resourceType: string): Promise<FetchedResource>;
}

/** One order read by id (`GET /orders/{orderId}`), for a label or fulfilment whose order no snapshot brought. */
export interface OrderLookup {
  /**
   * One request from the key pair's shared budget.
   * @returns the order's snapshot, or undefined when ShipStation has no such order (404)
   * @throws ShipStationCredentialsError on 401, TransientError when ShipStation cannot answer now
   */
  fetchOrder(accountId: string, orderId: number): Promise<OrderSnapshot | undefined>;
}

/** A carrier's service as ShipStation lists it (`GET /carriers/listservices?carrierCode=…`). */
export interface CarrierService {
  code: string;
  name: string;
}

/** Where a carrier's services and their display names are listed (`usps_first_class_mail` → "USPS First Class Mail"). */
export interface ShipStationServiceCatalog {
  /**
   * The services of one carrier, with their display names; one request from the shared budget.
   * @throws ShipStationCredentialsError on 401, TransientError when ShipStation cannot answer now
   */
  listServices(accountId: string, carrierCode: string): Promise<CarrierService[]>;
}

/** Service lists kept between containers (they change rarely; reading one costs a ShipStation request). */
export interface CarrierServiceCache {
  get(accountId: string, carrierCode: string): Promise<{ services: CarrierService[]; fetchedAt: string } | undefined>;
  put(accountId: string, carrierCode: string, services: CarrierService[], fetchedAt: Date): Promise<void>;
}

/** Cheap calls that prove a key works without changing anything. */
export interface ShipStationCredentialCheck {
  /**
   * `GET /stores` within the shared budget.
   * @returns the stores the key sees
   * @throws ShipStationCredentialsError on 401, TransientError when ShipStation cannot answer now
   */
  checkCredentials(accountId: string): Promise<{ stores: { storeId: number; storeName: string }[] }>;
}

/** What one page of a ShipStation list endpoint gave back. */
export type ListResource = 'orders' | 'shipments' | 'fulfillments';

export interface ListPageRequest {
  resource: ListResource;
  /** Query parameters as ShipStation takes them (Pacific-time date filters, sortBy, sortDir, page, pageSize…). */
  query: Record<string, string>;
}

export interface ListedPage {
  snapshots: Snapshot[];
  unreadable: { kind: string; index: number; reason: string }[];
  /** Rows on the page, readable or not. */
  rows: number;
  page: number;
  pages: number;
  total: number;
  /** HTTP requests it took (retries included). */
  requests: number;
  /** V2 shipment statuses the product does not know, with how many records had each (they sent nothing). */
  unknownStatuses?: Record<string, number>;
}

/** The list endpoints the poll reads. */
export interface ShipStationLister {
  /**
   * Reads one page of `/orders`, `/shipments` or `/fulfillments` on the account's origin, within the shared budget.
   * @throws ShipStationCredentialsError on 401, TransientError when retries are spent or the budget wait is too long
   */
  listPage(accountId: string, request: ListPageRequest): Promise<ListedPage>;
}

/** A V1 webhook subscription as `GET /webhooks` lists it. */
export interface WebhookSubscription {
  id: string;
  event: string;
  targetUrl: string;
  storeId?: number;
}

export interface ShipStationWebhooks {
  listWebhooks(accountId: string): Promise<WebhookSubscription[]>;
  /** `POST /webhooks/subscribe`; returns the new subscription's id. */
  subscribeWebhook(accountId: string, subscription: { event: string; targetUrl: string; storeId?: number; friendlyName: string }): Promise<string>;
}

/** Outcome of asking the shared budget for one ShipStation request. */
export type RateGrant = { granted: true } | { granted: false; waitMs: number };

/** What a ShipStation response said about the key's window (X-Rate-Limit-* headers, or a 429). */
export interface ObservedRate {
  limit?: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * ShipStation's 40 requests/minute belong to a key pair, shared by every Lambda (and every other app on that key): one
 * budget per key fingerprint, taken before each request and reconciled with what ShipStation reports.
 */
export interface RateBudget {
  take(keyFingerprint: string, now: Date): Promise<RateGrant>;
  reconcile(keyFingerprint: string, observed: ObservedRate, now: Date): Promise<void>;
}
