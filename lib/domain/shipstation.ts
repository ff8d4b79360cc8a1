// ShipStation V1 shapes as they arrive (zod, lenient where the real API is) and the webhook notification body.
import * as z from './zod.js';

/** Every V1 order status (the official enum; some client libraries miss the last two). */
export const ORDER_STATUSES = [
  'awaiting_payment',
  'awaiting_shipment',
  'pending_fulfillment',
  'shipped',
  'on_hold',
  'cancelled',
  'rejected_fulfillment',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Webhook events ShipStation V1 can send; all six are acted on. */
export const WEBHOOK_RESOURCE_TYPES = [
  'ORDER_NOTIFY',
  'ITEM_ORDER_NOTIFY',
  'SHIP_NOTIFY',
  'ITEM_SHIP_NOTIFY',
  'FULFILLMENT_SHIPPED',
  'FULFILLMENT_REJECTED',
] as const;
export type WebhookResourceType = (typeof WEBHOOK_RESOURCE_TYPES)[number];

/** The thin V1 webhook body: a URL to fetch and what kind of resource it names. */
export const webhookNotificationSchema = z.object({
  resource_url: z.string().check(z.minLength(1), z.maxLength(2048)),
  resource_type: z.string().check(z.minLength(1), z.maxLength(64)),
});
export type WebhookNotification = z.infer<typeof webhookNotificationSchema>;

/** A webhook body after the edge read it: the notification, or why it is not one. */
export type ParsedNotification = { ok: true; value: WebhookNotification } | { ok: false; reason: string };

const text = z.nullish(z.string());
const amount = z.nullish(z.number());

export const addressSchema = z.looseObject({
  name: text,
  company: text,
  street1: text,
  city: text,
  state: text,
  postalCode: text,
  country: text,
  phone: text,
});
export type ShipStationAddress = z.infer<typeof addressSchema>;

export const orderItemSchema = z.looseObject({
  orderItemId: z.nullish(z.number()),
  lineItemKey: text,
  sku: text,
  name: text,
  imageUrl: text,
  quantity: z.nullish(z.number()),
  unitPrice: amount,
  adjustment: z.nullish(z.boolean()),
});
export type ShipStationOrderItem = z.infer<typeof orderItemSchema>;

export const orderSchema = z.looseObject({
  orderId: z.number().check(z.int()),
  orderNumber: z.string(),
  orderKey: text,
  orderDate: text,
  /** Null in a recorded order (skuvault's test data): then modifyDate stands in ("equals createDate until first modified"). */
  createDate: text,
  modifyDate: z.string(),
  paymentDate: text,
  shipByDate: text,
  orderStatus: z.enum(ORDER_STATUSES),
  customerId: z.nullish(z.number()),
  customerEmail: text,
  billTo: z.nullish(addressSchema),
  shipTo: z.nullish(addressSchema),
  gift: z.nullish(z.boolean()),
  items: z.nullish(z.array(orderItemSchema)),
  orderTotal: amount,
  requestedShippingService: text,
  carrierCode: text,
  serviceCode: text,
  holdUntilDate: text,
  advancedOptions: z.nullish(z.looseObject({ storeId: z.nullish(z.number()) })),
});
export type ShipStationOrder = z.infer<typeof orderSchema>;

export const shipmentSchema = z.looseObject({
  shipmentId: z.number().check(z.int()),
  orderId: z.number().check(z.int()),
  orderNumber: text,
  customerEmail: text,
  createDate: z.string(),
  shipDate: text,
  trackingNumber: text,
  isReturnLabel: z.nullish(z.boolean()),
  carrierCode: text,
  serviceCode: text,
  voided: z.nullish(z.boolean()),
  voidDate: text,
  shipTo: z.nullish(addressSchema),
  shipmentItems: z.nullish(z.array(orderItemSchema)),
  advancedOptions: z.nullish(z.looseObject({ storeId: z.nullish(z.number()) })),
});
export type ShipStationShipment = z.infer<typeof shipmentSchema>;

export const fulfillmentSchema = z.looseObject({
  fulfillmentId: z.number().check(z.int()),
  orderId: z.number().check(z.int()),
  orderNumber: text,
  customerEmail: text,
  trackingNumber: text,
  createDate: z.string(),
  shipDate: text,
  voidDate: text,
  deliveryDate: text,
  carrierCode: text,
  fulfillmentProviderCode: text,
  sellerFillProviderName: text,
  voided: z.nullish(z.boolean()),
  shipTo: z.nullish(addressSchema),
});
export type ShipStationFulfillment = z.infer<typeof fulfillmentSchema>;

/** The V1 list endpoints we read; each page carries its records under the same name (`{orders: […], total, page, pages}`). */
export type ListResource = 'orders' | 'shipments' | 'fulfillments';

/** The key a list page carries its records under: V1's lists, and V2's `labels` (V2's `shipments`/`fulfillments` too). */
export type ListKey = ListResource | 'labels';

const pageCount = z.nullish(z.number().check(z.int(), z.nonnegative()));
const listPageSchemaOf = <R extends ListKey>(resource: R) =>
  z.looseObject({ [resource]: z.array(z.unknown()), total: pageCount, page: pageCount, pages: pageCount } as Record<R, z.ZodMiniArray<z.ZodMiniUnknown>> & {
    total: typeof pageCount;
    page: typeof pageCount;
    pages: typeof pageCount;
  });
const listPageSchemas = {
  orders: listPageSchemaOf('orders'),
  shipments: listPageSchemaOf('shipments'),
  fulfillments: listPageSchemaOf('fulfillments'),
  labels: listPageSchemaOf('labels'),
};

/** One page of a list endpoint: its records (still unparsed) and the counts ShipStation gave, if any. */
export interface ListPage {
  records: unknown[];
  total?: number;
  page?: number;
  pages?: number;
}

/**
 * Reads a page of one list endpoint, V1's or V2's (`{labels: […], total, page, pages, links}`). Its list is required: a 200 without it (an error object, a CDN's page) is not a
 * page, never an empty one. The counts are optional (a webhook resource may come without them) but whole numbers when
 * present. Records are parsed one by one later, so one odd record cannot sink the whole page.
 * @returns the page, or what is wrong with the body (a path and a message, no values)
 */
export function parseListPage(resource: ListKey, body: unknown): { ok: true; page: ListPage } | { ok: false; problem: string } {
  const parsed = listPageSchemas[resource].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'unexpected shape'}` };
  }
  const { total, page, pages } = parsed.data;
  const records = (parsed.data as Record<ListKey, unknown[]>)[resource];
  return { ok: true, page: { records, ...(total == null ? {} : { total }), ...(page == null ? {} : { page }), ...(pages == null ? {} : { pages }) } };
}

const webhookId = z.union([z.number().check(z.int()), z.string().check(z.minLength(1))]);

/** One subscription as `GET /webhooks` lists it, in ShipStation's casing; some sources leave out `Url` and `Name`. */
export const webhookSubscriptionSchema = z.looseObject({
  WebHookID: webhookId,
  HookType: z.string(),
  Url: text,
  StoreID: z.nullish(z.number().check(z.int())),
  Name: text,
});
export type ShipStationWebhookSubscription = z.infer<typeof webhookSubscriptionSchema>;

/** `GET /webhooks`: sources disagree between `{webhooks: [...]}` and a bare array, so both are read. */
export const webhookListSchema = z.pipe(
  z.union([z.array(webhookSubscriptionSchema), z.looseObject({ webhooks: z.nullish(z.array(webhookSubscriptionSchema)) })]),
  z.transform((body): ShipStationWebhookSubscription[] => (Array.isArray(body) ? body : (body.webhooks ?? []))),
);

/** `POST /webhooks/subscribe` answers `{id}` (client libraries, the simulator) or `{WebHookID}` (the official page). */
export const subscribedWebhookSchema = z.pipe(
  z.union([z.looseObject({ id: webhookId }), z.looseObject({ WebHookID: webhookId })]),
  z.transform((body): string => String('id' in body && (typeof body.id === 'number' || typeof body.id === 'string') ? body.id : body.WebHookID)),
);
