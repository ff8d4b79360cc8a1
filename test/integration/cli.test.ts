// The operator CLI in-process against the ShipStation simulator and the local DynamoDB/SQS stand-ins, configured by
// environment variables exactly like a deployed stage: webhook registration (idempotent, token masked; with a V2 key
// also every V2 webhook, tracking's `track_event_v2` among them; with a V2 key only, no V1 call at all), a dry-run
// backfill (events listed, nothing enqueued, no cursor), a real backfill, and the exit codes of bad arguments.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { jest } from '@jest/globals';
import { main } from '../../lib/cli/main.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { ShipStationSimulator, type SimOrder } from '../../lib/local/simulators/shipstation-simulator.js';
import { queueDepth } from '../helpers/handler-env.js';
import { ShopClock } from '../helpers/shop-clock.js';

const TOKEN = 'cli-test-webhook-token-0123456789';
const KEY = 'cli-test-shipstation-key';
const SECRET = 'cli-test-shipstation-secret';
const V2_KEY = 'cli-test-shipstation-v2-key';
const BASE_URL = 'https://api.example.invalid/prod/';

let aws: LocalAws;
let shipStation: ShipStationSimulator;
const orders: SimOrder[] = [];

/** Runs the CLI and returns its exit code with everything it wrote (stdout and stderr together). */
async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
  const written: string[] = [];
  const code = await main(argv, { write: (text) => written.push(text) });
  return { code, output: written.join('') };
}

/** The subscriptions `GET /webhooks` lists, as ShipStation holds them. */
async function subscriptions(): Promise<{ HookType: string; Url: string }[]> {
  const response = await fetch(`${shipStation.baseUrl}/webhooks`, {
    headers: { Authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
  });
  return ((await response.json()) as { webhooks: { HookType: string; Url: string }[] }).webhooks;
}

/**
 * Runs CLI commands with these environment variables set (and the earlier values put back after). wiring() keeps the
 * configuration it first read in its module, so the commands run in an isolated module registry that reads the
 * environment afresh, as a new process would.
 */
async function withEnv<T>(variables: Record<string, string>, body: (run: typeof cli) => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    let result: { value: T } | undefined;
    await jest.isolateModulesAsync(async () => {
      const isolated = await import('../../lib/cli/main.js');
      result = {
        value: await body(async (...argv) => {
          const written: string[] = [];
          const code = await isolated.main(argv, { write: (text) => written.push(text) });
          return { code, output: written.join('') };
        }),
      };
    });
    if (result === undefined) throw new Error('the isolated CLI did not run');
    return result.value;
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Runs CLI commands with the account's V2 key set beside its V1 key pair. */
const withV2Key = <T>(body: (run: typeof cli) => Promise<T>, v2Key = V2_KEY): Promise<T> =>
  withEnv({ SHIPSTATION_V2_API_KEY: v2Key, SHIPSTATION_V2_BASE_URL: shipStation.baseUrl }, body);

/** The masked V2 endpoint as the CLI prints it. */
const MASKED_V2_TARGET = `https://api.example.invalid/prod/webhooks/tracking/default?token=${TOKEN.slice(0, 4)}…`;
/** The V2 events register-webhooks subscribes, in the order it reports them. */
const V2_EVENTS = ['shipment_created_v2', 'label_created_v2', 'fulfillment_shipped_v2', 'fulfillment_rejected_v2', 'track_event_v2'];
/** One V2 line as register-webhooks prints it: event in a 24-wide column, status in an 8-wide one. */
const v2Line = (event: string, status: string, rest: string): string => `  ${event.padEnd(24)} ${status.padEnd(8)} ${rest}`;

async function cursorItem(): Promise<unknown> {
  const { Item } = await aws.dynamodb.send(
    new GetItemCommand({ TableName: aws.tableName, Key: { pk: { S: 'ACCOUNT#default#POLL' }, sk: { S: 'CURSOR' } }, ConsistentRead: true }),
  );
  return Item;
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 30 });
  const clock = new ShopClock();
  shipStation = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, v2ApiKey: V2_KEY, now: () => clock.now() });
  // Yesterday's shop, before any webhook is registered: two labelled, one marked as shipped, one on hold, one waiting.
  clock.set(new Date(Date.now() - 26 * 3_600_000));
  orders.push(
    ...shipStation.importOrders([
      { orderNumber: 'CLI-1', customerEmail: 'ada.lovelace@example.com' },
      { orderNumber: 'CLI-2', customerEmail: 'grace.hopper@example.com' },
      { orderNumber: 'CLI-3', customerEmail: 'alan.turing@example.com' },
      { orderNumber: 'CLI-4', customerEmail: 'edsger.dijkstra@example.com' },
      { orderNumber: 'CLI-5', customerEmail: 'barbara.liskov@example.com' },
    ]),
  );
  clock.set(new Date(Date.now() - 25 * 3_600_000));
  const id = (index: number): number => (orders[index] as SimOrder).orderId;
  shipStation.createLabel(id(0), { carrierCode: 'ups', serviceCode: 'ups_ground' });
  shipStation.createLabel(id(1));
  shipStation.markAsShipped(id(2));
  shipStation.setOrderStatus(id(3), 'on_hold');
  clock.release();
  await shipStation.flushWebhooks();
  Object.assign(process.env, aws.env, {
    SHIPSTATION_API_KEY: KEY,
    SHIPSTATION_API_SECRET: SECRET,
    SHIPSTATION_KEY_EXPIRES_ON: '2027-05-01',
    SHIPSTATION_BASE_URL: shipStation.baseUrl,
    KLAVIYO_PRIVATE_KEY: 'cli-test-klaviyo-key',
    // Never contacted: the CLI only enqueues; a closed loopback port makes sure of it.
    KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
    WEBHOOK_TOKEN: TOKEN,
    HTTP_TIMEOUT_MS: '5000',
  });
});

