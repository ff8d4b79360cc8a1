// Order state: what was last processed for each order, written with versioned conditional writes.
import type { OrderState } from '../domain/order-state.js';
import type { ShipmentRecord } from '../domain/shipment-tracking.js';

export interface OrderStateStore {
  get(accountId: string, orderId: number): Promise<OrderState | undefined>;
  /**
   * Writes the state if the stored version still equals `state.version` (or nothing is stored when it is 0).
   * @returns false when another writer got there first
   */
  put(state: OrderState): Promise<boolean>;
  /**
   * The order's state and the record of one of its labels or fulfilments, in one read where they share a partition
   * (a label's publish needs both). Optional: without it the two are read apart.
   */
  getWithShipment?(accountId: string, orderId: number, shipmentKey: string): Promise<{ state?: OrderState; record?: ShipmentRecord }>;
}
