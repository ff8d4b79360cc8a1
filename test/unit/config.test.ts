import { readFileSync } from 'node:fs';
import {
  accountsCacheSeconds,
  accountsSource,
  ConfigurationError,
  DEFAULT_KLAVIYO_BASE_URL,
  DEFAULT_KLAVIYO_REVISION,
  DEFAULT_SHIPSTATION_BASE_URL,
  fingerprint,
  loadConfig,
} from '../../lib/config.js';
import { validEnv } from '../helpers/factories.js';

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/** Returns the ConfigurationError that act throws. */
function configurationErrorFrom(act: () => unknown): ConfigurationError {
  try {
    act();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

/** Runs loadConfig and returns the ConfigurationError it throws. */
function configurationErrorOf(env: Env, accountsDocument?: string): ConfigurationError {
  return configurationErrorFrom(() => loadConfig(env, accountsDocument));
}

/** The service settings alone: what the environment holds when accounts come from a document. */
function serviceEnv(overrides: Env = {}): Env {
  return {
    TABLE_NAME: 'sync-table',
    NOTIFICATIONS_QUEUE_URL: 'http://localhost:9324/000000000000/notifications',
    UPDATES_QUEUE_URL: 'http://localhost:9324/000000000000/updates',
    HISTORY_QUEUE_URL: 'http://localhost:9324/000000000000/history',
    POLLS_QUEUE_URL: 'http://localhost:9324/000000000000/polls',
    ...overrides,
  };
}

/** One account of an accounts document, complete; `n` varies its id, credentials and token. */
function documentAccount(n = 1, overrides: Json = {}): Json {
  return {
    id: `store-${n}`,
    shipStation: { apiKey: `ss-key-${n}-secret-value`, apiSecret: `ss-secret-${n}-secret-value`, keyExpiresOn: '2027-03-31' },
    klaviyo: { privateKey: `pk_klaviyo_${n}_secret_value` },
    webhookToken: `webhook-token-${n}-of-enough-length`,
    ...overrides,
  };
}

/** The JSON text of an accounts document listing these accounts. */
const documentOf = (...accounts: unknown[]): string => JSON.stringify({ accounts });

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
      klaviyo: { privateKey: 'pk_FAKE_not_a_real_key', baseUrl: DEFAULT_KLAVIYO_BASE_URL, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
      webhookToken: 'a-webhook-token-of-32-characters',
      metricPrefix: 'SS ',
      importDays: 90,
      timeZone: 'America/Los_Angeles',
      defaultCountry: 'US',
    });
    expect(config).toMatchObject({
      tableName: 'sync-table',
      notificationsQueueUrl: 'http://localhost:9324/000000000000/notifications',
      updatesQueueUrl: 'http://localhost:9324/000000000000/updates',
      backfillAfterHours: 48,
      httpTimeoutMs: 5000,
      importDays: 90,
    });
  });

  it('fills in the defaults for base URLs, revision, prefix, backfill age and timeout', () => {
    // Prepare
    const env = validEnv();

    // Act
    const config = loadConfig(env);

    // Assess
    const account = config.accounts.get('default');
    expect(account?.shipStation?.baseUrl).toBe('https://ssapi.shipstation.com');
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
      expect(config.accounts.get('default')?.shipStation?.baseUrl).toBe(expected);
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
      expect(same?.shipStation?.fingerprint).toBe(before?.shipStation?.fingerprint);
      expect(same?.klaviyo.fingerprint).toBe(before?.klaviyo.fingerprint);
      expect(rotated?.shipStation?.fingerprint).not.toBe(before?.shipStation?.fingerprint);
      expect(rotated?.klaviyo.fingerprint).not.toBe(before?.klaviyo.fingerprint);
    });

    it('change when only the secret changes', () => {
      // Prepare
      const before = loadConfig(validEnv()).accounts.get('default');

      // Act
      const after = loadConfig(validEnv({ SHIPSTATION_API_SECRET: 'ss-secret-rotated' })).accounts.get('default');

      // Assess
      expect(after?.shipStation?.fingerprint).not.toBe(before?.shipStation?.fingerprint);
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

describe('loadConfig with the single-account variables', () => {
  it.each([
    ['one store', '12345', [12345]],
    ['several stores with spaces', '12345, 67890 ,42', [12345, 67890, 42]],
  ])('reads STORE_IDS with %s into the store filter', (_case, storeIds, expected) => {
    // Prepare
    const env = validEnv({ STORE_IDS: storeIds });

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config.accounts.get('default')?.storeIds).toEqual(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('has no store filter when STORE_IDS is %s', (_case, storeIds) => {
    // Prepare
    const env = validEnv({ STORE_IDS: storeIds });

    // Act
    const account = loadConfig(env).accounts.get('default');

    // Assess
    expect(account).not.toHaveProperty('storeIds');
  });

  it.each([
    ['a name', 'main-store'],
    ['an empty entry', '12345,,67890'],
    ['a negative id', '-5'],
    ['a fraction', '1.5'],
  ])('refuses STORE_IDS with %s', (_case, storeIds) => {
    // Prepare
    const env = validEnv({ STORE_IDS: storeIds });

    // Act
    const error = configurationErrorOf(env);

    // Assess
    expect(error.problems).toEqual(['STORE_IDS must be a comma-separated list of ShipStation store ids']);
  });

  it('imports 90 days on the first poll unless IMPORT_DAYS says otherwise', () => {
    // Prepare
    const byDefault = validEnv();
    const overridden = validEnv({ IMPORT_DAYS: '30' });

    // Act
    const defaulted = loadConfig(byDefault);
    const configured = loadConfig(overridden);

    // Assess
    expect(defaulted.importDays).toBe(90);
    expect(defaulted.accounts.get('default')?.importDays).toBe(90);
    expect(configured.importDays).toBe(30);
    expect(configured.accounts.get('default')?.importDays).toBe(30);
  });

  it("reads the account's time zone and default country, and refuses ones that are not", () => {
    // Prepare
    const good = validEnv({ TIME_ZONE: 'Europe/London', DEFAULT_COUNTRY: 'gb' });
    const bad = validEnv({ TIME_ZONE: 'Pacific Time', DEFAULT_COUNTRY: 'United States' });

    // Act
    const account = loadConfig(good).accounts.get('default');
    const error = configurationErrorOf(bad);

    // Assess
    expect(account).toMatchObject({ timeZone: 'Europe/London', defaultCountry: 'GB' });
    expect(error.problems).toEqual(
      expect.arrayContaining(['TIME_ZONE must be an IANA time zone name, e.g. America/New_York', 'DEFAULT_COUNTRY must be a two-letter country code, e.g. US']),
    );
  });

  it.each([['0'], ['366'], ['7.5'], ['a week']])('refuses IMPORT_DAYS=%s', (importDays) => {
    // Prepare
    const env = validEnv({ IMPORT_DAYS: importDays });

    // Act
    const error = configurationErrorOf(env);

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('IMPORT_DAYS');
  });
});

describe('loadConfig with an accounts document', () => {
  it('reads two accounts with their own credentials, fingerprints, store filters, prefixes, time zones and default countries', () => {
    // Prepare
    const document = documentOf(
      documentAccount(1, { id: 'acme', storeIds: [12345], metricPrefix: 'SS ', importDays: 30 }),
      documentAccount(2, {
        id: 'globex',
        shipStation: { apiKey: 'ss-key-2-secret-value', apiSecret: 'ss-secret-2-secret-value', keyExpiresOn: '2027-09-30', baseUrl: 'http://127.0.0.1:4010/' },
        klaviyo: { privateKey: 'pk_klaviyo_2_secret_value', baseUrl: 'http://127.0.0.1:4020' },
        timeZone: 'America/New_York',
        defaultCountry: 'ca',
      }),
    );

    // Act
    const config = loadConfig(serviceEnv({ IMPORT_DAYS: '60', BACKFILL_AFTER_HOURS: '48' }), document);

    // Assess
    expect([...config.accounts.keys()]).toEqual(['acme', 'globex']);
    expect(config.accounts.get('acme')).toEqual({
      id: 'acme',
      shipStation: {
        apiKey: 'ss-key-1-secret-value',
        apiSecret: 'ss-secret-1-secret-value',
        keyExpiresOn: '2027-03-31',
        baseUrl: DEFAULT_SHIPSTATION_BASE_URL,
        fingerprint: fingerprint('ss-key-1-secret-value', 'ss-secret-1-secret-value'),
      },
      klaviyo: { privateKey: 'pk_klaviyo_1_secret_value', baseUrl: DEFAULT_KLAVIYO_BASE_URL, fingerprint: fingerprint('pk_klaviyo_1_secret_value') },
      webhookToken: 'webhook-token-1-of-enough-length',
      metricPrefix: 'SS ',
      storeIds: [12345],
      importDays: 30,
      timeZone: 'America/Los_Angeles',
      defaultCountry: 'US',
    });
    expect(config.accounts.get('globex')).toEqual({
      id: 'globex',
      shipStation: {
        apiKey: 'ss-key-2-secret-value',
        apiSecret: 'ss-secret-2-secret-value',
        keyExpiresOn: '2027-09-30',
        baseUrl: 'http://127.0.0.1:4010',
        fingerprint: fingerprint('ss-key-2-secret-value', 'ss-secret-2-secret-value'),
      },
      klaviyo: { privateKey: 'pk_klaviyo_2_secret_value', baseUrl: 'http://127.0.0.1:4020', fingerprint: fingerprint('pk_klaviyo_2_secret_value') },
      webhookToken: 'webhook-token-2-of-enough-length',
      metricPrefix: '',
      importDays: 60,
      timeZone: 'America/New_York',
      defaultCountry: 'CA',
    });
    expect(config).toMatchObject({ tableName: 'sync-table', backfillAfterHours: 48, importDays: 60, klaviyoRevision: DEFAULT_KLAVIYO_REVISION });
  });

  it('gives an account that does not set importDays the 90-day default', () => {
    // Prepare
    const document = documentOf(documentAccount(1));

    // Act
    const config = loadConfig(serviceEnv(), document);

    // Assess
    expect(config.accounts.get('store-1')?.importDays).toBe(90);
    expect(config.accounts.get('store-1')).not.toHaveProperty('storeIds');
  });

  it('reads the example document shipped in examples/', () => {
    // Prepare
    const document = readFileSync(new URL('../../examples/accounts.example.json', import.meta.url), 'utf8');

    // Act
    const config = loadConfig(serviceEnv(), document);

    // Assess
    expect([...config.accounts.keys()]).toEqual(['acme', 'globex']);
  });

  it.each([
    [
      'a missing ShipStation key',
      documentAccount(2, { shipStation: { apiSecret: 's', keyExpiresOn: '2027-03-31' } }),
      'accounts[1].shipStation.apiKey is required',
    ],
    ['a blank Klaviyo key', documentAccount(2, { klaviyo: { privateKey: '  ' } }), 'accounts[1].klaviyo.privateKey is required'],
    ['a missing klaviyo section', documentAccount(2, { klaviyo: undefined }), 'accounts[1].klaviyo is required'],
    [
      'an impossible key expiry',
      documentAccount(2, { shipStation: { apiKey: 'k', apiSecret: 's', keyExpiresOn: '2027-02-30' } }),
      'accounts[1].shipStation.keyExpiresOn must be a date (YYYY-MM-DD)',
    ],
    [
      'an upper-case id',
      documentAccount(2, { id: 'Globex' }),
      'accounts[1].id must be lowercase letters, digits and dashes (at most 63, not starting with a dash)',
    ],
    ['a short webhook token', documentAccount(2, { webhookToken: 'short' }), 'accounts[1].webhookToken must be at least 16 characters'],
    [
      'a ShipStation base URL elsewhere',
      documentAccount(2, { shipStation: { apiKey: 'k', apiSecret: 's', keyExpiresOn: '2027-03-31', baseUrl: 'https://evil.test' } }),
      'accounts[1].shipStation.baseUrl must be https://ssapi<digits>.shipstation.com or a loopback address',
    ],
    [
      'a Klaviyo base URL elsewhere',
      documentAccount(2, { klaviyo: { privateKey: 'pk', baseUrl: 'https://b.klaviyo.com' } }),
      'accounts[1].klaviyo.baseUrl must be https://a.klaviyo.com or a loopback address',
    ],
    ['a store id that is text', documentAccount(2, { storeIds: [12345, '67890'] }), 'accounts[1].storeIds[1] must be a ShipStation store id (a number)'],
    [
      'an empty store filter',
      documentAccount(2, { storeIds: [] }),
      'accounts[1].storeIds must list at least one store id (leave it out to include every store)',
    ],
    ['a metric prefix over 40 characters', documentAccount(2, { metricPrefix: 'x'.repeat(41) }), 'accounts[1].metricPrefix must be at most 40 characters'],
    ['importDays over a year', documentAccount(2, { importDays: 366 }), 'accounts[1].importDays must be a whole number of days from 1 to 365'],
    [
      'a time zone that does not exist',
      documentAccount(2, { timeZone: 'Pacific/Nowhere' }),
      'accounts[1].timeZone must be an IANA time zone name, e.g. America/New_York',
    ],
    [
      'a default country that is not a code',
      documentAccount(2, { defaultCountry: 'USA' }),
      'accounts[1].defaultCountry must be a two-letter country code, e.g. US',
    ],
    ['a misspelt account setting', documentAccount(2, { metricPrefx: 'SS ' }), 'accounts[1].metricPrefx is not a known setting'],
    [
      'a misspelt ShipStation setting',
      documentAccount(2, { shipStation: { apiKey: 'k', apiSecret: 's', keyExpiresOn: '2027-03-31', baseURL: 'https://ssapi.shipstation.com' } }),
      'accounts[1].shipStation.baseURL is not a known setting',
    ],
  ])('refuses %s, naming its path', (_case, second, problem) => {
    // Prepare
    const document = documentOf(documentAccount(1), second);

    // Act
    const error = configurationErrorOf(serviceEnv(), document);

    // Assess
    expect(error.problems).toEqual([problem]);
  });

  it.each([
    ['no accounts', JSON.stringify({ accounts: [] }), 'accounts must list at least one account'],
    ['no accounts list', JSON.stringify({}), 'accounts is required'],
    ['a list instead of an object', JSON.stringify([documentAccount(1)]), 'the accounts document must be a JSON object with an "accounts" list'],
  ])('refuses a document with %s', (_case, document, problem) => {
    // Act
    const error = configurationErrorOf(serviceEnv(), document);

    // Assess
    expect(error.problems).toEqual([problem]);
  });

  it('names every problem of every account in one ConfigurationError, with the service settings', () => {
    // Prepare
    const document = documentOf(documentAccount(1, { webhookToken: undefined }), documentAccount(2, { shipStation: { apiSecret: 's', keyExpiresOn: 'soon' } }));

    // Act
    const error = configurationErrorOf(serviceEnv({ TABLE_NAME: undefined }), document);

    // Assess
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'TABLE_NAME is required',
        'accounts[0].webhookToken is required',
        'accounts[1].shipStation.apiKey is required',
        'accounts[1].shipStation.keyExpiresOn must be a date (YYYY-MM-DD)',
      ]),
    );
    expect(error.problems).toHaveLength(4);
  });

  it('refuses two accounts with the same id', () => {
    // Prepare
    const document = documentOf(documentAccount(1, { id: 'acme' }), documentAccount(2), documentAccount(3, { id: 'acme' }));

    // Act
    const error = configurationErrorOf(serviceEnv(), document);

    // Assess
    expect(error.problems).toEqual(['accounts[2].id "acme" is also the id of accounts[0]']);
  });

  it('refuses two accounts with the same webhook token, without printing the token', () => {
    // Prepare
    const document = documentOf(documentAccount(1), documentAccount(2, { webhookToken: 'webhook-token-1-of-enough-length' }));

    // Act
    const error = configurationErrorOf(serviceEnv(), document);

    // Assess
    expect(error.problems).toEqual(['accounts[1].webhookToken is the same as accounts[0].webhookToken: each account needs its own token']);
    expect(error.message).not.toContain('webhook-token-1-of-enough-length');
  });

  it.each([
    ['a too-short webhook token', documentAccount(1, { webhookToken: 'short-secret' }), 'short-secret'],
    [
      'a ShipStation key beside a bad expiry',
      documentAccount(1, { shipStation: { apiKey: 'ss-key-very-secret', apiSecret: 's', keyExpiresOn: 'ss-key-very-secret' } }),
      'ss-key-very-secret',
    ],
    ['a Klaviyo key given as a number', documentAccount(1, { klaviyo: { privateKey: 987654321987 } }), '987654321987'],
    [
      'a secret put in the base URL',
      documentAccount(1, { klaviyo: { privateKey: 'pk', baseUrl: 'https://pk_secret_in_url@a.klaviyo.com' } }),
      'pk_secret_in_url',
    ],
  ])('does not put secret values in the message for %s', (_case, account, secret) => {
    // Prepare
    const document = documentOf(account);

    // Act
    const error = configurationErrorOf(serviceEnv(), document);

    // Assess
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ['an unquoted value', '{"accounts": [{"webhookToken": pk_unquoted_secret_value}]}'],
    ['a trailing comma', '{"accounts": [{"webhookToken": "pk_quoted_secret_value",}]}'],
  ])('says a document with %s is not valid JSON without quoting it', (_case, document) => {
    // Act
    const error = configurationErrorOf(serviceEnv(), document);

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^the accounts document is not valid JSON/);
    expect(error.message).not.toMatch(/secret_value/);
  });

  it.each([
    ['SHIPSTATION_API_KEY', { SHIPSTATION_API_KEY: 'ss-key' }],
    ['WEBHOOK_TOKEN and ACCOUNT_ID', { WEBHOOK_TOKEN: 'a-webhook-token-of-32-characters', ACCOUNT_ID: 'acme' }],
  ])('refuses a document beside %s as ambiguous', (names, overrides) => {
    // Prepare
    const document = documentOf(documentAccount(1));

    // Act
    const error = configurationErrorOf(serviceEnv(overrides), document);

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('accounts document');
    for (const name of names.split(' and ')) expect(error.problems[0]).toContain(name);
  });

  it.each([
    ['ACCOUNTS_FILE', 'accounts.json'],
    ['ACCOUNTS_SECRET_ID', 'arn:aws:secretsmanager:us-east-1:000000000000:secret:accounts-AbCdEf'],
    ['ACCOUNTS_PARAMETER_NAME', '/sync/accounts'],
  ])('asks for the document to be loaded first when %s is set and none is given', (variable, value) => {
    // Prepare
    const env = serviceEnv({ [variable]: value });

    // Act
    const error = configurationErrorOf(env);

    // Assess
    expect(error.problems).toEqual([`${variable} is set: the accounts document must be loaded first (readAccountsDocument) and passed to loadConfig`]);
  });

  it('reads the document when its source variable is set and it was loaded', () => {
    // Prepare
    const env = serviceEnv({ ACCOUNTS_SECRET_ID: 'sync/accounts' });

    // Act
    const config = loadConfig(env, documentOf(documentAccount(1)));

    // Assess
    expect([...config.accounts.keys()]).toEqual(['store-1']);
  });
});

