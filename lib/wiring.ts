// Composition root: configuration + SDK clients → adapters → use cases. Built once per container and rebuilt when the
// accounts document changes (it is re-read after ACCOUNTS_CACHE_SECONDS, so rotated keys need no redeploy).
import { randomUUID } from 'node:crypto';
import { readAccountsDocument } from './adapters/accounts-document-reader.js';
import { dynamoDbClient, snsClient, sqsClient } from './adapters/aws-clients.js';
import { ConfigAccountDirectory } from './adapters/config-account-directory.js';
import { DynamoDbAlertLedger } from './adapters/dynamodb-alert-ledger.js';
import { DynamoDbCarrierServiceCache } from './adapters/dynamodb-carrier-service-cache.js';
import { DynamoDbCredentialStatusStore } from './adapters/dynamodb-credential-status-store.js';
import { DynamoDbDeadLetterRecords } from './adapters/dynamodb-dead-letter-records.js';
import { DynamoDbDueCheckStore } from './adapters/dynamodb-due-check-store.js';
import { DynamoDbEventLedger } from './adapters/dynamodb-event-ledger.js';
import { DynamoDbHeldEventStore } from './adapters/dynamodb-held-event-store.js';
import { DynamoDbOrderStateStore } from './adapters/dynamodb-order-state-store.js';
import { DynamoDbPollCursorStore } from './adapters/dynamodb-poll-cursor-store.js';
import { DynamoDbRateBudget } from './adapters/dynamodb-rate-budget.js';
import { DynamoDbShipmentRecordStore } from './adapters/dynamodb-shipment-record-store.js';
import { DynamoDbTrackingActivity } from './adapters/dynamodb-tracking-activity.js';
import { HttpKlaviyoApi } from './adapters/http-klaviyo-api.js';
import { HttpShipStationApi } from './adapters/http-shipstation-api.js';
import { HttpShipStationV2Api } from './adapters/http-shipstation-v2-api.js';
import { JwksSignatureVerifier } from './adapters/jwks-signature-verifier.js';
import { LogAlerts } from './adapters/log-alerts.js';
import { PowertoolsHealthMetrics } from './adapters/powertools-health-metrics.js';
import { PowertoolsServiceMetrics } from './adapters/powertools-service-metrics.js';
import { SnsAlerts } from './adapters/sns-alerts.js';
import { SqsDeadLetterQueues } from './adapters/sqs-dead-letter-queues.js';
import { SqsQueueDepths } from './adapters/sqs-queue-depths.js';
import { SqsHistoryQueue, SqsMessageVisibility, SqsNotificationQueue, SqsPollJobQueue, SqsUpdateQueue } from './adapters/sqs-queues.js';
import { systemClock } from './adapters/system-clock.js';
import { accountsCacheSeconds, accountSecrets, accountsSource, loadConfig, type AppConfig } from './config.js';
import { RETIRED_KEY_GRACE_MS } from './domain/key-expiry.js';
import type { RetriedQueue } from './domain/retry.js';
import { logger, metrics, registerSecrets } from './observability.js';
import type { AccountDirectory, Clock, MessageVisibility, PollJobQueue, QueueDepths, ServiceMetrics, TrackingActivity } from './ports.js';
import { makeAcceptTracking, type AcceptTracking } from './use-cases/accept-tracking.js';
import { makeAcceptWebhook, type AcceptWebhook } from './use-cases/accept-webhook.js';
import { makeCheckKeyExpiry, type CheckKeyExpiry } from './use-cases/check-key-expiry.js';
import { makeDiagnoseAccount, type DiagnoseAccount } from './use-cases/diagnose-account.js';
import { makeFetchResource, type FetchResource } from './use-cases/fetch-resource.js';
import { makePollAccount, makeRunPollJob, type PollAccount, type RunPollJob } from './use-cases/poll-account.js';
import { makePublishHistory, type PublishHistory } from './use-cases/publish-history.js';
import { makePublishTracking, type PublishTracking } from './use-cases/publish-tracking.js';
import { makePublishUpdate, type PublishUpdate } from './use-cases/publish-update.js';
import { makeReconcileAccount, type ReconcileAccount } from './use-cases/reconcile-account.js';
import { makeRegisterWebhooks, type RegisterWebhooks } from './use-cases/register-webhooks.js';
import { makeReleaseHeldEvents } from './use-cases/release-held-events.js';
import { makeReplayDeadLetters, type ReplayDeadLetters } from './use-cases/replay-dead-letters.js';
import { makeSchedulePolls, type SchedulePolls } from './use-cases/schedule-polls.js';
import { makeResolveServiceName } from './use-cases/resolve-service-name.js';
import { makeSweepDueChecks } from './use-cases/sweep-due-checks.js';

