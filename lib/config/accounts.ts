// Accounts: who the service works for, from the single-account environment variables or the accounts document, in two
// views: the full account (workers, the CLI) and the webhook view (receivers and the scheduler: id, token, ShipStation
// host), so a function that never calls ShipStation or Klaviyo needs none of their keys.
import { createHash } from 'node:crypto';
import * as z from '../domain/zod.js';
import {
  baseUrl,
  DEFAULT_KLAVIYO_BASE_URL,
  DEFAULT_SHIPSTATION_BASE_URL,
  DEFAULT_SHIPSTATION_V2_BASE_URL,
  KLAVIYO_HOST,
  KLAVIYO_HOST_DESCRIPTION,
  SHIPSTATION_HOST,
  SHIPSTATION_HOST_DESCRIPTION,
  SHIPSTATION_V2_HOST,
  SHIPSTATION_V2_HOST_DESCRIPTION,
} from './hosts.js';
import { documentProblems, envProblems, jsonErrorLocation } from './problems.js';
import { onFirstUse } from './settings.js';
import type { Env } from './sources.js';

/** ShipStation V1 speaks Pacific time: the default time zone in which an account's calendar dates end. */
export const DEFAULT_TIME_ZONE = 'America/Los_Angeles';
/** The country a phone number without a country code is read in when neither address names one. */
export const DEFAULT_COUNTRY = 'US';

const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STORE_IDS_MESSAGE = 'STORE_IDS must be a comma-separated list of ShipStation store ids';

let canonicalZones: ReadonlySet<string> | undefined;

/**
 * Whether Node knows a time zone name. A canonical name is looked up in Intl's list; only another spelling (an alias
 * such as `US/Pacific`) builds a formatter to find out, because the first formatter loads ICU's locale data (~12 ms of
 * every cold start otherwise, for a check of the default).
 */
