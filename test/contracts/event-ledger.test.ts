// The EventLedger contract: claims as leases owned by one worker, final states (sent, suppressed, dead-lettered), and
// what reconcile reads, held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbEventLedger } from '../../lib/adapters/dynamodb-event-ledger.js';
import type { ClaimResult, DeadLetter, EventLedger } from '../../lib/ports.js';
import { InMemoryEventLedger } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const LEASE_MS = 120_000;
const at = (ms: number): Date => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + ms);
let n = 0;
const uid = (): string => `ss:contract:shipment:${(n += 1)}:shipped`;

function claimIdOf(result: ClaimResult): string {
  if (result.status !== 'claimed') throw new Error(`expected a won claim, got ${result.status}`);
  return result.claimId;
}

function deadLetter(accountId: string, uniqueId: string, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    accountId,
    uniqueId,
    metric: 'Order Shipped',
    orderId: 123456,
    reason: 'Klaviyo refused the event',
    status: 400,
    body: { data: { type: 'event' } },
    at: at(0).toISOString(),
    ...overrides,
  };
}

function eventLedgerContract(make: () => EventLedger): void {
  it('lets one worker claim an event, tells the next it is in flight, and after markSent that it was sent', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const id = uid();

    // Act
    const first = await ledger.claim(accountId, id, at(0));
    const second = await ledger.claim(accountId, id, at(1_000));
    await ledger.markSent(accountId, id, claimIdOf(first), 'Order Shipped', at(2_000));
    const third = await ledger.claim(accountId, id, at(3_000));

    // Assess
    expect(second).toEqual({ status: 'in-flight' });
    expect(third).toEqual({ status: 'already-sent' });
    expect(await ledger.status(accountId, id, at(4_000))).toBe('sent');
  });

  it('keeps a claim for 120 s: taken over only once the lease is strictly past, and reported abandoned from then on', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const id = uid();
    const first = await ledger.claim(accountId, id, at(0));

    // Act
    const atExpiry = await ledger.claim(accountId, id, at(LEASE_MS));
    const statusAtExpiry = await ledger.status(accountId, id, at(LEASE_MS));
    const statusAfter = await ledger.status(accountId, id, at(LEASE_MS + 1));
    const after = await ledger.claim(accountId, id, at(LEASE_MS + 1));

    // Assess
    expect(atExpiry).toEqual({ status: 'in-flight' });
    expect(statusAtExpiry).toBe('in-flight');
    expect(statusAfter).toBe('abandoned');
    expect(claimIdOf(after)).not.toBe(claimIdOf(first));
  });

  it('lets only the current claim owner mark sent, release or finalise a dead letter', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const id = uid();
    const late = claimIdOf(await ledger.claim(accountId, id, at(0)));
    const current = claimIdOf(await ledger.claim(accountId, id, at(LEASE_MS + 1)));

    // Act
    await ledger.release(accountId, id, late);
    await ledger.markSent(accountId, id, late, 'Order Shipped', at(LEASE_MS + 2));
    await ledger.deadLetter(deadLetter(accountId, id), late);
    const meanwhile = await ledger.claim(accountId, id, at(LEASE_MS + 3));
    await ledger.markSent(accountId, id, current, 'Order Shipped', at(LEASE_MS + 4));

    // Assess
    expect(meanwhile).toEqual({ status: 'in-flight' });
    expect(await ledger.claim(accountId, id, at(LEASE_MS + 5))).toEqual({ status: 'already-sent' });
  });

  it('makes a released event claimable again at once', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const id = uid();
    const first = claimIdOf(await ledger.claim(accountId, id, at(0)));

    // Act
    await ledger.release(accountId, id, first);
    const again = await ledger.claim(accountId, id, at(1_000));

    // Assess
    expect(again.status).toBe('claimed');
    expect(await ledger.status(accountId, id, at(1_000))).toBe('in-flight');
  });

  it('suppresses an event nobody claimed, or a dead-lettered one, and reports any other entry as it stands', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const [unclaimed, pending, sent, dead] = [uid(), uid(), uid(), uid()];
    await ledger.claim(accountId, pending, at(0));
    await ledger.markSent(accountId, sent, claimIdOf(await ledger.claim(accountId, sent, at(0))), 'Order Shipped', at(1_000));
    await ledger.deadLetter(deadLetter(accountId, dead), claimIdOf(await ledger.claim(accountId, dead, at(0))));

    // Act
    const results = {
      unclaimed: await ledger.suppress(accountId, unclaimed, 'voided before it was sent', at(LEASE_MS * 2)),
      again: await ledger.suppress(accountId, unclaimed, 'voided before it was sent', at(LEASE_MS * 2)),
      pendingExpired: await ledger.suppress(accountId, pending, 'voided before it was sent', at(LEASE_MS * 2)),
      sent: await ledger.suppress(accountId, sent, 'voided before it was sent', at(LEASE_MS * 2)),
      dead: await ledger.suppress(accountId, dead, 'voided before it was sent', at(LEASE_MS * 2)),
    };

    // Assess
    expect(results).toEqual({ unclaimed: 'suppressed-now', again: 'suppressed', pendingExpired: 'in-flight', sent: 'already-sent', dead: 'suppressed-now' });
    expect(await ledger.claim(accountId, unclaimed, at(LEASE_MS * 3))).toEqual({ status: 'suppressed' });
    expect(await ledger.claim(accountId, dead, at(LEASE_MS * 3))).toEqual({ status: 'suppressed' });
    expect(await ledger.status(accountId, unclaimed, at(LEASE_MS * 3))).toBe('suppressed');
  });

  it("finalises a dead letter with the claim's id, and without one keeps only the record (the event stays sendable)", async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const [final, recordOnly] = [uid(), uid()];
    const claim = claimIdOf(await ledger.claim(accountId, final, at(0)));

    // Act
    await ledger.deadLetter(deadLetter(accountId, final), claim);
    await ledger.deadLetter(deadLetter(accountId, recordOnly));

    // Assess
    expect(await ledger.claim(accountId, final, at(1_000))).toEqual({ status: 'dead-lettered' });
    expect(await ledger.status(accountId, final, at(1_000))).toBe('dead-lettered');
    expect(await ledger.status(accountId, recordOnly, at(1_000))).toBe('dead-lettered');
    expect((await ledger.claim(accountId, recordOnly, at(1_000))).status).toBe('claimed');
  });

  it('counts dead-letter records per account, one per event however often it was dead-lettered', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const other = newAccount();
    const [one, two] = [uid(), uid()];

    // Act
    await ledger.deadLetter(deadLetter(accountId, one));
    await ledger.deadLetter(deadLetter(accountId, one, { reason: 'refused again', at: at(5_000).toISOString() }));
    await ledger.deadLetter(deadLetter(accountId, two));
    await ledger.deadLetter(deadLetter(other, one));

    // Assess
    expect(await ledger.countDeadLetters(accountId)).toBe(2);
    expect(await ledger.countDeadLetters(other)).toBe(1);
    expect(await ledger.countDeadLetters(newAccount())).toBe(0);
  });

  it('reopens only a DEAD entry, which can then be claimed again; SENT, PENDING, SUPPRESSED and absent ones stay', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const [dead, sent, pending, suppressed, absent] = [uid(), uid(), uid(), uid(), uid()];
    await ledger.deadLetter(deadLetter(accountId, dead), claimIdOf(await ledger.claim(accountId, dead, at(0))));
    await ledger.markSent(accountId, sent, claimIdOf(await ledger.claim(accountId, sent, at(0))), 'Order Shipped', at(0));
    await ledger.claim(accountId, pending, at(0));
    await ledger.suppress(accountId, suppressed, 'voided', at(0));

    // Act
    const reopened = await Promise.all([dead, sent, pending, suppressed, absent].map((id) => ledger.reopen(accountId, id)));

    // Assess
    expect(reopened).toEqual([true, false, false, false, false]);
    expect((await ledger.claim(accountId, dead, at(1_000))).status).toBe('claimed');
    expect(await ledger.claim(accountId, sent, at(1_000))).toEqual({ status: 'already-sent' });
    expect(await ledger.claim(accountId, pending, at(1_000))).toEqual({ status: 'in-flight' });
    expect(await ledger.claim(accountId, suppressed, at(1_000))).toEqual({ status: 'suppressed' });
  });

  it("knows nothing of an event never seen, nor of another account's", async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    const id = uid();
    await ledger.claim(accountId, id, at(0));

    // Act
    const elsewhere = await ledger.status(newAccount(), id, at(0));

    // Assess
    expect(await ledger.status(accountId, uid(), at(0))).toBe('none');
    expect(elsewhere).toBe('none');
  });

  it('counts per metric the events marked sent in the last hour, across the two UTC hours it spans, and nothing else', async () => {
    // Prepare: now is 12:20 UTC, so the last hour reaches back into 11:xx
    const ledger = make();
    const accountId = newAccount();
    const other = newAccount();
    const MINUTE = 60_000;
    const now = at(20 * MINUTE);
    const send = async (account: string, metric: string, sentAt: Date): Promise<void> => {
      const id = uid();
      await ledger.markSent(account, id, claimIdOf(await ledger.claim(account, id, sentAt)), metric, sentAt);
    };
    const hourAgo = at(-40 * MINUTE); // 11:20
    await send(accountId, 'Order Shipped', at(-35 * MINUTE)); // 11:25, in the earlier hour
    await send(accountId, 'Order Shipped', at(5 * MINUTE)); // 12:05
    await send(accountId, 'Order Placed', hourAgo); // 11:20:00.000, the first instant counted
    await send(accountId, 'Order Placed', now);
    await send(accountId, 'Order Shipped', new Date(hourAgo.getTime() - 1)); // 11:19:59.999
    await send(accountId, 'Order Shipped', at(-100 * MINUTE)); // 10:20, two hours ago
    await send(other, 'Order Shipped', at(MINUTE));
    await ledger.claim(accountId, uid(), at(0)); // claimed, never sent
    const dead = uid();
    await ledger.deadLetter(deadLetter(accountId, dead), claimIdOf(await ledger.claim(accountId, dead, at(0))));

    // Act
    const counts = await ledger.sentSince(accountId, hourAgo, now);

    // Assess
    expect(counts).toEqual({ 'Order Shipped': 2, 'Order Placed': 2 });
    expect(await ledger.sentSince(other, hourAgo, now)).toEqual({ 'Order Shipped': 1 });
    expect(await ledger.sentSince(newAccount(), hourAgo, now)).toEqual({});
  });
}

describeContract<EventLedger>(
  'EventLedger',
  [
    inMemory('InMemoryEventLedger', () => new InMemoryEventLedger()),
    onLocalDynamoDb('DynamoDbEventLedger', (aws) => new DynamoDbEventLedger(aws.dynamodb, aws.tableName)),
  ],
  eventLedgerContract,
);
