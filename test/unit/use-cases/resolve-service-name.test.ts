// resolveServiceName: a carrier's services read from ShipStation at most once a week per account (kept for every container),
// history events never reading ShipStation, and a list that cannot be read falling back to the common names.
import { ShipStationCredentialsError, TransientError } from '../../../lib/domain/errors.js';
import { makeResolveServiceName } from '../../../lib/use-cases/resolve-service-name.js';
import {
  fakeAccount,
  FakeClock,
  FakeServiceCatalog,
  InMemoryCarrierServiceCache,
  InMemoryCredentialStatusStore,
  RecordingLogger,
} from '../../fakes/in-memory-ports.js';

const LIVE = { mayFetch: true };
const HISTORY = { mayFetch: false };

function setup() {
  const clock = new FakeClock('2026-07-05T18:00:00.000Z');
  const catalog = new FakeServiceCatalog({
    stamps_com: [
      { code: 'usps_first_class_mail', name: 'USPS First Class Mail' },
      { code: 'usps_media_mail', name: 'USPS Media Mail' },
    ],
  });
  const cache = new InMemoryCarrierServiceCache();
  const credentials = new InMemoryCredentialStatusStore();
  const log = new RecordingLogger();
  const names = makeResolveServiceName({ catalog, cache, credentials, clock, log });
  return { clock, catalog, cache, credentials, log, names, account: fakeAccount() };
}

describe('resolveServiceName', () => {
  it("names a service as the account's ShipStation lists it, reading the list once for many labels", async () => {
    // Prepare
    const { names, catalog, account } = setup();

    // Act
    const first = await names(account, 'stamps_com', 'usps_media_mail', LIVE);
    const second = await names(account, 'stamps_com', 'usps_first_class_mail', LIVE);

    // Assess
    expect([first, second]).toEqual(['USPS Media Mail', 'USPS First Class Mail']);
    expect(catalog.reads).toEqual([{ accountId: 'default', carrierCode: 'stamps_com' }]);
  });

  it('shares a list read by one container with the others, and reads it again after a week', async () => {
    // Prepare
    const one = setup();
    await one.names(one.account, 'stamps_com', 'usps_media_mail', LIVE);
    const other = makeResolveServiceName({ catalog: one.catalog, cache: one.cache, credentials: one.credentials, clock: one.clock, log: one.log });

    // Act
    const shared = await other(one.account, 'stamps_com', 'usps_media_mail', LIVE);
    one.clock.advance(8 * 86_400_000);
    const renewed = await other(one.account, 'stamps_com', 'usps_media_mail', LIVE);

    // Assess
    expect([shared, renewed]).toEqual(['USPS Media Mail', 'USPS Media Mail']);
    expect(one.catalog.reads).toHaveLength(2);
  });

  it('never reads ShipStation for a history event: a kept list, else the common names, else nothing', async () => {
    // Prepare
    const { names, catalog, account } = setup();

    // Act
    const common = await names(account, 'stamps_com', 'usps_priority_mail', HISTORY);
    const unknown = await names(account, 'stamps_com', 'acme_overnight', HISTORY);

    // Assess
    expect(common).toBe('USPS Priority Mail');
    expect(unknown).toBeUndefined();
    expect(catalog.reads).toEqual([]);
  });

  it('falls back to the common names when the list cannot be read, and waits before asking again', async () => {
    // Prepare
    const { names, catalog, account, log } = setup();
    catalog.failNext(new TransientError('ShipStation 503'));

    // Act
    const during = await names(account, 'ups', 'ups_ground', LIVE);
    const soonAfter = await names(account, 'ups', 'ups_ground', LIVE);

    // Assess
    expect([during, soonAfter]).toEqual(['UPS® Ground', 'UPS® Ground']);
    expect(catalog.reads).toHaveLength(1);
    expect(log.entries.some((e) => e.message === 'carrier services could not be read; common names used')).toBe(true);
  });

  it("does not read ShipStation while the account's key is refused", async () => {
    // Prepare
    const { names, catalog, account, credentials } = setup();
    await credentials.markInvalid('default', 'shipstation', account.shipStationFingerprint ?? '', '401');
    catalog.failNext(new ShipStationCredentialsError('default'));

    // Act
    const name = await names(account, 'stamps_com', 'usps_media_mail', LIVE);

    // Assess
    expect(name).toBe('USPS Media Mail');
    expect(catalog.reads).toEqual([]);
  });

  it('names nothing for a label without a service code', async () => {
    // Prepare
    const { names, account } = setup();

    // Act
    const name = await names(account, 'stamps_com', undefined, LIVE);

    // Assess
    expect(name).toBeUndefined();
  });
});
