// Carrier tracking (ShipStation V2 TRACK_EVENT_V2): the V2 webhook payload, the normalised tracking update that travels
// on the updates queue, and what a tracking update means for a shipment (DESIGN §4, "after the label").
import * as z from './zod.js';
import { isCalendarDate } from './calendar.js';

const isoInstant = z.iso.datetime({ offset: true });

/** Standard V2 / ShipEngine tracking status codes (reference/shipstation-api.md §6). */
export const TRACKING_STATUS_CODES = ['UN', 'AC', 'IT', 'DE', 'EX', 'AT', 'NY', 'SP'] as const;
export type TrackingStatusCode = (typeof TRACKING_STATUS_CODES)[number];

/** One carrier scan, as the update carries it (newest first or not: order is not relied on). */
export const trackingScanSchema = z.object({
  occurredAt: isoInstant,
  statusCode: z.optional(z.enum(TRACKING_STATUS_CODES)),
  statusDetailCode: z.optional(z.string()),
  description: z.optional(z.string()),
  city: z.optional(z.string()),
  region: z.optional(z.string()),
  postalCode: z.optional(z.string()),
  country: z.optional(z.string()),
});
export type TrackingScan = z.infer<typeof trackingScanSchema>;

/**
 * One message on the updates queue: a verified TRACK_EVENT_V2, normalised. It names no order: publish-events joins it
 * to the label or fulfilment with the same tracking number (seen earlier by the webhook path or the poll).
 */
export const trackingUpdateSchema = z.object({
  kind: z.literal('tracking'),
  accountId: z.string().check(z.minLength(1)),
  trackingNumber: z.string().check(z.minLength(1)),
  carrierCode: z.optional(z.string()),
  /** V2 label id (`se-<shipmentId>`), from the resource_url: joins the update to its label (else the tracking number). */
  labelId: z.optional(z.string()),
  statusCode: z.enum(TRACKING_STATUS_CODES),
  statusDetailCode: z.optional(z.string()),
  statusDescription: z.optional(z.string()),
  carrierStatusDescription: z.optional(z.string()),
  exceptionDescription: z.optional(z.string()),
  /** V2's own tracking page, preferred over the one built from the carrier code. */
  trackingUrl: z.optional(z.string()),
  shipDate: z.optional(isoInstant),
  /** The day the carrier expects to deliver, `YYYY-MM-DD` (carriers send a date, often without an offset). */
  estimatedDeliveryDate: z.optional(z.string().check(z.refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'))),
  /** Written by earlier versions (a date read as a UTC instant); read for updates still on the queue. */
  estimatedDeliveryAt: z.optional(isoInstant),
  actualDeliveryAt: z.optional(isoInstant),
  /** The most recent scans (at most MAX_SCANS), enough to find the newest one and where it happened. */
  scans: z.array(trackingScanSchema),
  /** When receive-tracking accepted the webhook (UTC). */
  receivedAt: isoInstant,
  /** Times the update found no label with its tracking number yet and was put back to wait (see publish-tracking). */
  joinAttempts: z.optional(z.number().check(z.int(), z.gte(0))),
});
export type TrackingUpdate = z.infer<typeof trackingUpdateSchema>;

/** Scans kept per update: the newest ones are all any decision reads. */
export const MAX_SCANS = 10;

/** Tracking numbers as carriers print them vary in case and spacing; the join uses one form. */
export function normaliseTrackingNumber(trackingNumber: string): string {
  return trackingNumber.replace(/[\s-]+/g, '').toUpperCase();
}

/** Tracking numbers identify a parcel (and through the carrier, an address): logs keep only the last four characters. */
export function maskTracking(trackingNumber: string): string {
  const n = normaliseTrackingNumber(trackingNumber);
  return n.length <= 4 ? '****' : `${'*'.repeat(Math.min(8, n.length - 4))}${n.slice(-4)}`;
}
