// Configuration: parsed once at cold start with zod; a missing or bad value fails fast with its variable name.
// Accounts come either from the single-account environment variables (id `default` unless ACCOUNT_ID) or from one
// accounts document (JSON; read by the caller from a file, Secrets Manager or SSM, then passed in as text).
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const DEFAULT_SHIPSTATION_BASE_URL = 'https://ssapi.shipstation.com';
export const DEFAULT_KLAVIYO_BASE_URL = 'https://a.klaviyo.com';
export const DEFAULT_SHIPSTATION_V2_BASE_URL = 'https://api.shipstation.com';
/**
 * Where ShipStation publishes the public keys its V2 webhooks are signed with. No official page prints the URL: public
 * implementations verify against ShipEngine's `/jwks`, the maintained PHP client (compwright/shipstation-php) fetches
 * ShipStation's `webhook-jwks.json`. Both are trusted by default (keys merged by key id); TRACKING_JWKS_URLS replaces
 * the list (reference/shipstation-api.md, "V2 facts, December 2026").
 */
export const DEFAULT_TRACKING_JWKS_URLS: readonly string[] = ['https://api.shipengine.com/jwks', 'https://api.shipstation.com/v1/webhook-jwks.json'];
/** ShipStation V1 speaks Pacific time: the default time zone in which an account's calendar dates end. */
export const DEFAULT_TIME_ZONE = 'America/Los_Angeles';
/** The country a phone number without a country code is read in when neither address names one. */
export const DEFAULT_COUNTRY = 'US';
/** Pinned Klaviyo API revision: 2026-04-15 is the first with `backfill`. */
export const DEFAULT_KLAVIYO_REVISION = '2026-07-15';
const FIRST_REVISION_WITH_BACKFILL = '2026-04-15';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SHIPSTATION_HOST = /^ssapi\d*\.shipstation\.com$/;
const SHIPSTATION_HOST_DESCRIPTION = 'ssapi<digits>.shipstation.com';
const KLAVIYO_HOST = /^a\.klaviyo\.com$/;
const KLAVIYO_HOST_DESCRIPTION = 'a.klaviyo.com';
const SHIPSTATION_V2_HOST = /^api\.shipstation\.com$/;
const SHIPSTATION_V2_HOST_DESCRIPTION = 'api.shipstation.com';
/** The JWKS is public (no credential is sent), but whoever serves it decides which signatures verify. */
const JWKS_HOST = /^api\.(shipstation\.com|shipengine\.com|eu\.shipengine\.com)$/;
const JWKS_URL_MESSAGE = 'TRACKING_JWKS_URLS must be a comma-separated list of https://api.shipstation.com/…, https://api.shipengine.com/… or https://api.eu.shipengine.com/… URLs (or loopback addresses)';
const DEFAULT_IMPORT_DAYS = 90;
const DEFAULT_ACCOUNTS_CACHE_SECONDS = 60;

/** The variables that name where the accounts document lives; at most one may be set. */
const ACCOUNTS_SOURCE_VARIABLES = ['ACCOUNTS_FILE', 'ACCOUNTS_SECRET_ID', 'ACCOUNTS_PARAMETER_NAME'] as const;
/** The variables that configure the one account of the environment path; none may be set beside an accounts document. */
const SINGLE_ACCOUNT_VARIABLES = [
  'ACCOUNT_ID',
  'SHIPSTATION_API_KEY',
  'SHIPSTATION_API_SECRET',
  'SHIPSTATION_KEY_EXPIRES_ON',
  'SHIPSTATION_BASE_URL',
  'KLAVIYO_PRIVATE_KEY',
  'KLAVIYO_BASE_URL',
  'WEBHOOK_TOKEN',
  'METRIC_PREFIX',
  'STORE_IDS',
  'SHIPSTATION_V2_API_KEY',
  'SHIPSTATION_V2_BASE_URL',
  'TIME_ZONE',
  'DEFAULT_COUNTRY',
] as const;

/**
 * Credentials are only ever sent to ShipStation and Klaviyo: a base URL is either the real service's host over https
 * or a loopback address (tests, the local simulators).
 */
