// Snapshot → Klaviyo events (DESIGN §4). Pure: metric names, properties, unique ids and the backfill flag.
import { describeCarrier } from './carriers.js';
import type { KlaviyoEvent, KlaviyoProfile, PropertyValue } from './klaviyo-event.js';
import { ORDER_STATUS_RULES, STATUS_METRICS } from './order-status.js';
import type { OrderStatus } from './shipstation.js';
import type { DelayReason, Milestone, ShipmentRecord, TrackingProgress } from './shipment-tracking.js';
import type { Customer, Destination, FulfillmentSnapshot, LineItem, OrderSnapshot, ShipmentSnapshot } from './snapshot.js';

/** Metric per order status: derived from ORDER_STATUS_RULES, exported here where callers found it. */
export { STATUS_METRICS };

/** Metrics of labels and fulfilments. */
export const SHIPMENT_METRICS = {
  shipped: 'Order Shipped',
  voided: 'Shipment Voided',
  returnLabel: 'Return Label Created',
} as const;

/** Metric per tracking milestone (ShipStation V2 tracking webhooks). */
export const TRACKING_METRICS: Record<Milestone['category'], string> = {
  in_transit: 'Shipment In Transit',
  out_for_delivery: 'Shipment Out For Delivery',
  attempted: 'Delivery Attempted',
  exception: 'Shipment Exception',
  delivered: 'Order Delivered',
};

