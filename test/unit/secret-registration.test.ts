// The composition feeds the masking registry: every configured secret of every account (single-account variables or
// the accounts document, also after the document changes) is masked by value from the moment the wiring is built.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountSecrets, loadConfig } from '../../lib/config.js';
import { clearRegisteredSecrets, maskText } from '../../lib/observability.js';
import { buildWiring, wiring } from '../../lib/wiring.js';
import { validEnv } from '../helpers/factories.js';

/** Canary secrets of one account: distinctive, long enough to be masked by value. */
const canaries = (id: string): Record<'key' | 'secret' | 'v2' | 'klaviyo' | 'token', string> => ({
  key: `${id}-canary-ss-key-q7Zk2LmX9pRt`,
  secret: `${id}-canary-ss-secret-q7Zk2LmX9pRt`,
  v2: `${id}-canary-v2-key-q7Zk2LmX9pRt`,
  klaviyo: `pk_${id}canaryklaviyoq7Zk2LmX9pRt`,
  token: `${id}-canary-webhook-token-q7Zk2LmX9pRt`,
});

/** The accounts document of the given accounts, each with its canary secrets. */
const accountsDocument = (ids: string[]): string =>
  JSON.stringify({
    accounts: ids.map((id) => {
      const c = canaries(id);
      return {
        id,
        shipStation: { apiKey: c.key, apiSecret: c.secret, keyExpiresOn: '2027-05-01' },
        klaviyo: { privateKey: c.klaviyo },
        webhookToken: c.token,
        shipStationV2: { apiKey: c.v2 },
      };
    }),
  });

/** A line that mentions every value: what a careless log line or an upstream error text could hold. */
const leakyLine = (values: string[]): string => values.map((value) => `saw ${value};`).join(' ');

afterEach(() => clearRegisteredSecrets());

describe('accountSecrets', () => {
  it('lists every secret of every account, and the Basic credential made of the ShipStation key and secret', () => {
    // Prepare
    const config = loadConfig(
      {
        TABLE_NAME: 't',
        NOTIFICATIONS_QUEUE_URL: 'http://localhost/n',
        UPDATES_QUEUE_URL: 'http://localhost/u',
        HISTORY_QUEUE_URL: 'http://localhost/h',
        POLLS_QUEUE_URL: 'http://localhost/p',
        ACCOUNTS_FILE: 'accounts.json',
      },
      accountsDocument(['acme', 'globex']),
    );

    // Act
    const secrets = accountSecrets(config.accounts);

    // Assess
    const expected = ['acme', 'globex'].flatMap((id) => {
      const c = canaries(id);
      return [c.key, c.secret, Buffer.from(`${c.key}:${c.secret}`).toString('base64'), c.v2, c.klaviyo, c.token];
    });
    expect(secrets).toEqual(expected);
  });
});

describe('buildWiring', () => {
  it('registers the secrets of the single-account variables, so a log line or printed text cannot show them', () => {
    // Prepare
    const c = canaries('default');
    const env = validEnv({
      SHIPSTATION_API_KEY: c.key,
      SHIPSTATION_API_SECRET: c.secret,
      SHIPSTATION_V2_API_KEY: c.v2,
      KLAVIYO_PRIVATE_KEY: c.klaviyo,
      WEBHOOK_TOKEN: c.token,
    });
    const values = Object.values(c);
    expect(maskText(leakyLine(values))).toContain(c.key); // nothing registered yet

    // Act
    buildWiring(loadConfig(env));

    // Assess
    const masked = maskText(leakyLine([...values, Buffer.from(`${c.key}:${c.secret}`).toString('base64')]));
    for (const value of values) expect(masked).not.toContain(value);
    expect(masked).toBe('saw defa…; saw defa…; saw defa…; saw pk_d…; saw defa…; saw ZGVm…;');
  });
});

describe('wiring', () => {
  let dir: string;
  let added: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-registration-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const name of added) delete process.env[name];
  });

  it('registers every account of the accounts document, and again the accounts of a changed document', async () => {
    // Prepare
    const file = join(dir, 'accounts.json');
    writeFileSync(file, accountsDocument(['acme']));
    const accountVariables = new Set(['SHIPSTATION_API_KEY', 'SHIPSTATION_API_SECRET', 'SHIPSTATION_KEY_EXPIRES_ON', 'KLAVIYO_PRIVATE_KEY', 'WEBHOOK_TOKEN']);
    const service = Object.fromEntries(Object.entries(validEnv()).filter(([name]) => !accountVariables.has(name)));
    const variables = { ...service, ACCOUNTS_FILE: file, ACCOUNTS_CACHE_SECONDS: '0' };
    added = Object.keys(variables).filter((name) => process.env[name] === undefined);
    Object.assign(process.env, variables);

    // Act
    await wiring();
    const first = maskText(leakyLine([...Object.values(canaries('acme')), ...Object.values(canaries('globex'))]));
    writeFileSync(file, accountsDocument(['acme', 'globex']));
    const rewired = await wiring();
    const second = maskText(leakyLine([...Object.values(canaries('acme')), ...Object.values(canaries('globex'))]));

    // Assess
    expect(rewired.accounts.list().map((a) => a.id)).toEqual(['acme', 'globex']);
    for (const value of Object.values(canaries('acme'))) expect(first).not.toContain(value);
    for (const value of Object.values(canaries('globex'))) expect(first).toContain(value); // not configured yet
    for (const value of [...Object.values(canaries('acme')), ...Object.values(canaries('globex'))]) expect(second).not.toContain(value);
  });
});