const onHost = (realHost: RegExp, value: string): boolean => {
  try {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '') return false;
    if (LOOPBACK.has(url.hostname)) return url.protocol === 'http:' || url.protocol === 'https:';
    return url.protocol === 'https:' && realHost.test(url.hostname) && url.port === '';
  } catch {
    return false;
  }
};

const baseUrl = (realHost: RegExp, fallback: string, message: string): z.ZodType<string> =>
  z
    .string({ error: message })
    .default(fallback)
    .refine((value) => onHost(realHost, value), message)
    .transform((value) => value.replace(/\/+$/, ''));

/** An IANA time zone name Node knows (`America/New_York`); calendar dates of the account end at midnight there. */
const timeZone = (message: string): z.ZodType<string> =>
  z
    .string({ error: message })
    .trim()
    .default(DEFAULT_TIME_ZONE)
    .refine((value) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: value });
        return value !== '';
      } catch {
        return false;
      }
    }, message);

/** A two-letter ISO country code, upper-cased. */
const countryCode = (message: string): z.ZodType<string> =>
  z
    .string({ error: message })
    .trim()
    .default(DEFAULT_COUNTRY)
    .refine((value) => /^[A-Za-z]{2}$/.test(value), message)
    .transform((value) => value.toUpperCase());

const required = (name: string): z.ZodString => z.string({ error: `${name} is required` }).trim().min(1, `${name} is required`);

