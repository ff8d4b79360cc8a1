// A ShipStation V2 TRACK_EVENT_V2 webhook body → the tracking update publish-events joins to its label. V2 times are
// UTC ISO-8601 (a time without an offset is read as UTC); status codes arrive as the two-letter standard codes or, as
// the V2 OpenAPI types them, as long names: both are accepted (reference/shipstation-api.md §6).
import * as z from '../domain/zod.js';
import { calendarDateOf } from '../domain/calendar.js';
import { dropUndefined } from '../domain/drop-undefined.js';
import { MAX_SCANS, TRACKING_STATUS_CODES, type TrackingScan, type TrackingStatusCode, type TrackingUpdate } from '../domain/tracking.js';

const text = z.nullish(z.string());

const v2ScanSchema = z.object({
  occurred_at: text,
  /** ShipEngine's older `API_TRACK` scans carry their time here instead of `occurred_at`. */
  event_date: text,
  carrier_occurred_at: text,
  description: text,
  city_locality: text,
  state_province: text,
  postal_code: text,
  country_code: text,
  status_code: text,
  status_detail_code: text,
  status_description: text,
});

/** The part of a TRACK_EVENT_V2 body we read; anything else in it is ignored. */
export const trackEventV2Schema = z.object({
  resource_url: z.nullish(z.string()),
  resource_type: z.string().check(z.minLength(1)),
  data: z.nullish(
    z.object({
      tracking_number: z.string().check(z.trim(), z.minLength(1, 'data.tracking_number is required')),
      tracking_url: text,
      status_code: text,
      status_detail_code: text,
      status_detail_description: text,
      status_description: text,
      carrier_code: text,
      carrier_status_description: text,
      ship_date: text,
      estimated_delivery_date: text,
      actual_delivery_date: text,
      exception_description: text,
      events: z.nullish(z.array(v2ScanSchema)),
    }),
  ),
});
export type TrackEventV2 = z.infer<typeof trackEventV2Schema>;

/** The resource types that carry tracking data. */
export const TRACKING_RESOURCE_TYPES = ['API_TRACK', 'TRACK_EVENT_V2', 'track'] as const;

const LONG_CODES: Record<string, TrackingStatusCode> = {
  UNKNOWN: 'UN',
  ACCEPTED: 'AC',
  IN_TRANSIT: 'IT',
  OUT_FOR_DELIVERY: 'IT',
  DELIVERED: 'DE',
  EXCEPTION: 'EX',
  ATTEMPTED_DELIVERY: 'AT',
  DELIVERY_ATTEMPT: 'AT',
  NOT_YET_IN_SYSTEM: 'NY',
  DELIVERED_TO_SERVICE_POINT: 'SP',
  DELIVERED_TO_LOCKER_COLLECTION_POINT: 'SP',
};

const clean = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/** A two-letter code as is; a long name mapped (ATTEMPTED_DELIVERY_2ND is an attempt too); anything else unknown. */
export function statusCodeOf(raw: string | null | undefined): TrackingStatusCode | undefined {
  const value = clean(raw)?.toUpperCase();
  if (value === undefined) return undefined;
  if ((TRACKING_STATUS_CODES as readonly string[]).includes(value)) return value as TrackingStatusCode;
  if (value.startsWith('ATTEMPTED_DELIVERY')) return 'AT';
  return LONG_CODES[value] ?? 'UN';
}

/** A time that says its own offset (`Z`, `+02:00`, `-0700`). */
const HAS_OFFSET = /([zZ]|[+-]\d{2}:?\d{2})$/;

