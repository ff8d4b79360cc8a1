// Holds serverless.yml's per-function environment to what each function reads: every variable its composition's needs
// name (lib/wiring/<function>.ts `needs`: its accounts view and setting concerns) is passed, nothing else is, and the
// composition builds from exactly the variables the packaged CloudFormation template gives it (sample values,
// single-account path). A dropped setting fails CI even when it has a default. No request is made.
// Usage: tsx scripts/function-config-check.ts [.serverless directory]; exit code 1 on any failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { variablesFor, type Concern } from '../lib/config.js';

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
  SHIPSTATION_V2_REQUESTS_PER_MINUTE: '200',
  BACKFILL_AFTER_HOURS: '24',
  ORDER_DELAYED_AFTER_HOURS: '72',
  SHIPMENT_STALLED_AFTER_DAYS: '5',
  ORDER_WAIT_SECONDS: '60',
  BULK_WAIT_SECONDS: '120',
  TRACKING_JWKS_URLS: '',
  TRACKING_JOIN_WAIT_HOURS: '6',
  POLL_OVERLAP_MINUTES: '10',
  POLL_LAG_MINUTES: '2',
};

/** Variables a function reads but serverless.yml deliberately does not pass, and why. */
const NOT_PASSED: Record<string, string> = {
  KLAVIYO_REVISION: 'the pinned revision in lib/config/settings.ts is used',
  RETRY_MAX_DELAY_SECONDS: 'unset in AWS: the DLQ bounds assume the default delays',
  TRACKING_JWKS_URL: 'the single-URL setting of earlier versions',
  ACCOUNTS_FILE: 'a local file; deployed accounts come from Secrets Manager, SSM or the variables',
};
/** Variables of the runtime and of Powertools, not of the service's configuration. */
const RUNTIME = new Set(['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS']);

/** Keys no receiver or scheduler may hold: they never call ShipStation or Klaviyo. */
const KEYS = ['SHIPSTATION_API_KEY', 'SHIPSTATION_API_SECRET', 'KLAVIYO_PRIVATE_KEY', 'SHIPSTATION_V2_API_KEY'];
const KEYLESS = new Set(['receive-webhook', 'receive-tracking', 'schedule-polls']);

const dir = process.argv[2] ?? '.serverless';
const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: { Handler?: string; Environment?: { Variables?: Record<string, unknown> } } }>;
};
const problems: string[] = [];
const runtime = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'check',
  AWS_SECRET_ACCESS_KEY: 'check',
  PATH: process.env.PATH,
};

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
    const module = (await import(`../lib/wiring/${name}.js`)) as Record<string, unknown>;
    const compose = module[exportName] as (() => Promise<unknown>) | undefined;
    const needs = module.needs as { accounts: 'full' | 'webhook'; settings: readonly Concern[] } | undefined;
    if (compose === undefined || needs === undefined) throw new Error(`lib/wiring/${name}.ts exports no ${exportName} or needs`);
    const reads = variablesFor(needs);
    const missing = reads.filter((v) => !variables.includes(v) && !(v in NOT_PASSED));
    if (missing.length > 0) problems.push(`${name}: reads ${missing.join(', ')}, which serverless.yml does not give it`);
    const unread = variables.filter((v) => !reads.includes(v) && !RUNTIME.has(v));
    if (unread.length > 0) problems.push(`${name}: receives ${unread.join(', ')}, which it never reads`);
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
