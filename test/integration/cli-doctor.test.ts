// `shipstation-klaviyo doctor` in-process against the local DynamoDB/SQS stand-ins, one ShipStation simulator per
// account and one shared Klaviyo simulator, configured by an accounts document (ACCOUNTS_FILE) like a deployed stage:
// a healthy account, an expired ShipStation key, missing webhooks, a revoked and a scope-less Klaviyo key, an account
// with both keys (tracking: the V2 key, the V2 webhooks, the signing key sets, tracking updates arriving), an account on
// API V2 only (never asked anything of V1), all accounts at once (secrets never printed), and a broken accounts
// document. Each account says which API its keys reach and what that means: V1-only accounts miss the tracking metrics
// and stay HEALTHY for it. The key sets are two simulators' JWKS (each an EC key beside an RSA key, as the live set
// reportedly is), the second one able to fail.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DynamoDbTrackingActivity } from '../../lib/adapters/dynamodb-tracking-activity.js';
import { main } from '../../lib/cli/main.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';

const ACCOUNTS = ['healthy', 'expired', 'nowebhook', 'badklaviyo', 'noscope', 'tracked', 'v2only'] as const;
type AccountId = (typeof ACCOUNTS)[number];

const BASE_URL = 'https://api.example.invalid';
const WEBHOOK_EVENTS = 'ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED, FULFILLMENT_REJECTED';
const V2_WEBHOOK_EVENTS = 'shipment_created_v2, label_created_v2, fulfillment_shipped_v2, fulfillment_rejected_v2';
/** `tracked` has both ShipStation keys, `v2only` a V2 key only; the others a V1 key pair only. */
const hasV2Key = (id: AccountId): boolean => id === 'tracked' || id === 'v2only';
const hasV1Key = (id: AccountId): boolean => id !== 'v2only';

/** Each account's own secrets: none of them may ever appear in what doctor prints. */
const secret = (id: AccountId, what: 'key' | 'secret' | 'klaviyo' | 'token' | 'v2key'): string => `${id}-${what}-0123456789abcdef`;

/** A `YYYY-MM-DD` date this many days from today (UTC), as keyExpiresOn is written. */
const dateInDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const FAR_EXPIRY_DAYS = 400;
const EXPIRY: Record<AccountId, string> = {
  healthy: dateInDays(FAR_EXPIRY_DAYS),
  expired: dateInDays(-3),
  nowebhook: dateInDays(FAR_EXPIRY_DAYS),
  badklaviyo: dateInDays(FAR_EXPIRY_DAYS),
  noscope: dateInDays(FAR_EXPIRY_DAYS),
  tracked: dateInDays(FAR_EXPIRY_DAYS),
  v2only: '(no V1 key)',
};

/** One finding line as doctor prints it: mark, check name in an 18-wide column, detail. */
const finding = (mark: '✔' | '!' | '✘', check: string, detail: string): string => `  ${mark} ${check.padEnd(18)} ${detail}`;
const fixLine = (fix: string): string => `      fix: ${fix}`;
/** A Klaviyo key with every scope flows install needs (the simulator's keys have them all unless restricted). */
const KLAVIYO_SCOPES = finding('✔', 'Klaviyo scopes', 'for flows install: metrics:read ✔, flows:read ✔, flows:write ✔, templates:write ✔');
/** What an account without a V2 key shows: the tracking metrics are not sent, and that is not a problem. */
const V1_ONLY = finding(
  '✔',
  'ShipStation APIs',
  'V1 only (no V2 key): Shipment In Transit, Shipment Out For Delivery, Delivery Attempted, Shipment Exception, Order Delivered and Shipment Stalled ' +
    'are not sent: they come from V2 tracking webhooks, which need a V2 API key (ShipStation > Settings > Account > API Settings, API version V2) ' +
    'stored as shipStationV2.apiKey',
);

const SHIPSTATION_ROTATION_FIX = (id: AccountId): string =>
  'generate a new API key and secret in ShipStation (Settings > Account > API Settings), store them with the new expiry date ' +
  `(docs/architecture.md: "Rotating keys"), run \`shipstation-klaviyo doctor --account ${id}\` again, then delete the old key in ShipStation`;
