// The DeadLetterRecords contract: the records EventLedger.deadLetter writes, found and listed as written (the latest per
// event), paged in unique_id byte order until every record was read once, and deleted only while unchanged since read;
// held by the in-memory pair (InMemoryEventLedger + InMemoryDeadLetterRecords) and the DynamoDB pair alike.
import { DynamoDbDeadLetterRecords } from '../../lib/adapters/dynamodb-dead-letter-records.js';
import { DynamoDbEventLedger } from '../../lib/adapters/dynamodb-event-ledger.js';
import type { DeadLetter, DeadLetterRecords, EventLedger } from '../../lib/ports.js';
import { InMemoryDeadLetterRecords } from '../fakes/in-memory-dead-letters.js';
import { InMemoryEventLedger } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

/** The records are written through the ledger and read through DeadLetterRecords, as in production. */
interface DeadLetterStores {
  ledger: EventLedger;
  records: DeadLetterRecords;
}

const AT = '2026-11-25T11:00:00.000Z';
/** Shipments whose unique_ids sort differently by bytes (DynamoDB) and by locale. */
const SHIPMENTS = [2, 123, 20, 1234, 124];
const BYTE_ORDER = [1234, 123, 124, 20, 2];

const uid = (accountId: string, n: number): string => `ss:${accountId}:shipment:${n}:shipped`;

function record(accountId: string, n: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  const uniqueId = uid(accountId, n);
  return {
    accountId,
    uniqueId,
    metric: 'Order Shipped',
    orderId: n,
    reason: 'Klaviyo refused the event: profile email is invalid',
    status: 400,
    body: {
      data: { type: 'event', attributes: { unique_id: uniqueId, properties: { Items: [{ SKU: 'TEE-Ü', Quantity: 1 }] }, time: '2026-11-25T10:59:00.000Z' } },
    },
    at: AT,
    ...overrides,
  };
}

/** Every record of the account, page by page until `next` is absent, as the replay reads them. */
async function listAll(records: DeadLetterRecords, accountId: string, limit: number): Promise<DeadLetter[]> {
  const all: DeadLetter[] = [];
  let after: string | undefined;
  do {
    const page = await records.list(accountId, limit, after);
    expect(page.records.length).toBeLessThanOrEqual(limit);
    all.push(...page.records);
    after = page.next;
  } while (after !== undefined);
  return all;
}

function deadLetterRecordsContract(make: () => DeadLetterStores): void {
  it('finds a record as the ledger wrote it (without a status when it had none), and none for other events or accounts', async () => {
    // Prepare
    const { ledger, records } = make();
    const accountId = newAccount();
    const noStatus = record(accountId, 2, { reason: 'no email or phone to send to' });
    delete noStatus.status;
    await ledger.deadLetter(record(accountId, 1));
    await ledger.deadLetter(noStatus);

    // Act
    const found = [await records.find(accountId, uid(accountId, 1)), await records.find(accountId, uid(accountId, 2))];

    // Assess
    expect(found).toEqual([record(accountId, 1), noStatus]);
    expect(found[1]).not.toHaveProperty('status');
    expect(await records.find(accountId, uid(accountId, 3))).toBeUndefined();
    expect(await records.find(newAccount(), uid(accountId, 1))).toBeUndefined();
    expect(await records.list(newAccount(), 10)).toEqual({ records: [] });
  });

  it('keeps the latest record of an event dead-lettered again', async () => {
    // Prepare
    const { ledger, records } = make();
    const accountId = newAccount();
    await ledger.deadLetter(record(accountId, 1));

    // Act
    await ledger.deadLetter(record(accountId, 1, { reason: 'refused again', status: 422, at: '2026-11-25T12:30:00.000Z' }));

    // Assess
    expect(await records.find(accountId, uid(accountId, 1))).toEqual(
      record(accountId, 1, { reason: 'refused again', status: 422, at: '2026-11-25T12:30:00.000Z' }),
    );
    expect((await records.list(accountId, 10)).records).toHaveLength(1);
  });

  it("lists an account's records in unique_id byte order, and paging with next reads each once", async () => {
    // Prepare
    const { ledger, records } = make();
    const [accountId, other] = [newAccount(), newAccount()];
    for (const n of SHIPMENTS) await ledger.deadLetter(record(accountId, n));
    await ledger.deadLetter(record(other, 1));

    // Act
    const onePage = await records.list(accountId, 10);
    const paged = await listAll(records, accountId, 2);

    // Assess
    expect(onePage.records).toEqual(BYTE_ORDER.map((n) => record(accountId, n)));
    expect(onePage.next).toBeUndefined();
    expect(paged.map((r) => r.orderId)).toEqual(BYTE_ORDER);
  });

  it('continues after the last unique_id of a page even once its record was removed (as the replay does)', async () => {
    // Prepare
    const { ledger, records } = make();
    const accountId = newAccount();
    for (const n of SHIPMENTS) await ledger.deadLetter(record(accountId, n));
    const first = await records.list(accountId, 2);

    // Act
    for (const replayed of first.records) await records.remove(accountId, replayed.uniqueId, replayed.at);
    const second = await records.list(accountId, 10, first.next);

    // Assess
    expect(first.next).toBe(uid(accountId, 123));
    expect(second.records.map((r) => r.orderId)).toEqual([124, 20, 2]);
    expect(await ledger.countDeadLetters(accountId)).toBe(3);
  });

  it('deletes a record only while it is the one that was read (same at), and only once', async () => {
    // Prepare
    const { ledger, records } = make();
    const accountId = newAccount();
    await ledger.deadLetter(record(accountId, 1));
    await ledger.deadLetter(record(accountId, 2));
    await ledger.deadLetter(record(accountId, 1, { reason: 'refused again', at: '2026-11-25T12:30:00.000Z' }));

    // Act
    const stale = await records.remove(accountId, uid(accountId, 1), AT);
    const current = await records.remove(accountId, uid(accountId, 2), AT);
    const again = await records.remove(accountId, uid(accountId, 2), AT);
    const never = await records.remove(accountId, uid(accountId, 3), AT);

    // Assess
    expect([stale, current, again, never]).toEqual([false, true, false, false]);
    expect((await records.find(accountId, uid(accountId, 1)))?.reason).toBe('refused again');
    expect(await records.find(accountId, uid(accountId, 2))).toBeUndefined();
  });

  it('keeps the first 2,000 characters of a long reason', async () => {
    // Prepare
    const { ledger, records } = make();
    const accountId = newAccount();
    const reason = `Klaviyo answered 400: ${'x'.repeat(2_500)}`;

    // Act
    await ledger.deadLetter(record(accountId, 1, { reason }));

    // Assess
    expect((await records.find(accountId, uid(accountId, 1)))?.reason).toBe(reason.slice(0, 2_000));
  });
}

describeContract<DeadLetterStores>(
  'DeadLetterRecords',
  [
    inMemory('InMemoryDeadLetterRecords', () => {
      const ledger = new InMemoryEventLedger();
      return { ledger, records: new InMemoryDeadLetterRecords(ledger) };
    }),
    onLocalDynamoDb('DynamoDbDeadLetterRecords', (aws) => ({
      ledger: new DynamoDbEventLedger(aws.dynamodb, aws.tableName),
      records: new DynamoDbDeadLetterRecords(aws.dynamodb, aws.tableName),
    })),
  ],
  deadLetterRecordsContract,
);
