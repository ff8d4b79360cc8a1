// receive-tracking → acceptTracking → updates queue (tracking) or notifications queue (V2 pointer webhooks). Checks
// ShipStation's RSA signature first, then the account's token, then reads the body: a tracking event (TRACK_EVENT_V2, or
// ShipEngine's API_TRACK) becomes a tracking update; a V2 pointer webhook (SHIPMENT_CREATED_V2, LABEL_CREATED_V2,
// FULFILLMENT_SHIPPED_V2, FULFILLMENT_REJECTED_V2) becomes a notification fetch-resource reads with the V2 key.
import * as z from '../domain/zod.js';
import { BadInputError, SignatureRejectedError, UnauthorizedError } from '../domain/errors.js';
import { checkV2WebhookResource } from '../domain/resource-url.js';
import { isV2ResourceType } from '../domain/shipstation-v2.js';
import { webhookNotificationSchema } from '../domain/shipstation.js';
import { TRACKING_RESOURCE_TYPES, trackEventV2Schema, trackingUpdateFrom } from '../normalise/tracking.js';
import type { Clock, NotificationQueue, UpdateQueue, WebhookAccounts, WebhookSignatureVerifier } from '../ports.js';

export interface AcceptTrackingDeps {
  accounts: WebhookAccounts;
  verifier: WebhookSignatureVerifier;
  updates: UpdateQueue;
  /** Where V2 pointer webhooks go, for fetch-resource. */
  notifications: NotificationQueue;
  clock: Clock;
}

/** The signature headers of a V2 webhook, as sent (absent when missing). */
export interface TrackingSignatureHeaders {
  keyId?: string | undefined;
  signature?: string | undefined;
  timestamp?: string | undefined;
}

export interface AcceptTrackingInput {
  accountId: string;
  token: string;
  headers: TrackingSignatureHeaders;
  /** The body exactly as received: the signature covers these bytes, not a re-serialisation. */
  rawBody: string;
}

export type AcceptTrackingResult = { status: 'queued' } | { status: 'ignored'; reason: string };

export type AcceptTracking = (input: AcceptTrackingInput) => Promise<AcceptTrackingResult>;

/** The header names ShipStation signs its V2 webhooks with (reference/shipstation-api.md §6). */
export const SIGNATURE_HEADERS = {
  keyId: 'x-shipengine-rsa-sha256-key-id',
  signature: 'x-shipengine-rsa-sha256-signature',
  timestamp: 'x-shipengine-timestamp',
} as const;

/** How far a signed timestamp may be from now, either way: replays older than this are refused. */
const MAX_TIMESTAMP_SKEW_MS = 5 * 60_000;

/** A key id is the sender's text: it is echoed back shortened. */
const shown = (value: string): string => (value.length > 64 ? `${value.slice(0, 64)}…` : value);

/**
 * Reads `x-shipengine-timestamp`: an ISO-8601 instant, or Unix time in seconds (milliseconds from 13 digits on).
 * @returns epoch milliseconds, or undefined when unreadable
 */
export function signedTimestampMs(raw: string): number | undefined {
  const value = raw.trim();
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value);
    return value.length >= 13 ? n : n * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const resourceTypeSchema = z.object({ resource_type: z.string().check(z.minLength(1)) });

const issuesOf = (error: z.ZodError): string => error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');

/**
 * Accepts a signed ShipStation V2 tracking webhook for an account, in this order: the three signature headers present
 * (else 404 naming them, as ShipStation's webhook validation guide says); the timestamp within 5 minutes of now (else
 * 400 with the skew); the signature valid under a published key (else 401, an unknown key id too; no key set that can
 * be fetched now propagates as SigningKeysUnavailableError, answered 503 so ShipStation retries); the account and
 * token (else UnauthorizedError without a reason); then the body: a V2 pointer webhook whose resource_url is what
 * ShipStation sends for its type on the account's V2 origin → the notifications queue (else BadInputError with the
 * rule); a tracking event (`TRACK_EVENT_V2`, `API_TRACK`, `track`) → the updates queue; not JSON or a malformed body →
 * BadInputError; another resource type → acknowledged and ignored. Nothing is enqueued unless every check passed.
 */
