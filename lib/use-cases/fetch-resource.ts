// fetch-resource → fetchResource → ShipStation API → updates queue. Reads what a webhook points at, as snapshots.
import { BadInputError, CredentialsPausedError, ShipStationCredentialsError } from '../domain/errors.js';
import { inStores, type NotificationMessage } from '../domain/snapshot.js';
import type { AccountDirectory, CredentialStatusStore, ShipStationApi, UpdateQueue } from '../ports.js';

export interface FetchResourceDeps {
  accounts: AccountDirectory;
  shipStation: ShipStationApi;
  updates: UpdateQueue;
  credentials: CredentialStatusStore;
  log: { error(message: string, data: Record<string, unknown>): void; warn(message: string, data: Record<string, unknown>): void };
}

/** Raised after the readable records were enqueued, so the message is retried and finally dead-lettered, not lost. */
export class UnreadableRecordsError extends Error {
  constructor(readonly count: number, readonly sample: string) {
    super(`${count} record(s) in the resource did not parse: ${sample}`);
    this.name = 'UnreadableRecordsError';
  }
}

export type FetchResource = (message: NotificationMessage) => Promise<{ snapshots: number; requests: number }>;

/**
 * Fetches a notified resource and enqueues one snapshot per order, shipment or fulfilment. While the account's
 * ShipStation key is known to be invalid no request is made (the message waits and is retried); the first 401 marks
 * it invalid and is logged once.
 */
export function makeFetchResource(deps: FetchResourceDeps): FetchResource {
  return async (message) => {
    const account = deps.accounts.find(message.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${message.accountId}`);
    if (await deps.credentials.isInvalid(account.id, 'shipstation', account.shipStationFingerprint)) {
      throw new CredentialsPausedError(account.id, 'shipstation');
    }
    let fetched;
    try {
      fetched = await deps.shipStation.fetchResource(account.id, new URL(message.resourceUrl));
    } catch (error) {
      if (error instanceof ShipStationCredentialsError) {
        const first = await deps.credentials.markInvalid(account.id, 'shipstation', account.shipStationFingerprint, error.message);
        if (first) deps.log.error('shipstation credentials rejected; pausing the account', { accountId: account.id });
        throw new CredentialsPausedError(account.id, 'shipstation');
      }
      throw error;
    }
    // A rejected fulfilment is news about the order (status rejected_fulfillment), never a shipment: should the resource
    // list fulfilment records, they must not become `Order Shipped`.
    const relevant = message.resourceType === 'FULFILLMENT_REJECTED' ? fetched.snapshots.filter((s) => s.kind === 'order') : fetched.snapshots;
    if (relevant.length < fetched.snapshots.length) {
      deps.log.warn('shipment and fulfilment records of a rejection ignored', { accountId: account.id, ignored: fetched.snapshots.length - relevant.length });
    }
    // An account limited to some stores: another store's orders and labels belong to another account (or none).
    const snapshots = relevant.filter((s) => inStores(s, account.storeIds));
    await deps.updates.enqueueAll(snapshots);
    if (fetched.unreadable.length > 0) {
      deps.log.warn('unreadable records in resource', { accountId: account.id, unreadable: fetched.unreadable });
      const first = fetched.unreadable[0];
      throw new UnreadableRecordsError(fetched.unreadable.length, `${first?.kind}[${first?.index}]: ${first?.reason}`);
    }
    return { snapshots: snapshots.length, requests: fetched.requests };
  };
}
