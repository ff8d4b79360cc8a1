// ShipStation API V2's view of the simulator's V1 records: `GET /v2/shipments` (a V1 order is a V2 shipment),
// `GET /v2/labels` (a V1 shipment is a V2 label), `GET /v2/fulfillments` (a V1 fulfillment), and the pointer webhooks
// that name them (SHIPMENT_CREATED_V2, LABEL_CREATED_V2, FULFILLMENT_SHIPPED_V2, FULFILLMENT_REJECTED_V2).
// Nothing is stored here: every answer is computed from the V1 records the simulator keeps, so both APIs always agree.
// Ids map as ShipStation's migration guide says (docs.shipstation.com/orders/legacy-migration): V1 orderId n ↔ V2
// shipment_id `se-n`, V1 shipmentId n ↔ V2 label_id `se-n`, V1 orderKey ↔ V2 external_shipment_id; and, assumed, V1
// fulfillmentId n ↔ V2 fulfillment_id `se-n`. Shapes follow the recorded V2 responses in test/fixtures/shipstation
// (v2/list_shipments_*, v2/list_labels_*, pmcgee-personal/fulfillment_shipped_v2_resource_url_response.json) key for key.
import { DateTime } from 'luxon';
import { normalizePacificTimestamp, PACIFIC_ZONE } from './pacific.js';
import type { Address, OrderStatus, SimFulfillment, SimOrder, SimOrderItem, SimShipment, Weight } from './shipstation-simulator.js';
import { trackingUrlFor, V2HttpError } from './v2-tracking.js';
import type { TrackStatusCode } from './v2-tracking.js';

/**
 * The `shipment_status` values V2 shipments take and `GET /v2/shipments?shipment_status=` accepts: the 2025-08 OpenAPI
 * enum plus `on_hold`, which a 2026 docs page adds with `hold_until_date` (docs.shipstation.com/hold-and-restore-shipments).
 */
export const V2_SHIPMENT_STATUSES = ['pending', 'processing', 'label_purchased', 'cancelled', 'on_hold'] as const;
export type V2ShipmentStatus = (typeof V2_SHIPMENT_STATUSES)[number];

/** The `label_status` values of the 2025-08 OpenAPI; the simulator's labels are `completed` or `voided`. */
export const V2_LABEL_STATUSES = ['processing', 'completed', 'error', 'voided'] as const;
export type V2LabelStatus = (typeof V2_LABEL_STATUSES)[number];

/** The most `page_size` V2 list endpoints accept here (V1's `pageSize` limit; the V2 spec names none). */
export const V2_MAX_PAGE_SIZE = 500;

/** `resource_type` of each pointer webhook, by the V2 webhook event that receives it. */
export const V2_POINTER_RESOURCE_TYPES = {
  shipment_created_v2: 'SHIPMENT_CREATED_V2',
  label_created_v2: 'LABEL_CREATED_V2',
  fulfillment_shipped_v2: 'FULFILLMENT_SHIPPED_V2',
  fulfillment_rejected_v2: 'FULFILLMENT_REJECTED_V2',
} as const;

/** The V2 webhook events whose bodies only point at a list query. */
export type V2PointerEvent = keyof typeof V2_POINTER_RESOURCE_TYPES;

/** `resource_type` of a V2 pointer webhook. */
export type V2PointerResourceType = (typeof V2_POINTER_RESOURCE_TYPES)[V2PointerEvent];

/** A V2 pointer webhook body, exactly the two keys the recorded ones have. */
export interface V2PointerWebhook {
  resource_url: string;
  resource_type: V2PointerResourceType;
}

/** V2 money: the recorded payloads always say `usd`. */
export interface V2Money {
  currency: string;
  amount: number;
}

/** V2 weight. */
export interface V2Weight {
  value: number;
  unit: 'pound' | 'ounce' | 'gram' | 'kilogram';
}

/** V2 package dimensions. */
export interface V2Dimensions {
  unit: 'inch' | 'centimeter';
  length: number;
  width: number;
  height: number;
}

/** A V2 address as fulfilments carry it (and the base of the other shapes); V1 nulls stay null. */
export interface V2Address {
  instructions: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  company_name: string | null;
  address_line1: string | null;
  address_line2: string | null;
  address_line3: string | null;
  city_locality: string | null;
  state_province: string | null;
  postal_code: string | null;
  country_code: string | null;
  address_residential_indicator: 'yes' | 'no' | 'unknown';
}

/** A shipment's `ship_to` / `ship_from`: `geolocation` is null there (recorded), `[]` on labels. */
export interface V2ShipmentAddress extends V2Address {
  geolocation: null;
}

/** A label's `ship_to`. */
export interface V2LabelAddress extends V2Address {
  geolocation: { type: string; value: string }[];
}

/** The reference lines printed on a label. */
export interface V2LabelMessages {
  reference1: string | null;
  reference2: string | null;
  reference3: string | null;
}

/** A shipment's package, keyed like the recorded one. */
export interface V2ShipmentPackage {
  shipment_package_id: string;
  package_id: string;
  package_code: string;
  package_name: string;
  weight: V2Weight;
  dimensions: V2Dimensions;
  insured_value: V2Money;
  label_messages: V2LabelMessages;
  external_package_id: string | null;
  content_description: string | null;
  products: null;
  dangerous_goods_package_info: null;
}

/** A shipment's line, from a V1 order line. */
export interface V2ShipmentItem {
  sales_order_id: string | null;
  sales_order_item_id: string | null;
  quantity: number;
  name: string;
  sku: string | null;
  bundle_sku: string | null;
  external_order_id: string | null;
  external_order_item_id: string | null;
  asin: string | null;
  order_source_code: string | null;
  item_id: string | null;
  allocation_status: string | null;
  image_url: string | null;
  weight: V2Weight | null;
  unit_price: number;
  tax_amount: number | null;
  shipping_amount: number | null;
  inventory_location: string | null;
  options: { name: string; value: string }[];
  product_id: string | null;
  fullfilment_sku: string | null;
  upc: string | null;
}

