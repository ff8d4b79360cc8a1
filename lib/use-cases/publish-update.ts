// publish-events → publishUpdate → (order state, event ledger in DynamoDB) → Klaviyo Create Event.
// Exactly once: the order state decides which event a snapshot implies, the ledger lets one worker send it once,
// Klaviyo's unique_id is the second line of defence.
import { BadInputError, KlaviyoRejectedError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
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
import { createEventBody, hasProfileIdentifier, type KlaviyoEvent } from '../domain/klaviyo-event.js';
import { decideOrderUpdate, recordShipment, type OrderDecision, type OrderState } from '../domain/order-state.js';
import { delayDue, recordFromSnapshot, sameRecord, shipmentKeyOf, type DueCheck, type ShipmentRecord } from '../domain/shipment-tracking.js';
import { inStores, type FulfillmentSnapshot, type OrderSnapshot, type ShipmentSnapshot, type Snapshot } from '../domain/snapshot.js';
import type { Account, AccountDirectory, Clock, DueCheckStore, EventLedger, HeldEventStore, KlaviyoApi, OrderLookup, OrderStateStore, ServiceMetrics, ShipmentRecordStore, UpdateQueue } from '../ports.js';
import { keyState, reportOutage, reportRejectedKey, reportWorkingKey, type CredentialHealthDeps, type KeyState } from './credential-health.js';
import type { ResolveServiceName } from './resolve-service-name.js';

export interface PublishUpdateDeps extends CredentialHealthDeps {
  accounts: AccountDirectory;
  orderStates: OrderStateStore;
  ledger: EventLedger;
  klaviyo: KlaviyoApi;
  /** Where events wait while the account's Klaviyo key is refused or Klaviyo is down. */
  held: HeldEventStore;
  metrics: ServiceMetrics;
  clock: Clock;
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
  log: CredentialHealthDeps['log'] & { warn(message: string, data: Record<string, unknown>): void };
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

/** What publishing one snapshot did; counted for logs and tests. */
export interface PublishOutcome {
  sent: string[];
  deduplicated: string[];
  deadLettered: string[];
  suppressed: string[];
  /** Events held because the account's Klaviyo key is refused or Klaviyo is down; sent once Klaviyo takes them again. */
  held: string[];
  stale: boolean;
  /** A label or fulfilment was put back to wait for its order (see WaitForOrder); nothing was sent yet. */
  waitingForOrder?: true;
  /** The order of a label or fulfilment was read from ShipStation (it was never seen). */
  orderLookedUp?: true;
}

/** An empty outcome. */
export const noOutcome = (): PublishOutcome => ({ sent: [], deduplicated: [], deadLettered: [], suppressed: [], held: [], stale: false });

export type PublishUpdate = (snapshot: Snapshot) => Promise<PublishOutcome>;

const MAX_STATE_ATTEMPTS = 5;
const IN_FLIGHT_RECHECKS = 3;
const IN_FLIGHT_RECHECK_MS = 500;

/** A claim won for sending, with the state of the Klaviyo key it will be sent with. */
export interface Claimed {
  claimId: string;
  keyState: KeyState;
}

/** Hands one event on for sending (live: at once; history: collected for a bulk request). */
export type Deliver = (account: Account, event: KlaviyoEvent, outcome: PublishOutcome) => Promise<void>;

/**
 * Claims an event for sending and checks it can be sent: returns the claim's id, or undefined when it was already
 * handled, was dead-lettered (no email or phone), or was held because the account's Klaviyo key is refused.
 */
export async function claimForSending(deps: PublishUpdateDeps, account: Account, event: KlaviyoEvent, outcome: PublishOutcome): Promise<Claimed | undefined> {
  const ids = { accountId: account.id, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric };
  let claimed = await deps.ledger.claim(account.id, event.uniqueId, deps.clock.now());
  // A claim held by another worker (the same event twice in one batch) is rechecked briefly.
  for (let recheck = 0; claimed.status === 'in-flight' && recheck < IN_FLIGHT_RECHECKS; recheck += 1) {
    await deps.clock.sleep(IN_FLIGHT_RECHECK_MS);
    claimed = await deps.ledger.claim(account.id, event.uniqueId, deps.clock.now());
  }
  if (claimed.status === 'in-flight') throw new TransientError(`event ${event.uniqueId} is being sent by another worker`);
  if (claimed.status !== 'claimed') {
    outcome.deduplicated.push(event.uniqueId);
    deps.metrics.eventsDeduplicated(1);
    deps.log.info('event already handled', { ...ids, claim: claimed.status });
    return undefined;
  }
  if (!hasProfileIdentifier(event.profile)) {
    // Not final: if the order later gets an email, the same event can still be sent.
    const reason = event.profile.emailRejected === true
      ? "the order's customer email cannot receive mail (not a valid address) and it has no valid phone number, so Klaviyo cannot attach the event to a profile"
      : 'the order has no customer email and no valid phone number, so Klaviyo cannot attach the event to a profile';
    await deadLetterEvent(deps, event, claimed.claimId, reason, { final: false }, outcome);
    await deps.ledger.release(account.id, event.uniqueId, claimed.claimId);
    return undefined;
  }
  const state = await keyState(deps, account, 'klaviyo');
  if (state === 'paused' || state === 'outage') {
    // In an outage the events held before this one leave first, so this one waits behind them (order per profile).
    await holdEvents(deps, account, [{ event, claimId: claimed.claimId }], state === 'paused' ? 'the Klaviyo key is refused' : 'Klaviyo is unavailable', outcome);
    // A release may have ended the outage while this was being held: it must not wait for the next scheduled poll.
    if (state === 'outage' && (await keyState(deps, account, 'klaviyo')) !== 'outage') await deps.pollJobs.enqueue([{ accountId: account.id, reason: 'release', attempt: 0 }]);
    return undefined;
  }
  return { claimId: claimed.claimId, keyState: state };
}

/**
 * Holds claimed events while the account's Klaviyo key is refused or Klaviyo is down: each is stored with its time and
 * unique_id, then its claim is released, so the held copy (or a redelivery) can send it once Klaviyo takes it again.
 */
export async function holdEvents(deps: PublishUpdateDeps, account: Account, claimed: { event: KlaviyoEvent; claimId: string }[], reason: string, outcome: PublishOutcome): Promise<void> {
  if (claimed.length === 0) return;
  await deps.held.hold(claimed.map((c) => c.event), reason, deps.clock.now());
  await Promise.all(claimed.map((c) => deps.ledger.release(account.id, c.event.uniqueId, c.claimId)));
  outcome.held.push(...claimed.map((c) => c.event.uniqueId));
  deps.metrics.eventsHeld(claimed.length);
  deps.log.warn('events held', { accountId: account.id, events: claimed.length, reason });
}

/** Writes the dead-letter record of an event; `final` also closes its ledger entry (only the claim's owner can). */
export async function deadLetterEvent(
  deps: PublishUpdateDeps,
  event: KlaviyoEvent,
  claimId: string,
  reason: string,
  options: { status?: number; final: boolean },
  outcome: PublishOutcome,
): Promise<void> {
  const ids = { accountId: event.accountId, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric };
  const record = { ...ids, reason, status: options.status, body: createEventBody(event), at: deps.clock.now().toISOString() };
  await deps.ledger.deadLetter(record, options.final ? claimId : undefined);
  outcome.deadLettered.push(event.uniqueId);
  deps.metrics.deadLettered(1);
  if (options.status !== undefined) deps.metrics.klaviyoRejected(1);
  deps.log.error('event dead-lettered', { ...ids, reason, status: options.status });
}

/**
 * Sends one claimed event with Create Event and settles its claim: sent, held (the key is refused: 401/403, which
 * also pauses the account's sends and alerts once; or Klaviyo failed past the adapter's retries: 5xx, 429, timeouts,
 * which begins an outage), dead-lettered for good (any other rejection), or released and rethrown (anything else).
 */
export async function sendClaimed(
  deps: PublishUpdateDeps,
  account: Account,
  event: KlaviyoEvent,
  claimId: string,
  outcome: PublishOutcome,
  /** `dead-letter`: Klaviyo is known to answer (a release's probe), so a transient failure is this event's own. */
  options: { onTransient: 'hold' | 'dead-letter' } = { onTransient: 'hold' },
): Promise<void> {
  try {
    await deps.klaviyo.createEvent(event);
  } catch (error) {
    if (error instanceof KlaviyoRejectedError) {
      if (error.isCredentialProblem) {
        await reportRejectedKey(deps, account, 'klaviyo', `${error.status} ${error.reason}`);
        await holdEvents(deps, account, [{ event, claimId }], error.reason, outcome);
        return;
      }
      await deadLetterEvent(deps, event, claimId, error.reason, { status: error.status, final: true }, outcome);
      return;
    }
    if (error instanceof TransientError && options.onTransient === 'dead-letter') {
      // Klaviyo answers other requests but keeps failing this one: held again it would stall the account's backlog.
      await deadLetterEvent(deps, event, claimId, `Klaviyo kept failing this event while it answered others: ${error.message}`, { final: true }, outcome);
      return;
    }
    if (error instanceof TransientError) {
      await holdEvents(deps, account, [{ event, claimId }], `Klaviyo is unavailable: ${error.message}`, outcome);
      await reportOutage(deps, account, error.message);
      return;
    }
    await deps.ledger.release(account.id, event.uniqueId, claimId);
    throw error;
  }
  await deps.ledger.markSent(account.id, event.uniqueId, claimId, deps.clock.now());
  outcome.sent.push(event.uniqueId);
  deps.metrics.eventsSent(event.metric, 1);
  deps.log.info('event sent', { accountId: account.id, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric, backfill: event.backfill });
}

/** After a send Klaviyo accepted with a key that replaced a refused one: the pause ends (announced once, catch-up queued). */
export async function noteAccepted(deps: PublishUpdateDeps, account: Account, sentWith: KeyState): Promise<void> {
  if (sentWith === 'replaced') await reportWorkingKey(deps, account, 'klaviyo', { queueCatchUp: true });
}

/** Sends one live event at once with Create Event: claimed, sent, settled (the delivery of every live path). */
export function deliverLive(deps: PublishUpdateDeps): Deliver {
  return async (account, event, outcome) => {
    const claimed = await claimForSending(deps, account, event, outcome);
    if (claimed === undefined) return;
    await sendClaimed(deps, account, event, claimed.claimId, outcome);
    if (outcome.sent.includes(event.uniqueId)) await noteAccepted(deps, account, claimed.keyState);
  };
}

/** Builds the use case that turns one snapshot into at most one Klaviyo event, exactly once, sent at once. */
export function makePublishUpdate(deps: PublishUpdateDeps & { updates: UpdateQueue }): PublishUpdate {
  return makeSnapshotPublisher(deps, deliverLive(deps), (snapshot) => deps.updates.enqueueAll([snapshot], deps.orderWaitSeconds));
}

/** What a shipment's events say about its order: the buyer, items and total kept in its state, else the label's own email. */
function factsOf(state: OrderState | undefined, snapshot: ShipmentSnapshot | FulfillmentSnapshot): OrderFacts {
  if (state?.buyer === undefined) return emailOnlyFacts(snapshot.customerEmail, state);
  return { orderNumber: state.orderNumber, total: state.total, buyer: state.buyer, items: state.items, gift: state.gift };
}

/** Reads, decides and conditionally writes one item, retrying when another writer won the race. */
export async function writeVersioned<T extends { version: number }, R>(
  read: () => Promise<T | undefined>,
  write: (item: T) => Promise<boolean>,
  decide: (stored: T | undefined) => { write?: T; result: R },
  what: string,
  /** Runs before each write attempt (what a write makes findable must exist first: a crash between leaves nothing dangling). */
  beforeWrite?: (next: T, stored: T | undefined) => Promise<void>,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_STATE_ATTEMPTS; attempt += 1) {
    const stored = await read();
    const { write: next, result } = decide(stored);
    if (next === undefined) return result;
    await beforeWrite?.(next, stored);
    if (await write({ ...next, version: stored?.version ?? 0 })) return result;
  }
  throw new TransientError(`${what} kept changing under us`);
}

/**
 * The state and stale rules shared by the live and the history paths; `deliver` decides how an event goes out, and
 * `waitForOrder` (absent: never wait) where a label whose order is unknown waits for it.
 */
export function makeSnapshotPublisher(deps: PublishUpdateDeps, deliver: Deliver, waitForOrder?: WaitForOrder, limits: { maxOrderLookups?: number } = {}): PublishUpdate {
  /** Orders this publisher may still read (publish-history makes one per batch; the rest of the batch waits). */
  let lookupsLeft = limits.maxOrderLookups ?? Number.POSITIVE_INFINITY;
  const contextFor = (account: Account, snapshot?: Snapshot): MappingContext => ({
    accountId: account.id,
    metricPrefix: account.metricPrefix,
    backfillAfterHours: deps.backfillAfterHours,
    now: deps.clock.now(),
    history: snapshot?.history === true,
  });

  /** Reads, decides and conditionally writes the order state, retrying when another writer won the race. */
  const updateOrderState = async <R>(
    accountId: string,
    orderId: number,
    decide: (state: OrderState | undefined) => { write?: OrderState; result: R },
    justRead?: { state: OrderState | undefined },
    beforeWrite?: (next: OrderState, stored: OrderState | undefined) => Promise<void>,
  ): Promise<R> => {
    // A state this invocation has just read is the first attempt's (one read fewer); a lost race reads afresh.
    let fresh = justRead;
    const read = async (): Promise<OrderState | undefined> => {
      if (fresh === undefined) return deps.orderStates.get(accountId, orderId);
      const { state } = fresh;
      fresh = undefined;
      return state;
    };
    return writeVersioned(read, (state) => deps.orderStates.put(state), decide, `order ${orderId} state`, beforeWrite);
  };

  const publishOrder = async (account: Account, snapshot: OrderSnapshot, outcome: PublishOutcome): Promise<void> => {
    const due = delayDue(snapshot, deps.delays.orderDelayedAfterHours, account.timeZone);
    const longOverdue = due !== undefined && deps.clock.now().getTime() - Date.parse(due.dueAt) > deps.backfillAfterHours * 3_600_000;
    // The check is stored before the state names its time, so a crash between never leaves a state without its check;
    // a state that already names it needs no rewrite (the sweep takes the buyer and items from the state).
    const checkFirst = async (next: OrderState, stored: OrderState | undefined): Promise<void> => {
      if (due === undefined || next.delayDueAt !== due.dueAt || stored?.delayDueAt === due.dueAt) return;
      await deps.due.schedule({ kind: 'order-delayed', accountId: account.id, orderId: snapshot.orderId, dueAt: due.dueAt, reason: due.reason, order: snapshot });
    };
    const { decision, before, kept } = await updateOrderState<{ decision: OrderDecision; before: OrderState | undefined; kept: typeof due }>(account.id, snapshot.orderId, (state) => {
      const d = decideOrderUpdate(state, snapshot);
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
    }, undefined, checkFirst);
    if (decision.outcome === 'stale') {
      outcome.stale = true;
      deps.metrics.staleSuppressed(1);
      deps.log.info('stale snapshot suppressed', { accountId: account.id, orderId: snapshot.orderId, status: snapshot.status, reason: decision.reason });
      return;
    }
    await dropOutdatedDelayCheck(account, snapshot, kept, before?.delayDueAt);
    const event = orderStatusEvent(snapshot, decision.statusSince, contextFor(account, snapshot));
    if (event !== undefined) await deliver(account, event, outcome);
  };

  /** Removes a delay check the order's state no longer names (the sweep would drop it too, later). */
  const dropOutdatedDelayCheck = async (account: Account, snapshot: OrderSnapshot, due: ReturnType<typeof delayDue>, previousDueAt: string | undefined): Promise<void> => {
    if (previousDueAt !== undefined && previousDueAt !== due?.dueAt) {
      const outdated: DueCheck = { kind: 'order-delayed', accountId: account.id, orderId: snapshot.orderId, dueAt: previousDueAt, reason: 'no_label_in_time', order: snapshot };
      await deps.due.remove(outdated);
    }
  };

  /**
   * Keeps the label's or fulfilment's record for tracking (accounts with a V2 key only: without one no tracking update
   * ever comes), pointed at by its tracking number and label id, so a tracking update that arrives next finds its order.
   */
  const recordForTracking = async (account: Account, snapshot: ShipmentSnapshot | FulfillmentSnapshot, order: OrderFacts, serviceName: string | undefined): Promise<void> => {
    if (account.shipStationV2Fingerprint === undefined) return;
    if (snapshot.kind === 'shipment' && snapshot.isReturnLabel) return;
    const key = shipmentKeyOf(snapshot);
    // The pointers go first: a record is only ever written once its tracking number and label id point at it, so a
    // record already stored as this snapshot would make it needs neither rewriting nor new pointers.
    await writeVersioned<ShipmentRecord, void>(
      () => deps.shipments.get(account.id, snapshot.orderId, key),
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
  };

  /**
   * The order of a label or fulfilment that no order snapshot brought: read once from ShipStation (one request from the
   * shared budget) and applied like any order snapshot (its own status event included, deduplicated as ever). Not read
   * while the account's ShipStation key is refused, nor when ShipStation no longer has it: the caller then falls back
   * to the label's own email. A transient failure propagates (the message is retried).
   */
  const lookUpOrder = async (account: Account, snapshot: ShipmentSnapshot | FulfillmentSnapshot, outcome: PublishOutcome): Promise<{ state: OrderState | undefined } | 'busy'> => {
    const ids = { accountId: account.id, orderId: snapshot.orderId, kind: snapshot.kind };
    const current = async (): Promise<{ state: OrderState | undefined }> => ({ state: await deps.orderStates.get(account.id, snapshot.orderId) });
    if ((await keyState(deps, account, 'shipstation')) === 'paused') {
      deps.log.warn('order of a shipment not read: the shipstation key is refused; its own email identifies the buyer', ids);
      return current();
    }
    let fetched: OrderSnapshot | undefined;
    try {
      fetched = await deps.orders.fetchOrder(account.id, snapshot.orderId);
    } catch (error) {
      if (error instanceof ShipStationCredentialsError) {
        await reportRejectedKey(deps, account, 'shipstation', error.message);
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
    await publishOrder(account, snapshot.history === true ? { ...fetched, history: true } : fetched, outcome);
    return current();
  };

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
      snapshot.kind === 'fulfillment' && account.storeIds !== undefined &&
      (state?.storeId === undefined ? storeUnknownToo : !account.storeIds.includes(state.storeId));
    const skipForeign = (): void => deps.log.info('fulfilment of an order not in the account\'s stores; skipped', { accountId: account.id, orderId: snapshot.orderId });
    let known = await deps.orderStates.get(account.id, snapshot.orderId);
    if (foreignFulfilment(known, false)) return skipForeign();
    if (known?.buyer === undefined) {
      const wait = async (why: string): Promise<void> => {
        await waitForOrder?.({ ...snapshot, waitedForOrder: true });
        outcome.waitingForOrder = true;
        deps.log.info('shipment waits for its order', { accountId: account.id, orderId: snapshot.orderId, kind: snapshot.kind, waitSeconds: deps.orderWaitSeconds, why });
      };
      if (waitForOrder !== undefined && snapshot.waitedForOrder !== true) return wait('order not applied yet');
      if (waitForOrder !== undefined && lookupsLeft <= 0) return wait('enough orders read in this invocation');
      lookupsLeft -= 1;
      const looked = await lookUpOrder(account, snapshot, outcome);
      if (looked === 'busy') {
        if (waitForOrder === undefined) throw new TransientError(`order ${snapshot.orderId} could not be read now (ShipStation budget)`);
        return wait('ShipStation budget spent for now');
      }
      known = looked.state;
    }
    if (foreignFulfilment(known, true)) return skipForeign();
    const serviceName = snapshot.kind === 'shipment'
      ? await deps.serviceNames(account, snapshot.carrierCode, snapshot.serviceCode, { mayFetch: snapshot.history !== true })
      : undefined;
    const outbound = !snapshot.voided && !(snapshot.kind === 'shipment' && snapshot.isReturnLabel);
    const order = await updateOrderState(account.id, snapshot.orderId, (state) => ({
      write: outbound ? recordShipment(state, snapshot, snapshot.createdAt) : undefined,
      result: state,
    }), { state: known });
    const facts = factsOf(order ?? known, snapshot);
    await recordForTracking(account, snapshot, facts, serviceName);
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
    const context = contextFor(account, snapshot);
    switch (snapshot.kind) {
      case 'order':
        await publishOrder(account, snapshot, outcome);
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

