// Reconciliation (pure): what ShipStation shows now against what the ledger recorded. Which event each order's current
// status and each label imply (by the publishers' own rules and unique ids), and, given the ledger's answers, what was
// sent, is missing, dead-lettered, held or in flight, and which sent events ShipStation now contradicts.
import { SHIPMENT_METRICS, uniqueIds } from './event-mapping.js';
import { decideOrderUpdate, type OrderState } from './order-state.js';
import { ORDER_STATUS_RULES } from './order-status.js';
import { ORDER_STATUSES, type OrderStatus } from './shipstation.js';
import type { OrderSnapshot, ShipmentSnapshot } from './snapshot.js';

/**
 * What the ledger knows of one event: `sent`; `suppressed` (never to be sent: its label was voided first);
 * `dead-lettered` (refused for good, or a dead-letter record without a final entry, e.g. no email); `in-flight` (claimed
 * under a live lease); `abandoned` (claimed, but the lease ran out unsettled: nobody is sending it); `none` (no entry).
 */
export type RecordedEventStatus = 'sent' | 'suppressed' | 'dead-lettered' | 'in-flight' | 'abandoned' | 'none';

/** What an order, as ShipStation shows it now, owes Klaviyo given the stored order state. */
export type OrderCheck =
  /** `shipped`: the order's labels and fulfilments carry the events. */
  | { kind: 'no-event'; order: OrderSnapshot }
  | { kind: 'event'; order: OrderSnapshot; metric: string; uniqueId: string; since: string }
  /**
   * The stored state is newer than ShipStation's view (by modifyDate, or a label), with another status: the publishers
   * treat ShipStation's status as stale and never send its event; the recorded status's event may have gone out.
   */
  | { kind: 'contradicted'; order: OrderSnapshot; state: OrderState; reason: string; metric?: string; recordedMetric?: string; recordedUniqueId?: string };

/**
 * The event an order's current status implies, with the unique id the publishers give it: the stored `statusSince`
 * when the state is already in that status, else the decision publish-events would make on this snapshot.
 */
export function checkOrder(order: OrderSnapshot, state: OrderState | undefined): OrderCheck {
  const { metric } = ORDER_STATUS_RULES[order.status];
  const eventSince = (since: string): OrderCheck =>
    metric === undefined
      ? { kind: 'no-event', order }
      : { kind: 'event', order, metric, since, uniqueId: uniqueIds.orderStatus(order.accountId, order.orderId, order.status, since) };
  if (state?.status === order.status && state.statusSince !== undefined) return eventSince(state.statusSince);
  const decision = decideOrderUpdate(state, order);
  if (decision.outcome === 'current') return eventSince(decision.statusSince);
  const recorded = state as OrderState;
  const recordedMetric = recorded.status === undefined ? undefined : ORDER_STATUS_RULES[recorded.status].metric;
  return {
    kind: 'contradicted',
    order,
    state: recorded,
    reason: decision.reason,
    metric,
    recordedMetric,
    recordedUniqueId:
      recordedMetric === undefined || recorded.status === undefined || recorded.statusSince === undefined
        ? undefined
        : uniqueIds.orderStatus(order.accountId, order.orderId, recorded.status, recorded.statusSince),
  };
}