/** A shipment's `advanced_options`, keyed like the recorded ones. */
export interface V2AdvancedOptions {
  bill_to_account: string | null;
  bill_to_country_code: string | null;
  bill_to_party: 'recipient' | 'third_party' | null;
  bill_to_postal_code: string | null;
  bill_to_name: string | null;
  bill_to_address_line1: string | null;
  contains_alcohol: boolean;
  delivered_duty_paid: boolean;
  non_machinable: boolean;
  saturday_delivery: boolean;
  dry_ice: boolean;
  dry_ice_weight: V2Weight | null;
  fedex_freight: null;
  third_party_consignee: boolean;
  guaranteed_duties_and_taxes: boolean;
  prepaid_duties_taxes: boolean;
  ancillary_endorsements_option: string | null;
  freight_class: string | null;
  custom_field1: string | null;
  custom_field2: string | null;
  custom_field3: string | null;
  collect_on_delivery: null;
  return_pickup_attempts: number | null;
  additional_handling: boolean;
  own_document_upload: boolean;
  limited_quantity: boolean;
  event_notification: boolean;
  import_services: boolean;
  override_holiday: boolean;
  fragile: boolean;
  delivery_as_addressed: boolean;
  return_after_first_attempt: boolean;
}

/** A V2 shipment as `GET /v2/shipments` lists it: one V1 order, with the 45 keys of the recorded shipments. */
export interface SimV2Shipment {
  shipment_id: string;
  carrier_id: string | null;
  service_code: string | null;
  requested_shipment_service: string | null;
  external_shipment_id: string | null;
  shipment_number: string | null;
  hold_until_date: string | null;
  ship_date: string | null;
  ship_datetime: string | null;
  ship_by_date: string | null;
  deliver_by_date: string | null;
  created_at: string;
  modified_at: string;
  shipment_status: V2ShipmentStatus;
  ship_to: V2ShipmentAddress;
  ship_from: V2ShipmentAddress;
  warehouse_id: string | null;
  return_to: V2Address;
  is_return: boolean;
  confirmation: string;
  customs: null;
  external_order_id: string | null;
  order_source_code: string | null;
  advanced_options: V2AdvancedOptions;
  comparison_rate_type: string | null;
  retail_rate: V2Money | null;
  shipping_rule_id: string | null;
  insurance_provider: 'none' | 'shipsurance' | 'carrier' | 'third_party';
  tags: { name: string }[];
  store_id: string;
  packages: V2ShipmentPackage[];
  total_weight: V2Weight;
  items: V2ShipmentItem[];
  notes_from_buyer: string | null;
  internal_notes: string | null;
  notes_for_gift: string | null;
  is_gift: boolean;
  assigned_user: string | null;
  amount_paid: V2Money;
  shipping_paid: V2Money;
  tax_paid: V2Money;
  zone: number | null;
  dangerous_goods_declaration: null;
  sender_info: null;
  notes_to_buyer: string | null;
}

/** The download links of a label (or of one of its packages, without `href`). */
export interface V2LabelDownload {
  pdf: string;
  png: string;
  zpl: string;
  href?: string;
}

/** A label's package: `package_id` is a number here (recorded), an `se-` id on shipments. */
export interface V2LabelPackage {
  package_id: number;
  package_code: string;
  weight: V2Weight;
  dimensions: V2Dimensions;
  insured_value: V2Money;
  tracking_number: string;
  label_download: V2LabelDownload;
  qr_code_download: null;
  paperless_download: null;
  label_messages: V2LabelMessages;
  external_package_id: string | null;
  content_description: string | null;
  sequence: number;
  alternative_identifiers: { type: string; value: string }[];
  has_label_documents: boolean;
  has_form_documents: boolean;
  has_qr_code_documents: boolean;
  has_paperless_label_documents: boolean;
}

/** One line of a label's cost breakdown. */
export interface V2RateDetail {
  rate_detail_type: string;
  carrier_description: string;
  carrier_billing_code: string | null;
  carrier_memo: string | null;
  amount: V2Money;
  billing_source: string;
}

/** A V2 label as `GET /v2/labels` lists it: one V1 shipment, with the 44 keys of the recorded labels. */
export interface SimV2Label {
  label_id: string;
  status: V2LabelStatus;
  shipment_id: string;
  external_shipment_id: string | null;
  external_order_id: string | null;
  ship_date: string;
  created_at: string;
  shipment_cost: V2Money;
  insurance_cost: V2Money;
  requested_comparison_amount: V2Money | null;
  rate_details: V2RateDetail[];
  tracking_number: string;
  is_return_label: boolean;
  rma_number: string | null;
  is_international: boolean;
  batch_id: string;
  carrier_id: string | null;
  service_code: string;
  package_code: string;
  voided: boolean;
  voided_at: string | null;
  void_type: string | null;
  refund_details: null;
  label_format: 'pdf';
  display_scheme: 'label';
  label_layout: '4x6';
  trackable: boolean;
  label_image_id: string | null;
  carrier_code: string;
  carrier_weight: V2Weight;
  confirmation: string;
  tracking_status: 'unknown' | 'in_transit' | 'error' | 'delivered';
  label_download: V2LabelDownload;
  form_download: null;
  qr_code_download: null;
  insurance_claim: null;
  paperless_download: null;
  packages: V2LabelPackage[];
  charge_event: 'carrier_default';
  alternative_identifiers: { type: string; value: string }[];
  shipping_rule_id: string | null;
  tracking_url: string;
  pickup_windows: unknown[];
  ship_to: V2LabelAddress;
}

