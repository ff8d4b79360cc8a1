// publish-events → resolveServiceName → (in-container memo, DynamoDB cache, ShipStation `listservices`) → a display name.
// Customers read "USPS First Class Mail", not `usps_first_class_mail`: each carrier's services are read from the
// account's ShipStation once a week at most (one request from the shared budget) and kept for every container.
import { knownServiceName } from '../domain/carriers.js';
import type { Account, CarrierService, CarrierServiceCache, Clock, ShipStationServiceCatalog } from '../ports.js';
import { keyState, type CredentialHealthDeps } from './credential-health.js';

export interface ResolveServiceNameDeps extends Pick<CredentialHealthDeps, 'credentials'> {
  catalog: ShipStationServiceCatalog;
  cache: CarrierServiceCache;
  clock: Clock;
  log: { warn(message: string, data: Record<string, unknown>): void };
}

/**
 * The display name of a service. `mayFetch: false` (history events, which trigger no flow) reads only what is kept;
 * otherwise a list that is missing or older than a week is read from ShipStation. Never throws: a list that cannot be
 * read falls back to the names ShipStation gives common services, then to nothing (the raw code stays `ServiceCode`).
 */
export type ResolveServiceName = (
  account: Account,
  carrierCode: string | undefined,
  serviceCode: string | undefined,
  options: { mayFetch: boolean },
) => Promise<string | undefined>;

/** How long a carrier's service list is trusted. */
const LIST_MAX_AGE_MS = 7 * 86_400_000;
/** How long a container keeps a list (or a failed read) before it asks the cache again. */
const MEMO_MS = 60 * 60_000;
/** After a failed read, how long before ShipStation is asked again. */
const RETRY_AFTER_FAILURE_MS = 10 * 60_000;

/** Builds the resolver; one per container, so its memo of each carrier's list is shared by every invocation there. */
export function makeResolveServiceName(deps: ResolveServiceNameDeps): ResolveServiceName {
  /** Per account and carrier: the list this container holds (or knows it lacks) until `until`. */
  const memo = new Map<string, { services: CarrierService[] | undefined; until: number; readFailed: boolean }>();

  const listOf = async (account: Account, carrierCode: string, mayFetch: boolean): Promise<CarrierService[] | undefined> => {
    const key = `${account.id}\u0000${carrierCode}`;
    const now = deps.clock.now().getTime();
    const remembered = memo.get(key);
    // A missing list is remembered too, but a caller that may read ShipStation reads it unless a read just failed.
    if (remembered !== undefined && remembered.until > now && (remembered.services !== undefined || !mayFetch || remembered.readFailed))
      return remembered.services;
    const cached = await deps.cache.get(account.id, carrierCode);
    const fresh = cached !== undefined && now - Date.parse(cached.fetchedAt) < LIST_MAX_AGE_MS;
    if (cached !== undefined && (fresh || !mayFetch)) {
      memo.set(key, { services: cached.services, until: now + MEMO_MS, readFailed: false });
      return cached.services;
    }
    if (!mayFetch) {
      memo.set(key, { services: undefined, until: now + MEMO_MS, readFailed: false });
      return undefined;
    }
    // An account on API V2 only: V1's service list cannot be read (the common names stand).
    if (account.shipStationFingerprint === undefined) return cached?.services;
    if ((await keyState(deps, account, 'shipstation')) === 'paused') return cached?.services;
    try {
      const services = await deps.catalog.listServices(account.id, carrierCode);
      await deps.cache.put(account.id, carrierCode, services, deps.clock.now());
      memo.set(key, { services, until: now + MEMO_MS, readFailed: false });
      return services;
    } catch (error) {
      deps.log.warn('carrier services could not be read; common names used', {
        accountId: account.id,
        carrierCode,
        reason: error instanceof Error ? error.message : String(error),
      });
      memo.set(key, { services: cached?.services, until: now + RETRY_AFTER_FAILURE_MS, readFailed: true });
      return cached?.services;
    }
  };

  return async (account, carrierCode, serviceCode, options) => {
    const code = serviceCode?.trim().toLowerCase();
    if (code === undefined || code === '') return undefined;
    const services =
      carrierCode === undefined || carrierCode.trim() === '' ? undefined : await listOf(account, carrierCode.trim().toLowerCase(), options.mayFetch);
    const listed = services?.find((s) => s.code.toLowerCase() === code)?.name.trim();
    return listed !== undefined && listed !== '' ? listed : knownServiceName(code);
  };
}
