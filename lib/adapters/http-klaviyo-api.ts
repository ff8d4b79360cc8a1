// KlaviyoApi and KlaviyoBulkApi over HTTP (fetch): Create Event and Bulk Create Events with a pinned revision. 202 is
// success; 429 honours Retry-After; 5xx, timeouts and Cloudflare's HTML 403 challenge are transient; JSON 4xx are
// permanent rejections with a reason. The credentials check posts a deliberately invalid event: 400 means the key works.
// Redirects are refused so the private key is only ever sent to the configured Klaviyo host.
import type { AccountConfig } from '../config.js';
import { BadInputError, KlaviyoRejectedError } from '../domain/errors.js';
import { bulkCreateEventsBody, bulkRequestProblem } from '../domain/klaviyo-bulk.js';
import { createEventBody, type KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { Clock, KlaviyoApi, KlaviyoBulkApi, KlaviyoCredentialCheck } from '../ports.js';
import { requestWithRetries, urlOnOrigin } from './http-core.js';

export interface HttpKlaviyoOptions {
  revision: string;
  timeoutMs: number;
  maxAttempts?: number;
  /** Longest Retry-After honoured in-process; longer ones hand the message back to SQS. */
  maxInlineRetryAfterMs?: number;
}

/**
 * The longest Retry-After believed, seconds. Klaviyo's limits are fixed windows of one second (burst) and one minute
 * (steady), so no true wait is longer; its own SDK caps its retry interval at 60 s too (`maxInterval`). A larger value
 * would park the message (its visibility, the poll's continuation) for that long: it is cut to a full window.
 */
export const MAX_RETRY_AFTER_SECONDS = 60;

/** Reads Klaviyo's JSON:API error envelope into one line: code, detail and pointer of each error. */
export function describeKlaviyoErrors(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { errors?: unknown }).errors)) return undefined;
  const errors = (body as { errors: { code?: string; detail?: string; title?: string; source?: { pointer?: string; parameter?: string } }[] }).errors;
  return errors
    .map((e) => [e.code, e.detail ?? e.title, e.source?.pointer ?? e.source?.parameter].filter((p) => p !== undefined && p !== '').join(': '))
    .join('; ');
}

/**
 * The credentials probe's body: a Create Event without `properties`, `metric` or `profile`, which Klaviyo's schema
 * requires, so it can never create an event.
 */
export const CREDENTIALS_PROBE_BODY = { data: { type: 'event', attributes: {} } } as const;

