// poll-shipstation's composition: the poll of one account, the release of events held in a Klaviyo outage, the sweep
// of due delay checks, the look at history events waiting for a full bulk request, the alert about lagging polls, and the retries of the polls queue. Imports the DynamoDB and SQS clients.
import { dynamoDbClient } from '../adapters/aws-dynamodb-client.js';
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { DynamoDbPollCursorStore } from '../adapters/dynamodb-poll-cursor-store.js';
import { SqsHistoryQueue } from '../adapters/sqs-queues.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import { logger } from '../observability.js';
import { makeAlertPollLag } from '../use-cases/alert-poll-lag.js';
import { makeRunPollJob, type RunPollJob } from '../use-cases/poll-account.js';
import { makeFlushOutbox } from '../use-cases/publish-history.js';
import { makeReleaseHeldEvents } from '../use-cases/release-held-events.js';
import { makeSweepDueChecks } from '../use-cases/sweep-due-checks.js';
import { perContainer } from './container.js';
import {
  bulkOutbox,
  credentialHealth,
  klaviyoApi,
  pollAccountUseCase,
  publishingKernel,
  shipStationApi,
  shipStationV2Api,
  visibilityOf,
  workerBase,
  type QueueConsumer,
} from './parts.js';

export interface PollShipStationWiring extends QueueConsumer<'polls'> {
  runPollJob: RunPollJob;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = {
  accounts: 'full',
  settings: ['storage', 'updatesQueue', 'historyQueue', 'pollsQueue', 'http', 'shipStationBudget', 'klaviyo', 'publishing', 'polling', 'retries', 'alerts'],
} as const;

/** poll-shipstation's composition in this container. */
export const pollShipStationWiring = perContainer((env, document): PollShipStationWiring => {
  const config = loadFunctionConfig(needs, env, document);
  const { accounts, metrics } = workerBase(config);
  const [dynamodb, sqs] = [dynamoDbClient(), sqsClient()];
  const health = credentialHealth(config, systemClock, { dynamodb, sqs }, { cacheWorkingKlaviyoKey: true });
  const shipStation = shipStationApi(config, systemClock, dynamodb, metrics);
  const shipStationV2 = shipStationV2Api(config, systemClock, dynamodb, metrics);
  const klaviyo = klaviyoApi(config, systemClock);
  const kernel = publishingKernel(config, systemClock, { dynamodb, health, accounts, metrics, shipStation, shipStationV2, klaviyo });
  const history = new SqsHistoryQueue(sqs, config.historyQueueUrl);
  const cursors = new DynamoDbPollCursorStore(dynamodb, config.tableName);
  const outbox = bulkOutbox(config, dynamodb, history);
  const runPollJob = makeRunPollJob({
    pollAccount: pollAccountUseCase(config, { sqs, dynamodb, health, accounts, shipStation, shipStationV2, metrics }),
    pollJobs: health.pollJobs,
    releaseHeld: makeReleaseHeldEvents({ ...kernel, history, klaviyoBulk: klaviyo, klaviyoCheck: klaviyo }),
    flushOutbox: makeFlushOutbox({ ...kernel, history, klaviyoBulk: klaviyo, outbox }),
    sweepDue: makeSweepDueChecks({ ...kernel, cursors }),
    alertPollLag: makeAlertPollLag({ ...health, cursors }),
    metrics,
    outageRetrySeconds: config.outageRetrySeconds,
    log: logger,
  });
  return { runPollJob, metrics, visibility: visibilityOf(sqs, 'polls', config.pollsQueueUrl), config };
});
