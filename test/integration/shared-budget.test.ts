// One ShipStation budget per key pair: webhook fetches and the poll of one account, running at once in separate
// "Lambdas" (separate adapters, one DynamoDB table), stay within the 40 requests/minute the fake enforces.
import { loadConfig } from '../../lib/config.js';
import { TransientError } from '../../lib/domain/errors.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { buildShopHistory } from '../../lib/local/simulators/shop-history.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import { buildWiring, type Wiring } from '../../lib/wiring.js';
import { busiestMinute, SimulatedTime } from '../../lib/local/simulated-time.js';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  Object.assign(process.env, aws.env);
});

afterAll(async () => {
  await aws.close();
});

describe('the shared ShipStation budget', () => {
  it('keeps 60 concurrent webhook fetches and a 6,000-order import of one account within 40 requests a minute at the fake, with no 429', async () => {
    // Prepare
    const time = new SimulatedTime(Date.parse('2026-11-25T18:00:00.000Z'));
    let parked: Date | undefined = new Date(time.now().getTime() - 30 * 86_400_000);
    const shop = await ShipStationSimulator.start({
      apiKey: 'budget-key',
      apiSecret: 'budget-secret',
      now: () => parked ?? time.now(),
      rateLimitPerMinute: 40,
    });
    try {
      buildShopHistory(shop, { set: (at) => void (parked = at) }, { orders: 6000, days: 20, end: new Date(time.now().getTime() - 3_600_000), seed: 5 });
      parked = undefined;
      const config = loadConfig({
        ...aws.env,
        SHIPSTATION_API_KEY: 'budget-key',
        SHIPSTATION_API_SECRET: 'budget-secret',
        SHIPSTATION_KEY_EXPIRES_ON: '2027-06-30',
        SHIPSTATION_BASE_URL: shop.baseUrl,
        KLAVIYO_PRIVATE_KEY: 'unused-klaviyo-key',
        KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
        WEBHOOK_TOKEN: 'budget-webhook-token-0123',
        IMPORT_DAYS: '30',
      });
      // Three "Lambdas": each builds its own adapters (no in-memory state shared), only DynamoDB is common.
      const lambdas: Wiring[] = [buildWiring(config, time), buildWiring(config, time), buildWiring(config, time)];

      /** Like SQS redelivery: a fetch that ran out of patience for the budget is tried again later. */
      const fetchUntilDone = async (i: number): Promise<void> => {
        for (let attempt = 0; ; attempt += 1) {
          try {
            await (lambdas[i % 2] as Wiring).fetchResource({
              accountId: 'default',
              resourceUrl: `${shop.baseUrl}/orders?importBatch=batch-${i}`,
              resourceType: 'ORDER_NOTIFY',
              receivedAt: time.now().toISOString(),
            });
            return;
          } catch (error) {
            if (!(error instanceof TransientError) || attempt > 5) throw error;
            await time.sleep(30_000);
          }
        }
      };
      const pollUntilDone = async (): Promise<string> => {
        for (;;) {
          const outcome = await (lambdas[2] as Wiring).pollAccount({ accountId: 'default', reason: 'cli' }, { timeLeftMs: () => Infinity, reserveMs: 0 });
          if (outcome.status !== 'continue') return outcome.status;
          await time.sleep(outcome.delaySeconds * 1000);
        }
      };

      // Act
      const [pollStatus] = await Promise.all([time.run(pollUntilDone), ...Array.from({ length: 60 }, (_, i) => time.run(() => fetchUntilDone(i)))]);

      // Assess
      const listed = shop.requests.filter((r) => r.path === '/orders' || r.path === '/shipments' || r.path === '/fulfillments');
      expect(pollStatus).toBe('completed');
      expect(listed.length).toBeGreaterThan(80); // 60 fetches + the import's pages: over two minutes' worth
      expect(listed.filter((r) => r.status !== 200)).toEqual([]);
      expect(busiestMinute(listed)).toBeLessThanOrEqual(40);
    } finally {
      await shop.close();
    }
  }, 120_000);
});
