// ShipStation V2 pieces of the simulator: the TRACK_EVENT_V2 webhook payload (and ShipEngine's older API_TRACK one) and
// the package history behind it, the RSA-SHA256 webhook signing keys with their JWKS (an EC key beside them, as the
// live set reportedly has), the V2 error body, and the seeded tracking progression of the demo.
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DateTime } from 'luxon';
import { PACIFIC_ZONE } from './pacific.js';

/**
 * The `event` values `POST /v2/environment/webhooks` accepts; anything else is answered with 400. The 2025-08 OpenAPI
 * enum, then the `_v2` events the current webhooks guide and public V2 clients name (reference/shipstation-api.md,
 * "V2 facts, December 2026").
 */
export const V2_WEBHOOK_EVENTS = [
  'batch',
  'carrier_connected',
  'order_source_refresh_complete',
  'rate',
  'report_complete',
  'sales_orders_imported',
  'track',
  'batch_processed_v2',
  'fulfillment_rejected_v2',
  'fulfillment_shipped_v2',
  'label_created_v2',
  'shipment_created_v2',
  'track_event_v2',
] as const;
export type V2WebhookEvent = (typeof V2_WEBHOOK_EVENTS)[number];

/** The events whose webhooks receive tracking updates: the guide's `track_event_v2` and the OpenAPI's `track`. */
export const TRACKING_WEBHOOK_EVENTS: readonly V2WebhookEvent[] = ['track_event_v2', 'track'];

/** Standard V2 tracking `status_code` values (reference/shipstation-api.md §6). */
export const TRACK_STATUS_CODES = ['UN', 'AC', 'IT', 'DE', 'EX', 'AT', 'NY', 'SP'] as const;
export type TrackStatusCode = (typeof TRACK_STATUS_CODES)[number];

/** `resource_type` of a tracking webhook, as ShipStation's V2 webhook payload documentation shows it. */
export const TRACK_RESOURCE_TYPE = 'TRACK_EVENT_V2';

/** `resource_type` of ShipEngine's older tracking webhook (`shape: 'API_TRACK'`). */
export const API_TRACK_RESOURCE_TYPE = 'API_TRACK';

/** The body shapes a tracking update can be delivered in. */
export type TrackingResourceType = typeof TRACK_RESOURCE_TYPE | typeof API_TRACK_RESOURCE_TYPE;

/** The signature headers of a V2 webhook. */
export const SIGNATURE_HEADERS = {
  keyId: 'x-shipengine-rsa-sha256-key-id',
  signature: 'x-shipengine-rsa-sha256-signature',
  timestamp: 'x-shipengine-timestamp',
} as const;

/**
 * A deliberately broken tracking webhook, otherwise identical to a good one:
 * - `body`: the signature is over the real body, but the body sent has another `data.status_code`;
 * - `signature`: one byte of the signature is flipped (still valid base64 of the same length);
 * - `timestamp-old`: correctly signed, but with a timestamp 10 minutes before the simulator's now;
 * - `unknown-kid`: signed by a key that is not in the JWKS, under a key id the JWKS does not list;
 * - `missing-headers`: none of the three `x-shipengine-*` headers.
 */
export type TrackTamper = 'body' | 'signature' | 'timestamp-old' | 'unknown-kid' | 'missing-headers';

/** How far back `timestamp-old` puts the signing timestamp (twice ShipStation's suggested 5-minute tolerance). */
export const OLD_TIMESTAMP_MS = 10 * 60_000;