/** A V2 fulfilment as `GET /v2/fulfillments` lists it: one V1 fulfillment, with the 20 keys of the recorded one. */
export interface SimV2Fulfillment {
  fulfillment_id: string;
  shipment_id: string;
  shipment_number: string;
  user_id: string | null;
  tracking_number: string | null;
  created_at: string;
  ship_date: string;
  voided_at: string | null;
  delivered_at: string | null;
  fulfillment_carrier_friendly_name: string | null;
  fulfillment_provider_id: string;
  fulfillment_provider_friendly_name: string;
  fulfillment_provider_code: string;
  fulfillment_service_code: string;
  fulfillment_fee: V2Money;
  void_requested: boolean;
  voided: boolean;
  order_source_notified: boolean;
  notification_error_message: string | null;
  ship_to: V2Address;
}

/** `links` of a V2 list: `prev` / `next` are `{}` when there is no such page, as recorded. */
export interface V2Links {
  first: { href: string };
  last: { href: string };
  prev: { href?: string };
  next: { href?: string };
}

/** The paging part of every V2 list answer. */
export interface V2Paging {
  total: number;
  page: number;
  /** Zero when nothing matched (ShipEngine's list docs: "If there are no results, then pages will be zero"). */
  pages: number;
  links: V2Links;
}

/** `GET /v2/shipments`. */
export type V2ShipmentList = { shipments: SimV2Shipment[] } & V2Paging;
/** `GET /v2/labels`. */
export type V2LabelList = { labels: SimV2Label[] } & V2Paging;
/** `GET /v2/fulfillments`. */
export type V2FulfillmentList = { fulfillments: SimV2Fulfillment[] } & V2Paging;

/** A V1 label and the V1 batch it was bought in (`batchId` of SHIP_NOTIFY, `se-<batchId>` in V2). */
export interface V1LabelRecord {
  shipment: SimShipment;
  batchId: number;
}

/** What the V2 view reads of the simulator's V1 records; it never writes them. */
export interface V2Records {
  /** Origin of resource and paging URLs. */
  readonly baseUrl: string;
  orders(): Iterable<SimOrder>;
  order(orderId: number): SimOrder | undefined;
  labels(): Iterable<V1LabelRecord>;
  fulfillments(): Iterable<SimFulfillment>;
  /** The orders imported together under this (lower-case) import batch id, undefined when there is no such batch. */
  importBatch(batchId: string): readonly number[] | undefined;
  /** The V2 carrier id number (`se-<n>`) of the account behind a V1 carrier code. */
  carrierId(carrierCode: string): number | undefined;
  /** The newest tracking status sent for a tracking number, undefined before any. */
  trackingStatus(trackingNumber: string): TrackStatusCode | undefined;
}

/** The V2 address ShipStation ships from in the simulator (the warehouse of the demo shop, as `ship_from`). */
const WAREHOUSE_ADDRESS: V2Address = {
  instructions: null,
  name: 'Demo Shop Fulfillment',
  phone: '(415) 555-0100',
  email: 'support@demo-shop.example.com',
  company_name: 'Demo Shop',
  address_line1: '1 Harbor Way',
  address_line2: null,
  address_line3: null,
  city_locality: 'Oakland',
  state_province: 'CA',
  postal_code: '94607',
  country_code: 'US',
  address_residential_indicator: 'no',
};

/**
 * The provider of a fulfilment recorded without one (V1 "Mark as Shipped"): the recorded V2 fulfilment names
 * "External" / `external` / `ext`; its provider id is account-specific, this one is the simulator's.
 */
const EXTERNAL_PROVIDER = { id: 51000, name: 'External', code: 'external', service: 'ext' } as const;

/** ShipEngine's id of the generic `package` package type, as the recorded shipments carry it. */
const PACKAGE_TYPE_ID = 'se-3';

/** Label package ids are numbers (recorded 147972534); the simulator's are the V1 shipmentId plus this. */
const LABEL_PACKAGE_ID_BASE = 100_000_000;

const DELIVERY_CONFIRMATIONS = ['none', 'delivery', 'signature', 'adult_signature', 'direct_signature', 'delivery_mailed', 'verbal_confirmation'];

/**
 * V1 `orderStatus` as V2 `shipment_status`: every V1 state before shipping is `pending` (V2 has no awaiting-payment nor
 * fulfilment-provider states), `shipped` (a label or a fulfilment) is `label_purchased`.
 */
export function v2ShipmentStatusOf(status: OrderStatus): V2ShipmentStatus {
  switch (status) {
    case 'on_hold':
      return 'on_hold';
    case 'shipped':
      return 'label_purchased';
    case 'cancelled':
      return 'cancelled';
    case 'awaiting_payment':
    case 'awaiting_shipment':
    case 'pending_fulfillment':
    case 'rejected_fulfillment':
      return 'pending';
  }
}

