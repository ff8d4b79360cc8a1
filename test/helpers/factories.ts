// Test data: raw ShipStation V1 records as the API returns them (Pacific wall-clock text, 7 fractional digits) and the
// snapshots and events built from them. Each factory returns a fresh object; pass overrides for the case at hand.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { MappingContext } from '../../lib/domain/event-mapping.js';
import type { KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import type { OrderState } from '../../lib/domain/order-state.js';
import type { Customer, FulfillmentSnapshot, OrderSnapshot, ShipmentSnapshot } from '../../lib/domain/snapshot.js';

type Json = Record<string, unknown>;

/** A raw V1 address, shaped like the `shipTo` / `billTo` of `GET /orders`. */
export function rawAddress(overrides: Json = {}): Json {
  return {
    name: 'Jane Doe',
    company: null,
    street1: '1 Market St',
    street2: '',
    street3: null,
    city: 'San Francisco',
    state: 'CA',
    postalCode: '94105',
    country: 'US',
    phone: '(415) 555-0132',
    residential: true,
    addressVerified: 'Address validated successfully',
    ...overrides,
  };
}

/** A raw V1 order item. */
export function rawOrderItem(overrides: Json = {}): Json {
  return {
    orderItemId: 501,
    lineItemKey: 'li-501',
    sku: 'MUG-BLUE',
    name: 'Blue Mug',
    imageUrl: 'https://cdn.example.com/mug-blue.png',
    weight: { value: 12, units: 'ounces', WeightUnits: 1 },
    quantity: 2,
    unitPrice: 14.99,
    taxAmount: null,
    shippingAmount: null,
    warehouseLocation: null,
    options: [],
    productId: 77,
    fulfillmentSku: null,
    adjustment: false,
    upc: null,
    createDate: '2026-07-04T10:15:00.0000000',
    modifyDate: '2026-07-04T10:15:00.0000000',
    ...overrides,
  };
}

/** A raw V1 order as `GET /orders` returns it: awaiting shipment, created 2026-07-04 10:15 Pacific (PDT). */
export function rawOrder(overrides: Json = {}): Json {
  return {
    orderId: 123456,
    orderNumber: 'A-1001',
    orderKey: 'key-123456',
    orderDate: '2026-07-04T10:00:00.0000000',
    createDate: '2026-07-04T10:15:00.0000000',
    modifyDate: '2026-07-04T10:20:00.0000000',
    paymentDate: '2026-07-04T10:00:00.0000000',
    shipByDate: '2026-07-08T00:00:00.0000000',
    orderStatus: 'awaiting_shipment',
    customerId: 42,
    customerUsername: 'jane.doe@example.com',
    customerEmail: 'jane.doe@example.com',
    billTo: rawAddress({ street1: null, city: null, state: null, postalCode: null, country: null, phone: null, residential: null, addressVerified: null }),
    shipTo: rawAddress(),
    items: [rawOrderItem()],
    orderTotal: 34.97,
    amountPaid: 34.97,
    taxAmount: 0,
    shippingAmount: 4.99,
    customerNotes: null,
    internalNotes: null,
    gift: false,
    giftMessage: null,
    paymentMethod: 'Credit Card',
    requestedShippingService: 'USPS Priority Mail',
    carrierCode: null,
    serviceCode: null,
    packageCode: null,
    confirmation: 'none',
    shipDate: null,
    holdUntilDate: null,
    weight: { value: 24, units: 'ounces', WeightUnits: 1 },
    dimensions: null,
    insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 },
    internationalOptions: { contents: null, customsItems: null, nonDelivery: null },
    advancedOptions: { warehouseId: 1, storeId: 9001, mergedOrSplit: false, mergedIds: [], parentId: null, source: 'shopify' },
    tagIds: null,
    userId: null,
    externallyFulfilled: false,
    externallyFulfilledBy: null,
    ...overrides,
  };
}

