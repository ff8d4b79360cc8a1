// The credential status store on a real DynamoDB-compatible server (dynalite): which key is paused, the one report of
// each refusal and of each recovery (also when workers race), and the grace period for the key a rotation replaced,
// played out with a controllable clock.
import { DynamoDbCredentialStatusStore } from '../../lib/adapters/dynamodb-credential-status-store.js';
import { RETIRED_KEY_GRACE_MS } from '../../lib/domain/key-expiry.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';

let aws: LocalAws;
let store: DynamoDbCredentialStatusStore;
let clock = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));
let n = 0;
/** A fresh account per test, so tests never share a status. */
const newAccount = (): string => `acct-${(n += 1)}`;
const at = (ms: number): Date => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + ms);
const MINUTE = 60_000;

beforeAll(async () => {
  aws = await startLocalAws();
  store = new DynamoDbCredentialStatusStore(aws.dynamodb, aws.tableName, () => clock);
});

beforeEach(() => {
  clock = at(0);
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbCredentialStatusStore', () => {
  it("with a working-key cache for Klaviyo, reads a working key once per interval, never caches a refusal, forgets on its own writes, and reads ShipStation's every time", async () => {
    // Prepare: a store whose reads are counted, trusting a working read for 2 s; another container's store beside it
    const gets: string[] = [];
    const client = {
      send: (command: { constructor: { name: string } }) => (
        command.constructor.name === 'GetItemCommand' && gets.push('get'),
        aws.dynamodb.send(command as never)
      ),
    };
    const cached = new DynamoDbCredentialStatusStore(client as unknown as LocalAws['dynamodb'], aws.tableName, () => clock, RETIRED_KEY_GRACE_MS, {
      ms: 2_000,
      services: ['klaviyo'],
    });
    const accountId = newAccount();

    // Act / Assess: concurrent and repeated reads share one
    await Promise.all([cached.status(accountId, 'klaviyo'), cached.status(accountId, 'klaviyo')]);
    await cached.status(accountId, 'klaviyo');
    expect(gets).toHaveLength(1);

    // Another container records a refusal: seen once the interval is over (as two workers at one moment see it)
    await store.markInvalid(accountId, 'klaviyo', 'kl-1', '401 Unauthorized');
    expect(await cached.status(accountId, 'klaviyo')).toBeUndefined();
    clock = at(2_001);
    expect((await cached.status(accountId, 'klaviyo'))?.state).toBe('invalid');
    expect((await cached.status(accountId, 'klaviyo'))?.state).toBe('invalid');
    expect(gets).toHaveLength(3);

    // ShipStation's key is not cached
    await cached.status(accountId, 'shipstation');
    await cached.status(accountId, 'shipstation');
    expect(gets).toHaveLength(5);

    // Its own write is read back at once
    await cached.markValid(accountId, 'klaviyo', 'kl-1');
    expect((await cached.status(accountId, 'klaviyo'))?.state).toBe('valid');
    await cached.markOutage(accountId, 'klaviyo', 'Klaviyo answered 503');
    expect((await cached.status(accountId, 'klaviyo'))?.outage?.reason).toBe('Klaviyo answered 503');
  });

  it('knows nothing about an account whose keys were never reported', async () => {
    // Prepare
    const account = newAccount();

    // Act
    const status = await store.status(account, 'shipstation');
    const invalid = await store.isInvalid(account, 'shipstation', 'fp-a');

    // Assess
    expect(status).toBeUndefined();
    expect(invalid).toBe(false);
  });

  it('reports the first refusal of a key once and pauses only that key', async () => {
    // Prepare
    const account = newAccount();
    clock = at(1000);

    // Act
    const first = await store.markInvalid(account, 'shipstation', 'fp-a', '401 Unauthorized');
    clock = at(2000);
    const second = await store.markInvalid(account, 'shipstation', 'fp-a', '401 Unauthorized again');

    // Assess
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(await store.status(account, 'shipstation')).toEqual({
      state: 'invalid',
      fingerprint: 'fp-a',
      since: at(1000).toISOString(),
      reason: '401 Unauthorized',
    });
    expect(await store.isInvalid(account, 'shipstation', 'fp-a')).toBe(true);
    expect(await store.isInvalid(account, 'shipstation', 'fp-b')).toBe(false);
  });

  it('reports a refusal once when many workers hit it at the same moment', async () => {
    // Prepare
    const account = newAccount();

    // Act
    const results = await Promise.all(Array.from({ length: 10 }, () => store.markInvalid(account, 'klaviyo', 'fp-a', '401 Unauthorized')));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.isInvalid(account, 'klaviyo', 'fp-a')).toBe(true);
  });

  it('keeps the services of an account apart', async () => {
    // Prepare
    const account = newAccount();

    // Act
    await store.markInvalid(account, 'klaviyo', 'fp-a', '403 missing scope');

    // Assess
    expect(await store.isInvalid(account, 'klaviyo', 'fp-a')).toBe(true);
    expect(await store.status(account, 'shipstation')).toBeUndefined();
    expect(await store.isInvalid(account, 'shipstation', 'fp-a')).toBe(false);
  });

  it('reports the refusal of a new key that is refused too, and the mark is then about the new key', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'shipstation', 'fp-a', '401 old key');
    await store.markAlerted(account, 'shipstation', 'fp-a');
    clock = at(MINUTE);

    // Act
    const replaced = await store.markInvalid(account, 'shipstation', 'fp-b', '401 new key');

    // Assess
    expect(replaced).toBe(true);
    expect(await store.status(account, 'shipstation')).toEqual({
      state: 'invalid',
      fingerprint: 'fp-b',
      since: at(MINUTE).toISOString(),
      reason: '401 new key',
    });
    expect(await store.isInvalid(account, 'shipstation', 'fp-a')).toBe(false);
    expect(await store.isInvalid(account, 'shipstation', 'fp-b')).toBe(true);
  });

  it('notes the alert only on the mark of the key it was about', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'shipstation', 'fp-a', '401 Unauthorized');
    clock = at(5000);

    // Act
    await store.markAlerted(account, 'shipstation', 'fp-b');
    const afterOtherKey = await store.status(account, 'shipstation');
    clock = at(6000);
    await store.markAlerted(account, 'shipstation', 'fp-a');

    // Assess
    expect(afterOtherKey?.alertedAt).toBeUndefined();
    expect((await store.status(account, 'shipstation'))?.alertedAt).toBe(at(6000).toISOString());
  });

  it('notes no alert once the key recovered or when nothing was refused', async () => {
    // Prepare
    const recovered = newAccount();
    const neverRefused = newAccount();
    await store.markInvalid(recovered, 'klaviyo', 'fp-a', '401 Unauthorized');
    await store.markValid(recovered, 'klaviyo', 'fp-b');

    // Act
    await store.markAlerted(recovered, 'klaviyo', 'fp-a');
    await store.markAlerted(recovered, 'klaviyo', 'fp-b');
    await store.markAlerted(neverRefused, 'klaviyo', 'fp-a');

    // Assess
    expect((await store.status(recovered, 'klaviyo'))?.alertedAt).toBeUndefined();
    expect(await store.status(neverRefused, 'klaviyo')).toBeUndefined();
  });

  it('reports no recovery when nothing was refused', async () => {
    // Prepare
    const neverSeen = newAccount();
    const working = newAccount();
    await store.markInvalid(working, 'shipstation', 'fp-a', '401 Unauthorized');
    await store.markValid(working, 'shipstation', 'fp-b');

    // Act
    const fromNothing = await store.markValid(neverSeen, 'shipstation', 'fp-a');
    const fromValid = await store.markValid(working, 'shipstation', 'fp-b');

    // Assess
    expect(fromNothing).toBe(false);
    expect(fromValid).toBe(false);
    expect(await store.status(neverSeen, 'shipstation')).toBeUndefined();
  });

  it('reports the end of a pause once and leaves the status valid for the new key, without reason or alert', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'shipstation', 'fp-a', '401 Unauthorized');
    await store.markAlerted(account, 'shipstation', 'fp-a');
    clock = at(10 * MINUTE);

    // Act
    const first = await store.markValid(account, 'shipstation', 'fp-b');
    clock = at(11 * MINUTE);
    const second = await store.markValid(account, 'shipstation', 'fp-b');

    // Assess
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(await store.status(account, 'shipstation')).toEqual({ state: 'valid', fingerprint: 'fp-b', since: at(10 * MINUTE).toISOString() });
    expect(await store.isInvalid(account, 'shipstation', 'fp-a')).toBe(false);
    expect(await store.isInvalid(account, 'shipstation', 'fp-b')).toBe(false);
  });

  it('reports the end of a pause once when many workers succeed with the new key at the same moment', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'klaviyo', 'fp-a', '401 Unauthorized');

    // Act
    const results = await Promise.all(Array.from({ length: 10 }, () => store.markValid(account, 'klaviyo', 'fp-b')));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.status(account, 'klaviyo'))?.state).toBe('valid');
  });

  it('ignores a refusal of the replaced key within the grace period: a container still holds it', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'shipstation', 'fp-a', '401 Unauthorized');
    clock = at(MINUTE);
    await store.markValid(account, 'shipstation', 'fp-b');

    // Act
    clock = at(MINUTE + 1000);
    const soon = await store.markInvalid(account, 'shipstation', 'fp-a', '401 from a stale container');
    clock = at(MINUTE + RETIRED_KEY_GRACE_MS - 1000);
    const justBeforeGraceEnds = await store.markInvalid(account, 'shipstation', 'fp-a', '401 from a stale container');

    // Assess
    expect(soon).toBe(false);
    expect(justBeforeGraceEnds).toBe(false);
    expect(await store.status(account, 'shipstation')).toEqual({ state: 'valid', fingerprint: 'fp-b', since: at(MINUTE).toISOString() });
    expect(await store.isInvalid(account, 'shipstation', 'fp-b')).toBe(false);
  });

  it('reports a refusal of the replaced key after the grace period: an operator went back to a dead key', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'shipstation', 'fp-a', '401 Unauthorized');
    clock = at(MINUTE);
    await store.markValid(account, 'shipstation', 'fp-b');

    // Act
    clock = at(MINUTE + RETIRED_KEY_GRACE_MS + 1000);
    const late = await store.markInvalid(account, 'shipstation', 'fp-a', '401 old key is back');

    // Assess
    expect(late).toBe(true);
    expect(await store.status(account, 'shipstation')).toEqual({
      state: 'invalid',
      fingerprint: 'fp-a',
      since: at(MINUTE + RETIRED_KEY_GRACE_MS + 1000).toISOString(),
      reason: '401 old key is back',
    });
    expect(await store.isInvalid(account, 'shipstation', 'fp-a')).toBe(true);
  });

  it('reports a refusal of the new key at any time, also within the grace period', async () => {
    // Prepare
    const soonAccount = newAccount();
    const lateAccount = newAccount();
    for (const account of [soonAccount, lateAccount]) {
      clock = at(0);
      await store.markInvalid(account, 'klaviyo', 'fp-a', '401 Unauthorized');
      clock = at(MINUTE);
      await store.markValid(account, 'klaviyo', 'fp-b');
    }

    // Act
    clock = at(MINUTE + 1000);
    const soon = await store.markInvalid(soonAccount, 'klaviyo', 'fp-b', '401 new key revoked');
    clock = at(MINUTE + 2 * RETIRED_KEY_GRACE_MS);
    const late = await store.markInvalid(lateAccount, 'klaviyo', 'fp-b', '401 new key revoked');

    // Assess
    expect(soon).toBe(true);
    expect(late).toBe(true);
    expect(await store.isInvalid(soonAccount, 'klaviyo', 'fp-b')).toBe(true);
    expect(await store.isInvalid(lateAccount, 'klaviyo', 'fp-b')).toBe(true);
  });

  it('reports a new refusal at once of a key that recovered without being replaced (no older key to be lenient with)', async () => {
    // Prepare: the same key works again (say a scope was added back), as the release probe and the daily check find
    const account = newAccount();
    await store.markInvalid(account, 'klaviyo', 'fp-a', '403 missing scope');
    clock = at(MINUTE);
    const recovered = await store.markValid(account, 'klaviyo', 'fp-a');

    // Act: the scope is removed again a few minutes later
    clock = at(5 * MINUTE);
    const refusedAgain = await store.markInvalid(account, 'klaviyo', 'fp-a', '403 missing scope');

    // Assess
    expect(recovered).toBe(true);
    expect(refusedAgain).toBe(true);
    expect(await store.isInvalid(account, 'klaviyo', 'fp-a')).toBe(true);
  });

  it('marks a Klaviyo outage once (racing workers included), keeps the key valid meanwhile, and ends it once', async () => {
    // Prepare
    const account = newAccount();

    // Act
    const began = await Promise.all([store.markOutage(account, 'klaviyo', 'Klaviyo answered 503'), store.markOutage(account, 'klaviyo', 'Klaviyo timed out')]);
    const during = await store.status(account, 'klaviyo');
    const ended = await Promise.all([store.clearOutage(account, 'klaviyo'), store.clearOutage(account, 'klaviyo')]);
    const after = await store.status(account, 'klaviyo');

    // Assess
    expect(began.filter(Boolean)).toHaveLength(1);
    expect(during).toMatchObject({ state: 'valid', outage: { since: at(0).toISOString() } });
    expect(during?.outage?.reason).toMatch(/^Klaviyo (answered 503|timed out)$/);
    expect(ended.filter(Boolean)).toHaveLength(1);
    expect(after?.outage).toBeUndefined();
  });

  it('ends an outage marked while a key was refused when the key works again (a send just worked)', async () => {
    // Prepare
    const account = newAccount();
    await store.markInvalid(account, 'klaviyo', 'fp-a', '401 bad key');
    await store.markOutage(account, 'klaviyo', 'Klaviyo answered 503');

    // Act
    const recovered = await store.markValid(account, 'klaviyo', 'fp-b');

    // Assess
    expect(recovered).toBe(true);
    expect(await store.status(account, 'klaviyo')).toMatchObject({ state: 'valid', fingerprint: 'fp-b' });
    expect((await store.status(account, 'klaviyo'))?.outage).toBeUndefined();
  });

  it('lets a refused key supersede an outage, and keeps a refusal when an outage is marked after it', async () => {
    // Prepare
    const account = newAccount();
    await store.markOutage(account, 'klaviyo', 'Klaviyo answered 503');

    // Act
    await store.markInvalid(account, 'klaviyo', 'fp-a', '401 bad key');
    const refused = await store.status(account, 'klaviyo');
    await store.markOutage(account, 'klaviyo', 'Klaviyo answered 503');
    const both = await store.status(account, 'klaviyo');

    // Assess
    expect(refused).toMatchObject({ state: 'invalid', fingerprint: 'fp-a' });
    expect(refused?.outage).toBeUndefined();
    expect(both).toMatchObject({ state: 'invalid', fingerprint: 'fp-a', outage: { reason: 'Klaviyo answered 503' } });
  });
});
