// Which resource_url a webhook may make us fetch with the account's credentials (SSRF guard, DESIGN §3.6).

const SHIPSTATION_API_HOST = /^ssapi\d*\.shipstation\.com$/;

/**
 * Allows a webhook resource_url only on the account's ShipStation origin: by default exactly
 * `https://ssapi<digits?>.shipstation.com` on the default port; when the base URL is overridden (tests, local
 * simulator) exactly that base URL's origin. Never userinfo. Returns the reason when the URL is refused.
 * @param resourceUrl the URL from the webhook body
 * @param shipStationBaseUrl the account's configured ShipStation base URL
 */
export function checkResourceUrl(resourceUrl: string, shipStationBaseUrl: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(resourceUrl);
  } catch {
    return { ok: false, reason: 'resource_url is not an absolute URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'resource_url must not carry credentials' };
  const base = new URL(shipStationBaseUrl);
  if (SHIPSTATION_API_HOST.test(base.hostname) && base.protocol === 'https:' && base.port === '') {
    if (url.protocol !== 'https:') return { ok: false, reason: 'resource_url must use https' };
    if (url.port !== '') return { ok: false, reason: 'resource_url must use the default port' };
    if (!SHIPSTATION_API_HOST.test(url.hostname)) return { ok: false, reason: 'resource_url is not on a ShipStation API host' };
    return { ok: true, url };
  }
  if (url.origin !== base.origin) return { ok: false, reason: `resource_url is not on ${base.origin}` };
  return { ok: true, url };
}
