import { ConfigurationError, DEFAULT_KLAVIYO_BASE_URL, DEFAULT_KLAVIYO_REVISION, DEFAULT_SHIPSTATION_BASE_URL, fingerprint, loadConfig } from '../../lib/config.js';
import { validEnv } from '../helpers/factories.js';

/** Runs loadConfig and returns the ConfigurationError it throws. */
function configurationErrorOf(env: Record<string, string | undefined>): ConfigurationError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('reads a full environment into one account named default, with credential fingerprints', () => {
    // Prepare
    const env = validEnv({ METRIC_PREFIX: 'SS ', BACKFILL_AFTER_HOURS: '48', HTTP_TIMEOUT_MS: '5000' });

    // Act
    const config = loadConfig(env);

    // Assess
    expect([...config.accounts.keys()]).toEqual(['default']);
    expect(config.accounts.get('default')).toEqual({
      id: 'default',
      shipStation: {
        apiKey: 'ss-key-0123456789',
        apiSecret: 'ss-secret-0123456789',
        keyExpiresOn: '2027-07-01',
        baseUrl: DEFAULT_SHIPSTATION_BASE_URL,
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
      klaviyo: { privateKey: 'pk_0123456789abcdef', baseUrl: DEFAULT_KLAVIYO_BASE_URL, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
      webhookToken: 'a-webhook-token-of-32-characters',
      metricPrefix: 'SS ',
    });
    expect(config).toMatchObject({
      tableName: 'sync-table',
      notificationsQueueUrl: 'http://localhost:9324/000000000000/notifications',
      updatesQueueUrl: 'http://localhost:9324/000000000000/updates',
      backfillAfterHours: 48,
      httpTimeoutMs: 5000,
    });
  });

  it('fills in the defaults for base URLs, revision, prefix, backfill age and timeout', () => {
    // Prepare
    const env = validEnv();

    // Act
    const config = loadConfig(env);

    // Assess
    const account = config.accounts.get('default');
    expect(account?.shipStation.baseUrl).toBe('https://ssapi.shipstation.com');
    expect(account?.klaviyo.baseUrl).toBe('https://a.klaviyo.com');
    expect(account?.metricPrefix).toBe('');
    expect(config.klaviyoRevision).toBe(DEFAULT_KLAVIYO_REVISION);
    expect(config.backfillAfterHours).toBe(24);
    expect(config.httpTimeoutMs).toBe(10_000);
  });

  it('names the account after ACCOUNT_ID', () => {
    // Prepare
    const env = validEnv({ ACCOUNT_ID: 'acme-store' });

    // Act
    const config = loadConfig(env);

    // Assess
    expect([...config.accounts.keys()]).toEqual(['acme-store']);
    expect(config.accounts.get('acme-store')?.id).toBe('acme-store');
  });

  it('names every missing key in one ConfigurationError', () => {
    // Prepare
    const env = validEnv({ SHIPSTATION_API_KEY: undefined, KLAVIYO_PRIVATE_KEY: '   ' });

    // Act
    const error = configurationErrorOf(env);

    // Assess
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('SHIPSTATION_API_KEY');
    expect(error.message).toContain('KLAVIYO_PRIVATE_KEY');
    expect(error.problems).toEqual(expect.arrayContaining(['SHIPSTATION_API_KEY is required', 'KLAVIYO_PRIVATE_KEY is required']));
  });

  it('does not put secret values in the error message', () => {
    // Prepare
    const env = validEnv({ WEBHOOK_TOKEN: 'short-secret' });

    // Act
    const error = configurationErrorOf(env);

    // Assess
    expect(error.message).not.toContain('short-secret');
    expect(error.message).not.toContain('ss-key-0123456789');
  });

  it.each([
    ['a key expiry that is not a date', { SHIPSTATION_KEY_EXPIRES_ON: 'next year' }, 'SHIPSTATION_KEY_EXPIRES_ON'],
    ['an impossible key expiry date', { SHIPSTATION_KEY_EXPIRES_ON: '2027-02-30' }, 'SHIPSTATION_KEY_EXPIRES_ON'],
    ['a Klaviyo revision before backfill existed', { KLAVIYO_REVISION: '2026-04-14' }, 'KLAVIYO_REVISION'],
    ['a Klaviyo revision that is not a date', { KLAVIYO_REVISION: 'latest' }, 'KLAVIYO_REVISION'],
    ['a webhook token shorter than 16 characters', { WEBHOOK_TOKEN: '0123456789abcde' }, 'WEBHOOK_TOKEN'],
    ['an upper-case account id', { ACCOUNT_ID: 'Acme' }, 'ACCOUNT_ID'],
    ['a backfill age that is not a number', { BACKFILL_AFTER_HOURS: 'a day' }, 'BACKFILL_AFTER_HOURS'],
    ['a missing table name', { TABLE_NAME: undefined }, 'TABLE_NAME'],
  ])('refuses %s', (_case, overrides, variable) => {
    // Prepare
    const env = validEnv(overrides);

    // Act
    const error = configurationErrorOf(env);

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(variable);
  });

  it.each([
    ['the first revision with backfill', '2026-04-15'],
    ['a later revision with a suffix', '2026-07-15.pre'],
  ])('accepts %s', (_case, revision) => {
    // Prepare
    const env = validEnv({ KLAVIYO_REVISION: revision });

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config.klaviyoRevision).toBe(revision);
  });

  describe('base URL overrides', () => {
    it.each([
      ['a loopback simulator', 'http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
      ['localhost with a trailing slash', 'http://localhost:4010/', 'http://localhost:4010'],
      ['a numbered ShipStation API host', 'https://ssapi2.shipstation.com', 'https://ssapi2.shipstation.com'],
    ])('accepts %s for ShipStation', (_case, url, expected) => {
      // Prepare
      const env = validEnv({ SHIPSTATION_BASE_URL: url });

      // Act
      const config = loadConfig(env);

      // Assess
      expect(config.accounts.get('default')?.shipStation.baseUrl).toBe(expected);
    });

    it.each([
      ['another host', 'https://evil.test'],
      ['plain http to the real host', 'http://ssapi.shipstation.com'],
      ['another port on the real host', 'https://ssapi.shipstation.com:8443'],
      ['credentials in the URL', 'https://user:pw@ssapi.shipstation.com'],
      ['a look-alike host', 'https://ssapi.shipstation.com.evil.test'],
      ['text that is not a URL', 'ssapi.shipstation.com'],
    ])('refuses %s for ShipStation', (_case, url) => {
      // Prepare
      const env = validEnv({ SHIPSTATION_BASE_URL: url });

      // Act
      const error = configurationErrorOf(env);

      // Assess
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^SHIPSTATION_BASE_URL must be https:\/\/ssapi.* or a loopback address$/);
    });

    it('accepts a loopback Klaviyo simulator and refuses another Klaviyo host', () => {
      // Prepare
      const local = validEnv({ KLAVIYO_BASE_URL: 'http://127.0.0.1:4020' });
      const elsewhere = validEnv({ KLAVIYO_BASE_URL: 'https://b.klaviyo.com' });

      // Act
      const config = loadConfig(local);
      const error = configurationErrorOf(elsewhere);

      // Assess
      expect(config.accounts.get('default')?.klaviyo.baseUrl).toBe('http://127.0.0.1:4020');
      expect(error.problems[0]).toContain('KLAVIYO_BASE_URL');
    });
  });

  describe('fingerprints', () => {
    it('change when a key changes and stay the same otherwise', () => {
      // Prepare
      const before = loadConfig(validEnv()).accounts.get('default');

      // Act
      const same = loadConfig(validEnv()).accounts.get('default');
      const rotated = loadConfig(validEnv({ SHIPSTATION_API_KEY: 'ss-key-rotated', KLAVIYO_PRIVATE_KEY: 'pk_rotated' })).accounts.get('default');

      // Assess
      expect(same?.shipStation.fingerprint).toBe(before?.shipStation.fingerprint);
      expect(same?.klaviyo.fingerprint).toBe(before?.klaviyo.fingerprint);
      expect(rotated?.shipStation.fingerprint).not.toBe(before?.shipStation.fingerprint);
      expect(rotated?.klaviyo.fingerprint).not.toBe(before?.klaviyo.fingerprint);
    });

    it('change when only the secret changes', () => {
      // Prepare
      const before = loadConfig(validEnv()).accounts.get('default');

      // Act
      const after = loadConfig(validEnv({ SHIPSTATION_API_SECRET: 'ss-secret-rotated' })).accounts.get('default');

      // Assess
      expect(after?.shipStation.fingerprint).not.toBe(before?.shipStation.fingerprint);
    });

    it('do not contain the secret and tell key and secret apart from their concatenation', () => {
      // Prepare
      const key = 'ab';
      const secret = 'cd';

      // Act
      const split = fingerprint(key, secret);
      const joined = fingerprint(`${key}${secret}`);

      // Assess
      expect(split).not.toBe(joined);
      expect(fingerprint('ss-key-0123456789')).not.toContain('0123456789');
    });
  });
});
