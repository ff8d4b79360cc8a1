// Snapshots: one order, shipment or fulfilment as seen at one moment, normalised (UTC instants, E.164 phones).
// They travel on the updates queue from fetch-resource (and later the poll) to publish-events.
import * as z from 'zod';
import { ORDER_STATUSES } from './shipstation.js';
import { trackingUpdateSchema } from './tracking.js';

const isoInstant = z.iso.datetime({ offset: true });

export const customerSchema = z.object({
  email: z.string().optional(),
  phone: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});
export type Customer = z.infer<typeof customerSchema>;

export const destinationSchema = z.object({
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().optional(),
});
export type Destination = z.infer<typeof destinationSchema>;

export const lineItemSchema = z.object({
  sku: z.string().optional(),
  name: z.string().optional(),
  quantity: z.number().optional(),
  unitPrice: z.number().optional(),
  imageUrl: z.string().optional(),
});
export type LineItem = z.infer<typeof lineItemSchema>;

const common = {
  accountId: z.string().min(1),
  orderId: z.number().int(),
  orderNumber: z.string().optional(),
  customer: customerSchema,
  shipTo: destinationSchema,
  items: z.array(lineItemSchema),
  storeId: z.number().optional(),
  /** Found by an import or a backfill: its events are history, recorded with `backfill` so no flow fires. */
  history: z.literal(true).optional(),
};

export const orderSnapshotSchema = z.object({
  kind: z.literal('order'),
  ...common,
  status: z.enum(ORDER_STATUSES),
  createdAt: isoInstant,
  modifiedAt: isoInstant,
  orderedAt: isoInstant.optional(),
  shipByAt: isoInstant.optional(),
  holdUntilAt: isoInstant.optional(),
  total: z.number().optional(),
  requestedShippingService: z.string().optional(),
});
export type OrderSnapshot = z.infer<typeof orderSnapshotSchema>;

export const shipmentSnapshotSchema = z.object({
  kind: z.literal('shipment'),
  ...common,
  shipmentId: z.number().int(),
  createdAt: isoInstant,
  shipDate: z.string().optional(),
  carrierCode: z.string().optional(),
  serviceCode: z.string().optional(),
  trackingNumber: z.string().optional(),
  isReturnLabel: z.boolean(),
  voided: z.boolean(),
  voidedAt: isoInstant.optional(),
});
export type ShipmentSnapshot = z.infer<typeof shipmentSnapshotSchema>;

export const fulfillmentSnapshotSchema = z.object({
  kind: z.literal('fulfillment'),
  ...common,
  fulfillmentId: z.number().int(),
  createdAt: isoInstant,
  shipDate: z.string().optional(),
  carrierCode: z.string().optional(),
  trackingNumber: z.string().optional(),
  provider: z.string().optional(),
  voided: z.boolean(),
  voidedAt: isoInstant.optional(),
});
export type FulfillmentSnapshot = z.infer<typeof fulfillmentSnapshotSchema>;

/** One message on the updates queue. */
export const snapshotSchema = z.discriminatedUnion('kind', [
  orderSnapshotSchema,
  shipmentSnapshotSchema,
  fulfillmentSnapshotSchema,
]);
export type Snapshot = z.infer<typeof snapshotSchema>;

/** One message on the updates queue: a snapshot, or a carrier tracking update (joined to its label on arrival). */
export const updateMessageSchema = z.discriminatedUnion('kind', [
  orderSnapshotSchema,
  shipmentSnapshotSchema,
  fulfillmentSnapshotSchema,
  trackingUpdateSchema,
]);
export type UpdateMessage = z.infer<typeof updateMessageSchema>;

/** One message on the history queue: many snapshots of one account, sent to Klaviyo in bulk. */
export const historyMessageSchema = z.object({
  accountId: z.string().min(1),
  snapshots: z.array(snapshotSchema).min(1),
});
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

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
  accountId: z.string().min(1),
  resourceUrl: z.string().url(),
  resourceType: z.string(),
  receivedAt: isoInstant,
});
export type NotificationMessage = z.infer<typeof notificationMessageSchema>;