/** Settings of the service itself, read from the environment on both paths. */
const serviceSchema = z.object({
  KLAVIYO_REVISION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.\w+)?$/, 'KLAVIYO_REVISION must look like 2026-07-15')
    .refine((r) => r.slice(0, 10) >= FIRST_REVISION_WITH_BACKFILL, `KLAVIYO_REVISION must be ${FIRST_REVISION_WITH_BACKFILL} or later (backfill)`)
    .default(DEFAULT_KLAVIYO_REVISION),
  BACKFILL_AFTER_HOURS: z.coerce.number({ error: 'BACKFILL_AFTER_HOURS must be a number' }).positive().default(24),
  HTTP_TIMEOUT_MS: z.coerce.number({ error: 'HTTP_TIMEOUT_MS must be a number' }).int().min(100).max(60_000).default(10_000),
  IMPORT_DAYS: z.coerce
    .number({ error: 'IMPORT_DAYS must be a number' })
    .int('IMPORT_DAYS must be a whole number of days from 1 to 365')
    .min(1, 'IMPORT_DAYS must be a whole number of days from 1 to 365')
    .max(365, 'IMPORT_DAYS must be a whole number of days from 1 to 365')
    .default(DEFAULT_IMPORT_DAYS),
  TABLE_NAME: required('TABLE_NAME'),
  NOTIFICATIONS_QUEUE_URL: required('NOTIFICATIONS_QUEUE_URL'),
  UPDATES_QUEUE_URL: required('UPDATES_QUEUE_URL'),
  HISTORY_QUEUE_URL: required('HISTORY_QUEUE_URL'),
  POLLS_QUEUE_URL: required('POLLS_QUEUE_URL'),
  POLL_OVERLAP_MINUTES: z.coerce.number({ error: 'POLL_OVERLAP_MINUTES must be a number' }).min(0).max(1_440).default(10),
  POLL_LAG_MINUTES: z.coerce.number({ error: 'POLL_LAG_MINUTES must be a number' }).min(0).max(60).default(2),
  TRACKING_JWKS_URLS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return [...DEFAULT_TRACKING_JWKS_URLS];
      const urls = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
      if (urls.length === 0 || !urls.every((url) => onHost(JWKS_HOST, url))) {
        ctx.addIssue({ code: 'custom', message: JWKS_URL_MESSAGE });
        return z.NEVER;
      }
      return [...new Set(urls)];
    }),
  /** The single-URL setting of earlier versions; still read, added to the list. */
  TRACKING_JWKS_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || onHost(JWKS_HOST, value.trim()), 'TRACKING_JWKS_URL must be https://api.shipstation.com/…, https://api.shipengine.com/… or https://api.eu.shipengine.com/… (or a loopback address)'),
  TRACKING_JOIN_WAIT_HOURS: z.coerce
    .number({ error: 'TRACKING_JOIN_WAIT_HOURS must be a number' })
    .positive('TRACKING_JOIN_WAIT_HOURS must be more than 0')
    .max(72, 'TRACKING_JOIN_WAIT_HOURS must be at most 72')
    .default(6),
  ORDER_DELAYED_AFTER_HOURS: z.coerce
    .number({ error: 'ORDER_DELAYED_AFTER_HOURS must be a number' })
    .positive('ORDER_DELAYED_AFTER_HOURS must be more than 0')
    .max(24 * 60, 'ORDER_DELAYED_AFTER_HOURS must be at most 1440')
    .default(72),
  ORDER_WAIT_SECONDS: z.coerce
    .number({ error: 'ORDER_WAIT_SECONDS must be a number' })
    .int('ORDER_WAIT_SECONDS must be a whole number of seconds from 1 to 900')
    .min(1, 'ORDER_WAIT_SECONDS must be a whole number of seconds from 1 to 900')
    .max(900, 'ORDER_WAIT_SECONDS must be a whole number of seconds from 1 to 900')
    .default(60),
  RETRY_MAX_DELAY_SECONDS: z.coerce
    .number({ error: 'RETRY_MAX_DELAY_SECONDS must be a number' })
    .int('RETRY_MAX_DELAY_SECONDS must be a whole number of seconds from 1 to 900')
    .min(1, 'RETRY_MAX_DELAY_SECONDS must be a whole number of seconds from 1 to 900')
    .max(900, 'RETRY_MAX_DELAY_SECONDS must be a whole number of seconds from 1 to 900')
    .optional(),
  OUTAGE_RETRY_SECONDS: z.coerce
    .number({ error: 'OUTAGE_RETRY_SECONDS must be a number' })
    .int('OUTAGE_RETRY_SECONDS must be a whole number of seconds from 1 to 900')
    .min(1, 'OUTAGE_RETRY_SECONDS must be a whole number of seconds from 1 to 900')
    .max(900, 'OUTAGE_RETRY_SECONDS must be a whole number of seconds from 1 to 900')
    .default(60),
  SHIPMENT_STALLED_AFTER_DAYS: z.coerce
    .number({ error: 'SHIPMENT_STALLED_AFTER_DAYS must be a number' })
    .positive('SHIPMENT_STALLED_AFTER_DAYS must be more than 0')
    .max(60, 'SHIPMENT_STALLED_AFTER_DAYS must be at most 60')
    .default(5),
  ALERT_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'ALERT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)')
    .optional(),
  SHIPSTATION_REQUESTS_PER_MINUTE: z.coerce
    .number({ error: 'SHIPSTATION_REQUESTS_PER_MINUTE must be a number' })
    .int()
    .min(1, 'SHIPSTATION_REQUESTS_PER_MINUTE must be 1 or more')
    // Above 40 only matters against a simulator: the budget never exceeds the X-Rate-Limit-Limit ShipStation reports.
    .default(40),
});

const STORE_IDS_MESSAGE = 'STORE_IDS must be a comma-separated list of ShipStation store ids';

