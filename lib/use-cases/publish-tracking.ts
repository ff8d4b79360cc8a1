// publish-events → publishTracking → (shipment record, tracking pointer, ledger in DynamoDB) → Klaviyo Create Event.
// A verified V2 tracking update is joined to the label or fulfilment with its tracking number, applied to the
// shipment's progress (stale updates change nothing), and the milestone it reaches is sent once.
import { BadInputError } from '../domain/errors.js';
import { trackingEvent, type DeliveryContext, type MappingContext } from '../domain/event-mapping.js';
import {
  allDelivered,
  decideTrackingUpdate,
  withoutPending,
  type DueCheck,
  type Milestone,
  type ShipmentRecord,
  type TrackingDecision,
} from '../domain/shipment-tracking.js';
import { maskTracking, normaliseTrackingNumber, type TrackingUpdate } from '../domain/tracking.js';
import type { Account, TrackingActivity, UpdateQueue } from '../ports.js';
import { deliverLive, noOutcome, type PublishOutcome } from './sending.js';
import type { SnapshotPublisherDeps } from './snapshot-publisher.js';
import { writeVersioned } from './versioned-write.js';

export interface PublishTrackingDeps extends SnapshotPublisherDeps {
  /** Where an update waiting for its label is put back (delayed). */
  updates: UpdateQueue;
  activity: TrackingActivity;
  /** How long an update waits for its label before it is dead-lettered (TRACKING_JOIN_WAIT_HOURS). */
  joinWaitHours: number;
}

/** What publishing one tracking update did. */
export interface TrackingOutcome extends PublishOutcome {
  /** `waiting`: no label with the tracking number yet, put back; `unmatched`: waited too long, dead-lettered. */
  join: 'joined' | 'waiting' | 'unmatched' | 'voided';
}

export type PublishTracking = (update: TrackingUpdate) => Promise<TrackingOutcome>;

/** First wait for a label: webhooks for new labels arrive within seconds, the poll within about half an hour. */
const FIRST_WAIT_SECONDS = 30;
/** SQS hides a message for at most 15 minutes. */
const MAX_WAIT_SECONDS = 900;

/** The wait before the `attempt`-th look for the label: 30 s, 1, 2, 4, 8 min, then every 15 min. */
const joinWaitSeconds = (attempt: number): number => Math.min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** attempt);

/**
 * A record whose `customer` is the order's buyer. One written by an earlier version holds the label's ship-to person
 * there (a gift's recipient): its buyer comes from the order state, or, when that has none, only its email is kept.
 */
export async function buyerOfRecord(deps: Pick<SnapshotPublisherDeps, 'orderStates'>, record: ShipmentRecord): Promise<ShipmentRecord> {
  if (record.customerIsBuyer === true) return record;
  const buyer = (await deps.orderStates.get(record.accountId, record.orderId))?.buyer;
  const email = record.customer.email;
  return { ...record, customer: buyer ?? (email === undefined ? {} : { email }), customerIsBuyer: true };
}

/** V2 label id `se-12345` → V1 shipmentId 12345 (ShipStation's legacy-migration guide); anything else → undefined. */
export function shipmentIdOfLabel(labelId: string | undefined): number | undefined {
  const digits = /^se-(\d{1,15})$/.exec(labelId ?? '')?.[1];
  return digits === undefined ? undefined : Number(digits);
}

/** Identity of the dead-letter record of a tracking number nothing matched: one per tracking number. */
export const unmatchedTrackingId = (accountId: string, trackingNumber: string): string =>
  `ss:${accountId}:tracking:${normaliseTrackingNumber(trackingNumber)}:unmatched`;

/**
 * Builds the use case: join the update to its label or fulfilment (or let it wait for one), apply it to the package's
 * progress with a versioned write, and send the milestones it reached from the record's outbox.
 */
