import { decideOrderUpdate, recordShipment } from '../../lib/domain/order-state.js';
import { buyer, orderSnapshot, orderState } from '../helpers/factories.js';

describe('decideOrderUpdate', () => {
  it('accepts the first snapshot of an order, starts its status there and keeps its buyer and items', () => {
    // Prepare
    const snapshot = orderSnapshot({ status: 'awaiting_payment', modifiedAt: '2026-07-04T17:20:00.000Z' });

    // Act
    const decision = decideOrderUpdate(undefined, snapshot);

    // Assess
    expect(decision).toEqual({
      outcome: 'current',
      status: 'awaiting_payment',
      statusSince: '2026-07-04T17:20:00.000Z',
      changed: true,
      next: {
        accountId: 'default',
        orderId: 123456,
        status: 'awaiting_payment',
        statusSince: '2026-07-04T17:20:00.000Z',
        modifiedAt: '2026-07-04T17:20:00.000Z',
        shippedAt: undefined,
        orderNumber: 'A-1001',
        total: 34.97,
        storeId: 9001,
        buyer: buyer(),
        items: [{ sku: 'MUG-BLUE', name: 'Blue Mug', quantity: 2, unitPrice: 14.99, imageUrl: 'https://cdn.example.com/mug-blue.png' }],
        gift: false,
        version: 0,
      },
    });
  });

  it('takes the buyer of the newest order snapshot, and calls a changed buyer a change', () => {
    // Prepare
    const state = orderState({ modifiedAt: '2026-07-04T17:20:00.000Z', version: 2 });
    const snapshot = orderSnapshot({ modifiedAt: '2026-07-04T18:05:00.000Z', customer: buyer({ email: 'jane@new.example.com' }), gift: true });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toMatchObject({ outcome: 'current', changed: true, next: { buyer: { email: 'jane@new.example.com' }, gift: true } });
  });

  it('keeps statusSince when the same status comes back with a newer modifyDate', () => {
    // Prepare
    const state = orderState({ status: 'awaiting_shipment', statusSince: '2026-07-04T17:20:00.000Z', modifiedAt: '2026-07-04T17:20:00.000Z', version: 3 });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T18:05:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toMatchObject({ outcome: 'current', status: 'awaiting_shipment', statusSince: '2026-07-04T17:20:00.000Z', changed: true });
    expect(decision.outcome === 'current' && decision.next).toMatchObject({
      statusSince: '2026-07-04T17:20:00.000Z',
      modifiedAt: '2026-07-04T18:05:00.000Z',
      version: 3,
    });
  });

  it('sets statusSince to the modifyDate of the snapshot that changes the status', () => {
    // Prepare
    const state = orderState({ status: 'awaiting_payment', statusSince: '2026-07-04T17:20:00.000Z', modifiedAt: '2026-07-04T17:20:00.000Z' });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T19:00:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toMatchObject({ outcome: 'current', status: 'awaiting_shipment', statusSince: '2026-07-04T19:00:00.000Z', changed: true });
  });

  it('reports no change when the very same snapshot is applied twice', () => {
    // Prepare
    const snapshot = orderSnapshot();
    const first = decideOrderUpdate(undefined, snapshot);
    if (first.outcome !== 'current') throw new Error('first snapshot was not applied');

    // Act
    const second = decideOrderUpdate(first.next, snapshot);

    // Assess
    expect(second).toMatchObject({ outcome: 'current', statusSince: first.statusSince, changed: false });
  });

  it('calls a snapshot older than the applied one stale', () => {
    // Prepare
    const state = orderState({ status: 'cancelled', modifiedAt: '2026-07-04T19:00:00.000Z' });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T18:59:59.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toEqual({ outcome: 'stale', reason: 'older than the applied snapshot' });
  });

  it('compares modifyDates as instants, not as text', () => {
    // Prepare
    const state = orderState({ status: 'cancelled', modifiedAt: '2026-07-04T19:00:00.000Z' });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T20:30:00+02:00' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision.outcome).toBe('stale');
  });

  it('calls a snapshot with the same modifyDate but another status stale', () => {
    // Prepare
    const state = orderState({ status: 'on_hold', modifiedAt: '2026-07-04T19:00:00.000Z' });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T19:00:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toEqual({ outcome: 'stale', reason: 'same modifyDate as the applied snapshot with another status' });
  });

  it('calls a pre-shipment status older than a known label stale', () => {
    // Prepare
    const state = orderState({ status: undefined, statusSince: undefined, modifiedAt: undefined, shippedAt: '2026-07-05T16:00:00.000Z' });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-05T15:59:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toEqual({ outcome: 'stale', reason: 'pre-shipment status older than a label or fulfilment' });
  });

  it('takes a history snapshot that is the applied one again although a label came since (its batch may have stopped before sending), never a live one', () => {
    // Prepare: awaiting shipment applied at 15:59, a label at 16:00
    const state = orderState({
      status: 'awaiting_shipment',
      statusSince: '2026-07-05T15:59:00.000Z',
      modifiedAt: '2026-07-05T15:59:00.000Z',
      shippedAt: '2026-07-05T16:00:00.000Z',
    });
    const again = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-05T15:59:00.000Z', history: true });
    const older = orderSnapshot({ status: 'awaiting_payment', modifiedAt: '2026-07-05T15:58:00.000Z', history: true });

    // Act
    const history = decideOrderUpdate(state, again, { history: true });
    const live = decideOrderUpdate(state, again);
    const olderHistory = decideOrderUpdate(state, older, { history: true });

    // Assess: the same event identity (its statusSince); live and older snapshots stay stale
    expect(history).toMatchObject({ outcome: 'current', status: 'awaiting_shipment', statusSince: '2026-07-05T15:59:00.000Z' });
    expect(live).toEqual({ outcome: 'stale', reason: 'pre-shipment status older than a label or fulfilment' });
    expect(olderHistory).toEqual({ outcome: 'stale', reason: 'older than the applied snapshot' });
  });

  it('accepts a pre-shipment status newer than the label, as after a voided label', () => {
    // Prepare
    const state = orderState({ status: 'shipped', modifiedAt: '2026-07-05T16:00:00.000Z', shippedAt: '2026-07-05T16:00:00.000Z' });
    const snapshot = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-05T17:00:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toMatchObject({ outcome: 'current', status: 'awaiting_shipment', statusSince: '2026-07-05T17:00:00.000Z' });
    expect(decision.outcome === 'current' && decision.next.shippedAt).toBe('2026-07-05T16:00:00.000Z');
  });

  it('accepts a post-shipment status older than the label', () => {
    // Prepare
    const state = orderState({ status: undefined, statusSince: undefined, modifiedAt: undefined, shippedAt: '2026-07-05T16:00:00.000Z' });
    const snapshot = orderSnapshot({ status: 'cancelled', modifiedAt: '2026-07-05T15:00:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision).toMatchObject({ outcome: 'current', status: 'cancelled' });
  });

  it('keeps the known order number and total when the snapshot lacks them', () => {
    // Prepare
    const state = orderState({ orderNumber: 'A-1001', total: 34.97 });
    const snapshot = orderSnapshot({ orderNumber: undefined, total: undefined, modifiedAt: '2026-07-04T18:00:00.000Z' });

    // Act
    const decision = decideOrderUpdate(state, snapshot);

    // Assess
    expect(decision.outcome === 'current' && decision.next).toMatchObject({ orderNumber: 'A-1001', total: 34.97 });
  });
});

describe('recordShipment', () => {
  const ids = { accountId: 'default', orderId: 123456, orderNumber: 'A-1001' };

  it('creates the state of an order seen only through its label', () => {
    // Prepare: no stored state

    // Act
    const next = recordShipment(undefined, ids, '2026-07-05T16:00:00.000Z');

    // Assess
    expect(next).toEqual({ accountId: 'default', orderId: 123456, orderNumber: 'A-1001', shippedAt: '2026-07-05T16:00:00.000Z', version: 0 });
  });

  it('records the first label on an existing state and keeps the rest of it', () => {
    // Prepare
    const state = orderState({ version: 4 });

    // Act
    const next = recordShipment(state, ids, '2026-07-05T16:00:00.000Z');

    // Assess
    expect(next).toEqual({ ...state, shippedAt: '2026-07-05T16:00:00.000Z' });
  });

  it('moves shippedAt back to an earlier label', () => {
    // Prepare
    const state = orderState({ shippedAt: '2026-07-05T16:00:00.000Z' });

    // Act
    const next = recordShipment(state, ids, '2026-07-05T12:00:00.000Z');

    // Assess
    expect(next?.shippedAt).toBe('2026-07-05T12:00:00.000Z');
  });

  it.each([
    ['a later label', '2026-07-06T09:00:00.000Z'],
    ['the same label again', '2026-07-05T16:00:00.000Z'],
  ])('keeps the earliest shippedAt and changes nothing for %s', (_case, shippedAt) => {
    // Prepare
    const state = orderState({ shippedAt: '2026-07-05T16:00:00.000Z' });

    // Act
    const next = recordShipment(state, ids, shippedAt);

    // Assess
    expect(next).toBeUndefined();
  });
});

describe('decideOrderUpdate with V2 snapshots (an account with both keys, or moving from V1 to V2)', () => {
  it('does not let a V2 pending turn an order V1 knows unpaid into awaiting shipment', () => {
    // Prepare: V1 said awaiting payment; V2 (which has no such status) says pending, later
    const state = orderState({ status: 'awaiting_payment', statusSince: '2026-07-04T17:20:00.000Z', modifiedAt: '2026-07-04T17:20:00.000Z' });
    const v2 = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T17:25:00.000Z', source: 'v2' });

    // Act
    const decision = decideOrderUpdate(state, v2);

    // Assess
    expect(decision).toEqual({ outcome: 'stale', reason: 'V2 pending cannot tell an unpaid order; V1 says awaiting payment' });
  });

  it('lets a V2 pending of an order V1 has not told of yet wait for V1 on an account with both keys, and announces it on a V2-only account', () => {
    // Prepare: an order first seen through V2, pending (paid or not: V2 cannot say)
    const v2 = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T17:25:00.000Z', source: 'v2' });

    // Act
    const withV1 = decideOrderUpdate(undefined, v2, { v1Tells: true });
    const v2Only = decideOrderUpdate(undefined, v2, { v1Tells: false });

    // Assess
    expect(withV1).toEqual({ outcome: 'stale', reason: 'V2 pending cannot tell an unpaid order; waiting for V1' });
    expect(v2Only.outcome).toBe('current');
  });

  it('keeps the V1 buyer and items when a V2 snapshot (no bill-to, no buyer on a gift) moves the status on', () => {
    // Prepare
    const v1Buyer = buyer({ email: 'alex@example.com', firstName: 'Alex' });
    const state = orderState({ status: 'awaiting_shipment', statusSince: '2026-07-04T17:20:00.000Z', modifiedAt: '2026-07-04T17:20:00.000Z', buyer: v1Buyer });
    const v2 = orderSnapshot({ status: 'on_hold', modifiedAt: '2026-07-05T09:00:00.000Z', source: 'v2', customer: {}, gift: true });

    // Act
    const decision = decideOrderUpdate(state, v2);

    // Assess: the status moves, the buyer stays
    expect(decision.outcome).toBe('current');
    if (decision.outcome !== 'current') return;
    expect(decision.status).toBe('on_hold');
    expect(decision.next.buyer).toEqual(v1Buyer);
    expect(decision.next.buyerFromV2).toBeUndefined();
  });

  it('takes a V2 buyer where none is known, and lets a V1 buyer replace it later', () => {
    // Prepare
    const v2 = orderSnapshot({
      status: 'awaiting_shipment',
      modifiedAt: '2026-07-04T17:20:00.000Z',
      source: 'v2',
      customer: buyer({ email: 'rosa@example.com' }),
    });
    const first = decideOrderUpdate(undefined, v2);
    if (first.outcome !== 'current') throw new Error('expected current');
    const v1 = orderSnapshot({ status: 'awaiting_shipment', modifiedAt: '2026-07-04T17:30:00.000Z', customer: buyer({ email: 'alex@example.com' }) });

    // Act
    const second = decideOrderUpdate({ ...first.next, version: 1 }, v1);

    // Assess
    expect(first.next.buyerFromV2).toBe(true);
    expect(first.next.buyer?.email).toBe('rosa@example.com');
    expect(second.outcome === 'current' && second.next.buyer?.email).toBe('alex@example.com');
    expect(second.outcome === 'current' && second.next.buyerFromV2).toBeUndefined();
    expect(second.outcome === 'current' && second.statusSince).toBe('2026-07-04T17:20:00.000Z');
  });
});
