// The state and stale rules every snapshot goes through, live or history: the order's state and delay check, the order
// of a label or fulfilment (waited for, or read), its tracking record; how each event then leaves is the caller's.
import { BadInputError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import {
  emailOnlyFacts,
  fulfillmentShippedEvent,
  fulfillmentVoidedEvent,
  orderStatusEvent,
  shipmentShippedEvent,
  shipmentVoidedEvent,
  type MappingContext,
  type OrderFacts,
} from '../domain/event-mapping.js';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import { decideOrderUpdate, recordShipment, type OrderDecision, type OrderState } from '../domain/order-state.js';
import { delayDue, recordFromSnapshot, sameRecord, shipmentKeyOf, type DueCheck, type ShipmentRecord } from '../domain/shipment-tracking.js';
import { inStores, type FulfillmentSnapshot, type OrderSnapshot, type ShipmentSnapshot, type Snapshot } from '../domain/snapshot.js';
import type { Account, AccountDirectory, DueCheckStore, OrderLookup, OrderStateStore, ShipmentRecordStore } from '../ports.js';
import { keyState, reportRejectedKey } from './credential-health.js';
import type { ResolveServiceName } from './resolve-service-name.js';
import { noOutcome, type Deliver, type PublishOutcome, type SendingDeps } from './sending.js';
import { writeVersioned } from './versioned-write.js';

/** What publishing snapshots needs besides sending: the order states, the shipments kept for tracking, the due checks. */
export interface SnapshotPublisherDeps extends SendingDeps {
  accounts: AccountDirectory;
  orderStates: OrderStateStore;
  backfillAfterHours: number;
  /** Labels and fulfilments as tracking needs them (kept for accounts with a V2 key). */
  shipments: ShipmentRecordStore;
  /** Checks due later: orders that may be delayed, packages that may be stalled. */
  due: DueCheckStore;
  delays: DelaySettings;
  /** Reads an order no snapshot brought (a label or fulfilment of an order never seen), through the shared budget. */
  orders: OrderLookup;
  /** Display names of carrier services (`usps_first_class_mail` → "USPS First Class Mail"). */
  serviceNames: ResolveServiceName;
  /** How long a polled label whose order is unknown waits for it (ORDER_WAIT_SECONDS), before the order is read. */
  orderWaitSeconds: number;
}

/**
 * Puts a label or fulfilment back on its queue to wait for its order (the poll enqueues a window's orders before its
 * labels, and consumers run in parallel): marked `waitedForOrder`, so next time an order still unknown is read instead.
 */
export type WaitForOrder = (snapshot: ShipmentSnapshot | FulfillmentSnapshot) => Promise<void>;

/** When silence becomes news (ORDER_DELAYED_AFTER_HOURS, SHIPMENT_STALLED_AFTER_DAYS). */
export interface DelaySettings {
  orderDelayedAfterHours: number;
  shipmentStalledAfterDays: number;
}

/** Publishes one snapshot: at most one Klaviyo event, exactly once. */
export type PublishSnapshot = (snapshot: Snapshot) => Promise<PublishOutcome>;

/** What a shipment's events say about its order: the buyer, items and total kept in its state, else the label's own email. */
function factsOf(state: OrderState | undefined, snapshot: ShipmentSnapshot | FulfillmentSnapshot): OrderFacts {
  if (state?.buyer === undefined) return emailOnlyFacts(snapshot.customerEmail, state);
  return { orderNumber: state.orderNumber, total: state.total, buyer: state.buyer, items: state.items, gift: state.gift };
}

/** The context an event of this account (and snapshot) is mapped with. */
const contextFor = (deps: SnapshotPublisherDeps, account: Account, snapshot?: Snapshot): MappingContext => ({
  accountId: account.id,
  metricPrefix: account.metricPrefix,
  backfillAfterHours: deps.backfillAfterHours,
  now: deps.clock.now(),
  history: snapshot?.history === true,
});

/** Reads, decides and conditionally writes the order state, retrying when another writer won the race. */
async function updateOrderState<R>(
  deps: SnapshotPublisherDeps,
  accountId: string,
  orderId: number,
  decide: (state: OrderState | undefined) => { write?: OrderState; result: R },
  justRead?: { state: OrderState | undefined },
  beforeWrite?: (next: OrderState, stored: OrderState | undefined) => Promise<void>,
): Promise<R> {
  // A state this invocation has just read is the first attempt's (one read fewer); a lost race reads afresh.
  let fresh = justRead;
  const read = async (): Promise<OrderState | undefined> => {
    if (fresh === undefined) return deps.orderStates.get(accountId, orderId);
    const { state } = fresh;
    fresh = undefined;
    return state;
  };
  return writeVersioned(read, (state) => deps.orderStates.put(state), decide, `order ${orderId} state`, beforeWrite);
}

/** Applies an order snapshot to the order's state and its delay check, then delivers the status event it implies (none when stale). */
async function publishOrder(deps: SnapshotPublisherDeps, deliver: Deliver, account: Account, snapshot: OrderSnapshot, outcome: PublishOutcome): Promise<void> {
  const due = delayDue(snapshot, deps.delays.orderDelayedAfterHours, account.timeZone);
  const longOverdue = due !== undefined && deps.clock.now().getTime() - Date.parse(due.dueAt) > deps.backfillAfterHours * 3_600_000;
  // The check is stored before the state names its time, so a crash between never leaves a state without its check;
  // a state that already names it needs no rewrite (the sweep takes the buyer and items from the state).
  const checkFirst = async (next: OrderState, stored: OrderState | undefined): Promise<void> => {
    if (due === undefined || next.delayDueAt !== due.dueAt || stored?.delayDueAt === due.dueAt) return;
    await deps.due.schedule({ kind: 'order-delayed', accountId: account.id, orderId: snapshot.orderId, dueAt: due.dueAt, reason: due.reason, order: snapshot });
  };
  const { decision, before, kept } = await updateOrderState<{ decision: OrderDecision; before: OrderState | undefined; kept: typeof due }>(
    deps,
    account.id,
    snapshot.orderId,
    (state) => {
      const d = decideOrderUpdate(state, snapshot, { v1Tells: account.shipStationFingerprint !== undefined, history: snapshot.history === true });
      if (d.outcome !== 'current') return { result: { decision: d, before: state, kept: undefined } };
      // The delay check follows the newest snapshot: a new ship-by date moves it, shipping or cancelling ends it. An
      // order first seen long past its due time (an import, orders left unshipped for weeks) gets none, on every
      // later sighting too: its Order Delayed would only be history, and a flood of it.
      const keep = due !== undefined && (state?.delayDueAt === due.dueAt || !longOverdue) ? due : undefined;
      const next: OrderState = { ...d.next };
      if (keep === undefined) delete next.delayDueAt;
      else next.delayDueAt = keep.dueAt;
      const changed = d.changed || next.delayDueAt !== state?.delayDueAt;
      return { write: changed ? next : undefined, result: { decision: d, before: state, kept: keep } };
    },
    undefined,
    checkFirst,
  );
  if (decision.outcome === 'stale') {
    outcome.stale = true;
    deps.metrics.staleSuppressed(1);
    deps.log.info('stale snapshot suppressed', { accountId: account.id, orderId: snapshot.orderId, status: snapshot.status, reason: decision.reason });
    return;
  }
  await dropOutdatedDelayCheck(deps, account, snapshot, kept, before?.delayDueAt);
  const event = orderStatusEvent(snapshot, decision.statusSince, contextFor(deps, account, snapshot));
  if (event !== undefined) await deliver(account, event, outcome);
}

/** Removes a delay check the order's state no longer names (the sweep would drop it too, later). */
async function dropOutdatedDelayCheck(
  deps: SnapshotPublisherDeps,
  account: Account,
  snapshot: OrderSnapshot,
  due: ReturnType<typeof delayDue>,
  previousDueAt: string | undefined,
): Promise<void> {
  if (previousDueAt !== undefined && previousDueAt !== due?.dueAt) {
    const outdated: DueCheck = {
      kind: 'order-delayed',
      accountId: account.id,
      orderId: snapshot.orderId,
      dueAt: previousDueAt,
      reason: 'no_label_in_time',
      order: snapshot,
    };
    await deps.due.remove(outdated);
  }
}

/** Whether the label's or fulfilment's record is kept for tracking: accounts with a V2 key, outbound shipments. */
const keepsRecord = (account: Account, snapshot: ShipmentSnapshot | FulfillmentSnapshot): boolean =>
  account.shipStationV2Fingerprint !== undefined && !(snapshot.kind === 'shipment' && snapshot.isReturnLabel);

/**
 * Keeps the label's or fulfilment's record for tracking (accounts with a V2 key only: without one no tracking update
 * ever comes), pointed at by its tracking number and label id, so a tracking update that arrives next finds its order.
 */
async function recordForTracking(
  deps: SnapshotPublisherDeps,
  account: Account,
  snapshot: ShipmentSnapshot | FulfillmentSnapshot,
  order: OrderFacts,
  serviceName: string | undefined,
  /** The record as read with the order's state just before (the first attempt's; a lost race reads afresh). */
  justRead?: { record: ShipmentRecord | undefined },
): Promise<void> {
  if (!keepsRecord(account, snapshot)) return;
  const key = shipmentKeyOf(snapshot);
  let fresh = justRead;
  // The pointers go first: a record is only ever written once its tracking number and label id point at it, so a
  // record already stored as this snapshot would make it needs neither rewriting nor new pointers.
  await writeVersioned<ShipmentRecord, void>(
    async () => {
      if (fresh === undefined) return deps.shipments.get(account.id, snapshot.orderId, key);
      const { record } = fresh;
      fresh = undefined;
      return record;
    },
    (record) => deps.shipments.put(record),
    (stored) => {
      const next = recordFromSnapshot(snapshot, stored, order, serviceName);
      return { write: stored !== undefined && sameRecord(stored, next) ? undefined : next, result: undefined };
    },
    `shipment ${key} record`,
    async () => {
      if (!snapshot.voided) await deps.shipments.link(account.id, { orderId: snapshot.orderId, shipmentKey: key, trackingNumber: snapshot.trackingNumber });
    },
  );
}

/**
 * The order of a label or fulfilment that no order snapshot brought: read once from ShipStation (one request from the
 * shared budget) and applied like any order snapshot (its own status event included, deduplicated as ever). Not read
 * while the account's ShipStation key is refused, nor when ShipStation no longer has it: the caller then falls back
 * to the label's own email. A transient failure propagates (the message is retried).
 */
async function lookUpOrder(
  deps: SnapshotPublisherDeps,
  deliver: Deliver,
  account: Account,
  snapshot: ShipmentSnapshot | FulfillmentSnapshot,
  outcome: PublishOutcome,
): Promise<{ state: OrderState | undefined } | 'busy'> {
  const ids = { accountId: account.id, orderId: snapshot.orderId, kind: snapshot.kind };
  const current = async (): Promise<{ state: OrderState | undefined }> => ({ state: await deps.orderStates.get(account.id, snapshot.orderId) });
  // The order is read with the V1 key pair, or with the V2 key on an account that has no V1 pair.
  const service = account.shipStationFingerprint === undefined ? 'shipstation-v2' : 'shipstation';
  if ((await keyState(deps, account, service)) === 'paused') {
    deps.log.warn(`order of a shipment not read: the ${service} key is refused; its own email identifies the buyer`, ids);
    return current();
  }
  let fetched: OrderSnapshot | undefined;
  try {
    fetched = await deps.orders.fetchOrder(account.id, snapshot.orderId);
  } catch (error) {
    if (error instanceof ShipStationCredentialsError) {
      await reportRejectedKey(deps, account, error.service, error.message);
      return current();
    }
    // The shared budget is spent for now: the caller lets the shipment wait rather than hold a consumer.
    if (error instanceof TransientError && error.retryAfterSeconds !== undefined) return 'busy';
    if (!(error instanceof BadInputError)) throw error;
    deps.log.warn('order of a shipment unreadable in shipstation; its own email identifies the buyer', { ...ids, reason: error.message });
    return current();
  }
  outcome.orderLookedUp = true;
  if (fetched === undefined) {
    deps.log.warn('order of a shipment not found in shipstation; its own email identifies the buyer', ids);
    return current();
  }
  if (!inStores(fetched, account.storeIds)) {
    deps.log.info('order of a shipment belongs to another store; not applied', ids);
    return current();
  }
  deps.log.info('order of a shipment read from shipstation', ids);
  await publishOrder(deps, deliver, account, snapshot.history === true ? { ...fetched, history: true } : fetched, outcome);
  return current();
}

/**
 * The state and stale rules shared by the live and the history paths; `deliver` decides how an event goes out, and
 * `waitForOrder` (absent: never wait) where a label whose order is unknown waits for it.
 */
export function makeSnapshotPublisher(
  deps: SnapshotPublisherDeps,
  deliver: Deliver,
  waitForOrder?: WaitForOrder,
  limits: { maxOrderLookups?: number } = {},
): PublishSnapshot {
  /** Orders this publisher may still read (publish-history makes one per batch; the rest of the batch waits). */
  let lookupsLeft = limits.maxOrderLookups ?? Number.POSITIVE_INFINITY;

  /**
   * Shared by labels and fulfilments: find the order's buyer (waiting for the order, or reading it, when it was never
   * seen), record the shipment on the order, then ship or handle the void.
   */
  const publishShipping = async (
    account: Account,
    snapshot: ShipmentSnapshot | FulfillmentSnapshot,
    shippedEvent: (order: OrderFacts, serviceName: string | undefined) => KlaviyoEvent,
    voidedEvent: (order: OrderFacts, serviceName: string | undefined) => KlaviyoEvent | undefined,
    outcome: PublishOutcome,
  ): Promise<void> => {
    // V1 fulfilments carry no store id: with a store filter, one is this account's only if its order is in an allowed
    // store (another store's customer must never reach this account's Klaviyo).
    const foreignFulfilment = (state: OrderState | undefined, storeUnknownToo: boolean): boolean =>
      snapshot.kind === 'fulfillment' &&
      account.storeIds !== undefined &&
      (state?.storeId === undefined ? storeUnknownToo : !account.storeIds.includes(state.storeId));
    const skipForeign = (): void =>
      deps.log.info("fulfilment of an order not in the account's stores; skipped", { accountId: account.id, orderId: snapshot.orderId });
    // With a record to keep, the order's state and the record come in one read of the order's partition.
    const both =
      keepsRecord(account, snapshot) && deps.orderStates.getWithShipment !== undefined
        ? await deps.orderStates.getWithShipment(account.id, snapshot.orderId, shipmentKeyOf(snapshot))
        : undefined;
    let known = both === undefined ? await deps.orderStates.get(account.id, snapshot.orderId) : both.state;
    if (foreignFulfilment(known, false)) return skipForeign();
    if (known?.buyer === undefined) {
      const wait = async (why: string): Promise<void> => {
        await waitForOrder?.({ ...snapshot, waitedForOrder: true });
        outcome.waitingForOrder = true;
        deps.log.info('shipment waits for its order', {
          accountId: account.id,
          orderId: snapshot.orderId,
          kind: snapshot.kind,
          waitSeconds: deps.orderWaitSeconds,
          why,
        });
      };
      if (waitForOrder !== undefined && snapshot.waitedForOrder !== true) return wait('order not applied yet');
      if (waitForOrder !== undefined && lookupsLeft <= 0) return wait('enough orders read in this invocation');
      lookupsLeft -= 1;
      const looked = await lookUpOrder(deps, deliver, account, snapshot, outcome);
      if (looked === 'busy') {
        if (waitForOrder === undefined) throw new TransientError(`order ${snapshot.orderId} could not be read now (ShipStation budget)`);
        return wait('ShipStation budget spent for now');
      }
      known = looked.state;
    }
    if (foreignFulfilment(known, true)) return skipForeign();
    const serviceName =
      snapshot.kind === 'shipment'
        ? await deps.serviceNames(account, snapshot.carrierCode, snapshot.serviceCode, { mayFetch: snapshot.history !== true })
        : undefined;
    const outbound = !snapshot.voided && !(snapshot.kind === 'shipment' && snapshot.isReturnLabel);
    const order = await updateOrderState(
      deps,
      account.id,
      snapshot.orderId,
      (state) => ({
        write: outbound ? recordShipment(state, snapshot, snapshot.createdAt) : undefined,
        result: state,
      }),
      { state: known },
    );
    const facts = factsOf(order ?? known, snapshot);
    await recordForTracking(deps, account, snapshot, facts, serviceName, both === undefined ? undefined : { record: both.record });
    const shipped = shippedEvent(facts, serviceName);
    if (!snapshot.voided) {
      await deliver(account, shipped, outcome);
      return;
    }
    const result = await deps.ledger.suppress(account.id, shipped.uniqueId, 'voided before it was sent', deps.clock.now());
    if (result === 'in-flight') throw new TransientError(`event ${shipped.uniqueId} is being sent; the void waits for it`);
    if (result === 'already-sent') {
      const voided = voidedEvent(facts, serviceName);
      if (voided !== undefined) await deliver(account, voided, outcome);
      else deps.log.info('return label voided after it was announced; nothing to send', { accountId: account.id, orderId: snapshot.orderId });
      return;
    }
    outcome.suppressed.push(shipped.uniqueId);
    deps.log.info('voided before shipped event; nothing sent', { accountId: account.id, orderId: snapshot.orderId, uniqueId: shipped.uniqueId, result });
  };

  return async (snapshot) => {
    const account = deps.accounts.find(snapshot.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${snapshot.accountId}`);
    const outcome = noOutcome();
    const context = contextFor(deps, account, snapshot);
    switch (snapshot.kind) {
      case 'order':
        await publishOrder(deps, deliver, account, snapshot, outcome);
        break;
      case 'shipment':
        await publishShipping(
          account,
          snapshot,
          (order, serviceName) => shipmentShippedEvent(snapshot, order, context, serviceName),
          // A voided return label concerns the merchant, not the customer: nothing to announce.
          (order, serviceName) => (snapshot.isReturnLabel ? undefined : shipmentVoidedEvent(snapshot, order, context, serviceName)),
          outcome,
        );
        break;
      case 'fulfillment':
        await publishShipping(
          account,
          snapshot,
          (order) => fulfillmentShippedEvent(snapshot, order, context),
          (order) => fulfillmentVoidedEvent(snapshot, order, context),
          outcome,
        );
        break;
    }
    return outcome;
  };
}
