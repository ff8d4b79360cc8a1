// The full composition: every adapter and use case, for the operator CLI and tests that drive several use cases at once.
// The Lambdas (and the local stack, which runs their handlers) do not use it: each function has its own, smaller composition in
// lib/wiring/<function>.ts, built from the same parts (lib/wiring/parts.ts) and the same per-container cache
// (lib/wiring/container.ts).
import { dynamoDbClient } from './adapters/aws-dynamodb-client.js';
import { sqsClient } from './adapters/aws-sqs-client.js';
import { DynamoDbDeadLetterRecords } from './adapters/dynamodb-dead-letter-records.js';
import { DynamoDbEventLedger } from './adapters/dynamodb-event-ledger.js';
import { DynamoDbHeldEventStore } from './adapters/dynamodb-held-event-store.js';
import { DynamoDbPollCursorStore } from './adapters/dynamodb-poll-cursor-store.js';
import { DynamoDbTrackingActivity } from './adapters/dynamodb-tracking-activity.js';
import { HttpKlaviyoFlowsApi } from './adapters/http-klaviyo-flows-api.js';
import type { HttpShipStationApi } from './adapters/http-shipstation-api.js';
import type { HttpShipStationV2Api } from './adapters/http-shipstation-v2-api.js';
import { JwksSignatureVerifier } from './adapters/jwks-signature-verifier.js';
import { PowertoolsHealthMetrics } from './adapters/powertools-health-metrics.js';
import { SqsDeadLetterQueues } from './adapters/sqs-dead-letter-queues.js';
import { SqsQueueDepths } from './adapters/sqs-queue-depths.js';
import { SqsHistoryQueue, SqsMessageVisibility, SqsNotificationQueue, SqsUpdateQueue } from './adapters/sqs-queues.js';
import { systemClock } from './adapters/system-clock.js';
import { loadConfig, type AppConfig } from './config.js';
import type { RetriedQueue } from './domain/retry.js';
import { logger, metrics } from './observability.js';
import type { AccountDirectory, Clock, KlaviyoFlowsApi, MessageVisibility, PollJobQueue, QueueDepths, ServiceMetrics, TrackingActivity } from './ports.js';
import { makeAcceptTracking, type AcceptTracking } from './use-cases/accept-tracking.js';
import { makeAcceptWebhook, type AcceptWebhook } from './use-cases/accept-webhook.js';
import { makeCheckKeyExpiry, type CheckKeyExpiry } from './use-cases/check-key-expiry.js';
import { makeDiagnoseAccount, type DiagnoseAccount } from './use-cases/diagnose-account.js';
import { makeFetchResource, type FetchResource } from './use-cases/fetch-resource.js';
import { makeInstallFlows, type InstallFlows } from './use-cases/install-flows.js';
import { makeRunPollJob, type PollAccount, type RunPollJob } from './use-cases/poll-account.js';
import { makeFlushOutbox, makePublishHistory, type PublishHistory } from './use-cases/publish-history.js';
import { makePublishTracking, type PublishTracking } from './use-cases/publish-tracking.js';
import { makePublishUpdate, type PublishUpdate } from './use-cases/publish-update.js';
import { makeReconcileAccount, type ReconcileAccount } from './use-cases/reconcile-account.js';
import { makeRegisterWebhooks, type RegisterWebhooks } from './use-cases/register-webhooks.js';
import { makeReleaseHeldEvents } from './use-cases/release-held-events.js';
import { makeReplayDeadLetters, type ReplayDeadLetters } from './use-cases/replay-dead-letters.js';
import { makeAlertPollLag, POLL_STALE_AFTER_MINUTES } from './use-cases/alert-poll-lag.js';
import { makeReportStatus, type ReportStatus } from './use-cases/report-status.js';
import { makeSchedulePolls, type SchedulePolls } from './use-cases/schedule-polls.js';
import { makeSweepDueChecks } from './use-cases/sweep-due-checks.js';
import { perContainer } from './wiring/container.js';
import {
  bulkOutbox,
  credentialHealth,
  klaviyoApi,
  pollAccountUseCase,
  publishingKernel,
  shipStationApi,
  shipStationV2Api,
  workerBase,
} from './wiring/parts.js';
import { HISTORY_CONCURRENCY } from './wiring/publish-history.js';

export interface Wiring {
  config: AppConfig;
  accounts: AccountDirectory;
  shipStation: HttpShipStationApi;
  shipStationV2: HttpShipStationV2Api;
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
  /** `status`: queues, DLQs and each account's state, from our own AWS state only. */
  reportStatus: ReportStatus;
  queues: QueueDepths;
  /** `flows install`: the ready-made flows, created as drafts in each account's Klaviyo. */
  installFlows: InstallFlows;
  /** Klaviyo's metrics, flows and templates (flows install, doctor's scope check). */
  klaviyoFlows: KlaviyoFlowsApi;
  /** What the invocation did, written by each handler at its end (lib/edge/metrics.ts). */
  metrics: ServiceMetrics;
  /** Per consumed queue: sets when a failed record comes back (its backoff: lib/edge/sqs.ts, lib/domain/retry.ts). */
  visibility: Record<RetriedQueue, MessageVisibility>;
}

