// CLI register-webhooks → registerWebhooks → ShipStation GET /webhooks, POST /webhooks/subscribe, and for an account
// with a V2 key GET/POST /v2/environment/webhooks (the `track_event_v2` webhook behind tracking events).
// Idempotent: a subscription already pointing at the account's endpoint for an event is kept, not duplicated; one
// pointing elsewhere (an old deployment, another app) is left alone and reported.
import { BadInputError, ShipStationCredentialsError } from '../domain/errors.js';
import type { AccountDirectory, ShipStationV2Webhooks, ShipStationWebhooks, V2WebhookSubscription, WebhookSubscription } from '../ports.js';

/** The V1 webhook events the service subscribes to: new and changed orders, labels, and fulfilments. */
export const SUBSCRIBED_WEBHOOK_EVENTS = ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED'] as const;

/**
 * The V2 webhook event behind tracking events (TRACK_EVENT_V2 bodies): the current V2 webhooks guide says "subscribe to
 * the `track_event_v2` webhook event", though the 2025-08 OpenAPI enum still lists only `track`
 * (reference/shipstation-api.md, "V2 facts, December 2026").
 */
export const TRACKING_WEBHOOK_EVENT = 'track_event_v2';

/** ShipEngine's older tracking event (API_TRACK bodies): one already pointing at the account still counts as registered. */
export const LEGACY_TRACKING_WEBHOOK_EVENT = 'track';

/** The V2 events whose webhooks deliver tracking updates to the tracking endpoint. */
export const TRACKING_WEBHOOK_EVENTS: readonly string[] = [TRACKING_WEBHOOK_EVENT, LEGACY_TRACKING_WEBHOOK_EVENT];

/** What to do when ShipStation refuses a second tracking webhook. */
export const OTHER_TRACK_WEBHOOK_FIX =
  `delete the other tracking webhook (${TRACKING_WEBHOOK_EVENT} or ${LEGACY_TRACKING_WEBHOOK_EVENT}) in ShipStation > Settings > API > Webhooks or with the V2 API ` +
  '(DELETE /v2/environment/webhooks/<id>), then run register-webhooks again';

/** What to do about an old `track` webhook at the account's endpoint beside the `track_event_v2` one. */
export const REDUNDANT_TRACK_WEBHOOK_FIX =
  `both deliver every tracking update (the service sends each milestone once): delete the ${LEGACY_TRACKING_WEBHOOK_EVENT} one in ShipStation > Settings > API > Webhooks ` +
  'or with the V2 API (DELETE /v2/environment/webhooks/<id>) when convenient';

export interface RegisterWebhooksDeps {
  /** Knows each account and builds its tokenised endpoint URLs (`webhookTargetUrl`, `trackingTargetUrl`). */
  accounts: AccountDirectory;
  shipStation: ShipStationWebhooks;
  /** Used only for accounts with a V2 key. */
  shipStationV2: ShipStationV2Webhooks;
}

/**
 * One subscription of the account's ShipStation: `created` now, `exists` already (same event and URL), `other`, a
 * subscription to one of our events with another URL, left alone, or (tracking only) `redundant`, an old `track`
 * webhook at our endpoint beside a `track_event_v2` one, left alone but worth deleting. `targetUrl` carries the
 * webhook token: mask it.
 */
export interface WebhookRegistration {
  event: string;
  status: 'created' | 'exists' | 'other' | 'redundant';
  id: string;
  targetUrl: string;
}

/**
 * The account's V2 tracking webhook: `off` without a V2 key (nothing asked of ShipStation). Otherwise `webhooks` holds
 * ours (`created` or `exists`: a `track_event_v2`, or a legacy `track` one already there) unless it could not be made,
 * then `problem` says why and what to do; then a legacy `track` one at our endpoint beside it (`redundant`), and every
 * tracking webhook elsewhere (`other`, left alone). `targetUrl` and the webhooks' URLs carry tokens: mask them.
 */
export type TrackingRegistration =
  { status: 'off' } | { status: 'on'; targetUrl: string; webhooks: WebhookRegistration[]; problem?: { reason: string; fix: string } };

export interface RegistrationResult {
  /** The V1 subscriptions (ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED, FULFILLMENT_REJECTED). */
  webhooks: WebhookRegistration[];
  tracking: TrackingRegistration;
}

export type RegisterWebhooks = (accountId: string, baseUrl: string) => Promise<RegistrationResult>;

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
  return secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]).reduce((text, secret) => text.split(secret).join('…'), message);
};

const reasonOf = (error: unknown, targetUrl: string): string => redact(error instanceof Error ? error.message : String(error), targetUrl);

