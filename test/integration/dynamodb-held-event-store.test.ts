// The held-event store on a real DynamoDB-compatible server (dynalite): one copy per unique_id, events read back
// exactly as held, paging through thousands of them, accounts kept apart, and counts beyond one DynamoDB page.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../lib/adapters/dynamodb-keys.js';
import { DynamoDbHeldEventStore } from '../../lib/adapters/dynamodb-held-event-store.js';
import type { KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';

let aws: LocalAws;
let store: DynamoDbHeldEventStore;
let n = 0;
/** A fresh account per test, so tests never share held events. */
const newAccount = (): string => `acct-${(n += 1)}`;
const heldAt = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));

/** A held Order Shipped event; `i` is zero-padded so numeric and unique_id order agree. */
function heldEvent(accountId: string, i: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent {
  const id = String(i).padStart(5, '0');
  return {
    accountId,
    metric: 'Order Shipped',
    time: '2026-11-25T11:59:00.000Z',
    uniqueId: `ss:${accountId}:shipment:${id}:shipped`,
    value: 34.97,
    properties: { OrderId: id, OrderNumber: `A-${id}`, Items: [{ SKU: 'MUG-BLUE', Quantity: 2 }] },
    profile: { email: 'jane.doe@example.com', firstName: 'Jane' },
    backfill: false,
    orderId: i,
    ...overrides,
  };
}

/** Reads every held event of the account, page by page, as a caller of `list` does. */
async function listAll(accountId: string, limit: number): Promise<{ events: KlaviyoEvent[]; pages: number }> {
  const events: KlaviyoEvent[] = [];
  let pages = 0;
  let after: string | undefined;
  do {
    const page = await store.list(accountId, limit, after);
    pages += 1;
    events.push(...page.events);
    after = page.next;
  } while (after !== undefined);
  return { events, pages };
}

/** A random order, so the store (not the order of holding) decides the order of listing. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

beforeAll(async () => {
  aws = await startLocalAws();
  store = new DynamoDbHeldEventStore(aws.dynamodb, aws.tableName);
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbHeldEventStore', () => {
  it('keeps one copy of an event held twice', async () => {
    // Prepare
    const account = newAccount();
    const event = heldEvent(account, 1);

    // Act
    await store.hold([event], '401 Unauthorized', heldAt);
    await store.hold([event, heldEvent(account, 2)], '401 Unauthorized', heldAt);
    await store.hold([event], '401 Unauthorized', heldAt);

    // Assess
    expect(await store.count(account)).toBe(2);
    expect((await store.list(account, 10)).events.map((e) => e.uniqueId)).toEqual([event.uniqueId, heldEvent(account, 2).uniqueId]);
  });

  it('gives back an event exactly as it was held, nested properties and profile included', async () => {
    // Prepare
    const account = newAccount();
    const event = heldEvent(account, 7, {
      metric: 'Order Delivered',
      time: '2026-11-24T23:59:59.123Z',
      value: 1234.5,
      backfill: true,
      properties: {
        OrderId: '7',
        Items: [
          { SKU: 'MUG-BLUE', Quantity: 2, Options: [{ Name: 'Colour', Value: 'Blue' }], Price: 9.99 },
          { SKU: 'TEE-Ü', Quantity: 1, Gift: true, Tags: ['vip', 'naïve café'] },
        ],
        Shipment: { Carrier: 'ups', Tracking: { Number: '1Z999', Url: 'https://example.com/t?n=1Z999&x="q"' }, Weight: 0 },
        Empty: {},
        None: [],
        Flag: false,
        Note: 'line one\nline two\ttabbed 🎁',
      },
      profile: {
        email: 'jane.doe@example.com',
        phoneNumber: '+14155550132',
        firstName: 'Jane',
        lastName: "O'Doe",
        location: { city: 'San Francisco', region: 'CA', zip: '94105', country: 'US' },
      },
    });

    // Act
    await store.hold([event], '401 Unauthorized', heldAt);
    const { events } = await store.list(account, 10);

    // Assess
    expect(events).toStrictEqual([event]);
  });

  it('pages through 2,500 held events in unique_id order, none missed or repeated', async () => {
    // Prepare
    const account = newAccount();
    const all = Array.from({ length: 2500 }, (_, i) => heldEvent(account, i));
    await store.hold(shuffled(all), '401 Unauthorized', heldAt);

    // Act
    const { events, pages } = await listAll(account, 100);

    // Assess
    const ids = events.map((e) => e.uniqueId);
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    expect(ids).toEqual(all.map((e) => e.uniqueId).sort());
    expect(pages).toBeGreaterThanOrEqual(25);
    expect(events).toStrictEqual(all);
  });

  it('continues after the given unique_id and returns at most `limit` events per page', async () => {
    // Prepare
    const account = newAccount();
    const all = Array.from({ length: 7 }, (_, i) => heldEvent(account, i));
    await store.hold(all, '401 Unauthorized', heldAt);

    // Act
    const first = await store.list(account, 3);
    const second = await store.list(account, 3, first.next);
    const fromTheMiddle = await store.list(account, 10, all[4]?.uniqueId);

    // Assess
    expect(first.events.map((e) => e.orderId)).toEqual([0, 1, 2]);
    expect(first.next).toBe(all[2]?.uniqueId);
    expect(second.events.map((e) => e.orderId)).toEqual([3, 4, 5]);
    expect(fromTheMiddle.events.map((e) => e.orderId)).toEqual([5, 6]);
    expect(fromTheMiddle.next).toBeUndefined();
  });

  it('never lists or counts the held events of another account', async () => {
    // Prepare: account ids chosen so that one is a prefix of the other
    const account = newAccount();
    const other = `${account}-eu`;
    await store.hold(
      Array.from({ length: 5 }, (_, i) => heldEvent(account, i)),
      '401 Unauthorized',
      heldAt,
    );
    await store.hold(
      Array.from({ length: 3 }, (_, i) => heldEvent(other, i)),
      '401 Unauthorized',
      heldAt,
    );

    // Act
    const mine = await listAll(account, 2);
    const theirs = await listAll(other, 2);

    // Assess
    expect(mine.events.every((e) => e.accountId === account)).toBe(true);
    expect(mine.events).toHaveLength(5);
    expect(theirs.events.every((e) => e.accountId === other)).toBe(true);
    expect(theirs.events).toHaveLength(3);
    expect(await store.count(account)).toBe(5);
    expect(await store.count(other)).toBe(3);
    expect(await store.count(`${account}-unknown`)).toBe(0);
    expect(await store.list(`${account}-unknown`, 10)).toEqual({ events: [] });
  });

  it('removes exactly the given events, and only from the given account', async () => {
    // Prepare
    const account = newAccount();
    const other = newAccount();
    const all = Array.from({ length: 60 }, (_, i) => heldEvent(account, i));
    const sameIdsElsewhere = all.map((e) => ({ ...e, accountId: other }));
    await store.hold([...all, ...sameIdsElsewhere], '401 Unauthorized', heldAt);
    const removed = all.filter((e) => e.orderId % 3 === 0).map((e) => e.uniqueId);

    // Act
    await store.remove(account, [...removed, 'ss:never-held:shipment:1:shipped']);

    // Assess
    const left = (await listAll(account, 1000)).events.map((e) => e.uniqueId);
    expect(left).toEqual(all.filter((e) => e.orderId % 3 !== 0).map((e) => e.uniqueId));
    expect(await store.count(account)).toBe(40);
    expect(await store.count(other)).toBe(60);
  });

  it('counts held events exactly when they fill more than one DynamoDB page', async () => {
    // Prepare: 2,600 events of about 1 KB, well over the 1 MB a single Query reads
    const account = newAccount();
    const padding = 'x'.repeat(1000);
    await store.hold(
      Array.from({ length: 2600 }, (_, i) => heldEvent(account, i, { properties: { OrderId: String(i), Note: padding } })),
      '401 Unauthorized',
      heldAt,
    );
    const onePage = await aws.dynamodb.send(
      new QueryCommand({
        TableName: aws.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: keys.heldEvent(account, '').pk } },
        Select: 'COUNT',
      }),
    );

    // Act
    const count = await store.count(account);

    // Assess
    expect(onePage.LastEvaluatedKey).toBeDefined();
    expect(onePage.Count).toBeLessThan(2600);
    expect(count).toBe(2600);
  });
});
