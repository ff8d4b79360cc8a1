// The whole live path on this machine: HTTP API → receive-webhook → SQS → fetch-resource → SQS → publish-events (and
// signed V2 tracking webhooks → receive-tracking → SQS updates),
// the same handler code as in Lambda, on embedded DynamoDB/SQS stand-ins. Without ShipStation/Klaviyo credentials it
// starts the built-in simulators and subscribes the webhooks itself, so events flow end to end with no account.
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { startLocalAws, type LocalAws } from './aws-stand-ins.js';
import type { PublishedMessage } from './sns-stand-in.js';
import { consumeQueue, invoke, lambdaContext, serveHttpApi, TRACKING_ROUTE_PATH, WEBHOOK_ROUTE_PATH, type QueueConsumer } from './lambda-runtime.js';
import { KlaviyoSimulator, type AcceptedEvent } from './simulators/klaviyo-simulator.js';
import { ShipStationSimulator } from './simulators/shipstation-simulator.js';
import { buildShopHistory } from './simulators/shop-history.js';
import { V2_WEBHOOK_EVENTS } from '../domain/shipstation-v2.js';
import { SUBSCRIBED_WEBHOOK_EVENTS } from '../use-cases/register-webhooks.js';

export const SIMULATED_CREDENTIALS = {
  shipStationKey: 'simulated-shipstation-key',
  shipStationSecret: 'simulated-shipstation-secret',
  klaviyoKey: 'simulated-klaviyo-private-key',
  shipStationV2Key: 'simulated-shipstation-v2-key',
};

/** The V1 webhook events the service subscribes to. */
export const SUBSCRIBED_EVENTS = SUBSCRIBED_WEBHOOK_EVENTS;

export interface LocalStackOptions {
  /** The user's environment: ShipStation/Klaviyo credentials there mean "talk to the real services". */
  env?: Record<string, string | undefined>;
  /** Port of the webhook endpoint (0 picks a free one). */
  port?: number;
  /** How many times the ShipStation simulator delivers each webhook (duplicates are normal). */
  webhookDeliveries?: number;
  /** The ShipStation simulator's requests per minute (default 40, like the real API). */
  shipStationRateLimitPerMinute?: number;
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** Called for each event the Klaviyo simulator recorded. */
  onEvent?: (event: AcceptedEvent) => void;
  onError?: (error: unknown) => void;
  /** Consume queues continuously (default) or leave polling to the caller. */
  consume?: 'loop' | 'manual';
  /** Seconds between scheduled polls (EventBridge's rate locally); 0 = no schedule. Default 60. */
  pollIntervalSeconds?: number;
  /** Seconds between key checks (check-key-expiry; daily in AWS); 0 = only the one at start. Default 86400. */
  keyCheckIntervalSeconds?: number;
  /** Run the key check once at start (default true); false leaves the first one to its schedule or the caller. */
  keyCheckAtStart?: boolean;
  /** Called with each operator alert (what the SNS topic would e-mail). */
  onAlert?: (alert: PublishedMessage) => void;
  /** A past for the simulated shop, built before anything runs, so the first poll has history to import. */
  shopHistory?: { orders: number; days: number; seed?: number };
  /** Simulated mode: give the account a V2 key and subscribe its tracking webhook (default true). */
  tracking?: boolean;
  /**
   * Simulated mode: which ShipStation API the account runs on. `v1` (default): the V1 key pair and V1 webhooks (plus the
   * V2 tracking webhook unless `tracking: false`); `v2`: only a V2 key, every V2 webhook (a plan without V1 access);
   * `both`: both keys and every webhook of both APIs (each change reported twice, each event sent once).
   */
  api?: 'v1' | 'v2' | 'both';
}

