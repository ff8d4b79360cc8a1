// The shared ShipStation rate budget on a real DynamoDB-compatible server (dynalite): grants within the window, waits
// after it, never more than the limit for concurrent takers, and reconciliation with what ShipStation reports.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { keyOf, keys } from '../../lib/adapters/dynamodb-keys.js';
import { DynamoDbRateBudget } from '../../lib/adapters/dynamodb-rate-budget.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import type { RateGrant } from '../../lib/ports.js';

let aws: LocalAws;
let budget: DynamoDbRateBudget;
let n = 0;
/** A fresh key fingerprint per test, so tests never share a budget. */
const newKey = (): string => `fp-${(n += 1)}`;
const at = (seconds: number): Date => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + seconds * 1000);

async function takeTimes(key: string, times: number, now: Date): Promise<RateGrant[]> {
  const grants: RateGrant[] = [];
  for (let i = 0; i < times; i += 1) grants.push(await budget.take(key, now));
  return grants;
}

const granted = (grants: RateGrant[]): number => grants.filter((g) => g.granted).length;

async function stored(key: string): Promise<{ used?: number; windowEnd?: number; serverLimit?: number; expiresAt?: number }> {
  const { Item: item } = await aws.dynamodb.send(new GetItemCommand({ TableName: aws.tableName, Key: keyOf(keys.rateBudget(key)), ConsistentRead: true }));
  const read = (name: string): number | undefined => (item?.[name]?.N === undefined ? undefined : Number(item[name].N));
  return { used: read('used'), windowEnd: read('windowEnd'), serverLimit: read('serverLimit'), expiresAt: read('expiresAt') };
}