/** A raw V1 shipment (a label) for {@link rawOrder}, created 2026-07-05 09:00 Pacific, with items. */
export function rawShipment(overrides: Json = {}): Json {
  return {
    shipmentId: 987654,
    orderId: 123456,
    orderKey: 'key-123456',
    userId: 'user-1',
    customerEmail: 'jane.doe@example.com',
    orderNumber: 'A-1001',
    createDate: '2026-07-05T09:00:00.0000000',
    shipDate: '2026-07-05',
    shipmentCost: 7.8,
    insuranceCost: 0,
    trackingNumber: '1Z999AA10123456784',
    isReturnLabel: false,
    batchNumber: null,
    carrierCode: 'ups',
    serviceCode: 'ups_ground',
    packageCode: 'package',
    confirmation: 'none',
    warehouseId: 1,
    voided: false,
    voidDate: null,
    marketplaceNotified: true,
    notifyErrorMessage: null,
    shipTo: rawAddress(),
    weight: { value: 24, units: 'ounces', WeightUnits: 1 },
    dimensions: null,
    insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 },
    advancedOptions: { warehouseId: 1, storeId: 9001 },
    shipmentItems: [rawOrderItem()],
    labelData: null,
    formData: null,
    ...overrides,
  };
}

/** A raw V1 fulfillment ("Mark as Shipped" or a fulfilment partner) for {@link rawOrder}. */
export function rawFulfillment(overrides: Json = {}): Json {
  return {
    fulfillmentId: 33001,
    orderId: 123456,
    orderNumber: 'A-1001',
    userId: 'user-1',
    customerEmail: 'jane.doe@example.com',
    trackingNumber: '9400111899223197428490',
    createDate: '2026-07-05T11:30:00.0000000',
    shipDate: '2026-07-05T00:00:00.0000000',
    voidDate: null,
    deliveryDate: null,
    carrierCode: 'usps',
    sellerFillProviderId: 12,
    sellerFillProviderName: 'Amazon FBA',
    fulfillmentServiceCode: null,
    fulfillmentProviderCode: 'amazon_fba',
    fulfillmentFee: 0,
    voidRequested: false,
    voided: false,
    marketplaceNotified: true,
    notifyErrorMessage: null,
    shipTo: rawAddress(),
    ...overrides,
  };
}

/** The buyer of {@link rawOrder}: bill-to names Jane Doe only, the ship-to is the same person, so it lends phone and place. */
export function buyer(overrides: Partial<Customer> = {}): Customer {
  return {
    email: 'jane.doe@example.com',
    phone: '+14155550132',
    firstName: 'Jane',
    lastName: 'Doe',
    location: { city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' },
    ...overrides,
  };
}

/** The snapshot of {@link rawOrder} as the normaliser builds it. */
export function orderSnapshot(overrides: Partial<OrderSnapshot> = {}): OrderSnapshot {
  return {
    kind: 'order',
    accountId: 'default',
    orderId: 123456,
    orderNumber: 'A-1001',
    status: 'awaiting_shipment',
    createdAt: '2026-07-04T17:15:00.000Z',
    modifiedAt: '2026-07-04T17:20:00.000Z',
    orderedAt: '2026-07-04T17:00:00.000Z',
    shipByDate: '2026-07-08',
    total: 34.97,
    requestedShippingService: 'USPS Priority Mail',
    storeId: 9001,
    customer: buyer(),
    gift: false,
    shipTo: { city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' },
    items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99, imageUrl: 'https://cdn.example.com/mug-blue.png' }],
    ...overrides,
  };
}

/** The snapshot of {@link rawShipment}. */
export function shipmentSnapshot(overrides: Partial<ShipmentSnapshot> = {}): ShipmentSnapshot {
  return {
    kind: 'shipment',
    accountId: 'default',
    orderId: 123456,
    orderNumber: 'A-1001',
    shipmentId: 987654,
    createdAt: '2026-07-05T16:00:00.000Z',
    shipDate: '2026-07-05',
    carrierCode: 'ups',
    serviceCode: 'ups_ground',
    trackingNumber: '1Z999AA10123456784',
    isReturnLabel: false,
    voided: false,
    storeId: 9001,
    customerEmail: 'jane.doe@example.com',
    shipTo: { city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' },
    items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99, imageUrl: 'https://cdn.example.com/mug-blue.png' }],
    ...overrides,
  };
}

