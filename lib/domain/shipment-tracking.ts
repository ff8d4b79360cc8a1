// What tracking means for one shipment (pure): the milestone a tracking update reaches, the stale rule (a later scan
// never produces an earlier milestone again), and the checks due later (an order delayed, a package stalled).
import { endOfDay } from './calendar.js';
import { dropUndefined } from './drop-undefined.js';
import { DELAYABLE_STATUSES, ORDER_STATUS_RULES } from './order-status.js';
import type { Customer, Destination, FulfillmentSnapshot, LineItem, OrderSnapshot, ShipmentSnapshot } from './snapshot.js';
import { type TrackingScan, type TrackingStatusCode, type TrackingUpdate } from './tracking.js';

/** Where a package is, as far as a customer cares. `none`: nothing scanned yet (NY, UN). */
export type TrackingCategory = 'none' | 'in_transit' | 'out_for_delivery' | 'attempted' | 'exception' | 'delivered';

/** How far the carrier has got with one shipment. */
export interface TrackingProgress {
  category: TrackingCategory;
  /** When the package entered `category` (a scan's time; the delivery time for `delivered`). */
  categorySince: string;
  /** The newest scan (or delivery time) applied: an update whose newest scan is older is stale. Absent until one. */
  lastScanAt?: string;
  statusCode: TrackingStatusCode;
  statusDetailCode?: string;
  statusDescription?: string;
  carrierStatusDescription?: string;
  exceptionDescription?: string;
  trackingUrl?: string;
  /** The day the carrier expects to deliver, `YYYY-MM-DD`. */
  estimatedDeliveryDate?: string;
  /** What earlier versions kept instead (a date read as a UTC instant); still read from stored progress. */
  estimatedDeliveryAt?: string;
  actualDeliveryAt?: string;
  lastLocation?: { city?: string; region?: string; country?: string };
  /** Out for delivery, attempted or delivered was reached: an In Transit after that would be an earlier milestone. */
  passedInTransit: boolean;
  /** When the current stall check is due (no new scan until then = stalled). */
  stallDueAt?: string;
  /**
   * Milestones reached but not yet handed to Klaviyo (an outbox, written with the progress): a send that fails is
   * retried from here even when a newer scan was applied meanwhile.
   */
  pending?: Milestone[];
}

/** One label or fulfilment of an order, as tracking needs it. */
export interface ShipmentRecord {
  accountId: string;
  orderId: number;
  /** `label:<shipmentId>` or `fulfillment:<fulfillmentId>`. */
  shipmentKey: string;
  orderNumber?: string;
  trackingNumber?: string;
  carrierCode?: string;
  serviceCode?: string;
  /** The service's display name, as ShipStation lists it for the carrier. */
  serviceName?: string;
  provider?: string;
  shipDate?: string;
  createdAt: string;
  storeId?: number;
  total?: number;
  /** The order's buyer (never the ship-to person): every tracking event of the package goes to this profile. */
  customer: Customer;
  /**
   * `customer` is the order's buyer. Records written by earlier versions lack it: their customer was the label's ship-to
   * person, so their buyer is looked up (see buyerOfRecord) before an event is sent.
   */
  customerIsBuyer?: true;
  shipTo: Destination;
  items: LineItem[];
  gift?: boolean;
  voided: boolean;
  tracking?: TrackingProgress;
  /** Optimistic-lock counter. */
  version: number;
}

/** The key of a label's or fulfilment's record within its order: `label:<shipmentId>` or `fulfillment:<fulfillmentId>`. */
export const shipmentKeyOf = (snapshot: ShipmentSnapshot | FulfillmentSnapshot): string =>
  snapshot.kind === 'shipment' ? `label:${snapshot.shipmentId}` : `fulfillment:${snapshot.fulfillmentId}`;

/**
 * The record a label or fulfilment snapshot implies, keeping the tracking progress of one already stored. Shipping
 * details come from the newest snapshot; the buyer, items (a fulfilment has none) and total from the order; a void is
 * final.
 */
export function recordFromSnapshot(
  snapshot: ShipmentSnapshot | FulfillmentSnapshot,
  stored: ShipmentRecord | undefined,
  order: { orderNumber?: string; total?: number; buyer: Customer; items?: LineItem[]; gift?: boolean },
  serviceName?: string,
): ShipmentRecord {
  return dropUndefined({
    accountId: snapshot.accountId,
    orderId: snapshot.orderId,
    shipmentKey: shipmentKeyOf(snapshot),
    orderNumber: snapshot.orderNumber ?? order.orderNumber ?? stored?.orderNumber,
    trackingNumber: snapshot.trackingNumber ?? stored?.trackingNumber,
    carrierCode: snapshot.carrierCode ?? stored?.carrierCode,
    serviceCode: snapshot.kind === 'shipment' ? snapshot.serviceCode : stored?.serviceCode,
    serviceName: serviceName ?? stored?.serviceName,
    provider: snapshot.kind === 'fulfillment' ? snapshot.provider : stored?.provider,
    shipDate: snapshot.shipDate ?? stored?.shipDate,
    createdAt: snapshot.createdAt,
    storeId: snapshot.storeId ?? stored?.storeId,
    total: order.total ?? stored?.total,
    customer: order.buyer,
    customerIsBuyer: true,
    shipTo: snapshot.shipTo,
    items: snapshot.items.length > 0 ? snapshot.items : (order.items ?? stored?.items ?? []),
    gift: order.gift ?? stored?.gift,
    voided: snapshot.voided || stored?.voided === true,
    ...(stored?.tracking === undefined ? {} : { tracking: stored.tracking }),
    version: stored?.version ?? 0,
  });
}

