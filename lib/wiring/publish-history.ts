// publish-history's composition: the publishing kernel with Klaviyo's bulk requests, and the retries of the history
// queue. Imports the DynamoDB and SQS clients.
import { dynamoDbClient } from '../adapters/aws-dynamodb-client.js';
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { SqsHistoryQueue } from '../adapters/sqs-queues.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import { makePublishHistory, type PublishHistory } from '../use-cases/publish-history.js';
import { perContainer } from './container.js';
import {
  bulkOutbox,
  credentialHealth,
  klaviyoApi,
  publishingKernel,
  shipStationApi,
  shipStationV2Api,
  visibilityOf,
  workerBase,
  type QueueConsumer,
} from './parts.js';

/** Orders publish-history works on at once. */
export const HISTORY_CONCURRENCY = 16;

export interface PublishHistoryWiring extends QueueConsumer<'history'> {
  publishHistory: PublishHistory;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = {
  accounts: 'full',
  settings: ['storage', 'historyQueue', 'pollsQueue', 'http', 'shipStationBudget', 'klaviyo', 'publishing', 'retries', 'alerts'],
} as const;

/** publish-history's composition in this container. */
export const publishHistoryWiring = perContainer((env, document): PublishHistoryWiring => {
  const config = loadFunctionConfig(needs, env, document);
  const { accounts, metrics } = workerBase(config);
  const [dynamodb, sqs] = [dynamoDbClient(), sqsClient()];
  const klaviyo = klaviyoApi(config, systemClock);
  const kernel = publishingKernel(config, systemClock, {
    dynamodb,
    health: credentialHealth(config, systemClock, { dynamodb, sqs }, { cacheWorkingKlaviyoKey: true }),
    accounts,
    metrics,
    shipStation: shipStationApi(config, systemClock, dynamodb, metrics),
    shipStationV2: shipStationV2Api(config, systemClock, dynamodb, metrics),
    klaviyo,
  });
  const history = new SqsHistoryQueue(sqs, config.historyQueueUrl);
  return {
    publishHistory: makePublishHistory({
      ...kernel,
      history,
      klaviyoBulk: klaviyo,
      concurrency: HISTORY_CONCURRENCY,
      outbox: bulkOutbox(config, dynamodb, history),
    }),
    metrics,
    visibility: visibilityOf(sqs, 'history', config.historyQueueUrl),
    config,
  };
});
