// The hosts credentials may go to: ShipStation's and Klaviyo's real hosts over https, or a loopback address (tests, the
// local simulators). Every base URL setting is checked here.
import * as z from '../domain/zod.js';

export const DEFAULT_SHIPSTATION_BASE_URL = 'https://ssapi.shipstation.com';
export const DEFAULT_KLAVIYO_BASE_URL = 'https://a.klaviyo.com';
export const DEFAULT_SHIPSTATION_V2_BASE_URL = 'https://api.shipstation.com';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const SHIPSTATION_HOST = /^ssapi\d*\.shipstation\.com$/;
export const SHIPSTATION_HOST_DESCRIPTION = 'ssapi<digits>.shipstation.com';
export const KLAVIYO_HOST = /^a\.klaviyo\.com$/;
export const KLAVIYO_HOST_DESCRIPTION = 'a.klaviyo.com';
export const SHIPSTATION_V2_HOST = /^api\.shipstation\.com$/;
export const SHIPSTATION_V2_HOST_DESCRIPTION = 'api.shipstation.com';
/** The JWKS is public (no credential is sent), but whoever serves it decides which signatures verify. */
export const JWKS_HOST = /^api\.(shipstation\.com|shipengine\.com|eu\.shipengine\.com)$/;

/**
 * Credentials are only ever sent to ShipStation and Klaviyo: a base URL is either the real service's host over https
 * or a loopback address (tests, the local simulators).
 */
export const onHost = (realHost: RegExp, value: string): boolean => {
  try {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '') return false;
    if (LOOPBACK.has(url.hostname)) return url.protocol === 'http:' || url.protocol === 'https:';
    return url.protocol === 'https:' && realHost.test(url.hostname) && url.port === '';
  } catch {
    return false;
  }
};

/** A base URL on realHost (or loopback), `fallback` when unset, without a trailing slash. */
export const baseUrl = (realHost: RegExp, fallback: string, message: string): z.ZodMiniType<string> =>
  z.pipe(
    z._default(z.string({ error: message }), fallback).check(z.refine((value) => onHost(realHost, value), message)),
    z.transform((value) => value.replace(/\/+$/, '')),
  );
