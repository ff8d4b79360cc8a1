// ShipStation API V2 over HTTP (fetch), with the account's V2 key in the `API-Key` header: its webhooks
// (`GET/POST /v2/environment/webhooks`), the lists its pointer webhooks name and the poll reads (`/v2/shipments`,
// `/v2/labels`, `/v2/fulfillments`, read into the same snapshots as V1 records), and one shipment by id. Every request
// takes from the V2 key's own budget first (200/minute, shared by every Lambda), and a 429 empties it until Retry-After. 429 waits Retry-After and 5xx and timeouts back off, a few attempts in all; 401/403 is a
// credentials problem and any other 4xx carries V2's own error message. Only URLs on the account's configured V2 origin
// are requested and redirects are never followed, so the key cannot reach another host; error messages never carry
// the key or a URL's query (a webhook URL carries the account's token).
import * as z from '../domain/zod.js';
import type { AccountConfig } from '../config.js';
import { BadInputError, ResourceTooLargeError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import { checkV2WebhookResource } from '../domain/resource-url.js';
import { parseListPage, type ListPage } from '../domain/shipstation.js';
import { v2ShipmentSchema } from '../domain/shipstation-v2.js';
import type { OrderSnapshot } from '../domain/snapshot.js';
import { snapshotsFromV2Page, v2OrderSnapshot } from '../normalise/v2-snapshots.js';
import type {
  Clock,
  FetchedResource,
  ListedPage,
  RateBudget,
  ServiceMetrics,
  ShipStationV2Reader,
  ShipStationV2Webhooks,
  V2ListResource,
  V2WebhookSubscription,
} from '../ports.js';
import { readJson, requestWithRetries, urlOnOrigin } from './http-core.js';

export interface HttpShipStationV2Options {
  timeoutMs: number;
  /** Attempts per request before giving up with a TransientError. */
  maxAttempts?: number;
  /** Longest Retry-After waited inside one request; longer ones end it with a TransientError carrying the wait. */
  maxRateLimitWaitMs?: number;
  /** Counts ShipStation's 429 answers for the dashboard. */
  metrics?: Pick<ServiceMetrics, 'shipStationThrottled'>;
  /** The V2 key's budget shared by every Lambda (200/minute): taken before each request, emptied by a 429. */
  budget?: RateBudget;
  /** Longest budget wait of a lookup made while publishing (an order by id); past it the caller waits on its queue. */
  maxLookupWaitMs?: number;
}

/** Records per page the product asks V2 for (the spec sets no maximum; the simulator allows 500). */
export const V2_PAGE_SIZE = 500;

/** The budget's key for a V2 key: apart from every V1 pair's, whatever the fingerprints. */
export const v2BudgetKey = (fingerprint: string): string => `v2:${fingerprint}`;

/** A 404: no such record. */
class V2NotFoundError extends BadInputError {
  constructor(path: string) {
    super(`ShipStation V2 answered 404 for ${path}`);
    this.name = 'V2NotFoundError';
  }
}

/** A 200 body read as a page of `resource`, or a TransientError (never an empty page). */
function v2PageOf(resource: V2ListResource, body: unknown, path: string): ListPage {
  const parsed = parseListPage(resource, body);
  if (!parsed.ok) throw new TransientError(`ShipStation V2 answered ${path} with 200 but not a page of ${resource} (${parsed.problem})`);
  return parsed.page;
}

const mergeCounts = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [status, count] of Object.entries(from)) into[status] = (into[status] ?? 0) + count;
};

type Method = 'GET' | 'POST';

type V2Account = AccountConfig & { shipStationV2: NonNullable<AccountConfig['shipStationV2']> };

