import { checkResourceUrl, checkV2WebhookResource, checkWebhookResource, RESOURCE_PAGE_SIZE, WEBHOOK_RESOURCES } from '../../lib/domain/resource-url.js';

const SHIPSTATION = 'https://ssapi.shipstation.com';
const SIMULATOR = 'http://127.0.0.1:4010';

describe('checkResourceUrl', () => {
  describe('with the default ShipStation base URL', () => {
    it.each([
      [
        'the main API host with a query',
        'https://ssapi.shipstation.com/orders?importBatch=abc-123',
        'https://ssapi.shipstation.com/orders?importBatch=abc-123',
      ],
      ['a numbered API host', 'https://ssapi13.shipstation.com/shipments?batchId=42', 'https://ssapi13.shipstation.com/shipments?batchId=42'],
      [
        'an explicit :443, normalised to the default port',
        'https://ssapi.shipstation.com:443/orders?orderId=1',
        'https://ssapi.shipstation.com/orders?orderId=1',
      ],
      ['an upper-case host, normalised to lower case', 'https://SSAPI.ShipStation.com/orders', 'https://ssapi.shipstation.com/orders'],
    ])('allows %s', (_case, resourceUrl, expected) => {
      // Prepare: nothing beyond the URL

      // Act
      const result = checkResourceUrl(resourceUrl, SHIPSTATION);

      // Assess
      expect(result.ok).toBe(true);
      expect(result.ok && result.url.href).toBe(expected);
    });

    it.each([
      ['plain http', 'http://ssapi.shipstation.com/orders', 'resource_url must use https'],
      ['a look-alike host under another domain', 'https://ssapi.shipstation.com.evil.test/orders', 'resource_url is not on a ShipStation API host'],
      ['the ShipStation host only in the path', 'https://evil.test/ssapi.shipstation.com', 'resource_url is not on a ShipStation API host'],
      ['the ShipStation host as userinfo', 'https://ssapi.shipstation.com@evil.test/orders', 'resource_url must not carry credentials'],
      ['credentials on the real host', 'https://user:pw@ssapi.shipstation.com/orders', 'resource_url must not carry credentials'],
      ['another port', 'https://ssapi.shipstation.com:444/orders', 'resource_url must use the default port'],
      ['letters after ssapi', 'https://ssapiX.shipstation.com/orders', 'resource_url is not on a ShipStation API host'],
      ['the V2 API host', 'https://api.shipstation.com/orders', 'resource_url is not on a ShipStation API host'],
      ['the bare domain', 'https://shipstation.com/orders', 'resource_url is not on a ShipStation API host'],
      ['a prefix before ssapi', 'https://xssapi.shipstation.com/orders', 'resource_url is not on a ShipStation API host'],
      ['another top-level domain', 'https://ssapi.shipstation.co/orders', 'resource_url is not on a ShipStation API host'],
      ['text that is not a URL', 'not a url', 'resource_url is not an absolute URL'],
      ['a relative path', '/orders?orderId=1', 'resource_url is not an absolute URL'],
      ['a javascript: URL', 'javascript:fetch("https://ssapi.shipstation.com")', 'resource_url must use https'],
      ['a trailing-dot host', 'https://ssapi.shipstation.com./orders', 'resource_url is not on a ShipStation API host'],
    ])('refuses %s with a reason', (_case, resourceUrl, reason) => {
      // Prepare: nothing beyond the URL

      // Act
      const result = checkResourceUrl(resourceUrl, SHIPSTATION);

      // Assess
      expect(result).toEqual({ ok: false, reason });
    });

    it('allows a numbered API host even when the account is configured with another numbered host', () => {
      // Prepare
      const base = 'https://ssapi2.shipstation.com';

      // Act
      const result = checkResourceUrl('https://ssapi.shipstation.com/orders?orderId=1', base);

      // Assess
      expect(result.ok).toBe(true);
    });
  });

  describe('with an overridden base URL', () => {
    it('allows a URL on the same origin', () => {
      // Prepare
      const resourceUrl = `${SIMULATOR}/orders?importBatch=abc-123`;

      // Act
      const result = checkResourceUrl(resourceUrl, SIMULATOR);

      // Assess
      expect(result.ok).toBe(true);
      expect(result.ok && result.url.href).toBe('http://127.0.0.1:4010/orders?importBatch=abc-123');
    });

    it.each([
      ['another port', 'http://127.0.0.1:4011/orders'],
      ['another loopback name', 'http://localhost:4010/orders'],
      ['another scheme', 'https://127.0.0.1:4010/orders'],
      ['another host', 'http://10.0.0.5:4010/orders'],
      ["ShipStation's real host", 'https://ssapi.shipstation.com/orders'],
    ])('refuses %s', (_case, resourceUrl) => {
      // Prepare: nothing beyond the URL

      // Act
      const result = checkResourceUrl(resourceUrl, SIMULATOR);

      // Assess
      expect(result).toEqual({ ok: false, reason: 'resource_url is not on http://127.0.0.1:4010' });
    });

    it('refuses credentials on the same origin', () => {
      // Prepare
      const resourceUrl = 'http://user:pw@127.0.0.1:4010/orders';

      // Act
      const result = checkResourceUrl(resourceUrl, SIMULATOR);

      // Assess
      expect(result).toEqual({ ok: false, reason: 'resource_url must not carry credentials' });
    });
  });
});

