// fetch-resource → fetchResource → ShipStation API (V1, or V2 for V2 pointer webhooks) → updates queue. Reads what a
// webhook points at, as snapshots.
import { BadInputError, ResourceTooLargeError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import { isV2ResourceType } from '../domain/shipstation-v2.js';
import { inStores, type NotificationMessage, type OrderSnapshot, type Snapshot } from '../domain/snapshot.js';
import type { Account, AccountDirectory, EventLedger, FetchedResource, ServiceMetrics, ShipStationApi, ShipStationV2Reader, UpdateQueue } from '../ports.js';
import { keyState, reportRejectedKey, reportWorkingKey, type CredentialHealthDeps } from './credential-health.js';
import { deadLetterOversized } from './dead-letter-oversized.js';
import { reportUnknownStatuses } from './unknown-statuses.js';

export interface FetchResourceDeps extends CredentialHealthDeps {
  accounts: AccountDirectory;
  shipStation: ShipStationApi;
  /** V2 pointer webhooks (SHIPMENT_CREATED_V2, LABEL_CREATED_V2, FULFILLMENT_*_V2), read with the account's V2 key. */
  shipStationV2: Pick<ShipStationV2Reader, 'fetchV2Resource' | 'fetchV2Order'>;
  updates: UpdateQueue;
  /** Where a resource over its cap and a record too large for a queue message are dead-lettered with the reason. */
  ledger: Pick<EventLedger, 'deadLetter'>;
  metrics: Pick<ServiceMetrics, 'deadLettered' | 'unknownStatus'>;
  log: CredentialHealthDeps['log'] & { warn(message: string, data: Record<string, unknown>): void };
}

/** Raised after the readable records were enqueued, so the message is retried and finally dead-lettered, not lost. */
export class UnreadableRecordsError extends Error {
  constructor(
    readonly count: number,
    readonly sample: string,
  ) {
    super(`${count} record(s) in the resource did not parse: ${sample}`);
    this.name = 'UnreadableRecordsError';
  }
}

/**
 * `deferred`: the account's ShipStation key is refused, so the fetch was left to the catch-up poll. `deadLettered`: the
 * resource held more than its type's cap; it was dead-lettered (once per batch) and left to the poll.
 */
export type FetchResource = (message: NotificationMessage) => Promise<{ snapshots: number; requests: number; deferred?: true; deadLettered?: true }>;

/**
 * Fetches a notified resource and enqueues one snapshot per order, shipment or fulfilment.
 *
 * While the account's ShipStation key is refused no request is made: the notification is deferred to the catch-up
 * poll, which reads everything since the cursor (the cursor stops where the key failed) once a new key works, so
 * nothing it points at is lost and no retries pile up against ShipStation. The first 401 pauses the account and
 * raises one alert; the first success of a replacing key ends the pause and queues the catch-up.
 *
 * A resource over its cap is permanent: it becomes one dead-letter record saying why (the message then succeeds, and is
 * not retried), and the poll reads those records anyway. A record too large for a queue message is dead-lettered alone.
 */
export function makeFetchResource(deps: FetchResourceDeps): FetchResource {
  /** One record per batch (a redelivered or repeated notification of it rewrites the same one), saying why. */
  const deadLetterOverCap = async (account: Account, message: NotificationMessage, error: ResourceTooLargeError): Promise<void> => {
    await deps.ledger.deadLetter({
      accountId: account.id,
      uniqueId: `ss:${account.id}:resource:${message.resourceType}:${error.batch}`,
      metric: '(resource over its cap)',
      orderId: 0,
      reason: `${error.message} (it is not retried: the poll reads these records)`,
      body: {
        resourceType: message.resourceType,
        resourceUrl: message.resourceUrl,
        receivedAt: message.receivedAt,
        records: error.records,
        maxRecords: error.maxRecords,
      },
      at: deps.clock.now().toISOString(),
    });
    deps.metrics.deadLettered(1);
    deps.log.error('webhook resource over its cap dead-lettered', {
      accountId: account.id,
      resourceType: message.resourceType,
      records: error.records,
      maxRecords: error.maxRecords,
    });
  };

  /**
   * A V2 rejection names fulfilments or the order's shipments (no real body was found): each becomes its order in
   * `rejected_fulfillment`, as V1's FULFILLMENT_REJECTED does, its order read from V2 when only the fulfilment came.
   */
  const rejectedOrders = async (account: Account, fetched: FetchedResource): Promise<Snapshot[]> => {
    const orders: OrderSnapshot[] = [];
    for (const snapshot of fetched.snapshots) {
      if (snapshot.kind === 'order') {
        orders.push({ ...snapshot, status: 'rejected_fulfillment' });
      } else if (snapshot.kind === 'fulfillment') {
        const order = await deps.shipStationV2.fetchV2Order(account.id, snapshot.orderId);
        if (order === undefined) continue;
        // The rejection is news after the order's last change, and after the fulfilment it rejects.
        const at = [order.modifiedAt, snapshot.createdAt].sort().at(-1) ?? order.modifiedAt;
        orders.push({ ...order, status: 'rejected_fulfillment', modifiedAt: at });
      }
    }
    return orders;
  };

  return async (message) => {
    const account = deps.accounts.find(message.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${message.accountId}`);
    const v2 = isV2ResourceType(message.resourceType);
    const service = v2 ? 'shipstation-v2' : 'shipstation';
    if ((v2 ? account.shipStationV2Fingerprint : account.shipStationFingerprint) === undefined) {
      throw new BadInputError(
        `account ${account.id} has no ShipStation ${v2 ? 'V2 API key' : 'V1 key pair'} to read its ${message.resourceType} webhooks with`,
      );
    }
    const deferred = { snapshots: 0, requests: 0, deferred: true as const };
    const state = await keyState(deps, account, service);
    if (state === 'paused') {
      deps.log.warn(`notification deferred to the catch-up poll: the ${service} key is refused`, {
        accountId: account.id,
        resourceType: message.resourceType,
      });
      return deferred;
    }
    let fetched: FetchedResource;
    try {
      const url = new URL(message.resourceUrl);
      fetched = v2
        ? await deps.shipStationV2.fetchV2Resource(account.id, url, message.resourceType)
        : await deps.shipStation.fetchResource(account.id, url, message.resourceType);
    } catch (error) {
      if (error instanceof ResourceTooLargeError) {
        await deadLetterOverCap(account, message, error);
        // ShipStation answered the page: a key that replaced a refused one works.
        if (state === 'replaced') await reportWorkingKey(deps, account, service, { queueCatchUp: true });
        return { snapshots: 0, requests: error.requests, deadLettered: true };
      }
      if (!(error instanceof ShipStationCredentialsError)) throw error;
      if (!(await reportRejectedKey(deps, account, service, error.message)) && (await keyState(deps, account, service)) === 'working') {
        // A key already replaced by a working one (this container's accounts cache is behind): retry with the new one.
        throw new TransientError('ShipStation refused a key that has since been replaced; retried with the new key');
      }
      return { ...deferred, requests: 1 };
    }
    if (state === 'replaced') await reportWorkingKey(deps, account, service, { queueCatchUp: true });
    reportUnknownStatuses(deps, account.id, fetched.unknownStatuses);
    // A rejected fulfilment is news about the order (status rejected_fulfillment), never a shipment: should the resource
    // list fulfilment records, they must not become `Order Shipped`.
    const relevant =
      message.resourceType === 'FULFILLMENT_REJECTED'
        ? fetched.snapshots.filter((s) => s.kind === 'order')
        : message.resourceType === 'FULFILLMENT_REJECTED_V2'
          ? await rejectedOrders(account, fetched)
          : fetched.snapshots;
    if (relevant.length < fetched.snapshots.length) {
      deps.log.warn('shipment and fulfilment records of a rejection ignored', { accountId: account.id, ignored: fetched.snapshots.length - relevant.length });
    }
    // An account limited to some stores: another store's orders and labels belong to another account (or none).
    // A webhook's label or fulfilment has no order snapshot coming after it: an order never seen is read at once.
    const mine = relevant.filter((s) => inStores(s, account.storeIds)).map((s) => (s.kind === 'order' ? s : { ...s, waitedForOrder: true as const }));
    // Bigger than a queue message: dead-lettered alone, as the poll does, so the rest of the batch goes through.
    const snapshots = await deadLetterOversized(deps, account.id, mine);
    await deps.updates.enqueueAll(snapshots);
    if (fetched.unreadable.length > 0) {
      deps.log.warn('unreadable records in resource', { accountId: account.id, unreadable: fetched.unreadable });
      const first = fetched.unreadable[0];
      throw new UnreadableRecordsError(fetched.unreadable.length, `${first?.kind}[${first?.index}]: ${first?.reason}`);
    }
    return { snapshots: snapshots.length, requests: fetched.requests };
  };
}