const KLAVIYO_KEY_FIX = (id: AccountId): string =>
  "create a private key in Klaviyo (Settings > API keys) with Events: Full access, store it as the account's klaviyo.privateKey " +
  `(or KLAVIYO_PRIVATE_KEY), run \`shipstation-klaviyo doctor --account ${id}\` again, then delete the old key in Klaviyo`;

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
const shipStation = {} as Record<AccountId, ShipStationSimulator>;
/** A second publisher of signing keys (TRACKING_JWKS_URLS names both), whose JWKS answers 503 while `keySetDown`. */
let publisher: ShipStationSimulator;
let keySetDown = false;
let dir: string;

/** Runs the CLI and returns its exit code with everything it wrote (stdout and stderr together). */
async function cli(...argv: string[]): Promise<{ code: number; output: string; lines: string[] }> {
  const written: string[] = [];
  const code = await main(argv, { write: (text) => written.push(text) });
  const output = written.join('');
  return { code, output, lines: output.split('\n') };
}

/** The lines of one account's block: from its verdict line to the blank line after it. */
function blockOf(lines: string[], id: AccountId): string[] {
  const start = lines.findIndex((line) => line.startsWith(`account ${id}: `));
  if (start === -1) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end);
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 30 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: ACCOUNTS.map((id) => secret(id, 'klaviyo')) });
  for (const id of ACCOUNTS) {
    shipStation[id] = await ShipStationSimulator.start({
      apiKey: secret(id, 'key'),
      apiSecret: secret(id, 'secret'),
      ...(hasV2Key(id) ? { v2ApiKey: secret(id, 'v2key') } : {}),
    });
  }
  publisher = await ShipStationSimulator.start({
    apiKey: 'publisher-key',
    apiSecret: 'publisher-secret',
    faults: () => (keySetDown ? { status: 503 } : undefined),
  });
  dir = mkdtempSync(join(tmpdir(), 'cli-doctor-test-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ACCOUNTS.map((id) => ({
        id,
        ...(hasV1Key(id)
          ? { shipStation: { apiKey: secret(id, 'key'), apiSecret: secret(id, 'secret'), keyExpiresOn: EXPIRY[id], baseUrl: shipStation[id].baseUrl } }
          : {}),
        klaviyo: { privateKey: secret(id, 'klaviyo'), baseUrl: klaviyo.baseUrl },
        webhookToken: secret(id, 'token'),
        ...(hasV2Key(id) ? { shipStationV2: { apiKey: secret(id, 'v2key'), baseUrl: shipStation[id].baseUrl } } : {}),
      })),
    }),
  );
  // Read by wiring() on its first call, which is the first cli() below: the CLI is configured like a deployed stage.
  Object.assign(process.env, aws.env, {
    ACCOUNTS_FILE: accountsFile,
    HTTP_TIMEOUT_MS: '5000',
    TRACKING_JWKS_URLS: `${shipStation.tracked.jwksUrl},${publisher.jwksUrl}`,
  });

  // The shops as the tests need them: webhooks and a completed poll wherever only one thing is to be wrong.
  for (const id of ['healthy', 'badklaviyo', 'noscope', 'tracked', 'v2only'] as const) {
    expect((await cli('register-webhooks', '--url', BASE_URL, '--account', id)).code).toBe(0);
  }
  for (const id of ['healthy', 'nowebhook', 'badklaviyo', 'noscope', 'tracked', 'v2only'] as const) {
    expect((await cli('poll', '--account', id)).code).toBe(0);
  }
  shipStation.expired.expireKey();
  klaviyo.revokeKey(secret('badklaviyo', 'klaviyo'));
  klaviyo.restrictKey(secret('noscope', 'klaviyo'));
});

