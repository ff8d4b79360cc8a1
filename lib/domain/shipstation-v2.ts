// ShipStation API V2 shapes as they arrive (zod, lenient where real payloads are: nulls, absent keys, `se-` ids), the
// V2 pointer webhooks, the status table, and the one identity shared with V1 (docs/configuration.md "Which ShipStation API?").
import * as z from './zod.js';
import type { OrderStatus } from './shipstation.js';

/**
 * V2 `shipment_status` → the V1 order status it means. `processing` (a label being bought) is known but says nothing
 * new: it maps to undefined and sends nothing. V2 has no `awaiting_payment`: a V2 `pending` is read as awaiting shipment.
 * Sources: the 2025-08 OpenAPI enum (pending, processing, label_purchased, cancelled) and the 2026 hold docs (on_hold).
 */
export const V2_SHIPMENT_STATUSES: Readonly<Record<string, OrderStatus | undefined>> = {
  pending: 'awaiting_shipment',
  on_hold: 'on_hold',
  cancelled: 'cancelled',
  label_purchased: 'shipped',
  processing: undefined,
};

/** Whether the product knows a V2 shipment status (one it does not is counted and logged once, and sends nothing). */
export const isKnownV2Status = (status: string): boolean => Object.hasOwn(V2_SHIPMENT_STATUSES, status);

/** The V2 pointer webhooks (`resource_type`): their `resource_url` names a list (see V2_WEBHOOK_RESOURCES in resource-url.ts). */
export const V2_RESOURCE_TYPES = ['SHIPMENT_CREATED_V2', 'LABEL_CREATED_V2', 'FULFILLMENT_SHIPPED_V2', 'FULFILLMENT_REJECTED_V2'] as const;
export type V2ResourceType = (typeof V2_RESOURCE_TYPES)[number];

/** The V2 lists the product reads (pointer webhooks, the poll). */
export type V2ListResource = 'shipments' | 'labels' | 'fulfillments';

export const isV2ResourceType = (type: string): type is V2ResourceType => (V2_RESOURCE_TYPES as readonly string[]).includes(type);

/** The V2 webhook events the product subscribes, by the `resource_type` their bodies carry. */
export const V2_WEBHOOK_EVENTS = {
  shipment_created_v2: 'SHIPMENT_CREATED_V2',
  label_created_v2: 'LABEL_CREATED_V2',
  fulfillment_shipped_v2: 'FULFILLMENT_SHIPPED_V2',
  fulfillment_rejected_v2: 'FULFILLMENT_REJECTED_V2',
  track_event_v2: 'TRACK_EVENT_V2',
} as const;

/** The largest id kept as a V1 number (the V1 ids are 32-bit; this leaves room and stays exact in a double). */
const MAX_NUMERIC_ID = 2 ** 52;

/** FNV-1a over the text, 52 bits: a stable number for an id that carries none. */
function hash52(text: string): number {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return Number(h & BigInt(MAX_NUMERIC_ID - 1)) + 1;
}

/**
 * The V1 id a V2 id names (docs/configuration.md "One identity across APIs"): `se-12345678` is V1 `12345678` (ShipStation's migration
 * guide: shipment_id ↔ orderId, label_id ↔ shipmentId; we read fulfilment ids the same way). An id without that form
 * (a record only V2 knows, in a form we have not seen) gets a stable negative number from a hash of its text, so it
 * never collides with a V1 id and names the same record on every sighting.
 */
export function v1IdOf(v2Id: string): number {
  const match = /^se-(\d{1,15})$/.exec(v2Id.trim());
  if (match?.[1] !== undefined) return Number(match[1]);
  return -hash52(v2Id.trim());
}

const text = z.nullish(z.string());
const money = z.nullish(z.looseObject({ amount: z.nullish(z.number()), currency: text }));

/** A V2 address (ship_to). `geolocation` is null on shipments and `[]` on labels in real data: not read. */
export const v2AddressSchema = z.looseObject({
  name: text,
  phone: text,
  email: text,
  company_name: text,
  city_locality: text,
  state_province: text,
  postal_code: text,
  country_code: text,
});
export type V2Address = z.infer<typeof v2AddressSchema>;

export const v2ItemSchema = z.looseObject({
  name: text,
  sku: text,
  quantity: z.nullish(z.number()),
  unit_price: z.nullish(z.number()),
  image_url: text,
});

/** A V2 shipment: what V1 calls an order. */
export const v2ShipmentSchema = z.looseObject({
  shipment_id: z.string().check(z.minLength(1)),
  shipment_number: text,
  external_shipment_id: text,
  shipment_status: z.string(),
  created_at: z.string(),
  modified_at: z.string(),
  ship_by_date: text,
  hold_until_date: text,
  requested_shipment_service: text,
  store_id: text,
  is_gift: z.nullish(z.boolean()),
  ship_to: z.nullish(v2AddressSchema),
  items: z.nullish(z.array(v2ItemSchema)),
  amount_paid: money,
});
export type V2Shipment = z.infer<typeof v2ShipmentSchema>;

/** A V2 label: what V1 calls a shipment. */
export const v2LabelSchema = z.looseObject({
  label_id: z.string().check(z.minLength(1)),
  shipment_id: z.string().check(z.minLength(1)),
  status: text,
  created_at: z.string(),
  ship_date: text,
  tracking_number: text,
  is_return_label: z.nullish(z.boolean()),
  carrier_code: text,
  service_code: text,
  voided: z.nullish(z.boolean()),
  voided_at: text,
  tracking_url: text,
  ship_to: z.nullish(v2AddressSchema),
});
export type V2Label = z.infer<typeof v2LabelSchema>;

/** A V2 fulfilment ("Mark as Shipped", a fulfilment partner); shape from a recorded response (the 2025-08 spec has none). */
export const v2FulfillmentSchema = z.looseObject({
  fulfillment_id: z.string().check(z.minLength(1)),
  shipment_id: z.string().check(z.minLength(1)),
  shipment_number: text,
  tracking_number: text,
  created_at: z.string(),
  ship_date: text,
  voided: z.nullish(z.boolean()),
  voided_at: text,
  fulfillment_carrier_friendly_name: text,
  fulfillment_provider_friendly_name: text,
  fulfillment_provider_code: text,
  ship_to: z.nullish(v2AddressSchema),
});
export type V2Fulfillment = z.infer<typeof v2FulfillmentSchema>;

/**
 * Metrics only V1 can tell: V2 has no awaiting-payment or pending-fulfilment state (its `pending` is read as awaiting
 * shipment). An account on V2 only never sends them.
 */
export const METRICS_NEEDING_V1 = ['Order Awaiting Payment', 'Order Pending Fulfillment'] as const;

/** Metrics only V2 can tell: carrier tracking comes in V2's signed TRACK_EVENT_V2 webhooks. An account on V1 only never sends them. */
export const METRICS_NEEDING_V2 = [
  'Shipment In Transit',
  'Shipment Out For Delivery',
  'Delivery Attempted',
  'Shipment Exception',
  'Order Delivered',
  'Shipment Stalled',
] as const;
