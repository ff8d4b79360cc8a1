// Snapshot → Klaviyo events (DESIGN §4). Pure: metric names, properties, unique ids and the backfill flag.
import { describeCarrier } from './carriers.js';
import type { KlaviyoEvent, KlaviyoProfile, PropertyValue } from './klaviyo-event.js';
import type { OrderStatus } from './shipstation.js';
import type { Customer, Destination, FulfillmentSnapshot, LineItem, OrderSnapshot, ShipmentSnapshot } from './snapshot.js';

/**
 * Metric per order status. Names mirror Klaviyo's native ShipStation integration so existing flows keep working.
 * `shipped` has no order-level event: each label and each fulfilment sends its own `Order Shipped` with tracking, and
 * an order-level one as well would message the customer twice.
 */
export const STATUS_METRICS: Record<OrderStatus, string | undefined> = {
  awaiting_payment: 'Order Awaiting Payment',
  awaiting_shipment: 'Order Awaiting Shipment',
  pending_fulfillment: 'Order Pending Fulfillment',
  on_hold: 'Order On Hold',
  cancelled: 'Order Cancelled',
  rejected_fulfillment: 'Order Fulfillment Rejected',
  shipped: undefined,
};

export const SHIPMENT_METRICS = {
  shipped: 'Order Shipped',
  voided: 'Shipment Voided',
  returnLabel: 'Return Label Created',
} as const;

/** Settings that shape events for one account. */
export interface MappingContext {
  accountId: string;
  metricPrefix: string;
  /** Events older than this many hours at send time are sent with backfill so they trigger no flow. */
  backfillAfterHours: number;
  now: Date;
  /** The snapshot came from an import or a backfill: every event it implies is history. */
  history?: boolean;
}

/** Identity of one logical event (DESIGN §3.2): account, ShipStation id, what happened and, for statuses, since when. */
export const uniqueIds = {
  orderStatus: (accountId: string, orderId: number, status: OrderStatus, since: string): string =>
    `ss:${accountId}:order:${orderId}:${status}:${since.replace(/\.\d+/, '').replace(/[-:]/g, '')}`,
  shipment: (accountId: string, shipmentId: number, what: 'shipped' | 'voided' | 'return'): string =>
    `ss:${accountId}:shipment:${shipmentId}:${what}`,
  fulfillment: (accountId: string, fulfillmentId: number, what: 'shipped' | 'voided'): string =>
    `ss:${accountId}:fulfillment:${fulfillmentId}:${what}`,
};

const defined = <T extends Record<string, PropertyValue | undefined>>(value: T): Record<string, PropertyValue> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Record<string, PropertyValue>;

function itemProperties(items: LineItem[]): Record<string, PropertyValue> {
  const rows = items.map((item) => defined({
    SKU: item.sku,
    ProductName: item.name,
    Quantity: item.quantity,
    ItemPrice: item.unitPrice,
    ImageURL: item.imageUrl,
  }));
  return {
    Items: rows,
    ItemNames: items.map((i) => i.name).filter((n): n is string => n !== undefined && n !== ''),
    SKUs: items.map((i) => i.sku).filter((s): s is string => s !== undefined && s !== ''),
    ItemCount: items.reduce((sum, i) => sum + (i.quantity ?? 0), 0),
  };
}

function destinationProperties(shipTo: Destination): Record<string, PropertyValue> {
  return defined({ ShipToCity: shipTo.city, ShipToRegion: shipTo.region, ShipToPostalCode: shipTo.postalCode, ShipToCountry: shipTo.country });
}

function profileOf(customer: Customer, shipTo: Destination): KlaviyoProfile {
  return {
    email: customer.email,
    phoneNumber: customer.phone,
    firstName: customer.firstName,
    lastName: customer.lastName,
    location: { city: shipTo.city, region: shipTo.region, zip: shipTo.postalCode, country: shipTo.country },
  };
}

function isBackfill(time: string, context: MappingContext): boolean {
  return context.history === true || context.now.getTime() - Date.parse(time) > context.backfillAfterHours * 3_600_000;
}

function event(context: MappingContext, fields: Omit<KlaviyoEvent, 'accountId' | 'backfill' | 'metric'> & { metric: string }): KlaviyoEvent {
  return {
    ...fields,
    accountId: context.accountId,
    metric: `${context.metricPrefix}${fields.metric}`,
    backfill: isBackfill(fields.time, context),
  };
}

/** The status event an order implies since `statusSince`, or undefined for `shipped` (see STATUS_METRICS). */
export function orderStatusEvent(snapshot: OrderSnapshot, statusSince: string, context: MappingContext): KlaviyoEvent | undefined {
  const metric = STATUS_METRICS[snapshot.status];
  if (metric === undefined) return undefined;
  return event(context, {
    metric,
    time: statusSince,
    uniqueId: uniqueIds.orderStatus(context.accountId, snapshot.orderId, snapshot.status, statusSince),
    value: snapshot.total,
    orderId: snapshot.orderId,
    profile: profileOf(snapshot.customer, snapshot.shipTo),
    properties: defined({
      OrderId: String(snapshot.orderId),
      OrderNumber: snapshot.orderNumber,
      Status: snapshot.status,
      OrderDate: snapshot.orderedAt,
      ShipByDate: snapshot.shipByAt,
      HoldUntilDate: snapshot.status === 'on_hold' ? snapshot.holdUntilAt : undefined,
      RequestedShippingService: snapshot.requestedShippingService,
      StoreId: snapshot.storeId,
      Source: 'ShipStation',
      ...itemProperties(snapshot.items),
      ...destinationProperties(snapshot.shipTo),
    }),
  });
}