afterAll(async () => {
  await Promise.all([...Object.values(shipStation).map((sim) => sim.close()), publisher.close(), klaviyo.close()]);
  delete process.env.TRACKING_JWKS_URLS;
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shipstation-klaviyo doctor', () => {
  it('reports a working account as HEALTHY with its stores, key expiry, webhooks and last poll, and exits 0', async () => {
    // Prepare
    const before = shipStation.healthy.requests.length;

    // Act
    const { code, lines } = await cli('doctor', '--account', 'healthy');

    // Assess
    expect(code).toBe(0);
    expect(blockOf(lines, 'healthy')).toEqual([
      'account healthy: HEALTHY',
      finding('✔', 'ShipStation key', 'works (2 stores: Demo Shopify Store, Manual Orders)'),
      finding('✔', 'key expiry', `expires on ${EXPIRY.healthy}, in ${FAR_EXPIRY_DAYS} days`),
      V1_ONLY,
      finding('✔', 'Klaviyo key', 'works (authenticates, has events:write)'),
      KLAVIYO_SCOPES,
      finding('✔', 'webhooks', `registered: ${WEBHOOK_EVENTS}`),
      expect.stringMatching(/^ {2}✔ last poll {10}completed \d+ min ago, everything through \d{4}-\d\d-\d\dT[\d:.]+Z enqueued$/),
      finding('✔', 'dead letters', 'none'),
    ]);
    expect(lines.filter((line) => line.startsWith('account '))).toEqual(['account healthy: HEALTHY']);
    expect(lines).toContain('verdict: 1 account(s): 1 healthy, 0 degraded, 0 broken');
    // It only reads: one GET /stores and one GET /webhooks, nothing subscribed or changed.
    expect(shipStation.healthy.requests.slice(before).map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/stores', 200],
      ['GET', '/webhooks', 200],
    ]);
  });

  it('reports the scopes flows install needs that the Klaviyo key lacks as DEGRADED with the fix, creating nothing', async () => {
    // Prepare
    const key = secret('healthy', 'klaviyo');
    klaviyo.restrictScopes(key, ['events:write', 'metrics:read']);
    const before = klaviyo.requests.length;

    // Act
    const { code, lines } = await cli('doctor', '--account', 'healthy');
    klaviyo.restrictScopes(key, ['events:write', 'metrics:read', 'flows:write', 'templates:write']);

    // Assess
    expect(code).toBe(0);
    expect(lines).toContain('account healthy: DEGRADED (works; needs attention)');
    expect(lines).toContain(
      finding(
        '!',
        'Klaviyo scopes',
        "for flows install: metrics:read ✔, flows:read ✘, flows:write ✘, templates:write ✘ (the service's events need none of them)",
      ),
    );
    expect(lines).toContain(
      fixLine(
        "add flows:read, flows:write, templates:write to the account's Klaviyo private key (Settings > API keys) before `shipstation-klaviyo flows install --account healthy`, or leave them out if you build your flows by hand",
      ),
    );
    // The write probes were refused by scope (403) or as invalid (400): nothing was created.
    const probes = klaviyo.requests.slice(before).filter((r) => r.path !== '/api/events');
    expect(probes.map((r) => [r.method, r.path.replace(/\/$/, ''), r.status])).toEqual([
      ['GET', '/api/metrics', 200],
      ['GET', '/api/flows', 403],
      ['POST', '/api/flows', 403],
      ['POST', '/api/templates', 403],
    ]);
    expect(klaviyo.flows()).toEqual([]);
    expect(klaviyo.templates()).toEqual([]);
  });

  it('reports an expired ShipStation key as BROKEN with the rotation fix after exactly one request, and exits 1', async () => {
    // Prepare
    const before = shipStation.expired.requests.length;

    // Act
    const { code, lines } = await cli('doctor', '--account', 'expired');

    // Assess
    expect(code).toBe(1);
    expect(blockOf(lines, 'expired')).toEqual([
      'account expired: BROKEN',
      finding('✘', 'ShipStation key', 'refused by ShipStation (401): the key has expired or was revoked'),
      fixLine(SHIPSTATION_ROTATION_FIX('expired')),
      finding('✘', 'key expiry', `the configured expiry date ${EXPIRY.expired} passed 3 day(s) ago`),
      fixLine('rotate the key (see the ShipStation key fix above)'),
      finding(
        '✘',
        'ShipStation APIs',
        'none: ShipStation refused the V1 key, the account has no other; nothing is read from ShipStation until a key works (the poll cursor waits)',
      ),
      fixLine(
        "if the account's ShipStation plan is below Gold/Accelerate (V1 is legacy: Standard and Premium have API V2 only), create a V2 API key instead " +
          "(Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey and remove the V1 key pair (shipStation); " +
          'otherwise rotate the V1 key (see the ShipStation key fix above)',
      ),
      finding('✔', 'Klaviyo key', 'works (authenticates, has events:write)'),
      KLAVIYO_SCOPES,
      finding('!', 'webhooks', 'not checked: ShipStation refused the key or could not be reached'),
      fixLine('fix the ShipStation key first'),
      finding('!', 'last poll', 'no poll has completed yet'),
      fixLine('polls wait for a working ShipStation key (see above); the first one after it imports the history'),
      finding('✔', 'dead letters', 'none'),
    ]);
    expect(lines).toContain('verdict: 1 account(s): 0 healthy, 0 degraded, 1 broken');
    // One refused GET /stores and nothing after it: no retries of a 401, no webhook listing with a refused key.
    expect(shipStation.expired.requests.slice(before).map((r) => [r.method, r.path, r.status, r.authorized])).toEqual([['GET', '/stores', 401, false]]);
  });

  it('reports missing webhooks as BROKEN, naming the four events and the register-webhooks fix, and exits 1', async () => {
    // Act
    const { code, lines } = await cli('doctor', '--account', 'nowebhook');

    // Assess
    expect(code).toBe(1);
    expect(blockOf(lines, 'nowebhook')).toEqual([
      'account nowebhook: BROKEN',
      finding('✔', 'ShipStation key', 'works (2 stores: Demo Shopify Store, Manual Orders)'),
      finding('✔', 'key expiry', `expires on ${EXPIRY.nowebhook}, in ${FAR_EXPIRY_DAYS} days`),
      V1_ONLY,
      finding('✔', 'Klaviyo key', 'works (authenticates, has events:write)'),
      KLAVIYO_SCOPES,
      finding('✘', 'webhooks', `not registered: ${WEBHOOK_EVENTS} (the poll still finds those changes, up to 30 min later)`),
      fixLine("run `shipstation-klaviyo register-webhooks --account nowebhook --url <the HTTP API's base URL>` (serverless info shows it)"),
      expect.stringMatching(/^ {2}✔ last poll {10}completed \d+ min ago/),
      finding('✔', 'dead letters', 'none'),
    ]);
    expect(lines).toContain('verdict: 1 account(s): 0 healthy, 0 degraded, 1 broken');
  });

  it.each([
    {
      id: 'badklaviyo',
      key: 'revoked (401)',
      status: 401,
      detail: 'refused by Klaviyo (401): the key is wrong or was deleted (not_authenticated: Missing or invalid private key.: /data/)',
    },
    {
      id: 'noscope',
      key: 'lacking events:write (403)',
      status: 403,
      detail:
        'refused by Klaviyo (403): the key lacks the events:write scope (permission_denied: This API key is missing required scopes: events:write.: /data/)',
    },
  ] as const)('reports a Klaviyo key $key as BROKEN with the fix to create an Events: Full access key, and exits 1', async ({ id, status, detail }) => {
    // Prepare
    const before = klaviyo.requests.length;

    // Act
    const { code, lines } = await cli('doctor', '--account', id);

    // Assess
    expect(code).toBe(1);
    expect(blockOf(lines, id)).toEqual([
      `account ${id}: BROKEN`,
      finding('✔', 'ShipStation key', 'works (2 stores: Demo Shopify Store, Manual Orders)'),
      finding('✔', 'key expiry', `expires on ${EXPIRY[id]}, in ${FAR_EXPIRY_DAYS} days`),
      V1_ONLY,
      finding('✘', 'Klaviyo key', detail),
      fixLine(KLAVIYO_KEY_FIX(id)),
      finding('✔', 'webhooks', `registered: ${WEBHOOK_EVENTS}`),
      expect.stringMatching(/^ {2}✔ last poll {10}completed \d+ min ago/),
      finding('✔', 'dead letters', 'none'),
    ]);
    // One probe, refused; a refused key is not retried.
    expect(klaviyo.requests.slice(before).map((r) => [r.method, r.path, r.status])).toEqual([['POST', '/api/events', status]]);
  });

  it('holds the webhooks to the deployment --url names: subscriptions to another host are reported as stale', async () => {
    // Act
    const same = await cli('doctor', '--account', 'healthy', '--url', BASE_URL);
    const other = await cli('doctor', '--account', 'healthy', '--url', 'https://new-api.example.invalid');

    // Assess
    expect(same.code).toBe(0);
    expect(same.lines).toContain(finding('✔', 'webhooks', `registered: ${WEBHOOK_EVENTS}`));
    expect(other.code).toBe(1);
    expect(blockOf(other.lines, 'healthy')).toEqual(
      expect.arrayContaining([
        'account healthy: BROKEN',
        finding(
          '✘',
          'webhooks',
          `not registered: ${WEBHOOK_EVENTS} (the poll still finds those changes, up to 30 min later); ` +
            '4 subscription(s) point at this account with another token or host (an old deployment or token: delete them in ShipStation)',
        ),
        fixLine("run `shipstation-klaviyo register-webhooks --account healthy --url <the HTTP API's base URL>` (serverless info shows it)"),
      ]),
    );
  });

  describe('an account with both keys (tracking)', () => {
    const TRACKING_FIX =
      "the tracking webhook is registered: check that the account's ShipStation plan allows V2 tracking webhooks " +
      '(updates arrive only for labels shipped after the webhook was registered), and the receive-tracking logs for refused webhooks';
    /** The V1 key's lines, first in every state of `tracked`. */
    const v1Key = (): unknown[] => [
      finding('✔', 'ShipStation key', 'works (2 stores: Demo Shopify Store, Manual Orders)'),
      finding('✔', 'key expiry', `expires on ${EXPIRY.tracked}, in ${FAR_EXPIRY_DAYS} days`),
    ];
    /** The Klaviyo key and the V1 webhooks, after what the keys reach. */
    const klaviyoAndV1Webhooks = (): unknown[] => [
      finding('✔', 'Klaviyo key', 'works (authenticates, has events:write)'),
      KLAVIYO_SCOPES,
      finding('✔', 'webhooks', `registered: ${WEBHOOK_EVENTS}`),
    ];
    /** The lines every state of `tracked` with a working V2 key shares before its tracking findings. */
    const before = (): unknown[] => [
      ...v1Key(),
      finding('✔', 'V2 key', 'works (5 V2 webhooks)'),
      finding('✔', 'ShipStation APIs', 'V1 and V2: the V1 key pair reaches V1, the V2 key V2; every metric can be sent'),
      ...klaviyoAndV1Webhooks(),
      finding('✔', 'V2 webhooks', `registered: ${V2_WEBHOOK_EVENTS}`),
    ];
    const after = (): unknown[] => [expect.stringMatching(/^ {2}✔ last poll {10}completed \d+ min ago/), finding('✔', 'dead letters', 'none')];
    /** Both key sets: the tracked shop's JWKS and the second publisher's, each an RSA key beside an EC key. */
    const keySets = (): string => `${shipStation.tracked.jwksUrl}: 1 RSA key, 1 other key (ignored); ${publisher.jwksUrl}: 1 RSA key, 1 other key (ignored)`;

    it('reports no tracking update yet as DEGRADED with the plan and webhook fix, and exits 0', async () => {
      // Prepare
      const requestsBefore = shipStation.tracked.requests.length;

      // Act
      const { code, lines } = await cli('doctor', '--account', 'tracked');

      // Assess
      expect(code).toBe(0);
      expect(blockOf(lines, 'tracked')).toEqual([
        'account tracked: DEGRADED (works; needs attention)',
        ...before(),
        finding('✔', 'tracking webhook', 'registered: track_event_v2'),
        finding('✔', 'signing keys', keySets()),
        finding('!', 'tracking events', 'no tracking update received yet'),
        fixLine(TRACKING_FIX),
        ...after(),
      ]);
      expect(lines).toContain('verdict: 1 account(s): 0 healthy, 1 degraded, 0 broken');
      // Reads only: the V2 webhook list, once, with the V2 key, and the public key set without it.
      expect(
        shipStation.tracked.requests
          .slice(requestsBefore)
          .filter((r) => r.api === 'v2')
          .map((r) => [r.method, r.path, r.status, r.authorized]),
      ).toEqual([
        ['GET', '/v2/environment/webhooks', 200, true],
        ['GET', '/v2/webhook-jwks.json', 200, true],
      ]);
      expect(shipStation.tracked.listV2Webhooks().map((w) => w.event)).toEqual([...V2_WEBHOOK_EVENTS.split(', '), 'track_event_v2']);
    });

    it('reports HEALTHY with the age of the last tracking update once updates arrive', async () => {
      // Prepare
      await new DynamoDbTrackingActivity(aws.dynamodb, aws.tableName).noteReceived('tracked', new Date(Date.now() - 5 * 3_600_000 - 60_000));

      // Act
      const { code, lines } = await cli('doctor', '--account', 'tracked');

      // Assess
      expect(code).toBe(0);
      expect(blockOf(lines, 'tracked')).toEqual([
        'account tracked: HEALTHY',
        ...before(),
        finding('✔', 'tracking webhook', 'registered: track_event_v2'),
        finding('✔', 'signing keys', keySets()),
        finding('✔', 'tracking events', 'last tracking update 5 hours ago'),
        ...after(),
      ]);
    });

    it('reports one key set failing while the other serves an RSA key as DEGRADED with the fix, and exits 0', async () => {
      // Prepare
      keySetDown = true;

      try {
        // Act
        const { code, lines } = await cli('doctor', '--account', 'tracked');

        // Assess
        expect(code).toBe(0);
        expect(blockOf(lines, 'tracked')).toEqual([
          'account tracked: DEGRADED (works; needs attention)',
          ...before(),
          finding('✔', 'tracking webhook', 'registered: track_event_v2'),
          finding(
            '!',
            'signing keys',
            `1 of 2 key sets usable: ${shipStation.tracked.jwksUrl}: 1 RSA key, 1 other key (ignored); ${publisher.jwksUrl}: answered 503`,
          ),
          fixLine(
            'tracking webhooks still verify with the keys of the usable key set(s); if one keeps failing, check the network path to its host, or leave it out of TRACKING_JWKS_URLS',
          ),
          finding('✔', 'tracking events', 'last tracking update 5 hours ago'),
          ...after(),
        ]);
      } finally {
        keySetDown = false;
      }
    });

    it('holds the tracking webhook to the deployment --url names', async () => {
      // Act
      const { code, lines } = await cli('doctor', '--account', 'tracked', '--url', 'https://new-api.example.invalid');

      // Assess
      expect(code).toBe(1);
      expect(blockOf(lines, 'tracked')).toEqual(
        expect.arrayContaining([
          finding(
            '✘',
            'tracking webhook',
            'not registered: track_event_v2 (no tracking events are sent without it); ' +
              '1 point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)',
          ),
          fixLine(
            "run `shipstation-klaviyo register-webhooks --account tracked --url <the HTTP API's base URL>` (it also registers the track_event_v2 webhook)",
          ),
        ]),
      );
    });

    it('reports a refused V2 key as BROKEN with the V2 key fix, and exits 1', async () => {
      // Prepare
      shipStation.tracked.expireV2Key();

      try {
        // Act
        const { code, lines } = await cli('doctor', '--account', 'tracked');

        // Assess
        expect(code).toBe(1);
        expect(blockOf(lines, 'tracked')).toEqual([
          'account tracked: BROKEN',
          ...v1Key(),
          finding('✘', 'V2 key', 'refused by ShipStation (401): the V2 API key has expired, was revoked or is wrong'),
          fixLine(
            "generate a V2 API key in ShipStation (Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey " +
              '(or SHIPSTATION_V2_API_KEY), run `shipstation-klaviyo doctor --account tracked` again, then delete the old key in ShipStation',
          ),
          finding(
            '✘',
            'ShipStation APIs',
            'V1 only for now: ShipStation refused the V2 key, the V1 key works (Shipment In Transit, Shipment Out For Delivery, Delivery Attempted, ' +
              'Shipment Exception, Order Delivered and Shipment Stalled are not sent meanwhile)',
          ),
          fixLine('replace the V2 key (see the V2 key fix above)'),
          ...klaviyoAndV1Webhooks(),
          finding('!', 'V2 webhooks', 'not checked (tracking included): ShipStation refused the V2 key'),
          fixLine('fix the V2 key first'),
          finding('✔', 'signing keys', keySets()),
          finding('✔', 'tracking events', 'last tracking update 5 hours ago'),
          ...after(),
        ]);
      } finally {
        shipStation.tracked.rotateV2Key(secret('tracked', 'v2key'));
      }
    });
  });

  describe('an account on API V2 only', () => {
    it('reports what the V2 key reaches, the metrics that need V1, the V2 webhooks and tracking, and never asks V1 anything', async () => {
      // Prepare
      await new DynamoDbTrackingActivity(aws.dynamodb, aws.tableName).noteReceived('v2only', new Date(Date.now() - 2 * 3_600_000 - 60_000));
      const requestsBefore = shipStation.v2only.requests.length;

      // Act
      const { code, lines } = await cli('doctor', '--account', 'v2only');

      // Assess
      expect(code).toBe(0);
      expect(blockOf(lines, 'v2only')).toEqual([
        'account v2only: HEALTHY',
        finding('✔', 'V2 key', 'works (5 V2 webhooks)'),
        finding(
          '✔',
          'ShipStation APIs',
          'V2 only (no V1 key pair): Order Awaiting Payment and Order Pending Fulfillment are not sent: V2 has no such states; they need a V1 key pair ' +
            '(shipStation.apiKey and apiSecret), which ShipStation gives only on Gold, Accelerate or higher plans',
        ),
        finding('✔', 'Klaviyo key', 'works (authenticates, has events:write)'),
        KLAVIYO_SCOPES,
        finding('✔', 'V2 webhooks', `registered: ${V2_WEBHOOK_EVENTS}`),
        finding('✔', 'tracking webhook', 'registered: track_event_v2'),
        finding(
          '✔',
          'signing keys',
          `${shipStation.tracked.jwksUrl}: 1 RSA key, 1 other key (ignored); ${publisher.jwksUrl}: 1 RSA key, 1 other key (ignored)`,
        ),
        finding('✔', 'tracking events', 'last tracking update 2 hours ago'),
        expect.stringMatching(/^ {2}✔ last poll {10}completed \d+ min ago/),
        finding('✔', 'dead letters', 'none'),
      ]);
      // One V2 read, and not a single V1 request, then or when its webhooks were registered and it was polled.
      expect(
        shipStation.v2only.requests
          .slice(requestsBefore)
          .filter((r) => r.api === 'v2')
          .map((r) => [r.method, r.path, r.status]),
      ).toEqual([['GET', '/v2/environment/webhooks', 200]]);
      expect(shipStation.v2only.requests.filter((r) => r.api === 'v1')).toEqual([]);
    });

    it('holds the V2 webhooks to the deployment --url names: missing pointer webhooks warn (the poll covers them), the tracking one fails', async () => {
      // Act
      const { code, lines } = await cli('doctor', '--account', 'v2only', '--url', 'https://new-api.example.invalid');

      // Assess
      expect(code).toBe(1);
      expect(blockOf(lines, 'v2only')).toEqual(
        expect.arrayContaining([
          finding(
            '!',
            'V2 webhooks',
            `not registered: ${V2_WEBHOOK_EVENTS} (the poll still finds those changes, up to 30 min later); ` +
              '4 point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)',
          ),
          fixLine(
            "run `shipstation-klaviyo register-webhooks --account v2only --url <the HTTP API's base URL>` (serverless info shows the URL); " +
              'an event it reports ShipStation refuses for this account can stay missing',
          ),
          finding(
            '✘',
            'tracking webhook',
            'not registered: track_event_v2 (no tracking events are sent without it); ' +
              '1 point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)',
          ),
        ]),
      );
    });
  });

  it('checks every account, then the queues, ends with the verdict line, exits 1 and never prints a secret', async () => {
    // Act
    const { code, output, lines } = await cli('doctor');

    // Assess
    expect(code).toBe(1);
    expect(lines.filter((line) => line.startsWith('account '))).toEqual([
      'account healthy: HEALTHY',
      'account expired: BROKEN',
      'account nowebhook: BROKEN',
      'account badklaviyo: BROKEN',
      'account noscope: BROKEN',
      'account tracked: HEALTHY',
      'account v2only: HEALTHY',
    ]);
    for (const id of ACCOUNTS) expect(blockOf(lines, id).length).toBeGreaterThan(5);
    const queues = lines.indexOf('queues (shared by all accounts)');
    expect(queues).toBeGreaterThan(lines.indexOf('account v2only: HEALTHY'));
    expect(lines.slice(queues + 1, queues + 5)).toEqual(
      ['notifications', 'updates', 'history', 'polls'].map((queue) =>
        expect.stringMatching(new RegExp(`^ {2}${queue} +0 waiting +0 in flight +0 delayed +DLQ 0$`)),
      ),
    );
    expect(output.endsWith('\nverdict: 7 account(s): 3 healthy, 0 degraded, 4 broken\n')).toBe(true);
    for (const id of ACCOUNTS) {
      for (const what of ['token', 'key', 'secret', 'klaviyo', 'v2key'] as const) expect(output).not.toContain(secret(id, what));
    }
  });
});

