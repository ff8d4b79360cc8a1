// The PollCursorStore contract: one run per account holds the lease, only the holder moves the cursor, and a run that
// lost its lease can change nothing; held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbPollCursorStore } from '../../lib/adapters/dynamodb-poll-cursor-store.js';
import { LeaseLostError } from '../../lib/domain/errors.js';
import type { PollProgress } from '../../lib/domain/poll-plan.js';
import type { PollCursorStore } from '../../lib/ports.js';
import { InMemoryPollCursorStore } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const at = (minutes: number): Date => new Date(Date.UTC(2026, 6, 5, 18, minutes));

const run: PollProgress = {
  runId: 'run-1',
  mode: 'poll',
  windowStart: '2026-07-05T17:00:00.000Z',
  windowEnd: '2026-07-05T17:55:00.000Z',
  stream: 1,
  position: { from: '2026-07-05T17:00:00.000Z', page: 3, total: 410, lastKey: '2026-07-05T17:40:00.000Z' },
  startedAt: '2026-07-05T18:00:00.000Z',
  requests: 4,
  enqueued: 120,
  continuation: 'job-2',
};

function pollCursorStoreContract(make: () => PollCursorStore): void {
  it('knows no cursor of an account never polled', async () => {
    // Prepare
    const store = make();

    // Act
    const cursor = await store.get(newAccount());

    // Assess
    expect(cursor).toBeUndefined();
  });

  it('gives the lease to one run at a time: another run is refused until it runs out, the holder may renew it', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();

    // Act
    const first = await store.acquire(accountId, 'run-a', at(15), at(0));
    const other = await store.acquire(accountId, 'run-b', at(20), at(5));
    const renewed = await store.acquire(accountId, 'run-a', at(25), at(10));
    const stillHeld = await store.acquire(accountId, 'run-b', at(40), at(24));
    const atExpiry = await store.acquire(accountId, 'run-b', at(40), at(25));

    // Assess
    expect(first).toEqual({ accountId });
    expect(other).toBeUndefined();
    expect(renewed).toEqual({ accountId });
    expect(stillHeld).toBeUndefined();
    expect(atExpiry).toEqual({ accountId });
  });

  it('saves the cursor for the lease holder, reads it back whole, and hands it to the next run', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.acquire(accountId, 'run-a', at(15), at(0));
    const cursor = { accountId, through: '2026-07-05T17:55:00.000Z', run, lastCompletedAt: '2026-07-05T17:58:00.000Z' };

    // Act
    await store.save(cursor, 'run-a');
    await store.release(accountId, 'run-a');
    const next = await store.acquire(accountId, 'run-b', at(30), at(1));

    // Assess
    expect(await store.get(accountId)).toEqual(cursor);
    expect(next).toEqual(cursor);
  });

  it('removes what a save leaves out (the run, once it is done)', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.acquire(accountId, 'run-a', at(15), at(0));
    await store.save({ accountId, through: '2026-07-05T17:00:00.000Z', run }, 'run-a');

    // Act
    await store.save({ accountId, through: '2026-07-05T17:55:00.000Z', lastCompletedAt: '2026-07-05T18:01:00.000Z' }, 'run-a');

    // Assess
    expect(await store.get(accountId)).toEqual({ accountId, through: '2026-07-05T17:55:00.000Z', lastCompletedAt: '2026-07-05T18:01:00.000Z' });
  });

  it('refuses a save from a run that never held the lease, released it, or lost it to another', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.acquire(accountId, 'run-a', at(15), at(0));
    await store.save({ accountId, through: '2026-07-05T17:00:00.000Z' }, 'run-a');

    // Act
    const stranger = store.save({ accountId, through: '2026-07-05T17:10:00.000Z' }, 'run-x');
    await store.release(accountId, 'run-a');
    const released = store.save({ accountId, through: '2026-07-05T17:20:00.000Z' }, 'run-a');
    await store.acquire(accountId, 'run-a', at(15), at(1));
    await store.acquire(accountId, 'run-b', at(45), at(16));
    const lost = store.save({ accountId, through: '2026-07-05T17:30:00.000Z' }, 'run-a');

    // Assess
    await expect(stranger).rejects.toBeInstanceOf(LeaseLostError);
    await expect(released).rejects.toBeInstanceOf(LeaseLostError);
    await expect(lost).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.get(accountId)).toEqual({ accountId, through: '2026-07-05T17:00:00.000Z' });
  });

  it('lets only the holder release the lease', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.acquire(accountId, 'run-a', at(15), at(0));

    // Act
    await store.release(accountId, 'run-b');
    const whileHeld = await store.acquire(accountId, 'run-b', at(20), at(1));
    await store.release(accountId, 'run-a');
    const afterRelease = await store.acquire(accountId, 'run-b', at(20), at(2));

    // Assess
    expect(whileHeld).toBeUndefined();
    expect(afterRelease).toEqual({ accountId });
  });

  it("keeps accounts apart: one account's lease does not hold another's cursor", async () => {
    // Prepare
    const store = make();
    const [one, other] = [newAccount(), newAccount()];
    await store.acquire(one, 'run-a', at(15), at(0));

    // Act
    const elsewhere = await store.acquire(other, 'run-b', at(15), at(0));

    // Assess
    expect(elsewhere).toEqual({ accountId: other });
  });

  it('shows an account whose first run took the lease but saved nothing as a cursor with nothing through yet', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();

    // Act
    await store.acquire(accountId, 'run-a', at(15), at(0));

    // Assess
    expect(await store.get(accountId)).toEqual({ accountId });
  });
}

describeContract<PollCursorStore>(
  'PollCursorStore',
  [
    inMemory('InMemoryPollCursorStore', () => new InMemoryPollCursorStore()),
    onLocalDynamoDb('DynamoDbPollCursorStore', (aws) => new DynamoDbPollCursorStore(aws.dynamodb, aws.tableName)),
  ],
  pollCursorStoreContract,
);
