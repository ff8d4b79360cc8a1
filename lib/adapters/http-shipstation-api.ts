// ShipStationApi over HTTP (fetch): Basic auth, page following, X-Rate-Limit-* honoured, 429 waits for the reset,
// 5xx and timeouts retried with backoff, 401 reported as a credentials problem. Only URLs on the account's ShipStation
// origin are requested and redirects are never followed, so the Authorization header cannot reach another host.
import type { AccountConfig } from '../config.js';
import { BadInputError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import { checkResourceUrl } from '../domain/resource-url.js';
import { resourcePageSchema } from '../domain/shipstation.js';
import { snapshotsFromPage } from '../normalise/snapshots.js';
import type { Clock, FetchedResource, ShipStationApi } from '../ports.js';

export interface HttpShipStationOptions {
  timeoutMs: number;
  /** Attempts per request before giving up with a TransientError. */
  maxAttempts?: number;
  /** Longest wait for a rate-limit window inside one invocation; longer waits hand the message back to SQS. */
  maxRateLimitWaitMs?: number;
  /** Safety stop for a resource that claims more pages than any webhook should. */
  maxPages?: number;
}

interface RateState {
  remaining: number;
  resetAt: number;
}

/** Backoff for attempt n (1-based): 0.5 s, 1 s, 2 s … capped at 8 s, with jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(8_000, 500 * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random() * 0.5));
}

export class HttpShipStationApi implements ShipStationApi {
  private readonly rate = new Map<string, RateState>();
  private readonly maxAttempts: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly maxPages: number;

  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly clock: Clock,
    private readonly options: HttpShipStationOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 65_000;
    this.maxPages = options.maxPages ?? 200;
  }

  async fetchResource(accountId: string, url: URL): Promise<FetchedResource> {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    // Checked here as well as at the webhook edge: whoever put the message on the queue, the key only goes to ShipStation.
    const allowed = checkResourceUrl(url.toString(), account.shipStation.baseUrl);
    if (!allowed.ok) throw new BadInputError(allowed.reason);
    const first = new URL(url);
    // SHIP_NOTIFY points at shipments without their items; the shipping email needs them.
    if (first.pathname.toLowerCase().endsWith('/shipments')) first.searchParams.set('includeShipmentItems', 'true');
    const result: FetchedResource = { snapshots: [], unreadable: [], requests: 0 };
    for (let page = 1; page <= this.maxPages; page += 1) {
      const pageUrl = new URL(first);
      if (page > 1) pageUrl.searchParams.set('page', String(page));
      const { body, requests } = await this.get(account, pageUrl);
      result.requests += requests;
      const parsed = resourcePageSchema.safeParse(body);
      if (!parsed.success) throw new BadInputError(`ShipStation answered ${pageUrl.pathname} with an unexpected shape`);
      const { snapshots, unreadable } = snapshotsFromPage(accountId, parsed.data);
      result.snapshots.push(...snapshots);
      result.unreadable.push(...unreadable.map((u) => ({ ...u, reason: `page ${page}: ${u.reason}` })));
      const pages = parsed.data.pages ?? 1;
      if (page >= pages) return result;
    }
    throw new BadInputError(`resource has more than ${this.maxPages} pages`);
  }

  /** One GET with rate limiting and retries; returns the parsed JSON body and how many requests it took. */
  private async get(account: AccountConfig, url: URL): Promise<{ body: unknown; requests: number }> {
    const authorization = `Basic ${Buffer.from(`${account.shipStation.apiKey}:${account.shipStation.apiSecret}`).toString('base64')}`;
    let lastProblem = 'no attempt made';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      await this.waitForWindow(account.id);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { Authorization: authorization, Accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        lastProblem = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network error';
        if (attempt < this.maxAttempts) await this.clock.sleep(backoffMs(attempt));
        continue;
      }
      this.recordRate(account.id, response.headers);
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new BadInputError(`ShipStation redirected ${url.pathname} (${response.status}); redirects are never followed`);
      }
      if (response.status === 401) {
        await response.body?.cancel();
        throw new ShipStationCredentialsError(account.id);
      }
      if (response.status === 429) {
        await response.body?.cancel();
        lastProblem = 'rate limited (429)';
        const waitMs = this.resetWaitMs(account.id, response.headers) ?? backoffMs(attempt);
        if (waitMs > this.maxRateLimitWaitMs || attempt === this.maxAttempts) {
          throw new TransientError('ShipStation rate limit', { retryAfterSeconds: Math.ceil(waitMs / 1000) });
        }
        await this.clock.sleep(waitMs);
        continue;
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        lastProblem = `HTTP ${response.status}`;
        if (attempt < this.maxAttempts) await this.clock.sleep(backoffMs(attempt));
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new BadInputError(`ShipStation answered ${response.status} for ${url.pathname}`);
      }
      try {
        return { body: await response.json(), requests: attempt };
      } catch {
        lastProblem = 'unreadable JSON body';
        if (attempt < this.maxAttempts) await this.clock.sleep(backoffMs(attempt));
      }
    }
    throw new TransientError(`ShipStation ${url.pathname} failed after ${this.maxAttempts} attempts: ${lastProblem}`);
  }

  private recordRate(accountId: string, headers: Headers): void {
    const remaining = Number(headers.get('x-rate-limit-remaining'));
    const reset = Number(headers.get('x-rate-limit-reset'));
    if (headers.has('x-rate-limit-remaining') && Number.isFinite(remaining) && Number.isFinite(reset)) {
      this.rate.set(accountId, { remaining, resetAt: this.clock.now().getTime() + reset * 1000 });
    }
  }

  private resetWaitMs(accountId: string, headers: Headers): number | undefined {
    const reset = Number(headers.get('x-rate-limit-reset'));
    if (headers.has('x-rate-limit-reset') && Number.isFinite(reset)) return Math.max(1, reset) * 1000;
    const state = this.rate.get(accountId);
    return state === undefined ? undefined : Math.max(1000, state.resetAt - this.clock.now().getTime());
  }

  /** When the last response said the window is spent, wait for its reset before the next request. */
  private async waitForWindow(accountId: string): Promise<void> {
    const state = this.rate.get(accountId);
    if (state === undefined || state.remaining > 0) return;
    const waitMs = state.resetAt - this.clock.now().getTime();
    if (waitMs <= 0) return;
    if (waitMs > this.maxRateLimitWaitMs) throw new TransientError('ShipStation rate limit window spent', { retryAfterSeconds: Math.ceil(waitMs / 1000) });
    await this.clock.sleep(waitMs);
  }
}
