// CLI register-webhooks → registerWebhooks → for an account with a V1 key pair ShipStation GET /webhooks and POST
// /webhooks/subscribe, and for an account with a V2 key GET/POST /v2/environment/webhooks (every event of
// V2_WEBHOOK_EVENTS: the pointer webhooks and `track_event_v2`, all to the account's one V2 endpoint).
// Idempotent: a subscription already pointing at the account's endpoint for an event is kept, not duplicated; one
// pointing elsewhere (an old deployment, another app) is left alone and reported. An account without a V1 key pair
// (on API V2 only) is never subscribed on V1: V1 would refuse it.
import { BadInputError, ShipStationCredentialsError } from '../domain/errors.js';
import { METRICS_NEEDING_V2, V2_WEBHOOK_EVENTS } from '../domain/shipstation-v2.js';
import type { AccountDirectory, ShipStationV2Webhooks, ShipStationWebhooks, V2WebhookSubscription, WebhookSubscription } from '../ports.js';

/** The V1 webhook events the service subscribes to: new and changed orders, labels, and fulfilments. */
export const SUBSCRIBED_WEBHOOK_EVENTS = ['ORDER_NOTIFY', 'SHIP_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED'] as const;
type V1WebhookEvent = (typeof SUBSCRIBED_WEBHOOK_EVENTS)[number];

/**
 * The V2 event behind tracking events (TRACK_EVENT_V2 bodies): the current V2 webhooks guide says "subscribe to
 * the `track_event_v2` webhook event", though the 2025-08 OpenAPI enum still lists only `track`
 * (reference/shipstation-api.md, "V2 facts, December 2026").
 */
export const TRACKING_WEBHOOK_EVENT = 'track_event_v2';

/** ShipEngine's older tracking event (API_TRACK bodies): one already pointing at the account still counts as registered. */
export const LEGACY_TRACKING_WEBHOOK_EVENT = 'track';

/** The V2 events whose webhooks deliver tracking updates to the V2 endpoint. */
export const TRACKING_WEBHOOK_EVENTS: readonly string[] = [TRACKING_WEBHOOK_EVENT, LEGACY_TRACKING_WEBHOOK_EVENT];

/** A V2 webhook event the service subscribes (V2_WEBHOOK_EVENTS: event name → the `resource_type` its bodies carry). */
export type V2WebhookEvent = keyof typeof V2_WEBHOOK_EVENTS;

/** Every V2 event the service subscribes, in the order they are registered and reported: the pointer webhooks, then tracking. */
export const SUBSCRIBED_V2_WEBHOOK_EVENTS = Object.keys(V2_WEBHOOK_EVENTS) as V2WebhookEvent[];

/** The V2 pointer webhooks (a `resource_url` fetch-resource reads with the V2 key): every subscribed V2 event but tracking. */
export const V2_POINTER_WEBHOOK_EVENTS = SUBSCRIBED_V2_WEBHOOK_EVENTS.filter((event) => event !== TRACKING_WEBHOOK_EVENT);

/**
 * What each V2 pointer webhook brings, and the V1 webhook that brings the same news to an account with both keys: what
 * the account waits for (the poll, up to 30 min) when ShipStation will not send one.
 */
const POINTER_EVENT_NEWS: Readonly<Record<string, { news: string; v1: V1WebhookEvent }>> = {
  shipment_created_v2: { news: 'new orders (V2 shipments)', v1: 'ORDER_NOTIFY' },
  label_created_v2: { news: 'new labels (Order Shipped)', v1: 'SHIP_NOTIFY' },
  fulfillment_shipped_v2: { news: 'orders marked as shipped (Order Shipped)', v1: 'FULFILLMENT_SHIPPED' },
  fulfillment_rejected_v2: { news: 'rejected fulfilments (Order Fulfillment Rejected)', v1: 'FULFILLMENT_REJECTED' },
};

