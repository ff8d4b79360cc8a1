import { checkResourceUrl } from '../../lib/domain/resource-url.js';

const SHIPSTATION = 'https://ssapi.shipstation.com';
const SIMULATOR = 'http://127.0.0.1:4010';

describe('checkResourceUrl', () => {
  describe('with the default ShipStation base URL', () => {
    it.each([
      ['the main API host with a query', 'https://ssapi.shipstation.com/orders?importBatch=abc-123', 'https://ssapi.shipstation.com/orders?importBatch=abc-123'],
      ['a numbered API host', 'https://ssapi13.shipstation.com/shipments?batchId=42', 'https://ssapi13.shipstation.com/shipments?batchId=42'],
      ['an explicit :443, normalised to the default port', 'https://ssapi.shipstation.com:443/orders?orderId=1', 'https://ssapi.shipstation.com/orders?orderId=1'],
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
