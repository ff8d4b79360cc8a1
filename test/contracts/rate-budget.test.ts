// The RateBudget contract: per key fingerprint, a 60 s window opened by the first take, at most min(our limit,
// ShipStation's) grants in it and the wait until it ends, and ShipStation's count and window adopted only when they are
// stricter (never from a late response, never more than 60 s on); held by the in-memory fake and the DynamoDB adapter
// alike. Concurrent takers are the adapter's own concern (test/integration/dynamodb-rate-budget.test.ts).
import { DynamoDbRateBudget } from '../../lib/adapters/dynamodb-rate-budget.js';
import type { RateBudget, RateGrant } from '../../lib/ports.js';
import { InMemoryRateBudget } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, onLocalDynamoDb } from './subjects.js';

const LIMIT = 5;
const at = (seconds: number): Date => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + seconds * 1000);
let n = 0;
/** A fresh key fingerprint per test, so tests on a shared table never share a budget. */
const newKey = (): string => `contract-${process.pid}-fp-${(n += 1)}`;

async function takeTimes(budget: RateBudget, key: string, times: number, now: Date): Promise<RateGrant[]> {
  const grants: RateGrant[] = [];
  for (let i = 0; i < times; i += 1) grants.push(await budget.take(key, now));
  return grants;
}

const granted = (grants: RateGrant[]): number => grants.filter((g) => g.granted).length;

