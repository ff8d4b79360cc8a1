// The service's own settings, read from the environment on both account paths, grouped by concern. Each concern is one
// zod schema that names its variables and turns them into the fields the code reads; the types come from the schemas,
// so a setting is declared in one place. A function parses only the concerns it uses (lib/wiring/<function>.ts).
import * as z from '../domain/zod.js';
import { JWKS_HOST, onHost } from './hosts.js';
import { envProblems } from './problems.js';
import type { Env } from './sources.js';

/**
 * Where ShipStation publishes the public keys its V2 webhooks are signed with. No official page prints the URL: public
 * implementations verify against ShipEngine's `/jwks`, the maintained PHP client (compwright/shipstation-php) fetches
 * ShipStation's `webhook-jwks.json`. Both are trusted by default (keys merged by key id); TRACKING_JWKS_URLS replaces
 * the list (reference/shipstation-api.md, "V2 facts, December 2026").
 */
export const DEFAULT_TRACKING_JWKS_URLS: readonly string[] = ['https://api.shipengine.com/jwks', 'https://api.shipstation.com/v1/webhook-jwks.json'];
/** Pinned Klaviyo API revision: 2026-04-15 is the first with `backfill`. */
export const DEFAULT_KLAVIYO_REVISION = '2026-07-15';
const FIRST_REVISION_WITH_BACKFILL = '2026-04-15';
export const DEFAULT_IMPORT_DAYS = 90;
const JWKS_URL_MESSAGE =
  'TRACKING_JWKS_URLS must be a comma-separated list of https://api.shipstation.com/…, https://api.shipengine.com/… or https://api.eu.shipengine.com/… URLs (or loopback addresses)';

const required = (name: string): z.ZodMiniString<string> => z.string({ error: `${name} is required` }).check(z.trim(), z.minLength(1, `${name} is required`));

/** A whole number of seconds from 1 to 900 (SQS's longest delay). */
const seconds = (name: string) => {
  const message = `${name} must be a whole number of seconds from 1 to 900`;
  return z.coerce.number({ error: `${name} must be a number` }).check(z.int(message), z.gte(1, message), z.lte(900, message));
};

/**
 * The key sets to trust: TRACKING_JWKS_URLS (default: both known URLs), plus TRACKING_JWKS_URL when an earlier
 * version's single setting is still set (alone, it replaces the default as it used to).
 */
const jwksUrls = (legacy: string | undefined, listed: string[] | undefined): string[] => {
  if (legacy === undefined) return listed ?? [...DEFAULT_TRACKING_JWKS_URLS];
  return [...new Set([legacy.trim(), ...(listed ?? [])])];
};

