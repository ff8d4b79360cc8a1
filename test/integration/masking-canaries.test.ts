// Canary secrets and edge-shaped customer contacts through the whole pipeline at DEBUG, with Powertools logging every
// invocation event (POWERTOOLS_LOGGER_LOG_EVENT): ShipStation webhooks over HTTP → receive-webhook → SQS →
// fetch-resource → SQS → publish-events → a Klaviyo refusal quoting the buyer as `Name <address>` → a dead-letter
// record → `replay records --dry-run`, plus a signed V2 tracking webhook → receive-tracking, then every CLI command.
// Two accounts from an accounts document, each with its own canary key, secret, V2 key, Klaviyo key and webhook token.
// Everything written to stdout and stderr (every log line) and everything the CLI printed is searched for each canary.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { jest } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { main as CliMain } from '../../lib/cli/main.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { serveHttpApi, TRACKING_ROUTE_PATH, WEBHOOK_ROUTE_PATH } from '../../lib/local/lambda-runtime.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { deadLetters, eventually, runUntilIdle } from '../helpers/handler-env.js';

// Set before the logger loads (every lib module is imported below, after this): the noisiest logging there is.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';

const ACCOUNTS = ['canary', 'second'] as const;
type AccountId = (typeof ACCOUNTS)[number];
type SecretName = 'key' | 'secret' | 'v2key' | 'klaviyo' | 'token';

/**
 * Each account's canary secrets: distinctive, with no digit run a phone mask would eat (so "not printed" means masked
 * as a secret). The canary account's token holds `+`, `/` and `=` (`openssl rand -base64`), URL-encoded in its URLs.
 */
const SECRETS: Record<AccountId, Record<SecretName, string>> = {
  canary: {
    key: 'canaryShipStationKeyQvXwPzRtLm',
    secret: 'canaryShipStationSecretHbNcJdKs',
    v2key: 'canaryV2KeyTeYuIoPaSdFgHjKl',
    klaviyo: 'pk_FAKE_canaryKlaviyoKeyZxCvBn',
    token: 'canary+Webhook/Token=QwErTyUiOp',
  },
  second: {
    key: 'secondShipStationKeyMnBvCxZaSd',
    secret: 'secondShipStationSecretLkJhGfDs',
    v2key: 'secondV2KeyPoIuYtReWqAsDfGh',
    klaviyo: 'pk_FAKE_secondKlaviyoKeyQaWsEd',
    token: 'second-webhook-token-RfTgYhUjIkOl',
  },
};

/** Every form a canary secret could leak in: raw, URL-encoded, and the ShipStation Basic credential. */
const CANARY_SECRETS: string[] = ACCOUNTS.flatMap((id) => {
  const s = SECRETS[id];
  return [...Object.values(s), encodeURIComponent(s.token), Buffer.from(`${s.key}:${s.secret}`).toString('base64')];
});

/** The buyer whose event Klaviyo refuses, quoted back in display-name form. */
const CANARY_EMAIL = 'ivy.canaryson@example.com';
const CANARY_NAME = 'Ivy Canaryson';
/** The second buyer's address has no dotted domain: undeliverable, so the event goes by phone. */
const NO_DOT_EMAIL = 'ivy@example';
const LOCALHOST_EMAIL = 'ivy@localhost';
const CANARY_PHONE = '415-555-0177';
/** Every way the canary phone could be written. */
const PHONE_FORMS = ['415-555-0177', '4155550177', '+14155550177', '(415) 555-0177', '415 555 0177', '555-0177'];
const REFUSAL = `Invalid email address: '${CANARY_NAME} <${CANARY_EMAIL}>' (the profile also has ${LOCALHOST_EMAIL}, ${NO_DOT_EMAIL} and +14155550177).`;
const MASKED_REFUSAL = "Invalid email address: 'I*** C*** <i***@e***.com>' (the profile also has i***@l***, i***@e*** and +*********77).";

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
const shops = {} as Record<AccountId, ShipStationSimulator>;
let http: { url: string; statuses: number[]; close(): Promise<void> };
let dir: string;
/** Klaviyo refuses the canary buyer's events while this is true. */
let refuse = true;
/** How far the shops' clocks run behind: their orders fall inside the windows the poll and the backfill read. */
let shopLagMs = 10 * 60_000;

/** Everything written to stdout and stderr while the file runs: every log line of every handler and of the CLI. */
const written: string[] = [];
let spies: { mockRestore: () => void }[] = [];
/** Everything the CLI printed, command by command. */
const printed: { argv: string[]; code: number; output: string }[] = [];

let main: typeof CliMain;
let fetchResource: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let publishEvents: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Runs the CLI and keeps what it printed (stdout and stderr together). */
async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
  const chunks: string[] = [];
  const code = await main(argv, { write: (text) => chunks.push(text) });
  const output = chunks.join('');
  printed.push({ argv, code, output });
  return { code, output };
}

