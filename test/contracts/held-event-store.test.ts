// The HeldEventStore contract: one copy per unique_id, events given back as held, listed in unique_id order as DynamoDB
// sorts keys (by bytes: shipment 1234 before shipment 123), paged with `next` until every event was read once, and
// removed and counted per account; held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbHeldEventStore } from '../../lib/adapters/dynamodb-held-event-store.js';
import type { KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import type { HeldEventStore } from '../../lib/ports.js';
import { historicalShippedEvent } from '../helpers/factories.js';
import { InMemoryHeldEventStore } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const heldAt = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));
/** Shipments whose unique_ids sort differently by bytes (DynamoDB) and by locale: 1234 < 123 < 124 < 20 < 2. */
const SHIPMENTS = [2, 123, 20, 1234, 124];

/** The Order Shipped event of shipment `n`, held for `accountId`. */
const held = (accountId: string, n: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent =>
  historicalShippedEvent(n, { accountId, uniqueId: `ss:${accountId}:shipment:${n}:shipped`, backfill: false, ...overrides });

/** Every held event of the account, page by page until `next` is absent, as release and reconcile read them. */
async function listAll(store: HeldEventStore, accountId: string, limit: number): Promise<KlaviyoEvent[]> {
  const events: KlaviyoEvent[] = [];
  let after: string | undefined;
  do {
    const page = await store.list(accountId, limit, after);
    expect(page.events.length).toBeLessThanOrEqual(limit);
    events.push(...page.events);
    after = page.next;
  } while (after !== undefined);
  return events;
}

function heldEventStoreContract(make: () => HeldEventStore): void {
  it('holds nothing for an account never held: an empty first page and a count of 0', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();

    // Act
    const page = await store.list(accountId, 10);

    // Assess
    expect(page).toEqual({ events: [] });
    expect(await store.count(accountId)).toBe(0);
  });

  it('gives an event back as it was held, properties and profile included', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const event = held(accountId, 7, {
      metric: 'Order Delivered',
      time: '2026-11-24T23:59:59.123Z',
      value: 1234.5,
      properties: {
        OrderId: '7',
        Items: [{ SKU: 'TEE-Ü', Quantity: 1, Tags: ['vip', 'naïve café'] }],
        Shipment: { Tracking: { Number: '1Z999' } },
        Flag: false,
        Note: 'line one\nline two 🎁',
      },
      profile: { email: 'jane.doe@example.com', phoneNumber: '+14155550132', lastName: "O'Doe", location: { city: 'San Francisco', country: 'US' } },
    });

    // Act
    await store.hold([event], '401 Unauthorized', heldAt);

    // Assess
    expect(await store.list(accountId, 10)).toEqual({ events: [event] });
  });

  it('keeps one copy per unique_id: an event held again replaces the earlier copy', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.hold([held(accountId, 1)], '401 Unauthorized', heldAt);

    // Act
    await store.hold([held(accountId, 1, { backfill: true }), held(accountId, 2)], 'Klaviyo answered 503', heldAt);

    // Assess
    expect(await store.count(accountId)).toBe(2);
    expect((await store.list(accountId, 10)).events).toEqual([held(accountId, 1, { backfill: true }), held(accountId, 2)]);
  });

  it('lists in unique_id byte order, and paging with next reads every event once', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.hold(
      SHIPMENTS.map((n) => held(accountId, n)),
      '401 Unauthorized',
      heldAt,
    );

    // Act
    const onePage = await store.list(accountId, 10);
    const paged = await listAll(store, accountId, 2);

    // Assess
    const expected = [1234, 123, 124, 20, 2].map((n) => `ss:${accountId}:shipment:${n}:shipped`);
    expect(onePage.events.map((e) => e.uniqueId)).toEqual(expected);
    expect(onePage.next).toBeUndefined();
    expect(paged.map((e) => e.uniqueId)).toEqual(expected);
  });

  it('continues after the last unique_id of a page even once that page was removed (as the release does)', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.hold(
      SHIPMENTS.map((n) => held(accountId, n)),
      '401 Unauthorized',
      heldAt,
    );
    const first = await store.list(accountId, 2);

    // Act
    await store.remove(
      accountId,
      first.events.map((e) => e.uniqueId),
    );
    const second = await store.list(accountId, 10, first.next);

    // Assess
    expect(first.next).toBe(`ss:${accountId}:shipment:123:shipped`);
    expect(second.events.map((e) => e.orderId)).toEqual([124, 20, 2]);
    expect(await store.count(accountId)).toBe(3);
  });

  it('removes exactly the given events of the given account; unknown ids change nothing', async () => {
    // Prepare
    const store = make();
    const [accountId, other] = [newAccount(), newAccount()];
    await store.hold(
      SHIPMENTS.map((n) => held(accountId, n)),
      '401 Unauthorized',
      heldAt,
    );
    await store.hold(
      SHIPMENTS.map((n) => held(other, n, { uniqueId: `ss:${accountId}:shipment:${n}:shipped` })),
      '401 Unauthorized',
      heldAt,
    );

    // Act
    await store.remove(accountId, [`ss:${accountId}:shipment:123:shipped`, `ss:${accountId}:shipment:20:shipped`, 'ss:never-held:shipment:1:shipped']);

    // Assess
    expect((await listAll(store, accountId, 10)).map((e) => e.orderId)).toEqual([1234, 124, 2]);
    expect(await store.count(accountId)).toBe(3);
    expect(await store.count(other)).toBe(5);
    expect((await listAll(store, other, 10)).every((e) => e.accountId === other)).toBe(true);
  });
}

describeContract<HeldEventStore>(
  'HeldEventStore',
  [
    inMemory('InMemoryHeldEventStore', () => new InMemoryHeldEventStore()),
    onLocalDynamoDb('DynamoDbHeldEventStore', (aws) => new DynamoDbHeldEventStore(aws.dynamodb, aws.tableName)),
  ],
  heldEventStoreContract,
);