/** One V1 order as the V2 shipment it is. */
export function v2ShipmentOf(order: SimOrder, records: V2Records): SimV2Shipment {
  const orderSource = orderSourceOf(order);
  const weight = v2Weight(order.weight) ?? { value: 0, unit: 'ounce' };
  const advanced = order.advancedOptions;
  const carrierId = order.carrierCode === null ? undefined : records.carrierId(order.carrierCode);
  return {
    shipment_id: seId(order.orderId),
    carrier_id: carrierId === undefined ? null : seId(carrierId),
    service_code: order.serviceCode,
    requested_shipment_service: order.requestedShippingService,
    external_shipment_id: order.orderKey,
    shipment_number: order.orderNumber,
    hold_until_date: midnightZ(order.holdUntilDate),
    ship_date: midnightZ(order.shipDate),
    ship_datetime: null,
    ship_by_date: midnightZ(order.shipByDate),
    deliver_by_date: null,
    created_at: utcText(pacificToUtcMs(order.createDate)),
    modified_at: utcText(pacificToUtcMs(order.modifyDate)),
    shipment_status: v2ShipmentStatusOf(order.orderStatus),
    ship_to: { geolocation: null, ...v2Address(order.shipTo, order.gift ? null : order.customerEmail) },
    ship_from: { geolocation: null, ...WAREHOUSE_ADDRESS },
    warehouse_id: advanced.warehouseId === null ? null : seId(advanced.warehouseId),
    return_to: { ...WAREHOUSE_ADDRESS, email: null, address_residential_indicator: 'unknown' },
    is_return: false,
    confirmation: confirmationOf(order.confirmation),
    customs: null,
    external_order_id: null,
    order_source_code: orderSource,
    advanced_options: {
      bill_to_account: advanced.billToAccount,
      bill_to_country_code: advanced.billToCountryCode,
      bill_to_party: advanced.billToParty === 'recipient' || advanced.billToParty === 'third_party' ? advanced.billToParty : null,
      bill_to_postal_code: advanced.billToPostalCode,
      bill_to_name: null,
      bill_to_address_line1: null,
      contains_alcohol: advanced.containsAlcohol,
      delivered_duty_paid: false,
      non_machinable: advanced.nonMachinable,
      saturday_delivery: advanced.saturdayDelivery,
      dry_ice: false,
      dry_ice_weight: null,
      fedex_freight: null,
      third_party_consignee: false,
      guaranteed_duties_and_taxes: false,
      prepaid_duties_taxes: false,
      ancillary_endorsements_option: null,
      freight_class: null,
      custom_field1: advanced.customField1,
      custom_field2: advanced.customField2,
      custom_field3: advanced.customField3,
      collect_on_delivery: null,
      return_pickup_attempts: null,
      additional_handling: false,
      own_document_upload: false,
      limited_quantity: false,
      event_notification: false,
      import_services: false,
      override_holiday: false,
      fragile: false,
      delivery_as_addressed: false,
      return_after_first_attempt: false,
    },
    comparison_rate_type: null,
    retail_rate: null,
    shipping_rule_id: null,
    insurance_provider: insuranceProviderOf(order),
    // V1 tags are ids only; V2 names them. The simulator has no tag names, so a tag is named by its V1 id.
    tags: (order.tagIds ?? []).map((id) => ({ name: String(id) })),
    store_id: seId(advanced.storeId),
    packages: [
      {
        // One package per shipment; its id is the shipment's number (V2 gives it an id of its own).
        shipment_package_id: seId(order.orderId),
        package_id: PACKAGE_TYPE_ID,
        package_code: order.packageCode ?? 'package',
        package_name: 'Package',
        weight,
        dimensions: v2Dimensions(order.dimensions),
        insured_value: money(order.insuranceOptions.insuredValue),
        label_messages: { reference1: null, reference2: null, reference3: null },
        external_package_id: null,
        content_description: null,
        products: null,
        dangerous_goods_package_info: null,
      },
    ],
    total_weight: weight,
    items: order.items.map((item) => v2Item(item, orderSource)),
    notes_from_buyer: order.customerNotes,
    internal_notes: order.internalNotes,
    notes_for_gift: order.giftMessage,
    is_gift: order.gift,
    assigned_user: null,
    // What was paid (V1 amountPaid: the order total once paid, 0 while awaiting payment), shipping and tax.
    amount_paid: money(order.amountPaid),
    shipping_paid: money(order.shippingAmount),
    tax_paid: money(order.taxAmount),
    zone: null,
    dangerous_goods_declaration: null,
    sender_info: null,
    notes_to_buyer: null,
  };
}

/** One V1 label as the V2 label it is. */
export function v2LabelOf({ shipment, batchId }: V1LabelRecord, records: V2Records): SimV2Label {
  const order = records.order(shipment.orderId);
  const weight = v2Weight(shipment.weight) ?? { value: 0, unit: 'ounce' };
  const carrierId = records.carrierId(shipment.carrierCode);
  const downloads = `${records.baseUrl}/v2/downloads/1/sim-${shipment.shipmentId}`;
  const download = (name: string): V2LabelDownload => ({ pdf: `${downloads}/${name}.pdf`, png: `${downloads}/${name}.png`, zpl: `${downloads}/${name}.zpl` });
  const country = shipment.shipTo.country?.trim().toUpperCase() ?? '';
  return {
    label_id: seId(shipment.shipmentId),
    status: shipment.voided ? 'voided' : 'completed',
    shipment_id: seId(shipment.orderId),
    external_shipment_id: shipment.orderKey,
    external_order_id: null,
    ship_date: pacificMidnightUtc(shipment.shipDate),
    created_at: utcText(pacificToUtcMs(shipment.createDate)),
    shipment_cost: money(shipment.shipmentCost),
    insurance_cost: money(shipment.insuranceCost),
    requested_comparison_amount: null,
    rate_details: [
      {
        rate_detail_type: 'shipping',
        carrier_description: 'Shipping',
        carrier_billing_code: null,
        carrier_memo: null,
        amount: money(shipment.shipmentCost),
        billing_source: 'carrier',
      },
    ],
    tracking_number: shipment.trackingNumber,
    is_return_label: shipment.isReturnLabel,
    rma_number: null,
    is_international: country !== '' && country !== 'US',
    batch_id: seId(batchId),
    carrier_id: carrierId === undefined ? null : seId(carrierId),
    service_code: shipment.serviceCode,
    package_code: shipment.packageCode,
    voided: shipment.voided,
    voided_at: shipment.voidDate === null ? null : utcText(pacificToUtcMs(shipment.voidDate)),
    void_type: null,
    refund_details: null,
    label_format: 'pdf',
    display_scheme: 'label',
    label_layout: '4x6',
    trackable: true,
    label_image_id: null,
    carrier_code: shipment.carrierCode,
    carrier_weight: weight,
    confirmation: confirmationOf(shipment.confirmation),
    tracking_status: trackingStatusOf(records.trackingStatus(shipment.trackingNumber)),
    label_download: { ...download(`label-${shipment.shipmentId}`), href: `${downloads}/label-${shipment.shipmentId}.pdf` },
    form_download: null,
    qr_code_download: null,
    insurance_claim: null,
    paperless_download: null,
    packages: [
      {
        package_id: LABEL_PACKAGE_ID_BASE + shipment.shipmentId,
        package_code: shipment.packageCode,
        weight,
        dimensions: v2Dimensions(shipment.dimensions),
        insured_value: money(shipment.insuranceOptions.insuredValue),
        tracking_number: shipment.trackingNumber,
        label_download: download(`labelpackage-${LABEL_PACKAGE_ID_BASE + shipment.shipmentId}`),
        qr_code_download: null,
        paperless_download: null,
        label_messages: { reference1: null, reference2: null, reference3: null },
        external_package_id: null,
        content_description: null,
        sequence: 1,
        alternative_identifiers: [],
        has_label_documents: false,
        has_form_documents: false,
        has_qr_code_documents: false,
        has_paperless_label_documents: false,
      },
    ],
    charge_event: 'carrier_default',
    alternative_identifiers: [],
    shipping_rule_id: null,
    tracking_url: trackingUrlFor(shipment.carrierCode, shipment.trackingNumber),
    pickup_windows: [],
    // The label row's own customerEmail (often null on V1 rows, as on the second recorded split label), never a gift buyer's.
    ship_to: { geolocation: [], ...v2Address(shipment.shipTo, order?.gift === true ? null : (shipment.customerEmail ?? null)) },
  };
}

