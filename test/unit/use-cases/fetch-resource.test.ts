// fetchResource against in-memory ports: snapshots to the updates queue, a refused key (paused, alerted once, deferred
// to the catch-up poll), a replacing key ending the pause, unreadable records, rejected fulfilments, a resource over its
// cap and a record too large for a queue message (each dead-lettered, not retried).
import { BadInputError, CredentialsPausedError, ResourceTooLargeError, ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import type { NotificationMessage } from '../../../lib/domain/snapshot.js';
import { makeFetchResource, UnreadableRecordsError } from '../../../lib/use-cases/fetch-resource.js';
import {
  fakeAccount,
  FakeClock,
  InMemoryAlertLedger,
  FakeShipStationApi,
  FakeShipStationV2,
  InMemoryCredentialStatusStore,
  InMemoryEventLedger,
  InMemoryPollJobQueue,
  InMemoryUpdateQueue,
  RecordingAlerts,
  RecordingLogger,
  RecordingServiceMetrics,
  StaticAccountDirectory,
} from '../../fakes/in-memory-ports.js';
import { fulfillmentSnapshot, orderSnapshot, shipmentSnapshot } from '../../helpers/factories.js';

const CREDENTIALS_LOG = 'shipstation credentials rejected; pausing the account';
const REFUSED_SUBJECT = 'ShipStation refused the API key (account default)';
const RECOVERED_SUBJECT = 'The ShipStation API key works again (account default)';
const DEFERRED = { snapshots: 0, requests: 0, deferred: true };

function setup(storeIds?: number[], account: Partial<Parameters<typeof fakeAccount>[0]> = {}) {
  const shipStation = new FakeShipStationApi();
  const shipStationV2 = new FakeShipStationV2();
  const updates = new InMemoryUpdateQueue();
  const credentials = new InMemoryCredentialStatusStore();
  const alerts = new RecordingAlerts();
  const pollJobs = new InMemoryPollJobQueue();
  const log = new RecordingLogger();
  const ledger = new InMemoryEventLedger();
  const metrics = new RecordingServiceMetrics();
  const fetch = makeFetchResource({
    accounts: new StaticAccountDirectory([fakeAccount({ storeIds, ...account })]),
    shipStation,
    shipStationV2,
    updates,
    credentials,
    alerts,
    alertLedger: new InMemoryAlertLedger(),
    pollJobs,
    clock: new FakeClock('2026-07-05T17:00:00.000Z'),
    log,
    ledger,
    metrics,
  });
  return { shipStation, shipStationV2, updates, credentials, alerts, pollJobs, log, ledger, metrics, fetch };
}

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage => ({
  accountId: 'default',
  resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=abc-123',
  resourceType: 'ORDER_NOTIFY',
  receivedAt: '2026-07-04T17:20:00.000Z',
  ...overrides,
});

describe('fetchResource', () => {
  it('enqueues every snapshot of the resource, labels and fulfilments marked to read an unseen order at once (nothing else brings it)', async () => {
    // Prepare
    const { fetch, shipStation, updates } = setup();
    const snapshots = [orderSnapshot(), shipmentSnapshot(), fulfillmentSnapshot()];
    shipStation.respondWith({ snapshots, requests: 2 });

    // Act
    const result = await fetch(message());

    // Assess
    expect(result).toEqual({ snapshots: 3, requests: 2 });
    expect(updates.snapshots).toEqual([orderSnapshot(), { ...shipmentSnapshot(), waitedForOrder: true }, { ...fulfillmentSnapshot(), waitedForOrder: true }]);
    expect(shipStation.calls).toEqual([{ accountId: 'default', url: 'https://ssapi.shipstation.com/orders?importBatch=abc-123' }]);
  });

  it("keeps only the orders and labels of the account's stores when it has a store filter", async () => {
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
    expect(updates.snapshots).toEqual([ours, { ...fulfilment, waitedForOrder: true }]);
    expect(result.snapshots).toBe(2);
  });

  it('defers the notification to the catch-up poll without a request while the ShipStation key is refused', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials, alerts, pollJobs, log } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'expired');

    // Act
    const result = await fetch(message());

    // Assess
    expect(result).toEqual(DEFERRED);
    expect(shipStation.calls).toEqual([]);
    expect(updates.snapshots).toEqual([]);
    expect(alerts.sent).toEqual([]);
    expect(pollJobs.jobs).toEqual([]);
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'notification deferred to the catch-up poll: the shipstation key is refused',
      data: { accountId: 'default', resourceType: 'ORDER_NOTIFY' },
    });
  });

  it('marks the key invalid and alerts once when three concurrent fetches are refused with 401, then defers without a request', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials, alerts, log } = setup();
    shipStation.failNext(new ShipStationCredentialsError('default'), 3);

    // Act
    const results = await Promise.all([
      fetch(message()),
      fetch(message({ resourceType: 'SHIP_NOTIFY' })),
      fetch(message({ resourceType: 'ITEM_SHIP_NOTIFY' })),
    ]);
    const later = await fetch(message());

    // Assess
    expect(results).toEqual([
      { ...DEFERRED, requests: 1 },
      { ...DEFERRED, requests: 1 },
      { ...DEFERRED, requests: 1 },
    ]);
    expect(later).toEqual(DEFERRED);
    expect(shipStation.calls).toHaveLength(3);
    expect(credentials.reports.map((r) => [r.service, r.fingerprint, r.first])).toEqual([
      ['shipstation', 'ss-fingerprint-1', true],
      ['shipstation', 'ss-fingerprint-1', false],
      ['shipstation', 'ss-fingerprint-1', false],
    ]);
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
    expect(alerts.sent.map((a) => [a.accountId, a.subject])).toEqual([['default', REFUSED_SUBJECT]]);
    expect((await credentials.status('default', 'shipstation'))?.alertedAt).toBeDefined();
    expect(log.messages('error')).toEqual([CREDENTIALS_LOG]);
    expect(updates.snapshots).toEqual([]);
  });

  it('tries a key that replaced a refused one and, on its first success, ends the pause with one alert and a catch-up poll', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-old-fingerprint', 'expired');
    const snapshots = [orderSnapshot()];
    shipStation.respondWith({ snapshots, requests: 1 });

    // Act
    const first = await fetch(message());
    const second = await fetch(message({ resourceType: 'SHIP_NOTIFY' }));

    // Assess
    expect(first).toEqual({ snapshots: 1, requests: 1 });
    expect(second).toEqual({ snapshots: 1, requests: 1 });
    expect(shipStation.calls).toHaveLength(2);
    expect(updates.snapshots).toEqual([...snapshots, ...snapshots]);
    expect(await credentials.status('default', 'shipstation')).toMatchObject({ state: 'valid', fingerprint: 'ss-fingerprint-1' });
    expect(alerts.sent.map((a) => a.subject)).toEqual([RECOVERED_SUBJECT]);
    expect(pollJobs.jobs).toEqual([{ job: { accountId: 'default', reason: 'resume' }, delaySeconds: undefined }]);
  });

  it('pauses and alerts again when the key that replaced a refused one is refused too', async () => {
    // Prepare
    const { fetch, shipStation, credentials, alerts, pollJobs } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-old-fingerprint', 'expired');
    shipStation.failNext(new ShipStationCredentialsError('default'));

    // Act
    const result = await fetch(message());

    // Assess
    expect(result).toEqual({ ...DEFERRED, requests: 1 });
    expect(await credentials.isInvalid('default', 'shipstation', 'ss-fingerprint-1')).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual([REFUSED_SUBJECT]);
    expect(pollJobs.jobs).toEqual([]);
  });

  it('retries (TransientError) a fetch refused with a key that a working one has just replaced, without pausing or alerting', async () => {
    // Prepare: the pause of this container's (old) key was ended by a newer key a moment ago.
    const { fetch, shipStation, credentials, alerts } = setup();
    await credentials.markInvalid('default', 'shipstation', 'ss-fingerprint-1', 'expired');
    await credentials.markValid('default', 'shipstation', 'ss-fingerprint-2');
    shipStation.failNext(new ShipStationCredentialsError('default'));

    // Act
    const result = fetch(message());

    // Assess
    await expect(result).rejects.toThrow(TransientError);
    expect(await credentials.status('default', 'shipstation')).toMatchObject({ state: 'valid', fingerprint: 'ss-fingerprint-2' });
    expect(alerts.sent).toEqual([]);
  });

  it('lets a transient ShipStation failure through without touching the credentials', async () => {
    // Prepare
    const { fetch, shipStation, updates, credentials, alerts } = setup();
    shipStation.failNext(new TransientError('ShipStation answered 503'));

    // Act
    const result = fetch(message());

    // Assess
    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.not.toThrow(CredentialsPausedError);
    expect(credentials.reports).toEqual([]);
    expect(alerts.sent).toEqual([]);
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
    const result = await fetch(
      message({ resourceType: 'FULFILLMENT_REJECTED', resourceUrl: 'https://ssapi.shipstation.com/orders?storeID=123456&importBatch=1ab23c4d' }),
    );

    // Assess
    expect(result).toEqual({ snapshots: 1, requests: 1 });
    expect(updates.snapshots).toEqual([rejected]);
    expect(log.entries).toContainEqual({
      level: 'warn',
      message: 'shipment and fulfilment records of a rejection ignored',
      data: { accountId: 'default', ignored: 1 },
    });
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

  it('dead-letters a resource over its cap once, with the reason, and succeeds so SQS does not retry it', async () => {
    // Prepare
    const { fetch, shipStation, updates, ledger, metrics, log } = setup();
    shipStation.failNext(new ResourceTooLargeError('ORDER_NOTIFY', 'abc-123', 2_501, 2_500, 1), 2);

    // Act
    const first = await fetch(message());
    const redelivered = await fetch(message());

    // Assess
    expect([first, redelivered]).toEqual([
      { snapshots: 0, requests: 1, deadLettered: true },
      { snapshots: 0, requests: 1, deadLettered: true },
    ]);
    expect([...ledger.deadLetters.values()]).toEqual([
      {
        accountId: 'default',
        uniqueId: 'ss:default:resource:ORDER_NOTIFY:abc-123',
        metric: '(resource over its cap)',
        orderId: 0,
        reason:
          'the ORDER_NOTIFY resource holds 2501 records, more than the 2500 such a batch is read up to; left to the poll (it is not retried: the poll reads these records)',
        body: {
          resourceType: 'ORDER_NOTIFY',
          resourceUrl: 'https://ssapi.shipstation.com/orders?importBatch=abc-123',
          receivedAt: '2026-07-04T17:20:00.000Z',
          records: 2_501,
          maxRecords: 2_500,
        },
        at: '2026-07-05T17:00:00.000Z',
      },
    ]);
    expect(metrics.totals.get('DeadLettered')).toBe(2);
    expect(log.messages('error')).toEqual(['webhook resource over its cap dead-lettered', 'webhook resource over its cap dead-lettered']);
    expect(updates.snapshots).toEqual([]);
  });

  it('dead-letters a record too large for a queue message alone and queues the rest of the batch', async () => {
    // Prepare
    const { fetch, shipStation, updates, ledger } = setup();
    const small = orderSnapshot({ orderId: 1 });
    const huge = orderSnapshot({ orderId: 2, items: Array.from({ length: 3_000 }, (_, i) => ({ sku: `SKU-${i}`, name: 'x'.repeat(80), quantity: 1 })) });
    const label = shipmentSnapshot({ orderId: 3 });
    shipStation.respondWith({ snapshots: [small, huge, label] });

    // Act
    const result = await fetch(message());

    // Assess
    expect(result).toEqual({ snapshots: 2, requests: 1 });
    expect(updates.snapshots.map((s) => s.orderId)).toEqual([1, 3]);
    expect([...ledger.deadLetters.values()].map((d) => [d.uniqueId, d.metric, d.orderId])).toEqual([
      [`ss:default:oversized:order:2:${huge.modifiedAt}`, '(oversized record)', 2],
    ]);
  });
});