export interface Wiring {
  config: AppConfig;
  accounts: AccountDirectory;
  shipStation: HttpShipStationApi;
  pollJobs: PollJobQueue;
  acceptWebhook: AcceptWebhook;
  /** receive-tracking: signed V2 tracking webhooks onto the updates queue. */
  acceptTracking: AcceptTracking;
  fetchResource: FetchResource;
  publishUpdate: PublishUpdate;
  /** A verified V2 tracking update, joined to its label: the milestone it reaches, sent once. */
  publishTracking: PublishTracking;
  /** When each account last received a tracking webhook (`doctor`). */
  trackingActivity: TrackingActivity;
  publishHistory: PublishHistory;
  pollAccount: PollAccount;
  runPollJob: RunPollJob;
  schedulePolls: SchedulePolls;
  registerWebhooks: RegisterWebhooks;
  checkKeyExpiry: CheckKeyExpiry;
  diagnoseAccount: DiagnoseAccount;
  /** `reconcile`: ShipStation now against the events recorded as sent; enqueues what is missing on request. */
  reconcileAccount: ReconcileAccount;
  /** `replay`: moves DLQ messages back to their queues and re-sends dead-letter records. */
  replayDeadLetters: ReplayDeadLetters;
  queues: QueueDepths;
  /** What the invocation did, written by each handler at its end (lib/edge/metrics.ts). */
  metrics: ServiceMetrics;
  /** Per consumed queue: sets when a failed record comes back (its backoff: lib/edge/sqs.ts, lib/domain/retry.ts). */
  visibility: Record<RetriedQueue, MessageVisibility>;
}

/** A poll run's lease outlives poll-shipstation's 900 s timeout, so a crashed run is taken over, a live one never. */
const POLL_LEASE_MS = 16 * 60_000;
/** Three missed 30-minute polls: `doctor` calls the poll stopped. */
const POLL_STALE_AFTER_MINUTES = 90;
/** Orders publish-history works on at once. */
const HISTORY_CONCURRENCY = 16;

