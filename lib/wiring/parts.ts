// The pieces several compositions share: credential health, the ShipStation and Klaviyo clients, the publishing kernel's
// dependencies and the poll. Each takes only the configuration concerns it reads and the clients it is handed, so a
// function's module (lib/wiring/<function>.ts) builds just what it uses, and the CLI's full wiring the same way.
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { snsClient } from '../adapters/aws-sns-client.js';
import { ConfigAccountDirectory } from '../adapters/config-account-directory.js';
import { DynamoDbAlertLedger } from '../adapters/dynamodb-alert-ledger.js';
import { DynamoDbBulkOutbox } from '../adapters/dynamodb-bulk-outbox.js';
import { DynamoDbCarrierServiceCache } from '../adapters/dynamodb-carrier-service-cache.js';
import { DynamoDbCredentialStatusStore } from '../adapters/dynamodb-credential-status-store.js';
import { DynamoDbDueCheckStore } from '../adapters/dynamodb-due-check-store.js';
import { DynamoDbEventLedger } from '../adapters/dynamodb-event-ledger.js';
import { DynamoDbHeldEventStore } from '../adapters/dynamodb-held-event-store.js';
import { DynamoDbOrderStateStore } from '../adapters/dynamodb-order-state-store.js';
import { DynamoDbPollCursorStore } from '../adapters/dynamodb-poll-cursor-store.js';
import { DynamoDbRateBudget } from '../adapters/dynamodb-rate-budget.js';
import { DynamoDbShipmentRecordStore } from '../adapters/dynamodb-shipment-record-store.js';
import { HttpKlaviyoApi } from '../adapters/http-klaviyo-api.js';
import { HttpShipStationApi } from '../adapters/http-shipstation-api.js';
import { HttpShipStationV2Api } from '../adapters/http-shipstation-v2-api.js';
import { ShipStationOrderLookup } from '../adapters/shipstation-order-lookup.js';
import { LogAlerts } from '../adapters/log-alerts.js';
import { SnsAlerts } from '../adapters/sns-alerts.js';
import { SqsHistoryQueue, SqsMessageVisibility, SqsPollJobQueue, SqsUpdateQueue } from '../adapters/sqs-queues.js';
import { accountsCacheSeconds, type Concern, type FunctionConfig } from '../config.js';
import { RETIRED_KEY_GRACE_MS } from '../domain/key-expiry.js';
import type { RetriedQueue } from '../domain/retry.js';
import { logger } from '../observability.js';
import type { AccountDirectory, Clock, MessageVisibility, ServiceMetrics } from '../ports.js';
import type { CredentialHealthDeps } from '../use-cases/credential-health.js';
import { makePollAccount, type PollAccount } from '../use-cases/poll-account.js';
import type { PublishHistoryDeps } from '../use-cases/publish-history.js';
import type { SnapshotPublisherDeps } from '../use-cases/snapshot-publisher.js';
import { makeResolveServiceName } from '../use-cases/resolve-service-name.js';
import { maskAccountSecrets } from './container.js';
import { serviceMetrics } from './metrics.js';

/** A poll run's lease outlives poll-shipstation's 900 s timeout, so a crashed run is taken over, a live one never. */
const POLL_LEASE_MS = 16 * 60_000;

/** The configuration of a function that works on accounts in full, with the concerns C. */
type Config<C extends Concern> = FunctionConfig<'full', C>;

/** What every worker starts from: its accounts (secrets masked from here on) and the service metrics it flushes. */
export function workerBase(config: Config<never>): { accounts: AccountDirectory; metrics: ServiceMetrics } {
  maskAccountSecrets(config.accounts);
  return { accounts: new ConfigAccountDirectory(config.accounts), metrics: serviceMetrics() };
}

/** What a queue consumer's handler needs beside its use case: the metrics it flushes and its retries (lib/edge/sqs.ts). */
export interface QueueConsumer<Q extends RetriedQueue> {
  metrics: ServiceMetrics;
  visibility: Record<Q, MessageVisibility>;
  config: { retryMaxDelaySeconds?: number | undefined };
}

