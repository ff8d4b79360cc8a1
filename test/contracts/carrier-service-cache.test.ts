// The CarrierServiceCache contract: one service list per account and carrier, given back with the time it was fetched
// (an empty list too: a carrier without services is still a cache hit), replaced by a later put; held by the in-memory
// fake and the DynamoDB adapter alike.
import { DynamoDbCarrierServiceCache } from '../../lib/adapters/dynamodb-carrier-service-cache.js';
import type { CarrierService, CarrierServiceCache } from '../../lib/ports.js';
import { InMemoryCarrierServiceCache } from '../fakes/in-memory-ports.js';
import { describeContract, inMemory, newAccount, onLocalDynamoDb } from './subjects.js';

const fetchedAt = new Date('2026-07-05T18:00:00.123Z');
const usps = (): CarrierService[] => [
  { code: 'usps_first_class_mail', name: 'USPS First Class Mail' },
  { code: 'usps_priority_mail', name: 'USPS Priority Mail®' },
];

function carrierServiceCacheContract(make: () => CarrierServiceCache): void {
  it('knows no list for a carrier never cached', async () => {
    // Prepare
    const cache = make();

    // Act
    const cached = await cache.get(newAccount(), 'stamps_com');

    // Assess
    expect(cached).toBeUndefined();
  });

  it('gives a list back as put with the time it was fetched, an empty one included', async () => {
    // Prepare
    const cache = make();
    const accountId = newAccount();

    // Act
    await cache.put(accountId, 'stamps_com', usps(), fetchedAt);
    await cache.put(accountId, 'custom_carrier', [], fetchedAt);

    // Assess
    expect(await cache.get(accountId, 'stamps_com')).toEqual({ services: usps(), fetchedAt: '2026-07-05T18:00:00.123Z' });
    expect(await cache.get(accountId, 'custom_carrier')).toEqual({ services: [], fetchedAt: '2026-07-05T18:00:00.123Z' });
  });

  it("replaces a carrier's list and its time with a later put", async () => {
    // Prepare
    const cache = make();
    const accountId = newAccount();
    await cache.put(accountId, 'stamps_com', usps(), fetchedAt);

    // Act
    await cache.put(accountId, 'stamps_com', [{ code: 'usps_ground_advantage', name: 'USPS Ground Advantage' }], new Date('2026-07-12T18:00:00.000Z'));

    // Assess
    expect(await cache.get(accountId, 'stamps_com')).toEqual({
      services: [{ code: 'usps_ground_advantage', name: 'USPS Ground Advantage' }],
      fetchedAt: '2026-07-12T18:00:00.000Z',
    });
  });

  it('keeps carriers and accounts apart', async () => {
    // Prepare
    const cache = make();
    const [accountId, other] = [newAccount(), newAccount()];

    // Act
    await cache.put(accountId, 'stamps_com', usps(), fetchedAt);

    // Assess
    expect(await cache.get(accountId, 'ups')).toBeUndefined();
    expect(await cache.get(other, 'stamps_com')).toBeUndefined();
  });

  it('hands out copies: changing a list put or read changes nothing cached', async () => {
    // Prepare
    const cache = make();
    const accountId = newAccount();
    const services = usps();
    await cache.put(accountId, 'stamps_com', services, fetchedAt);

    // Act
    services.pop();
    const read = await cache.get(accountId, 'stamps_com');
    read?.services.push({ code: 'x', name: 'X' });
    if (read?.services[0] !== undefined) read.services[0].name = 'changed';

    // Assess
    expect(await cache.get(accountId, 'stamps_com')).toEqual({ services: usps(), fetchedAt: '2026-07-05T18:00:00.123Z' });
  });
}

describeContract<CarrierServiceCache>(
  'CarrierServiceCache',
  [
    inMemory('InMemoryCarrierServiceCache', () => new InMemoryCarrierServiceCache()),
    onLocalDynamoDb('DynamoDbCarrierServiceCache', (aws) => new DynamoDbCarrierServiceCache(aws.dynamodb, aws.tableName)),
  ],
  carrierServiceCacheContract,
);
