// publish-events' composition: the publishing kernel (order state, ledger, held events, delay checks, Klaviyo,
// ShipStation order reads), the tracking join, and the retries of the updates queue. Imports the DynamoDB and SQS clients.
import { dynamoDbClient } from '../adapters/aws-dynamodb-client.js';
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { DynamoDbTrackingActivity } from '../adapters/dynamodb-tracking-activity.js';
import { SqsUpdateQueue } from '../adapters/sqs-queues.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import { makePublishTracking, type PublishTracking } from '../use-cases/publish-tracking.js';
import { makePublishUpdate, type PublishUpdate } from '../use-cases/publish-update.js';
import { perContainer } from './container.js';
import { credentialHealth, klaviyoApi, publishingKernel, shipStationApi, shipStationV2Api, visibilityOf, workerBase, type QueueConsumer } from './parts.js';

export interface PublishEventsWiring extends QueueConsumer<'updates'> {
  publishUpdate: PublishUpdate;
  /** A verified V2 tracking update, joined to its label: the milestone it reaches, sent once. */
  publishTracking: PublishTracking;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = {
  accounts: 'full',
  settings: ['storage', 'updatesQueue', 'pollsQueue', 'http', 'shipStationBudget', 'klaviyo', 'publishing', 'tracking', 'retries', 'alerts'],
} as const;

/** publish-events' composition in this container. */
export const publishEventsWiring = perContainer((env, document): PublishEventsWiring => {
  const config = loadFunctionConfig(needs, env, document);
  const { accounts, metrics } = workerBase(config);
  const [dynamodb, sqs] = [dynamoDbClient(), sqsClient()];
  const health = credentialHealth(config, systemClock, { dynamodb, sqs }, { cacheWorkingKlaviyoKey: true });
  const kernel = publishingKernel(config, systemClock, {
    dynamodb,
    health,
    accounts,
    metrics,
    shipStation: shipStationApi(config, systemClock, dynamodb, metrics),
    shipStationV2: shipStationV2Api(config, systemClock, dynamodb, metrics),
    klaviyo: klaviyoApi(config, systemClock),
  });
  const updates = new SqsUpdateQueue(sqs, config.updatesQueueUrl);
  return {
    publishUpdate: makePublishUpdate({ ...kernel, updates }),
    publishTracking: makePublishTracking({
      ...kernel,
      updates,
      activity: new DynamoDbTrackingActivity(dynamodb, config.tableName),
      joinWaitHours: config.trackingJoinWaitHours,
    }),
    metrics,
    visibility: visibilityOf(sqs, 'updates', config.updatesQueueUrl),
    config,
  };
});
