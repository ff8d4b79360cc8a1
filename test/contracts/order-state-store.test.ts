// The OrderStateStore contract: versioned conditional writes (0 = must not exist) and a state read back as written,
// held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbOrderStateStore } from '../../lib/adapters/dynamodb-order-state-store.js';
import type { OrderStateStore } from '../../lib/ports.js';
import { InMemoryOrderStateStore } from '../fakes/in-memory-ports.js';
import { buyer, orderState } from '../helpers/factories.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

function orderStateStoreContract(make: () => OrderStateStore): void {
  it('knows no state of an order never written', async () => {
    // Prepare
    const store = make();

    // Act
    const read = await store.get(newAccount(), 123456);

    // Assess
    expect(read).toBeUndefined();
  });

  it('writes a first state only when none is stored, and reads it back as written with version 1', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const state = orderState({
      accountId,
      version: 0,
      shippedAt: '2026-07-05T16:00:00.000Z',
      storeId: 9001,
      gift: true,
      buyerFromV2: true,
      delayDueAt: '2026-07-09T07:00:00.000Z',
    });

    // Act
    const first = await store.put(state);
    const second = await store.put({ ...state, status: 'shipped' });

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(await store.get(accountId, state.orderId)).toEqual({ ...state, version: 1 });
  });

  it('writes over the stored version only, and each write moves the version on by one', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.put(orderState({ accountId, version: 0 }));

    // Act
    const current = await store.put(orderState({ accountId, version: 1, status: 'shipped' }));
    const stale = await store.put(orderState({ accountId, version: 1, status: 'cancelled' }));
    const ahead = await store.put(orderState({ accountId, version: 5, status: 'cancelled' }));

    // Assess
    expect([current, stale, ahead]).toEqual([true, false, false]);
    expect(await store.get(accountId, 123456)).toMatchObject({ status: 'shipped', version: 2 });
  });

  it('refuses a versioned write for an order with no stored state', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();

    // Act
    const written = await store.put(orderState({ accountId, version: 3 }));

    // Assess
    expect(written).toBe(false);
    expect(await store.get(accountId, 123456)).toBeUndefined();
  });

  it('keeps a state with only its keys (a shipment seen before its order), and the buyer, items and gift flag as written', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const bare = { accountId, orderId: 1, version: 0 };
    const full = orderState({
      accountId,
      orderId: 2,
      version: 0,
      buyer: buyer({ invalidEmail: true, email: undefined }),
      items: [{ sku: 'A', name: 'Åsa\'s "mug"', quantity: 1 }],
      gift: false,
    });

    // Act
    await store.put(bare);
    await store.put(full);

    // Assess
    expect(await store.get(accountId, 1)).toEqual({ accountId, orderId: 1, version: 1 });
    expect(await store.get(accountId, 2)).toEqual({ ...JSON.parse(JSON.stringify(full)), version: 1 });
  });

  it('keeps orders of different accounts apart', async () => {
    // Prepare
    const store = make();
    const [one, other] = [newAccount(), newAccount()];

    // Act
    await store.put(orderState({ accountId: one, version: 0, status: 'shipped' }));
    const elsewhere = await store.put(orderState({ accountId: other, version: 0, status: 'cancelled' }));

    // Assess
    expect(elsewhere).toBe(true);
    expect(await store.get(one, 123456)).toMatchObject({ status: 'shipped' });
    expect(await store.get(other, 123456)).toMatchObject({ status: 'cancelled' });
  });

  it('hands out copies: changing a state read or written changes nothing stored', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const state = orderState({ accountId, version: 0 });
    await store.put(state);

    // Act
    state.buyer!.email = 'changed-after-put@example.com';
    const read = await store.get(accountId, 123456);
    read!.buyer!.email = 'changed-after-get@example.com';
    read!.items!.push({ sku: 'X', name: 'X', quantity: 1 });

    // Assess
    expect(await store.get(accountId, 123456)).toEqual({ ...orderState({ accountId }), version: 1 });
  });
}

describeContract<OrderStateStore>(
  'OrderStateStore',
  [
    inMemory('InMemoryOrderStateStore', () => new InMemoryOrderStateStore()),
    onLocalDynamoDb('DynamoDbOrderStateStore', (aws) => new DynamoDbOrderStateStore(aws.dynamodb, aws.tableName)),
  ],
  orderStateStoreContract,
);
