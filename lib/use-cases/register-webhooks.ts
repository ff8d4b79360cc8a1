// CLI register-webhooks → registerWebhooks → ShipStation GET /webhooks, POST /webhooks/subscribe.
// Idempotent: a subscription already pointing at the account's endpoint for an event is kept, not duplicated; one
// pointing elsewhere (an old deployment, another app) is left alone and reported.
import { BadInputError, ShipStationCredentialsError } from '../domain/errors.js';
import type { AccountDirectory, ShipStationWebhooks, WebhookSubscription } from '../ports.js';

/** The V1 webhook events the service subscribes to: new and changed orders, labels, and fulfilments. */
export const SUBSCRIBED_WEBHOOK_EVENTS = ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED'] as const;

export interface RegisterWebhooksDeps {
  /** Knows each account and builds its tokenised endpoint URL (`webhookTargetUrl`). */
  accounts: AccountDirectory;
  shipStation: ShipStationWebhooks;
}

/**
 * One subscription of the account's ShipStation: `created` now, `exists` already (same event and URL), or `other`,
 * a subscription to one of our events with another URL, left alone. `targetUrl` carries the webhook token: mask it.
 */
export interface WebhookRegistration {
  event: string;
  status: 'created' | 'exists' | 'other';
  id: string;
  targetUrl: string;
}

export type RegisterWebhooks = (accountId: string, baseUrl: string) => Promise<WebhookRegistration[]>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The deployed base URL without trailing slashes; https unless loopback (the token travels in the query string).
 * @throws BadInputError naming what is wrong with it
 */
export function normaliseBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new BadInputError(`the base URL ${baseUrl} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new BadInputError(`the base URL must use https (http only on loopback), got ${url.protocol.replace(':', '')}`);
  }
  if (url.username !== '' || url.password !== '') throw new BadInputError('the base URL must not carry credentials');
  if (url.search !== '' || url.hash !== '') throw new BadInputError('the base URL must not have a query string or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** URLs equal as ShipStation would call them (host case and default ports aside). */
const sameUrl = (a: string, b: string): boolean => {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
};

/** A message with the target URL's query values (the webhook token) cut out, so no caller can print or log them. */
const redact = (message: string, targetUrl: string): string => {
  const secrets = [...new URL(targetUrl).searchParams.values()].filter((v) => v.length > 0);
  return secrets
    .flatMap((secret) => [secret, encodeURIComponent(secret)])
    .reduce((text, secret) => text.split(secret).join('…'), message);
};

/** Subscribes the account's endpoint to each event it is not subscribed to yet. */
export function makeRegisterWebhooks(deps: RegisterWebhooksDeps): RegisterWebhooks {
  return async (accountId, baseUrl) => {
    const base = normaliseBaseUrl(baseUrl);
    if (deps.accounts.find(accountId) === undefined) throw new BadInputError(`unknown account ${accountId}`);
    const targetUrl = deps.accounts.webhookTargetUrl(accountId, base);
    const existing: WebhookSubscription[] = await deps.shipStation.listWebhooks(accountId);
    const wanted: readonly string[] = SUBSCRIBED_WEBHOOK_EVENTS;
    const results: WebhookRegistration[] = [];
    for (const event of SUBSCRIBED_WEBHOOK_EVENTS) {
      const found = existing.find((s) => s.event === event && sameUrl(s.targetUrl, targetUrl));
      if (found !== undefined) {
        results.push({ event, status: 'exists', id: found.id, targetUrl: found.targetUrl });
        continue;
      }
      try {
        const id = await deps.shipStation.subscribeWebhook(accountId, { event, targetUrl, friendlyName: `shipstation-klaviyo-sync ${event}` });
        results.push({ event, status: 'created', id, targetUrl });
      } catch (error) {
        if (error instanceof ShipStationCredentialsError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`subscribing ${event} for account ${accountId} failed: ${redact(reason, targetUrl)}`);
      }
    }
    for (const s of existing) {
      if (wanted.includes(s.event) && !sameUrl(s.targetUrl, targetUrl)) results.push({ event: s.event, status: 'other', id: s.id, targetUrl: s.targetUrl });
    }
    return results;
  };
}