/** The one account of the environment path. */
const singleAccountSchema = z.object({
  ACCOUNT_ID: z.string().regex(ACCOUNT_ID_PATTERN, 'ACCOUNT_ID must be lowercase letters, digits and dashes').default('default'),
  SHIPSTATION_API_KEY: required('SHIPSTATION_API_KEY'),
  SHIPSTATION_API_SECRET: required('SHIPSTATION_API_SECRET'),
  SHIPSTATION_KEY_EXPIRES_ON: z.iso.date({ error: 'SHIPSTATION_KEY_EXPIRES_ON must be a date (YYYY-MM-DD)' }),
  SHIPSTATION_BASE_URL: baseUrl(SHIPSTATION_HOST, DEFAULT_SHIPSTATION_BASE_URL, `SHIPSTATION_BASE_URL must be https://${SHIPSTATION_HOST_DESCRIPTION} or a loopback address`),
  KLAVIYO_PRIVATE_KEY: required('KLAVIYO_PRIVATE_KEY'),
  KLAVIYO_BASE_URL: baseUrl(KLAVIYO_HOST, DEFAULT_KLAVIYO_BASE_URL, `KLAVIYO_BASE_URL must be https://${KLAVIYO_HOST_DESCRIPTION} or a loopback address`),
  WEBHOOK_TOKEN: required('WEBHOOK_TOKEN').min(16, 'WEBHOOK_TOKEN must be at least 16 characters'),
  METRIC_PREFIX: z.string().max(40, 'METRIC_PREFIX must be at most 40 characters').default(''),
  SHIPSTATION_V2_API_KEY: z.string().trim().optional(),
  SHIPSTATION_V2_BASE_URL: baseUrl(SHIPSTATION_V2_HOST, DEFAULT_SHIPSTATION_V2_BASE_URL, `SHIPSTATION_V2_BASE_URL must be https://${SHIPSTATION_V2_HOST_DESCRIPTION} or a loopback address`),
  TIME_ZONE: timeZone('TIME_ZONE must be an IANA time zone name, e.g. America/New_York'),
  DEFAULT_COUNTRY: countryCode('DEFAULT_COUNTRY must be a two-letter country code, e.g. US'),
  STORE_IDS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const parts = value.split(',').map((part) => part.trim());
      if (!parts.every((part) => /^[1-9]\d{0,15}$/.test(part))) {
        ctx.addIssue({ code: 'custom', message: STORE_IDS_MESSAGE });
        return z.NEVER;
      }
      return parts.map(Number);
    }),
});

/** A message for a field of the accounts document: `is required` when absent, `otherwise` when present but wrong. */
const requiredOr = (otherwise: string) => (issue: { input?: unknown }): string => (issue.input === undefined ? 'is required' : otherwise);
const text = (): z.ZodString => z.string({ error: requiredOr('must be text') }).trim().min(1, 'is required');

/** One account of the accounts document; unknown keys are refused so a misspelt setting is not silently ignored. */
const documentAccountSchema = z.strictObject({
  id: z.string({ error: requiredOr('must be text') }).regex(ACCOUNT_ID_PATTERN, 'must be lowercase letters, digits and dashes (at most 63, not starting with a dash)'),
  shipStation: z.strictObject(
    {
      apiKey: text(),
      apiSecret: text(),
      keyExpiresOn: z.iso.date({ error: requiredOr('must be a date (YYYY-MM-DD)') }),
      baseUrl: baseUrl(SHIPSTATION_HOST, DEFAULT_SHIPSTATION_BASE_URL, `must be https://${SHIPSTATION_HOST_DESCRIPTION} or a loopback address`),
    },
    { error: requiredOr('must be an object') },
  ),
  klaviyo: z.strictObject(
    {
      privateKey: text(),
      baseUrl: baseUrl(KLAVIYO_HOST, DEFAULT_KLAVIYO_BASE_URL, `must be https://${KLAVIYO_HOST_DESCRIPTION} or a loopback address`),
    },
    { error: requiredOr('must be an object') },
  ),
  webhookToken: text().min(16, 'must be at least 16 characters'),
  /** Optional: the ShipStation V2 API key that registers the tracking webhook (tracking events need it). */
  shipStationV2: z
    .strictObject(
      {
        apiKey: text(),
        baseUrl: baseUrl(SHIPSTATION_V2_HOST, DEFAULT_SHIPSTATION_V2_BASE_URL, `must be https://${SHIPSTATION_V2_HOST_DESCRIPTION} or a loopback address`),
      },
      { error: 'must be an object' },
    )
    .optional(),
  storeIds: z
    .array(z.number({ error: 'must be a ShipStation store id (a number)' }).int('must be a whole number').positive('must be a positive number'), {
      error: 'must be a list of ShipStation store ids',
    })
    .min(1, 'must list at least one store id (leave it out to include every store)')
    .optional(),
  metricPrefix: z.string({ error: 'must be text' }).max(40, 'must be at most 40 characters').default(''),
  importDays: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of days from 1 to 365')
    .min(1, 'must be a whole number of days from 1 to 365')
    .max(365, 'must be a whole number of days from 1 to 365')
    .optional(),
  timeZone: timeZone('must be an IANA time zone name, e.g. America/New_York'),
  defaultCountry: countryCode('must be a two-letter country code, e.g. US'),
});