interface OrderSummary {
  orderNumber?: string;
  total?: number;
}

/** `Order Shipped` for a label (or `Return Label Created` for a return label). */
export function shipmentShippedEvent(snapshot: ShipmentSnapshot, order: OrderSummary | undefined, context: MappingContext): KlaviyoEvent {
  const { carrier, trackingUrl } = describeCarrier(snapshot.carrierCode, snapshot.trackingNumber);
  const isReturn = snapshot.isReturnLabel;
  return event(context, {
    metric: isReturn ? SHIPMENT_METRICS.returnLabel : SHIPMENT_METRICS.shipped,
    time: snapshot.createdAt,
    uniqueId: uniqueIds.shipment(context.accountId, snapshot.shipmentId, isReturn ? 'return' : 'shipped'),
    value: order?.total,
    orderId: snapshot.orderId,
    profile: profileOf(snapshot.customer, snapshot.shipTo),
    properties: defined({
      OrderId: String(snapshot.orderId),
      OrderNumber: snapshot.orderNumber ?? order?.orderNumber,
      ShipmentId: String(snapshot.shipmentId),
      FulfillmentType: 'label',
      Carrier: carrier,
      CarrierCode: snapshot.carrierCode,
      Service: snapshot.serviceCode,
      TrackingNumber: snapshot.trackingNumber,
      TrackingURL: trackingUrl,
      ShipDate: snapshot.shipDate,
      StoreId: snapshot.storeId,
      Source: 'ShipStation',
      ...itemProperties(snapshot.items),
      ...destinationProperties(snapshot.shipTo),
    }),
  });
}

/** `Shipment Voided`: sent only when the label's `Order Shipped` already went out. */
export function shipmentVoidedEvent(snapshot: ShipmentSnapshot, order: OrderSummary | undefined, context: MappingContext): KlaviyoEvent {
  const shipped = shipmentShippedEvent(snapshot, order, context);
  const time = snapshot.voidedAt ?? context.now.toISOString();
  return {
    ...shipped,
    metric: `${context.metricPrefix}${SHIPMENT_METRICS.voided}`,
    time,
    uniqueId: uniqueIds.shipment(context.accountId, snapshot.shipmentId, 'voided'),
    backfill: isBackfill(time, context),
  };
}

/** `Order Shipped` for a fulfilment: "Mark as Shipped" or a fulfilment partner (no label, no SHIP_NOTIFY). */
export function fulfillmentShippedEvent(snapshot: FulfillmentSnapshot, order: OrderSummary | undefined, context: MappingContext): KlaviyoEvent {
  const { carrier, trackingUrl } = describeCarrier(snapshot.carrierCode, snapshot.trackingNumber);
  return event(context, {
    metric: SHIPMENT_METRICS.shipped,
    time: snapshot.createdAt,
    uniqueId: uniqueIds.fulfillment(context.accountId, snapshot.fulfillmentId, 'shipped'),
    value: order?.total,
    orderId: snapshot.orderId,
    profile: profileOf(snapshot.customer, snapshot.shipTo),
    properties: defined({
      OrderId: String(snapshot.orderId),
      OrderNumber: snapshot.orderNumber ?? order?.orderNumber,
      FulfillmentId: String(snapshot.fulfillmentId),
      FulfillmentType: 'fulfillment',
      FulfillmentProvider: snapshot.provider,
      Carrier: carrier,
      CarrierCode: snapshot.carrierCode,
      TrackingNumber: snapshot.trackingNumber,
      TrackingURL: trackingUrl,
      ShipDate: snapshot.shipDate,
      StoreId: snapshot.storeId,
      Source: 'ShipStation',
      ...itemProperties(snapshot.items),
      ...destinationProperties(snapshot.shipTo),
    }),
  });
}

/** `Shipment Voided` for a fulfilment whose `Order Shipped` already went out. */
export function fulfillmentVoidedEvent(snapshot: FulfillmentSnapshot, order: OrderSummary | undefined, context: MappingContext): KlaviyoEvent {
  const shipped = fulfillmentShippedEvent(snapshot, order, context);
  const time = snapshot.voidedAt ?? context.now.toISOString();
  return {
    ...shipped,
    metric: `${context.metricPrefix}${SHIPMENT_METRICS.voided}`,
    time,
    uniqueId: uniqueIds.fulfillment(context.accountId, snapshot.fulfillmentId, 'voided'),
    backfill: isBackfill(time, context),
  };
}
