// publish-events → publishUpdate → (order state, event ledger in DynamoDB) → Klaviyo Create Event.
// Exactly once: the order state decides which event a snapshot implies, the ledger lets one worker send it once,
// Klaviyo's unique_id is the second line of defence.
import { BadInputError, CredentialsPausedError, KlaviyoRejectedError, TransientError } from '../domain/errors.js';
import {
  fulfillmentShippedEvent,
  fulfillmentVoidedEvent,
  orderStatusEvent,
  shipmentShippedEvent,
  shipmentVoidedEvent,
  type MappingContext,
} from '../domain/event-mapping.js';
import { createEventBody, hasProfileIdentifier, type KlaviyoEvent } from '../domain/klaviyo-event.js';
import { decideOrderUpdate, recordShipment, type OrderState } from '../domain/order-state.js';
import type { FulfillmentSnapshot, OrderSnapshot, ShipmentSnapshot, Snapshot } from '../domain/snapshot.js';
import type { Account, AccountDirectory, ClaimResult, Clock, CredentialStatusStore, EventLedger, KlaviyoApi, OrderStateStore } from '../ports.js';

export interface PublishUpdateDeps {
  accounts: AccountDirectory;
  orderStates: OrderStateStore;
  ledger: EventLedger;
  klaviyo: KlaviyoApi;
  credentials: CredentialStatusStore;
  clock: Clock;
  backfillAfterHours: number;
  log: {
    info(message: string, data: Record<string, unknown>): void;
    warn(message: string, data: Record<string, unknown>): void;
    error(message: string, data: Record<string, unknown>): void;
  };
}

/** What publishing one snapshot did; counted for logs and tests. */
export interface PublishOutcome {
  sent: string[];
  deduplicated: string[];
  deadLettered: string[];
  suppressed: string[];
  stale: boolean;
}

export type PublishUpdate = (snapshot: Snapshot) => Promise<PublishOutcome>;

const MAX_STATE_ATTEMPTS = 5;
const IN_FLIGHT_RECHECKS = 3;
const IN_FLIGHT_RECHECK_MS = 500;

