// flows install against the Klaviyo simulator over HTTP (the real adapter, a fake clock the simulator shares): every
// flow created as a draft with bodies valid against Klaviyo's official schemas and wired to the account's metric and
// template ids; a second run creates nothing; a flow turned live or edited meanwhile is left alone; a missing metric is
// reported and its flows skipped; a 429 is waited out; Create Flow's limits are kept; a missing scope stops the run
// with the scope named; and the CLI verb prints it all with its exit code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpKlaviyoFlowsApi } from '../../lib/adapters/http-klaviyo-flows-api.js';
import type { AccountConfig } from '../../lib/config.js';
import { createEventBody, type KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import { FLOW_CATALOGUE, FLOW_TAG, metricsOf, type FlowSpec } from '../../lib/domain/klaviyo-flows.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import type { AccountDirectory } from '../../lib/ports.js';
import { makeInstallFlows, type FlowInstallReport, type InstallFlows } from '../../lib/use-cases/install-flows.js';
import { FakeClock } from '../fakes/in-memory-ports.js';
import { historicalShippedEvent } from '../helpers/factories.js';

const KEY = 'pk_flows_install_test_key';
const PREFIX = 'Acme ';
/** Every metric the catalogue needs, with the account's prefix. */
const ALL_METRICS = [...new Set(FLOW_CATALOGUE.flatMap(metricsOf))].map((metric) => `${PREFIX}${metric}`);

let simulator: KlaviyoSimulator;
let clock: FakeClock;
let install: InstallFlows;

const account: AccountConfig = {
  id: 'acme',
  shipStation: { apiKey: 'ss-key', apiSecret: 'ss-secret', keyExpiresOn: '2027-05-01', baseUrl: 'http://127.0.0.1:1', fingerprint: 'ss-fp' },
  klaviyo: { privateKey: KEY, baseUrl: '', fingerprint: 'kl-fp' },
  webhookToken: 'flows-test-webhook-token-0123456789',
  metricPrefix: PREFIX,
  importDays: 90,
  timeZone: 'America/Los_Angeles',
  defaultCountry: 'US',
};

/** The account directory install reads (only `find` is used). */
const directory = (config: AccountConfig): AccountDirectory =>
  ({
    find: (id: string) =>
      id === config.id
        ? { id, webhookToken: config.webhookToken, klaviyoFingerprint: 'kl-fp', metricPrefix: config.metricPrefix, timeZone: 'UTC', defaultCountry: 'US' }
        : undefined,
  }) as unknown as AccountDirectory;

const run = (specs: readonly FlowSpec[] = FLOW_CATALOGUE, dryRun = false): Promise<FlowInstallReport> => install('acme', { dryRun, specs });
const posts = (path: string) => simulator.requests.filter((r) => r.method === 'POST' && r.path.replace(/\/$/, '') === path);
const outcomes = (report: FlowInstallReport): Record<string, string> => Object.fromEntries(report.flows.map((f) => [f.plan.spec.key, f.outcome]));

/** install against the current simulator, with the adapter options the CLI wires (a minute of 429 waited out inline). */
function installOnSimulator(): InstallFlows {
  const config = { ...account, klaviyo: { ...account.klaviyo, baseUrl: simulator.baseUrl } };
  const api = new HttpKlaviyoFlowsApi(new Map([['acme', config]]), clock, {
    revision: '2026-07-15',
    timeoutMs: 5000,
    maxAttempts: 4,
    maxInlineRetryAfterMs: 60_000,
    maxRetryAfterSeconds: 86_400,
  });
  return makeInstallFlows({ accounts: directory(config), klaviyo: api, clock });
}

beforeEach(async () => {
  clock = new FakeClock('2026-12-07T15:00:00.000Z');
  simulator = await KlaviyoSimulator.start({ privateKeys: [KEY], now: () => clock.now() });
  install = installOnSimulator();
});

afterEach(async () => {
  // Every body sent, and every answer given, held to Klaviyo's official schemas.
  for (const request of simulator.requests) expect({ path: request.path, errors: request.schemaErrors }).toEqual({ path: request.path, errors: [] });
  await simulator.close();
});

describe('flows install on an account with every metric', () => {
  beforeEach(() => {
    for (const metric of ALL_METRICS) simulator.createMetric(metric);
  });

  it('creates every flow as a draft, wired to the account’s metrics and its own templates, with valid bodies', async () => {
    const report = await run();

    expect(report.stopped).toBeUndefined();
    expect(report.flows.map((f) => f.outcome)).toEqual(FLOW_CATALOGUE.map(() => 'created'));
    const flows = simulator.flows();
    expect(flows.map((f) => f.name)).toEqual(FLOW_CATALOGUE.map((spec) => `${PREFIX}${spec.title} ${FLOW_TAG}`));
    expect(flows.every((f) => f.status === 'draft' && f.triggerType === 'Metric')).toBe(true);
    for (const request of [...posts('/api/flows'), ...posts('/api/templates')]) {
      expect(validateKlaviyoBody(request.path.includes('flows') ? 'create-flow' : 'create-template', request.body)).toEqual([]);
    }
    const metricId = new Map(simulator.metrics().map((m) => [m.name, m.id]));
    const templates = new Map(simulator.templates().map((t) => [t.id, t]));
    for (const [index, spec] of FLOW_CATALOGUE.entries()) {
      const definition = flows[index]?.definition;
      expect(definition?.triggers[0]?.id).toBe(metricId.get(`${PREFIX}${spec.trigger}`));
      const actions = definition?.actions ?? [];
      expect(actions.map((a) => a.type)).toEqual(spec.steps.map((s) => ({ delay: 'time-delay', email: 'send-email', sms: 'send-sms' })[s.kind]));
      for (const action of actions.filter((a) => a.type === 'send-email')) {
        const message = (action.data as { message: { template_id: string }; status: string }).message;
        const template = templates.get(message.template_id);
        expect(template?.editorType).toBe('CODE');
        expect(template?.html).toContain('{{');
        expect((action.data as { status: string }).status).toBe('draft');
      }
    }
    // The review request starts only on the order's last delivery, and ends for a customer who ordered again.
    const review = flows[FLOW_CATALOGUE.findIndex((s) => s.key === 'review-request')];
    expect(JSON.stringify(review?.definition.triggers[0])).toContain('"field":"AllShipmentsDelivered"');
    expect(JSON.stringify(review?.definition.profile_filter)).toContain(metricId.get(`${PREFIX}Order Awaiting Shipment`));
    expect(JSON.stringify(review?.definition.profile_filter)).toContain('"operator":"flow-start"');
    // The delay apology ends when the order ships meanwhile.
    const apology = flows[FLOW_CATALOGUE.findIndex((s) => s.key === 'delay-apology')];
    expect(JSON.stringify(apology?.definition.profile_filter)).toContain(metricId.get(`${PREFIX}Order Shipped`));
    // One template per email, none for SMS-only flows.
    expect(simulator.templates()).toHaveLength(FLOW_CATALOGUE.flatMap((s) => s.steps.filter((step) => step.kind === 'email')).length);
  });

  it('makes the simulated Klaviyo name the flows each live event would start, past their trigger filter', async () => {
    await run();
    const send = async (metric: string, properties: KlaviyoEvent['properties'], backfill = false): Promise<void> => {
      const event = historicalShippedEvent(Math.floor(Math.random() * 1e9), {
        metric: `${PREFIX}${metric}`,
        properties,
        backfill,
        time: clock.now().toISOString(),
      });
      const response = await fetch(`${simulator.baseUrl}/api/events`, {
        method: 'POST',
        headers: { Authorization: `Klaviyo-API-Key ${KEY}`, revision: '2026-07-15', 'Content-Type': 'application/vnd.api+json' },
        body: JSON.stringify(createEventBody(event)),
      });
      expect(response.status).toBe(202);
    };

    await send('Order Delivered', { OrderId: '1', AllShipmentsDelivered: false });
    await send('Order Delivered', { OrderId: '1', AllShipmentsDelivered: true });
    await send('Order Shipped', { OrderId: '2' });
    await send('Order Shipped', { OrderId: '3' }, true);

    const started = simulator.events.map((e) => e.flows.map((f) => `${f.name.replace(` ${FLOW_TAG}`, '')} (${f.status})`));
    expect(started).toEqual([
      [],
      [`${PREFIX}Review request (draft)`],
      [`${PREFIX}Shipping confirmation (draft)`, `${PREFIX}Re-engagement offer (draft)`],
      // Klaviyo records a backfill event without triggering flows.
      [],
    ]);
  });

  it('keeps Create Flow within 1 per second and 15 per minute, so Klaviyo never answers 429', async () => {
    // Twenty flows (the catalogue and more under other titles): more than a minute's allowance.
    const many: FlowSpec[] = [...FLOW_CATALOGUE, ...FLOW_CATALOGUE.slice(0, 8).map((spec) => ({ ...spec, key: `${spec.key}-b`, title: `${spec.title} B` }))];
    const start = clock.now().getTime();

    const report = await run(many);

    expect(report.flows.filter((f) => f.outcome === 'created')).toHaveLength(many.length);
    const creates = posts('/api/flows');
    expect(creates.every((r) => r.status === 201)).toBe(true);
    expect(simulator.requests.some((r) => r.status === 429)).toBe(false);
    // The clock only moves when install sleeps: 20 creates need at least a minute's wait after the 15th.
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(60_000);
  });

  it('creates nothing on a second run, and never touches a flow turned live or edited meanwhile', async () => {
    await run();
    const flows = simulator.flows();
    const shipping = flows.find((f) => f.name.includes('Shipping confirmation'));
    const review = flows.find((f) => f.name.includes('Review request'));
    if (shipping === undefined || review === undefined) throw new Error('flows missing');
    clock.advance(3_600_000);
    simulator.setFlowStatus(shipping.id, 'live');
    const edited = simulator.editFlow(review.id, { definition: { ...review.definition, actions: review.definition.actions.slice(1) } });
    const before = { flows: simulator.flows(), posts: posts('/api/flows').length + posts('/api/templates').length };

    const report = await run();

    expect(report.flows.every((f) => f.outcome === 'kept')).toBe(true);
    const states = Object.fromEntries(report.flows.map((f) => [f.plan.spec.key, f.plan.action === 'keep' ? f.plan.state : '']));
    expect(states['shipping-confirmation']).toBe('live');
    expect(states['review-request']).toBe('edited');
    expect(states['order-confirmation']).toBe('draft');
    expect(posts('/api/flows').length + posts('/api/templates').length).toBe(before.posts);
    expect(simulator.flows()).toEqual(before.flows);
    expect(simulator.flows().find((f) => f.id === review.id)?.definition).toEqual(edited.definition);
  });

  it('waits out a 429 from Klaviyo and creates the flow once', async () => {
    let refused = 0;
    await simulator.close();
    simulator = await KlaviyoSimulator.start({
      privateKeys: [KEY],
      now: () => clock.now(),
      faults: ({ method, path }) => {
        if (method !== 'POST' || !path.startsWith('/api/flows') || refused > 0) return undefined;
        refused += 1;
        return { status: 429, retryAfterSeconds: 7 };
      },
    });
    for (const metric of ALL_METRICS) simulator.createMetric(metric);
    install = installOnSimulator();

    const report = await run(FLOW_CATALOGUE.filter((s) => s.key === 'shipping-confirmation'));

    expect(outcomes(report)).toEqual({ 'shipping-confirmation': 'created' });
    expect(posts('/api/flows').map((r) => r.status)).toEqual([429, 201]);
    expect(clock.sleeps).toContain(7_000);
    expect(simulator.flows()).toHaveLength(1);
  });

  it('prints the plan on a dry run and sends nothing', async () => {
    const report = await run(FLOW_CATALOGUE, true);

    expect(report.flows.every((f) => f.outcome === 'would-create')).toBe(true);
    expect(simulator.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('stops with the scope named when the key lacks flows:write, creating no flow', async () => {
    simulator.restrictScopes(KEY, ['events:write', 'metrics:read', 'flows:read', 'templates:write']);

    const report = await run();

    expect(report.missingScope).toBe('flows:write');
    expect(report.stopped).toMatch(/lacks the flows:write scope/);
    expect(report.stopped).toMatch(/Settings > API keys/);
    expect(simulator.flows()).toEqual([]);
    expect(report.flows.filter((f) => f.outcome === 'not-reached')).toHaveLength(FLOW_CATALOGUE.length);
  });

  it('stops at a daily limit Klaviyo reports (a Retry-After of hours) and says when to come back', async () => {
    simulator.setRateLimits({ burstPerSecond: 1, steadyPerMinute: 15, dailyPerDay: 3 }, 'create-flow');

    const report = await run();

    expect(report.flows.filter((f) => f.outcome === 'created')).toHaveLength(3);
    expect(report.stopped).toMatch(/asks to wait \d+ s/);
    expect(report.flows.filter((f) => f.outcome === 'not-reached')).toHaveLength(FLOW_CATALOGUE.length - 3);
    expect(simulator.flows()).toHaveLength(3);
  });
});

describe('flows install before every metric exists', () => {
  it('lists the flows whose metric is missing and creates the rest', async () => {
    // What an account with V1 only has after its import: order and shipping metrics, no tracking ones.
    const present = ['Order Awaiting Shipment', 'Order Awaiting Payment', 'Order On Hold', 'Order Shipped', 'Order Cancelled'];
    for (const metric of present) simulator.createMetric(`${PREFIX}${metric}`);

    const report = await run();

    const waiting = report.flows.filter((f) => f.outcome === 'waits-for-metrics');
    expect(waiting.map((f) => f.plan.spec.key).sort()).toEqual(
      ['out-for-delivery', 'delivery-attempted', 'shipment-exception', 'review-request', 'delay-apology', 'stalled-package'].sort(),
    );
    const apology = waiting.find((f) => f.plan.spec.key === 'delay-apology');
    expect(apology?.plan.action === 'wait-for-metrics' && apology.plan.missing).toEqual([`${PREFIX}Order Delayed`]);
    expect(simulator.flows().map((f) => f.name.replace(` ${FLOW_TAG}`, ''))).toEqual(
      FLOW_CATALOGUE.filter((s) => metricsOf(s).every((m) => present.includes(m))).map((s) => `${PREFIX}${s.title}`),
    );
  });
});

describe('shipstation-klaviyo flows install', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flows-cli-'));
    const file = join(dir, 'accounts.json');
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [
          {
            id: 'acme',
            shipStation: { apiKey: 'ss-key', apiSecret: 'ss-secret', keyExpiresOn: '2027-11-01', baseUrl: 'http://127.0.0.1:9' },
            klaviyo: { privateKey: KEY, baseUrl: simulator.baseUrl },
            webhookToken: 'flows-cli-webhook-token-0123456789',
            metricPrefix: PREFIX,
          },
        ],
      }),
    );
    // flows install reads no table or queue: the stage's names are set but point nowhere.
    const queue = (name: string): string => `http://127.0.0.1:9/000000000000/${name}`;
    Object.assign(process.env, {
      ACCOUNTS_FILE: file,
      TABLE_NAME: 'unused',
      NOTIFICATIONS_QUEUE_URL: queue('notifications'),
      UPDATES_QUEUE_URL: queue('updates'),
      HISTORY_QUEUE_URL: queue('history'),
      POLLS_QUEUE_URL: queue('polls'),
      HTTP_TIMEOUT_MS: '5000',
    });
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
    const written: string[] = [];
    const { jest } = await import('@jest/globals');
    let code = -1;
    // wiring() keeps the configuration it first read: a fresh module registry reads this test's environment.
    await jest.isolateModulesAsync(async () => {
      const isolated = await import('../../lib/cli/main.js');
      code = await isolated.main(argv, { write: (text) => written.push(text) });
    });
    return { code, output: written.join('') };
  }

  it('creates the flows it can, says how to get the missing metrics, and exits 0', async () => {
    simulator.createMetric(`${PREFIX}Order Shipped`);
    simulator.createMetric(`${PREFIX}Order Awaiting Shipment`);

    const { code, output } = await cli('flows', 'install', '--only', 'shipping-confirmation,review-request');

    expect(code).toBe(0);
    expect(output).toMatch(/✔ Shipping confirmation\s+created as a draft \(flow \w+\)/);
    expect(output).toMatch(/… Review request\s+waits for its metric: Acme Order Delivered \(tracking needs a ShipStation V2 key, and this account has none\)/);
    expect(output).toContain('shipstation-klaviyo backfill --days 90 --account acme');
    expect(simulator.flows()).toHaveLength(1);
  });

  it('exits 1 with the missing scope named, and 2 for a flow name it does not know', async () => {
    simulator.createMetric(`${PREFIX}Order Shipped`);
    simulator.restrictScopes(KEY, ['events:write', 'metrics:read', 'flows:read', 'templates:write']);

    const refused = await cli('flows', 'install', '--only', 'shipping-confirmation');
    const unknown = await cli('flows', 'install', '--only', 'thank-you');

    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/stopped: the account's Klaviyo private key lacks the flows:write scope/);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('--only names no flow "thank-you"');
  });
});