/** The snapshot of {@link rawFulfillment}. */
export function fulfillmentSnapshot(overrides: Partial<FulfillmentSnapshot> = {}): FulfillmentSnapshot {
  return {
    kind: 'fulfillment',
    accountId: 'default',
    orderId: 123456,
    orderNumber: 'A-1001',
    fulfillmentId: 33001,
    createdAt: '2026-07-05T18:30:00.000Z',
    shipDate: '2026-07-05',
    carrierCode: 'usps',
    trackingNumber: '9400111899223197428490',
    provider: 'Amazon FBA',
    voided: false,
    customerEmail: 'jane.doe@example.com',
    shipTo: { city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' },
    items: [],
    ...overrides,
  };
}

/** Stored state of the order in {@link orderSnapshot} after that snapshot was applied. */
export function orderState(overrides: Partial<OrderState> = {}): OrderState {
  return {
    accountId: 'default',
    orderId: 123456,
    status: 'awaiting_shipment',
    statusSince: '2026-07-04T17:20:00.000Z',
    modifiedAt: '2026-07-04T17:20:00.000Z',
    orderNumber: 'A-1001',
    total: 34.97,
    buyer: buyer(),
    items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99, imageUrl: 'https://cdn.example.com/mug-blue.png' }],
    gift: false,
    version: 1,
    ...overrides,
  };
}

/** The environment of a single-account deployment. */
export function validEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SHIPSTATION_API_KEY: 'ss-key-0123456789',
    SHIPSTATION_API_SECRET: 'ss-secret-0123456789',
    SHIPSTATION_KEY_EXPIRES_ON: '2027-07-01',
    KLAVIYO_PRIVATE_KEY: 'pk_FAKE_not_a_real_key',
    WEBHOOK_TOKEN: 'a-webhook-token-of-32-characters',
    TABLE_NAME: 'sync-table',
    NOTIFICATIONS_QUEUE_URL: 'http://localhost:9324/000000000000/notifications',
    HISTORY_QUEUE_URL: 'http://localhost:9324/000000000000/history',
    POLLS_QUEUE_URL: 'http://localhost:9324/000000000000/polls',
    UPDATES_QUEUE_URL: 'http://localhost:9324/000000000000/updates',
    ...overrides,
  };
}

/** An API Gateway HTTP API (payload 2.0) event for `POST /webhooks/{accountId}?token=...`. */
export function webhookEvent(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{accountId}',
    rawPath: '/webhooks/default',
    rawQueryString: 'token=a-webhook-token-of-32-characters',
    headers: { 'content-type': 'application/json' },
    queryStringParameters: { token: 'a-webhook-token-of-32-characters' },
    pathParameters: { accountId: 'default' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: 'POST', path: '/webhooks/default', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'ShipStation' },
      requestId: 'req-1',
      routeKey: 'POST /webhooks/{accountId}',
      stage: '$default',
      time: '04/Jul/2026:17:20:00 +0000',
      timeEpoch: 1_783_185_600_000,
    },
    body: JSON.stringify({ resource_url: 'https://ssapi.shipstation.com/orders?importBatch=abc-123', resource_type: 'ORDER_NOTIFY' }),
    isBase64Encoded: false,
    ...overrides,
  };
}

/** Mapping settings for the event builders: account `default`, no prefix, backfill after 24 h, a fixed "now". */
export const mappingContext = (overrides: Partial<MappingContext> = {}): MappingContext => ({
  accountId: 'default',
  metricPrefix: '',
  backfillAfterHours: 24,
  now: new Date('2026-07-05T18:00:00.000Z'),
  ...overrides,
});

/** A historical `Order Shipped` event for order `n` (backfill), as the bulk sender receives it. */
export function historicalShippedEvent(n: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent {
  return {
    accountId: 'default',
    metric: 'Order Shipped',
    time: '2026-04-01T12:00:00.000Z',
    uniqueId: `ss:default:shipment:${n}:shipped`,
    value: 34.97,
    properties: { OrderId: String(n), OrderNumber: `A-${n}`, Items: [{ SKU: 'MUG-BLUE', Quantity: 2 }] },
    profile: { email: 'jane.doe@example.com', firstName: 'Jane', lastName: 'Doe' },
    backfill: true,
    orderId: n,
    ...overrides,
  };
}
