// The event ledger on a real DynamoDB-compatible server (dynalite): the races between Lambda workers that decide
// exactly-once, played out with explicit clocks.
import { DynamoDbEventLedger } from '../../lib/adapters/dynamodb-event-ledger.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { deadLetters, ledgerStatus } from '../helpers/handler-env.js';

let aws: LocalAws;
let ledger: DynamoDbEventLedger;
let n = 0;
const uid = (): string => `ss:default:shipment:${(n += 1)}:shipped`;
const at = (seconds: number): Date => new Date(Date.UTC(2026, 10, 25, 12, 0, seconds));

beforeAll(async () => {
  aws = await startLocalAws();
  ledger = new DynamoDbEventLedger(aws.dynamodb, aws.tableName);
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbEventLedger', () => {
  it('lets one worker claim an event and tells the next one it is in flight, then sent', async () => {
    // Prepare
    const id = uid();

    // Act
    const first = await ledger.claim('default', id, at(0));
    const second = await ledger.claim('default', id, at(1));
    if (first.status !== 'claimed') throw new Error('first claim should win');
    await ledger.markSent('default', id, first.claimId, 'Order Shipped', at(2));
    const third = await ledger.claim('default', id, at(3));

    // Assess
    expect(second.status).toBe('in-flight');
    expect(third.status).toBe('already-sent');
  });

  it('lets a worker take over an expired lease, and the late worker can then change nothing', async () => {
    // Prepare
    const id = uid();
    const a = await ledger.claim('default', id, at(0));
    const b = await ledger.claim('default', id, at(200)); // A's 120 s lease ran out
    if (a.status !== 'claimed' || b.status !== 'claimed') throw new Error('both claims should win in turn');

    // Act: A wakes up late and releases, then marks sent; B is still sending
    await ledger.release('default', id, a.claimId);
    const c = await ledger.claim('default', id, at(201));
    await ledger.markSent('default', id, a.claimId, 'Order Shipped', at(202));

    // Assess
    expect(c.status).toBe('in-flight');
    expect(await ledger.claim('default', id, at(203))).toEqual({ status: 'in-flight' });
    await ledger.markSent('default', id, b.claimId, 'Order Shipped', at(204));
    expect(await ledger.claim('default', id, at(205))).toEqual({ status: 'already-sent' });
  });

  it('suppresses only an event nobody claimed: a PENDING one, even with an expired lease, may already be in Klaviyo', async () => {
    // Prepare
    const unclaimed = uid();
    const claimed = uid();
    await ledger.claim('default', claimed, at(0));

    // Act
    const now = await ledger.suppress('default', unclaimed, 'voided before it was sent', at(300));
    const pending = await ledger.suppress('default', claimed, 'voided before it was sent', at(300));
    const later = await ledger.claim('default', unclaimed, at(301));

    // Assess
    expect(now).toBe('suppressed-now');
    expect(pending).toBe('in-flight');
    expect(await ledgerStatus(aws, claimed)).toBe('PENDING');
    expect(later).toEqual({ status: 'suppressed' });
  });

  it('finalises a dead letter only for the claim owner, and a record without a claim leaves the event sendable', async () => {
    // Prepare
    const final = uid();
    const notFinal = uid();
    const claim = await ledger.claim('default', final, at(0));
    if (claim.status !== 'claimed') throw new Error('claim should win');
    const record = (uniqueId: string) => ({
      accountId: 'default',
      uniqueId,
      metric: 'Order Shipped',
      orderId: 42,
      reason: 'invalid phone',
      status: 400,
      body: { data: {} },
      at: at(1).toISOString(),
    });

    // Act
    await ledger.deadLetter(record(final), claim.claimId);
    await ledger.deadLetter(record(notFinal));

    // Assess
    expect(await ledger.claim('default', final, at(2))).toEqual({ status: 'dead-lettered' });
    expect((await ledger.claim('default', notFinal, at(2))).status).toBe('claimed');
    const records = (await deadLetters(aws)).filter((r) => [final, notFinal].includes(r.uniqueId ?? ''));
    expect(records.map((r) => r.reason)).toEqual(['invalid phone', 'invalid phone']);
  });
});