export interface LocalStack {
  mode: 'simulated' | 'real';
  /** Credential variables that were set while others were missing (so the simulators were used instead). */
  ignoredCredentials: string[];
  webhookUrl: string;
  /** The account's V2 tracking webhook endpoint (signed TRACK_EVENT_V2 → receive-tracking), token included like webhookUrl. */
  trackingUrl: string;
  /** HTTP status of every webhook the endpoint answered. */
  webhookStatuses: number[];
  aws: LocalAws;
  /**
   * What another process (the CLI, a test harness) needs to act on this stack: the stand-ins' endpoints, table and
   * queue URLs, and on the simulators the simulated account's variables (its made-up keys). No real key is ever in it.
   */
  env: Record<string, string>;
  shipStation?: ShipStationSimulator;
  klaviyo?: KlaviyoSimulator;
  consumers: { fetchResource: QueueConsumer; publishEvents: QueueConsumer; pollShipStation: QueueConsumer; publishHistory: QueueConsumer };
  /** Runs schedule-polls once now (the scheduled fan-out), as EventBridge would. */
  schedulePolls(): Promise<void>;
  /** Runs check-key-expiry once now, as its daily schedule would. */
  checkKeys(): Promise<void>;
  close(): Promise<void>;
}

const CREDENTIAL_VARIABLES = ['SHIPSTATION_API_KEY', 'SHIPSTATION_API_SECRET', 'KLAVIYO_PRIVATE_KEY'] as const;
const presentCredentials = (env: Record<string, string | undefined>): string[] => CREDENTIAL_VARIABLES.filter((name) => (env[name] ?? '').trim() !== '');

/** What `register-webhooks` does for an account with a V2 key: V2 webhooks (`track_event_v2`, or every V2 event) to the V2 endpoint. */
async function subscribeV2Webhooks(shipStation: ShipStationSimulator, url: string, events: readonly string[]): Promise<void> {
  for (const event of events) {
    const response = await fetch(`${shipStation.baseUrl}/v2/environment/webhooks`, {
      method: 'POST',
      headers: { 'API-Key': SIMULATED_CREDENTIALS.shipStationV2Key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `shipstation-klaviyo-sync ${event}`, event, url }),
    });
    if (!response.ok) throw new Error(`subscribing the V2 ${event} webhook failed with ${response.status}`);
  }
}

async function subscribeWebhooks(shipStation: ShipStationSimulator, targetUrl: string): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${SIMULATED_CREDENTIALS.shipStationKey}:${SIMULATED_CREDENTIALS.shipStationSecret}`).toString('base64')}`;
  for (const event of SUBSCRIBED_EVENTS) {
    const response = await fetch(`${shipStation.baseUrl}/webhooks/subscribe`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_url: targetUrl, event, friendly_name: `shipstation-klaviyo-sync ${event}` }),
    });
    if (!response.ok) throw new Error(`subscribing ${event} failed with ${response.status}`);
  }
}