/** One V1 fulfillment as the V2 fulfilment it is (assumed id mapping: fulfillmentId n ↔ `se-n`). */
export function v2FulfillmentOf(fulfillment: SimFulfillment, records: V2Records): SimV2Fulfillment {
  const order = records.order(fulfillment.orderId);
  const byProvider = fulfillment.sellerFillProviderId !== undefined && fulfillment.sellerFillProviderId !== null;
  return {
    fulfillment_id: seId(fulfillment.fulfillmentId),
    shipment_id: seId(fulfillment.orderId),
    shipment_number: fulfillment.orderNumber,
    user_id: fulfillment.userId,
    tracking_number: fulfillment.trackingNumber,
    created_at: utcText(pacificToUtcMs(fulfillment.createDate)),
    ship_date: utcText(pacificToUtcMs(fulfillment.shipDate)),
    voided_at: fulfillment.voidDate === null ? null : utcText(pacificToUtcMs(fulfillment.voidDate)),
    delivered_at: fulfillment.deliveryDate === null ? null : utcText(pacificToUtcMs(fulfillment.deliveryDate)),
    fulfillment_carrier_friendly_name: fulfillment.carrierCode,
    fulfillment_provider_id: seId(byProvider ? (fulfillment.sellerFillProviderId as number) : EXTERNAL_PROVIDER.id),
    fulfillment_provider_friendly_name: (byProvider ? fulfillment.sellerFillProviderName : undefined) ?? EXTERNAL_PROVIDER.name,
    fulfillment_provider_code: fulfillment.fulfillmentProviderCode ?? EXTERNAL_PROVIDER.code,
    fulfillment_service_code: fulfillment.fulfillmentServiceCode ?? EXTERNAL_PROVIDER.service,
    fulfillment_fee: money(fulfillment.fulfillmentFee),
    void_requested: fulfillment.voidRequested,
    voided: fulfillment.voided,
    order_source_notified: fulfillment.marketplaceNotified,
    notification_error_message: fulfillment.notifyErrorMessage,
    ship_to: v2Address(fulfillment.shipTo, order?.gift === true ? null : fulfillment.customerEmail),
  };
}

/**
 * `GET /v2/shipments`: filters `shipment_status`, `import_batch_id` (the orders imported together, as
 * SHIPMENT_CREATED_V2 points at them), `store_id`, `shipment_number`, `external_shipment_id`, `created_at_start/end`
 * and `modified_at_start/end` (ISO-8601 with offset, both ends inclusive); `sort_by` `modified_at` | `created_at`
 * (without it: by shipment id), `sort_dir` (default desc), `page`, `page_size` (default 25, at most 500).
 */
export function listV2Shipments(records: V2Records, url: URL): V2ShipmentList {
  const q = new V2Query(url.searchParams);
  q.refuseUnsupported(['batch_id', 'pickup_id', 'sales_order_id', 'ship_to_name', 'item_keyword', 'payment_date_start', 'payment_date_end']);
  const paging = q.paging();
  const status = q.oneOf('shipment_status', V2_SHIPMENT_STATUSES);
  const importBatch = q.text('import_batch_id');
  const storeId = q.seNumber('store_id');
  const shipmentNumber = q.text('shipment_number');
  const externalId = q.text('external_shipment_id');
  const created = q.range('created_at');
  const modified = q.range('modified_at');
  const sortBy = q.oneOf('sort_by', ['modified_at', 'created_at'] as const);
  const direction = q.direction();
  let orders: SimOrder[];
  if (importBatch === undefined) {
    orders = [...records.orders()];
  } else {
    const ids = records.importBatch(importBatch.toLowerCase()) ?? [];
    orders = ids.map((id) => records.order(id)).filter((order): order is SimOrder => order !== undefined);
  }
  if (status !== undefined) orders = orders.filter((order) => v2ShipmentStatusOf(order.orderStatus) === status);
  if (storeId !== undefined) orders = orders.filter((order) => order.advancedOptions.storeId === storeId);
  if (shipmentNumber !== undefined) orders = orders.filter((order) => order.orderNumber === shipmentNumber);
  if (externalId !== undefined) orders = orders.filter((order) => order.orderKey === externalId);
  orders = within(orders, created, (order) => pacificToUtcMs(order.createDate));
  orders = within(orders, modified, (order) => pacificToUtcMs(order.modifyDate));
  const key = sortBy === undefined ? undefined : (order: SimOrder): number => pacificToUtcMs(sortBy === 'created_at' ? order.createDate : order.modifyDate);
  const sorted = sortItems(orders, key, (order) => order.orderId, direction);
  const page = paginate(sorted, paging, records.baseUrl, url);
  return { shipments: page.items.map((order) => v2ShipmentOf(order, records)), ...page.paging };
}

