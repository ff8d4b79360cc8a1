// Raw ShipStation V1 records → snapshots: Pacific timestamps become UTC instants, calendar dates stay `YYYY-MM-DD`,
// phones E.164 or nothing, adjustment lines dropped, blank strings removed, and the order's buyer told apart from the
// person the parcel goes to. Used wherever ShipStation data enters (webhook fetch, poll, order lookup).
import { calendarDateOf } from '../domain/calendar.js';
import { isDeliverableEmail, isPlaceholderName, sameName } from '../domain/contact.js';
import { dropUndefined } from '../domain/drop-undefined.js';
import { fulfillmentSchema, orderSchema, shipmentSchema } from '../domain/shipstation.js';
import type { ShipStationAddress, ShipStationFulfillment, ShipStationOrder, ShipStationOrderItem, ShipStationShipment } from '../domain/shipstation.js';
import type { Customer, Destination, FulfillmentSnapshot, LineItem, OrderSnapshot, ShipmentSnapshot, Snapshot } from '../domain/snapshot.js';
import { pacificDate, pacificToUtc } from './pacific-time.js';
import { toE164 } from './phone.js';

/** What the normaliser needs of the account: its id, and the country a phone without a country code is read in. */
export interface NormaliseAccount {
  id: string;
  defaultCountry: string;
}