const isTimeZone = (value: string): boolean => {
  if (value === '') return false;
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/** An IANA time zone name Node knows (`America/New_York`); calendar dates of the account end at midnight there. */
const timeZone = (message: string): z.ZodMiniType<string> =>
  z._default(z.string({ error: message }).check(z.trim()), DEFAULT_TIME_ZONE).check(z.refine(isTimeZone, message));

/** A two-letter ISO country code, upper-cased. */
const countryCode = (message: string): z.ZodMiniType<string> =>
  z.pipe(
    z._default(z.string({ error: message }).check(z.trim()), DEFAULT_COUNTRY).check(z.refine((value) => /^[A-Za-z]{2}$/.test(value), message)),
    z.transform((value) => value.toUpperCase()),
  );

const required = (name: string): z.ZodMiniString<string> => z.string({ error: `${name} is required` }).check(z.trim(), z.minLength(1, `${name} is required`));

/** A message for a field of the accounts document: `is required` when absent, `otherwise` when present but wrong. */
const requiredOr =
  (otherwise: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : otherwise;
const text = (): z.ZodMiniString<string> => z.string({ error: requiredOr('must be text') }).check(z.trim(), z.minLength(1, 'is required'));

/** One account of the accounts document; unknown keys are refused so a misspelt setting is not silently ignored. */
const documentAccountSchema = onFirstUse(() =>
  z
    .strictObject({
      id: z
        .string({ error: requiredOr('must be text') })
        .check(z.regex(ACCOUNT_ID_PATTERN, 'must be lowercase letters, digits and dashes (at most 63, not starting with a dash)')),
      /** The V1 key pair; optional when a V2 key is given (a plan without V1 API access). */
      shipStation: z.optional(
        z.strictObject(
          {
            apiKey: text(),
            apiSecret: text(),
            /** The day the V1 key expires (`YYYY-MM-DD`). */
            keyExpiresOn: z.iso.date({ error: requiredOr('must be a date (YYYY-MM-DD)') }),
            baseUrl: baseUrl(SHIPSTATION_HOST, DEFAULT_SHIPSTATION_BASE_URL, `must be https://${SHIPSTATION_HOST_DESCRIPTION} or a loopback address`),
          },
          { error: 'must be an object' },
        ),
      ),
      klaviyo: z.strictObject(
        {
          privateKey: text(),
          baseUrl: baseUrl(KLAVIYO_HOST, DEFAULT_KLAVIYO_BASE_URL, `must be https://${KLAVIYO_HOST_DESCRIPTION} or a loopback address`),
        },
        { error: requiredOr('must be an object') },
      ),
      webhookToken: text().check(z.minLength(16, 'must be at least 16 characters')),
      /** The ShipStation V2 API key: V2 webhooks, the V2 poll and tracking (optional when a V1 key pair is given). */
      shipStationV2: z.optional(
        z.strictObject(
          {
            apiKey: text(),
            baseUrl: baseUrl(SHIPSTATION_V2_HOST, DEFAULT_SHIPSTATION_V2_BASE_URL, `must be https://${SHIPSTATION_V2_HOST_DESCRIPTION} or a loopback address`),
          },
          { error: 'must be an object' },
        ),
      ),
      /** Only orders and shipments of these ShipStation stores; absent means every store. */
      storeIds: z.optional(
        z
          .array(
            z.number({ error: 'must be a ShipStation store id (a number)' }).check(z.int('must be a whole number'), z.positive('must be a positive number')),
            {
              error: 'must be a list of ShipStation store ids',
            },
          )
          .check(z.minLength(1, 'must list at least one store id (leave it out to include every store)')),
      ),
      metricPrefix: z._default(z.string({ error: 'must be text' }).check(z.maxLength(40, 'must be at most 40 characters')), ''),
      /** Days of history the first poll imports (IMPORT_DAYS when absent). */
      importDays: z.optional(
        z
          .number({ error: 'must be a number' })
          .check(
            z.int('must be a whole number of days from 1 to 365'),
            z.gte(1, 'must be a whole number of days from 1 to 365'),
            z.lte(365, 'must be a whole number of days from 1 to 365'),
          ),
      ),
      /** IANA time zone in which the account's calendar dates (ship-by) end; default Pacific, as ShipStation V1 speaks. */
      timeZone: timeZone('must be an IANA time zone name, e.g. America/New_York'),
      /** Country a phone number without a country code is read in when neither address names one (default US). */
      defaultCountry: countryCode('must be a two-letter country code, e.g. US'),
    })
    .check(
      z.refine((account) => account.shipStation !== undefined || account.shipStationV2 !== undefined, {
        message: 'needs a ShipStation key: shipStation (V1 key pair), shipStationV2 (V2 API key), or both',
        path: ['shipStation'],
      }),
    ),
);

const accountsDocumentSchema = onFirstUse(() =>
  z.strictObject(
    {
      accounts: z.array(documentAccountSchema(), { error: requiredOr('must be a list') }).check(z.minLength(1, 'must list at least one account')),
    },
    { error: 'must be a JSON object with an "accounts" list' },
  ),
);

/** An account as the document declares it (the single-account variables produce the same shape). */
type DocumentAccount = z.output<ReturnType<typeof documentAccountSchema>>;
type Fingerprinted<T> = T & { fingerprint: string };

/** An account's configuration: the document's shape, its import days settled, its credentials fingerprinted. */
export type AccountConfig = Omit<DocumentAccount, 'shipStation' | 'klaviyo' | 'shipStationV2' | 'importDays'> & {
  /** The V1 key pair; absent = the account runs on API V2 only. */
  shipStation?: Fingerprinted<NonNullable<DocumentAccount['shipStation']>>;
  klaviyo: Fingerprinted<DocumentAccount['klaviyo']>;
  /** The V2 API key (V2 webhooks, poll and tracking); absent = the account runs on V1 only, without tracking events. */
  shipStationV2?: Fingerprinted<NonNullable<DocumentAccount['shipStationV2']>>;
  /** Days of history the first poll imports. */
  importDays: number;
};

/** What a webhook receiver and the scheduler know of an account: no ShipStation or Klaviyo key. */
export interface WebhookAccountConfig {
  id: string;
  webhookToken: string;
  shipStation: { baseUrl: string };
  shipStationV2: { baseUrl: string };
}

/** Which view of the accounts a function needs. */
export type AccountsView = 'full' | 'webhook';
export type AccountsOf<V extends AccountsView> = ReadonlyMap<string, V extends 'full' ? AccountConfig : WebhookAccountConfig>;

/** The single-account variables each view reads (the full view reads them all, and IMPORT_DAYS as an account default). */
export const WEBHOOK_VIEW_VARIABLES = ['ACCOUNT_ID', 'SHIPSTATION_BASE_URL', 'SHIPSTATION_V2_BASE_URL', 'WEBHOOK_TOKEN'] as const;

/** The one account of the environment path: the variables every view needs. */
const singleWebhookAccountSchema = onFirstUse(() =>
  z.object({
    ACCOUNT_ID: z._default(z.string().check(z.regex(ACCOUNT_ID_PATTERN, 'ACCOUNT_ID must be lowercase letters, digits and dashes')), 'default'),
    SHIPSTATION_BASE_URL: baseUrl(
      SHIPSTATION_HOST,
      DEFAULT_SHIPSTATION_BASE_URL,
      `SHIPSTATION_BASE_URL must be https://${SHIPSTATION_HOST_DESCRIPTION} or a loopback address`,
    ),
    SHIPSTATION_V2_BASE_URL: baseUrl(
      SHIPSTATION_V2_HOST,
      DEFAULT_SHIPSTATION_V2_BASE_URL,
      `SHIPSTATION_V2_BASE_URL must be https://${SHIPSTATION_V2_HOST_DESCRIPTION} or a loopback address`,
    ),
    WEBHOOK_TOKEN: required('WEBHOOK_TOKEN').check(z.minLength(16, 'WEBHOOK_TOKEN must be at least 16 characters')),
  }),
);

/** The one account of the environment path, in full. */
const singleAccountSchema = onFirstUse(() =>
  z.object({
    ACCOUNT_ID: singleWebhookAccountSchema().shape.ACCOUNT_ID,
    SHIPSTATION_API_KEY: z.optional(z.string().check(z.trim())),
    SHIPSTATION_API_SECRET: z.optional(z.string().check(z.trim())),
    // Blank is "not given" (an account on API V2 only), like the key and secret.
    SHIPSTATION_KEY_EXPIRES_ON: z.optional(z.union([z.literal(''), z.iso.date({ error: 'SHIPSTATION_KEY_EXPIRES_ON must be a date (YYYY-MM-DD)' })])),
    SHIPSTATION_BASE_URL: singleWebhookAccountSchema().shape.SHIPSTATION_BASE_URL,
    KLAVIYO_PRIVATE_KEY: required('KLAVIYO_PRIVATE_KEY'),
    KLAVIYO_BASE_URL: baseUrl(KLAVIYO_HOST, DEFAULT_KLAVIYO_BASE_URL, `KLAVIYO_BASE_URL must be https://${KLAVIYO_HOST_DESCRIPTION} or a loopback address`),
    WEBHOOK_TOKEN: singleWebhookAccountSchema().shape.WEBHOOK_TOKEN,
    METRIC_PREFIX: z._default(z.string().check(z.maxLength(40, 'METRIC_PREFIX must be at most 40 characters')), ''),
    SHIPSTATION_V2_API_KEY: z.optional(z.string().check(z.trim())),
    SHIPSTATION_V2_BASE_URL: singleWebhookAccountSchema().shape.SHIPSTATION_V2_BASE_URL,
    TIME_ZONE: timeZone('TIME_ZONE must be an IANA time zone name, e.g. America/New_York'),
    DEFAULT_COUNTRY: countryCode('DEFAULT_COUNTRY must be a two-letter country code, e.g. US'),
    STORE_IDS: z.pipe(
      z.optional(z.string()),
      z.transform((value, ctx) => {
        if (value === undefined || value.trim() === '') return undefined;
        const parts = value.split(',').map((part) => part.trim());
        if (!parts.every((part) => /^[1-9]\d{0,15}$/.test(part))) {
          ctx.issues.push({ code: 'custom', message: STORE_IDS_MESSAGE, input: value });
          return z.NEVER;
        }
        return parts.map(Number);
      }),
    ),
  }),
);

/** A short, non-reversible id of a credential, so a rotated key is told apart from the one found invalid. */
export function fingerprint(...secrets: string[]): string {
  return createHash('sha256').update(secrets.join('\u0000')).digest('hex').slice(0, 16);
}

/**
 * Every secret value of the accounts, for masking by value (observability's registerSecrets): the ShipStation key,
 * secret and the Basic credential made of them, the V2 key, the Klaviyo private key and the webhook token.
 */
export function accountSecrets(accounts: ReadonlyMap<string, AccountConfig | WebhookAccountConfig>): string[] {
  return [...accounts.values()].flatMap((a) =>
    'klaviyo' in a
      ? [
          ...(a.shipStation === undefined
            ? []
            : [a.shipStation.apiKey, a.shipStation.apiSecret, Buffer.from(`${a.shipStation.apiKey}:${a.shipStation.apiSecret}`).toString('base64')]),
          ...(a.shipStationV2 === undefined ? [] : [a.shipStationV2.apiKey]),
          a.klaviyo.privateKey,
          a.webhookToken,
        ]
      : [a.webhookToken],
  );
}

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
  const parsed = accountsDocumentSchema().safeParse(json);
  if (!parsed.success) return { problems: documentProblems(parsed.error) };
  const duplicates = duplicateProblems(parsed.data.accounts);
  return duplicates.length > 0 ? { problems: duplicates } : { accounts: parsed.data.accounts };
};

/** Adds the credential fingerprints and the import days; leaves `storeIds` out when every store is wanted. */
const accountConfig = (a: DocumentAccount, defaultImportDays: number): AccountConfig => ({
  id: a.id,
  ...(a.shipStation === undefined ? {} : { shipStation: { ...a.shipStation, fingerprint: fingerprint(a.shipStation.apiKey, a.shipStation.apiSecret) } }),
  klaviyo: { ...a.klaviyo, fingerprint: fingerprint(a.klaviyo.privateKey) },
  webhookToken: a.webhookToken,
  ...(a.shipStationV2 === undefined ? {} : { shipStationV2: { ...a.shipStationV2, fingerprint: fingerprint(a.shipStationV2.apiKey) } }),
  metricPrefix: a.metricPrefix,
  ...(a.storeIds === undefined ? {} : { storeIds: a.storeIds }),
  importDays: a.importDays ?? defaultImportDays,
  timeZone: a.timeZone,
  defaultCountry: a.defaultCountry,
});

const webhookView = (a: {
  id: string;
  webhookToken: string;
  shipStation?: { baseUrl: string };
  shipStationV2?: { baseUrl: string };
}): WebhookAccountConfig => ({
  id: a.id,
  webhookToken: a.webhookToken,
  shipStation: { baseUrl: a.shipStation?.baseUrl ?? DEFAULT_SHIPSTATION_BASE_URL },
  shipStationV2: { baseUrl: a.shipStationV2?.baseUrl ?? DEFAULT_SHIPSTATION_V2_BASE_URL },
});

/** The environment path's one account, in full. */
const singleAccount = (env: Env): { account: DocumentAccount } | { problems: string[] } => {
  const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';
  const v1Names = ['SHIPSTATION_API_KEY', 'SHIPSTATION_API_SECRET', 'SHIPSTATION_KEY_EXPIRES_ON'] as const;
  const v2Key = given(env.SHIPSTATION_V2_API_KEY);
  // The V1 pair is all or nothing; none of it is fine for an account on API V2 only.
  const keyProblems = v1Names.some((name) => given(env[name]))
    ? v1Names.filter((name) => !given(env[name])).map((name) => `${name} is required`)
    : v2Key
      ? []
      : [
          'SHIPSTATION_API_KEY is required (with SHIPSTATION_API_SECRET and SHIPSTATION_KEY_EXPIRES_ON), or SHIPSTATION_V2_API_KEY for an account on API V2 only',
        ];
  const single = singleAccountSchema().safeParse(env);
  if (!single.success || keyProblems.length > 0) return { problems: [...keyProblems, ...(single.success ? [] : envProblems(single.error))] };
  const e = single.data;
  return {
    account: {
      id: e.ACCOUNT_ID,
      shipStation:
        given(e.SHIPSTATION_API_KEY) && given(e.SHIPSTATION_API_SECRET) && given(e.SHIPSTATION_KEY_EXPIRES_ON)
          ? { apiKey: e.SHIPSTATION_API_KEY, apiSecret: e.SHIPSTATION_API_SECRET, keyExpiresOn: e.SHIPSTATION_KEY_EXPIRES_ON, baseUrl: e.SHIPSTATION_BASE_URL }
          : undefined,
      klaviyo: { privateKey: e.KLAVIYO_PRIVATE_KEY, baseUrl: e.KLAVIYO_BASE_URL },
      webhookToken: e.WEBHOOK_TOKEN,
      shipStationV2: v2Key ? { apiKey: e.SHIPSTATION_V2_API_KEY as string, baseUrl: e.SHIPSTATION_V2_BASE_URL } : undefined,
      metricPrefix: e.METRIC_PREFIX,
      storeIds: e.STORE_IDS,
      importDays: undefined,
      timeZone: e.TIME_ZONE,
      defaultCountry: e.DEFAULT_COUNTRY,
    },
  };
};

/**
 * The accounts in the view a function needs, from the accounts document when one was read, otherwise from the
 * single-account variables (for the webhook view, only ACCOUNT_ID, WEBHOOK_TOKEN and SHIPSTATION_BASE_URL).
 * A document is always checked whole, whichever view is taken from it.
 * @returns the accounts, or the problems (each naming its variable or document path, never a value)
 */
export function loadAccounts<V extends AccountsView>(
  view: V,
  env: Env,
  accountsDocument: string | undefined,
  defaultImportDays: number,
): { accounts: AccountsOf<V> } | { problems: string[] } {
  let accounts: DocumentAccount[];
  if (accountsDocument !== undefined) {
    const parsed = parseAccountsDocument(accountsDocument);
    if ('problems' in parsed) return parsed;
    accounts = parsed.accounts;
  } else if (view === 'webhook') {
    const single = singleWebhookAccountSchema().safeParse(env);
    if (!single.success) return { problems: envProblems(single.error) };
    const e = single.data;
    const account = webhookView({
      id: e.ACCOUNT_ID,
      webhookToken: e.WEBHOOK_TOKEN,
      shipStation: { baseUrl: e.SHIPSTATION_BASE_URL },
      shipStationV2: { baseUrl: e.SHIPSTATION_V2_BASE_URL },
    });
    return { accounts: new Map([[account.id, account]]) as unknown as AccountsOf<V> };
  } else {
    const single = singleAccount(env);
    if ('problems' in single) return single;
    accounts = [single.account];
  }
  const configs = accounts.map((a) => (view === 'full' ? accountConfig(a, defaultImportDays) : webhookView(a)));
  return { accounts: new Map(configs.map((a) => [a.id, a])) as unknown as AccountsOf<V> };
}