export function makeAcceptTracking(deps: AcceptTrackingDeps): AcceptTracking {
  return async (input) => {
    const { keyId, signature, timestamp } = requireHeaders(input.headers);
    const now = deps.clock.now().getTime();
    const signedAt = signedTimestampMs(timestamp);
    if (signedAt === undefined) throw new SignatureRejectedError(400, `${SIGNATURE_HEADERS.timestamp} is not a readable time`);
    const skewSeconds = Math.round((signedAt - now) / 1000);
    if (Math.abs(signedAt - now) > MAX_TIMESTAMP_SKEW_MS) {
      const direction = skewSeconds < 0 ? `${-skewSeconds} s in the past` : `${skewSeconds} s in the future`;
      throw new SignatureRejectedError(400, `${SIGNATURE_HEADERS.timestamp} is ${direction}; at most ${MAX_TIMESTAMP_SKEW_MS / 1000} s either way is accepted`);
    }
    const check = await deps.verifier.verify({ keyId, signature, signedText: `${timestamp}.${input.rawBody}` });
    if (check === 'unknown-key') throw new SignatureRejectedError(401, `signing key ${shown(keyId)} is not one of ShipStation's published keys`);
    if (check !== 'valid') throw new SignatureRejectedError(401, 'signature does not match the body');

    const account = deps.accounts.find(input.accountId);
    const tokenOk = deps.accounts.verifyWebhookToken(input.accountId, input.token);
    if (account === undefined || !tokenOk) throw new UnauthorizedError();

    const json = parseJson(input.rawBody);
    const typed = resourceTypeSchema.safeParse(json);
    if (!typed.success) throw new BadInputError(`body must be a V2 webhook {"resource_type": string, "data": {...}} (${issuesOf(typed.error)})`);
    const type = typed.data.resource_type;
    if (isV2ResourceType(type)) {
      const pointer = webhookNotificationSchema.safeParse(json);
      if (!pointer.success) throw new BadInputError(`body is not a ${type} webhook {"resource_url", "resource_type"} (${issuesOf(pointer.error)})`);
      const checked = checkV2WebhookResource(type, pointer.data.resource_url, account.shipStationV2BaseUrl);
      if (!checked.ok) throw new BadInputError(checked.reason);
      await deps.notifications.enqueue({
        accountId: account.id,
        resourceUrl: checked.url.toString(),
        resourceType: type,
        receivedAt: deps.clock.now().toISOString(),
      });
      return { status: 'queued' };
    }
    // Another V2 event pointed at this endpoint is acknowledged, so ShipStation does not retry it for nothing.
    if (!(TRACKING_RESOURCE_TYPES as readonly string[]).includes(type)) return { status: 'ignored', reason: `resource_type ${type} is not a tracking event` };
    const body = trackEventV2Schema.safeParse(json);
    if (!body.success) throw new BadInputError(`body is not a ${type} tracking webhook (${issuesOf(body.error)})`);
    const normalised = trackingUpdateFrom(account.id, body.data, deps.clock.now());
    if (!normalised.ok) throw new BadInputError(normalised.reason);
    await deps.updates.enqueueAll([normalised.update]);
    return { status: 'queued' };
  };
}

function requireHeaders(headers: TrackingSignatureHeaders): { keyId: string; signature: string; timestamp: string } {
  const keyId = headers.keyId?.trim() ?? '';
  const signature = headers.signature?.trim() ?? '';
  const timestamp = headers.timestamp?.trim() ?? '';
  const missing: string[] = [];
  if (keyId === '') missing.push(SIGNATURE_HEADERS.keyId);
  if (signature === '') missing.push(SIGNATURE_HEADERS.signature);
  if (timestamp === '') missing.push(SIGNATURE_HEADERS.timestamp);
  // ShipStation's guide: "If any is missing, respond 404".
  if (missing.length > 0) throw new SignatureRejectedError(404, `missing signature header${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return { keyId, signature, timestamp };
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') throw new BadInputError('body is empty; expected a TRACK_EVENT_V2 webhook');
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BadInputError('body is not valid JSON');
  }
}