const accountsDocumentSchema = z.strictObject(
  {
    accounts: z.array(documentAccountSchema, { error: requiredOr('must be a list') }).min(1, 'must list at least one account'),
  },
  { error: 'must be a JSON object with an "accounts" list' },
);

export interface AccountConfig {
  id: string;
  shipStation: { apiKey: string; apiSecret: string; keyExpiresOn: string; baseUrl: string; fingerprint: string };
  klaviyo: { privateKey: string; baseUrl: string; fingerprint: string };
  webhookToken: string;
  /** The V2 API key (tracking webhooks); absent = no tracking events for this account. */
  shipStationV2?: { apiKey: string; baseUrl: string; fingerprint: string };
  metricPrefix: string;
  /** Only orders and shipments of these ShipStation stores; absent means every store. */
  storeIds?: number[];
  /** Days of history the first poll imports. */
  importDays: number;
  /** IANA time zone in which the account's calendar dates (ship-by) end; default Pacific, as ShipStation V1 speaks. */
  timeZone: string;
  /** Country a phone number without a country code is read in when neither address names one (default US). */
  defaultCountry: string;
}

export interface AppConfig {
  accounts: ReadonlyMap<string, AccountConfig>;
  tableName: string;
  notificationsQueueUrl: string;
  updatesQueueUrl: string;
  klaviyoRevision: string;
  backfillAfterHours: number;
  httpTimeoutMs: number;
  /** Days the first poll imports for accounts that do not set their own (IMPORT_DAYS, default 90). */
  importDays: number;
  historyQueueUrl: string;
  pollsQueueUrl: string;
  /** Each poll window starts this long before the cursor (POLL_OVERLAP_MINUTES, default 10). */
  pollOverlapMinutes: number;
  /** Each poll window ends this long before now (POLL_LAG_MINUTES, default 2). */
  pollLagMinutes: number;
  /** The share of ShipStation's 40 requests/minute per key pair this service may use (other apps may share the key). */
  shipStationRequestsPerMinute: number;
  /** Where operator alerts go (key expiry, refused keys); without it they are only logged (a CLI run with no stage). */
  alertTopicArn?: string;
  /** The key sets V2 webhooks may be signed with (TRACKING_JWKS_URLS; TRACKING_JWKS_URL of earlier versions added). */
  trackingJwksUrls: string[];
  /** How long a tracking update waits for its label before it is dead-lettered (TRACKING_JOIN_WAIT_HOURS, default 6). */
  trackingJoinWaitHours: number;
  /** An unshipped order with no ship-by date is delayed this long after it was placed (ORDER_DELAYED_AFTER_HOURS, 72). */
  orderDelayedAfterHours: number;
  /** A tracked package with no new scan for this long is stalled (SHIPMENT_STALLED_AFTER_DAYS, default 5). */
  shipmentStalledAfterDays: number;
  /** How long a polled label or fulfilment whose order is unknown waits for it before it is read (ORDER_WAIT_SECONDS, 60). */
  orderWaitSeconds: number;
  /** First delay of the jobs that release events held while Klaviyo fails (OUTAGE_RETRY_SECONDS, 60; doubles, 5 jobs). */
  outageRetrySeconds: number;
  /** Caps every queue's retry delay (RETRY_MAX_DELAY_SECONDS; unset in AWS: the DLQ bounds assume the defaults). */
  retryMaxDelaySeconds?: number;
}

