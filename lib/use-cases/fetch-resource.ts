// fetch-resource → fetchResource → ShipStation API → updates queue. Reads what a webhook points at, as snapshots.
import { BadInputError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import { inStores, type NotificationMessage } from '../domain/snapshot.js';
import type { AccountDirectory, ShipStationApi, UpdateQueue } from '../ports.js';
import { keyState, reportRejectedKey, reportWorkingKey, type CredentialHealthDeps } from './credential-health.js';

export interface FetchResourceDeps extends CredentialHealthDeps {
  accounts: AccountDirectory;
  shipStation: ShipStationApi;
  updates: UpdateQueue;
  log: CredentialHealthDeps['log'] & { warn(message: string, data: Record<string, unknown>): void };
}

/** Raised after the readable records were enqueued, so the message is retried and finally dead-lettered, not lost. */
export class UnreadableRecordsError extends Error {
  constructor(readonly count: number, readonly sample: string) {
    super(`${count} record(s) in the resource did not parse: ${sample}`);
    this.name = 'UnreadableRecordsError';
  }
}

/** `deferred`: the account's ShipStation key is refused, so the fetch was left to the catch-up poll. */
export type FetchResource = (message: NotificationMessage) => Promise<{ snapshots: number; requests: number; deferred?: true }>;

/**
 * Fetches a notified resource and enqueues one snapshot per order, shipment or fulfilment.
 *
 * While the account's ShipStation key is refused no request is made: the notification is deferred to the catch-up
 * poll, which reads everything since the cursor (the cursor stops where the key failed) once a new key works, so
 * nothing it points at is lost and no retries pile up against ShipStation. The first 401 pauses the account and
 * raises one alert; the first success of a replacing key ends the pause and queues the catch-up.
 */
export function makeFetchResource(deps: FetchResourceDeps): FetchResource {
  return async (message) => {
    const account = deps.accounts.find(message.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${message.accountId}`);
    const deferred = { snapshots: 0, requests: 0, deferred: true as const };
    const state = await keyState(deps, account, 'shipstation');
    if (state === 'paused') {
      deps.log.warn('notification deferred to the catch-up poll: the shipstation key is refused', { accountId: account.id, resourceType: message.resourceType });
      return deferred;
    }
    let fetched;
    try {
      fetched = await deps.shipStation.fetchResource(account.id, new URL(message.resourceUrl));
    } catch (error) {
      if (!(error instanceof ShipStationCredentialsError)) throw error;
      if (!(await reportRejectedKey(deps, account, 'shipstation', error.message)) && (await keyState(deps, account, 'shipstation')) === 'working') {
        // A key already replaced by a working one (this container's accounts cache is behind): retry with the new one.
        throw new TransientError('ShipStation refused a key that has since been replaced; retried with the new key');
      }
      return { ...deferred, requests: 1 };
    }
    if (state === 'replaced') await reportWorkingKey(deps, account, 'shipstation', { queueCatchUp: true });
    // A rejected fulfilment is news about the order (status rejected_fulfillment), never a shipment: should the resource
    // list fulfilment records, they must not become `Order Shipped`.
    const relevant = message.resourceType === 'FULFILLMENT_REJECTED' ? fetched.snapshots.filter((s) => s.kind === 'order') : fetched.snapshots;
    if (relevant.length < fetched.snapshots.length) {
      deps.log.warn('shipment and fulfilment records of a rejection ignored', { accountId: account.id, ignored: fetched.snapshots.length - relevant.length });
    }
    // An account limited to some stores: another store's orders and labels belong to another account (or none).
    // A webhook's label or fulfilment has no order snapshot coming after it: an order never seen is read at once.
    const snapshots = relevant.filter((s) => inStores(s, account.storeIds)).map((s) => (s.kind === 'order' ? s : { ...s, waitedForOrder: true as const }));
    await deps.updates.enqueueAll(snapshots);
    if (fetched.unreadable.length > 0) {
      deps.log.warn('unreadable records in resource', { accountId: account.id, unreadable: fetched.unreadable });
      const first = fetched.unreadable[0];
      throw new UnreadableRecordsError(fetched.unreadable.length, `${first?.kind}[${first?.index}]: ${first?.reason}`);
    }
    return { snapshots: snapshots.length, requests: fetched.requests };
  };
}
