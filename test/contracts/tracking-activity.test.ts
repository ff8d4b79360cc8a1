// The TrackingActivity contract: when an account last received a tracking webhook, to the hour (a receipt is written
// only once the stored one is more than an hour old, so the read can lag by up to an hour and never goes back in
// time); held by the in-memory fake and the DynamoDB adapter alike.
import { DynamoDbTrackingActivity } from '../../lib/adapters/dynamodb-tracking-activity.js';
import type { TrackingActivity } from '../../lib/ports.js';
import { InMemoryTrackingActivity } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const HOUR = 3_600_000;
const at = (ms: number): Date => new Date(Date.UTC(2026, 6, 5, 18, 0, 0, 123) + ms);

function trackingActivityContract(make: () => TrackingActivity): void {
  it('knows no receipt for an account that never received a tracking webhook', async () => {
    // Prepare
    const activity = make();

    // Act
    const last = await activity.lastReceived(newAccount());

    // Assess
    expect(last).toBeUndefined();
  });

  it('records the first receipt to the millisecond', async () => {
    // Prepare
    const activity = make();
    const accountId = newAccount();

    // Act
    await activity.noteReceived(accountId, at(0));

    // Assess
    expect(await activity.lastReceived(accountId)).toEqual(at(0));
  });

  it('keeps the recorded receipt through the hour after it, and moves on once it is more than an hour old', async () => {
    // Prepare
    const activity = make();
    const accountId = newAccount();
    await activity.noteReceived(accountId, at(0));

    // Act
    await activity.noteReceived(accountId, at(HOUR / 2));
    await activity.noteReceived(accountId, at(HOUR));
    const withinTheHour = await activity.lastReceived(accountId);
    await activity.noteReceived(accountId, at(HOUR + 1));
    const afterIt = await activity.lastReceived(accountId);

    // Assess
    expect(withinTheHour).toEqual(at(0));
    expect(afterIt).toEqual(at(HOUR + 1));
  });

  it('never goes back to an earlier receipt noted late', async () => {
    // Prepare
    const activity = make();
    const accountId = newAccount();
    await activity.noteReceived(accountId, at(5 * HOUR));

    // Act
    await activity.noteReceived(accountId, at(0));

    // Assess
    expect(await activity.lastReceived(accountId)).toEqual(at(5 * HOUR));
  });

  it('keeps accounts apart', async () => {
    // Prepare
    const activity = make();
    const [accountId, other] = [newAccount(), newAccount()];
    await activity.noteReceived(accountId, at(0));

    // Act
    await activity.noteReceived(other, at(HOUR / 2));

    // Assess
    expect(await activity.lastReceived(accountId)).toEqual(at(0));
    expect(await activity.lastReceived(other)).toEqual(at(HOUR / 2));
  });
}

describeContract<TrackingActivity>(
  'TrackingActivity',
  [
    inMemory('InMemoryTrackingActivity', () => new InMemoryTrackingActivity()),
    onLocalDynamoDb('DynamoDbTrackingActivity', (aws) => new DynamoDbTrackingActivity(aws.dynamodb, aws.tableName)),
  ],
  trackingActivityContract,
);