/** Trimmed text, or undefined for blank or absent text. */
export const clean = (value: string | null | undefined): string | undefined => {
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

/** A person's name on an address, or undefined for a blank or a placeholder ("Amazon", "FBA", "NA"). */
const personName = (address: ShipStationAddress | null | undefined): string | undefined => {
  const name = clean(address?.name);
  return name === undefined || isPlaceholderName(name) ? undefined : name;
};

/** The first two-letter country code among the candidates (`" "` and `null` are not one). */
const countryOf = (value: string | null | undefined): string | undefined => {
  const code = clean(value);
  return code !== undefined && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : undefined;
};

/** A phone in E.164, read in the first of the countries it is valid in (its address's, the other address's, the default). */
function phoneOf(raw: string | null | undefined, countries: (string | undefined)[]): string | undefined {
  if (clean(raw) === undefined) return undefined;
  for (const country of [...new Set(countries.filter((c): c is string => c !== undefined))]) {
    const phone = toE164(raw, country);
    if (phone !== undefined) return phone;
  }
  // Written with its own country code (+44…): valid without a default country.
  return toE164(raw, undefined);
}

/** Where a parcel goes: city, region, postal code, and the country when it is a two-letter code. */
export function destinationOf(address: ShipStationAddress | null | undefined): Destination {
  return { city: clean(address?.city), region: clean(address?.state), postalCode: clean(address?.postalCode), country: countryOf(address?.country) };
}

const hasPlace = (destination: Destination): boolean => Object.values(destination).some((v) => v !== undefined);

/**
 * The person who bought the order (docs/events.md "Profiles: whose name, phone and place"):
 * - email: `customerEmail`, when it can receive mail (`1@1` cannot: flagged, never sent);
 * - the ship-to person is the buyer only on an order that is not a gift and whose bill-to names nobody or the same
 *   person (names compared without case or punctuation; placeholders like "Amazon", "FBA", "NA" name nobody);
 * - name: the bill-to name, else (ship-to is the buyer) the ship-to name;
 * - phone: the bill-to phone, else (ship-to is the buyer) the ship-to phone, in E.164, read in the first country it is
 *   valid in among bill-to's, ship-to's and the account's default;
 * - location: the bill-to address when it has one, else (ship-to is the buyer) the ship-to address.
 * A gift, or a ship-to person who is someone else, never lends the buyer a name, phone or place.
 */
export function buyerOf(order: Pick<ShipStationOrder, 'customerEmail' | 'billTo' | 'shipTo' | 'gift'>, defaultCountry: string): Customer {
  const { billTo, shipTo } = order;
  const billName = personName(billTo);
  const shipName = personName(shipTo);
  const shipToIsBuyer = order.gift !== true && (billName === undefined || (shipName !== undefined && sameName(billName, shipName)));
  const countries = [countryOf(billTo?.country), countryOf(shipTo?.country), defaultCountry];
  const billPlace = destinationOf(billTo);
  const phone = phoneOf(billTo?.phone, countries) ?? (shipToIsBuyer ? phoneOf(shipTo?.phone, [countryOf(shipTo?.country), ...countries]) : undefined);
  const location = hasPlace(billPlace) ? billPlace : shipToIsBuyer ? destinationOf(shipTo) : undefined;
  const mail = clean(order.customerEmail);
  const deliverable = mail !== undefined && isDeliverableEmail(mail);
  const buyer: Customer = {
    ...(deliverable ? { email: mail } : {}),
    ...(mail !== undefined && !deliverable ? { invalidEmail: true as const } : {}),
    ...(phone === undefined ? {} : { phone }),
    ...splitName(billName ?? (shipToIsBuyer ? shipName : undefined)),
    ...(location !== undefined && hasPlace(location) ? { location: dropUndefined(location) } : {}),
  };
  return buyer;
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

/** A label's or fulfilment's own `customerEmail`, when it is one (the docs' List Shipments rows have none at all). */
const ownEmail = (value: string | null | undefined): string | undefined => {
  const mail = clean(value);
  return mail !== undefined && isDeliverableEmail(mail) ? mail : undefined;
};

/** An order as a snapshot. */
export function orderSnapshot(account: NormaliseAccount, order: ShipStationOrder): OrderSnapshot {
  return {
    kind: 'order',
    accountId: account.id,
    orderId: order.orderId,
    orderNumber: clean(order.orderNumber),
    status: order.orderStatus,
    createdAt: required(order.createDate ?? order.modifyDate, 'createDate'),
    modifiedAt: required(order.modifyDate, 'modifyDate'),
    orderedAt: pacificToUtc(order.orderDate),
    // "The date the order is to be shipped before or on": a day, whatever time of day the text carries.
    shipByDate: calendarDateOf(order.shipByDate),
    holdUntilDate: calendarDateOf(order.holdUntilDate),
    total: order.orderTotal ?? undefined,
    requestedShippingService: clean(order.requestedShippingService),
    storeId: order.advancedOptions?.storeId ?? undefined,
    customer: buyerOf(order, account.defaultCountry),
    gift: order.gift === true,
    shipTo: destinationOf(order.shipTo),
    items: itemsOf(order.items),
  };
}

/** A label (shipment) as a snapshot. Its buyer is its order's: labels carry the ship-to address only. */
export function shipmentSnapshot(account: NormaliseAccount, shipment: ShipStationShipment): ShipmentSnapshot {
  return {
    kind: 'shipment',
    accountId: account.id,
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
    customerEmail: ownEmail(shipment.customerEmail),
    shipTo: destinationOf(shipment.shipTo),
    items: itemsOf(shipment.shipmentItems),
  };
}

/** A fulfilment ("Mark as Shipped", fulfilment partner) as a snapshot; its items and buyer are its order's. */
export function fulfillmentSnapshot(account: NormaliseAccount, fulfillment: ShipStationFulfillment): FulfillmentSnapshot {
  return {
    kind: 'fulfillment',
    accountId: account.id,
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
    customerEmail: ownEmail(fulfillment.customerEmail),
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
  account: NormaliseAccount,
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
  read(
    'order',
    page.orders,
    (raw) => orderSchema.parse(raw),
    (o) => orderSnapshot(account, o),
  );
  read(
    'shipment',
    page.shipments,
    (raw) => shipmentSchema.parse(raw),
    (s) => shipmentSnapshot(account, s),
  );
  read(
    'fulfillment',
    page.fulfillments,
    (raw) => fulfillmentSchema.parse(raw),
    (f) => fulfillmentSnapshot(account, f),
  );
  return { snapshots, unreadable };
}
