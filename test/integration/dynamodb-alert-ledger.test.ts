// The alert ledger on a real DynamoDB-compatible server (dynalite): an alert is claimed once per account, also when
// checks race, and a released claim lets the next run send it.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbAlertLedger } from '../../lib/adapters/dynamodb-alert-ledger.js';
import { keyOf, keys } from '../../lib/adapters/dynamodb-keys.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';

let aws: LocalAws;
let ledger: DynamoDbAlertLedger;
let n = 0;
/** A fresh alert id per test, so tests never share a claim. */
const newAlertId = (): string => `key-expiry#fp-${(n += 1)}#2026-12-31#7`;
const at = (seconds: number): Date => new Date(Date.UTC(2026, 11, 24, 9, 0, seconds));

beforeAll(async () => {
  aws = await startLocalAws();
  ledger = new DynamoDbAlertLedger(aws.dynamodb, aws.tableName);
});

afterAll(async () => {
  await aws.close();
});

describe('DynamoDbAlertLedger', () => {
  it('lets the first run claim an alert and, once it is confirmed sent, refuses every later claim', async () => {
    // Prepare
    const alertId = newAlertId();

    // Act
    const first = await ledger.claim('acme', alertId, at(0));
    const second = await ledger.claim('acme', alertId, at(1));
    await ledger.confirm('acme', alertId, at(2));
    const nextDay = await ledger.claim('acme', alertId, new Date(at(0).getTime() + 86_400_000));

    // Assess
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(nextDay).toBe(false);
  });

  it('lets a later run take over a claim whose sender died before confirming, once its lease (20 min) has run out', async () => {
    // Prepare
    const alertId = newAlertId();
    await ledger.claim('acme', alertId, at(0));

    // Act
    const withinLease = await ledger.claim('acme', alertId, new Date(at(0).getTime() + 19 * 60_000));
    const afterLease = await ledger.claim('acme', alertId, new Date(at(0).getTime() + 21 * 60_000));

    // Assess
    expect(withinLease).toBe(false);
    expect(afterLease).toBe(true);
  });

  it('lets exactly one of many racing checks claim an alert', async () => {
    // Prepare
    const alertId = newAlertId();

    // Act
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.claim('acme', alertId, at(i))));

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps the same alert id of two accounts apart', async () => {
    // Prepare
    const alertId = newAlertId();
    await ledger.claim('acme', alertId, at(0));

    // Act
    const otherAccount = await ledger.claim('bloom', alertId, at(1));
    const againForAcme = await ledger.claim('acme', alertId, at(2));

    // Assess
    expect(otherAccount).toBe(true);
    expect(againForAcme).toBe(false);
  });

  it('lets the next run claim an alert that was released after a failed send', async () => {
    // Prepare
    const alertId = newAlertId();
    await ledger.claim('acme', alertId, at(0));

    // Act
    await ledger.release('acme', alertId);
    const retried = await ledger.claim('acme', alertId, at(60));
    const afterRetry = await ledger.claim('acme', alertId, at(61));

    // Assess
    expect(retried).toBe(true);
    expect(afterRetry).toBe(false);
  });

  it("releases only the given account's claim", async () => {
    // Prepare
    const alertId = newAlertId();
    await ledger.claim('acme', alertId, at(0));
    await ledger.claim('bloom', alertId, at(0));

    // Act
    await ledger.release('bloom', alertId);

    // Assess
    expect(await ledger.claim('acme', alertId, at(1))).toBe(false);
    expect(await ledger.claim('bloom', alertId, at(1))).toBe(true);
  });

  it('keeps a claim for 400 days after it was made, longer than any ShipStation key lives', async () => {
    // Prepare
    const alertId = newAlertId();

    // Act
    await ledger.claim('acme', alertId, at(0));

    // Assess
    const { Item: item } = await aws.dynamodb.send(
      new GetItemCommand({ TableName: aws.tableName, Key: keyOf(keys.alert('acme', alertId)), ConsistentRead: true }),
    );
    expect(item?.expiresAt?.N).toBe(String(at(0).getTime() / 1000 + 400 * 86_400));
  });
});
