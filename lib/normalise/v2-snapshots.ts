// Raw ShipStation V2 records → the same snapshots V1 records become, under the same ids (docs/configuration.md "One identity across
// APIs"): a V2 shipment is an order (`se-<n>` → orderId n), a label a shipment (label_id `se-<n>` → shipmentId n), a
// fulfilment a fulfilment. V2 times carry offsets (no Pacific conversion); calendar dates keep their day.
import { calendarDateOf } from '../domain/calendar.js';
import { V2_SHIPMENT_STATUSES, isKnownV2Status, v1IdOf, v2FulfillmentSchema, v2LabelSchema, v2ShipmentSchema } from '../domain/shipstation-v2.js';
import type { V2Address, V2Fulfillment, V2Label, V2ListResource, V2Shipment } from '../domain/shipstation-v2.js';
import type { ShipStationAddress } from '../domain/shipstation.js';
import type { FulfillmentSnapshot, LineItem, OrderSnapshot, ShipmentSnapshot, Snapshot } from '../domain/snapshot.js';
import type { UnreadableRecord } from './snapshots.js';
import { buyerOf, clean, destinationOf as v1DestinationOf, type NormaliseAccount } from './snapshots.js';

/**
 * A V2 time as a UTC instant: V2 writes UTC with `Z` and 0–7 fraction digits; a time without an offset (seen in
 * tracking bodies) is read as UTC too, never in the machine's zone.
 */
