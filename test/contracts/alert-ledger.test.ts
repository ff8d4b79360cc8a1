// The AlertLedger contract: an alert is claimed by one sender for 20 minutes, sent once for good after confirm, and
// claimable again once given back or once an unconfirmed claim ran out; held by the fake and the DynamoDB adapter alike.
import { DynamoDbAlertLedger } from '../../lib/adapters/dynamodb-alert-ledger.js';
import type { AlertLedger } from '../../lib/ports.js';
import { InMemoryAlertLedger } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const LEASE_MS = 20 * 60_000;
const at = (ms: number): Date => new Date(Date.UTC(2026, 5, 1, 9, 0, 0) + ms);

function alertLedgerContract(make: () => AlertLedger): void {
  it('lets one sender claim an alert, and after confirm nobody ever again', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();

    // Act
    const first = await ledger.claim(accountId, 'key-expiry:30', at(0));
    const second = await ledger.claim(accountId, 'key-expiry:30', at(1_000));
    await ledger.confirm(accountId, 'key-expiry:30', at(2_000));
    const muchLater = await ledger.claim(accountId, 'key-expiry:30', at(LEASE_MS * 10));

    // Assess
    expect([first, second, muchLater]).toEqual([true, false, false]);
  });

  it('hands an unconfirmed claim to the next sender only once its lease is strictly past', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    await ledger.claim(accountId, 'key-expiry:7', at(0));

    // Act
    const atExpiry = await ledger.claim(accountId, 'key-expiry:7', at(LEASE_MS));
    const after = await ledger.claim(accountId, 'key-expiry:7', at(LEASE_MS + 1));

    // Assess
    expect([atExpiry, after]).toEqual([false, true]);
  });

  it('makes a released alert claimable at once, and keeps alerts of other ids and accounts apart', async () => {
    // Prepare
    const ledger = make();
    const accountId = newAccount();
    await ledger.claim(accountId, 'klaviyo-refused:2026-06-01', at(0));

    // Act
    const otherId = await ledger.claim(accountId, 'key-expiry:1', at(1));
    const otherAccount = await ledger.claim(newAccount(), 'klaviyo-refused:2026-06-01', at(1));
    await ledger.release(accountId, 'klaviyo-refused:2026-06-01');
    const again = await ledger.claim(accountId, 'klaviyo-refused:2026-06-01', at(2));

    // Assess
    expect([otherId, otherAccount, again]).toEqual([true, true, true]);
  });
}

describeContract<AlertLedger>(
  'AlertLedger',
  [
    inMemory('InMemoryAlertLedger', () => new InMemoryAlertLedger()),
    onLocalDynamoDb('DynamoDbAlertLedger', (aws) => new DynamoDbAlertLedger(aws.dynamodb, aws.tableName)),
  ],
  alertLedgerContract,
);