/** How a consumer sets when a failed record of its queue comes back (lib/edge/sqs.ts). */
export function visibilityOf<Q extends RetriedQueue>(sqs: SQSClient, queue: Q, url: string): Record<Q, MessageVisibility> {
  return Object.fromEntries([[queue, new SqsMessageVisibility(sqs, url)]]) as unknown as Record<Q, MessageVisibility>;
}

/** Credential health as the use cases take it, with the logger the poll also warns with. */
export type Health = CredentialHealthDeps & { outageRetrySeconds: number; log: typeof logger };

/** Credential health: refused keys and Klaviyo outages recorded, alerts sent once, release jobs queued. */
/** How long a worker trusts a read that found its Klaviyo key working: a batch of one account's messages reads it once. */
const WORKING_KLAVIYO_KEY_CACHE = { ms: 2_000, services: ['klaviyo'] } as const;

export function credentialHealth(
  config: Config<'storage' | 'pollsQueue' | 'retries' | 'alerts'>,
  clock: Clock,
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient },
  /** The publishing workers trust a working Klaviyo key for a moment; everything else (CLI, key check) reads fresh. */
  options: { cacheWorkingKlaviyoKey?: boolean } = {},
): Health {
  // A replaced key's refusals are ignored while containers may still hold it (their accounts cache, twice over).
  const retiredKeyGraceMs = Math.max(RETIRED_KEY_GRACE_MS, 2 * accountsCacheSeconds() * 1000);
  return {
    credentials: new DynamoDbCredentialStatusStore(
      clients.dynamodb,
      config.tableName,
      () => clock.now(),
      retiredKeyGraceMs,
      options.cacheWorkingKlaviyoKey === true ? WORKING_KLAVIYO_KEY_CACHE : undefined,
    ),
    // The SNS client is loaded on the first alert (lib/adapters/aws-sns-client.ts).
    alerts: config.alertTopicArn === undefined ? new LogAlerts(logger) : new SnsAlerts(snsClient, config.alertTopicArn),
    alertLedger: new DynamoDbAlertLedger(clients.dynamodb, config.tableName),
    pollJobs: new SqsPollJobQueue(clients.sqs, config.pollsQueueUrl),
    clock,
    log: logger,
    outageRetrySeconds: config.outageRetrySeconds,
  };
}

/** ShipStation V1 through the account's shared request budget in DynamoDB. */
export function shipStationApi(
  config: Config<'storage' | 'http' | 'shipStationBudget'>,
  clock: Clock,
  dynamodb: DynamoDBClient,
  serviceMetrics: ServiceMetrics,
): HttpShipStationApi {
  const budget = new DynamoDbRateBudget(dynamodb, config.tableName, { requestsPerMinute: config.shipStationRequestsPerMinute });
  return new HttpShipStationApi(config.accounts, clock, { timeoutMs: config.httpTimeoutMs, budget, metrics: serviceMetrics });
}

/** ShipStation API V2 through the V2 key's own shared request budget in DynamoDB (200/minute). */
export function shipStationV2Api(
  config: Config<'storage' | 'http' | 'shipStationBudget'>,
  clock: Clock,
  dynamodb: DynamoDBClient,
  serviceMetrics: ServiceMetrics,
): HttpShipStationV2Api {
  const budget = new DynamoDbRateBudget(dynamodb, config.tableName, { requestsPerMinute: config.shipStationV2RequestsPerMinute });
  return new HttpShipStationV2Api(config.accounts, clock, { timeoutMs: config.httpTimeoutMs, budget, metrics: serviceMetrics });
}

/** Klaviyo's Events API at the pinned revision. */
export const klaviyoApi = (config: Config<'klaviyo' | 'http'>, clock: Clock): HttpKlaviyoApi =>
  new HttpKlaviyoApi(config.accounts, clock, { revision: config.klaviyoRevision, timeoutMs: config.httpTimeoutMs });