function instantOf(value: string | null | undefined): string | undefined {
  const raw = clean(value);
  if (raw === undefined) return undefined;
  const withOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(withOffset);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const requiredInstant = (value: string, field: string): string => {
  const instant = instantOf(value);
  if (instant === undefined) throw new Error(`unreadable ${field} "${value.slice(0, 40)}"`);
  return instant;
};

/** A V2 address in the V1 shape the buyer rules read (V2 has no bill-to: every V2 address is a ship-to). */
const v1Address = (address: V2Address | null | undefined): ShipStationAddress | undefined =>
  address === null || address === undefined
    ? undefined
    : {
        name: address.name,
        company: address.company_name,
        city: address.city_locality,
        state: address.state_province,
        postalCode: address.postal_code,
        country: address.country_code,
        phone: address.phone,
      };

const destinationOf = (address: V2Address | null | undefined): OrderSnapshot['shipTo'] => v1DestinationOf(v1Address(address));

/** A V2 `store_id` (`se-2481946`) as the V1 store id it names. */
const storeIdOf = (storeId: string | null | undefined): number | undefined => {
  const id = clean(storeId);
  const v1 = id === undefined ? undefined : v1IdOf(id);
  return v1 !== undefined && v1 > 0 ? v1 : undefined;
};

function itemsOf(shipment: V2Shipment): LineItem[] {
  return (shipment.items ?? []).map((item) => ({
    sku: clean(item.sku),
    name: clean(item.name),
    quantity: item.quantity ?? undefined,
    unitPrice: item.unit_price ?? undefined,
    imageUrl: clean(item.image_url),
  }));
}

/**
 * A V2 shipment as an order snapshot, or undefined for a status that says nothing new (`processing`) or that the
 * product does not know (the caller counts and logs it).
 *
 * The buyer: V2 has no bill-to and no customer email, only the ship-to person. Unless the order is a gift, that person
 * is the buyer (name, phone, place, and `ship_to.email` as the email); on a gift the buyer is unknown to V2, and the
 * recipient is never used (docs/configuration.md "Which ShipStation API?").
 */
export function v2OrderSnapshot(account: NormaliseAccount, shipment: V2Shipment): OrderSnapshot | undefined {
  const status = V2_SHIPMENT_STATUSES[shipment.shipment_status];
  if (status === undefined) return undefined;
  const gift = shipment.is_gift === true;
  const shipTo = v1Address(shipment.ship_to);
  const total = shipment.amount_paid?.amount;
  return {
    kind: 'order',
    accountId: account.id,
    orderId: v1IdOf(shipment.shipment_id),
    orderNumber: clean(shipment.shipment_number),
    status,
    createdAt: requiredInstant(shipment.created_at, 'created_at'),
    modifiedAt: requiredInstant(shipment.modified_at, 'modified_at'),
    // "The date the order is to be shipped before or on": V2 writes the day as its UTC midnight.
    shipByDate: calendarDateOf(shipment.ship_by_date),
    holdUntilDate: calendarDateOf(shipment.hold_until_date),
    total: total ?? undefined,
    requestedShippingService: clean(shipment.requested_shipment_service),
    storeId: storeIdOf(shipment.store_id),
    customer: buyerOf({ customerEmail: gift ? undefined : shipment.ship_to?.email, billTo: undefined, shipTo, gift }, account.defaultCountry),
    gift,
    shipTo: destinationOf(shipment.ship_to),
    items: itemsOf(shipment),
    source: 'v2',
  };
}

/** A V2 label as a shipment snapshot. Its buyer and items are its order's (a label's ship-to may be a gift's recipient). */
export function v2ShipmentSnapshot(account: NormaliseAccount, label: V2Label): ShipmentSnapshot {
  const voided = label.voided === true || label.status === 'voided';
  return {
    kind: 'shipment',
    accountId: account.id,
    orderId: v1IdOf(label.shipment_id),
    shipmentId: v1IdOf(label.label_id),
    createdAt: requiredInstant(label.created_at, 'created_at'),
    shipDate: calendarDateOf(label.ship_date),
    carrierCode: clean(label.carrier_code),
    serviceCode: clean(label.service_code),
    trackingNumber: clean(label.tracking_number),
    isReturnLabel: label.is_return_label === true,
    voided,
    voidedAt: voided ? instantOf(label.voided_at) : undefined,
    shipTo: destinationOf(label.ship_to),
    items: [],
  };
}

/** A V2 fulfilment as a fulfilment snapshot; its buyer and items are its order's. */
export function v2FulfillmentSnapshot(account: NormaliseAccount, fulfillment: V2Fulfillment): FulfillmentSnapshot {
  const voided = fulfillment.voided === true;
  return {
    kind: 'fulfillment',
    accountId: account.id,
    orderId: v1IdOf(fulfillment.shipment_id),
    orderNumber: clean(fulfillment.shipment_number),
    fulfillmentId: v1IdOf(fulfillment.fulfillment_id),
    createdAt: requiredInstant(fulfillment.created_at, 'created_at'),
    shipDate: calendarDateOf(fulfillment.ship_date),
    carrierCode: clean(fulfillment.fulfillment_carrier_friendly_name),
    trackingNumber: clean(fulfillment.tracking_number),
    provider: clean(fulfillment.fulfillment_provider_friendly_name) ?? clean(fulfillment.fulfillment_provider_code),
    voided,
    voidedAt: voided ? instantOf(fulfillment.voided_at) : undefined,
    shipTo: destinationOf(fulfillment.ship_to),
    items: [],
  };
}

/** What a V2 page gave: snapshots, records that did not parse, and shipment statuses the product does not know. */
export interface V2PageSnapshots {
  snapshots: Snapshot[];
  unreadable: UnreadableRecord[];
  /** Statuses of V2 shipments the product does not know, with how many records had each; those records send nothing. */
  unknownStatuses: Record<string, number>;
}

const KIND_OF: Record<V2ListResource, Snapshot['kind']> = { shipments: 'order', labels: 'shipment', fulfillments: 'fulfillment' };

/** Parses every record of a V2 list page into snapshots, collecting those that do not parse and unknown statuses. */
export function snapshotsFromV2Page(account: NormaliseAccount, resource: V2ListResource, records: readonly unknown[]): V2PageSnapshots {
  const result: V2PageSnapshots = { snapshots: [], unreadable: [], unknownStatuses: {} };
  records.forEach((raw, index) => {
    try {
      if (resource === 'shipments') {
        const shipment = v2ShipmentSchema.parse(raw);
        if (!isKnownV2Status(shipment.shipment_status)) {
          const status = shipment.shipment_status.slice(0, 40);
          result.unknownStatuses[status] = (result.unknownStatuses[status] ?? 0) + 1;
          return;
        }
        const snapshot = v2OrderSnapshot(account, shipment);
        if (snapshot !== undefined) result.snapshots.push(snapshot);
      } else if (resource === 'labels') {
        result.snapshots.push(v2ShipmentSnapshot(account, v2LabelSchema.parse(raw)));
      } else {
        result.snapshots.push(v2FulfillmentSnapshot(account, v2FulfillmentSchema.parse(raw)));
      }
    } catch (error) {
      result.unreadable.push({ kind: KIND_OF[resource], index, reason: error instanceof Error ? error.message.slice(0, 300) : 'unreadable record' });
    }
  });
  return result;
}