/** `GET /v2/shipments/{shipment_id}`: one shipment, or the V2 404. */
export function getV2Shipment(records: V2Records, shipmentId: string): SimV2Shipment {
  const match = /^se-(\d+)$/i.exec(shipmentId);
  const order = match ? records.order(Number(match[1])) : undefined;
  if (order === undefined) throw new V2HttpError(404, 'validation', 'not_found', `Shipment ${shipmentId} was not found.`);
  return v2ShipmentOf(order, records);
}

/**
 * `GET /v2/labels`: filters `label_status`, `batch_id` (as LABEL_CREATED_V2 points at it), `shipment_id`,
 * `tracking_number`, `service_code`, `carrier_id`, `warehouse_id`, `created_at_start/end`; `sort_by` `created_at`
 * (default) | `modified_at` (a label changes only when voided: its void time, else its creation); `sort_dir` (default
 * desc), `page`, `page_size`. The spec has no void-time filter: a poll finds voids with `label_status=voided` (and
 * `created_at_*`, or `sort_by=modified_at`), and no parameter beyond the spec's is invented for it.
 */
export function listV2Labels(records: V2Records, url: URL): V2LabelList {
  const q = new V2Query(url.searchParams);
  q.refuseUnsupported(['rate_id']);
  const paging = q.paging();
  const status = q.oneOf('label_status', V2_LABEL_STATUSES);
  const batchId = q.seNumber('batch_id');
  const shipmentId = q.seNumber('shipment_id');
  const trackingNumber = q.text('tracking_number')?.toUpperCase();
  const serviceCode = q.text('service_code')?.toLowerCase();
  const carrierId = q.seNumber('carrier_id');
  const warehouseId = q.seNumber('warehouse_id');
  const created = q.range('created_at');
  const sortBy = q.oneOf('sort_by', ['modified_at', 'created_at'] as const) ?? 'created_at';
  const direction = q.direction();
  let labels = [...records.labels()];
  if (status !== undefined) labels = labels.filter(({ shipment }) => (shipment.voided ? 'voided' : 'completed') === status);
  if (batchId !== undefined) labels = labels.filter((label) => label.batchId === batchId);
  if (shipmentId !== undefined) labels = labels.filter(({ shipment }) => shipment.orderId === shipmentId);
  if (trackingNumber !== undefined) labels = labels.filter(({ shipment }) => shipment.trackingNumber.toUpperCase() === trackingNumber);
  if (serviceCode !== undefined) labels = labels.filter(({ shipment }) => shipment.serviceCode.toLowerCase() === serviceCode);
  if (carrierId !== undefined) labels = labels.filter(({ shipment }) => records.carrierId(shipment.carrierCode) === carrierId);
  if (warehouseId !== undefined) labels = labels.filter(({ shipment }) => shipment.warehouseId === warehouseId);
  labels = within(labels, created, ({ shipment }) => pacificToUtcMs(shipment.createDate));
  const sorted = sortItems(
    labels,
    ({ shipment }) => pacificToUtcMs(sortBy === 'modified_at' ? (shipment.voidDate ?? shipment.createDate) : shipment.createDate),
    ({ shipment }) => shipment.shipmentId,
    direction,
  );
  const page = paginate(sorted, paging, records.baseUrl, url);
  return { labels: page.items.map((label) => v2LabelOf(label, records)), ...page.paging };
}

/**
 * `GET /v2/fulfillments` (absent from the 2025-08 spec; shaped like the recorded answer): filters `fulfillment_id` and
 * `shipment_id` (as FULFILLMENT_SHIPPED_V2 points at them), `created_at_start/end` and, beyond what was seen,
 * `ship_date_start/end` (V1 has shipDate filters); sorted by `created_at` (the only `sort_by` accepted, as the labels'
 * default) in `sort_dir` (default desc); `page`, `page_size`.
 */
export function listV2Fulfillments(records: V2Records, url: URL): V2FulfillmentList {
  const q = new V2Query(url.searchParams);
  const paging = q.paging();
  const fulfillmentId = q.seNumber('fulfillment_id');
  const shipmentId = q.seNumber('shipment_id');
  const created = q.range('created_at');
  const shipped = q.range('ship_date');
  q.oneOf('sort_by', ['created_at'] as const);
  const direction = q.direction();
  let fulfillments = [...records.fulfillments()];
  if (fulfillmentId !== undefined) fulfillments = fulfillments.filter((f) => f.fulfillmentId === fulfillmentId);
  if (shipmentId !== undefined) fulfillments = fulfillments.filter((f) => f.orderId === shipmentId);
  fulfillments = within(fulfillments, created, (f) => pacificToUtcMs(f.createDate));
  fulfillments = within(fulfillments, shipped, (f) => pacificToUtcMs(f.shipDate));
  const sorted = sortItems(
    fulfillments,
    (f) => pacificToUtcMs(f.createDate),
    (f) => f.fulfillmentId,
    direction,
  );
  const page = paginate(sorted, paging, records.baseUrl, url);
  return { fulfillments: page.items.map((f) => v2FulfillmentOf(f, records)), ...page.paging };
}

