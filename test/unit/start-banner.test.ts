// What `npm start` prints once the stack is up: the webhook URL with its token masked as the README shows it.
import { clearRegisteredSecrets, registerSecrets } from '../../lib/observability.js';
import { startBanner, type StartBannerInput } from '../../lib/local/start-banner.js';

const TOKEN = 'q7Zk-canary-webhook-token-LmX9pRt';
const AWS = { dynamodbEndpoint: 'http://127.0.0.1:4567', tableName: 'shipstation-klaviyo-sync-local', sqsEndpoint: 'http://127.0.0.1:4568' };

/** The banner input of a stack on the simulators, the token in both URLs as stack.ts builds them. */
const simulated = (overrides: Partial<StartBannerInput> = {}): StartBannerInput => ({
  mode: 'simulated',
  ignoredCredentials: [],
  webhookUrl: `http://127.0.0.1:3000/webhooks/shipstation/default?token=${TOKEN}`,
  trackingUrl: `http://127.0.0.1:3000/webhooks/tracking/default?token=${TOKEN}`,
  aws: AWS,
  simulators: { shipStation: 'http://127.0.0.1:4600', klaviyo: 'http://127.0.0.1:4601' },
  ...overrides,
});

afterEach(() => clearRegisteredSecrets());

describe('startBanner', () => {
  it('prints the webhook and tracking URLs with the token masked to its first 4 characters, as the README shows', () => {
    // Prepare: nothing registered, as before the handlers load: the URL's shape alone masks the token

    // Act
    const lines = startBanner(simulated());

    // Assess
    expect(lines.slice(0, 3)).toEqual([
      '',
      'shipstation-klaviyo-sync running locally (built-in ShipStation and Klaviyo simulators)',
      '  webhook URL:  http://127.0.0.1:3000/webhooks/shipstation/default?token=q7Zk…',
    ]);
    expect(lines).toContain(
      '  Tracking:     signed V2 tracking webhooks → http://127.0.0.1:3000/webhooks/tracking/default?token=q7Zk… (each label is scanned, out for delivery and delivered within ~25 s)',
    );
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.slice(-2)).toEqual(['Press Ctrl+C to stop.', '']);
  });

  it('masks a URL-encoded token of the real mode and says where the token comes from', () => {
    // Prepare: a base64 token (`openssl rand -base64 24`), URL-encoded in the webhook URL
    const token = 'k3J+q7Zk/LmX9pRtWv2N=';
    registerSecrets([token]);
    const encoded = encodeURIComponent(token);

    // Act
    const lines = startBanner(
      simulated({ mode: 'real', simulators: undefined, webhookUrl: `http://127.0.0.1:3000/webhooks/shipstation/default?token=${encoded}` }),
    );

    // Assess
    expect(lines).toContain('  webhook URL:  http://127.0.0.1:3000/webhooks/shipstation/default?token=k3J%…');
    expect(lines).toContain("  (its token, masked above, is your WEBHOOK_TOKEN, or the account's webhookToken).");
    expect(lines.join('\n')).not.toContain(encoded);
  });

  it('says to set WEBHOOK_TOKEN when the real mode made up the token', () => {
    // Act
    const lines = startBanner(simulated({ mode: 'real', simulators: undefined, tokenMadeUp: true }));

    // Assess
    expect(lines).toContain('  (this run made up its token: set WEBHOOK_TOKEN to a token of your own to register the URL).');
  });

  it('leaves the placeholder of an accounts document readable', () => {
    // Prepare
    const webhookUrl = "http://127.0.0.1:3000/webhooks/shipstation/{accountId}?token={the account's webhookToken}";

    // Act
    const lines = startBanner(simulated({ mode: 'real', simulators: undefined, webhookUrl }));

    // Assess
    expect(lines).toContain(`  webhook URL:  ${webhookUrl}`);
  });
});
