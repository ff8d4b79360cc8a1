// check-key-expiry's use case as the function wires it (buildWiring: DynamoDB alert claims and credential status on
// dynalite, SNS alerts on the stand-in, the ShipStation and Klaviyo simulators for the key checks), driven day by day
// with a fake clock through the last weeks of a key's life, its expiry and its rotation.
import { loadConfig } from '../../lib/config.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from '../../lib/local/simulators/shipstation-simulator.js';
import type { Clock } from '../../lib/ports.js';
import { buildWiring } from '../../lib/wiring.js';

const DAY = 86_400_000;
const START = Date.parse('2027-05-01T15:00:00.000Z');

/** Time that moves only when the test says; waits (backoff, budget) pass at once. */
class DayClock implements Clock {
  current = START;
  now(): Date {
    return new Date(this.current);
  }
  async sleep(ms: number): Promise<void> {
    this.current += ms;
  }
}

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
let shop: ShipStationSimulator;

beforeAll(async () => {
  aws = await startLocalAws();
  klaviyo = await KlaviyoSimulator.start({ privateKeys: ['year-klaviyo-private-key'] });
  shop = await ShipStationSimulator.start({ apiKey: 'year-key-1', apiSecret: 'year-secret-1', rateLimitPerMinute: 600 });
  // The SDK clients read their endpoints from the environment, as in Lambda.
  Object.assign(process.env, aws.env);
});

afterAll(async () => {
  await Promise.all([shop.close(), klaviyo.close()]);
  await aws.close();
});

/** The wiring a cold start builds from an accounts document holding this ShipStation key. */
function wiringFor(clock: DayClock, key: { apiKey: string; apiSecret: string; keyExpiresOn: string }): ReturnType<typeof buildWiring> {
  const document = JSON.stringify({
    accounts: [
      {
        id: 'acme',
        shipStation: { ...key, baseUrl: shop.baseUrl },
        klaviyo: { privateKey: 'year-klaviyo-private-key', baseUrl: klaviyo.baseUrl },
        webhookToken: 'acme-webhook-token-0123456789',
      },
    ],
  });
  const env = { ...aws.env, ACCOUNTS_FILE: '/accounts.json', HTTP_TIMEOUT_MS: '5000', SHIPSTATION_REQUESTS_PER_MINUTE: '600' };
  return buildWiring(loadConfig(env, document), clock);
}

describe('check-key-expiry (DynamoDB, SNS, simulators)', () => {
  it('sends each threshold of a key once over its last 40 days, run twice a day with an SNS outage, alerts the expiry once, and starts afresh for the rotated key', async () => {
    // Prepare: a key expiring on 2027-06-05 (35 days ahead); the check runs at 15:00 and again at 15:30 (a retry).
    const clock = new DayClock();
    let wiring = wiringFor(clock, { apiKey: 'year-key-1', apiSecret: 'year-secret-1', keyExpiresOn: '2027-06-05' });
    const sent: { day: number; subject: string }[] = [];
    const failedRuns: number[] = [];

    // Act
    for (let day = 0; day < 40; day += 1) {
      clock.current = START + day * DAY;
      if (day === 35) shop.expireKey(); // the key dies on its expiry date
      if (day === 37) {
        // Two days later the operator stores a new key valid for 3 months.
        shop.rotateCredentials('year-key-2', 'year-secret-2');
        wiring = wiringFor(clock, { apiKey: 'year-key-2', apiSecret: 'year-secret-2', keyExpiresOn: '2027-08-30' });
      }
      if (day === 21) aws.sns.failNext(3); // the 14-day alert's publish fails, SDK retries included
      for (const rerun of [0, 30 * 60_000]) {
        clock.current = START + day * DAY + rerun;
        const before = aws.sns.published.length;
        await wiring.checkKeyExpiry().catch(() => failedRuns.push(day));
        for (const message of aws.sns.published.slice(before)) sent.push({ day, subject: message.subject ?? '' });
      }
    }

    // Assess
    expect(sent).toEqual([
      { day: 5, subject: 'ShipStation API key expires in 30 days (account acme)' },
      // Day 21, 15:00: SNS failed; the claim was given back and the 15:30 run sent it.
      { day: 21, subject: 'ShipStation API key expires in 14 days (account acme)' },
      { day: 28, subject: 'ShipStation API key expires in 7 days (account acme)' },
      { day: 32, subject: 'ShipStation API key expires in 3 days (account acme)' },
      { day: 34, subject: 'ShipStation API key expires in 1 day (account acme)' },
      { day: 35, subject: 'ShipStation API key expires today (account acme)' },
      { day: 35, subject: 'ShipStation refused the API key (account acme)' },
      { day: 37, subject: 'The ShipStation API key works again (account acme)' },
    ]);
    expect(failedRuns).toEqual([21]);
    const message = aws.sns.published.find((m) => m.subject === 'ShipStation API key expires in 7 days (account acme)')?.message ?? '';
    expect(message).toContain('Account: acme');
    expect(message).toContain('expiry date 2027-06-05');
    expect(message).toMatch(/^What to do: Generate a new API key and secret in ShipStation/m);
    // The rotated key (new fingerprint and date) is checked again from scratch: 30 days before 2027-08-30 it alerts.
    clock.current = Date.parse('2027-07-31T15:00:00.000Z');
    const before = aws.sns.published.length;
    const [report] = await wiring.checkKeyExpiry();
    expect(report).toMatchObject({ accountId: 'acme', daysUntilExpiry: 30, expiryAlert: 30, shipStation: 'works', klaviyo: 'works' });
    expect(aws.sns.published.slice(before).map((m) => m.subject)).toEqual(['ShipStation API key expires in 30 days (account acme)']);
  });
});
