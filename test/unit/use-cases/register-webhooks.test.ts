// registerWebhooks against an in-memory ShipStation: idempotent subscriptions, foreign ones left alone, the base URL
// checked, and the webhook token kept out of every error message.
import { BadInputError, TransientError } from '../../../lib/domain/errors.js';
import type { ShipStationWebhooks, WebhookSubscription } from '../../../lib/ports.js';
import { makeRegisterWebhooks, normaliseBaseUrl } from '../../../lib/use-cases/register-webhooks.js';
import { fakeAccount, StaticAccountDirectory } from '../../fakes/in-memory-ports.js';

const TOKEN = 'secret-webhook-token-0123456789';
const BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const TARGET = `${BASE}/webhooks/shipstation/default?token=${TOKEN}`;

/** ShipStation's webhook list of one account, in memory; a failure can be scripted for the next subscribe. */
class InMemoryShipStationWebhooks implements ShipStationWebhooks {
  readonly subscriptions: (WebhookSubscription & { friendlyName: string })[] = [];
  private nextId = 1;
  private failure: Error | undefined;

  failNextSubscribe(error: Error): void {
    this.failure = error;
  }

  async listWebhooks(_accountId: string): Promise<WebhookSubscription[]> {
    return this.subscriptions.map(({ id, event, targetUrl }) => ({ id, event, targetUrl }));
  }

  async subscribeWebhook(_accountId: string, subscription: { event: string; targetUrl: string; friendlyName: string }): Promise<string> {
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
    const id = String(this.nextId++);
    this.subscriptions.push({ id, event: subscription.event, targetUrl: subscription.targetUrl, friendlyName: subscription.friendlyName });
    return id;
  }
}

function setup() {
  const shipStation = new InMemoryShipStationWebhooks();
  const register = makeRegisterWebhooks({ accounts: new StaticAccountDirectory([fakeAccount({ webhookToken: TOKEN })]), shipStation });
  return { shipStation, register };
}

describe('registerWebhooks', () => {
  it('subscribes the four events to the account URL on the first run', async () => {
    // Prepare
    const { register, shipStation } = setup();

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.map((r) => [r.event, r.status])).toEqual([
      ['ORDER_NOTIFY', 'created'],
      ['SHIP_NOTIFY', 'created'],
      ['FULFILLMENT_SHIPPED', 'created'],
      ['FULFILLMENT_REJECTED', 'created'],
    ]);
    expect(shipStation.subscriptions.map((s) => s.targetUrl)).toEqual([TARGET, TARGET, TARGET, TARGET]);
    expect(shipStation.subscriptions[0]?.friendlyName).toBe('shipstation-klaviyo-sync ORDER_NOTIFY');
  });

  it('creates nothing on a second run and reports the existing subscriptions with their ids', async () => {
    // Prepare
    const { register, shipStation } = setup();
    await register('default', BASE);

    // Act
    const results = await register('default', `${BASE}/`);

    // Assess
    expect(results.map((r) => [r.event, r.status, r.id])).toEqual([
      ['ORDER_NOTIFY', 'exists', '1'],
      ['SHIP_NOTIFY', 'exists', '2'],
      ['FULFILLMENT_SHIPPED', 'exists', '3'],
      ['FULFILLMENT_REJECTED', 'exists', '4'],
    ]);
    expect(shipStation.subscriptions).toHaveLength(4);
  });

  it('subscribes only the events that are missing', async () => {
    // Prepare
    const { register, shipStation } = setup();
    shipStation.subscriptions.push({ id: '77', event: 'SHIP_NOTIFY', targetUrl: TARGET, friendlyName: 'by hand' });

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.filter((r) => r.status === 'created').map((r) => r.event)).toEqual(['ORDER_NOTIFY', 'FULFILLMENT_SHIPPED', 'FULFILLMENT_REJECTED']);
    expect(results.find((r) => r.event === 'SHIP_NOTIFY')).toMatchObject({ status: 'exists', id: '77' });
    expect(shipStation.subscriptions).toHaveLength(4);
  });

  it('leaves a subscription with another URL (an old deployment) alone but reports it', async () => {
    // Prepare
    const { register, shipStation } = setup();
    const old = 'https://old-stage.example.com/webhooks/shipstation/default?token=an-older-token-value';
    shipStation.subscriptions.push({ id: '9', event: 'ORDER_NOTIFY', targetUrl: old, friendlyName: 'old' });

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.find((r) => r.event === 'ORDER_NOTIFY' && r.status === 'created')).toBeDefined();
    expect(results.filter((r) => r.status === 'other')).toEqual([{ event: 'ORDER_NOTIFY', status: 'other', id: '9', targetUrl: old }]);
    expect(shipStation.subscriptions.find((s) => s.id === '9')?.targetUrl).toBe(old);
    expect(shipStation.subscriptions).toHaveLength(5);
  });

  it('does not report subscriptions to events it does not use', async () => {
    // Prepare
    const { register, shipStation } = setup();
    shipStation.subscriptions.push({ id: '5', event: 'ITEM_ORDER_NOTIFY', targetUrl: 'https://hooks.example.com/x', friendlyName: 'another app' });

    // Act
    const results = await register('default', BASE);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
  });

  it.each([
    ['plain http on a public host', 'http://abc123.execute-api.us-east-1.amazonaws.com', /must use https/],
    ['a relative URL', '/prod', /not an absolute URL/],
    ['a query string', `${BASE}?x=1`, /query string/],
    ['credentials', 'https://user:pass@example.com', /credentials/],
  ])('refuses a base URL with %s before calling ShipStation', async (_case, baseUrl, message) => {
    // Prepare
    const { register, shipStation } = setup();

    // Act
    const result = register('default', baseUrl);

    // Assess
    await expect(result).rejects.toThrow(BadInputError);
    await expect(result).rejects.toThrow(message);
    expect(shipStation.subscriptions).toEqual([]);
  });

  it('refuses an unknown account', async () => {
    // Prepare
    const { register } = setup();

    // Act
    const result = register('nobody', BASE);

    // Assess
    await expect(result).rejects.toThrow(new BadInputError('unknown account nobody'));
  });

  it('keeps the token out of the message when ShipStation refuses a subscription', async () => {
    // Prepare
    const { register, shipStation } = setup();
    shipStation.failNextSubscribe(new TransientError(`POST /webhooks/subscribe answered 500 for target_url ${TARGET} (${encodeURIComponent(TOKEN)})`));

    // Act
    const error = await register('default', BASE).then(() => undefined, (e: unknown) => e as Error);

    // Assess
    expect(error?.message).toMatch(/^subscribing ORDER_NOTIFY for account default failed: POST \/webhooks\/subscribe answered 500/);
    expect(error?.message).not.toContain(TOKEN);
  });
});

describe('normaliseBaseUrl', () => {
  it.each([
    [`${BASE}/`, BASE],
    [`${BASE}/prod//`, `${BASE}/prod`],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
    ['http://localhost:3000', 'http://localhost:3000'],
  ])('turns %s into %s', (input, expected) => {
    // Act
    const base = normaliseBaseUrl(input);

    // Assess
    expect(base).toBe(expected);
  });
});