/** The bulk outbox of publish-history (and of the scheduled poll's look at it): DynamoDB, and flush messages on the history queue. */
export const bulkOutbox = (
  config: Config<'storage' | 'publishing'>,
  dynamodb: DynamoDBClient,
  history: SqsHistoryQueue,
): NonNullable<PublishHistoryDeps['outbox']> => ({
  store: new DynamoDbBulkOutbox(dynamodb, config.tableName),
  flushes: history,
  waitSeconds: config.bulkWaitSeconds,
});

/** The concerns the publishing kernel reads. */
export type PublishingConcerns = 'storage' | 'pollsQueue' | 'retries' | 'alerts' | 'http' | 'shipStationBudget' | 'klaviyo' | 'publishing';

/** What every publishing use case shares: order state, the ledger, held events, delay checks, Klaviyo and ShipStation. */
export function publishingKernel(
  config: Config<PublishingConcerns>,
  clock: Clock,
  parts: {
    dynamodb: DynamoDBClient;
    health: Health;
    accounts: AccountDirectory;
    metrics: ServiceMetrics;
    shipStation: HttpShipStationApi;
    shipStationV2: HttpShipStationV2Api;
    klaviyo: HttpKlaviyoApi;
  },
): SnapshotPublisherDeps {
  const { dynamodb, health, shipStation } = parts;
  return {
    ...health,
    accounts: parts.accounts,
    orderStates: new DynamoDbOrderStateStore(dynamodb, config.tableName, () => clock.now()),
    ledger: new DynamoDbEventLedger(dynamodb, config.tableName),
    klaviyo: parts.klaviyo,
    held: new DynamoDbHeldEventStore(dynamodb, config.tableName),
    metrics: parts.metrics,
    backfillAfterHours: config.backfillAfterHours,
    shipments: new DynamoDbShipmentRecordStore(dynamodb, config.tableName, () => clock.now()),
    due: new DynamoDbDueCheckStore(dynamodb, config.tableName),
    delays: { orderDelayedAfterHours: config.orderDelayedAfterHours, shipmentStalledAfterDays: config.shipmentStalledAfterDays },
    // An account on API V2 only reads its orders from V2, under the same ids.
    orders: new ShipStationOrderLookup(config.accounts, shipStation, parts.shipStationV2),
    serviceNames: makeResolveServiceName({
      catalog: shipStation,
      cache: new DynamoDbCarrierServiceCache(dynamodb, config.tableName),
      credentials: health.credentials,
      clock,
      log: logger,
    }),
    orderWaitSeconds: config.orderWaitSeconds,
  };
}

/** The poll of one account: ShipStation list pages from a cursor onto the updates and history queues. */
export function pollAccountUseCase(
  config: Config<'storage' | 'updatesQueue' | 'historyQueue' | 'polling' | 'publishing'>,
  parts: {
    sqs: SQSClient;
    dynamodb: DynamoDBClient;
    health: Health;
    accounts: AccountDirectory;
    shipStation: HttpShipStationApi;
    shipStationV2: HttpShipStationV2Api;
    metrics: ServiceMetrics;
  },
): PollAccount {
  return makePollAccount({
    ...parts.health,
    accounts: parts.accounts,
    cursors: new DynamoDbPollCursorStore(parts.dynamodb, config.tableName),
    shipStation: parts.shipStation,
    shipStationV2: parts.shipStationV2,
    updates: new SqsUpdateQueue(parts.sqs, config.updatesQueueUrl),
    history: new SqsHistoryQueue(parts.sqs, config.historyQueueUrl),
    metrics: parts.metrics,
    ledger: new DynamoDbEventLedger(parts.dynamodb, config.tableName),
    settings: {
      overlapMinutes: config.pollOverlapMinutes,
      lagMinutes: config.pollLagMinutes,
      importDays: config.importDays,
      backfillAfterHours: config.backfillAfterHours,
      leaseMs: POLL_LEASE_MS,
    },
    newRunId: randomUUID,
  });
}