beforeAll(async () => {
  aws = await startLocalAws();
  budget = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 5 });
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbRateBudget', () => {
  it('grants up to the limit, then tells the caller to wait until the window ends', async () => {
    // Prepare
    const key = newKey();
    await budget.take(key, at(0));

    // Act
    const within = await takeTimes(key, 4, at(10));
    const over = await budget.take(key, at(15));

    // Assess
    expect(granted(within)).toBe(4);
    expect(over).toEqual({ granted: false, waitMs: 45_000 });
  });

  it('opens a new window once the old one is over, and lets the item expire a day later', async () => {
    // Prepare
    const key = newKey();
    await takeTimes(key, 5, at(0));

    // Act
    const atTheEnd = await budget.take(key, at(60));
    const after = await takeTimes(key, 4, at(61));
    const full = await budget.take(key, at(62));

    // Assess
    expect(atTheEnd).toEqual({ granted: true });
    expect(granted(after)).toBe(4);
    expect(full).toEqual({ granted: false, waitMs: 58_000 });
    expect(await stored(key)).toMatchObject({ used: 5, windowEnd: at(120).getTime(), expiresAt: Math.floor(at(61).getTime() / 1000) + 86_400 });
  });

  it('never grants more than the limit to many concurrent takers at one instant', async () => {
    // Prepare
    const key = newKey();
    const wide = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 40 });
    const other = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 40 });

    // Act: 100 takers in two "Lambdas" for a key nobody used yet
    const grants = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? wide : other).take(key, at(0))));

    // Assess
    expect(granted(grants)).toBe(40);
    expect(grants.filter((g) => !g.granted)).toEqual(Array.from({ length: 60 }, () => ({ granted: false, waitMs: 60_000 })));
    expect(await stored(key)).toMatchObject({ used: 40 });
  });

  it('never grants more than the limit to concurrent takers racing to open the next window', async () => {
    // Prepare
    const key = newKey();
    const wide = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 40 });
    await Promise.all(Array.from({ length: 40 }, () => wide.take(key, at(0))));

    // Act
    const grants = await Promise.all(Array.from({ length: 100 }, (_, i) => wide.take(key, at(60 + (i % 3)))));

    // Assess
    expect(granted(grants)).toBe(40);
  });

  it('lowers what is left when ShipStation counted requests we did not make, and aligns the window with its own', async () => {
    // Prepare: we made one request at 0 s; another app on the same key had opened ShipStation's window at -20 s
    const key = newKey();
    await budget.take(key, at(0));

    // Act
    await budget.reconcile(key, { limit: 5, remaining: 1, resetSeconds: 40 }, at(1));
    const grants = await takeTimes(key, 2, at(2));

    // Assess
    expect(grants).toEqual([{ granted: true }, { granted: false, waitMs: 39_000 }]);
    expect(await stored(key)).toMatchObject({ used: 5, windowEnd: at(41).getTime(), serverLimit: 5 });
  });

  it('treats a 429 as a spent window that ends when ShipStation says', async () => {
    // Prepare
    const key = newKey();
    await budget.take(key, at(0));

    // Act
    await budget.reconcile(key, { remaining: 0, resetSeconds: 30 }, at(0));
    const refused = await budget.take(key, at(10));
    const later = await budget.take(key, at(30));

    // Assess
    expect(refused).toEqual({ granted: false, waitMs: 20_000 });
    expect(later).toEqual({ granted: true });
  });

  it('closes the window for at most 60 s when ShipStation says it resets in 100,000 s', async () => {
    // Prepare
    const key = newKey();
    await budget.take(key, at(0));

    // Act
    await budget.reconcile(key, { remaining: 0, resetSeconds: 100_000 }, at(0));
    const refused = await budget.take(key, at(59));
    const aMinuteLater = await budget.take(key, at(60));

    // Assess
    expect(refused).toEqual({ granted: false, waitMs: 1_000 });
    expect(aMinuteLater).toEqual({ granted: true });
    expect(await stored(key)).toMatchObject({ used: 1, windowEnd: at(120).getTime() });
  });

  it('adopts a lower limit reported by ShipStation', async () => {
    // Prepare
    const key = newKey();
    const wide = new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: 40 });
    await wide.take(key, at(0));

    // Act
    await wide.reconcile(key, { limit: 3, remaining: 2, resetSeconds: 60 }, at(0));
    const grants = await takeTimes(key, 3, at(1));

    // Assess
    expect(grants).toEqual([{ granted: true }, { granted: true }, { granted: false, waitMs: 59_000 }]);
  });

  it("extends our window to ShipStation's when both counted the same and its window began after our take", async () => {
    // Prepare
    const key = newKey();
    await takeTimes(key, 5, at(0));

    // Act: the fifth request reached ShipStation 2 s after our first take opened our window
    await budget.reconcile(key, { limit: 5, remaining: 0, resetSeconds: 60 }, at(2));
    const grant = await budget.take(key, at(61));

    // Assess
    expect(grant).toEqual({ granted: false, waitMs: 1_000 });
  });

  it('is not loosened by an older response of the same window that arrives late', async () => {
    // Prepare
    const key = newKey();
    await takeTimes(key, 4, at(0));
    await budget.reconcile(key, { limit: 5, remaining: 1, resetSeconds: 58 }, at(2));

    // Act: the response to the first request, which still saw 4 left, is reconciled last
    await budget.reconcile(key, { limit: 5, remaining: 4, resetSeconds: 59 }, at(3));

    // Assess
    expect(await stored(key)).toMatchObject({ used: 4, windowEnd: at(60).getTime() });
    expect(await takeTimes(key, 2, at(4))).toEqual([{ granted: true }, { granted: false, waitMs: 56_000 }]);
  });

  it('is not loosened by a response from the previous window reconciled after the next one opened', async () => {
    // Prepare: a window 0–60 s, then a new one opened at 60 s with one request in it
    const key = newKey();
    await takeTimes(key, 5, at(0));
    await budget.take(key, at(60));

    // Act: a response ShipStation sent at 59.5 s (window spent, 1 s to go) is reconciled at 61 s
    await budget.reconcile(key, { limit: 5, remaining: 0, resetSeconds: 1 }, at(61));

    // Assess: neither the count nor the end of the new window moved
    expect(await stored(key)).toMatchObject({ used: 1, windowEnd: at(120).getTime() });
    expect(granted(await takeTimes(key, 4, at(62)))).toBe(4);
  });

  it('writes nothing for a response that tells no more than this container last wrote, and still adopts a stricter one', async () => {
    // Prepare: a budget whose DynamoDB calls are counted; three takes open a window ending at 60 s
    const sends: string[] = [];
    const client = { send: (command: { constructor: { name: string } }) => (sends.push(command.constructor.name), aws.dynamodb.send(command as never)) };
    const counting = new DynamoDbRateBudget(client as unknown as LocalAws['dynamodb'], aws.tableName, { requestsPerMinute: 5 });
    const key = newKey();
    for (let i = 0; i < 3; i += 1) await counting.take(key, at(0));
    sends.length = 0;

    // Act: ShipStation counted 3 with its window ending within ours (no write), then 4 (another app used the key)
    await counting.reconcile(key, { remaining: 2, resetSeconds: 59 }, at(1));
    const quiet = [...sends];
    await counting.reconcile(key, { remaining: 1, resetSeconds: 58 }, at(2));

    // Assess
    expect(quiet).toEqual([]);
    expect(sends).toEqual(['UpdateItemCommand']);
    expect(await stored(key)).toMatchObject({ used: 4, windowEnd: at(60).getTime() });
  });

  it('keeps two key fingerprints independent', async () => {
    // Prepare
    const first = newKey();
    const second = newKey();
    await takeTimes(first, 5, at(0));
    await budget.reconcile(first, { limit: 5, remaining: 0, resetSeconds: 60 }, at(0));

    // Act
    const grants = await takeTimes(second, 5, at(1));

    // Assess
    expect(granted(grants)).toBe(5);
    expect(await budget.take(first, at(1))).toEqual({ granted: false, waitMs: 59_000 });
  });
});