export const LABEL_KINDS = ['label', 'return label', 'voided label'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

/** How a label is counted: live outbound, live return, or voided (either). */
export const labelKind = (label: ShipmentSnapshot): LabelKind => (label.voided ? 'voided label' : label.isReturnLabel ? 'return label' : 'label');

/** The unique ids of a label's events: its `Order Shipped` (or `Return Label Created`), and for an outbound label its `Shipment Voided`. */
export function labelEventIds(label: ShipmentSnapshot): { shipped: string; shippedMetric: string; voided?: string } {
  if (label.isReturnLabel) return { shipped: uniqueIds.shipment(label.accountId, label.shipmentId, 'return'), shippedMetric: SHIPMENT_METRICS.returnLabel };
  return {
    shipped: uniqueIds.shipment(label.accountId, label.shipmentId, 'shipped'),
    shippedMetric: SHIPMENT_METRICS.shipped,
    voided: uniqueIds.shipment(label.accountId, label.shipmentId, 'voided'),
  };
}

/** The unique ids whose ledger status a comparison needs. */
export function idsToLookUp(orders: readonly OrderCheck[], labels: readonly ShipmentSnapshot[]): string[] {
  const ids = new Set<string>();
  for (const check of orders) {
    if (check.kind === 'event') ids.add(check.uniqueId);
    if (check.kind === 'contradicted' && check.recordedUniqueId !== undefined) ids.add(check.recordedUniqueId);
  }
  for (const label of labels) {
    const { shipped, voided } = labelEventIds(label);
    ids.add(shipped);
    if (label.voided && voided !== undefined) ids.add(voided);
  }
  return [...ids];
}

/** One row of the counts: what ShipStation shows, the events it implies, and where each of them stands. */
export interface Tally {
  inShipStation: number;
  /** Events owed to Klaviyo (an order status with a metric; a live label; a voided label whose Order Shipped went out). */
  owed: number;
  sent: number;
  missing: number;
  deadLettered: number;
  held: number;
  inFlight: number;
}

/** An event ShipStation's current state implies that the ledger does not show sent. */
export interface MissingEvent {
  orderId: number;
  orderNumber?: string;
  shipmentId?: number;
  /** The order's ShipStation status, or the label's kind. */
  status: string;
  metric: string;
  uniqueId: string;
  email?: string;
  /** When ShipStation shows the change: the order's modifyDate, the label's creation or void (UTC ISO). */
  changedAt: string;
  /** The change is later than the poll cursor: the next poll sends it. */
  notPolledYet: boolean;
  detail: string;
  /** Whether enqueueing `snapshot` makes the consumers send it; false when they would refuse it (see `detail`). */
  fixable: boolean;
  snapshot: OrderSnapshot | ShipmentSnapshot;
}

/** An event recorded as sent that ShipStation's current state contradicts (it cannot be unsent; see `detail`). */
export interface ExtraEvent {
  orderId: number;
  orderNumber?: string;
  shipmentId?: number;
  metric: string;
  uniqueId: string;
  detail: string;
}

export interface ReconcileReport {
  /** One row per ShipStation status, in ORDER_STATUSES order. */
  orders: { status: OrderStatus; tally: Tally }[];
  /** One row per label kind, in LABEL_KINDS order. */
  labels: { kind: LabelKind; tally: Tally }[];
  missing: MissingEvent[];
  extra: ExtraEvent[];
}

export interface ReconcileInput {
  orders: readonly OrderCheck[];
  labels: readonly ShipmentSnapshot[];
  /** The ledger status of every id of {@link idsToLookUp}; an id not found counts as `none`. */
  recorded: ReadonlyMap<string, RecordedEventStatus>;
  /** Unique ids of the events held while the account's Klaviyo key is refused. */
  held: ReadonlySet<string>;
  /** The poll cursor (UTC ISO): changes after it are not polled yet. Absent before the first import completed. */
  polledThrough?: string;
}

const emptyTally = (): Tally => ({ inShipStation: 0, owed: 0, sent: 0, missing: 0, deadLettered: 0, held: 0, inFlight: 0 });
const labelChangedAt = (label: ShipmentSnapshot): string => (label.voided ? (label.voidedAt ?? label.createdAt) : label.createdAt);

/**
 * Compares ShipStation's current orders and labels with the ledger. An owed event is sent, dead-lettered, held, in
 * flight, or missing. Extra events are the sent ones ShipStation now contradicts: an `Order Shipped` for a label now
 * voided with no `Shipment Voided` after it, and a status event recorded from a state newer than ShipStation's view.
 */
export function reconcile(input: ReconcileInput): ReconcileReport {
  const orderRows = new Map<OrderStatus, Tally>(ORDER_STATUSES.map((status) => [status, emptyTally()]));
  const labelRows = new Map<LabelKind, Tally>(LABEL_KINDS.map((kind) => [kind, emptyTally()]));
  const missing: MissingEvent[] = [];
  const extra: ExtraEvent[] = [];
  const statusOf = (uniqueId: string): RecordedEventStatus => input.recorded.get(uniqueId) ?? 'none';
  const notPolled = (changedAt: string): boolean => input.polledThrough === undefined || Date.parse(changedAt) > Date.parse(input.polledThrough);

  /** Counts one owed event where it stands; returns what is missing about it, or undefined when nothing is. */
  const settle = (tally: Tally, uniqueId: string, changedAt: string): { detail: string; fixable: boolean } | undefined => {
    tally.owed += 1;
    const status = statusOf(uniqueId);
    switch (status) {
      case 'sent':
        tally.sent += 1;
        return undefined;
      case 'dead-lettered':
        tally.deadLettered += 1;
        return undefined;
      case 'in-flight':
        tally.inFlight += 1;
        return undefined;
      case 'suppressed':
        tally.missing += 1;
        return {
          detail: 'the ledger suppressed it as voided before it was sent, but ShipStation shows it live; the suppression is final, so --fix cannot send it',
          fixable: false,
        };
      case 'none':
      case 'abandoned':
        if (input.held.has(uniqueId)) {
          tally.held += 1;
          return undefined;
        }
        tally.missing += 1;
        if (status === 'abandoned') return { detail: 'claimed by a sender that never finished (its lease ran out); nobody is sending it', fixable: true };
        if (notPolled(changedAt)) {
          return {
            detail: input.polledThrough === undefined ? 'the account was never polled to the end' : 'changed after the last poll; the next poll sends it',
            fixable: true,
          };
        }
        return {
          detail: 'never sent, though the poll has read past this change (a message lost or in a dead-letter queue, or a snapshot never enqueued)',
          fixable: true,
        };
    }
  };

  for (const check of input.orders) {
    const { order } = check;
    const tally = orderRows.get(order.status) as Tally;
    tally.inShipStation += 1;
    const base = {
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      status: order.status,
      email: order.customer.email,
      changedAt: order.modifiedAt,
      notPolledYet: notPolled(order.modifiedAt),
      snapshot: order,
    };
    if (check.kind === 'event') {
      const problem = settle(tally, check.uniqueId, order.modifiedAt);
      if (problem !== undefined) missing.push({ ...base, metric: check.metric, uniqueId: check.uniqueId, ...problem });
      continue;
    }
    if (check.kind === 'no-event') continue;
    const { state } = check;
    const recordedView = `the stored state (${state.status ?? 'a label'} at ${state.modifiedAt ?? state.shippedAt ?? '?'}) is newer than ShipStation's ${order.status} (modified ${order.modifiedAt})`;
    if (check.metric !== undefined) {
      tally.owed += 1;
      tally.missing += 1;
      missing.push({
        ...base,
        metric: check.metric,
        uniqueId: uniqueIds.orderStatus(order.accountId, order.orderId, order.status, order.modifiedAt),
        detail: `${recordedView}: the pipeline treats ShipStation's status as stale (${check.reason}) and will not send it; --fix cannot either`,
        fixable: false,
      });
    }
    if (check.recordedUniqueId !== undefined && check.recordedMetric !== undefined && statusOf(check.recordedUniqueId) === 'sent') {
      extra.push({
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        metric: check.recordedMetric,
        uniqueId: check.recordedUniqueId,
        detail: `sent for ${state.status}, which ShipStation no longer shows: ${recordedView}`,
      });
    }
  }

  for (const label of input.labels) {
    const kind = labelKind(label);
    const tally = labelRows.get(kind) as Tally;
    tally.inShipStation += 1;
    const ids = labelEventIds(label);
    const changedAt = labelChangedAt(label);
    const base = {
      orderId: label.orderId,
      orderNumber: label.orderNumber,
      shipmentId: label.shipmentId,
      status: kind,
      email: label.customerEmail,
      changedAt,
      notPolledYet: notPolled(changedAt),
      snapshot: label,
    };
    if (!label.voided) {
      const problem = settle(tally, ids.shipped, changedAt);
      if (problem !== undefined) missing.push({ ...base, metric: ids.shippedMetric, uniqueId: ids.shipped, ...problem });
      continue;
    }
    // A voided label owes a Shipment Voided only when its Order Shipped went out (a voided return label owes nothing).
    const shipped = statusOf(ids.shipped);
    if (ids.voided === undefined) continue;
    if (shipped === 'in-flight') tally.inFlight += 1;
    if (shipped !== 'sent') continue;
    const problem = settle(tally, ids.voided, changedAt);
    if (problem !== undefined) missing.push({ ...base, metric: SHIPMENT_METRICS.voided, uniqueId: ids.voided, ...problem });
    if (statusOf(ids.voided) === 'sent') continue;
    extra.push({
      orderId: label.orderId,
      orderNumber: label.orderNumber,
      shipmentId: label.shipmentId,
      metric: SHIPMENT_METRICS.shipped,
      uniqueId: ids.shipped,
      detail: `sent for label ${label.shipmentId}, which ShipStation now shows voided${label.voidedAt === undefined ? '' : ` (${label.voidedAt})`}, and no Shipment Voided has gone out`,
    });
  }

  return {
    orders: ORDER_STATUSES.map((status) => ({ status, tally: orderRows.get(status) as Tally })),
    labels: LABEL_KINDS.map((kind) => ({ kind, tally: labelRows.get(kind) as Tally })),
    missing: missing.sort((a, b) => a.changedAt.localeCompare(b.changedAt) || a.orderId - b.orderId),
    extra: extra.sort((a, b) => a.orderId - b.orderId || a.uniqueId.localeCompare(b.uniqueId)),
  };
}