/** Builds the use case that turns one snapshot into at most one Klaviyo event, exactly once. */
export function makePublishUpdate(deps: PublishUpdateDeps): PublishUpdate {
  const contextFor = (account: Account): MappingContext => ({
    accountId: account.id,
    metricPrefix: account.metricPrefix,
    backfillAfterHours: deps.backfillAfterHours,
    now: deps.clock.now(),
  });

  /** Claims the event; a claim held by another worker (the same event twice in one batch) is rechecked briefly. */
  const claim = async (accountId: string, uniqueId: string): Promise<ClaimResult> => {
    let result = await deps.ledger.claim(accountId, uniqueId, deps.clock.now());
    for (let recheck = 0; result.status === 'in-flight' && recheck < IN_FLIGHT_RECHECKS; recheck += 1) {
      await deps.clock.sleep(IN_FLIGHT_RECHECK_MS);
      result = await deps.ledger.claim(accountId, uniqueId, deps.clock.now());
    }
    return result;
  };

  /** Sends an event unless the ledger says it was already handled. */
  const deliver = async (account: Account, event: KlaviyoEvent, outcome: PublishOutcome): Promise<void> => {
    const ids = { accountId: account.id, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric };
    const claimed = await claim(account.id, event.uniqueId);
    if (claimed.status === 'in-flight') throw new TransientError(`event ${event.uniqueId} is being sent by another worker`);
    if (claimed.status !== 'claimed') {
      outcome.deduplicated.push(event.uniqueId);
      deps.log.info('event already handled', { ...ids, claim: claimed.status });
      return;
    }
    const { claimId } = claimed;
    const deadLetter = async (reason: string, options: { status?: number; final: boolean }): Promise<void> => {
      const record = { ...ids, reason, status: options.status, body: createEventBody(event), at: deps.clock.now().toISOString() };
      await deps.ledger.deadLetter(record, options.final ? claimId : undefined);
      outcome.deadLettered.push(event.uniqueId);
      deps.log.error('event dead-lettered', { ...ids, reason, status: options.status });
    };
    if (!hasProfileIdentifier(event.profile)) {
      // Not final: if the order later gets an email, the same event can still be sent.
      await deadLetter('the order has no customer email and no valid phone number, so Klaviyo cannot attach the event to a profile', { final: false });
      await deps.ledger.release(account.id, event.uniqueId, claimId);
      return;
    }
    if (await deps.credentials.isInvalid(account.id, 'klaviyo', account.klaviyoFingerprint)) {
      await deps.ledger.release(account.id, event.uniqueId, claimId);
      throw new CredentialsPausedError(account.id, 'klaviyo');
    }
    try {
      await deps.klaviyo.createEvent(event);
    } catch (error) {
      if (error instanceof KlaviyoRejectedError) {
        if (error.isCredentialProblem) {
          const first = await deps.credentials.markInvalid(account.id, 'klaviyo', account.klaviyoFingerprint, error.reason);
          if (first) deps.log.error('klaviyo credentials rejected; pausing sends for the account', { accountId: account.id, status: error.status });
        }
        await deadLetter(error.reason, { status: error.status, final: true });
        return;
      }
      await deps.ledger.release(account.id, event.uniqueId, claimId);
      throw error;
    }
    await deps.ledger.markSent(account.id, event.uniqueId, claimId, deps.clock.now());
    outcome.sent.push(event.uniqueId);
    deps.log.info('event sent', { ...ids, backfill: event.backfill });
  };

  /** Reads, decides and conditionally writes the order state, retrying when another writer won the race. */
  const updateOrderState = async <R>(
    accountId: string,
    orderId: number,
    decide: (state: OrderState | undefined) => { write?: OrderState; result: R },
  ): Promise<R> => {
    for (let attempt = 0; attempt < MAX_STATE_ATTEMPTS; attempt += 1) {
      const state = await deps.orderStates.get(accountId, orderId);
      const { write, result } = decide(state);
      if (write === undefined || (await deps.orderStates.put({ ...write, version: state?.version ?? 0 }))) return result;
    }
    throw new TransientError(`order ${orderId} state kept changing under us`);
  };

  const publishOrder = async (account: Account, snapshot: OrderSnapshot, outcome: PublishOutcome): Promise<void> => {
    const decision = await updateOrderState(account.id, snapshot.orderId, (state) => {
      const d = decideOrderUpdate(state, snapshot);
      return { write: d.outcome === 'current' && d.changed ? d.next : undefined, result: d };
    });
    if (decision.outcome === 'stale') {
      outcome.stale = true;
      deps.log.info('stale snapshot suppressed', { accountId: account.id, orderId: snapshot.orderId, status: snapshot.status, reason: decision.reason });
      return;
    }
    const event = orderStatusEvent(snapshot, decision.statusSince, contextFor(account));
    if (event !== undefined) await deliver(account, event, outcome);
  };

  /** Shared by labels and fulfilments: record the shipment on the order, then ship or handle the void. */
  const publishShipping = async (
    account: Account,
    snapshot: ShipmentSnapshot | FulfillmentSnapshot,
    shippedEvent: (order: OrderState | undefined) => KlaviyoEvent,
    voidedEvent: (order: OrderState | undefined) => KlaviyoEvent | undefined,
    outcome: PublishOutcome,
  ): Promise<void> => {
    const outbound = !snapshot.voided && !(snapshot.kind === 'shipment' && snapshot.isReturnLabel);
    const order = await updateOrderState(account.id, snapshot.orderId, (state) => ({
      write: outbound ? recordShipment(state, snapshot, snapshot.createdAt) : undefined,
      result: state,
    }));
    const shipped = shippedEvent(order);
    if (!snapshot.voided) {
      await deliver(account, shipped, outcome);
      return;
    }
    const result = await deps.ledger.suppress(account.id, shipped.uniqueId, 'voided before it was sent', deps.clock.now());
    if (result === 'in-flight') throw new TransientError(`event ${shipped.uniqueId} is being sent; the void waits for it`);
    if (result === 'already-sent') {
      const voided = voidedEvent(order);
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
    const outcome: PublishOutcome = { sent: [], deduplicated: [], deadLettered: [], suppressed: [], stale: false };
    const context = contextFor(account);
    switch (snapshot.kind) {
      case 'order':
        await publishOrder(account, snapshot, outcome);
        break;
      case 'shipment':
        await publishShipping(
          account,
          snapshot,
          (order) => shipmentShippedEvent(snapshot, order, context),
          // A voided return label concerns the merchant, not the customer: nothing to announce.
          (order) => (snapshot.isReturnLabel ? undefined : shipmentVoidedEvent(snapshot, order, context)),
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