export function makePublishTracking(deps: PublishTrackingDeps): PublishTracking {
  const deliver = deliverLive(deps);

  const waitForLabel = async (account: Account, update: TrackingUpdate, outcome: TrackingOutcome): Promise<TrackingOutcome> => {
    const waitedMs = deps.clock.now().getTime() - Date.parse(update.receivedAt);
    const ids = { accountId: account.id, trackingNumber: maskTracking(update.trackingNumber), attempts: update.joinAttempts ?? 0 };
    if (waitedMs < deps.joinWaitHours * 3_600_000) {
      const attempt = update.joinAttempts ?? 0;
      await deps.updates.enqueueAll([{ ...update, joinAttempts: attempt + 1 }], joinWaitSeconds(attempt));
      deps.log.info('tracking update waits for its label', { ...ids, waitSeconds: joinWaitSeconds(attempt) });
      return { ...outcome, join: 'waiting' };
    }
    const uniqueId = unmatchedTrackingId(account.id, update.trackingNumber);
    const reason = `no label or fulfilment with tracking number ${maskTracking(update.trackingNumber)} was seen within ${deps.joinWaitHours} hours of the tracking update (printed outside ShipStation orders, in another store, or before the V2 key was configured?)`;
    // One record per tracking number, holding its newest update: `replay records` puts it back to be joined again.
    await deps.ledger.deadLetter({
      accountId: account.id,
      uniqueId,
      metric: 'Tracking Update',
      orderId: 0,
      reason,
      body: { trackingUpdate: { ...update, joinAttempts: 0 } },
      at: deps.clock.now().toISOString(),
    });
    deps.metrics.deadLettered(1);
    deps.log.error('tracking update matched no label; dead-lettered', ids);
    return { ...outcome, deadLettered: [uniqueId], join: 'unmatched' };
  };

  /**
   * The label or fulfilment an update is about: by its V2 label id when it has one (`se-<n>` is the V1 label with
   * shipmentId n, one identity across APIs), else by tracking number (fulfilments, older ShipEngine bodies).
   */
  const findShipment = async (account: Account, update: TrackingUpdate): Promise<ShipmentRecord | undefined> => {
    const shipmentId = shipmentIdOfLabel(update.labelId);
    if (shipmentId !== undefined) {
      const byLabel = await deps.shipments.findByLabel(account.id, shipmentId);
      if (byLabel !== undefined) return byLabel;
    }
    return deps.shipments.findByTracking(account.id, update.trackingNumber);
  };

  return async (update) => {
    const account = deps.accounts.find(update.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${update.accountId}`);
    const outcome: TrackingOutcome = { ...noOutcome(), join: 'joined' };
    if ((update.joinAttempts ?? 0) === 0) await deps.activity.noteReceived(account.id, deps.clock.now());
    const found = await findShipment(account, update);
    if (found === undefined) return waitForLabel(account, update, outcome);
    const ids = { accountId: account.id, orderId: found.orderId, shipment: found.shipmentKey, status: update.statusCode };
    if (found.voided) {
      deps.log.info('tracking update for a voided label; nothing sent', ids);
      return { ...outcome, join: 'voided' };
    }

    const { decision, record } = await writeVersioned<ShipmentRecord, { decision: TrackingDecision; record: ShipmentRecord | undefined }>(
      () => deps.shipments.get(account.id, found.orderId, found.shipmentKey),
      (next) => deps.shipments.put(next),
      (stored) => {
        if (stored === undefined) return { result: { decision: { outcome: 'stale', reason: 'the shipment record is gone' }, record: undefined } };
        const d = decideTrackingUpdate(stored.tracking, update, deps.delays.shipmentStalledAfterDays);
        if (d.outcome === 'stale' || !d.changed) return { result: { decision: d, record: stored } };
        const next = { ...stored, tracking: d.next };
        return { write: next, result: { decision: d, record: { ...next, version: stored.version + 1 } } };
      },
      `shipment ${found.shipmentKey} record`,
    );
    if (record === undefined) {
      deps.log.warn('tracking update for a shipment record that is gone; nothing sent', ids);
      return { ...outcome, stale: true };
    }
    if (decision.outcome === 'stale') {
      outcome.stale = true;
      deps.metrics.staleSuppressed(1);
      deps.log.info('stale tracking update suppressed', { ...ids, reason: decision.reason });
    } else {
      await scheduleStallCheck(account, record, found.tracking?.stallDueAt);
    }
    // The outbox: every milestone reached and not yet handed over, this update's or one whose send failed before.
    await sendPending(account, record, outcome);
    return outcome;
  };

  /**
   * Sends the record's pending milestones (each once: the ledger), then takes them out of the outbox. A send that
   * fails leaves its milestone (and the ones after it) there for the retry. Properties are the package's current ones.
   */
  async function sendPending(account: Account, record: ShipmentRecord, outcome: TrackingOutcome): Promise<void> {
    const progress = record.tracking;
    const pending = progress?.pending ?? [];
    if (progress === undefined || pending.length === 0) return;
    const described = await buyerOfRecord(deps, record);
    const context: MappingContext = {
      accountId: account.id,
      metricPrefix: account.metricPrefix,
      backfillAfterHours: deps.backfillAfterHours,
      now: deps.clock.now(),
    };
    const handled: Milestone[] = [];
    try {
      for (const milestone of pending) {
        const delivery = milestone.category === 'delivered' ? await deliveryContext(account, record) : undefined;
        await deliver(account, trackingEvent(described, progress, milestone, context, delivery), outcome);
        handled.push(milestone);
      }
    } finally {
      if (handled.length > 0) {
        await writeVersioned<ShipmentRecord, void>(
          () => deps.shipments.get(account.id, record.orderId, record.shipmentKey),
          (next) => deps.shipments.put(next),
          (stored) =>
            stored?.tracking === undefined
              ? { result: undefined }
              : { write: { ...stored, tracking: withoutPending(stored.tracking, handled) }, result: undefined },
          `shipment ${record.shipmentKey} record`,
        );
      }
    }
  }

  /** Where the rest of the order stands when one package is delivered (split orders). */
  async function deliveryContext(account: Account, record: ShipmentRecord): Promise<DeliveryContext> {
    const shipments = (await deps.shipments.listForOrder(account.id, record.orderId)).map((r) => (r.shipmentKey === record.shipmentKey ? record : r));
    const live = shipments.filter((r) => !r.voided);
    return {
      allShipmentsDelivered: allDelivered(shipments),
      shipmentCount: live.length,
      deliveredShipmentCount: live.filter((r) => r.tracking?.category === 'delivered').length,
    };
  }

  /** The package's stall check follows its newest scan; a delivery ends it (the sweep drops outdated ones). */
  async function scheduleStallCheck(account: Account, record: ShipmentRecord, previousDueAt: string | undefined): Promise<void> {
    const dueAt = record.tracking?.stallDueAt;
    const check = (at: string): DueCheck => ({
      kind: 'shipment-stalled',
      accountId: account.id,
      orderId: record.orderId,
      shipmentKey: record.shipmentKey,
      dueAt: at,
    });
    if (dueAt !== undefined) await deps.due.schedule(check(dueAt));
    if (previousDueAt !== undefined && previousDueAt !== dueAt) await deps.due.remove(check(previousDueAt));
  }
}