describe('accountsSource', () => {
  it.each([
    ['nothing set', {}, { kind: 'env' }],
    ['an empty source variable', { ACCOUNTS_FILE: '' }, { kind: 'env' }],
    ['ACCOUNTS_FILE', { ACCOUNTS_FILE: './accounts.json' }, { kind: 'file', path: './accounts.json' }],
    [
      'ACCOUNTS_SECRET_ID',
      { ACCOUNTS_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:accounts-AbCdEf' },
      { kind: 'secrets-manager', id: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:accounts-AbCdEf' },
    ],
    ['ACCOUNTS_PARAMETER_NAME', { ACCOUNTS_PARAMETER_NAME: '/sync/accounts' }, { kind: 'ssm', name: '/sync/accounts' }],
  ])('reads %s', (_case, overrides, expected) => {
    // Act
    const source = accountsSource(serviceEnv(overrides));

    // Assess
    expect(source).toEqual(expected);
  });

  it('keeps the single-account variables on the environment path', () => {
    // Act
    const source = accountsSource(validEnv());

    // Assess
    expect(source).toEqual({ kind: 'env' });
  });

  it.each([
    [
      'ACCOUNTS_FILE and ACCOUNTS_SECRET_ID',
      { ACCOUNTS_FILE: 'accounts.json', ACCOUNTS_SECRET_ID: 'sync/accounts' },
      'ACCOUNTS_FILE and ACCOUNTS_SECRET_ID are both set',
    ],
    [
      'all three sources',
      { ACCOUNTS_FILE: 'a.json', ACCOUNTS_SECRET_ID: 's', ACCOUNTS_PARAMETER_NAME: '/p' },
      'ACCOUNTS_FILE, ACCOUNTS_SECRET_ID and ACCOUNTS_PARAMETER_NAME are all set',
    ],
  ])('refuses %s together', (_case, overrides, problem) => {
    // Act
    const error = configurationErrorFrom(() => accountsSource(serviceEnv(overrides)));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(problem);
  });

  it('refuses a document source beside the single-account variables, naming both', () => {
    // Prepare
    const env = validEnv({ ACCOUNTS_PARAMETER_NAME: '/sync/accounts' });

    // Act
    const error = configurationErrorFrom(() => accountsSource(env));

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('ACCOUNTS_PARAMETER_NAME');
    expect(error.problems[0]).toContain('SHIPSTATION_API_KEY');
    expect(error.problems[0]).toContain('not both');
    expect(error.message).not.toContain('ss-key-0123456789');
  });

  it('makes loadConfig refuse the same ambiguity', () => {
    // Prepare
    const env = validEnv({ ACCOUNTS_FILE: 'accounts.json' });

    // Act
    const error = configurationErrorOf(env, documentOf(documentAccount(1)));

    // Assess
    expect(error.problems[0]).toMatch(/^ACCOUNTS_FILE and .*SHIPSTATION_API_KEY.* are set/);
  });
});

describe('accountsCacheSeconds', () => {
  it.each([
    ['60 by default', {}, 60],
    ['ACCOUNTS_CACHE_SECONDS', { ACCOUNTS_CACHE_SECONDS: '300' }, 300],
    ['0 to read every time', { ACCOUNTS_CACHE_SECONDS: '0' }, 0],
  ])('is %s', (_case, env, expected) => {
    // Act
    const seconds = accountsCacheSeconds(env);

    // Assess
    expect(seconds).toBe(expected);
  });

  it.each([['-1'], ['1.5'], ['a minute']])('refuses ACCOUNTS_CACHE_SECONDS=%s', (value) => {
    // Act
    const error = configurationErrorFrom(() => accountsCacheSeconds({ ACCOUNTS_CACHE_SECONDS: value }));

    // Assess
    expect(error.problems).toEqual(['ACCOUNTS_CACHE_SECONDS must be a whole number of seconds from 0 to 86400']);
  });
});

describe('TRACKING_JWKS_URLS', () => {
  const SHIPENGINE_JWKS = 'https://api.shipengine.com/jwks';
  const SHIPSTATION_JWKS = 'https://api.shipstation.com/v1/webhook-jwks.json';

  it.each([
    ['unset', {}],
    ['empty (a deployment parameter left blank)', { TRACKING_JWKS_URLS: '' }],
  ])("trusts ShipEngine's /jwks and ShipStation's webhook-jwks.json, in that order, when %s", (_case, env) => {
    // Act
    const config = loadConfig(validEnv(env));

    // Assess
    expect(config.trackingJwksUrls).toEqual([SHIPENGINE_JWKS, SHIPSTATION_JWKS]);
  });

  it('reads a comma-separated list in its order, trimmed, a repeated URL once', () => {
    // Act
    const config = loadConfig(validEnv({ TRACKING_JWKS_URLS: ` https://api.eu.shipengine.com/jwks ,${SHIPENGINE_JWKS},, ${SHIPENGINE_JWKS} ` }));

    // Assess
    expect(config.trackingJwksUrls).toEqual(['https://api.eu.shipengine.com/jwks', SHIPENGINE_JWKS]);
  });

  it('accepts a loopback key set (tests, the local simulators)', () => {
    // Act
    const config = loadConfig(validEnv({ TRACKING_JWKS_URLS: 'http://127.0.0.1:4010/v2/webhook-jwks.json' }));

    // Assess
    expect(config.trackingJwksUrls).toEqual(['http://127.0.0.1:4010/v2/webhook-jwks.json']);
  });

  it.each([
    ["a host that is not ShipStation's or ShipEngine's", `${SHIPENGINE_JWKS},https://keys.example.com/jwks`],
    ['plain http to ShipEngine', 'http://api.shipengine.com/jwks'],
    ['a look-alike host', 'https://api.shipengine.com.example.com/jwks'],
    ['only commas', ' , '],
  ])('refuses %s: whoever serves the key set decides which signatures verify', (_case, value) => {
    // Act
    const error = configurationErrorOf(validEnv({ TRACKING_JWKS_URLS: value }));

    // Assess
    expect(error.problems).toEqual([
      expect.stringMatching(/^TRACKING_JWKS_URLS must be a comma-separated list of https:\/\/api\.shipstation\.com\/…, https:\/\/api\.shipengine\.com\/…/),
    ]);
  });

  it('still reads the TRACKING_JWKS_URL of earlier versions: alone, it replaces the default list', () => {
    // Act
    const config = loadConfig(validEnv({ TRACKING_JWKS_URL: SHIPSTATION_JWKS }));

    // Assess
    expect(config.trackingJwksUrls).toEqual([SHIPSTATION_JWKS]);
  });

  it('puts TRACKING_JWKS_URL first when both are set', () => {
    // Act
    const config = loadConfig(validEnv({ TRACKING_JWKS_URL: SHIPSTATION_JWKS, TRACKING_JWKS_URLS: `${SHIPENGINE_JWKS},${SHIPSTATION_JWKS}` }));

    // Assess
    expect(config.trackingJwksUrls).toEqual([SHIPSTATION_JWKS, SHIPENGINE_JWKS]);
  });

  it('refuses a TRACKING_JWKS_URL on another host', () => {
    // Act
    const error = configurationErrorOf(validEnv({ TRACKING_JWKS_URL: 'https://keys.example.com/jwks' }));

    // Assess
    expect(error.problems).toEqual([expect.stringMatching(/^TRACKING_JWKS_URL must be https:\/\/api\.shipstation\.com\/…/)]);
  });
});

describe('POLLS_SCHEDULED', () => {
  it.each([
    ['unset', {}, true],
    ['empty (a deployment parameter left blank)', { POLLS_SCHEDULED: '' }, true],
    ['true', { POLLS_SCHEDULED: 'true' }, true],
    ['false (a local stack without a schedule)', { POLLS_SCHEDULED: 'false' }, false],
  ])('reads whether polls are scheduled when %s', (_case, env, scheduled) => {
    // Act
    const config = loadConfig(validEnv(env));

    // Assess
    expect(config.pollsScheduled).toBe(scheduled);
  });

  it('refuses anything but true or false', () => {
    // Act
    const error = configurationErrorOf(validEnv({ POLLS_SCHEDULED: 'off' }));

    // Assess
    expect(error.problems).toEqual(['POLLS_SCHEDULED must be true or false']);
  });
});

describe('accounts by ShipStation API (V1, V2, or both)', () => {
  it('runs an account on API V2 only from the single-account variables: no V1 variable, a V2 key', () => {
    // Prepare
    const env = validEnv({
      SHIPSTATION_API_KEY: undefined,
      SHIPSTATION_API_SECRET: undefined,
      SHIPSTATION_KEY_EXPIRES_ON: undefined,
      SHIPSTATION_V2_API_KEY: 'v2-key-value',
    });

    // Act
    const account = loadConfig(env).accounts.get('default');

    // Assess: no V1 pair, the V2 key fingerprinted
    expect(account?.shipStation).toBeUndefined();
    expect(account?.shipStationV2?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses an account with no ShipStation key at all, naming both ways to give one', () => {
    // Act
    const error = configurationErrorOf(validEnv({ SHIPSTATION_API_KEY: undefined, SHIPSTATION_API_SECRET: undefined, SHIPSTATION_KEY_EXPIRES_ON: undefined }));

    // Assess
    expect(error.problems).toContain(
      'SHIPSTATION_API_KEY is required (with SHIPSTATION_API_SECRET and SHIPSTATION_KEY_EXPIRES_ON), or SHIPSTATION_V2_API_KEY for an account on API V2 only',
    );
  });

  it('refuses half a V1 key pair even with a V2 key', () => {
    // Act
    const error = configurationErrorOf(validEnv({ SHIPSTATION_API_SECRET: undefined, SHIPSTATION_V2_API_KEY: 'v2-key-value' }));

    // Assess
    expect(error.problems).toEqual(['SHIPSTATION_API_SECRET is required']);
  });

  it('reads V2-only and both-key accounts from the accounts document, and refuses one with neither', () => {
    // Prepare
    const v2Only = documentAccount(1, { shipStation: undefined, shipStationV2: { apiKey: 'v2-key-1-secret' } });
    const both = documentAccount(2, { shipStationV2: { apiKey: 'v2-key-2-secret' } });
    const neither = documentAccount(3, { shipStation: undefined });

    // Act
    const config = loadConfig(serviceEnv(), documentOf(v2Only, both));
    const error = configurationErrorOf(serviceEnv(), documentOf(v2Only, neither));

    // Assess
    expect(config.accounts.get('store-1')?.shipStation).toBeUndefined();
    expect(config.accounts.get('store-1')?.shipStationV2?.baseUrl).toBe('https://api.shipstation.com');
    expect(config.accounts.get('store-2')?.shipStation?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(config.accounts.get('store-2')?.shipStationV2?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(error.problems).toEqual(['accounts[1].shipStation needs a ShipStation key: shipStation (V1 key pair), shipStationV2 (V2 API key), or both']);
  });
});