describe('checkWebhookResource', () => {
  // The documented and recorded resource_urls (reference webhooks/bodies.json), on ShipStation's real hosts.
  it.each([
    [
      'ORDER_NOTIFY',
      'the docs example with a store',
      'https://ssapi6.shipstation.com/orders?storeID=123456&importBatch=1ab23c4d-12ab-1abc-a1bc-a12b12cdabcd',
      'orders',
      '1ab23c4d-12ab-1abc-a1bc-a12b12cdabcd',
    ],
    [
      'ORDER_NOTIFY',
      'an import batch alone',
      'https://ssapi.shipstation.com/orders?importBatch=1ab23c4d-12ab-1abc-a1bc-a12b12cdabcd',
      'orders',
      '1ab23c4d-12ab-1abc-a1bc-a12b12cdabcd',
    ],
    [
      'ITEM_ORDER_NOTIFY',
      'the docs example',
      'https://ssapi.shipstation.com/orders?storeID=123456&importBatch=1ab23c4d-12ab-1abc-a1bc-a12b12cdabcd',
      'orders',
      '1ab23c4d-12ab-1abc-a1bc-a12b12cdabcd',
    ],
    ['FULFILLMENT_REJECTED', 'the recorded orders URL', 'https://ssapi.shipstation.com/orders?storeID=123456&importBatch=1ab23c4d', 'orders', '1ab23c4d'],
    ['SHIP_NOTIFY', 'a recorded body', 'https://ssapi6.shipstation.com/shipments?batchId=190671332&includeShipmentItems=False', 'shipments', '190671332'],
    ['SHIP_NOTIFY', 'a batch alone', 'https://ssapi.shipstation.com/shipments?batchId=12345678', 'shipments', '12345678'],
    ['ITEM_SHIP_NOTIFY', 'items included', 'https://ssapi.shipstation.com/shipments?batchId=144015674&includeShipmentItems=True', 'shipments', '144015674'],
    [
      'SHIP_NOTIFY',
      'a store-scoped subscription',
      'https://ssapi.shipstation.com/shipments?storeID=310001&batchId=144015674&includeShipmentItems=False',
      'shipments',
      '144015674',
    ],
    ['FULFILLMENT_SHIPPED', 'a provider batch', 'https://ssapi.shipstation.com/fulfillments?batchId=144015675', 'fulfillments', '144015675'],
    ['ORDER_NOTIFY', 'parameter names in another case', 'https://ssapi.shipstation.com/orders?StoreId=1&IMPORTBATCH=abc', 'orders', 'abc'],
  ])('allows %s: %s', (type, _case, resourceUrl, resource, batch) => {
    // Prepare: nothing beyond the URL

    // Act
    const result = checkWebhookResource(type, resourceUrl, SHIPSTATION);

    // Assess
    expect(result).toMatchObject({ ok: true, shape: { resource }, batch });
  });

  it("allows the simulator's URLs on an overridden base URL", () => {
    // Prepare
    const resourceUrl = `${SIMULATOR}/shipments?batchId=42&includeShipmentItems=False`;

    // Act
    const result = checkWebhookResource('SHIP_NOTIFY', resourceUrl, SIMULATOR);

    // Assess
    expect(result).toMatchObject({ ok: true, batch: '42' });
  });

  // What a holder of a leaked webhook token could post: each would cost requests or read more than one batch.
  it.each([
    ['an unfiltered orders list', 'ORDER_NOTIFY', '/orders', 'resource_url of ORDER_NOTIFY must name its batch: /orders?importBatch=…'],
    ['a page size', 'ORDER_NOTIFY', '/orders?pageSize=1', 'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not pageSize'],
    ['a page size beside the batch', 'ORDER_NOTIFY', '/orders?importBatch=abc&pageSize=500', 'not pageSize'],
    ['a page size spelt in another case', 'ORDER_NOTIFY', '/orders?importBatch=abc&PAGESIZE=500', 'not PAGESIZE'],
    ['a page size percent-encoded', 'ORDER_NOTIFY', '/orders?importBatch=abc&page%53ize=500', 'not pageSize'],
    ['a page number', 'ORDER_NOTIFY', '/orders?importBatch=abc&page=7', 'not page'],
    ['another filter', 'ORDER_NOTIFY', '/orders?importBatch=abc&modifyDateStart=2020-01-01', 'not modifyDateStart'],
    ['a store filter alone', 'ORDER_NOTIFY', '/orders?storeID=123456', 'must name its batch'],
    ['a repeated batch', 'ORDER_NOTIFY', '/orders?importBatch=abc&importBatch=def', 'resource_url of ORDER_NOTIFY repeats importBatch'],
    ['a batch repeated in another case', 'ORDER_NOTIFY', '/orders?importBatch=abc&importbatch=def', 'repeats importBatch'],
    ['a repeated store', 'ORDER_NOTIFY', '/orders?storeID=1&importBatch=abc&storeId=2', 'repeats storeID'],
    ['an empty batch', 'ORDER_NOTIFY', '/orders?importBatch=', 'resource_url of ORDER_NOTIFY has an invalid importBatch'],
    ['a batch without a value', 'ORDER_NOTIFY', '/orders?importBatch', 'has an invalid importBatch'],
    ['a batch smuggling a second parameter', 'ORDER_NOTIFY', '/orders?importBatch=abc;pageSize=500', 'has an invalid importBatch'],
    ['a store that is not a number', 'ORDER_NOTIFY', '/orders?importBatch=abc&storeID=all', 'has an invalid storeID'],
    ['a label batch that is not a number', 'SHIP_NOTIFY', '/shipments?batchId=1%20OR%201', 'has an invalid batchId'],
    ['includeShipmentItems that is not a boolean', 'SHIP_NOTIFY', '/shipments?batchId=1&includeShipmentItems=yes', 'has an invalid includeShipmentItems'],
    ['a label list filtered by order', 'SHIP_NOTIFY', '/shipments?orderId=1', 'not orderId'],
    ['a label list of a date range', 'SHIP_NOTIFY', '/shipments?batchId=1&createDateStart=2020-01-01', 'not createDateStart'],
    ['one order by id', 'ORDER_NOTIFY', '/orders/123456', 'resource_url of ORDER_NOTIFY must be /orders?importBatch=…, not another path'],
    ['the orders path in another case', 'ORDER_NOTIFY', '/Orders?importBatch=abc', 'not another path'],
    ['a trailing slash', 'ORDER_NOTIFY', '/orders/?importBatch=abc', 'not another path'],
    ['another resource for the type', 'SHIP_NOTIFY', '/orders?importBatch=abc', 'resource_url of SHIP_NOTIFY must be /shipments?batchId=…, not another path'],
    ['the stores', 'FULFILLMENT_SHIPPED', '/stores', 'resource_url of FULFILLMENT_SHIPPED must be /fulfillments?batchId=…, not another path'],
    ['webhook subscriptions', 'FULFILLMENT_REJECTED', '/webhooks', 'not another path'],
    [
      'a store filter on fulfilments (they have none)',
      'FULFILLMENT_SHIPPED',
      '/fulfillments?batchId=1&storeID=2',
      'resource_url of FULFILLMENT_SHIPPED may carry only batchId, not storeID',
    ],
    ['a fragment', 'ORDER_NOTIFY', '/orders?importBatch=abc#x', 'must not carry a fragment'],
    ['a parameter name that is not an identifier', 'ORDER_NOTIFY', '/orders?importBatch=abc&a%40b.com=1', 'not a parameter'],
  ])('refuses %s with the reason', (_case, type, path, reason) => {
    // Prepare
    const resourceUrl = `https://ssapi.shipstation.com${path}`;

    // Act
    const result = checkWebhookResource(type, resourceUrl, SHIPSTATION);

    // Assess
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(reason) as string });
  });

  it('refuses off ShipStation first, with the origin reason', () => {
    // Prepare
    const resourceUrl = 'https://ssapi.shipstation.com.evil.test/orders?importBatch=abc';

    // Act
    const result = checkWebhookResource('ORDER_NOTIFY', resourceUrl, SHIPSTATION);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'resource_url is not on a ShipStation API host' });
  });

  it('refuses a resource type ShipStation V1 does not send, whatever the URL', () => {
    // Prepare
    const resourceUrl = 'https://ssapi.shipstation.com/orders?importBatch=abc';

    // Act
    const result = checkWebhookResource('__proto__', resourceUrl, SHIPSTATION);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'resource_type is not one ShipStation V1 sends' });
  });

  it("never repeats the sender's path or values in a reason", () => {
    // Prepare
    const email = 'buyer@example.com';

    // Act
    const reasons = [
      checkWebhookResource('ORDER_NOTIFY', `https://ssapi.shipstation.com/orders/${email}`, SHIPSTATION),
      checkWebhookResource('ORDER_NOTIFY', `https://ssapi.shipstation.com/orders?importBatch=${email}`, SHIPSTATION),
      checkWebhookResource('ORDER_NOTIFY', `https://ssapi.shipstation.com/orders?importBatch=abc&${email}=1`, SHIPSTATION),
    ].map((r) => (r.ok ? 'allowed' : r.reason));

    // Assess
    expect(reasons.filter((r) => r.includes('buyer') || r === 'allowed')).toEqual([]);
  });

  it('caps each batch to whole pages of the 500 our fetch asks for: import 2,500, labels 1,000, fulfilments 500', () => {
    // Prepare: nothing

    // Act
    const caps = Object.fromEntries(Object.entries(WEBHOOK_RESOURCES).map(([type, shape]) => [type, shape.maxRecords / RESOURCE_PAGE_SIZE]));

    // Assess
    expect(RESOURCE_PAGE_SIZE).toBe(500);
    expect(caps).toEqual({ ORDER_NOTIFY: 5, ITEM_ORDER_NOTIFY: 5, FULFILLMENT_REJECTED: 5, SHIP_NOTIFY: 2, ITEM_SHIP_NOTIFY: 2, FULFILLMENT_SHIPPED: 1 });
  });
});