/** What to do when ShipStation refuses a second tracking webhook. */
export const OTHER_TRACK_WEBHOOK_FIX =
  `delete the other tracking webhook (${TRACKING_WEBHOOK_EVENT} or ${LEGACY_TRACKING_WEBHOOK_EVENT}) in ShipStation > Settings > API > Webhooks or with the V2 API ` +
  '(DELETE /v2/environment/webhooks/<id>), then run register-webhooks again';

/** What to do when ShipStation refuses a second webhook for a V2 pointer event. */
export const otherWebhookFix = (event: string): string =>
  `delete the other ${event} webhook in ShipStation > Settings > API > Webhooks or with the V2 API (DELETE /v2/environment/webhooks/<id>), ` +
  'then run register-webhooks again';

/** What to do about an old `track` webhook at the account's endpoint beside the `track_event_v2` one. */
export const REDUNDANT_TRACK_WEBHOOK_FIX =
  `both deliver every tracking update (the service sends each milestone once): delete the ${LEGACY_TRACKING_WEBHOOK_EVENT} one in ShipStation > Settings > API > Webhooks ` +
  'or with the V2 API (DELETE /v2/environment/webhooks/<id>) when convenient';

export interface RegisterWebhooksDeps {
  /** Knows each account and builds its tokenised endpoint URLs (`webhookTargetUrl`, `trackingTargetUrl`). */
  accounts: AccountDirectory;
  /** Used only for accounts with a V1 key pair. */
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
 * An event that could not be registered while the others were: why (ShipStation's answer, the token cut out), what the
 * account misses without it, and what to do.
 */
export interface EventProblem {
  event: string;
  reason: string;
  meaning: string;
  fix: string;
}

/**
 * One API's webhooks for the account. `off`: the account has no key for that API, and nothing was asked of it
 * (`reason` says so). `on`: every event at the account's endpoint for that API (`targetUrl`, which carries the token:
 * mask it), in event order: ours (`created` or `exists`), then for tracking an old `track` one beside it (`redundant`),
 * then the event's webhooks elsewhere (`other`, left alone). `problems` holds the events that could not be registered
 * (the others still were); `failure` is set when the API could not be used at all (the key refused, the list
 * unreadable): then what `webhooks` holds is all there is.
 */
export type ApiRegistration =
  | { status: 'off'; reason: string }
  | { status: 'on'; targetUrl: string; webhooks: WebhookRegistration[]; problems: EventProblem[]; failure?: { reason: string; fix: string } };

/** Both APIs' outcomes; an API with its own key of the account is `on`. */
export interface RegistrationResult {
  /** The V1 subscriptions (ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED, FULFILLMENT_REJECTED) to the V1 endpoint. */
  v1: ApiRegistration;
  /** The V2 webhooks (every event of V2_WEBHOOK_EVENTS) to the V2 endpoint, `<base>/webhooks/tracking/<id>?token=…`. */
  v2: ApiRegistration;
}

export type RegisterWebhooks = (accountId: string, baseUrl: string) => Promise<RegistrationResult>;

/** Whether an API registration failed anywhere: the API unusable, or an event not registered. */
export const registrationFailed = (registration: ApiRegistration): boolean =>
  registration.status === 'on' && (registration.failure !== undefined || registration.problems.length > 0);

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

const RETRY_FIX = 'run register-webhooks again in a minute; if it persists, check https://status.shipstation.com';

/**
 * The V1 step failed for an account that also has a V2 key (whose webhooks are still registered): why, and the fix. A
 * refused V1 key pair beside a V2 key is most often a plan without V1 access.
 */
const v1Failure = (error: unknown, accountId: string): { reason: string; fix: string } => {
  if (error instanceof ShipStationCredentialsError) {
    return {
      reason: `${error.message}: the V1 key pair has expired, was revoked, or the plan has no V1 access`,
      fix:
        "if the account's ShipStation plan is below Gold/Accelerate (V1 is legacy: Standard and Premium have API V2 only), remove the V1 key pair " +
        `(shipStation) from the account and run on V2; otherwise rotate it (docs/architecture.md: "Rotating keys"), then run register-webhooks --account ${accountId} again`,
    };
  }
  return { reason: error instanceof Error ? error.message : String(error), fix: RETRY_FIX };
};

/** The V2 step cannot go on: the key is refused (or the list cannot be read); the fix, the token cut out. */
const v2Failure = (error: unknown, targetUrl: string, accountId: string): { reason: string; fix: string } => {
  if (error instanceof ShipStationCredentialsError) {
    return {
      reason: `${error.message}: the key has expired, was revoked or is wrong`,
      fix: `generate a V2 API key in ShipStation (Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey (or SHIPSTATION_V2_API_KEY), then run register-webhooks --account ${accountId} again`,
    };
  }
  return { reason: reasonOf(error, targetUrl), fix: RETRY_FIX };
};

/** What the account misses while ShipStation does not send it this V2 event. */
function meaningOf(event: string, v1: ApiRegistration): string {
  const pointer = POINTER_EVENT_NEWS[event];
  if (pointer === undefined) {
    return `no tracking events are sent (${METRICS_NEEDING_V2.join(', ')}): they come only by this webhook, the poll does not read tracking`;
  }
  const twin = v1.status === 'on' && v1.webhooks.some((w) => w.event === pointer.v1 && (w.status === 'created' || w.status === 'exists'));
  return twin
    ? `${pointer.news} still arrive at once by the V1 ${pointer.v1} webhook`
    : `${pointer.news} reach Klaviyo only through the poll, up to 30 min later`;
}

/** Why ShipStation refused an event (a 400: an event it does not offer the account, a bad URL), and what to do. */
function refusedFix(event: string): string {
  if (event === TRACKING_WEBHOOK_EVENT) {
    return (
      "check that the account's ShipStation plan allows V2 webhooks and that --url is the deployed HTTPS base URL, then run register-webhooks again; " +
      `if ShipStation refuses the event ${TRACKING_WEBHOOK_EVENT} itself, subscribe ${LEGACY_TRACKING_WEBHOOK_EVENT} to the tracking URL in ShipStation > Settings > API > Webhooks: it counts as registered`
    );
  }
  return (
    `check that --url is the deployed HTTPS base URL and whether ShipStation offers ${event} to this account (ShipStation > Settings > API > Webhooks), ` +
    'then run register-webhooks again; if it does not, nothing else is needed: the poll still finds those changes'
  );
}

/**
 * Ensures one V2 webhook per event of V2_WEBHOOK_EVENTS points at the account's V2 endpoint. For tracking a
 * `track_event_v2` or a legacy `track` webhook already there counts. An event ShipStation refuses is reported with its
 * answer and what it means, and the next events are still registered; a refused key stops the step. Nothing is thrown:
 * the V1 subscriptions are made already, and the operator needs both outcomes.
 */
async function registerV2(deps: RegisterWebhooksDeps, accountId: string, base: string, v1: ApiRegistration): Promise<ApiRegistration> {
  const targetUrl = deps.accounts.trackingTargetUrl(accountId, base);
  const webhooks: WebhookRegistration[] = [];
  const problems: EventProblem[] = [];
  let existing: V2WebhookSubscription[];
  try {
    existing = await deps.shipStationV2.listV2Webhooks(accountId);
  } catch (error) {
    return { status: 'on', targetUrl, webhooks, problems, failure: v2Failure(error, targetUrl, accountId) };
  }
  const registration = (w: V2WebhookSubscription, status: WebhookRegistration['status']): WebhookRegistration => ({
    event: w.event,
    status,
    id: w.id,
    targetUrl: w.url,
  });
  for (const event of SUBSCRIBED_V2_WEBHOOK_EVENTS) {
    const tracking = event === TRACKING_WEBHOOK_EVENT;
    // Tracking counts both tracking events: a legacy `track` webhook delivers the same updates.
    const alike = existing.filter((w) => (tracking ? TRACKING_WEBHOOK_EVENTS.includes(w.event) : w.event === event));
    const others = alike.filter((w) => !sameUrl(w.url, targetUrl)).map((w) => registration(w, 'other'));
    const current = alike.find((w) => w.event === event && sameUrl(w.url, targetUrl));
    const legacy = tracking ? alike.find((w) => w.event === LEGACY_TRACKING_WEBHOOK_EVENT && sameUrl(w.url, targetUrl)) : undefined;
    if (current !== undefined) {
      webhooks.push(registration(current, 'exists'), ...(legacy === undefined ? [] : [registration(legacy, 'redundant')]), ...others);
      continue;
    }
    if (legacy !== undefined) {
      webhooks.push(registration(legacy, 'exists'), ...others);
      continue;
    }
    try {
      const id = await deps.shipStationV2.createV2Webhook(accountId, { name: `shipstation-klaviyo-sync ${event}`, event, url: targetUrl });
      webhooks.push({ event, status: 'created', id, targetUrl }, ...others);
    } catch (error) {
      webhooks.push(...others);
      if (error instanceof ShipStationCredentialsError) return { status: 'on', targetUrl, webhooks, problems, failure: v2Failure(error, targetUrl, accountId) };
      const meaning = meaningOf(event, v1);
      if (!(error instanceof BadInputError)) {
        problems.push({ event, reason: reasonOf(error, targetUrl), meaning, fix: RETRY_FIX });
      } else if (others.length > 0) {
        const which = others.length === 1 ? `webhook ${others[0]?.id ?? '?'} points` : `webhooks ${others.map((o) => o.id).join(', ')} point`;
        const name = tracking ? 'tracking' : event;
        const reason = `ShipStation refused a second ${name} webhook (${which} elsewhere): ${reasonOf(error, targetUrl)}`;
        problems.push({ event, reason, meaning, fix: tracking ? OTHER_TRACK_WEBHOOK_FIX : otherWebhookFix(event) });
      } else {
        problems.push({ event, reason: reasonOf(error, targetUrl), meaning, fix: refusedFix(event) });
      }
    }
  }
  return { status: 'on', targetUrl, webhooks, problems };
}

/** Subscribes the account's V1 endpoint to each V1 event it is not subscribed to yet (a failure is thrown, token cut out). */
async function registerV1(deps: RegisterWebhooksDeps, accountId: string, base: string): Promise<ApiRegistration> {
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
  return { status: 'on', targetUrl, webhooks: results, problems: [] };
}

/**
 * Subscribes the account's endpoints, on each API it has a key for, to each event they are not subscribed to yet: V1
 * first, then V2 (its failures reported in the result). A V1 failure is thrown for an account on V1 only (nothing else
 * to do); with a V2 key too it is reported as V1's `failure` and the V2 webhooks are still registered.
 */
export function makeRegisterWebhooks(deps: RegisterWebhooksDeps): RegisterWebhooks {
  return async (accountId, baseUrl) => {
    const base = normaliseBaseUrl(baseUrl);
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    const hasV2Key = account.shipStationV2Fingerprint !== undefined;
    let v1: ApiRegistration;
    if (account.shipStationFingerprint === undefined) {
      v1 = { status: 'off', reason: 'no V1 key pair: the account runs on API V2 only' };
    } else {
      try {
        v1 = await registerV1(deps, accountId, base);
      } catch (error) {
        if (!hasV2Key) throw error;
        v1 = { status: 'on', targetUrl: deps.accounts.webhookTargetUrl(accountId, base), webhooks: [], problems: [], failure: v1Failure(error, accountId) };
      }
    }
    const v2: ApiRegistration = hasV2Key ? await registerV2(deps, accountId, base, v1) : { status: 'off', reason: 'no V2 key' };
    return { v1, v2 };
  };
}
