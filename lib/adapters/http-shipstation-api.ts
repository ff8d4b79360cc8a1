// ShipStation V1 over HTTP (fetch): webhook resources (following pages), list pages for the poll, webhook
// subscriptions and the `GET /stores` credentials check. Every request takes from the key pair's shared RateBudget first
// and reconciles X-Rate-Limit-* (or a 429) into it after; 5xx and timeouts are retried with backoff, 401 is reported as
// a credentials problem. Only URLs on the account's ShipStation origin are requested and redirects are never followed,
// so the Authorization header cannot reach another host. Nothing ShipStation's edge sends is trusted as is: a webhook
// resource is read only in the shape ShipStation sends for its type and up to its cap, a 200 that is not a page is a
// transient failure (never an empty page), and a reset longer than V1's one-minute window is cut to it.
import * as z from '../domain/zod.js';
import type { AccountConfig } from '../config.js';
import { BadInputError, ResourceTooLargeError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import { checkWebhookResource, RESOURCE_PAGE_SIZE, type WebhookResourceShape } from '../domain/resource-url.js';
import { orderSchema, parseListPage, subscribedWebhookSchema, webhookListSchema, type ListPage, type ListResource } from '../domain/shipstation.js';
import type { OrderSnapshot } from '../domain/snapshot.js';
import { orderSnapshot, snapshotsFromPage } from '../normalise/snapshots.js';
import type {
  CarrierService,
  Clock,
  FetchedResource,
  ListedPage,
  ListPageRequest,
  ObservedRate,
  OrderLookup,
  RateBudget,
  ShipStationApi,
  ShipStationCredentialCheck,
  ShipStationLister,
  ServiceMetrics,
  ShipStationServiceCatalog,
  ShipStationWebhooks,
  WebhookSubscription,
} from '../ports.js';
import { readJson, requestWithRetries, urlOnOrigin } from './http-core.js';

export interface HttpShipStationOptions {
  timeoutMs: number;
  /** The key pair's budget shared by every Lambda: taken before each request, reconciled with each response. */
  budget: RateBudget;
  /** Attempts per request before giving up with a TransientError. */
  maxAttempts?: number;
  /**
   * Longest wait for the rate limit inside one request (the budget's waits added up, or one 429's reset); longer
   * waits hand the message back to SQS as a TransientError with retryAfterSeconds.
   */
  maxRateLimitWaitMs?: number;
  /**
   * Longest rate-limit wait of a lookup made while publishing (an order by id, a service list): a consumer must not sit
   * on the budget; past it a TransientError with retryAfterSeconds lets the caller wait on its queue instead.
   */
  maxLookupWaitMs?: number;
  /** Counts ShipStation's 429 answers for the dashboard. */
  metrics?: Pick<ServiceMetrics, 'shipStationThrottled'>;
}

type Method = 'GET' | 'POST';

type V1Account = AccountConfig & { shipStation: NonNullable<AccountConfig['shipStation']> };

/**
 * The longest X-Rate-Limit-Reset believed, seconds. V1's limit is per minute ("40 requests per minute"; the header is
 * the seconds until the next window starts), so no true reset is longer: a larger value (one `100000` would close the
 * key's budget for 27.8 hours, every Lambda waiting on it) is a fault of ShipStation's edge, and is read as a full window.
 */
export const MAX_RATE_LIMIT_RESET_SECONDS = 60;

/**
 * X-Rate-Limit-Remaining and -Reset (and -Limit when present), or undefined when the response has none. The reset is
 * cut to 0–60 s; a limit below 1 is ignored (it would close the budget until ShipStation reported another).
 */
function observedRate(headers: Headers): ObservedRate | undefined {
  const remaining = Number(headers.get('x-rate-limit-remaining') ?? Number.NaN);
  const resetSeconds = Number(headers.get('x-rate-limit-reset') ?? Number.NaN);
  if (!Number.isFinite(remaining) || !Number.isFinite(resetSeconds)) return undefined;
  const limit = Number(headers.get('x-rate-limit-limit') ?? Number.NaN);
  return {
    remaining: Math.max(0, remaining),
    resetSeconds: Math.min(MAX_RATE_LIMIT_RESET_SECONDS, Math.max(0, resetSeconds)),
    ...(Number.isFinite(limit) && limit >= 1 ? { limit } : {}),
  };
}

/**
 * A 200 body read as a page of `resource`.
 * @throws TransientError when it is not one (not JSON was already retried by `request`; here: no list, wrong types):
 *   what an edge or a deploy at ShipStation answers for a moment, so it is retried, never read as an empty page
 */
function pageOf(resource: ListResource, body: unknown, path: string): ListPage {
  const parsed = parseListPage(resource, body);
  if (!parsed.ok) throw new TransientError(`ShipStation answered ${path} with 200 but not a page of ${resource} (${parsed.problem})`);
  return parsed.page;
}

/** Page `page` of a webhook resource as we read it: its own filters, our page size, and the items of every label. */
function webhookPageUrl(url: URL, shape: WebhookResourceShape, page: number): URL {
  const pageUrl = new URL(url);
  pageUrl.search = '';
  for (const [name, value] of url.searchParams) {
    // SHIP_NOTIFY points at shipments without their items; the shipping email needs them.
    if (name.toLowerCase() !== 'includeshipmentitems') pageUrl.searchParams.append(name, value);
  }
  if (shape.resource === 'shipments') pageUrl.searchParams.set('includeShipmentItems', 'true');
  pageUrl.searchParams.set('pageSize', String(RESOURCE_PAGE_SIZE));
  if (page > 1) pageUrl.searchParams.set('page', String(page));
  return pageUrl;
}

/** `GET /stores`: the fields the credentials check reports; a store carries many more, which are ignored. */
const storeListSchema = z.array(z.object({ storeId: z.number(), storeName: z.string() }));

/** `GET /carriers/listservices`: `[{carrierCode, code, name, domestic, international}]`; entries without a code or name are skipped. */
const serviceListSchema = z.array(z.looseObject({ code: z.nullish(z.string()), name: z.nullish(z.string()) }));

/** A 404: permanent bad input for a resource URL; "no such order" for a lookup by id, which tells it apart. */
class NotFoundError extends BadInputError {
  constructor(path: string) {
    super(`ShipStation answered 404 for ${path}`);
    this.name = 'NotFoundError';
  }
}

export class HttpShipStationApi
  implements ShipStationApi, ShipStationLister, ShipStationWebhooks, ShipStationCredentialCheck, OrderLookup, ShipStationServiceCatalog
{
  private readonly budget: RateBudget;
  private readonly maxAttempts: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly maxLookupWaitMs: number;

  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly clock: Clock,
    private readonly options: HttpShipStationOptions,
  ) {
    this.budget = options.budget;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 65_000;
    this.maxLookupWaitMs = options.maxLookupWaitMs ?? 10_000;
  }

  /**
   * Reads a webhook's resource, page after page, as ShipStation sends it for `resourceType` and up to that type's cap.
   * @throws BadInputError (no request made) when the URL is not what ShipStation sends for the type
   * @throws ResourceTooLargeError as soon as a page says the resource holds more than the cap
   * @throws TransientError for a 200 that is not a page, or retries spent
   */
  async fetchResource(accountId: string, url: URL, resourceType: string): Promise<FetchedResource> {
    const account = this.account(accountId);
    // Checked here as well as at the webhook edge: whoever put the message on the queue (a replay, a token holder), the
    // key only goes to ShipStation, and only for one batch of what the type names.
    const checked = checkWebhookResource(resourceType, url.toString(), account.shipStation.baseUrl);
    if (!checked.ok) throw new BadInputError(checked.reason);
    const { shape } = checked;
    const maxPages = Math.ceil(shape.maxRecords / RESOURCE_PAGE_SIZE);
    const result: FetchedResource = { snapshots: [], unreadable: [], requests: 0 };
    let records = 0;
    for (let page = 1; ; page += 1) {
      const pageUrl = webhookPageUrl(checked.url, shape, page);
      const { body, requests } = await this.request(account, 'GET', pageUrl);
      result.requests += requests;
      const read = pageOf(shape.resource, body, pageUrl.pathname);
      records += read.records.length;
      const pages = read.pages ?? 1;
      // What the resource holds, at least: ShipStation's total, what was read, or what its page count implies.
      const claimed = Math.max(read.total ?? 0, records, pages > maxPages ? (pages - 1) * RESOURCE_PAGE_SIZE + 1 : 0);
      if (claimed > shape.maxRecords) throw new ResourceTooLargeError(resourceType, checked.batch, claimed, shape.maxRecords, result.requests);
      const { snapshots, unreadable } = snapshotsFromPage({ id: accountId, defaultCountry: account.defaultCountry }, { [shape.resource]: read.records });
      result.snapshots.push(...snapshots);
      result.unreadable.push(...unreadable.map((u) => ({ ...u, reason: `page ${page}: ${u.reason}` })));
      if (page >= pages) return result;
    }
  }

  async listPage(accountId: string, { resource, query }: ListPageRequest): Promise<ListedPage> {
    const account = this.account(accountId);
    const url = this.urlOf(account, `/${resource}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    // The shipping email needs the items, whatever the caller asked for.
    if (resource === 'shipments') url.searchParams.set('includeShipmentItems', 'true');
    const { body, requests } = await this.request(account, 'GET', url);
    const { records, page, pages, total } = pageOf(resource, body, url.pathname);
    const { snapshots, unreadable } = snapshotsFromPage({ id: accountId, defaultCountry: account.defaultCountry }, { [resource]: records });
    return {
      snapshots,
      unreadable,
      rows: records.length,
      page: page ?? Number(query.page ?? '1'),
      pages: pages ?? 1,
      total: total ?? records.length,
      requests,
    };
  }

  async listWebhooks(accountId: string): Promise<WebhookSubscription[]> {
    const account = this.account(accountId);
    const { body } = await this.request(account, 'GET', this.urlOf(account, '/webhooks'));
    const parsed = webhookListSchema.safeParse(body);
    if (!parsed.success) throw new BadInputError('ShipStation answered /webhooks with an unexpected shape');
    return parsed.data.map((hook) => ({
      id: String(hook.WebHookID),
      event: hook.HookType,
      // Some sources list subscriptions without their URL; '' then means "not told".
      targetUrl: hook.Url ?? '',
      ...(hook.StoreID === null || hook.StoreID === undefined ? {} : { storeId: hook.StoreID }),
    }));
  }

  /**
   * Subscribes `targetUrl` (which carries the webhook secret: it goes in the request body only, never in a message).
   * Retried like every request, so a lost answer may leave a duplicate subscription; listWebhooks shows it.
   */
  async subscribeWebhook(accountId: string, subscription: { event: string; targetUrl: string; storeId?: number; friendlyName: string }): Promise<string> {
    const account = this.account(accountId);
    const body = {
      target_url: subscription.targetUrl,
      event: subscription.event,
      ...(subscription.storeId === undefined ? {} : { store_id: subscription.storeId }),
      friendly_name: subscription.friendlyName,
    };
    const { body: answer } = await this.request(account, 'POST', this.urlOf(account, '/webhooks/subscribe'), body);
    const parsed = subscribedWebhookSchema.safeParse(answer);
    if (!parsed.success) throw new BadInputError('ShipStation answered /webhooks/subscribe with an unexpected shape');
    return parsed.data;
  }

  /**
   * Proves the key pair works with a cheap read that changes nothing, `GET /stores`, within the shared budget and with the
   * usual retries; a 401 is not retried.
   */
  async checkCredentials(accountId: string): Promise<{ stores: { storeId: number; storeName: string }[] }> {
    const account = this.account(accountId);
    const { body } = await this.request(account, 'GET', this.urlOf(account, '/stores'));
    const parsed = storeListSchema.safeParse(body);
    if (!parsed.success) throw new BadInputError('ShipStation answered /stores with an unexpected shape');
    return { stores: parsed.data.map(({ storeId, storeName }) => ({ storeId, storeName })) };
  }

  /** `GET /orders/{orderId}`: one request from the shared budget; undefined when ShipStation answers 404. */
  async fetchOrder(accountId: string, orderId: number): Promise<OrderSnapshot | undefined> {
    const account = this.account(accountId);
    let body: unknown;
    try {
      ({ body } = await this.request(account, 'GET', this.urlOf(account, `/orders/${encodeURIComponent(String(orderId))}`), undefined, this.maxLookupWaitMs));
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    const parsed = orderSchema.safeParse(body);
    if (!parsed.success) throw new BadInputError(`ShipStation answered /orders/${orderId} with an unexpected shape`);
    return orderSnapshot({ id: accountId, defaultCountry: account.defaultCountry }, parsed.data);
  }

  /** `GET /carriers/listservices?carrierCode=…`: the carrier's services with their display names. */
  async listServices(accountId: string, carrierCode: string): Promise<CarrierService[]> {
    const account = this.account(accountId);
    const url = this.urlOf(account, '/carriers/listservices');
    url.searchParams.set('carrierCode', carrierCode);
    const { body } = await this.request(account, 'GET', url, undefined, this.maxLookupWaitMs);
    const parsed = serviceListSchema.safeParse(body);
    if (!parsed.success) throw new BadInputError('ShipStation answered /carriers/listservices with an unexpected shape');
    return parsed.data.flatMap((s) =>
      s.code === undefined || s.code === null || s.name === undefined || s.name === null ? [] : [{ code: s.code, name: s.name }],
    );
  }

  /** @throws BadInputError for an unknown account or one without a V1 key pair (no request is made for it) */
  private account(accountId: string): V1Account {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    if (account.shipStation === undefined) throw new BadInputError(`account ${accountId} has no ShipStation V1 key pair (it runs on API V2)`);
    return account as V1Account;
  }

  /** A path on the account's ShipStation origin (the base URL has no trailing slash; config strips it). */
  private urlOf(account: V1Account, path: string): URL {
    return urlOnOrigin(account.shipStation.baseUrl, path, 'ShipStation');
  }

  /** One request within the budget, with retries; returns the parsed JSON body and how many requests it took. */
  private async request(
    account: V1Account,
    method: Method,
    url: URL,
    body?: unknown,
    maxWaitMs: number = this.maxRateLimitWaitMs,
  ): Promise<{ body: unknown; requests: number }> {
    const fingerprint = account.shipStation.fingerprint;
    let budgetWaitMs = 0;
    const { value, requests } = await requestWithRetries(this.clock, {
      name: `ShipStation ${url.pathname}`,
      method,
      url,
      headers: {
        Authorization: `Basic ${Buffer.from(`${account.shipStation.apiKey}:${account.shipStation.apiSecret}`).toString('base64')}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.options.timeoutMs,
      maxAttempts: this.maxAttempts,
      beforeAttempt: async () => {
        budgetWaitMs += await this.takeFromBudget(fingerprint, budgetWaitMs, maxWaitMs);
      },
      rateLimit: {
        message: 'ShipStation rate limit',
        maxWaitMs,
        waitMs: (response) => {
          const observed = observedRate(response.headers);
          return observed === undefined ? undefined : Math.max(1, observed.resetSeconds) * 1000;
        },
        onThrottled: async (response, waitMs) => {
          this.options.metrics?.shipStationThrottled(1);
          // Whatever the headers said, a 429 means nothing is left until the reset.
          await this.budget.reconcile(
            fingerprint,
            { limit: observedRate(response.headers)?.limit, remaining: 0, resetSeconds: waitMs / 1000 },
            this.clock.now(),
          );
        },
      },
      onResponse: async (response) => {
        const observed = observedRate(response.headers);
        if (observed !== undefined) await this.budget.reconcile(fingerprint, observed, this.clock.now());
      },
      redirected: (status) => new BadInputError(`ShipStation redirected ${url.pathname} (${status}); redirects are never followed`),
      read: async (response) => {
        if (response.status === 401) {
          await response.body?.cancel();
          throw new ShipStationCredentialsError(account.id);
        }
        if (response.status === 404 && method === 'GET') {
          await response.body?.cancel();
          throw new NotFoundError(url.pathname);
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new BadInputError(`ShipStation answered ${response.status} for ${url.pathname}`);
        }
        return readJson(response, `${response.status} with a body that is not JSON`);
      },
    });
    return { body: value, requests };
  }

  /**
   * Takes one request from the key's budget, sleeping while it is spent; returns how long it slept.
   * @throws TransientError when the waits of this request would add up to more than `maxWaitMs`
   */
  private async takeFromBudget(fingerprint: string, alreadyWaitedMs: number, maxWaitMs: number): Promise<number> {
    let waitedMs = 0;
    for (;;) {
      const grant = await this.budget.take(fingerprint, this.clock.now());
      if (grant.granted) return waitedMs;
      if (alreadyWaitedMs + waitedMs + grant.waitMs > maxWaitMs) {
        throw new TransientError('ShipStation rate budget spent', { retryAfterSeconds: Math.ceil(grant.waitMs / 1000) });
      }
      await this.clock.sleep(grant.waitMs);
      waitedMs += grant.waitMs;
    }
  }
}
