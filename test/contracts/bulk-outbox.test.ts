// The BulkOutbox contract: one copy per unique_id whose first `since` stays (a redelivery never extends a wait), events
// given back as put, listed in unique_id order as DynamoDB sorts keys, paged with `next` until every one was read once,
// removed and counted per account, and apart from the events held while Klaviyo is refused; held by the in-memory fake
// and the DynamoDB adapter alike.
import { DynamoDbBulkOutbox } from '../../lib/adapters/dynamodb-bulk-outbox.js';
import { DynamoDbHeldEventStore } from '../../lib/adapters/dynamodb-held-event-store.js';
import type { KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import type { BulkOutbox, WaitingEvent } from '../../lib/ports.js';
import { historicalShippedEvent } from '../helpers/factories.js';
import { InMemoryBulkOutbox } from '../fakes/in-memory-ports.js';
import { startLocalAws } from '../../lib/local/aws-stand-ins.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const first = new Date(Date.UTC(2026, 11, 7, 20, 0, 0));
const later = new Date(Date.UTC(2026, 11, 7, 20, 2, 0));
/** Shipments whose unique_ids sort differently by bytes (DynamoDB) and by locale: 1234 < 123 < 124 < 20 < 2. */
const SHIPMENTS = [2, 123, 20, 1234, 124];

const waiting = (accountId: string, n: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent =>
  historicalShippedEvent(n, { accountId, uniqueId: `ss:${accountId}:shipment:${n}:shipped`, ...overrides });

async function listAll(outbox: BulkOutbox, accountId: string, limit: number): Promise<WaitingEvent[]> {
  const entries: WaitingEvent[] = [];
  let after: string | undefined;
  do {
    const page = await outbox.list(accountId, limit, after);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    entries.push(...page.entries);
    after = page.next;
  } while (after !== undefined);
  return entries;
}

function bulkOutboxContract(make: () => BulkOutbox): void {
  it('holds nothing for an account that never waited: an empty first page and a count of 0', async () => {
    // Prepare
    const outbox = make();

    // Act
    const page = await outbox.list(newAccount(), 10);

    // Assess
    expect(page).toEqual({ entries: [] });
  });

  it('gives each event back as it was put, with when it was first put; a second put keeps the first time and copy', async () => {
    // Prepare
    const outbox = make();
    const accountId = newAccount();
    const event = waiting(accountId, 7, { properties: { OrderId: '7', Items: [{ SKU: 'TEE-Ü', Quantity: 1 }], Note: 'gift 🎁' }, value: 12.5 });

    // Act
    await outbox.put([event], first);
    await outbox.put([{ ...event, value: 99 }], later);

    // Assess
    expect(await outbox.list(accountId, 10)).toEqual({ entries: [{ event, since: first.toISOString() }] });
    expect(await outbox.count(accountId)).toBe(1);
  });

  it('lists in DynamoDB key order, page by page, each event once', async () => {
    // Prepare
    const outbox = make();
    const accountId = newAccount();
    await outbox.put(
      SHIPMENTS.map((n) => waiting(accountId, n)),
      first,
    );

    // Act
    const entries = await listAll(outbox, accountId, 2);

    // Assess
    expect(entries.map((e) => e.event.orderId)).toEqual([1234, 123, 124, 20, 2]);
  });

  it("removes only the account's named events, and keeps other accounts apart", async () => {
    // Prepare
    const outbox = make();
    const [accountId, other] = [newAccount(), newAccount()];
    await outbox.put(
      SHIPMENTS.map((n) => waiting(accountId, n)),
      first,
    );
    await outbox.put(
      SHIPMENTS.map((n) => waiting(other, n, { uniqueId: `ss:${accountId}:shipment:${n}:shipped` })),
      first,
    );

    // Act
    await outbox.remove(accountId, [`ss:${accountId}:shipment:123:shipped`, 'ss:never:shipment:1:shipped']);

    // Assess
    expect((await listAll(outbox, accountId, 10)).map((e) => e.event.orderId)).toEqual([1234, 124, 20, 2]);
    expect(await outbox.count(accountId)).toBe(4);
    expect(await outbox.count(other)).toBe(5);
  });
}

describeContract<BulkOutbox>(
  'BulkOutbox',
  [
    inMemory('InMemoryBulkOutbox', () => new InMemoryBulkOutbox()),
    onLocalDynamoDb('DynamoDbBulkOutbox', (aws) => new DynamoDbBulkOutbox(aws.dynamodb, aws.tableName)),
  ],
  bulkOutboxContract,
);

describe('DynamoDbBulkOutbox beside DynamoDbHeldEventStore', () => {
  it('keeps its events apart from the held ones of the same account', async () => {
    // Prepare
    const aws = await startLocalAws();
    try {
      const outbox = new DynamoDbBulkOutbox(aws.dynamodb, aws.tableName);
      const held = new DynamoDbHeldEventStore(aws.dynamodb, aws.tableName);
      const accountId = newAccount();

      // Act
      await outbox.put([waiting(accountId, 1)], first);
      await held.hold([waiting(accountId, 2)], '401 Unauthorized', first);

      // Assess
      expect((await outbox.list(accountId, 10)).entries.map((e) => e.event.orderId)).toEqual([1]);
      expect((await held.list(accountId, 10)).events.map((e) => e.orderId)).toEqual([2]);
    } finally {
      await aws.close();
    }
  });
});