/** Builds a value on first use: a function parses only the concerns it reads, and the others cost nothing at cold start. */
export function onFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/** Each concern's variables and the fields they become (each schema built when a function first reads the concern). */
export const SETTINGS = {
  klaviyo: onFirstUse(() =>
    z.pipe(
      z.object({
        KLAVIYO_REVISION: z._default(
          z.string().check(
            z.regex(/^\d{4}-\d{2}-\d{2}(\.\w+)?$/, 'KLAVIYO_REVISION must look like 2026-07-15'),
            z.refine((r) => r.slice(0, 10) >= FIRST_REVISION_WITH_BACKFILL, `KLAVIYO_REVISION must be ${FIRST_REVISION_WITH_BACKFILL} or later (backfill)`),
          ),
          DEFAULT_KLAVIYO_REVISION,
        ),
      }),
      z.transform((e) => ({
        /** The Klaviyo API revision every request names (KLAVIYO_REVISION). */
        klaviyoRevision: e.KLAVIYO_REVISION,
      })),
    ),
  ),
  publishing: onFirstUse(() =>
    z.pipe(
      z.object({
        BACKFILL_AFTER_HOURS: z._default(z.coerce.number({ error: 'BACKFILL_AFTER_HOURS must be a number' }).check(z.positive()), 24),
        ORDER_DELAYED_AFTER_HOURS: z._default(
          z.coerce
            .number({ error: 'ORDER_DELAYED_AFTER_HOURS must be a number' })
            .check(z.positive('ORDER_DELAYED_AFTER_HOURS must be more than 0'), z.lte(24 * 60, 'ORDER_DELAYED_AFTER_HOURS must be at most 1440')),
          72,
        ),
        ORDER_WAIT_SECONDS: z._default(seconds('ORDER_WAIT_SECONDS'), 60),
        BULK_WAIT_SECONDS: z._default(seconds('BULK_WAIT_SECONDS'), 120),
        SHIPMENT_STALLED_AFTER_DAYS: z._default(
          z.coerce
            .number({ error: 'SHIPMENT_STALLED_AFTER_DAYS must be a number' })
            .check(z.positive('SHIPMENT_STALLED_AFTER_DAYS must be more than 0'), z.lte(60, 'SHIPMENT_STALLED_AFTER_DAYS must be at most 60')),
          5,
        ),
      }),
      z.transform((e) => ({
        /** An event older than this is sent with `backfill` (BACKFILL_AFTER_HOURS, default 24). */
        backfillAfterHours: e.BACKFILL_AFTER_HOURS,
        /** An unshipped order with no ship-by date is delayed this long after it was placed (ORDER_DELAYED_AFTER_HOURS, 72). */
        orderDelayedAfterHours: e.ORDER_DELAYED_AFTER_HOURS,
        /** How long a polled label or fulfilment whose order is unknown waits for it before it is read (ORDER_WAIT_SECONDS, 60). */
        orderWaitSeconds: e.ORDER_WAIT_SECONDS,
        /** How long history events that would only fill part of a bulk request wait for more (BULK_WAIT_SECONDS, 120). */
        bulkWaitSeconds: e.BULK_WAIT_SECONDS,
        /** A tracked package with no new scan for this long is stalled (SHIPMENT_STALLED_AFTER_DAYS, default 5). */
        shipmentStalledAfterDays: e.SHIPMENT_STALLED_AFTER_DAYS,
      })),
    ),
  ),
  http: onFirstUse(() =>
    z.pipe(
      z.object({
        HTTP_TIMEOUT_MS: z._default(z.coerce.number({ error: 'HTTP_TIMEOUT_MS must be a number' }).check(z.int(), z.gte(100), z.lte(60_000)), 10_000),
      }),
      z.transform((e) => ({
        /** Each HTTP attempt's timeout (HTTP_TIMEOUT_MS, default 10,000). */
        httpTimeoutMs: e.HTTP_TIMEOUT_MS,
      })),
    ),
  ),
  shipStationBudget: onFirstUse(() =>
    z.pipe(
      z.object({
        SHIPSTATION_REQUESTS_PER_MINUTE: z._default(
          z.coerce
            .number({ error: 'SHIPSTATION_REQUESTS_PER_MINUTE must be a number' })
            .check(z.int(), z.gte(1, 'SHIPSTATION_REQUESTS_PER_MINUTE must be 1 or more')),
          // Above 40 only matters against a simulator: the budget never exceeds the X-Rate-Limit-Limit ShipStation reports.
          40,
        ),
        SHIPSTATION_V2_REQUESTS_PER_MINUTE: z._default(
          z.coerce
            .number({ error: 'SHIPSTATION_V2_REQUESTS_PER_MINUTE must be a number' })
            .check(z.int(), z.gte(1, 'SHIPSTATION_V2_REQUESTS_PER_MINUTE must be 1 or more')),
          200,
        ),
      }),
      z.transform((e) => ({
        /** The share of ShipStation's 40 requests/minute per key pair this service may use (other apps may share the key). */
        shipStationRequestsPerMinute: e.SHIPSTATION_REQUESTS_PER_MINUTE,
        /** The share of API V2's 200 requests/minute per V2 key this service may use. */
        shipStationV2RequestsPerMinute: e.SHIPSTATION_V2_REQUESTS_PER_MINUTE,
      })),
    ),
  ),
  polling: onFirstUse(() =>
    z.pipe(
      z.object({
        IMPORT_DAYS: z._default(
          z.coerce
            .number({ error: 'IMPORT_DAYS must be a number' })
            .check(
              z.int('IMPORT_DAYS must be a whole number of days from 1 to 365'),
              z.gte(1, 'IMPORT_DAYS must be a whole number of days from 1 to 365'),
              z.lte(365, 'IMPORT_DAYS must be a whole number of days from 1 to 365'),
            ),
          DEFAULT_IMPORT_DAYS,
        ),
        POLL_OVERLAP_MINUTES: z._default(z.coerce.number({ error: 'POLL_OVERLAP_MINUTES must be a number' }).check(z.gte(0), z.lte(1_440)), 10),
        POLL_LAG_MINUTES: z._default(z.coerce.number({ error: 'POLL_LAG_MINUTES must be a number' }).check(z.gte(0), z.lte(60)), 2),
      }),
      z.transform((e) => ({
        /** Days the first poll imports for accounts that do not set their own (IMPORT_DAYS, default 90). */
        importDays: e.IMPORT_DAYS,
        /** Each poll window starts this long before the cursor (POLL_OVERLAP_MINUTES, default 10). */
        pollOverlapMinutes: e.POLL_OVERLAP_MINUTES,
        /** Each poll window ends this long before now (POLL_LAG_MINUTES, default 2). */
        pollLagMinutes: e.POLL_LAG_MINUTES,
      })),
    ),
  ),
  storage: onFirstUse(() =>
    z.pipe(
      z.object({ TABLE_NAME: required('TABLE_NAME') }),
      z.transform((e) => ({
        /** The service's DynamoDB table (TABLE_NAME). */
        tableName: e.TABLE_NAME,
      })),
    ),
  ),
  notificationsQueue: onFirstUse(() =>
    z.pipe(
      z.object({ NOTIFICATIONS_QUEUE_URL: required('NOTIFICATIONS_QUEUE_URL') }),
      z.transform((e) => ({ notificationsQueueUrl: e.NOTIFICATIONS_QUEUE_URL })),
    ),
  ),
  updatesQueue: onFirstUse(() =>
    z.pipe(
      z.object({ UPDATES_QUEUE_URL: required('UPDATES_QUEUE_URL') }),
      z.transform((e) => ({ updatesQueueUrl: e.UPDATES_QUEUE_URL })),
    ),
  ),
  historyQueue: onFirstUse(() =>
    z.pipe(
      z.object({ HISTORY_QUEUE_URL: required('HISTORY_QUEUE_URL') }),
      z.transform((e) => ({ historyQueueUrl: e.HISTORY_QUEUE_URL })),
    ),
  ),
  pollsQueue: onFirstUse(() =>
    z.pipe(
      z.object({ POLLS_QUEUE_URL: required('POLLS_QUEUE_URL') }),
      z.transform((e) => ({ pollsQueueUrl: e.POLLS_QUEUE_URL })),
    ),
  ),
  tracking: onFirstUse(() =>
    z.pipe(
      z.object({
        TRACKING_JWKS_URLS: z.pipe(
          z.optional(z.string()),
          z.transform((value, ctx) => {
            if (value === undefined) return undefined;
            const urls = value
              .split(',')
              .map((part) => part.trim())
              .filter((part) => part !== '');
            if (urls.length === 0 || !urls.every((url) => onHost(JWKS_HOST, url))) {
              ctx.issues.push({ code: 'custom', message: JWKS_URL_MESSAGE, input: value });
              return z.NEVER;
            }
            return [...new Set(urls)];
          }),
        ),
        /** The single-URL setting of earlier versions; still read, added to the list. */
        TRACKING_JWKS_URL: z
          .optional(z.string())
          .check(
            z.refine(
              (value) => value === undefined || onHost(JWKS_HOST, value.trim()),
              'TRACKING_JWKS_URL must be https://api.shipstation.com/…, https://api.shipengine.com/… or https://api.eu.shipengine.com/… (or a loopback address)',
            ),
          ),
        TRACKING_JOIN_WAIT_HOURS: z._default(
          z.coerce
            .number({ error: 'TRACKING_JOIN_WAIT_HOURS must be a number' })
            .check(z.positive('TRACKING_JOIN_WAIT_HOURS must be more than 0'), z.lte(72, 'TRACKING_JOIN_WAIT_HOURS must be at most 72')),
          6,
        ),
      }),
      z.transform((e) => ({
        /** The key sets V2 webhooks may be signed with (TRACKING_JWKS_URLS; TRACKING_JWKS_URL of earlier versions added). */
        trackingJwksUrls: jwksUrls(e.TRACKING_JWKS_URL, e.TRACKING_JWKS_URLS),
        /** How long a tracking update waits for its label before it is dead-lettered (TRACKING_JOIN_WAIT_HOURS, default 6). */
        trackingJoinWaitHours: e.TRACKING_JOIN_WAIT_HOURS,
      })),
    ),
  ),
  retries: onFirstUse(() =>
    z.pipe(
      z.object({
        RETRY_MAX_DELAY_SECONDS: z.optional(seconds('RETRY_MAX_DELAY_SECONDS')),
        OUTAGE_RETRY_SECONDS: z._default(seconds('OUTAGE_RETRY_SECONDS'), 60),
      }),
      z.transform((e) => ({
        /** Caps every queue's retry delay (RETRY_MAX_DELAY_SECONDS; unset in AWS: the DLQ bounds assume the defaults). */
        ...(e.RETRY_MAX_DELAY_SECONDS === undefined ? {} : { retryMaxDelaySeconds: e.RETRY_MAX_DELAY_SECONDS as number | undefined }),
        /** First delay of the jobs that release events held while Klaviyo fails (OUTAGE_RETRY_SECONDS, 60; doubles, 5 jobs). */
        outageRetrySeconds: e.OUTAGE_RETRY_SECONDS,
      })),
    ),
  ),
  schedule: onFirstUse(() =>
    z.pipe(
      z.object({
        POLLS_SCHEDULED: z._default(z.enum(['true', 'false'], { error: 'POLLS_SCHEDULED must be true or false' }), 'true'),
      }),
      z.transform((e) => ({
        /**
         * Whether a schedule runs the polls (POLLS_SCHEDULED, default true; a local stack without one writes false into
         * its endpoints file): only then does `status` call an account whose last poll is old stuck.
         */
        pollsScheduled: e.POLLS_SCHEDULED === 'true',
      })),
    ),
  ),
  alerts: onFirstUse(() =>
    z.pipe(
      z.object({
        ALERT_TOPIC_ARN: z.optional(
          z
            .string()
            .check(
              z.regex(
                /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
                'ALERT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
              ),
            ),
        ),
      }),
      z.transform((e) => ({
        /** Where operator alerts go (key expiry, refused keys); without it they are only logged (a CLI run with no stage). */
        ...(e.ALERT_TOPIC_ARN === undefined ? {} : { alertTopicArn: e.ALERT_TOPIC_ARN as string | undefined }),
      })),
    ),
  ),
} as const;

