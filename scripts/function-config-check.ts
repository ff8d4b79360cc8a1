// Builds each function's composition (lib/wiring/<function>.ts) with exactly the environment variables the packaged
// CloudFormation template gives it (sample values, single-account path), so a variable a function needs but
// serverless.yml does not pass fails CI, not a cold start. No request is made: clients are built, not called.
// Usage: tsx scripts/function-config-check.ts [.serverless directory]; exit code 1 on any failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A plausible deployed value per variable; a variable without one is a new setting this check must learn. */
const SAMPLE: Record<string, string> = {
  POWERTOOLS_SERVICE_NAME: 'shipstation-klaviyo-sync-prod',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  NODE_OPTIONS: '',
  ACCOUNTS_SECRET_ID: '',
  ACCOUNTS_PARAMETER_NAME: '',
  ACCOUNTS_CACHE_SECONDS: '60',
  ACCOUNT_ID: 'default',
  SHIPSTATION_BASE_URL: 'https://ssapi.shipstation.com',
  WEBHOOK_TOKEN: 'check-webhook-token-0123456789',
  SHIPSTATION_API_KEY: 'check-shipstation-key',
  SHIPSTATION_API_SECRET: 'check-shipstation-secret',
  SHIPSTATION_KEY_EXPIRES_ON: '2099-01-01',
  KLAVIYO_PRIVATE_KEY: 'check-klaviyo-key',
  KLAVIYO_BASE_URL: '',
  METRIC_PREFIX: '',
  STORE_IDS: '',
  SHIPSTATION_V2_API_KEY: '',
  SHIPSTATION_V2_BASE_URL: '',
  TIME_ZONE: '',
  DEFAULT_COUNTRY: '',
  IMPORT_DAYS: '90',
  TABLE_NAME: 'shipstation-klaviyo-sync-prod',
  NOTIFICATIONS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifications',
  UPDATES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/updates',
  HISTORY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/history',
  POLLS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/polls',
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
  OUTAGE_RETRY_SECONDS: '60',
  HTTP_TIMEOUT_MS: '10000',
  SHIPSTATION_REQUESTS_PER_MINUTE: '40',
  BACKFILL_AFTER_HOURS: '24',
  ORDER_DELAYED_AFTER_HOURS: '72',
  SHIPMENT_STALLED_AFTER_DAYS: '5',
  ORDER_WAIT_SECONDS: '60',
  TRACKING_JWKS_URLS: '',
  TRACKING_JOIN_WAIT_HOURS: '6',
  POLL_OVERLAP_MINUTES: '10',
  POLL_LAG_MINUTES: '2',
};

/** Keys no receiver or scheduler may hold: they never call ShipStation or Klaviyo. */
const KEYS = ['SHIPSTATION_API_KEY', 'SHIPSTATION_API_SECRET', 'KLAVIYO_PRIVATE_KEY', 'SHIPSTATION_V2_API_KEY'];
const KEYLESS = new Set(['receive-webhook', 'receive-tracking', 'schedule-polls']);

const dir = process.argv[2] ?? '.serverless';
const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: { Handler?: string; Environment?: { Variables?: Record<string, unknown> } } }>;
};
const problems: string[] = [];
const runtime = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'check', AWS_SECRET_ACCESS_KEY: 'check', PATH: process.env.PATH };

for (const resource of Object.values(template.Resources)) {
  if (resource.Type !== 'AWS::Lambda::Function') continue;
  const name = (resource.Properties.Handler ?? '').replace(/^functions\//, '').replace(/\.handler$/, '');
  const variables = Object.keys(resource.Properties.Environment?.Variables ?? {});
  const unknown = variables.filter((v) => !(v in SAMPLE));
  if (unknown.length > 0) problems.push(`${name}: no sample value for ${unknown.join(', ')} (scripts/function-config-check.ts)`);
  if (KEYLESS.has(name)) {
    const held = variables.filter((v) => KEYS.includes(v));
    if (held.length > 0) problems.push(`${name}: receives ${held.join(', ')}, which it never uses`);
  }
  process.env = { ...runtime, ...Object.fromEntries(variables.map((v) => [v, SAMPLE[v] ?? ''])) };
  const exportName = `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()).replace('Shipstation', 'ShipStation')}Wiring`;
  try {
    const module = (await import(`../lib/wiring/${name}.js`)) as Record<string, () => Promise<unknown>>;
    const compose = module[exportName];
    if (compose === undefined) throw new Error(`lib/wiring/${name}.ts exports no ${exportName}`);
    await compose();
    process.stdout.write(`${name}: composed from its ${variables.length} variables\n`);
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

if (problems.length > 0) {
  process.stdout.write(`function configuration: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('function configuration: every function composes from its own environment\n');