/** A V2 time as a UTC instant; a time without an offset is UTC; unreadable → undefined. */
export function v2Instant(raw: string | null | undefined): string | undefined {
  const value = clean(raw);
  if (value === undefined) return undefined;
  const withZone = HAS_OFFSET.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const LABEL_ID = /\/labels\/(se-[A-Za-z0-9-]+)\//;

/**
 * Normalises a verified TRACK_EVENT_V2 body.
 * @returns the update, or a reason when the body has no usable tracking data
 */
export function trackingUpdateFrom(
  accountId: string,
  body: TrackEventV2,
  receivedAt: Date,
): { ok: true; update: TrackingUpdate } | { ok: false; reason: string } {
  const data = body.data;
  if (data === null || data === undefined) return { ok: false, reason: 'the webhook has no data object' };
  const scans: TrackingScan[] = (data.events ?? [])
    .map((e): TrackingScan | undefined => {
      const occurredAt = v2Instant(e.occurred_at ?? e.event_date);
      if (occurredAt === undefined) return undefined;
      const code = statusCodeOf(e.status_code);
      return dropUndefined({
        occurredAt,
        statusCode: code,
        statusDetailCode: clean(e.status_detail_code) ?? (clean(e.status_code)?.toUpperCase() === 'OUT_FOR_DELIVERY' ? 'OUT_FOR_DELIVERY' : undefined),
        description: clean(e.description) ?? clean(e.status_description),
        city: clean(e.city_locality),
        region: clean(e.state_province),
        postalCode: clean(e.postal_code),
        country: clean(e.country_code),
      });
    })
    .filter((scan): scan is TrackingScan => scan !== undefined)
    .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt))
    .slice(0, MAX_SCANS);
  const statusCode = statusCodeOf(data.status_code) ?? scans[0]?.statusCode ?? 'UN';
  const longDetail = clean(data.status_code)?.toUpperCase() === 'OUT_FOR_DELIVERY' ? 'OUT_FOR_DELIVERY' : undefined;
  return {
    ok: true,
    update: dropUndefined({
      kind: 'tracking' as const,
      accountId,
      trackingNumber: data.tracking_number.trim(),
      carrierCode: clean(data.carrier_code),
      labelId: LABEL_ID.exec(body.resource_url ?? '')?.[1],
      statusCode,
      statusDetailCode: clean(data.status_detail_code) ?? longDetail,
      statusDescription: clean(data.status_description) ?? clean(data.status_detail_description),
      carrierStatusDescription: clean(data.carrier_status_description),
      exceptionDescription: clean(data.exception_description),
      trackingUrl: httpsUrl(data.tracking_url),
      shipDate: v2Instant(data.ship_date),
      // A date, usually without an offset ("2026-04-30T00:00:00"): the day as written, never a UTC midnight.
      estimatedDeliveryDate: calendarDateOf(data.estimated_delivery_date),
      actualDeliveryAt: deliveredAt(data.actual_delivery_date, scans, statusCode),
      scans,
      receivedAt: receivedAt.toISOString(),
    }),
  };
}

/**
 * When the package was delivered. `actual_delivery_date` with an offset is an instant and is taken as sent; without one
 * (a recorded FedEx TRACK_EVENT_V2 has one 14 hours off its own Delivered scan) the earliest delivered scan, which
 * carries an offset, is the better reading; only when there is none is the offset-less value read as UTC, and with no
 * value at all the newest scan of a delivered package is its delivery.
 */
function deliveredAt(raw: string | null | undefined, scans: TrackingScan[], statusCode: TrackingStatusCode): string | undefined {
  const value = clean(raw);
  if (value !== undefined && HAS_OFFSET.test(value)) return v2Instant(value);
  const delivered = scans.filter((scan) => scan.statusCode === 'DE' || scan.statusCode === 'SP').at(-1);
  if (delivered !== undefined) return delivered.occurredAt;
  // Delivered, with neither a time nor a scan marked delivered (a recorded USPS body): the newest scan is the delivery.
  const uncoded = statusCode === 'DE' || statusCode === 'SP' ? scans.find((scan) => scan.statusCode === undefined) : undefined;
  return v2Instant(value) ?? uncoded?.occurredAt;
}

/**
 * Only an https link goes into a customer's email: V2's own `http:` links (a docs example has one) are upgraded to
 * https, same host, path and query; any other scheme is dropped.
 */
function httpsUrl(raw: string | null | undefined): string | undefined {
  const value = clean(raw);
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return value;
    if (url.protocol !== 'http:') return undefined;
    url.protocol = 'https:';
    return url.href;
  } catch {
    return undefined;
  }
}