describe('checkV2WebhookResource', () => {
  const V2 = 'https://api.shipstation.com';

  it.each([
    [
      'SHIPMENT_CREATED_V2',
      'https://api.shipstation.com/v2/shipments?import_batch_id=f08a8196-c760-4327-9379-42984c92022b',
      'f08a8196-c760-4327-9379-42984c92022b',
    ],
    ['LABEL_CREATED_V2', 'https://api.shipstation.com/v2/labels?batch_id=se-64616278', 'se-64616278'],
    ['FULFILLMENT_SHIPPED_V2', 'https://api.shipstation.com/v2/fulfillments?fulfillment_id=se-16731019&shipment_id=se-412669417', 'se-16731019'],
    ['FULFILLMENT_REJECTED_V2', 'https://api.shipstation.com/v2/fulfillments?shipment_id=se-412669417', 'se-412669417'],
    ['FULFILLMENT_REJECTED_V2', 'https://api.shipstation.com/v2/shipments?import_batch_id=abc-123', 'abc-123'],
  ])('accepts the captured (or assumed) shape of %s and names its batch', (type, url, batch) => {
    // Act
    const checked = checkV2WebhookResource(type, url, V2);

    // Assess
    expect(checked.ok && checked.batch).toBe(batch);
  });

  it.each([
    ['http on the V2 host', 'LABEL_CREATED_V2', 'http://api.shipstation.com/v2/labels?batch_id=se-1', 'resource_url must use https'],
    ['the V1 host', 'LABEL_CREATED_V2', 'https://ssapi.shipstation.com/v2/labels?batch_id=se-1', 'resource_url is not on a ShipStation API host'],
    ['credentials', 'LABEL_CREATED_V2', 'https://u:p@api.shipstation.com/v2/labels?batch_id=se-1', 'resource_url must not carry credentials'],
    [
      'a repeated filter',
      'LABEL_CREATED_V2',
      'https://api.shipstation.com/v2/labels?batch_id=se-1&batch_id=se-2',
      'resource_url of LABEL_CREATED_V2 repeats batch_id',
    ],
    [
      'a batch id without se-',
      'LABEL_CREATED_V2',
      'https://api.shipstation.com/v2/labels?batch_id=64616278',
      'resource_url of LABEL_CREATED_V2 has an invalid batch_id',
    ],
    ['a V1 type', 'SHIP_NOTIFY', 'https://api.shipstation.com/v2/labels?batch_id=se-1', 'resource_type is not a V2 pointer webhook'],
    ['a fragment', 'LABEL_CREATED_V2', 'https://api.shipstation.com/v2/labels?batch_id=se-1#x', 'resource_url of LABEL_CREATED_V2 must not carry a fragment'],
  ])('refuses %s, naming the rule', (_case, type, url, reason) => {
    // Act
    const checked = checkV2WebhookResource(type, url, V2);

    // Assess
    expect(checked).toEqual({ ok: false, reason });
  });

  it('allows exactly the origin of an overridden V2 base URL (a simulator)', () => {
    // Act
    const same = checkV2WebhookResource('LABEL_CREATED_V2', 'http://127.0.0.1:4010/v2/labels?batch_id=se-1', 'http://127.0.0.1:4010');
    const other = checkV2WebhookResource('LABEL_CREATED_V2', 'http://127.0.0.1:4011/v2/labels?batch_id=se-1', 'http://127.0.0.1:4010');

    // Assess
    expect(same.ok).toBe(true);
    expect(other).toEqual({ ok: false, reason: 'resource_url is not on http://127.0.0.1:4010' });
  });
});