/** Metrics derived from time passing without news. */
export const DELAY_METRICS = {
  orderDelayed: 'Order Delayed',
  shipmentStalled: 'Shipment Stalled',
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

/** `2026-07-04T17:20:00.000Z` → `20260704T172000Z`, the time part of a unique id. */
const compactTime = (iso: string): string => iso.replace(/\.\d+/, '').replace(/[-:]/g, '');

/** `label:123` → `shipment:123`, as the label's own events name it; `fulfillment:9` stays. */
const shipmentIdPart = (shipmentKey: string): string => shipmentKey.replace(/^label:/, 'shipment:');

/** Identity of one logical event (DESIGN §3.2): account, ShipStation id, what happened and, for statuses, since when. */
export const uniqueIds = {
  orderStatus: (accountId: string, orderId: number, status: OrderStatus, since: string): string =>
    `ss:${accountId}:order:${orderId}:${status}:${compactTime(since)}`,
  /**
   * In Transit and Delivered happen once per package; out for delivery, attempts and exceptions can recur (a second
   * delivery day, another attempt), so each occurrence is told apart by when it began.
   */
  tracking: (accountId: string, shipmentKey: string, milestone: Milestone): string =>
    milestone.category === 'in_transit' || milestone.category === 'delivered'
      ? `ss:${accountId}:${shipmentIdPart(shipmentKey)}:${milestone.category}`
      : `ss:${accountId}:${shipmentIdPart(shipmentKey)}:${milestone.category}:${compactTime(milestone.since)}`,
  orderDelayed: (accountId: string, orderId: number): string => `ss:${accountId}:order:${orderId}:delayed`,
  shipmentStalled: (accountId: string, shipmentKey: string): string => `ss:${accountId}:${shipmentIdPart(shipmentKey)}:stalled`,
  shipment: (accountId: string, shipmentId: number, what: 'shipped' | 'voided' | 'return'): string => `ss:${accountId}:shipment:${shipmentId}:${what}`,
  fulfillment: (accountId: string, fulfillmentId: number, what: 'shipped' | 'voided'): string => `ss:${accountId}:fulfillment:${fulfillmentId}:${what}`,
};

const defined = <T extends Record<string, PropertyValue | undefined>>(value: T): Record<string, PropertyValue> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Record<string, PropertyValue>;

function itemProperties(items: LineItem[]): Record<string, PropertyValue> {
  const rows = items.map((item) =>
    defined({
      SKU: item.sku,
      ProductName: item.name,
      Quantity: item.quantity,
      ItemPrice: item.unitPrice,
      ImageURL: item.imageUrl,
    }),
  );
  return {
    Items: rows,
    ItemNames: items.map((i) => i.name).filter((n): n is string => n !== undefined && n !== ''),
    SKUs: items.map((i) => i.sku).filter((s): s is string => s !== undefined && s !== ''),
    ItemCount: items.reduce((sum, i) => sum + (i.quantity ?? 0), 0),
  };
}

/** Where the parcel goes, and whether it is a gift: event properties (segment by region), never profile attributes. */
function destinationProperties(shipTo: Destination, gift: boolean | undefined): Record<string, PropertyValue> {
  return defined({ ShipToCity: shipTo.city, ShipToRegion: shipTo.region, ShipToPostalCode: shipTo.postalCode, ShipToCountry: shipTo.country, IsGift: gift });
}

/** The buyer as a Klaviyo profile (DESIGN §3.8): whichever record announced the event, the profile is the buyer's. */
function profileOf(buyer: Customer): KlaviyoProfile {
  const place = buyer.location;
  return {
    email: buyer.email,
    phoneNumber: buyer.phone,
    firstName: buyer.firstName,
    lastName: buyer.lastName,
    ...(place === undefined ? {} : { location: { city: place.city, region: place.region, zip: place.postalCode, country: place.country } }),
    ...(buyer.invalidEmail === true ? { emailRejected: true as const } : {}),
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

/** What every order-level event says about the order (status events, Order Delayed). */
function orderProperties(snapshot: OrderSnapshot): Record<string, PropertyValue> {
  return defined({
    OrderId: String(snapshot.orderId),
    OrderNumber: snapshot.orderNumber,
    Status: snapshot.status,
    OrderDate: snapshot.orderedAt,
    ShipByDate: snapshot.shipByDate,
    HoldUntilDate: ORDER_STATUS_RULES[snapshot.status].showsHoldUntilDate ? snapshot.holdUntilDate : undefined,
    RequestedShippingService: snapshot.requestedShippingService,
    StoreId: snapshot.storeId,
    Source: 'ShipStation',
    ...itemProperties(snapshot.items),
    ...destinationProperties(snapshot.shipTo, snapshot.gift),
  });
}

/** The status event an order implies since `statusSince`, or undefined for `shipped` (see ORDER_STATUS_RULES). */
export function orderStatusEvent(snapshot: OrderSnapshot, statusSince: string, context: MappingContext): KlaviyoEvent | undefined {
  const { metric } = ORDER_STATUS_RULES[snapshot.status];
  if (metric === undefined) return undefined;
  return event(context, {
    metric,
    time: statusSince,
    uniqueId: uniqueIds.orderStatus(context.accountId, snapshot.orderId, snapshot.status, statusSince),
    value: snapshot.total,
    orderId: snapshot.orderId,
    profile: profileOf(snapshot.customer),
    properties: orderProperties(snapshot),
  });
}

/**
 * What a label's or fulfilment's events take from its order (the order state, or the order read for it): labels and
 * fulfilments carry no bill-to, so the buyer, and the items a fulfilment lacks, come from here.
 */
export interface OrderFacts {
  orderNumber?: string;
  total?: number;
  buyer: Customer;
  items?: LineItem[];
  gift?: boolean;
}

/** The facts an order snapshot gives the label and fulfilment events of the same order. */
export function orderFactsOf(order: OrderSnapshot): OrderFacts {
  return { orderNumber: order.orderNumber, total: order.total, buyer: order.customer, items: order.items, gift: order.gift };
}

/**
 * What is left when the order cannot be read (deleted in ShipStation, the key refused): the label's own email identifies
 * the buyer (it is the order's `customerEmail`), and nothing else is said about them.
 */
export function emailOnlyFacts(email: string | undefined, order?: { orderNumber?: string; total?: number }): OrderFacts {
  return { orderNumber: order?.orderNumber, total: order?.total, buyer: email === undefined ? {} : { email } };
}

/** The items of a shipment event: the label's own (a split order ships some), else the order's. */
const shipmentItems = (own: LineItem[], order: OrderFacts): LineItem[] => (own.length > 0 ? own : (order.items ?? []));

/** `Order Shipped` for a label (or `Return Label Created` for a return label). */
export function shipmentShippedEvent(snapshot: ShipmentSnapshot, order: OrderFacts, context: MappingContext, serviceName?: string): KlaviyoEvent {
  const { carrier, trackingUrl } = describeCarrier(snapshot.carrierCode, snapshot.trackingNumber);
  const isReturn = snapshot.isReturnLabel;
  return event(context, {
    metric: isReturn ? SHIPMENT_METRICS.returnLabel : SHIPMENT_METRICS.shipped,
    time: snapshot.createdAt,
    uniqueId: uniqueIds.shipment(context.accountId, snapshot.shipmentId, isReturn ? 'return' : 'shipped'),
    value: order.total,
    orderId: snapshot.orderId,
    profile: profileOf(order.buyer),
    properties: defined({
      OrderId: String(snapshot.orderId),
      OrderNumber: snapshot.orderNumber ?? order.orderNumber,
      ShipmentId: String(snapshot.shipmentId),
      FulfillmentType: 'label',
      Carrier: carrier,
      CarrierCode: snapshot.carrierCode,
      Service: serviceName,
      ServiceCode: snapshot.serviceCode,
      TrackingNumber: snapshot.trackingNumber,
      TrackingURL: trackingUrl,
      ShipDate: snapshot.shipDate,
      StoreId: snapshot.storeId,
      Source: 'ShipStation',
      ...itemProperties(shipmentItems(snapshot.items, order)),
      ...destinationProperties(snapshot.shipTo, order.gift),
    }),
  });
}

/** `Shipment Voided`: sent only when the label's `Order Shipped` already went out. */
export function shipmentVoidedEvent(snapshot: ShipmentSnapshot, order: OrderFacts, context: MappingContext, serviceName?: string): KlaviyoEvent {
  const shipped = shipmentShippedEvent(snapshot, order, context, serviceName);
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
export function fulfillmentShippedEvent(snapshot: FulfillmentSnapshot, order: OrderFacts, context: MappingContext): KlaviyoEvent {
  const { carrier, trackingUrl } = describeCarrier(snapshot.carrierCode, snapshot.trackingNumber);
  return event(context, {
    metric: SHIPMENT_METRICS.shipped,
    time: snapshot.createdAt,
    uniqueId: uniqueIds.fulfillment(context.accountId, snapshot.fulfillmentId, 'shipped'),
    value: order.total,
    orderId: snapshot.orderId,
    profile: profileOf(order.buyer),
    properties: defined({
      OrderId: String(snapshot.orderId),
      OrderNumber: snapshot.orderNumber ?? order.orderNumber,
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
      ...itemProperties(shipmentItems(snapshot.items, order)),
      ...destinationProperties(snapshot.shipTo, order.gift),
    }),
  });
}

/** `Shipment Voided` for a fulfilment whose `Order Shipped` already went out. */
export function fulfillmentVoidedEvent(snapshot: FulfillmentSnapshot, order: OrderFacts, context: MappingContext): KlaviyoEvent {
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

/** Who, what and where of a shipment record, plus where its tracking stands: the body of every tracking event. */
function trackedShipmentProperties(record: ShipmentRecord, progress: TrackingProgress | undefined): Record<string, PropertyValue> {
  const { carrier, trackingUrl } = describeCarrier(record.carrierCode, record.trackingNumber);
  const [kind, id] = record.shipmentKey.split(':');
  return defined({
    OrderId: String(record.orderId),
    OrderNumber: record.orderNumber,
    ShipmentId: kind === 'label' ? id : undefined,
    FulfillmentId: kind === 'fulfillment' ? id : undefined,
    FulfillmentType: kind === 'label' ? 'label' : 'fulfillment',
    FulfillmentProvider: record.provider,
    Carrier: carrier,
    CarrierCode: record.carrierCode,
    Service: record.serviceName,
    ServiceCode: record.serviceCode,
    TrackingNumber: record.trackingNumber,
    // V2's own tracking page when it sent one: it knows carriers our table does not.
    TrackingURL: progress?.trackingUrl ?? trackingUrl,
    ShipDate: record.shipDate,
    TrackingStatus: progress?.statusCode,
    TrackingStatusDetail: progress?.statusDetailCode,
    TrackingStatusDescription: progress?.statusDescription,
    CarrierStatusDescription: progress?.carrierStatusDescription,
    EstimatedDeliveryDate: progress?.estimatedDeliveryDate ?? legacyDate(progress?.estimatedDeliveryAt),
    ActualDeliveryDate: progress?.actualDeliveryAt,
    LastScanAt: progress?.lastScanAt,
    LastScanCity: progress?.lastLocation?.city,
    LastScanRegion: progress?.lastLocation?.region,
    LastScanCountry: progress?.lastLocation?.country,
    StoreId: record.storeId,
    Source: 'ShipStation',
    ...itemProperties(record.items),
    ...destinationProperties(record.shipTo, record.gift),
  });
}

/** A progress written before estimated delivery was kept as a date held an instant: its UTC date is what it named. */
const legacyDate = (instant: string | undefined): string | undefined => (instant === undefined ? undefined : instant.slice(0, 10));

/** What a delivery says about the rest of the order (split orders: one Order Delivered per package). */
export interface DeliveryContext {
  allShipmentsDelivered: boolean;
  shipmentCount: number;
  deliveredShipmentCount: number;
}

/**
 * The event a tracking milestone sends: `Shipment In Transit`, `Shipment Out For Delivery`, `Delivery Attempted`,
 * `Shipment Exception` or `Order Delayed`'s happy counterpart `Order Delivered`, at the time the milestone began.
 */
export function trackingEvent(
  record: ShipmentRecord,
  progress: TrackingProgress,
  milestone: Milestone,
  context: MappingContext,
  delivery?: DeliveryContext,
): KlaviyoEvent {
  const extra: Record<string, PropertyValue | undefined> = {};
  if (milestone.category === 'exception' || milestone.category === 'attempted')
    extra.ExceptionDescription = progress.exceptionDescription ?? progress.statusDescription;
  if (milestone.category === 'delivered') {
    extra.DeliveredToServicePoint = progress.statusCode === 'SP';
    extra.AllShipmentsDelivered = delivery?.allShipmentsDelivered ?? false;
    extra.ShipmentCount = delivery?.shipmentCount;
    extra.DeliveredShipmentCount = delivery?.deliveredShipmentCount;
  }
  return event(context, {
    metric: TRACKING_METRICS[milestone.category],
    time: milestone.since,
    uniqueId: uniqueIds.tracking(context.accountId, record.shipmentKey, milestone),
    value: record.total,
    orderId: record.orderId,
    profile: profileOf(record.customer),
    properties: { ...trackedShipmentProperties(record, progress), ...defined(extra) },
  });
}

/** `Shipment Stalled`: no new scan for the configured days (sent once per package, at the time it became stalled). */
export function shipmentStalledEvent(record: ShipmentRecord, progress: TrackingProgress, stalledAt: string, context: MappingContext): KlaviyoEvent {
  const days = progress.lastScanAt === undefined ? undefined : Math.floor((Date.parse(stalledAt) - Date.parse(progress.lastScanAt)) / 86_400_000);
  return event(context, {
    metric: DELAY_METRICS.shipmentStalled,
    time: stalledAt,
    uniqueId: uniqueIds.shipmentStalled(context.accountId, record.shipmentKey),
    value: record.total,
    orderId: record.orderId,
    profile: profileOf(record.customer),
    properties: { ...trackedShipmentProperties(record, progress), ...defined({ DaysWithoutScan: days }) },
  });
}

/** `Order Delayed`: still unshipped at its ship-by date, or too long after it was placed (once per order). */
export function orderDelayedEvent(snapshot: OrderSnapshot, delayedAt: string, reason: DelayReason, context: MappingContext): KlaviyoEvent {
  const placed = snapshot.orderedAt ?? snapshot.createdAt;
  return event(context, {
    metric: DELAY_METRICS.orderDelayed,
    time: delayedAt,
    uniqueId: uniqueIds.orderDelayed(context.accountId, snapshot.orderId),
    value: snapshot.total,
    orderId: snapshot.orderId,
    profile: profileOf(snapshot.customer),
    properties: {
      ...orderProperties(snapshot),
      DelayReason: reason,
      HoursSinceOrder: Math.floor((Date.parse(delayedAt) - Date.parse(placed)) / 3_600_000),
    },
  });
}