/** A concern of the service's settings. */
export type Concern = keyof typeof SETTINGS;
export const ALL_CONCERNS = Object.keys(SETTINGS) as Concern[];

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** The fields the concerns C become. */
export type SettingsOf<C extends Concern> = Intersection<{ [K in C]: z.output<ReturnType<(typeof SETTINGS)[K]>> }[C]>;

/** The environment variables a concern reads (its schema's input keys): what serverless.yml must give a function. */
export function variablesOf(concern: Concern): string[] {
  const pipe = SETTINGS[concern]()._zod.def as unknown as { in: { _zod: { def: { shape: Record<string, unknown> } } } };
  return Object.keys(pipe.in._zod.def.shape);
}

/**
 * Parses the concerns a function uses from the environment; the others are not read, so a function fails only on
 * what it needs.
 * @returns the settings, or the problems (each naming its variable)
 */
export function parseSettings<C extends Concern>(env: Env, concerns: readonly C[]): { settings: SettingsOf<C> } | { problems: string[] } {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const concern of concerns) {
    const parsed = SETTINGS[concern]().safeParse(env);
    if (parsed.success) Object.assign(settings, parsed.data);
    else problems.push(...envProblems(parsed.error));
  }
  return problems.length > 0 ? { problems } : { settings: settings as SettingsOf<C> };
}