/** Lets fetch-resource and publish-events work until both queues are idle. */
async function drain(): Promise<void> {
  await runUntilIdle(aws, [
    { queueUrl: aws.queues.notifications, functionName: 'fetch-resource', handler: fetchResource, batchSize: 5 },
    { queueUrl: aws.queues.updates, functionName: 'publish-events', handler: publishEvents, batchSize: 10 },
  ]);
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 2, maxReceiveCount: 3 });
  klaviyo = await KlaviyoSimulator.start({
    privateKeys: ACCOUNTS.map((id) => SECRETS[id].klaviyo),
    faults: ({ path, body }) =>
      refuse && path === '/api/events' && JSON.stringify(body).includes(CANARY_EMAIL) ? { status: 400, detail: REFUSAL } : undefined,
  });
  for (const id of ACCOUNTS) {
    shops[id] = await ShipStationSimulator.start({
      apiKey: SECRETS[id].key,
      apiSecret: SECRETS[id].secret,
      now: () => new Date(Date.now() - shopLagMs),
      ...(id === 'canary' ? { v2ApiKey: SECRETS[id].v2key } : {}),
    });
  }
  dir = mkdtempSync(join(tmpdir(), 'masking-canaries-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ACCOUNTS.map((id) => ({
        id,
        shipStation: { apiKey: SECRETS[id].key, apiSecret: SECRETS[id].secret, keyExpiresOn: '2027-11-01', baseUrl: shops[id].baseUrl },
        klaviyo: { privateKey: SECRETS[id].klaviyo, baseUrl: klaviyo.baseUrl },
        webhookToken: SECRETS[id].token,
        ...(id === 'canary' ? { shipStationV2: { apiKey: SECRETS[id].v2key, baseUrl: shops[id].baseUrl } } : {}),
      })),
    }),
  );
  Object.assign(process.env, aws.env, { ACCOUNTS_FILE: accountsFile, HTTP_TIMEOUT_MS: '5000', TRACKING_JWKS_URLS: shops.canary.jwksUrl });

  // From here on every write is kept (and kept off the terminal): cold starts log too.
  const capture = (chunk: unknown): boolean => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];

  ({ main } = await import('../../lib/cli/main.js'));
  const receiveWebhook = await import('../../functions/receive-webhook.js');
  const receiveTracking = await import('../../functions/receive-tracking.js');
  ({ handler: fetchResource } = await import('../../functions/fetch-resource.js'));
  ({ handler: publishEvents } = await import('../../functions/publish-events.js'));
  http = await serveHttpApi({
    routes: [
      {
        path: WEBHOOK_ROUTE_PATH,
        handler: receiveWebhook.handler as (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>,
        functionName: 'receive-webhook',
      },
      {
        path: TRACKING_ROUTE_PATH,
        handler: receiveTracking.handler as (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>,
        functionName: 'receive-tracking',
      },
    ],
  });
});

afterAll(async () => {
  spies.forEach((spy) => spy.mockRestore());
  await http?.close();
  await Promise.all([...Object.values(shops).map((shop) => shop.close()), klaviyo?.close()]);
  await aws?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const name of ['POWERTOOLS_LOGGER_LOG_EVENT', 'TRACKING_JWKS_URLS', 'ACCOUNTS_FILE']) delete process.env[name];
});

