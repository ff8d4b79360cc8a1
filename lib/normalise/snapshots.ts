// Raw ShipStation V1 records → snapshots: Pacific timestamps become UTC instants, phones E.164 or nothing,
// adjustment lines dropped, blank strings removed. Used wherever ShipStation data enters (webhook fetch, poll).
import { fulfillmentSchema, orderSchema, shipmentSchema } from '../domain/shipstation.js';
import type { ShipStationAddress, ShipStationFulfillment, ShipStationOrder, ShipStationOrderItem, ShipStationShipment } from '../domain/shipstation.js';
import type { Customer, Destination, FulfillmentSnapshot, LineItem, OrderSnapshot, ShipmentSnapshot, Snapshot } from '../domain/snapshot.js';
import { pacificDate, pacificToUtc } from './pacific-time.js';
import { toE164 } from './phone.js';

const clean = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

const required = (value: string, field: string): string => {
  const instant = pacificToUtc(value);
  if (instant === undefined) throw new Error(`unreadable ${field} "${value}"`);
  return instant;
};

function splitName(name: string | undefined): { firstName?: string; lastName?: string } {
  if (name === undefined) return {};
  const parts = name.split(/\s+/);
  if (parts.length === 1) return { firstName: parts[0] };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1) };
}

function customerOf(email: string | null | undefined, shipTo: ShipStationAddress | null | undefined, billTo?: ShipStationAddress | null): Customer {
  const person = clean(billTo?.name) ?? clean(shipTo?.name);
  const phone = toE164(billTo?.phone, billTo?.country) ?? toE164(shipTo?.phone, shipTo?.country ?? billTo?.country);
  const mail = clean(email);
  return { email: mail !== undefined && mail.includes('@') ? mail : undefined, phone, ...splitName(person) };
}

function destinationOf(address: ShipStationAddress | null | undefined): Destination {
  return { city: clean(address?.city), region: clean(address?.state), postalCode: clean(address?.postalCode), country: clean(address?.country) };
}

function itemsOf(items: ShipStationOrderItem[] | null | undefined): LineItem[] {
  return (items ?? [])
    .filter((item) => item.adjustment !== true)
    .map((item) => ({
      sku: clean(item.sku),
      name: clean(item.name),
      quantity: item.quantity ?? undefined,
      unitPrice: item.unitPrice ?? undefined,
      imageUrl: clean(item.imageUrl),
    }));
}

/** An order as a snapshot. */
export function orderSnapshot(accountId: string, order: ShipStationOrder): OrderSnapshot {
  return {
    kind: 'order',
    accountId,
    orderId: order.orderId,
    orderNumber: clean(order.orderNumber),
    status: order.orderStatus,
    createdAt: required(order.createDate, 'createDate'),
    modifiedAt: required(order.modifyDate, 'modifyDate'),
    orderedAt: pacificToUtc(order.orderDate),
    shipByAt: pacificToUtc(order.shipByDate),
    holdUntilAt: pacificToUtc(order.holdUntilDate),
    total: order.orderTotal ?? undefined,
    requestedShippingService: clean(order.requestedShippingService),
    storeId: order.advancedOptions?.storeId ?? undefined,
    customer: customerOf(order.customerEmail, order.shipTo, order.billTo),
    shipTo: destinationOf(order.shipTo),
    items: itemsOf(order.items),
  };
}

/** A label (shipment) as a snapshot. */
export function shipmentSnapshot(accountId: string, shipment: ShipStationShipment): ShipmentSnapshot {
  return {
    kind: 'shipment',
    accountId,
    orderId: shipment.orderId,
    orderNumber: clean(shipment.orderNumber),
    shipmentId: shipment.shipmentId,
    createdAt: required(shipment.createDate, 'createDate'),
    shipDate: pacificDate(shipment.shipDate),
    carrierCode: clean(shipment.carrierCode),
    serviceCode: clean(shipment.serviceCode),
    trackingNumber: clean(shipment.trackingNumber),
    isReturnLabel: shipment.isReturnLabel === true,
    voided: shipment.voided === true,
    voidedAt: pacificToUtc(shipment.voidDate),
    storeId: shipment.advancedOptions?.storeId ?? undefined,
    customer: customerOf(shipment.customerEmail, shipment.shipTo),
    shipTo: destinationOf(shipment.shipTo),
    items: itemsOf(shipment.shipmentItems),
  };
}

/** A fulfilment ("Mark as Shipped", fulfilment partner) as a snapshot. */
export function fulfillmentSnapshot(accountId: string, fulfillment: ShipStationFulfillment): FulfillmentSnapshot {
  return {
    kind: 'fulfillment',
    accountId,
    orderId: fulfillment.orderId,
    orderNumber: clean(fulfillment.orderNumber),
    fulfillmentId: fulfillment.fulfillmentId,
    createdAt: required(fulfillment.createDate, 'createDate'),
    shipDate: pacificDate(fulfillment.shipDate),
    carrierCode: clean(fulfillment.carrierCode),
    trackingNumber: clean(fulfillment.trackingNumber),
    provider: clean(fulfillment.sellerFillProviderName) ?? clean(fulfillment.fulfillmentProviderCode),
    voided: fulfillment.voided === true,
    voidedAt: pacificToUtc(fulfillment.voidDate),
    customer: customerOf(fulfillment.customerEmail, fulfillment.shipTo),
    shipTo: destinationOf(fulfillment.shipTo),
    items: [],
  };
}

/** Records of a page that could not be read; they are reported, never silently skipped. */
export interface UnreadableRecord {
  kind: Snapshot['kind'];
  index: number;
  reason: string;
}

/** Parses every record of a list page into snapshots, collecting the ones that do not parse. */
export function snapshotsFromPage(
  accountId: string,
  page: { orders?: unknown[] | null; shipments?: unknown[] | null; fulfillments?: unknown[] | null },
): { snapshots: Snapshot[]; unreadable: UnreadableRecord[] } {
  const snapshots: Snapshot[] = [];
  const unreadable: UnreadableRecord[] = [];
  const read = <R>(kind: Snapshot['kind'], records: unknown[] | null | undefined, parse: (raw: unknown) => R, toSnapshot: (record: R) => Snapshot): void => {
    (records ?? []).forEach((raw, index) => {
      try {
        snapshots.push(toSnapshot(parse(raw)));
      } catch (error) {
        unreadable.push({ kind, index, reason: error instanceof Error ? error.message.slice(0, 300) : 'unreadable record' });
      }
    });
  };
  read('order', page.orders, (raw) => orderSchema.parse(raw), (o) => orderSnapshot(accountId, o));
  read('shipment', page.shipments, (raw) => shipmentSchema.parse(raw), (s) => shipmentSnapshot(accountId, s));
  read('fulfillment', page.fulfillments, (raw) => fulfillmentSchema.parse(raw), (f) => fulfillmentSnapshot(accountId, f));
  return { snapshots, unreadable };
}