/** Where the accounts come from: the single-account environment variables, or an accounts document. */
export type AccountsSource =
  | { kind: 'env' }
  | { kind: 'file'; path: string }
  | { kind: 'secrets-manager'; id: string }
  | { kind: 'ssm'; name: string };

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
 * Every secret value of the accounts, for masking by value (observability's registerSecrets): the ShipStation key,
 * secret and the Basic credential made of them, the V2 key, the Klaviyo private key and the webhook token.
 */
export function accountSecrets(accounts: ReadonlyMap<string, AccountConfig>): string[] {
  return [...accounts.values()].flatMap((a) => [
    a.shipStation.apiKey,
    a.shipStation.apiSecret,
    Buffer.from(`${a.shipStation.apiKey}:${a.shipStation.apiSecret}`).toString('base64'),
    ...(a.shipStationV2 === undefined ? [] : [a.shipStationV2.apiKey]),
    a.klaviyo.privateKey,
    a.webhookToken,
  ]);
}

type Env = Record<string, string | undefined>;

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

const listed = (names: readonly string[]): string =>
  names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** Names of the single-account variables that are set. */
const singleAccountVariablesIn = (env: Env): string[] => SINGLE_ACCOUNT_VARIABLES.filter((name) => isSet(env[name]));

/**
 * Where the accounts come from, from ACCOUNTS_FILE, ACCOUNTS_SECRET_ID (an ARN or name) or ACCOUNTS_PARAMETER_NAME
 * (a SecureString); none of them means the single-account environment variables.
 * @throws ConfigurationError when more than one source is set, or a source beside single-account variables
 */
export function accountsSource(env: Env = process.env): AccountsSource {
  const sources = ACCOUNTS_SOURCE_VARIABLES.filter((name) => isSet(env[name]));
  if (sources.length > 1) {
    throw new ConfigurationError([`${listed(sources)} are ${sources.length === 2 ? 'both' : 'all'} set: the accounts document comes from one place only`]);
  }
  const [source] = sources;
  if (source === undefined) return { kind: 'env' };
  const accountVariables = singleAccountVariablesIn(env);
  if (accountVariables.length > 0) {
    throw new ConfigurationError([
      `${source} and ${listed(accountVariables)} are set: configure accounts either with the accounts document or with the single-account variables, not both`,
    ]);
  }
  const value = (env[source] ?? '').trim();
  if (source === 'ACCOUNTS_FILE') return { kind: 'file', path: value };
  if (source === 'ACCOUNTS_SECRET_ID') return { kind: 'secrets-manager', id: value };
  return { kind: 'ssm', name: value };
}

/**
 * How long a read accounts document is reused before it is read again (ACCOUNTS_CACHE_SECONDS, default 60), so a
 * rotated secret is picked up without a redeploy; 0 reads it every time.
 * @throws ConfigurationError when ACCOUNTS_CACHE_SECONDS is not a whole number from 0 to 86400
 */
export function accountsCacheSeconds(env: Env = process.env): number {
  const raw = env.ACCOUNTS_CACHE_SECONDS;
  if (!isSet(raw)) return DEFAULT_ACCOUNTS_CACHE_SECONDS;
  const seconds = Number(raw.trim());
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400) {
    throw new ConfigurationError(['ACCOUNTS_CACHE_SECONDS must be a whole number of seconds from 0 to 86400']);
  }
  return seconds;
}

/** The problems of a failed environment parse, each naming its variable. */
const envProblems = (error: z.ZodError): string[] =>
  error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
  });

/** `accounts[1].shipStation.apiKey`: where in the accounts document an issue is. */
const documentPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), '');