/** One carrier update for `ShipStationSimulator.track`. */
export interface TrackUpdate {
  statusCode: TrackStatusCode;
  statusDetailCode?: string | null;
  /** The scan's text (default: a carrier-like text for the status). */
  description?: string;
  /** When the carrier scanned it (default: the simulator's now). */
  occurredAt?: Date;
  city?: string;
  state?: string;
  postalCode?: string;
  /** ISO country code of the scan (default `US` when a city or state is given, else empty like the real payloads). */
  country?: string;
  exceptionDescription?: string;
  estimatedDelivery?: Date;
  /** Default for `DE` and `SP`: `occurredAt`. */
  actualDelivery?: Date;
  signer?: string;
  /** Send it for a tracking number the simulator never labelled (otherwise `track` throws for one). */
  unknownLabel?: boolean;
  /** Carrier of an unknown label (default `stamps_com`); a known label always uses its own carrier. */
  carrierCode?: string;
  /** Deliver a broken webhook instead of a good one (see `TrackTamper`). */
  tamper?: TrackTamper;
  /**
   * The body shape (default `TRACK_EVENT_V2`). `API_TRACK` is ShipEngine's older tracking webhook, as a recorded one
   * (reference/real-payloads/v2/api_track_usps_DE_2019_moltin.json) has it: scans with `event_date` and no
   * `occurred_at`, `shipped_date`, no `tracking_url` nor `carrier_code`, and a resource_url naming carrier and number.
   */
  shape?: TrackingResourceType;
}

/** One scan in `data.events`. */
export interface TrackEventV2Event {
  occurred_at: string;
  carrier_occurred_at: string;
  description: string;
  city_locality: string;
  state_province: string;
  postal_code: string;
  country_code: string;
  company_name: string;
  signer: string;
  event_code: string;
  carrier_detail_code: string;
  status_code: TrackStatusCode;
  status_detail_code: string | null;
  status_description: string;
  latitude: number | null;
  longitude: number | null;
}

/** `data` of a TRACK_EVENT_V2 webhook: the package's state and its whole scan history, newest first. */
export interface TrackEventV2Data {
  tracking_number: string;
  tracking_url: string;
  status_code: TrackStatusCode;
  status_detail_code: string | null;
  status_detail_description: string | null;
  carrier_code: string;
  carrier_id: number;
  carrier_detail_code: string;
  status_description: string;
  carrier_status_code: string;
  carrier_status_description: string;
  ship_date: string | null;
  estimated_delivery_date: string | null;
  actual_delivery_date: string | null;
  exception_description: string | null;
  events: TrackEventV2Event[];
}

/** A TRACK_EVENT_V2 webhook body. */
export interface TrackEventV2 {
  resource_url: string;
  resource_type: typeof TRACK_RESOURCE_TYPE;
  data: TrackEventV2Data;
}

/** One scan of an API_TRACK webhook (ShipEngine's older shape): `event_date`, no `occurred_at` nor status codes. */
export type ApiTrackScan = Pick<
  TrackEventV2Event,
  'description' | 'city_locality' | 'state_province' | 'postal_code' | 'country_code' | 'company_name' | 'signer'
> & {
  event_date: string;
};

/** `data` of an API_TRACK webhook. */
export interface ApiTrackData {
  links: { self: { href: string }; label: null };
  tracking_number: string;
  status_code: TrackStatusCode;
  status_description: string;
  carrier_status_code: string;
  carrier_status_description: string;
  shipped_date: string | null;
  estimated_delivery_date: string | null;
  actual_delivery_date: string | null;
  exception_description: string | null;
  events: ApiTrackScan[];
}

/** An API_TRACK webhook body: `resource_url` is `https://api.shipengine.com/v1/tracking/<carrier>/<tracking number>`. */
export interface ApiTrackEvent {
  resource_url: string;
  resource_type: typeof API_TRACK_RESOURCE_TYPE;
  data: ApiTrackData;
}

/** The three signature headers of a V2 webhook. */
export interface TrackingSignatureHeaders {
  'x-shipengine-rsa-sha256-key-id': string;
  'x-shipengine-rsa-sha256-signature': string;
  'x-shipengine-timestamp': string;
}

/** One RSA public key of the JWKS: these sign the webhooks. */
export interface SimRsaJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

/** The P-256 EC key published beside the RSA keys; it never signs anything. */
export interface SimEcJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** One public key of the JWKS. */
export type SimJwk = SimRsaJwk | SimEcJwk;