describe('masking canaries through the pipeline at DEBUG', () => {
  it('dead-letters the event Klaviyo refused with its text as Klaviyo wrote it, and sends the rest by phone', async () => {
    // Prepare: ShipStation sends its webhooks (and, the canary having both keys, every V2 webhook) to the local HTTP API, token in the URL
    expect((await cli('register-webhooks', '--url', http.url, '--account', 'canary')).code).toBe(0);

    // Act
    const refused = shops.canary.importOrder({ customerEmail: CANARY_EMAIL, billTo: { phone: CANARY_PHONE }, shipTo: { phone: CANARY_PHONE } });
    const byPhone = shops.canary.importOrder({ customerEmail: NO_DOT_EMAIL, billTo: { phone: CANARY_PHONE }, shipTo: { phone: CANARY_PHONE } });
    await shops.canary.flushWebhooks();
    await drain();
    shops.canary.createLabel(byPhone.orderId, { carrierCode: 'ups', serviceCode: 'ups_ground', trackingNumber: '1Z999AA10123456784' });
    await shops.canary.flushWebhooks();
    await drain();
    shopLagMs = 0; // a signed tracking webhook must be stamped within 5 minutes of now
    shops.canary.track('1Z999AA10123456784', { statusCode: 'IT', description: 'Departed facility', city: 'Oakland', state: 'CA' });
    await shops.canary.flushWebhooks();
    await drain();

    // Assess: the four V1 webhooks and the tracking webhook are taken. The V2 pointer webhooks of the two orders and the
    // label (SHIPMENT_CREATED_V2 ×2, LABEL_CREATED_V2) are signed with the lagging shop clock, so receive-tracking refuses
    // their timestamp (400); the V1 webhooks bring the same changes.
    expect([...http.statuses].sort()).toEqual([200, 200, 200, 200, 400, 400, 400]);
    const records = await deadLetters(aws, 'canary');
    expect(records).toHaveLength(1);
    expect(records[0]?.reason).toBe(`error: ${REFUSAL}: /data/`);
    expect(records[0]?.orderId).toBe(String(refused.orderId));
    await eventually(() => klaviyo.events.length === 3, 'the by-phone events accepted');
    expect(klaviyo.events.map((e) => [e.metric, e.profile.phone_number, e.profile.email])).toEqual([
      ['Order Awaiting Shipment', '+14155550177', undefined],
      ['Order Shipped', '+14155550177', undefined],
      ['Shipment In Transit', '+14155550177', undefined],
    ]);
  });

  it('shows the refusal in replay records --dry-run with the name, both addresses and the phone masked', async () => {
    // Act
    const { code, output } = await cli('replay', 'records', '--account', 'canary', '--dry-run');

    // Assess
    expect(code).toBe(0);
    expect(output).toContain(`would be re-sent (refused: error: ${MASKED_REFUSAL}: /data/)`);
    expect(output).toContain('i***@e***.com');
  });

  it('runs every CLI command over the canary accounts', async () => {
    // Prepare: a DLQ message nothing can read, quoting a Klaviyo key, the buyer and the phone
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues.updatesDlq,
        MessageBody: `unreadable ${CANARY_PHONE}: Authorization: Klaviyo-API-Key ${SECRETS.second.klaviyo} ${CANARY_NAME} <${CANARY_EMAIL}>`,
        MessageAttributes: { accountId: { DataType: 'String', StringValue: 'canary' } },
      }),
    );

    // Act
    const help = await cli('help');
    const poll = await cli('poll');
    const dryRun = await cli('backfill', '--days', '1', '--dry-run');
    const backfill = await cli('backfill', '--days', '1', '--account', 'second');
    const register = await cli('register-webhooks', '--url', http.url);
    const doctor = await cli('doctor');
    const doctorUrl = await cli('doctor', '--account', 'canary', '--url', http.url);
    const reconcile = await cli('reconcile', '--since', '1d');
    const queuesDryRun = await cli('replay', 'queues', '--dry-run');
    const queues = await cli('replay', 'queues', '--queue', 'polls');
    refuse = false;
    const records = await cli('replay', 'records');
    const unknownAccount = await cli('doctor', '--account', `nosuch-${SECRETS.canary.klaviyo}`);
    const badUrl = await cli('register-webhooks', '--url', `ftp://example.com/?token=${SECRETS.canary.token}`);

    // Assess: each command did its work
    expect(help.code).toBe(0);
    expect(poll).toMatchObject({ code: 0, output: expect.stringContaining('canary  import') });
    expect(dryRun.output).toContain('i***@e***.com');
    expect(dryRun.output).toContain('+*********77');
    expect(backfill.code).toBe(0);
    expect(register.output).toContain(`${http.url}/webhooks/shipstation/canary?token=cana…`);
    expect(register.output).toContain(`${http.url}/webhooks/shipstation/second?token=seco…`);
    expect(doctor.output).toMatch(/account canary: /);
    expect(doctor.output).toMatch(/account second: /);
    expect(doctorUrl.output).toMatch(/account canary: /);
    expect(reconcile.output).toContain('canary');
    expect(queuesDryRun.output).toContain('canary  unreadable');
    expect(queuesDryRun.output).toContain('unreadable ********77: Authorization: Klaviyo-API-Key pk_F… I*** C*** <i***@e***.com>');
    expect(queues.code).toBe(0);
    expect(records.output).toContain('sent; record deleted');
    expect(unknownAccount.code).toBe(2);
    expect(badUrl.code).toBe(2);
    expect(printed.map((p) => p.argv[0])).toEqual(expect.arrayContaining(['help', 'poll', 'backfill', 'register-webhooks', 'doctor', 'reconcile', 'replay']));
  });

  it('writes no canary secret, email, name or phone in any log line or printed output', () => {
    // Prepare
    const logs = written.join('');
    const output = printed.map((p) => p.output).join('\n');
    const lines = logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: string; function_name?: string; event?: { rawQueryString?: string } });

    // Assess: the invocation events were logged, each webhook's token masked in its raw query string
    const events = lines.filter((line) => line.message === 'Lambda invocation event');
    expect(new Set(events.map((line) => line.function_name))).toEqual(new Set(['receive-webhook', 'receive-tracking', 'fetch-resource', 'publish-events']));
    const rawQueries = events.map((line) => line.event?.rawQueryString).filter((q) => q !== undefined);
    expect(rawQueries.length).toBeGreaterThanOrEqual(4);
    for (const query of rawQueries) expect(query).toBe('token=cana…');
    // The refusal was logged, masked.
    expect(logs).toContain(MASKED_REFUSAL);

    // Assess: not one canary anywhere
    for (const [where, text] of [
      ['logs', logs],
      ['CLI output', output],
    ] as const) {
      for (const secret of CANARY_SECRETS) expect({ where, secret, found: text.includes(secret) }).toEqual({ where, secret, found: false });
      for (const contact of [CANARY_EMAIL, NO_DOT_EMAIL, LOCALHOST_EMAIL, 'Canaryson', ...PHONE_FORMS]) {
        expect({ where, contact, found: text.includes(contact) }).toEqual({ where, contact, found: false });
      }
    }
  });
});
