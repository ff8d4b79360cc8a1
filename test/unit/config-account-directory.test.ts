// ConfigAccountDirectory over a configuration parsed by loadConfig: what a use case learns of an account (store filter,
// import days and key expiry included), the list of accounts, webhook tokens and target URLs.
import { BadInputError } from '../../lib/domain/errors.js';
import { ConfigAccountDirectory } from '../../lib/adapters/config-account-directory.js';
import { DEFAULT_SHIPSTATION_BASE_URL, fingerprint, loadConfig } from '../../lib/config.js';
import { validEnv } from '../helpers/factories.js';

/** The service settings alone: what the environment holds when accounts come from a document. */
const serviceEnv = (overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  TABLE_NAME: 'sync-table',
  NOTIFICATIONS_QUEUE_URL: 'http://localhost:9324/000000000000/notifications',
  UPDATES_QUEUE_URL: 'http://localhost:9324/000000000000/updates',
  HISTORY_QUEUE_URL: 'http://localhost:9324/000000000000/history',
  POLLS_QUEUE_URL: 'http://localhost:9324/000000000000/polls',
  ...overrides,
});

/** One account of an accounts document; `n` varies its id, credentials and token. */
const documentAccount = (n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: `store-${n}`,
  shipStation: { apiKey: `ss-key-${n}-secret-value`, apiSecret: `ss-secret-${n}-secret-value`, keyExpiresOn: `2027-0${n}-15` },
  klaviyo: { privateKey: `pk_klaviyo_${n}_secret_value` },
  webhookToken: `webhook-token-${n}-of-enough-length`,
  ...overrides,
});

const directoryOf = (env: Record<string, string | undefined>, document?: unknown): ConfigAccountDirectory =>
  new ConfigAccountDirectory(loadConfig(env, document === undefined ? undefined : JSON.stringify(document)).accounts);

describe('ConfigAccountDirectory', () => {
  describe('find', () => {
    it("passes the store filter, the import days and the key's expiry date of the single-account environment", () => {
      // Prepare
      const directory = directoryOf(validEnv({ STORE_IDS: '9001, 9002', IMPORT_DAYS: '30', SHIPSTATION_KEY_EXPIRES_ON: '2027-01-31', METRIC_PREFIX: 'SS ' }));

      // Act
      const account = directory.find('default');

      // Assess
      expect(account).toEqual({
        id: 'default',
        shipStationBaseUrl: DEFAULT_SHIPSTATION_BASE_URL,
        shipStationV2BaseUrl: 'https://api.shipstation.com',
        shipStationFingerprint: fingerprint('ss-key-0123456789', 'ss-secret-0123456789'),
        klaviyoFingerprint: fingerprint('pk_FAKE_not_a_real_key'),
        shipStationKeyExpiresOn: '2027-01-31',
        metricPrefix: 'SS ',
        storeIds: [9001, 9002],
        importDays: 30,
        timeZone: 'America/Los_Angeles',
        defaultCountry: 'US',
      });
    });

    it('leaves the store filter out and imports the default days when the environment sets neither', () => {
      // Prepare
      const directory = directoryOf(validEnv());

      // Act
      const account = directory.find('default');

      // Assess
      expect(account).not.toHaveProperty('storeIds');
      expect(account).toMatchObject({ importDays: 90, shipStationKeyExpiresOn: '2027-07-01' });
    });

    it("passes each document account's own store filter, import days and key expiry, with IMPORT_DAYS for the others", () => {
      // Prepare
      const directory = directoryOf(serviceEnv({ IMPORT_DAYS: '60' }), {
        accounts: [documentAccount(1, { storeIds: [12345], importDays: 7 }), documentAccount(2)],
      });

      // Act
      const first = directory.find('store-1');
      const second = directory.find('store-2');

      // Assess
      expect(first).toMatchObject({ id: 'store-1', storeIds: [12345], importDays: 7, shipStationKeyExpiresOn: '2027-01-15' });
      expect(second).toMatchObject({ id: 'store-2', importDays: 60, shipStationKeyExpiresOn: '2027-02-15' });
      expect(second).not.toHaveProperty('storeIds');
      expect(first?.shipStationFingerprint).not.toBe(second?.shipStationFingerprint);
    });

    it('finds no unknown account', () => {
      // Prepare
      const directory = directoryOf(validEnv());

      // Act
      const account = directory.find('nobody');

      // Assess
      expect(account).toBeUndefined();
    });
  });

  describe('list', () => {
    it("lists every account as find gives it, in the document's order", () => {
      // Prepare
      const directory = directoryOf(serviceEnv(), { accounts: [documentAccount(2), documentAccount(1, { storeIds: [7] })] });

      // Act
      const accounts = directory.list();

      // Assess
      expect(accounts.map((a) => a.id)).toEqual(['store-2', 'store-1']);
      expect(accounts).toEqual([directory.find('store-2'), directory.find('store-1')]);
    });
  });

  describe('webhook tokens', () => {
    it("accepts only the account's own token", () => {
      // Prepare
      const directory = directoryOf(serviceEnv(), { accounts: [documentAccount(1), documentAccount(2)] });

      // Act
      const verdicts = [
        directory.verifyWebhookToken('store-1', 'webhook-token-1-of-enough-length'),
        directory.verifyWebhookToken('store-1', 'webhook-token-2-of-enough-length'),
        directory.verifyWebhookToken('store-1', ''),
        directory.verifyWebhookToken('nobody', 'webhook-token-1-of-enough-length'),
      ];

      // Assess
      expect(verdicts).toEqual([true, false, false, false]);
    });

    it("builds the webhook target URL with the account's token, and refuses an unknown account", () => {
      // Prepare
      const directory = directoryOf(serviceEnv(), { accounts: [documentAccount(1)] });

      // Act
      const url = directory.webhookTargetUrl('store-1', 'https://api.example.test/');
      const unknown = (): string => directory.webhookTargetUrl('nobody', 'https://api.example.test');

      // Assess
      expect(url).toBe('https://api.example.test/webhooks/shipstation/store-1?token=webhook-token-1-of-enough-length');
      expect(unknown).toThrow(BadInputError);
    });
  });
});