export class HttpKlaviyoApi implements KlaviyoApi, KlaviyoBulkApi, KlaviyoCredentialCheck {
  private readonly maxAttempts: number;
  private readonly maxInlineRetryAfterMs: number;

  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly clock: Clock,
    private readonly options: HttpKlaviyoOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxInlineRetryAfterMs = options.maxInlineRetryAfterMs ?? 10_000;
  }

  async createEvent(event: KlaviyoEvent): Promise<void> {
    const account = this.accounts.get(event.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${event.accountId}`);
    await this.post(account, '/api/events', createEventBody(event));
  }

  /**
   * Sends the events as one Bulk Create Events job; nothing is sent for an empty list. A list Klaviyo would refuse as a
   * whole (over 1,000 events or 5 MB, a unique_id twice) or holding another account's events is refused before sending.
   */
  async createEvents(accountId: string, events: KlaviyoEvent[]): Promise<void> {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    if (events.length === 0) return;
    const stranger = events.find((event) => event.accountId !== accountId);
    if (stranger !== undefined) throw new BadInputError(`event ${stranger.uniqueId} belongs to account ${stranger.accountId}, not ${accountId}`);
    const problem = bulkRequestProblem(events);
    if (problem !== undefined) throw new BadInputError(problem);
    await this.post(account, '/api/event-bulk-create-jobs', bulkCreateEventsBody(events));
  }

  /**
   * Probes the key with an invalid Create Event: a key limited to `events:write` can read nothing, and Klaviyo checks
   * the key and its scopes before the body, so the 400 proves both without creating an event.
   */
  async checkCredentials(accountId: string): Promise<void> {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    try {
      await this.post(account, '/api/events', CREDENTIALS_PROBE_BODY);
    } catch (error) {
      if (error instanceof KlaviyoRejectedError && error.status === 400) return;
      throw error;
    }
  }

  private async post(account: AccountConfig, path: string, body: unknown): Promise<void> {
    await klaviyoRequest(
      this.clock,
      account,
      { ...this.options, maxAttempts: this.maxAttempts, maxInlineRetryAfterMs: this.maxInlineRetryAfterMs },
      {
        method: 'POST',
        path,
        body,
        read: async (response) => {
          await response.body?.cancel();
        },
      },
    );
  }
}

/** How a Klaviyo request is made: the pinned revision, the timeout, attempts, and the longest 429 wait in-process. */
export interface KlaviyoRequestOptions {
  revision: string;
  timeoutMs: number;
  maxAttempts: number;
  maxInlineRetryAfterMs: number;
  /** The longest Retry-After believed, seconds (default MAX_RETRY_AFTER_SECONDS); a longer one is cut to it. */
  maxRetryAfterSeconds?: number;
}

/**
 * One request to the account's Klaviyo host with its private key and the pinned revision, retried as http-core does: a
 * 429 waits its Retry-After, 5xx, timeouts and Cloudflare's HTML 403 challenge are transient, a redirect is refused (so
 * the key reaches only that host), and any other 4xx is a KlaviyoRejectedError with Klaviyo's reason.
 * @returns what `read` makes of the 2xx answer
 * @throws KlaviyoRejectedError, TransientError
 */
export async function klaviyoRequest<T>(
  clock: Pick<Clock, 'sleep'>,
  account: AccountConfig,
  options: KlaviyoRequestOptions,
  request: { method: 'GET' | 'POST'; path: string; body?: unknown; read: (response: Response) => Promise<T> },
): Promise<T> {
  const maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? MAX_RETRY_AFTER_SECONDS;
  const { value } = await requestWithRetries(clock, {
    name: `Klaviyo ${request.method === 'GET' ? 'GET ' : ''}${request.path.split('?')[0] ?? request.path}`,
    method: request.method,
    url: urlOnOrigin(account.klaviyo.baseUrl, request.path, 'Klaviyo'),
    headers: {
      Authorization: `Klaviyo-API-Key ${account.klaviyo.privateKey}`,
      revision: options.revision,
      ...(request.body === undefined ? {} : { 'Content-Type': 'application/vnd.api+json' }),
      Accept: 'application/vnd.api+json',
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    rateLimit: {
      message: 'Klaviyo rate limit',
      maxWaitMs: options.maxInlineRetryAfterMs,
      waitMs: (response) => {
        const retryAfter = Number(response.headers.get('retry-after'));
        return Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, maxRetryAfterSeconds) * 1000 : undefined;
      },
    },
    redirected: (status) => new KlaviyoRejectedError(status, 'Klaviyo answered with a redirect; redirects are never followed (check KLAVIYO_BASE_URL)'),
    read: async (response) => {
      if (response.ok) return { ok: true, value: await request.read(response) };
      const contentType = response.headers.get('content-type') ?? '';
      const text = await response.text();
      const challenge = response.status === 403 && (contentType.includes('text/html') || response.headers.has('cf-mitigated'));
      if (challenge || response.status === 408) return { ok: false, problem: challenge ? 'Cloudflare challenge (HTML 403)' : `HTTP ${response.status}` };
      let reason: string | undefined;
      try {
        reason = describeKlaviyoErrors(JSON.parse(text));
      } catch {
        reason = undefined;
      }
      throw new KlaviyoRejectedError(response.status, reason ?? `HTTP ${response.status} ${text.slice(0, 200)}`);
    },
  });
  return value;
}