describe('fetchResource of V2 pointer webhooks', () => {
  const V2_ONLY = { shipStationFingerprint: undefined, shipStationKeyExpiresOn: undefined, shipStationV2Fingerprint: 'v2-fingerprint-1' };
  const v2Message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage =>
    message({ resourceUrl: 'https://api.shipstation.com/v2/labels?batch_id=se-64616278', resourceType: 'LABEL_CREATED_V2', ...overrides });

  it('reads a V2 resource with the V2 reader, never V1, and counts the statuses it does not know', async () => {
    // Prepare
    const { fetch, shipStation, shipStationV2, updates, metrics } = setup(undefined, V2_ONLY);
    shipStationV2.respondWith({ snapshots: [shipmentSnapshot()], requests: 1, unknownStatuses: { awaiting_pickup: 2 } });

    // Act
    const result = await fetch(v2Message());

    // Assess
    expect(result).toEqual({ snapshots: 1, requests: 1 });
    expect(shipStationV2.fetchCalls).toEqual([
      { accountId: 'default', url: 'https://api.shipstation.com/v2/labels?batch_id=se-64616278', resourceType: 'LABEL_CREATED_V2' },
    ]);
    expect(shipStation.calls).toEqual([]);
    expect(updates.snapshots).toEqual([{ ...shipmentSnapshot(), waitedForOrder: true }]);
    expect(metrics.totals.get('UnknownShipStationStatus')).toBe(2);
  });

  it('refuses a V2 resource for an account without a V2 key, and a V1 one for an account without a V1 pair, without a request', async () => {
    // Prepare
    const v1Only = setup();
    const v2Only = setup(undefined, V2_ONLY);

    // Act
    const noV2 = await v1Only.fetch(v2Message()).catch((error: unknown) => error);
    const noV1 = await v2Only.fetch(message()).catch((error: unknown) => error);

    // Assess
    expect(noV2).toBeInstanceOf(BadInputError);
    expect((noV2 as Error).message).toBe('account default has no ShipStation V2 API key to read its LABEL_CREATED_V2 webhooks with');
    expect((noV1 as Error).message).toBe('account default has no ShipStation V1 key pair to read its ORDER_NOTIFY webhooks with');
    expect([...v1Only.shipStationV2.fetchCalls, ...v2Only.shipStation.calls]).toEqual([]);
  });

  it('pauses the V2 key on its refusal (alerted as the V2 key) and defers what it points at to the catch-up poll', async () => {
    // Prepare
    const { fetch, shipStationV2, credentials, alerts } = setup(undefined, V2_ONLY);
    shipStationV2.failNext(new ShipStationCredentialsError('default', 'ShipStation rejected the V2 API key (401)', 'shipstation-v2'));

    // Act
    const first = await fetch(v2Message());
    const second = await fetch(v2Message());

    // Assess
    expect(first).toEqual({ ...DEFERRED, requests: 1 });
    expect(second).toEqual(DEFERRED);
    expect(shipStationV2.fetchCalls).toHaveLength(1);
    expect((await credentials.status('default', 'shipstation-v2'))?.state).toBe('invalid');
    expect(await credentials.status('default', 'shipstation')).toBeUndefined();
    expect(alerts.sent.map((a) => a.subject)).toEqual(['ShipStation refused the V2 API key (account default)']);
  });

  it('makes a V2 rejection news about the order: listed shipments, and the orders of listed fulfilments read from V2', async () => {
    // Prepare: the rejection lists one shipment (an order) and one fulfilment of another order
    const { fetch, shipStationV2, updates } = setup(undefined, V2_ONLY);
    const listed = orderSnapshot({ orderId: 1, status: 'awaiting_shipment', source: 'v2' });
    const other = orderSnapshot({ orderId: 2, status: 'awaiting_shipment', modifiedAt: '2026-07-04T10:00:00.000Z', source: 'v2' });
    shipStationV2.orders.set(2, other);
    shipStationV2.respondWith({ snapshots: [listed, fulfillmentSnapshot({ orderId: 2, createdAt: '2026-07-04T12:00:00.000Z' })] });

    // Act
    await fetch(v2Message({ resourceType: 'FULFILLMENT_REJECTED_V2', resourceUrl: 'https://api.shipstation.com/v2/fulfillments?shipment_id=se-2' }));

    // Assess: no Order Shipped can come of it; each order in rejected_fulfillment, no earlier than the fulfilment
    expect(updates.snapshots).toEqual([
      { ...listed, status: 'rejected_fulfillment' },
      { ...other, status: 'rejected_fulfillment', modifiedAt: '2026-07-04T12:00:00.000Z' },
    ]);
  });
});