/** One V2 webhook as listed; ShipStation sends more fields (headers, store_id), which are ignored. */
const v2WebhookSchema = z.object({
  webhook_id: z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
  event: z.string(),
  url: z.pipe(
    z.nullish(z.string()),
    z.transform((url) => url ?? ''),
  ),
});
/** `GET /v2/environment/webhooks`: a plain array (also accepted wrapped as `{webhooks: [...]}`). */
const v2WebhookListSchema = z.union([
  z.array(v2WebhookSchema),
  z.pipe(
    z.object({ webhooks: z.array(v2WebhookSchema) }),
    z.transform((body) => body.webhooks),
  ),
]);
const createdV2WebhookSchema = z.object({ webhook_id: z.pipe(z.union([z.string(), z.number()]), z.transform(String)) });
/** V2's error body: `{request_id, errors: [{error_source, error_type, error_code, message}]}`. */
const v2ErrorSchema = z.object({ errors: z.array(z.object({ message: z.string() })).check(z.minLength(1)) });

/**
 * The longest Retry-After believed, seconds. V2's limit is per minute (200 requests/minute per key), so no true wait is
 * longer; a larger value (a far-off date, a fault at the edge) would park the request's message for hours.
 */
export const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * Seconds a 429 asks to wait: Retry-After as seconds or as an HTTP date, at most MAX_RETRY_AFTER_SECONDS; undefined
 * when absent or unreadable.
 */
function retryAfterSeconds(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  const at = Date.parse(header);
  const told = Number.isFinite(seconds) ? seconds : Number.isNaN(at) ? undefined : Math.ceil((at - now.getTime()) / 1000);
  return told === undefined ? undefined : Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, told));
}

