// fetch-resource's composition: ShipStation V1 through the shared request budget, credential health, the updates queue
// and the retries of the notifications queue. Imports the DynamoDB and SQS clients.
import { dynamoDbClient } from '../adapters/aws-dynamodb-client.js';
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { DynamoDbEventLedger } from '../adapters/dynamodb-event-ledger.js';
import { SqsUpdateQueue } from '../adapters/sqs-queues.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import { makeFetchResource, type FetchResource } from '../use-cases/fetch-resource.js';
import { perContainer } from './container.js';
import { credentialHealth, shipStationApi, shipStationV2Api, visibilityOf, workerBase, type QueueConsumer } from './parts.js';

export interface FetchResourceWiring extends QueueConsumer<'notifications'> {
  fetchResource: FetchResource;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = {
  accounts: 'full',
  settings: ['storage', 'notificationsQueue', 'updatesQueue', 'pollsQueue', 'http', 'shipStationBudget', 'retries', 'alerts'],
} as const;

/** fetch-resource's composition in this container. */
export const fetchResourceWiring = perContainer((env, document): FetchResourceWiring => {
  const config = loadFunctionConfig(needs, env, document);
  const { accounts, metrics } = workerBase(config);
  const [dynamodb, sqs] = [dynamoDbClient(), sqsClient()];
  const fetchResource = makeFetchResource({
    ...credentialHealth(config, systemClock, { dynamodb, sqs }),
    accounts,
    shipStation: shipStationApi(config, systemClock, dynamodb, metrics),
    shipStationV2: shipStationV2Api(config, systemClock, dynamodb, metrics),
    updates: new SqsUpdateQueue(sqs, config.updatesQueueUrl),
    ledger: new DynamoDbEventLedger(dynamodb, config.tableName),
    metrics,
  });
  return { fetchResource, metrics, visibility: visibilityOf(sqs, 'notifications', config.notificationsQueueUrl), config };
});
