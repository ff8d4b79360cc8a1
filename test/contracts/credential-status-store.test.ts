// The CredentialStatusStore contract: a refused key is paused and reported once, a rotated key is tried at once, the
// key a rotation replaced is not reported again for the grace period, and a Klaviyo outage is marked and cleared once
// (a refused key supersedes it); held by the in-memory fake and the DynamoDB adapter alike, on one controllable clock.
import { DynamoDbCredentialStatusStore } from '../../lib/adapters/dynamodb-credential-status-store.js';
import { RETIRED_KEY_GRACE_MS } from '../../lib/domain/key-expiry.js';
import type { CredentialStatusStore } from '../../lib/ports.js';
import { InMemoryCredentialStatusStore } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const MINUTE = 60_000;
const at = (ms: number): Date => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + ms);
/** The time both subjects read; each test starts it at at(0). */
let now = at(0);
const clock = (): Date => now;

function credentialStatusStoreContract(make: () => CredentialStatusStore): void {
  beforeEach(() => {
    now = at(0);
  });

  it('knows nothing of keys never reported, and keeps services and accounts apart', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const other = newAccount();

    // Act
    await store.markInvalid(accountId, 'klaviyo', 'fp-a', '403 missing scope');

    // Assess
    expect(await store.isInvalid(accountId, 'klaviyo', 'fp-a')).toBe(true);
    expect(await store.status(accountId, 'shipstation')).toBeUndefined();
    expect(await store.isInvalid(accountId, 'shipstation', 'fp-a')).toBe(false);
    expect(await store.status(other, 'klaviyo')).toBeUndefined();
    expect(await store.isInvalid(other, 'klaviyo', 'fp-a')).toBe(false);
  });

  it('reports the first refusal of a key once and pauses that key only; a rotated key that is refused is reported too', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();

    // Act
    now = at(1_000);
    const first = await store.markInvalid(accountId, 'shipstation', 'fp-a', '401 Unauthorized');
    now = at(2_000);
    const again = await store.markInvalid(accountId, 'shipstation', 'fp-a', '401 Unauthorized again');
    const pausedA = await store.status(accountId, 'shipstation');
    const newKeyPaused = await store.isInvalid(accountId, 'shipstation', 'fp-b');
    now = at(MINUTE);
    const rotated = await store.markInvalid(accountId, 'shipstation', 'fp-b', '401 new key');

    // Assess
    expect([first, again, rotated]).toEqual([true, false, true]);
    expect(pausedA).toEqual({ state: 'invalid', fingerprint: 'fp-a', since: at(1_000).toISOString(), reason: '401 Unauthorized' });
    expect(newKeyPaused).toBe(false);
    expect(await store.status(accountId, 'shipstation')).toEqual({
      state: 'invalid',
      fingerprint: 'fp-b',
      since: at(MINUTE).toISOString(),
      reason: '401 new key',
    });
    expect(await store.isInvalid(accountId, 'shipstation', 'fp-a')).toBe(false);
  });

  it('notes the alert only on the mark of the key it was about, and a new refusal owes a new alert', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.markInvalid(accountId, 'klaviyo', 'fp-a', '401 Unauthorized');

    // Act
    now = at(5_000);
    await store.markAlerted(accountId, 'klaviyo', 'fp-b');
    const afterOtherKey = await store.status(accountId, 'klaviyo');
    now = at(6_000);
    await store.markAlerted(accountId, 'klaviyo', 'fp-a');
    const alerted = await store.status(accountId, 'klaviyo');
    now = at(MINUTE);
    await store.markInvalid(accountId, 'klaviyo', 'fp-b', '401 new key');
    await store.markAlerted(newAccount(), 'klaviyo', 'fp-a');

    // Assess
    expect(afterOtherKey?.alertedAt).toBeUndefined();
    expect(alerted?.alertedAt).toBe(at(6_000).toISOString());
    expect((await store.status(accountId, 'klaviyo'))?.alertedAt).toBeUndefined();
  });

  it('reports the end of a pause once, only from a refusal, leaving the working key valid without reason or alert', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const neverRefused = newAccount();
    await store.markInvalid(accountId, 'shipstation', 'fp-a', '401 Unauthorized');
    await store.markAlerted(accountId, 'shipstation', 'fp-a');

    // Act
    const fromNothing = await store.markValid(neverRefused, 'shipstation', 'fp-a');
    now = at(10 * MINUTE);
    const recovered = await store.markValid(accountId, 'shipstation', 'fp-b');
    now = at(11 * MINUTE);
    const again = await store.markValid(accountId, 'shipstation', 'fp-b');

    // Assess
    expect([fromNothing, recovered, again]).toEqual([false, true, false]);
    expect(await store.status(neverRefused, 'shipstation')).toBeUndefined();
    expect(await store.status(accountId, 'shipstation')).toEqual({ state: 'valid', fingerprint: 'fp-b', since: at(10 * MINUTE).toISOString() });
    expect(await store.isInvalid(accountId, 'shipstation', 'fp-a')).toBe(false);
  });

  it('ignores refusals of the replaced key until the grace period is over, never those of the new key or of a key that recovered itself', async () => {
    // Prepare
    const store = make();
    const [rotated, newKeyRefused, sameKey] = [newAccount(), newAccount(), newAccount()];
    for (const accountId of [rotated, newKeyRefused, sameKey]) await store.markInvalid(accountId, 'klaviyo', 'fp-a', '401 Unauthorized');
    now = at(MINUTE);
    await store.markValid(rotated, 'klaviyo', 'fp-b');
    await store.markValid(newKeyRefused, 'klaviyo', 'fp-b');
    await store.markValid(sameKey, 'klaviyo', 'fp-a');

    // Act
    now = at(MINUTE + 1_000);
    const newKey = await store.markInvalid(newKeyRefused, 'klaviyo', 'fp-b', '401 new key revoked');
    const sameKeyAgain = await store.markInvalid(sameKey, 'klaviyo', 'fp-a', '403 scope removed again');
    now = at(MINUTE + RETIRED_KEY_GRACE_MS - 1);
    const staleContainer = await store.markInvalid(rotated, 'klaviyo', 'fp-a', '401 from a container still holding it');
    const duringGrace = await store.status(rotated, 'klaviyo');
    now = at(MINUTE + RETIRED_KEY_GRACE_MS);
    const graceOver = await store.markInvalid(rotated, 'klaviyo', 'fp-a', '401 old key is back');

    // Assess
    expect([newKey, sameKeyAgain, staleContainer, graceOver]).toEqual([true, true, false, true]);
    expect(duringGrace).toEqual({ state: 'valid', fingerprint: 'fp-b', since: at(MINUTE).toISOString() });
    expect(await store.isInvalid(rotated, 'klaviyo', 'fp-a')).toBe(true);
  });

  it('marks an outage once while the key stays usable, and clears it once', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();

    // Act
    const began = [await store.markOutage(accountId, 'klaviyo', 'Klaviyo answered 503'), await store.markOutage(accountId, 'klaviyo', 'Klaviyo timed out')];
    const during = await store.status(accountId, 'klaviyo');
    const usable = !(await store.isInvalid(accountId, 'klaviyo', 'fp-a'));
    const ended = [await store.clearOutage(accountId, 'klaviyo'), await store.clearOutage(accountId, 'klaviyo')];
    const nothingToEnd = await store.clearOutage(newAccount(), 'klaviyo');

    // Assess
    expect(began).toEqual([true, false]);
    expect(during).toMatchObject({ state: 'valid', outage: { since: at(0).toISOString(), reason: 'Klaviyo answered 503' } });
    expect(usable).toBe(true);
    expect(ended).toEqual([true, false]);
    expect(nothingToEnd).toBe(false);
    expect((await store.status(accountId, 'klaviyo'))?.outage).toBeUndefined();
  });

  it('lets a refused key supersede an outage, keeps an outage marked after the refusal, and ends both once a key works', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    await store.markOutage(accountId, 'klaviyo', 'Klaviyo answered 503');

    // Act
    const refusedFirst = await store.markInvalid(accountId, 'klaviyo', 'fp-a', '401 bad key');
    const refused = await store.status(accountId, 'klaviyo');
    now = at(1_000);
    const outageAgain = await store.markOutage(accountId, 'klaviyo', 'Klaviyo answered 502');
    const both = await store.status(accountId, 'klaviyo');
    now = at(2_000);
    const recovered = await store.markValid(accountId, 'klaviyo', 'fp-b');

    // Assess
    expect([refusedFirst, outageAgain, recovered]).toEqual([true, true, true]);
    expect(refused).toEqual({ state: 'invalid', fingerprint: 'fp-a', since: at(0).toISOString(), reason: '401 bad key' });
    expect(both).toEqual({ ...refused, outage: { since: at(1_000).toISOString(), reason: 'Klaviyo answered 502' } });
    expect(await store.status(accountId, 'klaviyo')).toEqual({ state: 'valid', fingerprint: 'fp-b', since: at(2_000).toISOString() });
  });

  it('keeps the first 500 characters of a long reason, for a refusal as for an outage', async () => {
    // Prepare
    const store = make();
    const accountId = newAccount();
    const long = `401 ${'x'.repeat(700)}`;

    // Act
    await store.markInvalid(accountId, 'shipstation', 'fp-a', long);
    await store.markOutage(accountId, 'klaviyo', long);

    // Assess
    expect((await store.status(accountId, 'shipstation'))?.reason).toBe(long.slice(0, 500));
    expect((await store.status(accountId, 'klaviyo'))?.outage?.reason).toBe(long.slice(0, 500));
  });
}

describeContract<CredentialStatusStore>(
  'CredentialStatusStore',
  [
    inMemory('InMemoryCredentialStatusStore', () => new InMemoryCredentialStatusStore(clock)),
    onLocalDynamoDb('DynamoDbCredentialStatusStore', (aws) => new DynamoDbCredentialStatusStore(aws.dynamodb, aws.tableName, clock)),
  ],
  credentialStatusStoreContract,
);