/** Whether a stored record already says all a snapshot would (so nothing is written). */
export function sameRecord(a: ShipmentRecord, b: ShipmentRecord): boolean {
  return JSON.stringify({ ...a, version: 0 }) === JSON.stringify({ ...b, version: 0 });
}

const OUT_FOR_DELIVERY = /OUT_FOR_DELIVERY|out for delivery/i;

/** The category a status code (and its detail) puts a package in. */
export function categoryOf(statusCode: TrackingStatusCode | undefined, detail?: string, description?: string): TrackingCategory {
  switch (statusCode) {
    case 'DE':
    case 'SP':
      return 'delivered';
    case 'AT':
      return 'attempted';
    case 'EX':
      return 'exception';
    case 'AC':
    case 'IT':
      return OUT_FOR_DELIVERY.test(detail ?? '') || OUT_FOR_DELIVERY.test(description ?? '') ? 'out_for_delivery' : 'in_transit';
    default:
      return 'none';
  }
}

const instant = (iso: string): number => Date.parse(iso);
const later = (a: string, b: string): string => (instant(a) >= instant(b) ? a : b);

/** The newest scan of an update, if it has any. */
function newestScan(update: TrackingUpdate): TrackingScan | undefined {
  return update.scans.reduce<TrackingScan | undefined>(
    (newest, scan) => (newest === undefined || instant(scan.occurredAt) > instant(newest.occurredAt) ? scan : newest),
    undefined,
  );
}

/** The carrier's instant an update reports: its newest scan, else its delivery time (none for an update without either). */
function scanTime(update: TrackingUpdate): string | undefined {
  return newestScan(update)?.occurredAt ?? update.actualDeliveryAt;
}

/**
 * When the package entered the update's category: the earliest scan newer than what was applied whose own status is
 * that category (the first carrier scan for In Transit), else the update's time; a delivery is at its delivery time.
 */
function enteredAt(update: TrackingUpdate, category: TrackingCategory, after: string | undefined): string {
  if (category === 'delivered' && update.actualDeliveryAt !== undefined) return update.actualDeliveryAt;
  const candidates = update.scans
    .filter((scan) => after === undefined || instant(scan.occurredAt) > instant(after))
    .filter((scan) => scan.statusCode !== undefined && categoryOf(scan.statusCode, scan.statusDetailCode, scan.description) === category)
    .sort((a, b) => instant(a.occurredAt) - instant(b.occurredAt));
  return candidates[0]?.occurredAt ?? scanTime(update) ?? update.receivedAt;
}

/** A milestone the update makes the shipment reach, to send as an event. */
export interface Milestone {
  category: Exclude<TrackingCategory, 'none'>;
  since: string;
}

export type TrackingDecision = { outcome: 'stale'; reason: string } | { outcome: 'current'; next: TrackingProgress; milestone?: Milestone; changed: boolean };

const PAST_IN_TRANSIT: ReadonlySet<TrackingCategory> = new Set(['out_for_delivery', 'attempted', 'delivered']);

/**
 * Applies a tracking update to a shipment's progress. An update whose newest scan is older than the one applied is
 * stale, and so is anything after a delivery (an update without scans is never "older": only carrier times are
 * compared). Otherwise the package is in the update's category since when it entered it (an unchanged category keeps
 * its time, so the event it implies keeps one identity across redeliveries), and the milestone is that category,
 * except In Transit once a later milestone was reached. A milestone entered now is added to the outbox (`pending`).
 */
