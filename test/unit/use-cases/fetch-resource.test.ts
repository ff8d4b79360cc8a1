// fetchResource against in-memory ports: snapshots to the updates queue, paused credentials, unreadable records and
// rejected fulfilments.
import { BadInputError, CredentialsPausedError, ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { NotificationMessage } from '../../../lib/domain/snapshot.js';
import { makeFetchResource, UnreadableRecordsError } from '../../../lib/use-cases/fetch-resource.js';
import {
  fakeAccount,
  FakeShipStationApi,
  InMemoryCredentialStatusStore,
  InMemoryUpdateQueue,
  RecordingLogger,
  StaticAccountDirectory,
} from '../../fakes/in-memory-ports.js';
import { fulfillmentSnapshot, orderSnapshot, shipmentSnapshot } from '../../helpers/factories.js';

const CREDENTIALS_LOG = 'shipstation credentials rejected; pausing the account';

function setup(storeIds?: number[]) {
  const shipStation = new FakeShipStationApi();
  const updates = new InMemoryUpdateQueue();
  const credentials = new InMemoryCredentialStatusStore();
  const log = new RecordingLogger();
  const fetch = makeFetchResource({ accounts: new StaticAccountDirectory([fakeAccount({ storeIds })]), shipStation, updates, credentials, log });
  return { shipStation, updates, credentials, log, fetch };
}

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage => ({
  accountId: 'default',
  resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=abc-123',
  resourceType: 'ORDER_NOTIFY',
  receivedAt: '2026-07-04T17:20:00.000Z',
  ...overrides,
});

describe('fetchResource', () => {
  it('enqueues every snapshot of the resource', async () => {
    // Prepare
    const { fetch, shipStation, updates } = setup();
    const snapshots = [orderSnapshot(), shipmentSnapshot(), fulfillmentSnapshot()];
    shipStation.respondWith({ snapshots, requests: 2 });

    // Act
    const result = await fetch(message());

    // Assess
    expect(result).toEqual({ snapshots: 3, requests: 2 });
    expect(updates.snapshots).toEqual(snapshots);
    expect(shipStation.calls).toEqual([{ accountId: 'default', url: 'https://ssapi.shipstation.com/orders?importBatch=abc-123' }]);
  });

  it('keeps only the orders and labels of the account\'s stores when it has a store filter', async () => {
    // Prepare
    const { fetch, shipStation, updates } = setup([310001]);
    const ours = orderSnapshot({ orderId: 1, storeId: 310001 });
    const theirs = orderSnapshot({ orderId: 2, storeId: 310002 });
    const theirLabel = shipmentSnapshot({ orderId: 2, storeId: 310002 });
    const fulfilment = fulfillmentSnapshot({ orderId: 3 });
    shipStation.respondWith({ snapshots: [ours, theirs, theirLabel, fulfilment], requests: 1 });

    // Act
    const result = await fetch(message());

    // Assess
    expect(updates.snapshots).toEqual([ours, fulfilment]);
    expect(result.snapshots).toBe(2);
  });

  it('waits with CredentialsPausedError and calls no one while the ShipStation key is known to be invalid', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'expired');

    // Act
    const result = fetch(message());

    // Assess
    await expect(result).rejects.toThrow(CredentialsPausedError);
    await expect(result).rejects.toMatchObject({ accountId: 'default', service: 'shipstation' });
    expect(shipStation.calls).toEqual([]);
    expect(updates.snapshots).toEqual([]);
  });

  it('marks the key invalid and logs it once when two fetches are refused with 401', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials, log } = setup();
    shipStation.failNext(new ShipStationCredentialsError('default'), 2);

    // Act
    const results = await Promise.allSettled([fetch(message()), fetch(message({ resourceType: 'SHIP_NOTIFY' }))]);
    const later = fetch(message());

    // Assess
    expect(results.map((r) => r.status === 'rejected' && r.reason instanceof CredentialsPausedError)).toEqual([true, true]);
    await expect(later).rejects.toThrow(CredentialsPausedError);
    expect(shipStation.calls).toHaveLength(2);
    expect(credentials.reports.map((r) => [r.service, r.fingerprint, r.first])).toEqual([
      ['shipstation', 'ss-fingerprint-1', true],
      ['shipstation', 'ss-fingerprint-1', false],
    ]);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
    expect(log.messages('error')).toEqual([CREDENTIALS_LOG]);
    expect(updates.snapshots).toEqual([]);
  });

  it('lets a transient ShipStation failure through without touching the credentials', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials } = setup();
    shipStation.failNext(new TransientError('ShipStation answered 503'));

    // Act
    const result = fetch(message());

    // Assess
    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.not.toThrow(CredentialsPausedError);
    expect(credentials.reports).toEqual([]);
    expect(updates.snapshots).toEqual([]);
  });

  it('enqueues the readable records and then throws UnreadableRecordsError for the rest', async () => {
    // Prepare
    const { fetch, shipStation, updates, log } = setup();
    const readable = orderSnapshot();
    shipStation.respondWith({
      snapshots: [readable],
      unreadable: [
        { kind: 'orders', index: 1, reason: 'orderStatus: invalid option' },
        { kind: 'orders', index: 3, reason: 'modifyDate: required' },
      ],
    });

    // Act
    const result = fetch(message());

    // Assess
    await expect(result).rejects.toThrow(UnreadableRecordsError);
    await expect(result).rejects.toMatchObject({ count: 2, sample: 'orders[1]: orderStatus: invalid option' });
    expect(updates.snapshots).toEqual([readable]);
    expect(log.messages('warn')).toEqual(['unreadable records in resource']);
  });

  it('drops fulfilment records of a FULFILLMENT_REJECTED resource and enqueues its orders', async () => {
    // Prepare
    const { fetch, shipStation, updates, log } = setup();
    const rejected = orderSnapshot({ status: 'rejected_fulfillment', modifiedAt: '2026-07-05T19:00:00.000Z' });
    shipStation.respondWith({ snapshots: [rejected, fulfillmentSnapshot()] });

    // Act
    const result = await fetch(message({ resourceType: 'FULFILLMENT_REJECTED', resourceUrl: 'https://ssapi.shipstation.com/orders?orderId=123456' }));

    // Assess
    expect(result).toEqual({ snapshots: 1, requests: 1 });
    expect(updates.snapshots).toEqual([rejected]);
    expect(log.entries).toContainEqual({ level: 'warn', message: 'shipment and fulfilment records of a rejection ignored', data: { accountId: 'default', ignored: 1 } });
  });

  it('refuses a message for an unknown account with a BadInputError', async () => {
    // Prepare
    const { fetch, shipStation } = setup();

    // Act
    const result = fetch(message({ accountId: 'nobody' }));

    // Assess
    await expect(result).rejects.toThrow(BadInputError);
    expect(shipStation.calls).toEqual([]);
  });
});