/** The problems of a failed document parse, each naming its path; messages are ours and never carry a value. */
const documentProblems = (error: z.ZodError): string[] =>
  error.issues.flatMap((issue) => {
    const where = documentPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${where === '' ? key : `${where}.${key}`} is not a known setting`);
    }
    return [`${where === '' ? 'the accounts document' : where} ${issue.message}`];
  });

/** Where a JSON syntax error is, without quoting the text around it (it may hold a secret). */
const jsonErrorLocation = (documentText: string, error: unknown): string => {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (position === undefined) return '';
  const before = documentText.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
};

type DocumentAccount = z.infer<typeof documentAccountSchema>;

/** Ids and webhook tokens must be unique: a token identifies exactly one account. */
const duplicateProblems = (accounts: DocumentAccount[]): string[] => {
  const problems: string[] = [];
  const firstWithId = new Map<string, number>();
  const firstWithToken = new Map<string, number>();
  accounts.forEach((account, index) => {
    const sameId = firstWithId.get(account.id);
    if (sameId === undefined) firstWithId.set(account.id, index);
    else problems.push(`accounts[${index}].id "${account.id}" is also the id of accounts[${sameId}]`);
    const sameToken = firstWithToken.get(account.webhookToken);
    if (sameToken === undefined) firstWithToken.set(account.webhookToken, index);
    else problems.push(`accounts[${index}].webhookToken is the same as accounts[${sameToken}].webhookToken: each account needs its own token`);
  });
  return problems;
};

/** Parses the accounts document text; throws nothing, returns the accounts or the problems. */
const parseAccountsDocument = (documentText: string): { accounts: DocumentAccount[] } | { problems: string[] } => {
  let json: unknown;
  try {
    json = JSON.parse(documentText);
  } catch (error) {
    return { problems: [`the accounts document is not valid JSON${jsonErrorLocation(documentText, error)}`] };
  }
  const parsed = accountsDocumentSchema.safeParse(json);
  if (!parsed.success) return { problems: documentProblems(parsed.error) };
  const duplicates = duplicateProblems(parsed.data.accounts);
  return duplicates.length > 0 ? { problems: duplicates } : { accounts: parsed.data.accounts };
};

interface AccountSettings {
  id: string;
  shipStation: { apiKey: string; apiSecret: string; keyExpiresOn: string; baseUrl: string };
  klaviyo: { privateKey: string; baseUrl: string };
  webhookToken: string;
  shipStationV2?: { apiKey: string; baseUrl: string } | undefined;
  metricPrefix: string;
  storeIds?: number[] | undefined;
  importDays: number;
  timeZone: string;
  defaultCountry: string;
}

/** Adds the credential fingerprints; leaves `storeIds` out when every store is wanted. */
const accountConfig = (a: AccountSettings): AccountConfig => ({
  id: a.id,
  shipStation: { ...a.shipStation, fingerprint: fingerprint(a.shipStation.apiKey, a.shipStation.apiSecret) },
  klaviyo: { ...a.klaviyo, fingerprint: fingerprint(a.klaviyo.privateKey) },
  webhookToken: a.webhookToken,
  ...(a.shipStationV2 === undefined ? {} : { shipStationV2: { ...a.shipStationV2, fingerprint: fingerprint(a.shipStationV2.apiKey) } }),
  metricPrefix: a.metricPrefix,
  ...(a.storeIds === undefined ? {} : { storeIds: a.storeIds }),
  importDays: a.importDays,
  timeZone: a.timeZone,
  defaultCountry: a.defaultCountry,
});

/**
 * The key sets to trust: TRACKING_JWKS_URLS (default: both known URLs), plus TRACKING_JWKS_URL when an earlier
 * version's single setting is still set (alone, it replaces the default as it used to).
 */
const jwksUrls = (legacy: string | undefined, listed: string[] | undefined): string[] => {
  if (legacy === undefined) return listed ?? [...DEFAULT_TRACKING_JWKS_URLS];
  return [...new Set([legacy.trim(), ...(listed ?? [])])];
};

/**
 * Parses the environment (and the accounts document, when accounts come from one) into the application configuration.
 * @param env the variables to read (process.env at cold start; tests pass their own)
 * @param accountsDocument the accounts document's JSON text, already read from its source (see accountsSource);
 *   when given, the environment holds only the service settings
 * @throws ConfigurationError naming each missing or invalid variable or document path, never a secret value
 */
export function loadConfig(rawEnv: Env = process.env, accountsDocument?: string): AppConfig {
  // A variable set to '' counts as unset (serverless.yml passes '' for what a stage does not configure).
  const env: Env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value === undefined || value.trim() !== ''));
  const source = accountsSource(env);
  if (source.kind !== 'env' && accountsDocument === undefined) {
    const variable = { file: 'ACCOUNTS_FILE', 'secrets-manager': 'ACCOUNTS_SECRET_ID', ssm: 'ACCOUNTS_PARAMETER_NAME' }[source.kind];
    throw new ConfigurationError([`${variable} is set: the accounts document must be loaded first (readAccountsDocument) and passed to loadConfig`]);
  }
  if (accountsDocument !== undefined) {
    const accountVariables = singleAccountVariablesIn(env);
    if (accountVariables.length > 0) {
      throw new ConfigurationError([
        `an accounts document was given and ${listed(accountVariables)} ${accountVariables.length === 1 ? 'is' : 'are'} set: configure accounts either with the accounts document or with the single-account variables, not both`,
      ]);
    }
  }

  const service = serviceSchema.safeParse(env);
  const problems = service.success ? [] : envProblems(service.error);
  let accounts: AccountSettings[] = [];
  if (accountsDocument === undefined) {
    const single = singleAccountSchema.safeParse(env);
    if (single.success) {
      const e = single.data;
      accounts = [
        {
          id: e.ACCOUNT_ID,
          shipStation: { apiKey: e.SHIPSTATION_API_KEY, apiSecret: e.SHIPSTATION_API_SECRET, keyExpiresOn: e.SHIPSTATION_KEY_EXPIRES_ON, baseUrl: e.SHIPSTATION_BASE_URL },
          klaviyo: { privateKey: e.KLAVIYO_PRIVATE_KEY, baseUrl: e.KLAVIYO_BASE_URL },
          webhookToken: e.WEBHOOK_TOKEN,
          shipStationV2: e.SHIPSTATION_V2_API_KEY === undefined || e.SHIPSTATION_V2_API_KEY === '' ? undefined : { apiKey: e.SHIPSTATION_V2_API_KEY, baseUrl: e.SHIPSTATION_V2_BASE_URL },
          metricPrefix: e.METRIC_PREFIX,
          storeIds: e.STORE_IDS,
          importDays: service.data?.IMPORT_DAYS ?? DEFAULT_IMPORT_DAYS,
          timeZone: e.TIME_ZONE,
          defaultCountry: e.DEFAULT_COUNTRY,
        },
      ];
    } else {
      problems.unshift(...envProblems(single.error));
    }
  } else {
    const parsed = parseAccountsDocument(accountsDocument);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else accounts = parsed.accounts.map((a) => ({ ...a, importDays: a.importDays ?? service.data?.IMPORT_DAYS ?? DEFAULT_IMPORT_DAYS }));
  }
  if (!service.success || problems.length > 0) throw new ConfigurationError(problems);

  const s = service.data;
  return {
    accounts: new Map(accounts.map((a) => [a.id, accountConfig(a)])),
    tableName: s.TABLE_NAME,
    notificationsQueueUrl: s.NOTIFICATIONS_QUEUE_URL,
    updatesQueueUrl: s.UPDATES_QUEUE_URL,
    klaviyoRevision: s.KLAVIYO_REVISION,
    backfillAfterHours: s.BACKFILL_AFTER_HOURS,
    httpTimeoutMs: s.HTTP_TIMEOUT_MS,
    importDays: s.IMPORT_DAYS,
    historyQueueUrl: s.HISTORY_QUEUE_URL,
    pollsQueueUrl: s.POLLS_QUEUE_URL,
    pollOverlapMinutes: s.POLL_OVERLAP_MINUTES,
    pollLagMinutes: s.POLL_LAG_MINUTES,
    shipStationRequestsPerMinute: s.SHIPSTATION_REQUESTS_PER_MINUTE,
    ...(s.ALERT_TOPIC_ARN === undefined ? {} : { alertTopicArn: s.ALERT_TOPIC_ARN }),
    trackingJwksUrls: jwksUrls(s.TRACKING_JWKS_URL, env.TRACKING_JWKS_URLS === undefined ? undefined : s.TRACKING_JWKS_URLS),
    trackingJoinWaitHours: s.TRACKING_JOIN_WAIT_HOURS,
    orderDelayedAfterHours: s.ORDER_DELAYED_AFTER_HOURS,
    shipmentStalledAfterDays: s.SHIPMENT_STALLED_AFTER_DAYS,
    orderWaitSeconds: s.ORDER_WAIT_SECONDS,
    outageRetrySeconds: s.OUTAGE_RETRY_SECONDS,
    ...(s.RETRY_MAX_DELAY_SECONDS === undefined ? {} : { retryMaxDelaySeconds: s.RETRY_MAX_DELAY_SECONDS }),
  };
}