/**
 * Starts the local stack. Sets process.env for the handlers (they read it at cold start, like Lambda), so run one
 * stack per process.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const userEnv = options.env ?? process.env;
  const present = presentCredentials(userEnv);
  const accountsDocument = (userEnv.ACCOUNTS_FILE ?? '').trim() !== '';
  const mode = accountsDocument || present.length === CREDENTIAL_VARIABLES.length ? 'real' : 'simulated';
  const aws = await startLocalAws({
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    maxReceiveCount: options.maxReceiveCount,
    onAlert: options.onAlert,
  });
  let shipStation: ShipStationSimulator | undefined;
  let klaviyo: KlaviyoSimulator | undefined;
  let http: { url: string; statuses: number[]; close(): Promise<void> } | undefined;
  try {
    const accountEnv: Record<string, string> = {};
    const api = options.api ?? 'v1';
    const v1 = api !== 'v2';
    const v2Key = api !== 'v1' || options.tracking !== false;
    if (mode === 'simulated') {
      // The shop's clock can be parked in the past while its history is built, then follows real time.
      let parked: Date | undefined;
      shipStation = await ShipStationSimulator.start({
        apiKey: SIMULATED_CREDENTIALS.shipStationKey,
        apiSecret: SIMULATED_CREDENTIALS.shipStationSecret,
        webhookDeliveries: options.webhookDeliveries ?? 1,
        rateLimitPerMinute: options.shipStationRateLimitPerMinute,
        onWebhookError: options.onError,
        now: () => parked ?? new Date(),
        ...(v2Key ? { v2ApiKey: SIMULATED_CREDENTIALS.shipStationV2Key } : {}),
      });
      if (options.shopHistory !== undefined) {
        const { orders, days, seed } = options.shopHistory;
        buildShopHistory(shipStation, { set: (at) => void (parked = at) }, { orders, days, seed: seed ?? 1, end: new Date(Date.now() - 5 * 60_000) });
        parked = undefined;
      }
      klaviyo = await KlaviyoSimulator.start({ privateKeys: [SIMULATED_CREDENTIALS.klaviyoKey], onEventAccepted: options.onEvent });
      Object.assign(accountEnv, {
        ...(v1
          ? {
              SHIPSTATION_API_KEY: SIMULATED_CREDENTIALS.shipStationKey,
              SHIPSTATION_API_SECRET: SIMULATED_CREDENTIALS.shipStationSecret,
              SHIPSTATION_KEY_EXPIRES_ON: DateTime.utc().plus({ days: 180 }).toISODate(),
            }
          : // Blank, not absent: whatever this process's environment held, the account has no V1 key pair.
            { SHIPSTATION_API_KEY: '', SHIPSTATION_API_SECRET: '', SHIPSTATION_KEY_EXPIRES_ON: '' }),
        SHIPSTATION_BASE_URL: shipStation.baseUrl,
        KLAVIYO_PRIVATE_KEY: SIMULATED_CREDENTIALS.klaviyoKey,
        KLAVIYO_BASE_URL: klaviyo.baseUrl,
        // Signed tracking webhooks are verified against the simulator's published keys (its only key set).
        TRACKING_JWKS_URLS: shipStation.jwksUrl,
        ...(v2Key ? { SHIPSTATION_V2_API_KEY: SIMULATED_CREDENTIALS.shipStationV2Key, SHIPSTATION_V2_BASE_URL: shipStation.baseUrl } : {}),
        WEBHOOK_TOKEN: userEnv.WEBHOOK_TOKEN ?? randomBytes(18).toString('base64url'),
        // The service's budget follows the simulator's limit (a benchmark lifts both).
        ...(options.shipStationRateLimitPerMinute === undefined ? {} : { SHIPSTATION_REQUESTS_PER_MINUTE: String(options.shipStationRateLimitPerMinute) }),
      });
    } else if (!accountsDocument && userEnv.WEBHOOK_TOKEN === undefined) {
      accountEnv.WEBHOOK_TOKEN = randomBytes(18).toString('base64url');
    }
    Object.assign(process.env, userEnv === process.env ? {} : userEnv, aws.env, accountEnv);
    process.env.POWERTOOLS_SERVICE_NAME ??= 'shipstation-klaviyo-sync';
    // The local queues' visibility timeout is seconds, not minutes: a failed record is retried within seconds too.
    process.env.RETRY_MAX_DELAY_SECONDS ??= '5';

    // One at a time: jest's ESM loader fails on concurrent imports that share modules.
    const receiveWebhook = await import('../../functions/receive-webhook.js');
    const fetchResource = await import('../../functions/fetch-resource.js');
    const publishEvents = await import('../../functions/publish-events.js');
    const schedulePollsFunction = await import('../../functions/schedule-polls.js');
    const pollShipStation = await import('../../functions/poll-shipstation.js');
    const publishHistory = await import('../../functions/publish-history.js');
    const checkKeyExpiry = await import('../../functions/check-key-expiry.js');
    const receiveTracking = await import('../../functions/receive-tracking.js');
    http = await serveHttpApi({
      routes: [
        { path: WEBHOOK_ROUTE_PATH, handler: receiveWebhook.handler, functionName: 'receive-webhook' },
        { path: TRACKING_ROUTE_PATH, handler: receiveTracking.handler, functionName: 'receive-tracking' },
      ],
      port: options.port ?? 0,
    });
    const accountId = process.env.ACCOUNT_ID ?? 'default';
    const webhookUrl = accountsDocument
      ? `${http.url}/webhooks/shipstation/{accountId}?token={the account's webhookToken}`
      : `${http.url}/webhooks/shipstation/${accountId}?token=${encodeURIComponent(process.env.WEBHOOK_TOKEN ?? '')}`;
    const trackingUrl = accountsDocument
      ? `${http.url}/webhooks/tracking/{accountId}?token={the account's webhookToken}`
      : `${http.url}/webhooks/tracking/${accountId}?token=${encodeURIComponent(process.env.WEBHOOK_TOKEN ?? '')}`;
    if (shipStation !== undefined && v1) await subscribeWebhooks(shipStation, webhookUrl);
    if (shipStation !== undefined && v2Key)
      await subscribeV2Webhooks(shipStation, trackingUrl, api === 'v1' ? ['track_event_v2'] : Object.keys(V2_WEBHOOK_EVENTS));
    const server = http;

    const loop = (options.consume ?? 'loop') === 'loop';
    const consumers = {
      fetchResource: consumeQueue({
        sqs: aws.sqs,
        queueUrl: aws.queues.notifications,
        functionName: 'fetch-resource',
        handler: fetchResource.handler,
        batchSize: 5,
        loop,
        onError: options.onError,
      }),
      publishEvents: consumeQueue({
        sqs: aws.sqs,
        queueUrl: aws.queues.updates,
        functionName: 'publish-events',
        handler: publishEvents.handler,
        batchSize: 10,
        loop,
        onError: options.onError,
      }),
      pollShipStation: consumeQueue({
        sqs: aws.sqs,
        queueUrl: aws.queues.polls,
        functionName: 'poll-shipstation',
        handler: pollShipStation.handler,
        batchSize: 1,
        timeoutMs: 900_000,
        loop,
        onError: options.onError,
      }),
      publishHistory: consumeQueue({
        sqs: aws.sqs,
        queueUrl: aws.queues.history,
        functionName: 'publish-history',
        handler: publishHistory.handler,
        batchSize: 10,
        timeoutMs: 120_000,
        batchWindowMs: 5_000,
        loop,
        onError: options.onError,
      }),
    };
    const schedulePolls = async (): Promise<void> => {
      await invoke('schedule-polls', () => schedulePollsFunction.handler({} as never, lambdaContext('schedule-polls')));
    };
    const checkKeys = async (): Promise<void> => {
      await invoke('check-key-expiry', () => checkKeyExpiry.handler({} as never, lambdaContext('check-key-expiry')));
    };
    const every = (seconds: number, run: () => Promise<void>): NodeJS.Timeout | undefined =>
      loop && seconds > 0 ? setInterval(() => void run().catch((error: unknown) => options.onError?.(error)), seconds * 1000) : undefined;
    const intervalSeconds = options.pollIntervalSeconds ?? 60;
    // No schedule (`--no-schedule`, the CLI's --local, a manual test stack): the caller polls, so `status` (in this
    // process, or another one reading the endpoints file) must not call a poll stale.
    const pollsScheduled = loop && intervalSeconds > 0;
    process.env.POLLS_SCHEDULED = pollsScheduled ? 'true' : 'false';
    const schedules = [every(intervalSeconds, schedulePolls), every(options.keyCheckIntervalSeconds ?? 86_400, checkKeys)];
    // Like a fresh deployment: the first scheduled run imports the account's history, the first key check reports.
    if (loop && intervalSeconds > 0) await schedulePolls();
    if (loop && options.keyCheckAtStart !== false) await checkKeys().catch((error: unknown) => options.onError?.(error));
    return {
      mode,
      ignoredCredentials: mode === 'simulated' ? present : [],
      webhookUrl,
      trackingUrl,
      webhookStatuses: server.statuses,
      aws,
      env: {
        ...aws.env,
        ...(mode === 'simulated' ? accountEnv : {}),
        RETRY_MAX_DELAY_SECONDS: process.env.RETRY_MAX_DELAY_SECONDS ?? '5',
        POLLS_SCHEDULED: pollsScheduled ? 'true' : 'false',
      },
      shipStation,
      klaviyo,
      consumers,
      schedulePolls,
      checkKeys,
      close: async () => {
        for (const schedule of schedules) clearInterval(schedule);
        await Promise.all(Object.values(consumers).map((consumer) => consumer.stop()));
        await server.close();
        await Promise.all([shipStation?.close(), klaviyo?.close()]);
        await aws.close();
      },
    };
  } catch (error) {
    // A half-started stack must not keep servers open (a test process would never exit).
    await Promise.allSettled([http?.close(), shipStation?.close(), klaviyo?.close()]);
    await aws.close();
    throw error;
  }
}