/** Cuts secrets out of text ShipStation sent back: the given values, and every URL query (a webhook URL's token). */
const scrub = (text: string, secrets: string[]): string =>
  secrets
    .filter((secret) => secret.length > 0)
    .flatMap((secret) => [secret, encodeURIComponent(secret)])
    .reduce((result, secret) => result.split(secret).join('…'), text)
    .replace(/(https?:\/\/[^\s?#'"<>]*)\?[^\s#'"<>]*/gi, '$1?…');

export class HttpShipStationV2Api implements ShipStationV2Webhooks, ShipStationV2Reader {
  private readonly maxAttempts: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly maxLookupWaitMs: number;

  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly clock: Clock,
    private readonly options: HttpShipStationV2Options,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 65_000;
    this.maxLookupWaitMs = options.maxLookupWaitMs ?? 10_000;
  }

  async fetchV2Resource(accountId: string, url: URL, resourceType: string): Promise<FetchedResource> {
    const account = this.account(accountId);
    // Checked here as well as at the edge: whoever queued the message, the V2 key only reads one batch on V2's origin.
    const checked = checkV2WebhookResource(resourceType, url.toString(), account.shipStationV2.baseUrl);
    if (!checked.ok) throw new BadInputError(checked.reason);
    const { shape } = checked;
    const result: FetchedResource = { snapshots: [], unreadable: [], requests: 0, unknownStatuses: {} };
    let records = 0;
    for (let page = 1; ; page += 1) {
      const pageUrl = new URL(checked.url);
      pageUrl.searchParams.set('page_size', String(V2_PAGE_SIZE));
      if (page > 1) pageUrl.searchParams.set('page', String(page));
      const { body, requests } = await this.read(account, pageUrl, this.maxRateLimitWaitMs);
      result.requests += requests;
      const read = v2PageOf(shape.resource, body, pageUrl.pathname);
      records += read.records.length;
      const pages = read.pages ?? 1;
      const claimed = Math.max(read.total ?? 0, records);
      if (claimed > shape.maxRecords) throw new ResourceTooLargeError(resourceType, checked.batch, claimed, shape.maxRecords, result.requests);
      const parsed = snapshotsFromV2Page({ id: accountId, defaultCountry: account.defaultCountry }, shape.resource, read.records);
      result.snapshots.push(...parsed.snapshots);
      result.unreadable.push(...parsed.unreadable.map((u) => ({ ...u, reason: `page ${page}: ${u.reason}` })));
      mergeCounts(result.unknownStatuses ?? {}, parsed.unknownStatuses);
      if (page >= pages || read.records.length === 0) return result;
    }
  }

  async listV2Page(accountId: string, { resource, query }: { resource: V2ListResource; query: Record<string, string> }): Promise<ListedPage> {
    const account = this.account(accountId);
    const url = this.urlOf(account, `/v2/${resource}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const { body, requests } = await this.read(account, url, this.maxRateLimitWaitMs);
    const { records, page, pages, total } = v2PageOf(resource, body, url.pathname);
    const parsed = snapshotsFromV2Page({ id: accountId, defaultCountry: account.defaultCountry }, resource, records);
    return {
      snapshots: parsed.snapshots,
      unreadable: parsed.unreadable,
      unknownStatuses: parsed.unknownStatuses,
      rows: records.length,
      page: page ?? Number(query.page ?? '1'),
      pages: pages ?? 1,
      total: total ?? records.length,
      requests,
    };
  }

  async fetchV2Order(accountId: string, orderId: number): Promise<OrderSnapshot | undefined> {
    const account = this.account(accountId);
    // An id only V2 knows (negative, from a hash) has no se- form to ask for: V2 cannot be asked for it by id.
    if (orderId <= 0) return undefined;
    let body: unknown;
    try {
      ({ body } = await this.read(account, this.urlOf(account, `/v2/shipments/se-${orderId}`), this.maxLookupWaitMs));
    } catch (error) {
      if (error instanceof V2NotFoundError) return undefined;
      throw error;
    }
    const parsed = v2ShipmentSchema.safeParse(body);
    if (!parsed.success) throw new BadInputError(`ShipStation V2 answered /v2/shipments/se-${orderId} with an unexpected shape`);
    return v2OrderSnapshot({ id: accountId, defaultCountry: account.defaultCountry }, parsed.data);
  }

  async checkV2Credentials(accountId: string): Promise<void> {
    await this.listV2Webhooks(accountId);
  }

  /** A GET within the V2 budget; a 404 is V2NotFoundError. */
  private async read(account: V2Account, url: URL, maxWaitMs: number): Promise<{ body: unknown; requests: number }> {
    return this.requestCounted(account, 'GET', url, undefined, [], maxWaitMs);
  }

  async listV2Webhooks(accountId: string): Promise<V2WebhookSubscription[]> {
    const account = this.account(accountId);
    const body = await this.request(account, 'GET', this.urlOf(account, '/v2/environment/webhooks'));
    const parsed = v2WebhookListSchema.safeParse(body);
    if (!parsed.success) throw new BadInputError('ShipStation answered /v2/environment/webhooks with an unexpected shape');
    return parsed.data.map(({ webhook_id: id, event, url }) => ({ id, event, url }));
  }

  /**
   * Creates a V2 webhook. `url` carries the account's token: it goes in the request body only, and is cut out of any
   * error ShipStation answers with. Retried like every request, so a lost answer may leave a duplicate (listed after).
   */
  async createV2Webhook(accountId: string, webhook: { name: string; event: string; url: string }): Promise<string> {
    const account = this.account(accountId);
    const secrets = [...new URL(webhook.url).searchParams.values()];
    const body = { name: webhook.name, event: webhook.event, url: webhook.url, headers: [] };
    const answer = await this.request(account, 'POST', this.urlOf(account, '/v2/environment/webhooks'), body, secrets);
    const parsed = createdV2WebhookSchema.safeParse(answer);
    if (!parsed.success) throw new BadInputError('ShipStation answered POST /v2/environment/webhooks with an unexpected shape');
    return parsed.data.webhook_id;
  }

  /** @throws BadInputError for an unknown account or one without a V2 key */
  private account(accountId: string): V2Account {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    if (account.shipStationV2 === undefined) throw new BadInputError(`account ${accountId} has no ShipStation V2 API key (shipStationV2.apiKey)`);
    return account as V2Account;
  }

  /** A path on the account's V2 origin (the base URL has no trailing slash; config strips it). */
  private urlOf(account: V2Account, path: string): URL {
    return urlOnOrigin(account.shipStationV2.baseUrl, path, 'ShipStation V2');
  }

  /** One request with retries; returns the parsed JSON body. `secrets` are cut out of any error message. */
  private async request(account: V2Account, method: Method, url: URL, body?: unknown, secrets: string[] = []): Promise<unknown> {
    return (await this.requestCounted(account, method, url, body, secrets, this.maxRateLimitWaitMs)).body;
  }

  /** One request within the budget, with retries; the parsed JSON body and how many requests it took. */
  private async requestCounted(
    account: V2Account,
    method: Method,
    url: URL,
    body: unknown,
    secrets: string[],
    maxWaitMs: number,
  ): Promise<{ body: unknown; requests: number }> {
    const apiKey = account.shipStationV2.apiKey;
    const hidden = [...secrets, apiKey];
    const where = `${method} ${url.pathname}`;
    const budgetKey = v2BudgetKey(account.shipStationV2.fingerprint);
    let budgetWaitMs = 0;
    const { value, requests } = await requestWithRetries(this.clock, {
      name: `ShipStation V2 ${where}`,
      method,
      url,
      headers: {
        'API-Key': apiKey,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.options.timeoutMs,
      maxAttempts: this.maxAttempts,
      beforeAttempt: async () => {
        budgetWaitMs += await this.takeFromBudget(budgetKey, budgetWaitMs, maxWaitMs);
      },
      rateLimit: {
        message: 'ShipStation V2 rate limit',
        maxWaitMs,
        waitMs: (response) => {
          const told = retryAfterSeconds(response.headers.get('retry-after'), this.clock.now());
          return told === undefined ? undefined : Math.max(1, told) * 1000;
        },
        onThrottled: async (_response, waitMs) => {
          this.options.metrics?.shipStationThrottled(1);
          // A 429 means nothing is left for this key until Retry-After, for every Lambda.
          await this.options.budget?.reconcile(budgetKey, { remaining: 0, resetSeconds: waitMs / 1000 }, this.clock.now());
        },
      },
      redirected: (status) => new BadInputError(`ShipStation V2 redirected ${where} (${status}); redirects are never followed`),
      read: async (response) => {
        if (response.status === 401 || response.status === 403) {
          await response.body?.cancel();
          throw new ShipStationCredentialsError(account.id, `ShipStation rejected the V2 API key (${response.status})`, 'shipstation-v2');
        }
        if (response.status === 404 && method === 'GET') {
          await response.body?.cancel();
          throw new V2NotFoundError(url.pathname);
        }
        if (!response.ok) throw new BadInputError(scrub(await this.refusal(response, where), hidden));
        if (response.status === 204) return { ok: true, value: undefined };
        return readJson(response, 'unreadable JSON body');
      },
    });
    return { body: value, requests };
  }

  /**
   * Takes one request from the V2 key's budget, sleeping while it is spent; returns how long it slept.
   * @throws TransientError when the waits of this request would add up to more than `maxWaitMs`
   */
  private async takeFromBudget(budgetKey: string, alreadyWaitedMs: number, maxWaitMs: number): Promise<number> {
    const budget = this.options.budget;
    if (budget === undefined) return 0;
    let waitedMs = 0;
    for (;;) {
      const grant = await budget.take(budgetKey, this.clock.now());
      if (grant.granted) return waitedMs;
      if (alreadyWaitedMs + waitedMs + grant.waitMs > maxWaitMs) {
        throw new TransientError('ShipStation V2 rate budget spent', { retryAfterSeconds: Math.ceil(grant.waitMs / 1000) });
      }
      await this.clock.sleep(grant.waitMs);
      waitedMs += grant.waitMs;
    }
  }

  /** `ShipStation V2 answered 400 for POST /v2/…: <errors[0].message>`, or without the message when the body has none. */
  private async refusal(response: Response, where: string): Promise<string> {
    const prefix = `ShipStation V2 answered ${response.status} for ${where}`;
    let text: string;
    try {
      text = await response.text();
    } catch {
      return prefix;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return prefix;
    }
    const parsed = v2ErrorSchema.safeParse(json);
    return parsed.success ? `${prefix}: ${parsed.data.errors[0]?.message ?? ''}`.trimEnd() : prefix;
  }
}