/** Wires the use cases for a configuration; tests, the local stack and the CLI may pass their own clock. */
export function buildWiring(config: AppConfig, clock: Clock = systemClock): Wiring {
  const { accounts, metrics: serviceMetrics } = workerBase(config);
  const dynamodb = dynamoDbClient();
  const sqs = sqsClient();
  const health = credentialHealth(config, clock, { dynamodb, sqs });
  const { credentials, pollJobs } = health;
  const ledger = new DynamoDbEventLedger(dynamodb, config.tableName);
  const held = new DynamoDbHeldEventStore(dynamodb, config.tableName);
  const cursors = new DynamoDbPollCursorStore(dynamodb, config.tableName);
  const shipStation = shipStationApi(config, clock, dynamodb, serviceMetrics);
  const klaviyo = klaviyoApi(config, clock);
  // The CLI may wait out a whole minute of Klaviyo's limit; a longer Retry-After (Create Flow's daily limit) stops the run.
  const klaviyoFlows = new HttpKlaviyoFlowsApi(config.accounts, clock, {
    revision: config.klaviyoRevision,
    timeoutMs: config.httpTimeoutMs,
    maxAttempts: 4,
    maxInlineRetryAfterMs: 60_000,
    maxRetryAfterSeconds: 86_400,
  });
  // API V2 for accounts with a V2 key, through the V2 key's own budget (200/minute).
  const shipStationV2 = shipStationV2Api(config, clock, dynamodb, serviceMetrics);
  const updates = new SqsUpdateQueue(sqs, config.updatesQueueUrl);
  const notifications = new SqsNotificationQueue(sqs, config.notificationsQueueUrl);
  const trackingActivity = new DynamoDbTrackingActivity(dynamodb, config.tableName);
  const publishDeps = publishingKernel(config, clock, { dynamodb, health, accounts, metrics: serviceMetrics, shipStation, shipStationV2, klaviyo });
  const history = new SqsHistoryQueue(sqs, config.historyQueueUrl);
  const outbox = bulkOutbox(config, dynamodb, history);
  const publishHistory = makePublishHistory({ ...publishDeps, history, klaviyoBulk: klaviyo, concurrency: HISTORY_CONCURRENCY, outbox });
  const pollAccount = pollAccountUseCase(config, { sqs, dynamodb, health, accounts, shipStation, shipStationV2, metrics: serviceMetrics });
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
  const deadLetterRecords = new DynamoDbDeadLetterRecords(dynamodb, config.tableName);
  const deadLetterQueues = new SqsDeadLetterQueues(sqs, [
    { name: 'notifications', url: config.notificationsQueueUrl },
    { name: 'updates', url: config.updatesQueueUrl },
    { name: 'history', url: config.historyQueueUrl },
    { name: 'polls', url: config.pollsQueueUrl },
  ]);
  return {
    config,
    accounts,
    shipStation,
    shipStationV2,
    pollJobs,
    acceptWebhook: makeAcceptWebhook({ accounts, notifications, clock }),
    acceptTracking: makeAcceptTracking({
      accounts,
      verifier: signatureVerifier,
      updates,
      notifications,
      clock,
    }),
    fetchResource: makeFetchResource({ ...health, accounts, shipStation, shipStationV2, updates, ledger, metrics: serviceMetrics }),
    publishUpdate: makePublishUpdate({ ...publishDeps, updates }),
    publishTracking: makePublishTracking({ ...publishDeps, updates, activity: trackingActivity, joinWaitHours: config.trackingJoinWaitHours }),
    publishHistory,
    pollAccount,
    runPollJob: makeRunPollJob({
      pollAccount,
      pollJobs,
      releaseHeld: makeReleaseHeldEvents({ ...publishDeps, history, klaviyoBulk: klaviyo, klaviyoCheck: klaviyo }),
      flushOutbox: makeFlushOutbox({ ...publishDeps, history, klaviyoBulk: klaviyo, outbox }),
      alertPollLag: makeAlertPollLag({ ...health, cursors, clock }),
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
      shipStationV2,
      klaviyo,
      metrics: new PowertoolsHealthMetrics(metrics),
    }),
    diagnoseAccount: makeDiagnoseAccount({
      accounts,
      shipStation,
      shipStationV2,
      trackingActivity,
      signatureVerifier,
      klaviyo,
      klaviyoScopes: klaviyoFlows,
      credentials,
      cursors,
      held,
      ledger,
      queues,
      clock,
      pollStaleAfterMinutes: POLL_STALE_AFTER_MINUTES,
    }),
    reconcileAccount: makeReconcileAccount({
      accounts,
      shipStation,
      orderStates: publishDeps.orderStates,
      ledger,
      held,
      outbox: outbox.store,
      cursors,
      updates,
      history,
      clock,
      backfillAfterHours: config.backfillAfterHours,
    }),
    replayDeadLetters: makeReplayDeadLetters({ ...publishDeps, records: deadLetterRecords, updates, deadLetterQueues }),
    reportStatus: makeReportStatus({
      accounts,
      queues,
      deadLetterQueues,
      credentials,
      cursors,
      held,
      outbox: outbox.store,
      ledger,
      deadLetterRecords,
      clock,
      pollStaleAfterMinutes: POLL_STALE_AFTER_MINUTES,
      pollsScheduled: config.pollsScheduled,
    }),
    queues,
    installFlows: makeInstallFlows({ accounts, klaviyo: klaviyoFlows, clock }),
    klaviyoFlows,
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

/**
 * The full wiring in this process, from process.env and the accounts document (re-read once its cache has aged; a
 * changed document rebuilds it, a failed re-read or an invalid new document keeps the last good one).
 * @throws ConfigurationError naming what is missing (on the first call)
 */
export const wiring: () => Promise<Wiring> = perContainer((env, document) => buildWiring(loadConfig(env, document)));
