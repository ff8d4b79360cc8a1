// Order state: what was last processed for each order, written with versioned conditional writes.
import type { OrderState } from '../domain/order-state.js';

export interface OrderStateStore {
  get(accountId: string, orderId: number): Promise<OrderState | undefined>;
  /**
   * Writes the state if the stored version still equals `state.version` (or nothing is stored when it is 0).
   * @returns false when another writer got there first
   */
  put(state: OrderState): Promise<boolean>;
}