/** Why the V2 step failed, with the fix; the tracking URL's token cut out. */
const trackingProblem = (error: unknown, targetUrl: string, accountId: string): { reason: string; fix: string } => {
  if (error instanceof ShipStationCredentialsError) {
    return {
      reason: `${error.message}: the key has expired, was revoked or is wrong`,
      fix: `generate a V2 API key in ShipStation (Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey (or SHIPSTATION_V2_API_KEY), then run register-webhooks --account ${accountId} again`,
    };
  }
  if (error instanceof BadInputError) {
    return {
      reason: reasonOf(error, targetUrl),
      fix:
        "check that the account's ShipStation plan allows V2 webhooks and that --url is the deployed HTTPS base URL, then run register-webhooks again; " +
        `if ShipStation refuses the event ${TRACKING_WEBHOOK_EVENT} itself, subscribe ${LEGACY_TRACKING_WEBHOOK_EVENT} to the tracking URL in ShipStation > Settings > API > Webhooks: it counts as registered`,
    };
  }
  return { reason: reasonOf(error, targetUrl), fix: 'run register-webhooks again in a minute; if it persists, check https://status.shipstation.com' };
};

/**
 * Ensures one V2 tracking webhook points at the account's tracking endpoint: a `track_event_v2` or a legacy `track`
 * one already there counts; otherwise a `track_event_v2` one is created. Failures are reported, not thrown: the V1
 * subscriptions are made already, and the operator needs both outcomes.
 */
async function registerTracking(deps: RegisterWebhooksDeps, accountId: string, base: string): Promise<TrackingRegistration> {
  const targetUrl = deps.accounts.trackingTargetUrl(accountId, base);
  const event = TRACKING_WEBHOOK_EVENT;
  let existing: V2WebhookSubscription[];
  try {
    existing = (await deps.shipStationV2.listV2Webhooks(accountId)).filter((w) => TRACKING_WEBHOOK_EVENTS.includes(w.event));
  } catch (error) {
    return { status: 'on', targetUrl, webhooks: [], problem: trackingProblem(error, targetUrl, accountId) };
  }
  const others: WebhookRegistration[] = existing
    .filter((w) => !sameUrl(w.url, targetUrl))
    .map((w) => ({ event: w.event, status: 'other', id: w.id, targetUrl: w.url }));
  const current = existing.find((w) => w.event === TRACKING_WEBHOOK_EVENT && sameUrl(w.url, targetUrl));
  const legacy = existing.find((w) => w.event === LEGACY_TRACKING_WEBHOOK_EVENT && sameUrl(w.url, targetUrl));
  if (current !== undefined) {
    const redundant: WebhookRegistration[] = legacy === undefined ? [] : [{ event: legacy.event, status: 'redundant', id: legacy.id, targetUrl: legacy.url }];
    return { status: 'on', targetUrl, webhooks: [{ event, status: 'exists', id: current.id, targetUrl: current.url }, ...redundant, ...others] };
  }
  if (legacy !== undefined)
    return { status: 'on', targetUrl, webhooks: [{ event: legacy.event, status: 'exists', id: legacy.id, targetUrl: legacy.url }, ...others] };
  try {
    const id = await deps.shipStationV2.createV2Webhook(accountId, { name: `shipstation-klaviyo-sync ${event}`, event, url: targetUrl });
    return { status: 'on', targetUrl, webhooks: [{ event, status: 'created', id, targetUrl }, ...others] };
  } catch (error) {
    if (error instanceof BadInputError && others.length > 0) {
      const reason = `ShipStation refused a second tracking webhook (${others.length === 1 ? `webhook ${others[0]?.id ?? '?'} points` : `webhooks ${others.map((o) => o.id).join(', ')} point`} elsewhere): ${reasonOf(error, targetUrl)}`;
      return { status: 'on', targetUrl, webhooks: others, problem: { reason, fix: OTHER_TRACK_WEBHOOK_FIX } };
    }
    return { status: 'on', targetUrl, webhooks: others, problem: trackingProblem(error, targetUrl, accountId) };
  }
}

/** Subscribes the account's endpoint to each event it is not subscribed to yet, and its tracking endpoint to `track_event_v2`. */
export function makeRegisterWebhooks(deps: RegisterWebhooksDeps): RegisterWebhooks {
  return async (accountId, baseUrl) => {
    const base = normaliseBaseUrl(baseUrl);
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
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
    const tracking: TrackingRegistration = account.shipStationV2Fingerprint === undefined ? { status: 'off' } : await registerTracking(deps, accountId, base);
    return { webhooks: results, tracking };
  };
}
