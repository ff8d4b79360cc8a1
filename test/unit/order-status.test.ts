import { STATUS_METRICS as EVENT_MAPPING_STATUS_METRICS } from '../../lib/domain/event-mapping.js';
import { DELAYABLE_STATUSES, ORDER_STATUS_RULES, PRE_SHIPMENT_STATUSES, STATUS_METRICS } from '../../lib/domain/order-status.js';
import { DELAYABLE_STATUSES as SHIPMENT_TRACKING_DELAYABLE_STATUSES } from '../../lib/domain/shipment-tracking.js';
import { ORDER_STATUSES } from '../../lib/domain/shipstation.js';

describe('ORDER_STATUS_RULES', () => {
  it('has one row for every ShipStation status and no other', () => {
    // Act
    const rows = Object.keys(ORDER_STATUS_RULES).sort();

    // Assess
    expect(rows).toEqual([...ORDER_STATUSES].sort());
  });

  it('gives every status its metric, shipped none (its labels and fulfilments send Order Shipped)', () => {
    // Assess
    expect(STATUS_METRICS).toEqual({
      awaiting_payment: 'Order Awaiting Payment',
      awaiting_shipment: 'Order Awaiting Shipment',
      pending_fulfillment: 'Order Pending Fulfillment',
      on_hold: 'Order On Hold',
      cancelled: 'Order Cancelled',
      rejected_fulfillment: 'Order Fulfillment Rejected',
      shipped: undefined,
    });
    expect(EVENT_MAPPING_STATUS_METRICS).toBe(STATUS_METRICS);
  });

  it('counts the statuses before any label as pre-shipment', () => {
    // Assess
    expect([...PRE_SHIPMENT_STATUSES].sort()).toEqual(['awaiting_payment', 'awaiting_shipment', 'on_hold', 'pending_fulfillment']);
  });

  it("lets an order be delayed only while it is unshipped and the merchant's move", () => {
    // Assess
    expect([...DELAYABLE_STATUSES].sort()).toEqual(['awaiting_shipment', 'on_hold', 'pending_fulfillment', 'rejected_fulfillment']);
    expect(SHIPMENT_TRACKING_DELAYABLE_STATUSES).toBe(DELAYABLE_STATUSES);
  });

  it('shows the hold-until date only for orders on hold', () => {
    // Act
    const showing = ORDER_STATUSES.filter((status) => ORDER_STATUS_RULES[status].showsHoldUntilDate);

    // Assess
    expect(showing).toEqual(['on_hold']);
  });
});
