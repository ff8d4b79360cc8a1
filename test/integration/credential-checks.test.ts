// The credentials checks over HTTP on a fake clock: HttpShipStationApi.checkCredentials reads GET /stores from the
// ShipStation simulator within the shared budget (401 at once, 5xx retried); HttpKlaviyoApi.checkCredentials sends the
// Klaviyo simulator a Create Event its official schema refuses, so a 400 proves the key and its scope and no event is
// ever created, while 401 and 403 come back as credential problems.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREDENTIALS_PROBE_BODY, HttpKlaviyoApi } from '../../lib/adapters/http-klaviyo-api.js';
import { HttpShipStationApi } from '../../lib/adapters/http-shipstation-api.js';
import type { AccountConfig } from '../../lib/config.js';
import { KlaviyoRejectedError, ShipStationCredentialsError, TransientError } from '../../lib/domain/errors.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { FakeClock, InMemoryRateBudget } from '../fakes/in-memory-ports.js';

const API_KEY = 'check-test-key';
const API_SECRET = 'check-test-secret';
const KLAVIYO_KEY = 'pk_check_test_key';
const REVISION = '2026-07-15';

let clock: FakeClock;
let startMs = Date.parse('2026-11-25T16:00:00.000Z');

const account = (shipStationBaseUrl: string, klaviyoBaseUrl: string): AccountConfig => ({
  id: 'default',
  shipStation: { apiKey: API_KEY, apiSecret: API_SECRET, keyExpiresOn: '2027-05-01', baseUrl: shipStationBaseUrl, fingerprint: 'ss-fp' },
  klaviyo: { privateKey: KLAVIYO_KEY, baseUrl: klaviyoBaseUrl, fingerprint: 'kl-fp' },
  webhookToken: 'check-test-webhook-token-0123456789',
  metricPrefix: '',
  importDays: 90,
  timeZone: 'America/Los_Angeles',
  defaultCountry: 'US',
});

beforeEach(() => {
  // A clock ten minutes on from the last test's, so every test starts in a fresh rate-limit window.
  startMs += 10 * 60_000;
  clock = new FakeClock(new Date(startMs));
});

describe('HttpShipStationApi.checkCredentials', () => {
  let simulator: ShipStationSimulator;
  let budget: InMemoryRateBudget;

  const adapter = (): HttpShipStationApi =>
    new HttpShipStationApi(new Map([['default', account(simulator.baseUrl, 'http://127.0.0.1:1')]]), clock, { timeoutMs: 2000, budget });

  beforeEach(async () => {
    simulator = await ShipStationSimulator.start({ apiKey: API_KEY, apiSecret: API_SECRET, now: () => clock.now() });
    budget = new InMemoryRateBudget();
  });

  afterEach(async () => {
    await simulator.close();
  });

  it('returns the stores the key sees, taking one request from the shared budget', async () => {
    // Prepare
    const api = adapter();

    // Act
    const checked = await api.checkCredentials('default');

    // Assess
    expect(checked).toEqual({ stores: simulator.listStores().map(({ storeId, storeName }) => ({ storeId, storeName })) });
    expect(checked.stores).toHaveLength(2);
    expect(simulator.requests.map((r) => [r.method, r.path, r.status])).toEqual([['GET', '/stores', 200]]);
    expect(budget.takes.map((t) => [t.keyFingerprint, t.grant.granted])).toEqual([['ss-fp', true]]);
  });

  it('throws ShipStationCredentialsError after exactly one request when the key has expired', async () => {
    // Prepare
    simulator.expireKey();
    const api = adapter();

    // Act
    const outcome = api.checkCredentials('default');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ShipStationCredentialsError);
    await expect(outcome).rejects.toMatchObject({ accountId: 'default' });
    expect(simulator.requests.map((r) => [r.path, r.status, r.authorized])).toEqual([['/stores', 401, false]]);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a 500 and returns the stores of the next answer', async () => {
    // Prepare
    simulator.failNext(1, 500);
    const api = adapter();

    // Act
    const checked = await api.checkCredentials('default');

    // Assess
    expect(checked.stores.map((s) => s.storeId)).toEqual([310001, 310002]);
    expect(simulator.requests.map((r) => [r.path, r.status])).toEqual([
      ['/stores', 500],
      ['/stores', 200],
    ]);
    expect(budget.takes).toHaveLength(2);
  });

  it('throws TransientError when every attempt answers 5xx', async () => {
    // Prepare
    simulator.failNext(4, 503);
    const api = adapter();

    // Act
    const outcome = api.checkCredentials('default');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransientError);
    expect(simulator.requests.map((r) => r.status)).toEqual([503, 503, 503, 503]);
  });
});