/** `<origin>/v2/shipments?import_batch_id=<uuid>`: what SHIPMENT_CREATED_V2 (and, assumed, FULFILLMENT_REJECTED_V2) point at. */
export function v2ShipmentsBatchUrl(baseUrl: string, importBatchId: string): string {
  return `${baseUrl}/v2/shipments?import_batch_id=${importBatchId}`;
}

/** `<origin>/v2/labels?batch_id=se-<n>`: what LABEL_CREATED_V2 points at. */
export function v2LabelsBatchUrl(baseUrl: string, batchId: number): string {
  return `${baseUrl}/v2/labels?batch_id=${seId(batchId)}`;
}

/** `<origin>/v2/fulfillments?fulfillment_id=se-<n>&shipment_id=se-<m>`: what FULFILLMENT_SHIPPED_V2 points at. */
export function v2FulfillmentUrl(baseUrl: string, fulfillmentId: number, orderId: number): string {
  return `${baseUrl}/v2/fulfillments?fulfillment_id=${seId(fulfillmentId)}&shipment_id=${seId(orderId)}`;
}

const offsetsByHour = new Map<string, number>();

/**
 * The instant (epoch ms) of V1 Pacific wall-clock text (`2026-11-25T08:46:27.1230000`, `2026-11-25`), fast: the zone
 * offset is looked up (by luxon) once per wall-clock hour, so listing tens of thousands of orders stays cheap. In the
 * repeated hour of the fall-back night the earlier (daylight) reading is taken, as luxon does.
 */
export function pacificToUtcMs(text: string): number {
  const normalized = normalizePacificTimestamp(text);
  if (normalized === undefined) throw new Error(`'${text}' is not a Pacific wall-clock timestamp`);
  const hour = normalized.slice(0, 13);
  let offsetMinutes = offsetsByHour.get(hour);
  if (offsetMinutes === undefined) {
    if (offsetsByHour.size >= 100_000) offsetsByHour.clear();
    offsetMinutes = DateTime.fromISO(`${hour}:00:00`, { zone: PACIFIC_ZONE }).offset;
    offsetsByHour.set(hour, offsetMinutes);
  }
  const wallClock = Date.UTC(
    Number(normalized.slice(0, 4)),
    Number(normalized.slice(5, 7)) - 1,
    Number(normalized.slice(8, 10)),
    Number(normalized.slice(11, 13)),
    Number(normalized.slice(14, 16)),
    Number(normalized.slice(17, 19)),
    Number(normalized.slice(20, 23)),
  );
  return wallClock - offsetMinutes * 60_000;
}

/** V2 time text: UTC, `Z`, milliseconds with trailing zeros dropped (`…37.08Z`, `…37Z`), as the recorded times are. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** A V1 date (or the date of a V1 timestamp) as V2 writes dates: that day at midnight UTC, or null. */
function midnightZ(text: string | null): string | null {
  return text === null ? null : `${text.slice(0, 10)}T00:00:00Z`;
}

/** A label's ship date: Pacific midnight of its V1 `shipDate`, in UTC (`2026-08-12T07:00:00Z` in summer, as recorded). */
function pacificMidnightUtc(date: string): string {
  return utcText(pacificToUtcMs(date.slice(0, 10)));
}

function seId(id: number): string {
  return `se-${id}`;
}

function money(amount: number): V2Money {
  return { currency: 'usd', amount };
}

function v2Address(address: Address, email: string | null): V2Address {
  return {
    instructions: null,
    name: address.name,
    phone: address.phone,
    email,
    company_name: address.company,
    address_line1: address.street1,
    address_line2: address.street2,
    address_line3: address.street3,
    city_locality: address.city,
    state_province: address.state,
    postal_code: address.postalCode,
    country_code: address.country,
    address_residential_indicator: address.residential === null ? 'unknown' : address.residential ? 'yes' : 'no',
  };
}

/** V1 weight units (`ounces`, `pounds`, `grams`) as V2's singular ones. */
function v2Weight(weight: Weight | null): V2Weight | null {
  if (weight === null) return null;
  const units = weight.units.toLowerCase();
  const unit = units.startsWith('pound') ? 'pound' : units.startsWith('gram') ? 'gram' : units.startsWith('kilo') ? 'kilogram' : 'ounce';
  return { value: weight.value, unit };
}

/** V1 dimensions as V2's; without any, V2's defaults (zeros, inches). */
function v2Dimensions(dimensions: SimOrder['dimensions']): V2Dimensions {
  if (dimensions === null) return { unit: 'inch', length: 0, width: 0, height: 0 };
  const unit = dimensions.units.toLowerCase().startsWith('cent') ? 'centimeter' : 'inch';
  return { unit, length: dimensions.length, width: dimensions.width, height: dimensions.height };
}

function v2Item(item: SimOrderItem, orderSource: string | null): V2ShipmentItem {
  return {
    sales_order_id: null,
    sales_order_item_id: null,
    quantity: item.quantity,
    name: item.name,
    sku: item.sku,
    bundle_sku: null,
    external_order_id: null,
    // The channel's line id (V1 lineItemKey); `item_id` is ShipStation's own (V1 orderItemId).
    external_order_item_id: item.lineItemKey,
    asin: null,
    order_source_code: orderSource,
    item_id: String(item.orderItemId),
    allocation_status: null,
    image_url: item.imageUrl,
    weight: v2Weight(item.weight),
    unit_price: item.unitPrice,
    tax_amount: item.taxAmount,
    shipping_amount: item.shippingAmount,
    inventory_location: item.warehouseLocation,
    options: item.options.map(({ name, value }) => ({ name, value })),
    product_id: item.productId === null ? null : String(item.productId),
    fullfilment_sku: item.fulfillmentSku,
    upc: item.upc,
  };
}