/** Wires the use cases for a configuration; tests, the local stack and the CLI may pass their own clock. */
export function buildWiring(config: AppConfig, clock: Clock = systemClock): Wiring {
  // Before anything can log or print: every key, secret and token of every account is masked by value from now on
  // (again for a changed accounts document, which rebuilds the wiring).
  registerSecrets(accountSecrets(config.accounts));
  const dynamodb = dynamoDbClient();
  const sqs = sqsClient();
  const accounts = new ConfigAccountDirectory(config.accounts);
  // A replaced key's refusals are ignored while containers may still hold it (their accounts cache, twice over).
  const retiredKeyGraceMs = Math.max(RETIRED_KEY_GRACE_MS, 2 * accountsCacheSeconds() * 1000);
  const credentials = new DynamoDbCredentialStatusStore(dynamodb, config.tableName, () => clock.now(), retiredKeyGraceMs);
  const ledger = new DynamoDbEventLedger(dynamodb, config.tableName);
  const held = new DynamoDbHeldEventStore(dynamodb, config.tableName);
  const cursors = new DynamoDbPollCursorStore(dynamodb, config.tableName);
  const budget = new DynamoDbRateBudget(dynamodb, config.tableName, { requestsPerMinute: config.shipStationRequestsPerMinute });
  const serviceMetrics = new PowertoolsServiceMetrics(metrics, logger);
  const shipStation = new HttpShipStationApi(config.accounts, clock, { timeoutMs: config.httpTimeoutMs, budget, metrics: serviceMetrics });
  const klaviyo = new HttpKlaviyoApi(config.accounts, clock, { revision: config.klaviyoRevision, timeoutMs: config.httpTimeoutMs });
  // V2 webhooks (register-webhooks, doctor) for accounts with a V2 key; its 200/min is far from what they use.
  const shipStationV2 = new HttpShipStationV2Api(config.accounts, clock, { timeoutMs: config.httpTimeoutMs, metrics: serviceMetrics });
  const updates = new SqsUpdateQueue(sqs, config.updatesQueueUrl);
  const pollJobs = new SqsPollJobQueue(sqs, config.pollsQueueUrl);
  const alerts = config.alertTopicArn === undefined ? new LogAlerts(logger) : new SnsAlerts(snsClient(), config.alertTopicArn);
  const alertLedger = new DynamoDbAlertLedger(dynamodb, config.tableName);
  const trackingActivity = new DynamoDbTrackingActivity(dynamodb, config.tableName);
  const health = { credentials, alerts, alertLedger, pollJobs, clock, log: logger, outageRetrySeconds: config.outageRetrySeconds };
  const publishDeps = {
    ...health,
    accounts,
    orderStates: new DynamoDbOrderStateStore(dynamodb, config.tableName, () => clock.now()),
    ledger,
    klaviyo,
    held,
    metrics: serviceMetrics,
    backfillAfterHours: config.backfillAfterHours,
    shipments: new DynamoDbShipmentRecordStore(dynamodb, config.tableName, () => clock.now()),
    due: new DynamoDbDueCheckStore(dynamodb, config.tableName),
    delays: { orderDelayedAfterHours: config.orderDelayedAfterHours, shipmentStalledAfterDays: config.shipmentStalledAfterDays },
    orders: shipStation,
    serviceNames: makeResolveServiceName({ catalog: shipStation, cache: new DynamoDbCarrierServiceCache(dynamodb, config.tableName), credentials, clock, log: logger }),
    orderWaitSeconds: config.orderWaitSeconds,
  };
  const history = new SqsHistoryQueue(sqs, config.historyQueueUrl);
  const pollAccount = makePollAccount({
    ...health,
    accounts,
    cursors,
    shipStation,
    updates,
    history,
    metrics: serviceMetrics,
    ledger,
    settings: {
      overlapMinutes: config.pollOverlapMinutes,
      lagMinutes: config.pollLagMinutes,
      importDays: config.importDays,
      backfillAfterHours: config.backfillAfterHours,
      leaseMs: POLL_LEASE_MS,
    },
    newRunId: randomUUID,
  });
  // The signing keys of V2 tracking webhooks: every configured key set, merged (receive-tracking, doctor).
  const signatureVerifier = new JwksSignatureVerifier({
    jwksUrls: config.trackingJwksUrls,
    timeoutMs: config.httpTimeoutMs,
    now: () => clock.now(),
    metrics: serviceMetrics,
    log: logger,
  });
  const queues = new SqsQueueDepths(sqs, [
    { name: 'notifications', url: config.notificationsQueueUrl },
    { name: 'updates', url: config.updatesQueueUrl },
    { name: 'history', url: config.historyQueueUrl },
    { name: 'polls', url: config.pollsQueueUrl },
  ]);
  return {
    config,
    accounts,
    shipStation,
    pollJobs,
    acceptWebhook: makeAcceptWebhook({ accounts, notifications: new SqsNotificationQueue(sqs, config.notificationsQueueUrl), clock }),
    acceptTracking: makeAcceptTracking({
      accounts,
      verifier: signatureVerifier,
      updates,
      clock,
    }),
    fetchResource: makeFetchResource({ ...health, accounts, shipStation, updates, ledger, metrics: serviceMetrics }),
    publishUpdate: makePublishUpdate({ ...publishDeps, updates }),
    publishTracking: makePublishTracking({ ...publishDeps, updates, activity: trackingActivity, joinWaitHours: config.trackingJoinWaitHours }),
    publishHistory: makePublishHistory({ ...publishDeps, history, klaviyoBulk: klaviyo, concurrency: HISTORY_CONCURRENCY }),
    pollAccount,
    runPollJob: makeRunPollJob({
      pollAccount,
      pollJobs,
      releaseHeld: makeReleaseHeldEvents({ ...publishDeps, history, klaviyoBulk: klaviyo, klaviyoCheck: klaviyo }),
      sweepDue: makeSweepDueChecks({ ...publishDeps, cursors }),
      metrics: serviceMetrics,
      outageRetrySeconds: config.outageRetrySeconds,
      log: logger,
    }),
    schedulePolls: makeSchedulePolls({ accounts, pollJobs }),
    registerWebhooks: makeRegisterWebhooks({ accounts, shipStation, shipStationV2 }),
    checkKeyExpiry: makeCheckKeyExpiry({
      ...health,
      accounts,
      shipStation,
      klaviyo,
      metrics: new PowertoolsHealthMetrics(metrics),
    }),
    diagnoseAccount: makeDiagnoseAccount({ accounts, shipStation, shipStationV2, trackingActivity, signatureVerifier, klaviyo, credentials, cursors, held, ledger, queues, clock, pollStaleAfterMinutes: POLL_STALE_AFTER_MINUTES }),
    reconcileAccount: makeReconcileAccount({
      accounts,
      shipStation,
      orderStates: publishDeps.orderStates,
      ledger,
      held,
      cursors,
      updates,
      history,
      clock,
      backfillAfterHours: config.backfillAfterHours,
    }),
    replayDeadLetters: makeReplayDeadLetters({
      ...publishDeps,
      records: new DynamoDbDeadLetterRecords(dynamodb, config.tableName),
      updates,
      deadLetterQueues: new SqsDeadLetterQueues(sqs, [
        { name: 'notifications', url: config.notificationsQueueUrl },
        { name: 'updates', url: config.updatesQueueUrl },
        { name: 'history', url: config.historyQueueUrl },
        { name: 'polls', url: config.pollsQueueUrl },
      ]),
    }),
    queues,
    metrics: serviceMetrics,
    trackingActivity,
    visibility: {
      notifications: new SqsMessageVisibility(sqs, config.notificationsQueueUrl),
      updates: new SqsMessageVisibility(sqs, config.updatesQueueUrl),
      history: new SqsMessageVisibility(sqs, config.historyQueueUrl),
      polls: new SqsMessageVisibility(sqs, config.pollsQueueUrl),
    },
  };
}