/** A package the simulator tracks: what every later webhook for the same tracking number carries forward. */
export interface TrackedPackage {
  trackingNumber: string;
  /** V2 label id, `se-<shipmentId>` (or a made-up one for an unknown label). */
  labelId: string;
  carrierCode: string;
  shipDate: string | null;
  estimatedDelivery: string | null;
  actualDelivery: string | null;
  /** In the order they were recorded. */
  events: TrackEventV2Event[];
  /** The newest `data` sent, undefined before the first update. */
  latest: TrackEventV2Data | undefined;
}

/** One error of a V2 error body. */
export interface V2ErrorItem {
  error_type: string;
  error_code: string;
  message: string;
  field_name?: string;
}

/** A V2 answer that is an error: status and V2 error items. */
export class V2HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'V2HttpError';
  }
}

/** The V2 error body: `{ request_id, errors: [{ error_source, error_type, error_code, message }] }`. */
export function v2ErrorBody(requestId: string, errorType: string, errorCode: string, message: string): unknown {
  return { request_id: requestId, errors: [{ error_source: 'shipstation', error_type: errorType, error_code: errorCode, message }] };
}

/** The 401 ShipStation V2 answers for a missing, wrong or expired API key. */
export const V2_UNAUTHORIZED_MESSAGE = 'The API key is invalid. Please see https://www.shipstation.com/docs/api/authentication';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: SimRsaJwk;
}

/** The key id of the EC key the JWKS lists beside the RSA keys. */
export const EC_KEY_ID = 'sim-ec-key-1';

/**
 * The simulator's webhook signing keys. Key pairs are made on first use (RSA-2048 takes tens of milliseconds, and most
 * simulators never sign anything); every key ever used stays in the JWKS, the newest signs. The JWKS also lists a P-256
 * EC key, first, that never signs: one implementer reports ShipStation's live set holds one beside the RSA key, and a
 * receiver must select by key id and ignore other key types.
 */
export class SigningKeys {
  private readonly keys: SigningKey[] = [];
  private unpublished: SigningKey | undefined;
  private ecKey: SimEcJwk | undefined;

  /** The key id new webhooks are signed with. */
  get kid(): string {
    return this.current().kid;
  }

  /** Makes a new key pair and signs with it from now on; the old public keys stay published. Returns the new kid. */
  rotate(): string {
    this.current();
    return this.add().kid;
  }

  /** The JWKS document: the EC key, then every RSA key, oldest first. */
  jwks(): { keys: SimJwk[] } {
    this.current();
    this.ecKey ??= newEcJwk(EC_KEY_ID);
    return { keys: [{ ...this.ecKey }, ...this.keys.map((key) => ({ ...key.jwk }))] };
  }

  /** Signs `${timestamp}.${rawBody}` (RSASSA-PKCS1-v1_5, SHA-256, base64) with the current key, or with a key the JWKS never lists. */
  sign(rawBody: string, timestamp: string, unpublished = false): TrackingSignatureHeaders {
    const key = unpublished ? (this.unpublished ??= newSigningKey('sim-key-unpublished')) : this.current();
    const signature = rsaSign('sha256', Buffer.from(`${timestamp}.${rawBody}`, 'utf8'), key.privateKey).toString('base64');
    return {
      'x-shipengine-rsa-sha256-key-id': key.kid,
      'x-shipengine-rsa-sha256-signature': signature,
      'x-shipengine-timestamp': timestamp,
    };
  }

  private current(): SigningKey {
    return this.keys[this.keys.length - 1] ?? this.add();
  }

  private add(): SigningKey {
    const key = newSigningKey(`sim-key-${this.keys.length + 1}`);
    this.keys.push(key);
    return key;
  }
}

function newSigningKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, jwk: { kty: 'RSA', n: exported.n ?? '', e: exported.e ?? '', kid, alg: 'RS256', use: 'sig' } };
}

/** A P-256 public key as a JWK; its private half is thrown away (it never signs). */
function newEcJwk(kid: string): SimEcJwk {
  const exported = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { kty: 'EC', crv: 'P-256', x: exported.x ?? '', y: exported.y ?? '', kid, alg: 'ES256', use: 'sig' };
}

