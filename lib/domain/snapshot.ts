// Snapshots: one order, shipment or fulfilment as seen at one moment, normalised (UTC instants, calendar dates as
// `YYYY-MM-DD`, E.164 phones). They travel on the updates queue from fetch-resource (and the poll) to publish-events.
import * as z from './zod.js';
import { calendarDateIn, isCalendarDate } from './calendar.js';
import { ORDER_STATUSES } from './shipstation.js';
import { trackingUpdateSchema } from './tracking.js';

const isoInstant = z.iso.datetime({ offset: true });
/** A day, not an instant (DESIGN §3.10). */
const calendarDate = z.string().check(z.refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'));

export const destinationSchema = z.object({
  city: z.optional(z.string()),
  region: z.optional(z.string()),
  postalCode: z.optional(z.string()),
  country: z.optional(z.string()),
});
export type Destination = z.infer<typeof destinationSchema>;

/**
 * The person who bought an order (DESIGN §3.8): every event of the order identifies and describes this profile. Email
 * from `customerEmail`; name, phone and location from `billTo` (or from `shipTo` only when the ship-to person is the
 * buyer: see buyerOf in lib/normalise/snapshots.ts).
 */
export const customerSchema = z.object({
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  location: z.optional(destinationSchema),
  /** The order had an email no one can receive mail at (e.g. `1@1`): it is not sent; the phone identifies, if valid. */
  invalidEmail: z.optional(z.literal(true)),
});
export type Customer = z.infer<typeof customerSchema>;

export const lineItemSchema = z.object({
  sku: z.optional(z.string()),
  name: z.optional(z.string()),
  quantity: z.optional(z.number()),
  unitPrice: z.optional(z.number()),
  imageUrl: z.optional(z.string()),
});
export type LineItem = z.infer<typeof lineItemSchema>;

const common = {
  accountId: z.string().check(z.minLength(1)),
  orderId: z.number().check(z.int()),
  orderNumber: z.optional(z.string()),
  /** Where the parcel goes: event properties only, never the profile (a gift's recipient is not the buyer). */
  shipTo: destinationSchema,
  items: z.array(lineItemSchema),
  storeId: z.optional(z.number()),
  /** Found by an import or a backfill: its events are history, recorded with `backfill` so no flow fires. */
  history: z.optional(z.literal(true)),
};

export const orderSnapshotSchema = z.object({
  kind: z.literal('order'),
  ...common,
  /** The buyer. */
  customer: customerSchema,
  /** ShipStation's gift flag: the ship-to person is someone else, and must not learn of it from the buyer's messages. */
  gift: z.optional(z.boolean()),
  status: z.enum(ORDER_STATUSES),
  createdAt: isoInstant,
  modifiedAt: isoInstant,
  orderedAt: z.optional(isoInstant),
  /** The day the order is to be shipped "before or on" (ShipStation's definition), `YYYY-MM-DD`. */
  shipByDate: z.optional(calendarDate),
  /** The day an order on hold returns to awaiting shipment, `YYYY-MM-DD`. */
  holdUntilDate: z.optional(calendarDate),
  total: z.optional(z.number()),
  requestedShippingService: z.optional(z.string()),
  /**
   * Read from ShipStation API V2 (absent: V1). V2 knows less: no bill-to (its buyer is the ship-to person, none on a
   * gift) and no awaiting payment, so a V2 snapshot never replaces what V1 told (see decideOrderUpdate).
   */
  source: z.optional(z.literal('v2')),
});
export type OrderSnapshot = z.infer<typeof orderSnapshotSchema>;

/** What labels and fulfilments add: they carry no billTo, so their buyer is the order's (see publish-update). */
const shipping = {
  /** The label's or fulfilment's own `customerEmail` (often absent or null): used only when the order cannot be read. */
  customerEmail: z.optional(z.string()),
  /**
   * The snapshot already waited once for its order to reach the order state (the poll enqueues orders first), or came
   * from a webhook (nothing else brings the order): an order still unknown is fetched, not waited for again.
   */
  waitedForOrder: z.optional(z.literal(true)),
};

export const shipmentSnapshotSchema = z.object({
  kind: z.literal('shipment'),
  ...common,
  ...shipping,
  shipmentId: z.number().check(z.int()),
  createdAt: isoInstant,
  shipDate: z.optional(z.string()),
  carrierCode: z.optional(z.string()),
  serviceCode: z.optional(z.string()),
  trackingNumber: z.optional(z.string()),
  isReturnLabel: z.boolean(),
  voided: z.boolean(),
  voidedAt: z.optional(isoInstant),
});
export type ShipmentSnapshot = z.infer<typeof shipmentSnapshotSchema>;

export const fulfillmentSnapshotSchema = z.object({
  kind: z.literal('fulfillment'),
  ...common,
  ...shipping,
  fulfillmentId: z.number().check(z.int()),
  createdAt: isoInstant,
  shipDate: z.optional(z.string()),
  carrierCode: z.optional(z.string()),
  trackingNumber: z.optional(z.string()),
  provider: z.optional(z.string()),
  voided: z.boolean(),
  voidedAt: z.optional(isoInstant),
});
export type FulfillmentSnapshot = z.infer<typeof fulfillmentSnapshotSchema>;

const record = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a snapshot written by an earlier version (still on a queue, or kept in a due check across an upgrade):
 * `shipByAt` / `holdUntilAt` (Pacific midnight as an instant) become the Pacific calendar date they named, and a
 * label's or fulfilment's `customer.email` its `customerEmail`. Anything else is returned as it is.
 */
export function upgradeLegacySnapshot(raw: unknown): unknown {
  if (!record(raw)) return raw;
  const upgraded: Record<string, unknown> = { ...raw };
  const pacificDate = (value: unknown): string | undefined =>
    typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? calendarDateIn(value, 'America/Los_Angeles') : undefined;
  if (raw.kind === 'order') {
    if (upgraded.shipByDate === undefined && raw.shipByAt !== undefined) upgraded.shipByDate = pacificDate(raw.shipByAt);
    if (upgraded.holdUntilDate === undefined && raw.holdUntilAt !== undefined) upgraded.holdUntilDate = pacificDate(raw.holdUntilAt);
    delete upgraded.shipByAt;
    delete upgraded.holdUntilAt;
  } else if (
    (raw.kind === 'shipment' || raw.kind === 'fulfillment') &&
    upgraded.customerEmail === undefined &&
    record(raw.customer) &&
    typeof raw.customer.email === 'string'
  ) {
    upgraded.customerEmail = raw.customer.email;
  }
  return upgraded;
}

/** One message on the updates queue. */
export const snapshotSchema = z.pipe(
  z.transform(upgradeLegacySnapshot),
  z.discriminatedUnion('kind', [orderSnapshotSchema, shipmentSnapshotSchema, fulfillmentSnapshotSchema]),
);
export type Snapshot = z.infer<typeof snapshotSchema>;

/** One message on the updates queue: a snapshot, or a carrier tracking update (joined to its label on arrival). */
export const updateMessageSchema = z.pipe(
  z.transform(upgradeLegacySnapshot),
  z.discriminatedUnion('kind', [orderSnapshotSchema, shipmentSnapshotSchema, fulfillmentSnapshotSchema, trackingUpdateSchema]),
);
export type UpdateMessage = z.infer<typeof updateMessageSchema>;

/** One message on the history queue: many snapshots of one account, sent to Klaviyo in bulk. */
export const historyMessageSchema = z.object({
  accountId: z.string().check(z.minLength(1)),
  snapshots: z.array(snapshotSchema).check(z.minLength(1)),
});
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

/**
 * A history-queue message that asks for the account's bulk outbox to be sent: whatever waits there since `before`
 * (the put that queued this message) has had no full bulk request to join, so it goes now, in as few requests as it can.
 */
export const outboxFlushMessageSchema = z.object({
  accountId: z.string().check(z.minLength(1)),
  flushOutbox: z.object({ before: z.iso.datetime() }),
});
export type OutboxFlushMessage = z.infer<typeof outboxFlushMessageSchema>;

/** What the history queue carries: snapshots, or a request to send the account's waiting events. */
export const historyQueueMessageSchema = z.union([historyMessageSchema, outboxFlushMessageSchema]);

/** The instant a snapshot reports a change: an order's modifyDate, a label's or fulfilment's creation or void. */
export function changedAt(snapshot: Snapshot): string {
  if (snapshot.kind === 'order') return snapshot.modifiedAt;
  return snapshot.voided ? (snapshot.voidedAt ?? snapshot.createdAt) : snapshot.createdAt;
}

/** Whether a snapshot belongs to an account limited to some stores; records without a store id are kept. */
export function inStores(snapshot: Snapshot, storeIds: readonly number[] | undefined): boolean {
  return storeIds === undefined || snapshot.storeId === undefined || storeIds.includes(snapshot.storeId);
}

/** One message on the notifications queue: a webhook that passed the edge checks. */
export const notificationMessageSchema = z.object({
  accountId: z.string().check(z.minLength(1)),
  resourceUrl: z.string().check(z.url()),
  resourceType: z.string(),
  receivedAt: isoInstant,
});
export type NotificationMessage = z.infer<typeof notificationMessageSchema>;