function rateBudgetContract(make: () => RateBudget): void {
  it('grants up to the limit in the window the first take opened, then tells the caller to wait until it ends', async () => {
    // Prepare
    const budget = make();
    const key = newKey();
    await budget.take(key, at(0));

    // Act
    const within = await takeTimes(budget, key, LIMIT - 1, at(10));
    const over = await budget.take(key, at(15));

    // Assess
    expect(granted(within)).toBe(LIMIT - 1);
    expect(over).toEqual({ granted: false, waitMs: 45_000 });
  });

  it('opens the next window at the end of the last one exactly', async () => {
    // Prepare
    const budget = make();
    const key = newKey();
    await takeTimes(budget, key, LIMIT, at(0));

    // Act
    const justBefore = await budget.take(key, new Date(at(60).getTime() - 1));
    const atTheEnd = await budget.take(key, at(60));
    const rest = await takeTimes(budget, key, LIMIT - 1, at(61));
    const full = await budget.take(key, at(62));

    // Assess
    expect(justBefore).toEqual({ granted: false, waitMs: 1 });
    expect(atTheEnd).toEqual({ granted: true });
    expect(granted(rest)).toBe(LIMIT - 1);
    expect(full).toEqual({ granted: false, waitMs: 58_000 });
  });

  it('keeps key fingerprints apart', async () => {
    // Prepare
    const budget = make();
    const [spent, fresh] = [newKey(), newKey()];
    await takeTimes(budget, spent, LIMIT, at(0));

    // Act
    const grants = await takeTimes(budget, fresh, LIMIT, at(1));

    // Assess
    expect(granted(grants)).toBe(LIMIT);
    expect(await budget.take(spent, at(1))).toEqual({ granted: false, waitMs: 59_000 });
  });

  it("adopts ShipStation's count and window when it counted requests we did not make, also for a key we never took from", async () => {
    // Prepare: another app on the same key opened ShipStation's window 20 s before our first take
    const budget = make();
    const [ours, untouched] = [newKey(), newKey()];
    await budget.take(ours, at(0));

    // Act
    await budget.reconcile(ours, { limit: LIMIT, remaining: 1, resetSeconds: 40 }, at(1));
    await budget.reconcile(untouched, { limit: LIMIT, remaining: 3, resetSeconds: 20 }, at(1));
    const oursGrants = await takeTimes(budget, ours, 2, at(2));
    const untouchedGrants = await takeTimes(budget, untouched, 4, at(2));

    // Assess
    expect(oursGrants).toEqual([{ granted: true }, { granted: false, waitMs: 39_000 }]);
    expect(untouchedGrants).toEqual([{ granted: true }, { granted: true }, { granted: true }, { granted: false, waitMs: 19_000 }]);
  });

  it('treats a 429 as a spent window ending when ShipStation says, but never more than 60 s on', async () => {
    // Prepare
    const budget = make();
    const [soon, absurd] = [newKey(), newKey()];
    await budget.take(soon, at(0));
    await budget.take(absurd, at(0));

    // Act
    await budget.reconcile(soon, { remaining: 0, resetSeconds: 30 }, at(0));
    await budget.reconcile(absurd, { remaining: 0, resetSeconds: 100_000 }, at(0));
    const grants = [await budget.take(soon, at(10)), await budget.take(soon, at(30)), await budget.take(absurd, at(59)), await budget.take(absurd, at(60))];

    // Assess
    expect(grants).toEqual([{ granted: false, waitMs: 20_000 }, { granted: true }, { granted: false, waitMs: 1_000 }, { granted: true }]);
  });

  it('keeps to a lower limit ShipStation reports, in the next windows too', async () => {
    // Prepare
    const budget = make();
    const key = newKey();
    await budget.take(key, at(0));

    // Act
    await budget.reconcile(key, { limit: 3, remaining: 2, resetSeconds: 60 }, at(0));
    const thisWindow = await takeTimes(budget, key, 3, at(1));
    const nextWindow = await takeTimes(budget, key, 4, at(61));

    // Assess
    expect(thisWindow).toEqual([{ granted: true }, { granted: true }, { granted: false, waitMs: 59_000 }]);
    expect(granted(nextWindow)).toBe(3);
    expect(nextWindow[3]).toEqual({ granted: false, waitMs: 60_000 });
  });

  it('is not loosened by a late response: an older one of the same window, or one of the previous window', async () => {
    // Prepare
    const budget = make();
    const [sameWindow, previousWindow] = [newKey(), newKey()];
    await takeTimes(budget, sameWindow, 4, at(0));
    await budget.reconcile(sameWindow, { limit: LIMIT, remaining: 1, resetSeconds: 58 }, at(2));
    await takeTimes(budget, previousWindow, LIMIT, at(0));
    await budget.take(previousWindow, at(60));

    // Act: the first request's response (4 left) comes last; a response sent at 59.5 s (1 s to go) comes at 61 s
    await budget.reconcile(sameWindow, { limit: LIMIT, remaining: 4, resetSeconds: 59 }, at(3));
    await budget.reconcile(previousWindow, { limit: LIMIT, remaining: 0, resetSeconds: 1 }, at(61));

    // Assess
    expect(await takeTimes(budget, sameWindow, 2, at(4))).toEqual([{ granted: true }, { granted: false, waitMs: 56_000 }]);
    expect(granted(await takeTimes(budget, previousWindow, LIMIT, at(62)))).toBe(LIMIT - 1);
  });

  it("lets our window run to ShipStation's end when both counted the same and its window began after our take", async () => {
    // Prepare
    const budget = make();
    const key = newKey();
    await takeTimes(budget, key, LIMIT, at(0));

    // Act: ShipStation saw our first request 2 s after our take opened our window
    await budget.reconcile(key, { limit: LIMIT, remaining: 0, resetSeconds: 60 }, at(2));
    const grant = await budget.take(key, at(61));

    // Assess
    expect(grant).toEqual({ granted: false, waitMs: 1_000 });
  });
}

describeContract<RateBudget>(
  'RateBudget',
  [
    inMemory('InMemoryRateBudget', () => new InMemoryRateBudget({ requestsPerMinute: LIMIT })),
    onLocalDynamoDb('DynamoDbRateBudget', (aws) => new DynamoDbRateBudget(aws.dynamodb, aws.tableName, { requestsPerMinute: LIMIT })),
  ],
  rateBudgetContract,
);
