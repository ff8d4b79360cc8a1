// OrderLookup by the account's API: `GET /orders/{id}` with the V1 key pair, or `GET /v2/shipments/se-{id}` with the V2
// key for an account on API V2 only (the same order under the same id, docs/configuration.md "One identity across APIs").
import type { AccountConfig } from '../config.js';
import type { OrderSnapshot } from '../domain/snapshot.js';
import type { OrderLookup, ShipStationV2Reader } from '../ports.js';

export class ShipStationOrderLookup implements OrderLookup {
  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly v1: OrderLookup,
    private readonly v2: Pick<ShipStationV2Reader, 'fetchV2Order'>,
  ) {}

  fetchOrder(accountId: string, orderId: number): Promise<OrderSnapshot | undefined> {
    const account = this.accounts.get(accountId);
    return account?.shipStation === undefined && account?.shipStationV2 !== undefined
      ? this.v2.fetchV2Order(accountId, orderId)
      : this.v1.fetchOrder(accountId, orderId);
  }
}
