// Composition root: configuration + SDK clients → adapters → use cases. Built once per container, on first use.
import { DynamoDbCredentialStatusStore } from './adapters/dynamodb-credential-status-store.js';
import { DynamoDbEventLedger } from './adapters/dynamodb-event-ledger.js';
import { DynamoDbOrderStateStore } from './adapters/dynamodb-order-state-store.js';
import { dynamoDbClient, sqsClient } from './adapters/aws-clients.js';
import { ConfigAccountDirectory } from './adapters/config-account-directory.js';
import { HttpKlaviyoApi } from './adapters/http-klaviyo-api.js';
import { HttpShipStationApi } from './adapters/http-shipstation-api.js';
import { SqsNotificationQueue, SqsUpdateQueue } from './adapters/sqs-queues.js';
import { systemClock } from './adapters/system-clock.js';
import { loadConfig, type AppConfig } from './config.js';
import { logger } from './observability.js';
import type { Clock } from './ports.js';
import { makeAcceptWebhook, type AcceptWebhook } from './use-cases/accept-webhook.js';
import { makeFetchResource, type FetchResource } from './use-cases/fetch-resource.js';
import { makePublishUpdate, type PublishUpdate } from './use-cases/publish-update.js';

export interface Wiring {
  config: AppConfig;
  acceptWebhook: AcceptWebhook;
  fetchResource: FetchResource;
  publishUpdate: PublishUpdate;
}

/** Wires the use cases for a configuration; tests and the local stack may pass their own clock. */
export function buildWiring(config: AppConfig, clock: Clock = systemClock): Wiring {
  const dynamodb = dynamoDbClient();
  const sqs = sqsClient();
  const accounts = new ConfigAccountDirectory(config.accounts);
  const credentials = new DynamoDbCredentialStatusStore(dynamodb, config.tableName, () => clock.now());
  return {
    config,
    acceptWebhook: makeAcceptWebhook({ accounts, notifications: new SqsNotificationQueue(sqs, config.notificationsQueueUrl), clock }),
    fetchResource: makeFetchResource({
      accounts,
      credentials,
      shipStation: new HttpShipStationApi(config.accounts, clock, { timeoutMs: config.httpTimeoutMs }),
      updates: new SqsUpdateQueue(sqs, config.updatesQueueUrl),
      log: logger,
    }),
    publishUpdate: makePublishUpdate({
      accounts,
      credentials,
      orderStates: new DynamoDbOrderStateStore(dynamodb, config.tableName, () => clock.now()),
      ledger: new DynamoDbEventLedger(dynamodb, config.tableName),
      klaviyo: new HttpKlaviyoApi(config.accounts, clock, { revision: config.klaviyoRevision, timeoutMs: config.httpTimeoutMs }),
      clock,
      backfillAfterHours: config.backfillAfterHours,
      log: logger,
    }),
  };
}

let wired: Wiring | undefined;

/** The container's wiring, from process.env; throws ConfigurationError naming what is missing. */
export function wiring(): Wiring {
  wired ??= buildWiring(loadConfig());
  return wired;
}