describe('HttpKlaviyoApi.checkCredentials', () => {
  let simulator: KlaviyoSimulator;

  const adapter = (baseUrl = simulator.baseUrl): HttpKlaviyoApi =>
    new HttpKlaviyoApi(new Map([['default', account('http://127.0.0.1:1', baseUrl)]]), clock, { revision: REVISION, timeoutMs: 5000 });

  beforeEach(async () => {
    simulator = await KlaviyoSimulator.start({ privateKeys: [KLAVIYO_KEY], now: () => clock.now() });
  });

  afterEach(async () => {
    await simulator.close();
  });

  it('resolves for a working key, and Klaviyo records no event', async () => {
    // Prepare
    const api = adapter();

    // Act
    await api.checkCredentials('default');

    // Assess
    expect(simulator.requests).toHaveLength(1);
    expect(simulator.requests[0]).toMatchObject({ method: 'POST', path: '/api/events', status: 400, revision: REVISION, body: CREDENTIALS_PROBE_BODY });
    expect(simulator.events).toEqual([]);
  });

  it('sends a body that the official Create Event schema refuses, so it can never create an event', async () => {
    // Prepare
    const api = adapter();

    // Act
    await api.checkCredentials('default');

    // Assess
    const sent = simulator.requests[0]?.body;
    expect(validateKlaviyoBody('create-event', sent)).toEqual(
      expect.arrayContaining(['/data/attributes/metric is required', '/data/attributes/profile is required']),
    );
    expect(simulator.events).toEqual([]);
  });

  it('throws KlaviyoRejectedError 401, a credential problem, for a revoked key', async () => {
    // Prepare
    simulator.revokeKey(KLAVIYO_KEY);
    const api = adapter();

    // Act
    const outcome = api.checkCredentials('default');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(KlaviyoRejectedError);
    await expect(outcome).rejects.toMatchObject({ status: 401, isCredentialProblem: true });
    expect(simulator.requests.map((r) => r.status)).toEqual([401]);
  });

  it('throws KlaviyoRejectedError 403, a credential problem, for a key without events:write', async () => {
    // Prepare
    simulator.restrictKey(KLAVIYO_KEY);
    const api = adapter();

    // Act
    const outcome = api.checkCredentials('default');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(KlaviyoRejectedError);
    await expect(outcome).rejects.toMatchObject({ status: 403, isCredentialProblem: true, reason: expect.stringContaining('events:write') });
    expect(simulator.requests.map((r) => r.status)).toEqual([403]);
  });

  it('retries a 503 and then resolves on the 400', async () => {
    // Prepare
    simulator.failNext(1, { status: 503 });
    const api = adapter();

    // Act
    await api.checkCredentials('default');

    // Assess
    expect(simulator.requests.map((r) => r.status)).toEqual([503, 400]);
    expect(simulator.events).toEqual([]);
  });

  it('throws TransientError when Klaviyo keeps answering 429', async () => {
    // Prepare
    simulator.failNext(4, { status: 429, retryAfterSeconds: 1 });
    const api = adapter();

    // Act
    const outcome = api.checkCredentials('default');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransientError);
    expect(simulator.requests.map((r) => r.status)).toEqual([429, 429, 429, 429]);
  });

  it('resolves when a host answers 202', async () => {
    // Prepare
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(202).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = adapter(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    // Act
    const outcome = api.checkCredentials('default');

    // Assess
    try {
      await expect(outcome).resolves.toBeUndefined();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