describe('shipstation-klaviyo doctor with a broken configuration', () => {
  // wiring() keeps its configuration in its module and, once one document has loaded, serves that last good one when
  // the document changes to an invalid or unreadable one (right for a warm Lambda; in this file the runs above would
  // hide the problem: `doctor` still says HEALTHY). So each case imports the CLI afresh in an isolated module registry
  // (jest.isolateModulesAsync isolates the ESM registry too), where wiring() meets the broken document at its first
  // call, exactly as a freshly started `shipstation-klaviyo doctor` process does; no child process is needed.
  async function doctorWith(accountsFile: string): Promise<{ code: number; output: string }> {
    const previous = process.env.ACCOUNTS_FILE;
    process.env.ACCOUNTS_FILE = accountsFile;
    try {
      let result: { code: number; output: string } | undefined;
      await jest.isolateModulesAsync(async () => {
        const isolated = await import('../../lib/cli/main.js');
        const written: string[] = [];
        const code = await isolated.main(['doctor'], { write: (text) => written.push(text) });
        result = { code, output: written.join('') };
      });
      if (result === undefined) throw new Error('the isolated CLI did not run');
      return result;
    } finally {
      process.env.ACCOUNTS_FILE = previous;
    }
  }

  it('prints "configuration: BROKEN" with the document path of a missing Klaviyo key, and exits 1', async () => {
    // Prepare
    const brokenFile = join(dir, 'accounts-without-klaviyo-key.json');
    writeFileSync(
      brokenFile,
      JSON.stringify({
        accounts: (['healthy', 'expired'] as const).map((id) => ({
          id,
          shipStation: { apiKey: secret(id, 'key'), apiSecret: secret(id, 'secret'), keyExpiresOn: EXPIRY[id], baseUrl: shipStation[id].baseUrl },
          klaviyo: id === 'expired' ? { baseUrl: klaviyo.baseUrl } : { privateKey: secret(id, 'klaviyo'), baseUrl: klaviyo.baseUrl },
          webhookToken: secret(id, 'token'),
        })),
      }),
    );

    // Act
    const { code, output } = await doctorWith(brokenFile);

    // Assess
    expect(code).toBe(1);
    expect(output).toBe(
      [
        'configuration: BROKEN',
        '  ✘ accounts[1].klaviyo.privateKey is required',
        '      fix: set what is named above (docs/configuration.md: "Configuration"); the CLI reads the same variables as the deployed functions',
        '',
      ].join('\n'),
    );
  });

  it('prints "configuration: BROKEN" naming an ACCOUNTS_FILE that does not exist, and exits 1', async () => {
    // Prepare
    const missingFile = join(dir, 'no-such-accounts.json');

    // Act
    const { code, output } = await doctorWith(missingFile);

    // Assess
    expect(code).toBe(1);
    expect(output.split('\n').slice(0, 2)).toEqual(['configuration: BROKEN', `  ✘ ACCOUNTS_FILE ${missingFile} does not exist`]);
  });
});
