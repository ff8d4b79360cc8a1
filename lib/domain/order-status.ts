// What each ShipStation order status means to the sync, in one table: a status added to ORDER_STATUSES does not compile
// until it answers every question here. The status sets the rest of the code reads are derived from it.
import { ORDER_STATUSES, type OrderStatus } from './shipstation.js';

/** The answers one order status gives. */
export interface OrderStatusRule {
  /**
   * Metric of the order-level status event, or undefined when the status sends none. Names mirror Klaviyo's native
   * ShipStation integration so existing flows keep working.
   */
  metric: string | undefined;
  /** Before any label: a snapshot in this status older than a label or fulfilment already seen is stale. */
  preShipment: boolean;
  /** Unshipped and the merchant's move: an order can be late in it (`Order Delayed`). */
  delayable: boolean;
  /** Its events carry the order's hold-until date. */
  showsHoldUntilDate: boolean;
}

/**
 * The rules per order status. `shipped` has no order-level event: each label and each fulfilment sends its own
 * `Order Shipped` with tracking, and an order-level one as well would message the customer twice. Awaiting payment is
 * the customer's move and cancelled is over, so neither can be delayed; a rejected fulfilment is back with the merchant.
 */
export const ORDER_STATUS_RULES: Readonly<Record<OrderStatus, Readonly<OrderStatusRule>>> = {
  awaiting_payment: { metric: 'Order Awaiting Payment', preShipment: true, delayable: false, showsHoldUntilDate: false },
  awaiting_shipment: { metric: 'Order Awaiting Shipment', preShipment: true, delayable: true, showsHoldUntilDate: false },
  pending_fulfillment: { metric: 'Order Pending Fulfillment', preShipment: true, delayable: true, showsHoldUntilDate: false },
  on_hold: { metric: 'Order On Hold', preShipment: true, delayable: true, showsHoldUntilDate: true },
  cancelled: { metric: 'Order Cancelled', preShipment: false, delayable: false, showsHoldUntilDate: false },
  rejected_fulfillment: { metric: 'Order Fulfillment Rejected', preShipment: false, delayable: true, showsHoldUntilDate: false },
  shipped: { metric: undefined, preShipment: false, delayable: false, showsHoldUntilDate: false },
};

/** The statuses whose rule answers yes to `question`, in ORDER_STATUSES order. */
const statusesWhere = (question: (rule: Readonly<OrderStatusRule>) => boolean): ReadonlySet<OrderStatus> =>
  new Set(ORDER_STATUSES.filter((status) => question(ORDER_STATUS_RULES[status])));

/** Metric per order status (undefined: the status sends no order-level event). */
export const STATUS_METRICS: Readonly<Record<OrderStatus, string | undefined>> = Object.fromEntries(
  ORDER_STATUSES.map((status) => [status, ORDER_STATUS_RULES[status].metric]),
) as Record<OrderStatus, string | undefined>;

/** Statuses an order is in before it ships. */
export const PRE_SHIPMENT_STATUSES = statusesWhere((rule) => rule.preShipment);

/** Unshipped statuses an order can be late in. */
export const DELAYABLE_STATUSES = statusesWhere((rule) => rule.delayable);