/** The V2 order source of a V1 order: its store's marketplace when V2 names it (`shopify`), else null as recorded. */
function orderSourceOf(order: SimOrder): string | null {
  // The simulator's stores: 310001 is the demo Shopify store; the manual-orders store has no order source.
  return order.advancedOptions.storeId === 310001 ? 'shopify' : null;
}

function confirmationOf(confirmation: string | null): string {
  return confirmation !== null && DELIVERY_CONFIRMATIONS.includes(confirmation) ? confirmation : 'none';
}

function insuranceProviderOf(order: SimOrder): SimV2Shipment['insurance_provider'] {
  const { insureShipment, provider } = order.insuranceOptions;
  if (!insureShipment) return 'none';
  return provider === 'shipsurance' || provider === 'carrier' ? provider : 'third_party';
}

/** A label's `tracking_status` from its newest tracking update; before any, `in_transit` as the recorded new label has it. */
function trackingStatusOf(status: TrackStatusCode | undefined): SimV2Label['tracking_status'] {
  if (status === undefined) return 'in_transit';
  if (status === 'DE' || status === 'SP') return 'delivered';
  if (status === 'UN') return 'unknown';
  return 'in_transit';
}

interface Paging {
  page: number;
  pageSize: number;
}

interface Range {
  start: number | undefined;
  end: number | undefined;
}

function within<T>(items: T[], range: Range, instant: (item: T) => number): T[] {
  const { start, end } = range;
  if (start === undefined && end === undefined) return items;
  return items.filter((item) => {
    const at = instant(item);
    return (start === undefined || at >= start) && (end === undefined || at <= end);
  });
}

/** Sorted by `key` (none: by id alone), ties by id, both in `direction`; keys computed once per item. */
function sortItems<T>(items: T[], key: ((item: T) => number) | undefined, id: (item: T) => number, direction: 1 | -1): T[] {
  const keyed = items.map((item) => ({ item, key: key === undefined ? 0 : key(item), id: id(item) }));
  keyed.sort((a, b) => direction * (a.key !== b.key ? a.key - b.key : a.id - b.id));
  return keyed.map((entry) => entry.item);
}

/**
 * One page and its links. The links repeat the request's own filters in their order, then `page` and `page_size`, as the
 * recorded `links.first.href` does (`…/v2/shipments?import_batch_id=…&page=1&page_size=25`).
 */
function paginate<T>(items: T[], { page, pageSize }: Paging, baseUrl: string, url: URL): { items: T[]; paging: V2Paging } {
  const pages = Math.ceil(items.length / pageSize);
  const filters = [...url.searchParams].filter(([name]) => name !== 'page' && name !== 'page_size');
  const href = (n: number): string => {
    const params = new URLSearchParams(filters);
    params.append('page', String(n));
    params.append('page_size', String(pageSize));
    return `${baseUrl}${url.pathname}?${params.toString()}`;
  };
  const start = (page - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize),
    paging: {
      total: items.length,
      page,
      pages,
      links: {
        first: { href: href(1) },
        last: { href: href(Math.max(1, pages)) },
        prev: page > 1 ? { href: href(Math.min(page - 1, Math.max(1, pages))) } : {},
        next: page < pages ? { href: href(page + 1) } : {},
      },
    },
  };
}

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function invalid(field: string, message: string): V2HttpError {
  return new V2HttpError(400, 'validation', 'invalid_field_value', `${field}: ${message}`);
}

/** The query of a V2 list request; every bad value is a V2 400 naming the field. */
class V2Query {
  constructor(private readonly params: URLSearchParams) {}

  text(name: string): string | undefined {
    const value = this.params.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const found = allowed.find((candidate) => candidate === value.toLowerCase());
    if (found === undefined) throw invalid(name, `'${value}' is not one of ${allowed.join(', ')}.`);
    return found;
  }

  /** The number of an `se-<n>` id; -1 for a well-formed id that no simulator record can have (it matches nothing). */
  seNumber(name: string): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const match = /^se-(\d+)$/i.exec(value);
    if (match) return Number(match[1]);
    if (/^se(-[a-z0-9]+)+$/.test(value) && value.length <= 25) return -1;
    throw invalid(name, `'${value}' is not an id like se-12345.`);
  }

  /**
   * `<prefix>_start` / `<prefix>_end`: ISO-8601 date-times with an offset (`Z` or `±hh:mm`); both ends inclusive. A `+`
   * of an offset sent unencoded arrives as a space and is read back as `+`.
   */
  range(prefix: string): Range {
    return { start: this.instant(`${prefix}_start`), end: this.instant(`${prefix}_end`) };
  }

  paging(): Paging {
    const page = this.integer('page', 1);
    const pageSize = this.integer('page_size', 25);
    if (pageSize > V2_MAX_PAGE_SIZE) throw invalid('page_size', `must be ${V2_MAX_PAGE_SIZE} or less.`);
    return { page, pageSize };
  }

  direction(): 1 | -1 {
    return (this.oneOf('sort_dir', ['asc', 'desc'] as const) ?? 'desc') === 'asc' ? 1 : -1;
  }

  /** Spec'd filters the simulator cannot answer: a 400 rather than a silently unfiltered list. */
  refuseUnsupported(names: readonly string[]): void {
    for (const name of names) {
      if (this.text(name) !== undefined) throw invalid(name, 'this filter is not supported by the ShipStation simulator.');
    }
  }

  private integer(name: string, fallback: number): number {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw invalid(name, 'must be a whole number of 1 or more.');
    return Number(value);
  }

  private instant(name: string): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const value = raw.replace(/ (\d{2}:\d{2})$/, '+$1');
    const parsed = OFFSET_TIME.test(value) ? DateTime.fromISO(value, { setZone: true }) : undefined;
    if (parsed === undefined || !parsed.isValid) throw invalid(name, `'${raw}' is not an ISO-8601 date-time with an offset (e.g. 2026-11-20T14:05:00Z).`);
    return parsed.toMillis();
  }
}