export function decideTrackingUpdate(progress: TrackingProgress | undefined, update: TrackingUpdate, stalledAfterDays: number): TrackingDecision {
  const at = scanTime(update);
  let category = categoryOf(update.statusCode, update.statusDetailCode, update.statusDescription ?? newestScan(update)?.description);
  if (progress !== undefined) {
    if (at !== undefined && progress.lastScanAt !== undefined && instant(at) < instant(progress.lastScanAt))
      return { outcome: 'stale', reason: 'older than the scans already applied' };
    if (progress.category === 'delivered' && category !== 'delivered') return { outcome: 'stale', reason: 'the package was delivered already' };
  }
  // A scan that says nothing new (NY, UN) after real ones keeps the package where it was.
  if (category === 'none' && progress !== undefined) category = progress.category;
  const sameCategory = progress?.category === category;
  const since = sameCategory ? progress.categorySince : enteredAt(update, category, progress?.lastScanAt);
  const scan = newestScan(update);
  const location = scan === undefined ? progress?.lastLocation : compactLocation({ city: scan.city, region: scan.region, country: scan.country });
  const lastScanAt = at === undefined ? progress?.lastScanAt : progress?.lastScanAt === undefined ? at : later(at, progress.lastScanAt);
  // The stall clock runs from the newest scan (from the first update, while there is none) and stops at delivery.
  const stallFrom = lastScanAt ?? (progress?.stallDueAt === undefined ? update.receivedAt : undefined);
  const stallDueAt =
    category === 'delivered'
      ? undefined
      : stallFrom === undefined
        ? progress?.stallDueAt
        : new Date(instant(stallFrom) + stalledAfterDays * 86_400_000).toISOString();
  const announce: Milestone | undefined =
    category === 'none' || (category === 'in_transit' && progress?.passedInTransit === true) ? undefined : { category, since };
  const pending = [...(progress?.pending ?? [])];
  if (announce !== undefined && !sameCategory && !pending.some((m) => m.category === announce.category && m.since === announce.since)) pending.push(announce);
  const next: TrackingProgress = dropUndefined({
    category,
    categorySince: since,
    lastScanAt,
    statusCode: update.statusCode,
    statusDetailCode: update.statusDetailCode,
    statusDescription: update.statusDescription,
    carrierStatusDescription: update.carrierStatusDescription,
    exceptionDescription: update.exceptionDescription ?? (category === 'exception' ? progress?.exceptionDescription : undefined),
    trackingUrl: update.trackingUrl ?? progress?.trackingUrl,
    estimatedDeliveryDate:
      update.estimatedDeliveryDate ??
      update.estimatedDeliveryAt?.slice(0, 10) ??
      progress?.estimatedDeliveryDate ??
      progress?.estimatedDeliveryAt?.slice(0, 10),
    actualDeliveryAt: update.actualDeliveryAt ?? progress?.actualDeliveryAt,
    lastLocation: location,
    passedInTransit: progress?.passedInTransit === true || PAST_IN_TRANSIT.has(category),
    stallDueAt,
    pending: pending.length === 0 ? undefined : pending,
  });
  const changed = progress === undefined || JSON.stringify(progress) !== JSON.stringify(next);
  return announce === undefined ? { outcome: 'current', next, changed } : { outcome: 'current', next, milestone: announce, changed };
}

/** The progress with the milestones handed to Klaviyo taken out of the outbox. */
export function withoutPending(progress: TrackingProgress, handled: Milestone[]): TrackingProgress {
  const rest = (progress.pending ?? []).filter((m) => !handled.some((h) => h.category === m.category && h.since === m.since));
  const kept: TrackingProgress = { ...progress };
  delete kept.pending;
  return rest.length === 0 ? kept : { ...kept, pending: rest };
}

function compactLocation(location: { city?: string; region?: string; country?: string }): TrackingProgress['lastLocation'] {
  const kept = dropUndefined(location);
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/** Every outbound shipment of the order delivered (voided ones do not count; at least one delivered). */
export function allDelivered(records: ShipmentRecord[]): boolean {
  const live = records.filter((r) => !r.voided);
  return live.length > 0 && live.every((r) => r.tracking?.category === 'delivered');
}

// ---------------------------------------------------------------------------------------------------------------------
// Checks due later

/** Unshipped statuses an order can be late in: derived from ORDER_STATUS_RULES, exported here where callers found it. */
export { DELAYABLE_STATUSES };

export type DelayReason = 'past_ship_by_date' | 'no_label_in_time';

/**
 * When an unshipped order counts as delayed: once its ship-by date has ended in the account's time zone when it has
 * one (ShipStation: "the date the order is to be shipped before or on", so shipping that afternoon is on time),
 * otherwise `afterHours` after it was placed. Undefined for an order that cannot be delayed (shipped, cancelled,
 * awaiting payment).
 */
export function delayDue(snapshot: OrderSnapshot, afterHours: number, timeZone: string): { dueAt: string; reason: DelayReason } | undefined {
  if (!ORDER_STATUS_RULES[snapshot.status].delayable) return undefined;
  if (snapshot.shipByDate !== undefined) return { dueAt: endOfDay(snapshot.shipByDate, timeZone), reason: 'past_ship_by_date' };
  const placed = snapshot.orderedAt ?? snapshot.createdAt;
  return { dueAt: new Date(instant(placed) + afterHours * 3_600_000).toISOString(), reason: 'no_label_in_time' };
}

/** A check to make at `dueAt`. */
export type DueCheck =
  | { kind: 'order-delayed'; accountId: string; orderId: number; dueAt: string; reason: DelayReason; order: OrderSnapshot }
  | { kind: 'shipment-stalled'; accountId: string; orderId: number; shipmentKey: string; dueAt: string };

/** The key of a check among the account's, in due order. */
export const dueCheckKey = (check: DueCheck): string =>
  `${check.dueAt}#${check.kind}#${check.orderId}${check.kind === 'shipment-stalled' ? `#${check.shipmentKey}` : ''}`;
