// Configuration: parsed once at cold start with zod; a missing or bad value fails fast with its variable name.
// The shape is per account already (id `default` for the single-account environment variables).
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const DEFAULT_SHIPSTATION_BASE_URL = 'https://ssapi.shipstation.com';
export const DEFAULT_KLAVIYO_BASE_URL = 'https://a.klaviyo.com';
/** Pinned Klaviyo API revision: 2026-04-15 is the first with `backfill`. */
export const DEFAULT_KLAVIYO_REVISION = '2026-07-15';
const FIRST_REVISION_WITH_BACKFILL = '2026-04-15';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Credentials are only ever sent to ShipStation and Klaviyo: a base URL is either the real service's host over https
 * or a loopback address (tests, the local simulators).
 */
const baseUrl = (name: string, realHost: RegExp, hostDescription: string, fallback: string): z.ZodType<string> =>
  z
    .string()
    .default(fallback)
    .refine((value) => {
      try {
        const url = new URL(value);
        if (url.username !== '' || url.password !== '') return false;
        if (LOOPBACK.has(url.hostname)) return url.protocol === 'http:' || url.protocol === 'https:';
        return url.protocol === 'https:' && realHost.test(url.hostname) && url.port === '';
      } catch {
        return false;
      }
    }, `${name} must be https://${hostDescription} or a loopback address`)
    .transform((value) => value.replace(/\/+$/, ''));

const required = (name: string): z.ZodString => z.string({ error: `${name} is required` }).trim().min(1, `${name} is required`);

const envSchema = z.object({
  ACCOUNT_ID: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'ACCOUNT_ID must be lowercase letters, digits and dashes').default('default'),
  SHIPSTATION_API_KEY: required('SHIPSTATION_API_KEY'),
  SHIPSTATION_API_SECRET: required('SHIPSTATION_API_SECRET'),
  SHIPSTATION_KEY_EXPIRES_ON: z.iso.date({ error: 'SHIPSTATION_KEY_EXPIRES_ON must be a date (YYYY-MM-DD)' }),
  SHIPSTATION_BASE_URL: baseUrl('SHIPSTATION_BASE_URL', /^ssapi\d*\.shipstation\.com$/, 'ssapi<digits>.shipstation.com', DEFAULT_SHIPSTATION_BASE_URL),
  KLAVIYO_PRIVATE_KEY: required('KLAVIYO_PRIVATE_KEY'),
  KLAVIYO_BASE_URL: baseUrl('KLAVIYO_BASE_URL', /^a\.klaviyo\.com$/, 'a.klaviyo.com', DEFAULT_KLAVIYO_BASE_URL),
  KLAVIYO_REVISION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.\w+)?$/, 'KLAVIYO_REVISION must look like 2026-07-15')
    .refine((r) => r.slice(0, 10) >= FIRST_REVISION_WITH_BACKFILL, `KLAVIYO_REVISION must be ${FIRST_REVISION_WITH_BACKFILL} or later (backfill)`)
    .default(DEFAULT_KLAVIYO_REVISION),
  WEBHOOK_TOKEN: required('WEBHOOK_TOKEN').min(16, 'WEBHOOK_TOKEN must be at least 16 characters'),
  METRIC_PREFIX: z.string().max(40, 'METRIC_PREFIX must be at most 40 characters').default(''),
  BACKFILL_AFTER_HOURS: z.coerce.number({ error: 'BACKFILL_AFTER_HOURS must be a number' }).positive().default(24),
  HTTP_TIMEOUT_MS: z.coerce.number({ error: 'HTTP_TIMEOUT_MS must be a number' }).int().min(100).max(60_000).default(10_000),
  TABLE_NAME: required('TABLE_NAME'),
  NOTIFICATIONS_QUEUE_URL: required('NOTIFICATIONS_QUEUE_URL'),
  UPDATES_QUEUE_URL: required('UPDATES_QUEUE_URL'),
});

export interface AccountConfig {
  id: string;
  shipStation: { apiKey: string; apiSecret: string; keyExpiresOn: string; baseUrl: string; fingerprint: string };
  klaviyo: { privateKey: string; baseUrl: string; fingerprint: string };
  webhookToken: string;
  metricPrefix: string;
}

export interface AppConfig {
  accounts: ReadonlyMap<string, AccountConfig>;
  tableName: string;
  notificationsQueueUrl: string;
  updatesQueueUrl: string;
  klaviyoRevision: string;
  backfillAfterHours: number;
  httpTimeoutMs: number;
}

/** Raised when configuration is missing or invalid; the message names every offending variable. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

/** A short, non-reversible id of a credential, so a rotated key is told apart from the one found invalid. */
export function fingerprint(...secrets: string[]): string {
  return createHash('sha256').update(secrets.join('\u0000')).digest('hex').slice(0, 16);
}

/**
 * Parses the environment into the application configuration.
 * @param env the variables to read (process.env at cold start; tests pass their own)
 * @throws ConfigurationError naming each missing or invalid variable
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigurationError(parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
    }));
  }
  const e = parsed.data;
  const account: AccountConfig = {
    id: e.ACCOUNT_ID,
    shipStation: {
      apiKey: e.SHIPSTATION_API_KEY,
      apiSecret: e.SHIPSTATION_API_SECRET,
      keyExpiresOn: e.SHIPSTATION_KEY_EXPIRES_ON,
      baseUrl: e.SHIPSTATION_BASE_URL,
      fingerprint: fingerprint(e.SHIPSTATION_API_KEY, e.SHIPSTATION_API_SECRET),
    },
    klaviyo: { privateKey: e.KLAVIYO_PRIVATE_KEY, baseUrl: e.KLAVIYO_BASE_URL, fingerprint: fingerprint(e.KLAVIYO_PRIVATE_KEY) },
    webhookToken: e.WEBHOOK_TOKEN,
    metricPrefix: e.METRIC_PREFIX,
  };
  return {
    accounts: new Map([[account.id, account]]),
    tableName: e.TABLE_NAME,
    notificationsQueueUrl: e.NOTIFICATIONS_QUEUE_URL,
    updatesQueueUrl: e.UPDATES_QUEUE_URL,
    klaviyoRevision: e.KLAVIYO_REVISION,
    backfillAfterHours: e.BACKFILL_AFTER_HOURS,
    httpTimeoutMs: e.HTTP_TIMEOUT_MS,
  };
}
