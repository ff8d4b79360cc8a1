// The DueCheckStore contract: checks kept per account by due time, one per due time, kind and ids (scheduled again, it
// is overwritten), read earliest first up to a time and a limit, removed one by one, and an order-delayed check written
// by an earlier version read in today's shape; held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbDueCheckStore } from '../../lib/adapters/dynamodb-due-check-store.js';
import type { DueCheck } from '../../lib/domain/shipment-tracking.js';
import type { OrderSnapshot } from '../../lib/domain/snapshot.js';
import type { DueCheckStore } from '../../lib/ports.js';
import { orderSnapshot } from '../helpers/factories.js';
import { InMemoryDueCheckStore } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const at = (hours: number): Date => new Date(Date.UTC(2026, 6, 5, 18, 0, 0) + hours * 3_600_000);

const stalled = (accountId: string, orderId: number, shipmentKey: string, dueAt: Date): DueCheck => ({
  kind: 'shipment-stalled',
  accountId,
  orderId,
  shipmentKey,
  dueAt: dueAt.toISOString(),
});

type DelayCheck = Extract<DueCheck, { kind: 'order-delayed' }>;

const delayed = (accountId: string, orderId: number, dueAt: Date, order: Partial<OrderSnapshot> = {}): DelayCheck => ({
  kind: 'order-delayed',
  accountId,
  orderId,
  dueAt: dueAt.toISOString(),
  reason: 'no_label_in_time',
  order: orderSnapshot({ accountId, orderId, ...order }),
});

function dueCheckStoreContract(make: () => DueCheckStore): void {
  it('lists nothing for an account with no checks', async () => {
    // Prepare
    const store = make();

    // Act
    const due = await store.listDue(newAccount(), at(1_000), 10);

    // Assess
    expect(due).toEqual([]);
  });

  it('lists the checks due at or before a time, earliest first, up to the limit, each as scheduled', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const checks = [
      delayed(accountId, 1, at(3)),
      stalled(accountId, 2, 'label:20', at(1)),
      stalled(accountId, 3, 'fulfillment:30', at(2)),
      delayed(accountId, 4, at(2.5)),
    ];
    for (const check of checks) await store.schedule(check);

    // Act
    const untilTwoAndAHalf = await store.listDue(accountId, at(2.5), 10);
    const firstTwo = await store.listDue(accountId, at(1_000), 2);
    const beforeAny = await store.listDue(accountId, new Date(at(1).getTime() - 1), 10);

    // Assess
    expect(untilTwoAndAHalf).toEqual([checks[1], checks[2], checks[3]]);
    expect(firstTwo).toEqual([checks[1], checks[2]]);
    expect(beforeAny).toEqual([]);
  });

  it('keeps one check per due time, kind and ids: scheduled again it is overwritten; at another time it is another check', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.schedule(delayed(accountId, 1, at(1), { status: 'awaiting_shipment' }));

    // Act
    await store.schedule(delayed(accountId, 1, at(1), { status: 'on_hold' }));
    await store.schedule(delayed(accountId, 1, at(5), { status: 'on_hold' }));
    await store.schedule(stalled(accountId, 1, 'label:10', at(1)));

    // Assess
    const listed = await store.listDue(accountId, at(1_000), 10);
    expect(listed).toHaveLength(3);
    expect(listed.slice(0, 2)).toEqual(expect.arrayContaining([delayed(accountId, 1, at(1), { status: 'on_hold' }), stalled(accountId, 1, 'label:10', at(1))]));
    expect(listed[2]).toEqual(delayed(accountId, 1, at(5), { status: 'on_hold' }));
  });

  it('removes exactly the check given (same due time, kind and ids); removing one never stored changes nothing', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const [kept, gone, sameShipmentLater] = [
      stalled(accountId, 1, 'label:10', at(1)),
      stalled(accountId, 1, 'label:11', at(1)),
      stalled(accountId, 1, 'label:11', at(2)),
    ];
    for (const check of [kept, gone, sameShipmentLater]) await store.schedule(check);

    // Act
    await store.remove(gone);
    await store.remove(stalled(accountId, 1, 'label:11', at(3)));
    await store.remove(delayed(accountId, 1, at(1)));

    // Assess
    expect(await store.listDue(accountId, at(1_000), 10)).toEqual([kept, sameShipmentLater]);
  });

  it('keeps accounts apart', async () => {
    // Prepare
    const store = make();
    const [accountId, other] = [newAccount(), newAccount()];
    await store.schedule(stalled(accountId, 1, 'label:10', at(1)));
    await store.schedule(stalled(other, 1, 'label:10', at(1)));

    // Act
    await store.remove(stalled(other, 1, 'label:10', at(1)));

    // Assess
    expect(await store.listDue(accountId, at(1_000), 10)).toEqual([stalled(accountId, 1, 'label:10', at(1))]);
    expect(await store.listDue(other, at(1_000), 10)).toEqual([]);
  });

  it("reads an order-delayed check an earlier version wrote (ship-by as an instant) in today's shape", async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const legacyOrder = { ...orderSnapshot({ accountId, orderId: 1 }), shipByDate: undefined, shipByAt: '2026-07-09T06:59:59.000Z' };
    const legacy: DelayCheck = { ...delayed(accountId, 1, at(1)), order: legacyOrder as OrderSnapshot };

    // Act
    await store.schedule(legacy);
    const [read] = await store.listDue(accountId, at(1), 10);

    // Assess
    expect(read).toEqual(delayed(accountId, 1, at(1), { shipByDate: '2026-07-08' }));
    expect(read?.kind === 'order-delayed' && 'shipByAt' in read.order).toBe(false);
  });
}

describeContract<DueCheckStore>(
  'DueCheckStore',
  [
    inMemory('InMemoryDueCheckStore', () => new InMemoryDueCheckStore()),
    onLocalDynamoDb('DynamoDbDueCheckStore', (aws) => new DynamoDbDueCheckStore(aws.dynamodb, aws.tableName)),
  ],
  dueCheckStoreContract,
);
