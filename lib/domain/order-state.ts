// Per-order state and the stale rule (DESIGN §3.3): what a snapshot may change, and which status event it implies.
import { ORDER_STATUS_RULES } from './order-status.js';
import type { OrderStatus } from './shipstation.js';
import type { Customer, LineItem, OrderSnapshot } from './snapshot.js';

/** What we remember about one order between snapshots. */
export interface OrderState {
  accountId: string;
  orderId: number;
  /** Last status seen; absent when only a shipment of the order has been seen so far. */
  status?: OrderStatus;
  /** When the order entered `status` (the modifyDate of the snapshot that first showed it), UTC ISO. */
  statusSince?: string;
  /** modifyDate of the newest order snapshot applied, UTC ISO. */
  modifiedAt?: string;
  /** createDate of the earliest label or fulfilment seen: earlier pre-shipment snapshots are stale. */
  shippedAt?: string;
  orderNumber?: string;
  total?: number;
  /** The ShipStation store of the order (a fulfilment has none: an account's store filter reads it here). */
  storeId?: number;
  /**
   * The buyer, from the newest order snapshot (DESIGN §3.8). Labels, fulfilments, voids and tracking events of the order
   * identify and describe this profile, never their ship-to person. Absent until an order snapshot was applied.
   */
  buyer?: Customer;
  /** The buyer came from a V2 snapshot (its ship-to person): a V1 snapshot's buyer replaces it, never the other way. */
  buyerFromV2?: boolean;
  /** The order's items (adjustments left out): fulfilments carry none of their own. */
  items?: LineItem[];
  /** ShipStation's gift flag (an event property of every shipment event of the order). */
  gift?: boolean;
  /** When the order's delay check is due (see delayDue); a check due at another time is outdated. */
  delayDueAt?: string;
  /** Optimistic-lock counter for single-item conditional writes. */
  version: number;
}

export type OrderDecision =
  { outcome: 'stale'; reason: string } | { outcome: 'current'; next: OrderState; status: OrderStatus; statusSince: string; changed: boolean };

const instant = (iso: string): number => Date.parse(iso);

/**
 * Applies an order snapshot to the stored state. A snapshot older than what was applied (by modifyDate), or a
 * pre-shipment status older than a label we already saw, is stale. Otherwise it returns the next state and the status
 * it is in since when; a repeat of the same status keeps its original `statusSince`, so the event it implies keeps
 * one identity however often the order is edited or redelivered.
 */
export function decideOrderUpdate(
  state: OrderState | undefined,
  snapshot: OrderSnapshot,
  options: {
    /**
     * The account has a V1 key, so V1 tells whether an order is paid: a V2 `pending` (unpaid or awaiting shipment, V2
     * cannot say) of an order V1 has not told of yet waits for V1 instead of announcing awaiting shipment.
     */
    v1Tells?: boolean;
    /**
     * A history snapshot (sent in bulk at the end of its batch): the applied snapshot itself, seen again, is current
     * even when a label came since, because a batch that stopped between its claims and its bulk request may never
     * have sent its event (the ledger tells a repeat).
     */
    history?: boolean;
  } = {},
): OrderDecision {
  if (state?.modifiedAt !== undefined) {
    const stored = instant(state.modifiedAt);
    const seen = instant(snapshot.modifiedAt);
    if (seen < stored) return { outcome: 'stale', reason: 'older than the applied snapshot' };
    if (seen === stored && state.status !== snapshot.status) {
      return { outcome: 'stale', reason: 'same modifyDate as the applied snapshot with another status' };
    }
  }
  // V2 has no awaiting payment: its `pending` is an order V1 may still know unpaid.
  if (snapshot.source === 'v2' && snapshot.status === 'awaiting_shipment') {
    if (state?.status === 'awaiting_payment') return { outcome: 'stale', reason: 'V2 pending cannot tell an unpaid order; V1 says awaiting payment' };
    if (options.v1Tells === true && state?.status === undefined) return { outcome: 'stale', reason: 'V2 pending cannot tell an unpaid order; waiting for V1' };
  }
  const appliedAgain =
    options.history === true &&
    state?.modifiedAt !== undefined &&
    instant(state.modifiedAt) === instant(snapshot.modifiedAt) &&
    state.status === snapshot.status;
  if (
    !appliedAgain &&
    state?.shippedAt !== undefined &&
    ORDER_STATUS_RULES[snapshot.status].preShipment &&
    instant(snapshot.modifiedAt) < instant(state.shippedAt)
  ) {
    return { outcome: 'stale', reason: 'pre-shipment status older than a label or fulfilment' };
  }
  const sameStatus = state?.status === snapshot.status && state.statusSince !== undefined;
  const statusSince = sameStatus ? (state.statusSince as string) : snapshot.modifiedAt;
  // A V1 buyer (bill-to, customer email) stands over what V2 can tell (its ship-to person, nobody on a gift).
  const keepBuyer = snapshot.source === 'v2' && state?.buyer !== undefined && state.buyerFromV2 !== true;
  const buyer = keepBuyer ? state.buyer : snapshot.customer;
  const buyerFromV2 = !keepBuyer && snapshot.source === 'v2';
  const next: OrderState = {
    accountId: snapshot.accountId,
    orderId: snapshot.orderId,
    status: snapshot.status,
    statusSince,
    modifiedAt: snapshot.modifiedAt,
    shippedAt: state?.shippedAt,
    orderNumber: snapshot.orderNumber ?? state?.orderNumber,
    total: snapshot.total ?? state?.total,
    storeId: snapshot.storeId ?? state?.storeId,
    buyer,
    ...(buyerFromV2 ? { buyerFromV2: true } : {}),
    items: keepBuyer && snapshot.items.length === 0 ? (state.items ?? []) : snapshot.items,
    gift: snapshot.gift === true,
    ...(state?.delayDueAt === undefined ? {} : { delayDueAt: state.delayDueAt }),
    version: state?.version ?? 0,
  };
  const changed =
    state === undefined ||
    state.modifiedAt !== next.modifiedAt ||
    state.status !== next.status ||
    state.orderNumber !== next.orderNumber ||
    state.total !== next.total ||
    state.storeId !== next.storeId ||
    state.gift !== next.gift ||
    state.buyerFromV2 !== next.buyerFromV2 ||
    JSON.stringify(state.buyer) !== JSON.stringify(next.buyer) ||
    JSON.stringify(state.items) !== JSON.stringify(next.items);
  return { outcome: 'current', next, status: snapshot.status, statusSince, changed };
}

/** Records that a label or fulfilment exists; returns undefined when the state already knows an earlier one. */
export function recordShipment(
  state: OrderState | undefined,
  ids: { accountId: string; orderId: number; orderNumber?: string },
  shippedAt: string,
): OrderState | undefined {
  if (state?.shippedAt !== undefined && instant(state.shippedAt) <= instant(shippedAt)) return undefined;
  return {
    ...(state ?? { accountId: ids.accountId, orderId: ids.orderId, version: 0 }),
    orderNumber: state?.orderNumber ?? ids.orderNumber,
    shippedAt,
  };
}
