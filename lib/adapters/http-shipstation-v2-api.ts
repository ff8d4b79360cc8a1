// ShipStation API V2 over HTTP (fetch): the account's V2 webhooks (`GET/POST /v2/environment/webhooks`) with its V2 key
// in the `API-Key` header. 429 waits Retry-After and 5xx and timeouts back off, a few attempts in all; 401/403 is a
// credentials problem and any other 4xx carries V2's own error message. Only URLs on the account's configured V2 origin
// are requested and redirects are never followed, so the key cannot reach another host; error messages never carry
// the key or a URL's query (a webhook URL carries the account's token).
import * as z from '../domain/zod.js';
import type { AccountConfig } from '../config.js';
import { BadInputError, ShipStationCredentialsError } from '../domain/errors.js';
import type { Clock, ServiceMetrics, ShipStationV2Webhooks, V2WebhookSubscription } from '../ports.js';
import { readJson, requestWithRetries, urlOnOrigin } from './http-core.js';

export interface HttpShipStationV2Options {
  timeoutMs: number;
  /** Attempts per request before giving up with a TransientError. */
  maxAttempts?: number;
  /** Longest Retry-After waited inside one request; longer ones end it with a TransientError carrying the wait. */
  maxRateLimitWaitMs?: number;
  /** Counts ShipStation's 429 answers for the dashboard. */
  metrics?: Pick<ServiceMetrics, 'shipStationThrottled'>;
}

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

export class HttpShipStationV2Api implements ShipStationV2Webhooks {
  private readonly maxAttempts: number;
  private readonly maxRateLimitWaitMs: number;

  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly clock: Clock,
    private readonly options: HttpShipStationV2Options,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 65_000;
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
    const apiKey = account.shipStationV2.apiKey;
    const hidden = [...secrets, apiKey];
    const where = `${method} ${url.pathname}`;
    const { value } = await requestWithRetries(this.clock, {
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
      rateLimit: {
        message: 'ShipStation V2 rate limit',
        maxWaitMs: this.maxRateLimitWaitMs,
        waitMs: (response) => {
          const told = retryAfterSeconds(response.headers.get('retry-after'), this.clock.now());
          return told === undefined ? undefined : Math.max(1, told) * 1000;
        },
        onThrottled: () => this.options.metrics?.shipStationThrottled(1),
      },
      redirected: (status) => new BadInputError(`ShipStation V2 redirected ${where} (${status}); redirects are never followed`),
      read: async (response) => {
        if (response.status === 401 || response.status === 403) {
          await response.body?.cancel();
          throw new ShipStationCredentialsError(account.id, `ShipStation rejected the V2 API key (${response.status})`);
        }
        if (!response.ok) throw new BadInputError(scrub(await this.refusal(response, where), hidden));
        if (response.status === 204) return { ok: true, value: undefined };
        return readJson(response, 'unreadable JSON body');
      },
    });
    return value;
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