let wired: { wiring: Wiring; document: string | undefined } | undefined;

/**
 * The container's wiring, from process.env and the accounts document. The document is re-read once its cache has
 * aged; a changed document rebuilds the wiring, and a failed re-read or an invalid new document keeps the last good one
 * (logged) rather than stop every invocation.
 * @throws ConfigurationError naming what is missing (at cold start)
 */
export async function wiring(): Promise<Wiring> {
  const source = accountsSource();
  let document: string | undefined;
  try {
    document = await readAccountsDocument(source, { maxAgeSeconds: accountsCacheSeconds() });
  } catch (error) {
    if (wired === undefined) throw error;
    logger.warn('accounts document could not be re-read; keeping the last one', { error: error instanceof Error ? error.message : String(error) });
    return wired.wiring;
  }
  if (wired === undefined) {
    wired = { wiring: buildWiring(loadConfig(process.env, document)), document };
  } else if (wired.document !== document) {
    try {
      wired = { wiring: buildWiring(loadConfig(process.env, document)), document };
    } catch (error) {
      // A broken edit of the document must not stop every function: keep serving with the last good one.
      logger.error('changed accounts document is invalid; keeping the last good one', { error: error instanceof Error ? error.message : String(error) });
    }
  }
  return wired.wiring;
}