afterAll(async () => {
  await shipStation.close();
  await aws.close();
});

describe('shipstation-klaviyo CLI', () => {
  it('subscribes the four webhooks once and reports them as existing on the second run, with the token masked', async () => {
    // Act
    const first = await cli('register-webhooks', '--url', BASE_URL);
    const second = await cli('register-webhooks', '--url', BASE_URL, '--account', 'default');

    // Assess
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const target = `https://api.example.invalid/prod/webhooks/shipstation/default?token=${TOKEN}`;
    expect((await subscriptions()).map((s) => [s.HookType, s.Url])).toEqual([
      ['ORDER_NOTIFY', target],
      ['SHIP_NOTIFY', target],
      ['FULFILLMENT_SHIPPED', target],
      ['FULFILLMENT_REJECTED', target],
    ]);
    expect(first.output.match(/ created /g)).toHaveLength(4);
    expect(first.output).toContain('default  4 created, 0 already registered');
    expect(second.output.match(/ exists /g)).toHaveLength(4);
    expect(second.output).toContain('default  0 created, 4 already registered');
    expect(first.output).toContain(`default  → https://api.example.invalid/prod/webhooks/shipstation/default?token=${TOKEN.slice(0, 4)}…`);
    expect(first.output + second.output).not.toContain(TOKEN);
    // Without a V2 key: one line says tracking is off, and nothing is asked of the V2 API.
    expect(second.output.split('\n').slice(-3)).toEqual([
      'default  0 created, 4 already registered',
      'default  tracking off: no ShipStation V2 key (set shipStationV2.apiKey or SHIPSTATION_V2_API_KEY for tracking events)',
      '',
    ]);
    expect(shipStation.listV2Webhooks()).toEqual([]);
  });

  it("with a V2 key also creates every V2 webhook once, leaves another app's track webhook alone, and reports them as existing on the second run", async () => {
    // Prepare
    const other = await fetch(`${shipStation.baseUrl}/v2/environment/webhooks`, {
      method: 'POST',
      headers: { 'API-Key': V2_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'another app', event: 'track', url: 'https://another-app.example.com/tracking?key=another-apps-secret' }),
    });
    const otherId = ((await other.json()) as { webhook_id: string }).webhook_id;

    // Act
    const { first, second } = await withV2Key(async (run) => ({
      first: await run('register-webhooks', '--url', BASE_URL),
      second: await run('register-webhooks', '--url', BASE_URL, '--account', 'default'),
    }));

    // Assess
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const v2Target = `https://api.example.invalid/prod/webhooks/tracking/default?token=${TOKEN}`;
    const ours = shipStation.listV2Webhooks().filter((w) => w.url === v2Target);
    expect(ours.map((w) => w.event)).toEqual(V2_EVENTS);
    expect(
      shipStation
        .listV2Webhooks()
        .filter((w) => w.url !== v2Target)
        .map((w) => [w.event, w.url]),
    ).toEqual([['track', 'https://another-app.example.com/tracking?key=another-apps-secret']]);
    const otherLine = v2Line(
      'track',
      'other',
      `id ${otherId}  https://another-app.example.com/tracking?key=anot… (another URL, left alone; delete it in ShipStation if it is an old deployment)`,
    );
    const block = (status: string): string[] => [
      `default  V2 → ${MASKED_V2_TARGET}`,
      ...ours.map((w) => v2Line(w.event, status, `id ${w.webhook_id}`)),
      otherLine,
    ];
    expect(first.output.split('\n').slice(-9)).toEqual([
      ...block('created'),
      'default  V2: 5 created, 0 already registered, 1 with another URL left alone',
      '',
    ]);
    expect(second.output.split('\n').slice(-9)).toEqual([
      ...block('exists'),
      'default  V2: 0 created, 5 already registered, 1 with another URL left alone',
      '',
    ]);
    // The V1 subscriptions are untouched by the V2 key.
    expect(second.output).toContain('default  0 created, 4 already registered');
    expect(first.output + second.output).not.toContain(TOKEN);
    expect(first.output + second.output).not.toContain(V2_KEY);
  });

  it('with a refused V2 key still reports the V1 subscriptions, then the V2 failure and its fix, and exits 1', async () => {
    // Act
    const { code, output } = await withV2Key((run) => run('register-webhooks', '--url', BASE_URL), 'not-the-v2-key');

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('default  0 created, 4 already registered');
    expect(output.split('\n').slice(-4)).toEqual([
      `default  V2 → ${MASKED_V2_TARGET}`,
      v2Line('V2 webhooks', 'failed', 'ShipStation rejected the V2 API key (401): the key has expired, was revoked or is wrong'),
      "      fix: generate a V2 API key in ShipStation (Settings > Account > API Settings, API version V2), store it as the account's " +
        'shipStationV2.apiKey (or SHIPSTATION_V2_API_KEY), then run register-webhooks --account default again',
      '',
    ]);
  });

  it('with a V2 key only subscribes every V2 webhook once, asks nothing of V1, and says V1 is not used', async () => {
    // Prepare: a shop on a plan without V1 access, the account configured with its V2 key only
    const v2OnlyKey = 'cli-test-v2-only-shipstation-key';
    const v2Only = await ShipStationSimulator.start({ apiKey: 'unused-v1-key', apiSecret: 'unused-v1-secret', v2ApiKey: v2OnlyKey });
    const variables = {
      SHIPSTATION_API_KEY: '',
      SHIPSTATION_API_SECRET: '',
      SHIPSTATION_KEY_EXPIRES_ON: '',
      SHIPSTATION_BASE_URL: v2Only.baseUrl,
      SHIPSTATION_V2_API_KEY: v2OnlyKey,
      SHIPSTATION_V2_BASE_URL: v2Only.baseUrl,
    };

    try {
      // Act
      const { first, second } = await withEnv(variables, async (run) => ({
        first: await run('register-webhooks', '--url', BASE_URL),
        second: await run('register-webhooks', '--url', BASE_URL, '--account', 'default'),
      }));

      // Assess
      expect(first.code).toBe(0);
      expect(second.code).toBe(0);
      const webhooks = v2Only.listV2Webhooks();
      expect(webhooks.map((w) => [w.event, w.url])).toEqual(
        V2_EVENTS.map((event) => [event, `https://api.example.invalid/prod/webhooks/tracking/default?token=${TOKEN}`]),
      );
      const block = (status: string): string[] => [
        'default  V1 not used: no V1 key (the account runs on API V2 only)',
        `default  V2 → ${MASKED_V2_TARGET}`,
        ...webhooks.map((w) => v2Line(w.event, status, `id ${w.webhook_id}`)),
      ];
      expect(first.output.split('\n')).toEqual([...block('created'), 'default  V2: 5 created, 0 already registered', '']);
      expect(second.output.split('\n')).toEqual([...block('exists'), 'default  V2: 0 created, 5 already registered', '']);
      expect(v2Only.requests.filter((r) => r.api === 'v1')).toEqual([]);
      expect(first.output + second.output).not.toContain(TOKEN);
      expect(first.output + second.output).not.toContain(v2OnlyKey);
    } finally {
      await v2Only.close();
    }
  });

  it('lists the backfill events of a dry run and enqueues nothing, leaving no cursor', async () => {
    // Act
    const { code, output } = await cli('backfill', '--days', '3', '--dry-run');

    // Assess
    expect(code).toBe(0);
    const eventLines = output.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
    expect(eventLines.map((line) => line.replace(/^\S+\s+/, '').replace(/\s+/g, ' '))).toEqual(
      expect.arrayContaining([
        'Order Awaiting Shipment order CLI-5 b***@e***.com backfill',
        'Order On Hold order CLI-4 e***@e***.com backfill',
        'Order Shipped order CLI-1 a***@e***.com backfill',
        'Order Shipped order CLI-2 g***@e***.com backfill',
        'Order Shipped order CLI-3 a***@e***.com backfill',
      ]),
    );
    expect(eventLines).toHaveLength(5);
    expect(output).toContain('default  5 events would be sent as backfill');
    expect(output).toContain('dry run: nothing was sent, enqueued or moved');
    expect(output).not.toMatch(/lovelace|hopper|turing|dijkstra|liskov/);
    expect(await queueDepth(aws, aws.queues.history)).toBe(0);
    expect(await queueDepth(aws, aws.queues.updates)).toBe(0);
    expect(await cursorItem()).toBeUndefined();
  });

  it('backfills for real: the snapshots go to the history queue and the cursor moves', async () => {
    // Act
    const { code, output } = await cli('backfill', '--days', '3');

    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/^default {2}import \S+ → \S+ · \d+ requests · 8 snapshots enqueued$/m);
    expect(await queueDepth(aws, aws.queues.history)).toBeGreaterThan(0);
    expect(await cursorItem()).toBeDefined();
  });

  it.each([
    [['backfil', '--days', '3'], 'error: unknown command "backfil"'],
    [['backfill', '--days', 'three'], 'error: --days must be a whole number of days from 1 to 3650, got "three"'],
    [['poll', '--verbose'], 'error: unknown flag --verbose'],
    [['register-webhooks'], 'error: register-webhooks needs --url <deployed base URL>'],
    [['poll', '--account', 'nobody'], 'error: unknown account "nobody" (configured: default)'],
    [['register-webhooks', '--url', 'http://api.example.com'], 'error: the base URL must use https (http only on loopback), got http'],
  ])('exits with 2, the reason and the usage for %j', async (argv, reason) => {
    // Act
    const { code, output } = await cli(...argv);

    // Assess
    expect(code).toBe(2);
    expect(output.split('\n')[0]).toBe(reason);
    expect(output).toContain('Usage: shipstation-klaviyo <command> [options]');
  });

  it('exits with 1 and one line when ShipStation refuses the key', async () => {
    // Prepare
    shipStation.expireKey();

    // Act
    const { code, output } = await cli('register-webhooks', '--url', BASE_URL);

    // Assess
    expect(code).toBe(1);
    expect(output).toMatch(/^error: [^\n]*401[^\n]*\n$/);
  });

  it('with a V2 key beside the refused V1 key pair reports the V1 failure with the plan as a likely cause, still checks V2, and exits 1', async () => {
    // Act (the V1 key expired in the case above)
    const { code, output } = await withV2Key((run) => run('register-webhooks', '--url', BASE_URL));

    // Assess
    expect(code).toBe(1);
    const lines = output.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `default  → https://api.example.invalid/prod/webhooks/shipstation/default?token=${TOKEN.slice(0, 4)}…`,
      '  V1 webhooks            failed   ShipStation rejected the API key and secret (401): the V1 key pair has expired, was revoked, or the plan has no V1 access',
      "      fix: if the account's ShipStation plan is below Gold/Accelerate (V1 is legacy: Standard and Premium have API V2 only), remove the V1 key pair " +
        '(shipStation) from the account and run on V2; otherwise rotate it (docs/architecture.md: "Rotating keys"), then run register-webhooks --account default again',
      `default  V2 → ${MASKED_V2_TARGET}`,
    ]);
    expect(lines.slice(-2)).toEqual(['default  V2: 0 created, 5 already registered, 1 with another URL left alone', '']);
  });
});