/** Flips one byte of a base64 signature: same length, still base64, no longer valid. */
export function corruptSignature(signature: string): string {
  const bytes = Buffer.from(signature, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return bytes.toString('base64');
}

/** The instant of a V1 Pacific wall-clock timestamp (`2026-11-25T08:46:27.1230000`). */
export function pacificTextToDate(text: string): Date {
  return DateTime.fromISO(text.slice(0, 23), { zone: PACIFIC_ZONE }).toJSDate();
}

/** V2 timestamps: UTC ISO-8601 with `Z`, whole seconds (e.g. `2026-11-20T14:05:00Z`). */
export function utcStamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const STATUS_DESCRIPTIONS: Record<TrackStatusCode, string> = {
  UN: 'Unknown',
  AC: 'Accepted',
  IT: 'In Transit',
  DE: 'Delivered',
  EX: 'Exception',
  AT: 'Delivery Attempt',
  NY: 'Not Yet In System',
  SP: 'Delivered To Service Point',
};

/** A carrier's own code and text for each standard status (and for out-for-delivery, an IT with its own detail code). */
const CARRIER_STATUSES: Record<TrackStatusCode | 'OUT_FOR_DELIVERY', [string, string]> = {
  UN: ['UN', 'Status not available'],
  NY: ['MP', 'Shipping label created, awaiting item'],
  AC: ['OR', 'Accepted at origin facility'],
  IT: ['IT', 'In transit to next facility'],
  OUT_FOR_DELIVERY: ['OF', 'Out for delivery'],
  DE: ['DL', 'Delivered'],
  EX: ['EX', 'Delivery exception'],
  AT: ['AT', 'Delivery attempted'],
  SP: ['PU', 'Delivered to pickup point'],
};

const DETAIL_DESCRIPTIONS: Record<string, string> = {
  ELEC_ADVICE_RECD_BY_CARRIER: "Your shipment is now in the carrier's system.",
  COLLECTION_MADE: 'Your shipment has been picked up by the carrier.',
  OUT_FOR_DELIVERY: 'Your shipment is out for delivery.',
  ATTEMPTED_DELIVERY: "Delivery attempt failed. Please check the carrier's instructions for next steps.",
  DELIVERED: 'Your shipment has been delivered.',
};

/** V2 carrier ids are per-account numbers in tracking payloads; these are fixed per carrier for the simulator. */
function carrierIdFor(carrierCode: string): number {
  if (carrierCode.startsWith('ups')) return 3;
  if (carrierCode === 'fedex') return 4;
  if (carrierCode === 'stamps_com' || carrierCode === 'usps') return 1;
  return 9;
}

/** The carrier's public tracking page for a tracking number (TRACK_EVENT_V2 `tracking_url`, V2 labels' `tracking_url`). */
export function trackingUrlFor(carrierCode: string, trackingNumber: string): string {
  const number = encodeURIComponent(trackingNumber);
  if (carrierCode.startsWith('ups')) {
    return `http://wwwapps.ups.com/WebTracking/processRequest?HTMLVersion=5.0&Requester=NES&AgreeToTermsAndConditions=yes&loc=en_US&tracknum=${number}`;
  }
  if (carrierCode === 'fedex') return `https://www.fedex.com/fedextrack/?trknbr=${number}`;
  return `https://tools.usps.com/go/TrackConfirmAction.action?tLabels=${number}`;
}

const STATE_ZONES: Record<string, string> = {
  CA: 'America/Los_Angeles',
  OR: 'America/Los_Angeles',
  WA: 'America/Los_Angeles',
  NV: 'America/Los_Angeles',
  AZ: 'America/Phoenix',
  UT: 'America/Denver',
  CO: 'America/Denver',
  TX: 'America/Chicago',
  IL: 'America/Chicago',
  MO: 'America/Chicago',
  IN: 'America/Indiana/Indianapolis',
};

function zoneFor(state: string | undefined): string {
  return (state && STATE_ZONES[state.toUpperCase()]) || 'America/New_York';
}

/** `carrier_occurred_at`: the scan's local wall-clock time, no offset. */
function carrierLocalStamp(at: Date, state: string | undefined): string {
  return DateTime.fromJSDate(at, { zone: zoneFor(state) }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

/** A new package record for a label. */
export function newTrackedPackage(trackingNumber: string, labelId: string, carrierCode: string, shipDate: Date | null): TrackedPackage {
  return {
    trackingNumber,
    labelId,
    carrierCode,
    shipDate: shipDate === null ? null : utcStamp(shipDate),
    estimatedDelivery: null,
    actualDelivery: null,
    events: [],
    latest: undefined,
  };
}

/** Records one carrier update on a package and returns the webhook `data` that now describes it. */
export function recordTrackUpdate(pkg: TrackedPackage, update: TrackUpdate, occurredAt: Date): TrackEventV2Data {
  const status = update.statusCode;
  const detailCode = update.statusDetailCode ?? null;
  const [carrierCode, carrierText] = CARRIER_STATUSES[detailCode === 'OUT_FOR_DELIVERY' ? 'OUT_FOR_DELIVERY' : status];
  const located = update.city !== undefined || update.state !== undefined || update.postalCode !== undefined;
  const event: TrackEventV2Event = {
    occurred_at: utcStamp(occurredAt),
    carrier_occurred_at: carrierLocalStamp(occurredAt, update.state),
    description: update.description ?? carrierText,
    city_locality: update.city ?? '',
    state_province: update.state ?? '',
    postal_code: update.postalCode ?? '',
    country_code: update.country ?? (located ? 'US' : ''),
    company_name: '',
    signer: update.signer ?? '',
    event_code: carrierCode,
    carrier_detail_code: carrierCode,
    status_code: status,
    status_detail_code: detailCode,
    status_description: STATUS_DESCRIPTIONS[status],
    latitude: null,
    longitude: null,
  };
  pkg.events.push(event);
  if (update.estimatedDelivery !== undefined) pkg.estimatedDelivery = utcStamp(update.estimatedDelivery);
  const delivered = status === 'DE' || status === 'SP';
  if (update.actualDelivery !== undefined) pkg.actualDelivery = utcStamp(update.actualDelivery);
  else if (delivered) pkg.actualDelivery = event.occurred_at;
  // Newest first; among equal instants the one recorded later comes first.
  const events = pkg.events
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => (a.entry.occurred_at === b.entry.occurred_at ? b.index - a.index : a.entry.occurred_at < b.entry.occurred_at ? 1 : -1))
    .map(({ entry }) => ({ ...entry }));
  const data: TrackEventV2Data = {
    tracking_number: pkg.trackingNumber,
    tracking_url: trackingUrlFor(pkg.carrierCode, pkg.trackingNumber),
    status_code: status,
    status_detail_code: detailCode,
    status_detail_description: detailCode === null ? null : (DETAIL_DESCRIPTIONS[detailCode] ?? null),
    carrier_code: pkg.carrierCode,
    carrier_id: carrierIdFor(pkg.carrierCode),
    carrier_detail_code: carrierCode,
    status_description: STATUS_DESCRIPTIONS[status],
    carrier_status_code: carrierCode.slice(0, 1),
    carrier_status_description: carrierText,
    ship_date: pkg.shipDate,
    estimated_delivery_date: pkg.estimatedDelivery,
    actual_delivery_date: pkg.actualDelivery,
    exception_description: update.exceptionDescription ?? null,
    events,
  };
  pkg.latest = data;
  return structuredClone(data);
}

/** ShipEngine's API_TRACK times carry milliseconds (`2019-04-12T17:45:26.734Z`); V2's whole seconds are widened. */
const apiTrackStamp = (stamp: string | null): string | null => (stamp === null ? null : new Date(stamp).toISOString());

/**
 * The same package state as ShipEngine's older API_TRACK webhook would carry it, shaped like the recorded one
 * (reference/real-payloads/v2/api_track_usps_DE_2019_moltin.json): scans with `event_date` instead of `occurred_at`
 * and without status codes, `shipped_date`, no `tracking_url` nor `carrier_code`.
 */
export function apiTrackEventOf(carrierCode: string, data: TrackEventV2Data): ApiTrackEvent {
  const resourceUrl = `https://api.shipengine.com/v1/tracking/${encodeURIComponent(carrierCode)}/${encodeURIComponent(data.tracking_number)}`;
  return {
    resource_url: resourceUrl,
    resource_type: API_TRACK_RESOURCE_TYPE,
    data: {
      links: { self: { href: resourceUrl }, label: null },
      tracking_number: data.tracking_number,
      status_code: data.status_code,
      status_description: data.status_description,
      carrier_status_code: data.carrier_status_code,
      carrier_status_description: data.carrier_status_description,
      shipped_date: apiTrackStamp(data.ship_date),
      estimated_delivery_date: apiTrackStamp(data.estimated_delivery_date),
      actual_delivery_date: apiTrackStamp(data.actual_delivery_date),
      exception_description: data.exception_description,
      events: data.events.map((e) => ({
        event_date: new Date(e.occurred_at).toISOString(),
        description: e.description,
        city_locality: e.city_locality,
        state_province: e.state_province,
        postal_code: e.postal_code,
        country_code: e.country_code,
        company_name: e.company_name,
        signer: e.signer,
      })),
    },
  };
}

/** What the demo needs of a label to plan its journey. */
export interface DemoLabel {
  shipmentId: number;
  createdAt: Date;
  carrierCode: string;
  destination: { city: string | null; state: string | null; postalCode: string | null; country: string | null };
}

/** One planned carrier update of the demo, sent once the demo clock passes `at`. */
export interface DemoStep {
  at: Date;
  update: TrackUpdate;
}

const ORIGIN = { city: 'Oakland', state: 'CA', postalCode: '94607' } as const;
const HUBS = [
  { city: 'Sacramento', state: 'CA', postalCode: '95813' },
  { city: 'Salt Lake City', state: 'UT', postalCode: '84199' },
  { city: 'Denver', state: 'CO', postalCode: '80266' },
  { city: 'Phoenix', state: 'AZ', postalCode: '85026' },
  { city: 'Dallas', state: 'TX', postalCode: '75260' },
  { city: 'Kansas City', state: 'MO', postalCode: '64144' },
  { city: 'Chicago', state: 'IL', postalCode: '60701' },
  { city: 'Indianapolis', state: 'IN', postalCode: '46206' },
] as const;
const HUB_SCANS = ['Arrived at regional facility', 'Departed regional facility', 'In transit to next facility'] as const;
const EXCEPTION_TEXT = 'Address information incomplete';
const ATTEMPT_TEXT = 'No access to delivery location';
const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * A label's seeded journey: NY within minutes of the label, first scan about 2 h after it (AC for USPS labels, IT for
 * the others), 2-3 hub scans, out for delivery, then delivered 2-4 days after the label. About 3% hit an exception
 * (incomplete address) and about 3% a failed delivery attempt on the first delivery day; both are delivered the next
 * day. Times strictly increase.
 */
export function planDemoTracking(label: DemoLabel, random: () => number): DemoStep[] {
  const t0 = label.createdAt.getTime();
  const usps = label.carrierCode === 'stamps_com' || label.carrierCode === 'usps';
  const destination = {
    city: label.destination.city ?? undefined,
    state: label.destination.state ?? undefined,
    postalCode: label.destination.postalCode ?? undefined,
    country: label.destination.country ?? undefined,
  };
  const zone = zoneFor(destination.state);
  const roll = random();
  const outcome = roll < 0.03 ? 'exception' : roll < 0.06 ? 'attempt' : 'delivered';
  const ny = t0 + (5 + random() * 20) * MINUTE;
  const firstScan = t0 + (90 + random() * 60) * MINUTE;
  // First delivery attempt: 2 or 3 calendar days later (2 when a second day is needed), 10:00-17:59 local time.
  const days = outcome === 'delivered' ? 2 + Math.floor(random() * 2) : 2;
  const local = DateTime.fromMillis(t0, { zone });
  let attempt = local
    .plus({ days })
    .set({ hour: 10 + Math.floor(random() * 8), minute: Math.floor(random() * 60), second: 0, millisecond: 0 })
    .toMillis();
  // A label bought late in the day is not delivered in much under two days.
  if (attempt - t0 < 44 * HOUR) attempt = DateTime.fromMillis(attempt, { zone }).plus({ days: 1 }).toMillis();
  const outForDelivery = attempt - (1 + random() * 3) * HOUR;
  const eta = etaFor(attempt, zone);
  const steps: DemoStep[] = [
    { at: new Date(ny), update: { statusCode: 'NY', statusDetailCode: 'ELEC_ADVICE_RECD_BY_CARRIER' } },
    {
      at: new Date(firstScan),
      update: usps
        ? { statusCode: 'AC', statusDetailCode: 'COLLECTION_MADE', description: 'Accepted at USPS Origin Facility', ...ORIGIN, estimatedDelivery: eta }
        : { statusCode: 'IT', statusDetailCode: 'COLLECTION_MADE', description: 'Origin scan', ...ORIGIN, estimatedDelivery: eta },
    },
  ];
  const scans = 2 + Math.floor(random() * 2);
  const spacing = (outForDelivery - firstScan) / (scans + 1);
  for (let i = 1; i <= scans; i++) {
    const hub = HUBS[Math.floor(random() * HUBS.length)] as (typeof HUBS)[number];
    const at = firstScan + i * spacing + (random() - 0.5) * 0.5 * spacing;
    steps.push({
      at: new Date(at),
      update: { statusCode: 'IT', description: HUB_SCANS[(i - 1) % HUB_SCANS.length] as string, ...hub, estimatedDelivery: eta },
    });
  }
  const outForDeliveryUpdate = (estimatedDelivery: Date): TrackUpdate => ({
    statusCode: 'IT',
    statusDetailCode: 'OUT_FOR_DELIVERY',
    description: 'Out for Delivery',
    ...destination,
    estimatedDelivery,
  });
  steps.push({ at: new Date(outForDelivery), update: outForDeliveryUpdate(eta) });
  let deliveredAt = attempt;
  if (outcome !== 'delivered') {
    const nextDay = DateTime.fromMillis(attempt, { zone }).plus({ days: 1 });
    const secondOut = nextDay.set({ hour: 7 + Math.floor(random() * 2), minute: Math.floor(random() * 60), second: 0, millisecond: 0 }).toMillis();
    deliveredAt = secondOut + (2 + random() * 4) * HOUR;
    const nextEta = etaFor(deliveredAt, zone);
    steps.push({
      at: new Date(attempt),
      update:
        outcome === 'exception'
          ? {
              statusCode: 'EX',
              description: `Delivery exception: ${EXCEPTION_TEXT.toLowerCase()}`,
              exceptionDescription: EXCEPTION_TEXT,
              ...destination,
              estimatedDelivery: nextEta,
            }
          : {
              statusCode: 'AT',
              statusDetailCode: 'ATTEMPTED_DELIVERY',
              description: `Delivery attempted - ${ATTEMPT_TEXT.toLowerCase()}`,
              exceptionDescription: ATTEMPT_TEXT,
              ...destination,
              estimatedDelivery: nextEta,
            },
    });
    steps.push({ at: new Date(secondOut), update: outForDeliveryUpdate(nextEta) });
  }
  steps.push({
    at: new Date(deliveredAt),
    update: {
      statusCode: 'DE',
      statusDetailCode: 'DELIVERED',
      description: 'Delivered, Front Door/Porch',
      ...destination,
      actualDelivery: new Date(deliveredAt),
    },
  });
  // Whole seconds, as carriers report them; strictly increasing (the plan keeps steps far apart, this is belt and braces).
  let previous = -Infinity;
  for (const step of steps) {
    let at = Math.floor(step.at.getTime() / 1000) * 1000;
    if (at <= previous) at = previous + 1000;
    step.at = new Date(at);
    if (step.update.actualDelivery !== undefined) step.update.actualDelivery = step.at;
    previous = at;
  }
  return steps;
}

/** The estimated delivery date as carriers give it: the local calendar day, written as midnight UTC. */
function etaFor(at: number, zone: string): Date {
  return new Date(`${DateTime.fromMillis(at, { zone }).toFormat('yyyy-MM-dd')}T00:00:00Z`);
}
